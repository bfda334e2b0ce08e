"""Migrations as one YAML stream: a document per MeshExternalService, the notes as comments above it."""

from __future__ import annotations

import textwrap

import yaml

from core.migrate.external_service import Migration, SecretToCreate
from core.model import Flavour
from core.report.text import printable


def render_yaml(migrations: list[Migration], version: str, system_namespace: str) -> str:
    if not migrations:
        return "# No legacy ExternalService in the input: nothing to migrate.\n"
    head = (f"# MeshExternalService manifests for Kuma {version}, migrated by `mesdoctor migrate` from "
            f"{len(migrations)} legacy ExternalService(s).\n"
            "# MES traffic always goes through a zone egress; on 3.0 clients and the egress also need a MeshIdentity "
            "and a MeshTrafficPermission on the egress listener.\n")
    parts = [head]
    for migration in migrations:
        parts.append(_document(migration, version, system_namespace))
    return "---\n".join(parts)


def _document(migration: Migration, version: str, system_namespace: str) -> str:
    es = migration.source
    lines = [f"# From ExternalService {_one_line(es.core_name)} (mesh {_one_line(es.mesh)}, "
             f"{_one_line(es.origin.location())})"]
    if not migration.converted:
        lines.append("# NOT MIGRATED:")
    elif migration.notes:
        lines.append("# Not carried over, or different on the MeshExternalService:")
    for note in migration.notes:
        wrapped = textwrap.wrap(_one_line(note), 112) or [""]
        lines.append(f"#   - {wrapped[0]}")
        lines.extend(f"#     {rest}" for rest in wrapped[1:])
    if migration.secrets:
        lines.append("# Create the Secrets it references from the PEM files you hold:")
        lines.extend(f"#   {command}" for secret in migration.secrets
                     for command in secret_commands(secret, es.flavour, system_namespace))
    body = "\n".join(lines) + "\n"
    if migration.manifest is not None:
        body += yaml.safe_dump(migration.manifest, sort_keys=False, default_flow_style=False, width=120)
    return body


def secret_commands(secret: SecretToCreate, flavour: Flavour, system_namespace: str) -> list[str]:
    pem = f"{secret.field}.pem"
    if flavour is Flavour.KUBERNETES:
        return [f"kubectl create secret generic {secret.name} -n {system_namespace} --type=system.kuma.io/secret "
                f"--from-file=value={pem}",
                f"kubectl label secret {secret.name} -n {system_namespace} kuma.io/mesh={secret.mesh}"]
    return [f'printf "type: Secret\\nname: {secret.name}\\nmesh: {secret.mesh}\\ndata: %s\\n" "$(base64 -w0 {pem})" '
            "| kumactl apply -f -"]


def stderr_lines(migrations: list[Migration]) -> list[str]:
    """The notes for the terminal: one line per note, prefixed by the ExternalService."""
    out: list[str] = []
    for migration in migrations:
        name = _one_line(migration.source.core_name)
        if not migration.converted:
            out.extend(f"{name}: not migrated: {_one_line(note)}" for note in migration.notes)
            continue
        out.extend(f"{name} -> {migration.name}: {_one_line(note)}" for note in migration.notes)
    return out


def _one_line(text: object) -> str:
    """User-provided text as one comment-safe line: control characters shown as `\\xNN`, no line breaks."""
    return printable(text).replace("\n", " ")
