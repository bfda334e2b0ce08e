"""The JSON report: a public contract read by CI pipelines and other tools.

Extend it, never break it: keys are only ever added. `schemaVersion` changes only on a breaking
change (there has been none). The JSON Schema lives next to this file (report.schema.json) and is
checked by the tests.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core import __version__, gc_pause
from core.catalogue import CATALOGUE
from core.durations import changed_recently
from core.model import (
    CertificateRecord,
    CertificateStatus,
    Destination,
    EndpointMap,
    Exclusion,
    Finding,
    Kind,
    Origin,
    Report,
    Resource,
    ResourceRef,
    SecretReference,
    ServiceOutcome,
    ServiceStatus,
    UpstreamTls,
)
from core.report.cascade import CascadeSummary, cascade_summary

if TYPE_CHECKING:
    from core.gate.result import GateResult
    from core.gate.suppressions import Suppression
from core.report.json_write import Lazy, Untyped, materialise, write_indented, write_indented_bytes
from core.report.verdict import overall_verdict, service_verdict

SCHEMA_VERSION = 1


def to_json(report: Report, *, indent: int | None = 2) -> str:
    """The report's text: `json.dumps(report_dict(report), indent=2, ensure_ascii=False)`, written by orjson
    (`json_write`); another `indent` is written by `json.dumps`."""
    with gc_pause.paused():  # a large report is millions of new objects, nothing for the collector to free
        if indent == 2 and not isinstance(indent, bool):
            pieces: list[bytes] = []
            write_indented_bytes(_report(report), pieces.append)
            return b"".join(pieces).decode("utf-8", "surrogatepass")  # as write_indented decodes its pieces
        return json.dumps(report_dict(report), indent=indent, ensure_ascii=False)


def write_json(report: Report, write: Callable[[str], object]) -> None:
    """`to_json(report) + "\n"`, written in pieces: one service, finding, destination... at a time, so neither
    the report's dicts nor its text (ten times the size of an input of small MES) are in memory at once."""
    with gc_pause.paused():
        write_indented(_report(report), write)
        write("\n")


def write_json_bytes(report: Report, write: Callable[[bytes], object]) -> None:
    """`write_json` as UTF-8 bytes, for a binary stream (the CLI's output file or standard output)."""
    with gc_pause.paused():
        write_indented_bytes(_report(report), write)
        write(b"\n")


def report_dict(report: Report) -> dict[str, Any]:
    return materialise(_report(report))  # type: ignore[no-any-return]


def _report(report: Report) -> dict[str, Any]:
    """The report with its long lists `Lazy` (made one item at a time)."""
    services = report.services
    secrets = secrets_by_key(report)
    cascade = cascade_summary(report)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "mes-doctor", "version": __version__},
        "now": _time(report.now),
        "kumaVersion": report.kuma_version,
        "kumaVersionReason": report.version_reason,
        "kumaVersionDetected": report.version_detected,
        "kumaVersionSource": report.version_source,
        "zone": report.zone,
        "zoneReason": report.zone_reason,
        "zones": [{"zone": zone, "services": n} for zone, n in report.zones.items()],
        "systemNamespace": report.system_namespace,
        "expiryWarningDays": report.expiry_warning_days,
        "complete": report.complete,
        "knownKinds": list(report.known_kinds),
        "verdict": overall_verdict(report, cascade).to_dict(),
        "summary": summary_dict(report),
        "cascade": cascade.to_dict(),
        "services": Lazy(lambda s: service_dict(s, report, cascade), services),
        "secretReferences": Lazy(lambda r: reference_dict(r, secrets), report.secret_references),
        "certificates": Lazy(certificate_dict, report.certificates),
        "findings": Lazy(lambda f: finding_dict(f, gate=report.gate), report.findings),
        "coverage": Lazy(lambda f: finding_dict(f, gate=report.gate), report.coverage),
        "endpointMaps": {
            "target": _endpoint_map(report.endpoint_map),
            "kuma29": _endpoint_map(report.legacy_map),
        },
        "gate": _gate(report.gate, report.findings),
    }


def summary_dict(report: Report) -> dict[str, Any]:
    """The report's headline counts (the JSON `summary`; the dashboard's Overview shows the same numbers)."""
    services = report.services
    statuses = Counter(s.status for s in services)
    severities = Counter(f.severity.value for f in report.findings)
    cert_states = Counter(c.status for c in report.certificates)
    docs = Counter(d.status.value for d in report.documents)
    return {
        "services": len(services),
        "healthy": statuses[ServiceStatus.HEALTHY],
        "warning": statuses[ServiceStatus.WARNING],
        "broken": statuses[ServiceStatus.BROKEN],
        "included": sum(1 for s in services if s.included),
        "excluded": sum(1 for s in services if not s.included),
        "includedOn29": sum(1 for s in services if s.included_on_2_9),
        "secretReferences": len(report.secret_references),
        "failingSecretReferences": sum(1 for r in report.secret_references if r.status.fails),
        "uncheckedSecretReferences": sum(1 for r in report.secret_references if r.status == "not-checked"),
        "certificates": len(report.certificates),
        "certificatesExpiring": cert_states[CertificateStatus.EXPIRING],
        "certificatesExpired": cert_states[CertificateStatus.EXPIRED],
        "certificatesNotYetValid": cert_states[CertificateStatus.NOT_YET_VALID],
        "earliestExpiry": _time(min((c.not_after for c in report.certificates), default=None)),
        "findings": {"error": severities["error"], "warning": severities["warning"], "info": severities["info"]},
        "documents": {"loaded": docs["loaded"], "ignored": docs["ignored"], "failed": docs["failed"]},
        "changedRecently": sum(1 for s in services if _changed_recently(s.resource, report.now)),
    }


