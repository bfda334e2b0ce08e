"""`mesdoctor migrate`: legacy ExternalServices as MeshExternalServices of a target Kuma version.

`external_service.convert` maps one resource, `render` writes the YAML with its notes, `command.migrate`
runs the whole conversion and checks the result with MES Doctor itself (import it from there: it needs
the analysis pipeline, which itself reports on ExternalServices with `convert`).
"""
