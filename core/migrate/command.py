"""`mesdoctor migrate`: every legacy ExternalService of the input as a MeshExternalService, checked.

The generated MES are analysed by MES Doctor itself, next to the rest of the input (its Secrets, Meshes
and MES), on the target version: a finding of the MES's own stages (schema and validator, secret
references, TLS behaviour) is reported, and an error there fails the command. Prerequisites of the mesh
(zone egress, mTLS, MeshIdentity) and coverage notes are about the environment, not the conversion.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from core import loading
from core.analysis import analyse
from core.migrate.external_service import Migration, convert
from core.migrate.render import render_yaml, stderr_lines
from core.model import Finding, Kind, LoadResult, ReferenceStatus, Severity
from core.options import AnalysisOptions
from core.sources import Source
from core.versions import KumaVersion

_OWN_STAGES = ("MES1", "MES2", "MES3", "MES5")  # the MES itself, its references, its TLS behaviour


@dataclass(slots=True)
class MigrateResult:
    text: str  # the YAML stream (stdout)
    notes: list[str] = field(default_factory=list)  # one line each (stderr)
    migrations: list[Migration] = field(default_factory=list)
    check: list[Finding] = field(default_factory=list)  # findings on the generated MES (errors and warnings)
    failed: bool = False  # an ExternalService could not be converted, or a generated MES has an error


def migrate(sources: Sequence[Source], options: AnalysisOptions, *, preloaded: LoadResult | None = None,
            copy_inline_certificates: bool = False) -> MigrateResult:
    """Convert the ExternalServices of `sources` (and `preloaded`) for `options.kuma_version`."""
    version = KumaVersion.parse(options.kuma_version)
    load = LoadResult()
    if preloaded is not None:
        load.extend(preloaded)
    load.extend(loading.load(sources, options.limits, options.system_namespace))
    latest = {r.key: r for r in load.resources}  # a later definition wins, as in the analysis
    externals = sorted((r for r in latest.values() if r.kind is Kind.EXTERNAL_SERVICE), key=lambda r: r.key)
    taken = {(r.mesh, r.display_name) for r in latest.values() if r.kind is Kind.MESH_EXTERNAL_SERVICE}
    migrations = [convert(es, version, system_namespace=options.system_namespace, federated=options.federated,
                          taken=taken, copy_inline_certificates=copy_inline_certificates) for es in externals]
    text = render_yaml(migrations, str(version), options.system_namespace)
    result = MigrateResult(text, stderr_lines(migrations), migrations)
    result.failed = any(not m.converted for m in migrations)
    if any(m.converted for m in migrations):
        to_create = {(m.source.mesh, s.name) for m in migrations for s in m.secrets}
        result.check = self_check(text, sources, options, preloaded, to_create)
        result.failed = result.failed or any(f.severity is Severity.ERROR for f in result.check)
    return result


def self_check(text: str, sources: Sequence[Source], options: AnalysisOptions, preloaded: LoadResult | None,
               to_create: Collection[tuple[str, str]] = ()) -> list[Finding]:
    """The errors and warnings MES Doctor finds on the generated MES, analysed with the rest of the input.

    A Secret the migration asks the user to create (from inline material) is not in the input yet: its
    not-found reference, and the exclusion that follows, are expected and left out.
    """
    generated = Source("migrate", "migrated.yaml", text.encode())
    report = analyse([*sources, generated], replace(options, complete=False), preloaded=preloaded)
    mine = {s.resource.key: s for s in report.services if s.resource.origin.file == "migrated.yaml"}
    expected: set[tuple[str, str]] = set()
    for key, service in mine.items():
        pending = [r for r in service.references if r.status is ReferenceStatus.NOT_FOUND
                   and (service.resource.mesh, r.secret or "") in to_create]
        expected |= {(key, r.path) for r in pending}
        if pending and all(r.status.loads or r in pending for r in service.references):
            expected |= {(key, f.path) for f in service.findings if f.code in ("MES501", "MES502")}
    return [f for f in report.findings
            if f.resource is not None and f.resource.key in mine and f.code.startswith(_OWN_STAGES)
            and f.severity in (Severity.ERROR, Severity.WARNING) and (f.resource.key, f.path) not in expected]
