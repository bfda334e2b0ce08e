"""The JSON report: a public contract read by CI pipelines and other tools.

Extend it, never break it: keys are only ever added. `schemaVersion` changes only on a breaking
change (there has been none). The JSON Schema lives next to this file (report.schema.json) and is
checked by the tests.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from core import __version__, gc_pause
from core.catalogue import CATALOGUE
from core.model import (
    CertificateRecord,
    CertificateStatus,
    Destination,
    EndpointMap,
    Exclusion,
    Finding,
    Origin,
    Report,
    ResourceRef,
    SecretReference,
    ServiceOutcome,
    ServiceStatus,
    UpstreamTls,
)
from core.report.json_text import dumps_indented

SCHEMA_VERSION = 1


def to_json(report: Report, *, indent: int | None = 2) -> str:
    with gc_pause.paused():  # a large report is millions of new objects, nothing for the collector to free
        data = report_dict(report)
        if isinstance(indent, int) and not isinstance(indent, bool) and indent >= 0:
            return dumps_indented(data, indent)  # json.dumps' text, without its slow pure-Python indenting
        return json.dumps(data, indent=indent, ensure_ascii=False)


def report_dict(report: Report) -> dict[str, Any]:
    services = report.services
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "mes-doctor", "version": __version__},
        "now": _time(report.now),
        "kumaVersion": report.kuma_version,
        "kumaVersionReason": report.version_reason,
        "zone": report.zone,
        "systemNamespace": report.system_namespace,
        "expiryWarningDays": report.expiry_warning_days,
        "complete": report.complete,
        "knownKinds": list(report.known_kinds),
        "summary": summary_dict(report),
        "services": [service_dict(s) for s in services],
        "secretReferences": [reference_dict(r) for r in report.secret_references],
        "certificates": [certificate_dict(c) for c in report.certificates],
        "findings": [finding_dict(f) for f in report.findings],
        "coverage": [finding_dict(f) for f in report.coverage],
        "endpointMaps": {
            "target": endpoint_map_dict(report.endpoint_map),
            "kuma29": endpoint_map_dict(report.legacy_map),
        },
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
    }


def service_dict(s: ServiceOutcome) -> dict[str, Any]:
    r = s.resource
    d = s.destination
    return {
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
        "findings": [finding_dict(f, with_resource=False) for f in s.findings],
    }


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


def reference_dict(r: SecretReference) -> dict[str, Any]:
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
    }


def finding_dict(f: Finding, *, with_resource: bool = True) -> dict[str, Any]:
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
    }
    if with_resource:
        d["resource"] = _ref_dict(f.resource)
    return d


def endpoint_map_dict(m: EndpointMap) -> dict[str, Any]:
    return {
        "version": m.version,
        "zone": m.zone,
        "destinations": [destination_dict(d) for d in m.included.values()],
        "excluded": [exclusion_dict(e) for e in m.excluded.values()],
        "lostFilterChains": [exclusion_dict(e) for e in m.lost_filter_chains.values()],
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