def service_dict(s: ServiceOutcome, report: Report | None = None, cascade: CascadeSummary | None = None,
                 ) -> dict[str, Any]:
    """One service; `report` adds its verdict (which reads the endpoint map and the cascade) and decides
    `changedRecently` by its `now` (False without it)."""
    r = s.resource
    d = s.destination
    out = {
        "name": r.name,
        "mesh": r.mesh,
        "namespace": r.namespace,
        "coreName": r.core_name,
        "displayName": r.display_name,
        "flavour": r.flavour.value,
        "status": s.status.value,
        "included": s.included,
        "includedOn29": s.included_on_2_9,
        "droppedBy": _ref_name(s.dropped_by),
        "admissionValid": s.admission_valid,
        "reachable": s.reachable,
        "destination": d.cluster if d else None,
        "legacyDestination": d.name if d else None,
        "kri": d.kri if d else None,
        "sni": d.egress_sni if d else None,
        "hostname": d.hostname if d else f"{r.display_name}.extsvc.mesh.local",
        "hostnames": [{"hostname": h, "generator": g} for h, g in s.hostnames],
        "port": d.port if d else None,
        "protocol": d.protocol if d else None,
        "clusterType": d.cluster_type if d else None,
        "endpoints": _endpoints(d) if d else [],
        "tags": dict(d.tags) if d else None,
        "tlsMode": s.tls_mode,
        "tls": tls_dict(d.tls) if d and d.tls else None,
        "earliestExpiry": _time(s.earliest_expiry),
        "logLines": list(s.log_lines),
        "origin": origin_dict(r.origin),
        "findings": [finding_dict(f, with_resource=False, gate=report.gate if report else None) for f in s.findings],
        "createdAt": _time(r.created_at),
        "modifiedAt": _time(r.modified_at),
        "changedRecently": report is not None and _changed_recently(r, report.now),
        "cascadeRole": s.cascade_role,
        "restoreOn29": list(s.restore_on_29) if s.restore_on_29 is not None else None,
    }
    if report is not None:
        out["verdict"] = service_verdict(s, report, cascade).to_dict()
    return out


def _changed_recently(r: Resource, now: datetime) -> bool:
    return changed_recently(r.created_at, r.modified_at, now)


def secrets_by_key(report: Report) -> dict[str, Resource]:
    """The report's (redacted) Secrets and GlobalSecrets by resource key, to date the matched Secret of a
    reference."""
    return {r.key: r for r in report.resources if r.kind is Kind.SECRET or r.kind is Kind.GLOBAL_SECRET}


def tls_dict(t: UpstreamTls) -> dict[str, Any]:
    return {
        "mode": t.mode,
        "sni": t.sni,
        "sniSource": t.sni_source,
        "validationContext": t.validation_context,
        "ca": t.ca,
        "systemCaFallback": t.system_ca_fallback,
        "clientCertificate": t.client_certificate,
        "hostnameVerification": t.hostname_verification,
        "sanMatchers": list(t.san_matchers),
        "minVersion": t.min_version,
        "maxVersion": t.max_version,
        "versionsApplied": t.versions_applied,
        "allowRenegotiation": t.allow_renegotiation,
    }


def reference_dict(r: SecretReference, secrets: dict[str, Resource] | None = None) -> dict[str, Any]:
    """One reference; `secrets` (`secrets_by_key`) dates the matched Secret (null when unknown)."""
    matched = secrets.get(r.matched.key) if secrets is not None and r.matched is not None else None
    return {
        "service": r.service.name,
        "serviceCoreName": r.service.core_name,
        "namespace": r.service.namespace,
        "mesh": r.mesh,
        "field": r.field,
        "path": r.path,
        "source": r.source,
        "secret": r.secret,
        "status": r.status.value,
        "code": r.code,
        "message": r.message,
        "matched": _ref_dict(r.matched),
        "logLine": r.log_line,
        "errorChain": r.error_chain,
        "materialSha256": r.material_sha256,
        "secretCreatedAt": _time(matched.created_at) if matched else None,
        "secretModifiedAt": _time(matched.modified_at) if matched else None,
    }


def certificate_dict(c: CertificateRecord) -> dict[str, Any]:
    return {
        "service": c.service.name,
        "serviceCoreName": c.service.core_name,
        "mesh": c.service.mesh,
        "field": c.field,
        "secret": c.secret,
        "source": c.source,
        "position": c.position,
        "subject": c.subject,
        "issuer": c.issuer,
        "sans": list(c.sans),
        "serial": c.serial,
        "sha256": c.sha256,
        "notBefore": _time(c.not_before),
        "notAfter": _time(c.not_after),
        "daysLeft": c.days_left,
        "status": c.status.value,
        "keyType": c.key_type,
        "keySize": c.key_size,
        "isCa": c.is_ca,
        "selfSigned": c.self_signed,
        "signatureAlgorithm": c.signature_algorithm,
        "keyUsage": list(c.key_usage),
        "extendedKeyUsage": list(c.extended_key_usage),
        "keyPair": c.key_pair.value if c.key_pair else None,
    }


def finding_dict(f: Finding, *, with_resource: bool = True, gate: GateResult | None = None) -> dict[str, Any]:
    """One finding; `gate` (the merge gate's result) says whether it is suppressed and new since the baseline."""
    origin = f.origin or (f.resource.origin if f.resource else None)
    d: dict[str, Any] = {
        "code": f.code,
        "title": CATALOGUE[f.code].title,
        "severity": f.severity.value,
        "stage": f.stage.value,
        "path": f.path,
        "message": f.message,
        "hint": f.hint,
        "fix": f.fix,
        "location": origin_dict(origin) if origin else None,
        "related": [_ref_dict(r) for r in f.related],
        "suppression": _suppression_mark(gate.suppression(f)) if gate is not None else None,
        "baselineState": gate.baseline_state(f) if gate is not None else None,
    }
    if with_resource:
        d["resource"] = _ref_dict(f.resource)
    return d


def _suppression_mark(s: Suppression | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"source": s.source, "reason": s.reason, "until": s.until_text or None,
            "location": {"file": s.origin.file, "line": s.origin.line}}


def _gate(gate: GateResult | None, findings: list[Finding]) -> Untyped | None:
    """The gate's part, written by `json.dumps`: its baseline's resolved findings are a previous report's JSON read
    back as it is (any number, `NaN` included, which orjson would write differently)."""
    return None if gate is None else Untyped(gate_dict(gate, findings))


def gate_dict(gate: GateResult | None, findings: list[Finding]) -> dict[str, Any] | None:
    """The merge gate's part of the report (null when no gate ran, e.g. the dashboard's report)."""
    if gate is None:
        return None
    baseline = gate.baseline
    return {
        "configFile": gate.config_file,
        "suppressed": len(gate.suppressed),
        "counted": len(gate.counted(findings)),
        "suppressions": [{**s.to_dict(), "state": gate.states.get(s), "matched": gate.matched.get(s, 0)}
                         for s in gate.suppressions],
        "baseline": None if baseline is None else {
            "file": baseline.file,
            "now": baseline.now,
            "kumaVersion": baseline.kuma_version,
            "zone": baseline.zone,
            "new": sum(1 for f in findings if gate.baseline_state(f) == "new"),
            "unchanged": sum(1 for f in findings if gate.baseline_state(f) == "unchanged"),
            "resolved": len(gate.resolved),
            "resolvedFindings": gate.resolved,
        },
    }


def endpoint_map_dict(m: EndpointMap) -> dict[str, Any]:
    return materialise(_endpoint_map(m))  # type: ignore[no-any-return]


def _endpoint_map(m: EndpointMap) -> dict[str, Any]:
    return {
        "version": m.version,
        "zone": m.zone,
        "destinations": Lazy(destination_dict, m.included.values()),
        "excluded": Lazy(exclusion_dict, m.excluded.values()),
        "lostFilterChains": Lazy(exclusion_dict, m.lost_filter_chains.values()),
    }


def destination_dict(d: Destination) -> dict[str, Any]:
    return {
        "service": d.service.name,
        "mesh": d.mesh,
        "cluster": d.cluster,
        "name": d.name,
        "kri": d.kri,
        "sni": d.egress_sni,
        "hostname": d.hostname,
        "endpoints": _endpoints(d),
        "tags": dict(d.tags),
    }


def _endpoints(d: Destination) -> list[dict[str, Any]]:
    return [{"address": e.address, "port": e.port, "priority": e.priority, "kind": e.kind} for e in d.endpoints]


def exclusion_dict(e: Exclusion) -> dict[str, Any]:
    return {
        "service": e.service.name,
        "mesh": e.service.mesh,
        "reason": e.reason,
        "code": e.code,
        "culprit": _ref_name(e.culprit),
    }


def origin_dict(o: Origin) -> dict[str, Any]:
    d: dict[str, Any] = {"source": o.source, "file": o.file, "document": o.document, "line": o.line}
    if o.fetched_at:
        d["fetchedAt"] = _time(o.fetched_at)
    return d


def _ref_dict(r: ResourceRef | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"kind": r.kind.value, "name": r.name, "mesh": r.mesh, "namespace": r.namespace, "coreName": r.core_name}


def _ref_name(r: ResourceRef | None) -> str | None:
    return r.name if r else None


def _time(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t else None
