"""Flat rows of the report (services, references, certificates, findings, documents).

One definition shared by the CLI table, the CSV exports and the dashboard's tables, so every
surface shows the same columns computed once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from core import gc_pause
from core.catalogue import CATALOGUE
from core.model import Kind, Report, Resource, ResourceRef, ServiceOutcome
from core.report.text import printable

SERVICE_COLUMNS = [
    "status", "included", "mesh", "namespace", "name", "destination", "hostname", "endpoints",
    "tls", "earliest_expiry", "findings", "top_finding", "included_on_2_9", "dropped_by", "file", "line",
    "created_at", "modified_at",
]


@gc_pause.during
def service_rows(report: Report) -> list[dict[str, Any]]:
    return [service_row(s) for s in report.services]


def service_row(s: ServiceOutcome) -> dict[str, Any]:
    r = s.resource
    d = s.destination
    top = next((f for f in s.findings if f.severity != "info"), None)
    return {
        "status": s.status.value,
        "included": s.included,
        "mesh": r.mesh,
        "namespace": r.namespace or "",
        "name": r.name,
        "destination": d.cluster if d else "",
        "hostname": d.hostname if d else f"{r.display_name}.extsvc.mesh.local",
        "endpoints": ", ".join(f"{e.address}:{e.port}" for e in d.endpoints) if d else _spec_endpoints(r.spec),
        "tls": s.tls_mode,
        "earliest_expiry": s.earliest_expiry,
        "findings": sum(1 for f in s.findings if f.severity != "info"),
        "top_finding": f"{top.code} {top.message}" if top else "",
        "included_on_2_9": s.included_on_2_9,
        "dropped_by": s.dropped_by.name if s.dropped_by else "",
        "file": r.origin.file,
        "line": r.origin.line,
        "created_at": r.created_at,
        "modified_at": r.modified_at,
    }


def _spec_endpoints(spec: Any) -> str:
    endpoints = spec.get("endpoints") if isinstance(spec, dict) else None
    if not isinstance(endpoints, list):
        return ""
    parts = []
    for e in endpoints:
        if isinstance(e, dict):
            parts.append(f"{e.get('address', '?')}:{e.get('port', '?')}")
    return ", ".join(parts)


def secret_label(name: str | None) -> str:
    """The referenced Secret name for display: `""` for an empty name (`secret: ""`), "" for inline."""
    if name is None:
        return ""
    return name if name else '""'


REFERENCE_COLUMNS = ["status", "mesh", "service", "field", "source", "secret", "message", "code", "file"]


@gc_pause.during
def reference_rows(report: Report) -> list[dict[str, Any]]:
    """One row per secret reference, failing first; `secret_created_at` / `secret_modified_at` date the Secret it
    found (the dashboard shows them as ages; they are not CSV columns)."""
    secrets = {r.key: r for r in report.resources if r.kind in (Kind.SECRET, Kind.GLOBAL_SECRET)}
    rows = [
        {
            "status": r.status.value,
            "mesh": r.mesh,
            "service": r.service.name,
            "field": r.field,
            "source": r.source,
            "secret": secret_label(r.secret),
            "message": r.message,
            "code": r.code or "",
            "file": r.service.origin.location() if r.service.origin else "",
            "service_core_name": r.service.core_name,
            "secret_created_at": _matched_time(secrets, r.matched, "created_at"),
            "secret_modified_at": _matched_time(secrets, r.matched, "modified_at"),
        }
        for r in report.secret_references
    ]
    # failing first, then by mesh / service / field
    return sorted(rows, key=lambda x: (x["status"] == "ok", x["status"] == "not-checked", x["mesh"], x["service"]))


def _matched_time(secrets: dict[str, Resource], matched: ResourceRef | None, attribute: str) -> Any:
    secret = secrets.get(matched.key) if matched is not None else None
    return getattr(secret, attribute) if secret is not None else None


CERTIFICATE_COLUMNS = [
    "status", "days_left", "not_after", "not_before", "mesh", "service", "field", "secret", "position",
    "subject", "issuer", "sans", "serial", "sha256", "key", "key_pair", "is_ca",
]


@gc_pause.during
def certificate_rows(report: Report) -> list[dict[str, Any]]:
    rows = [
        {
            "status": c.status.value,
            "days_left": c.days_left,
            "not_after": c.not_after,
            "not_before": c.not_before,
            "mesh": c.service.mesh or "",
            "service": c.service.name,
            "field": c.field,
            "secret": c.secret or "",
            "position": c.position,
            "subject": c.subject,
            "issuer": c.issuer,
            "sans": ", ".join(c.sans),
            "serial": c.serial,
            "sha256": c.sha256,
            "key": f"{c.key_type} {c.key_size}" if c.key_size else c.key_type,
            "key_pair": c.key_pair.value if c.key_pair else "",
            "is_ca": c.is_ca,
        }
        for c in report.certificates
    ]
    return sorted(rows, key=lambda x: x["not_after"])


FINDING_COLUMNS = ["severity", "code", "title", "stage", "resource", "mesh", "path", "message", "hint", "location"]


@gc_pause.during
def finding_rows(report: Report, findings: Iterable[Any] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "severity": f.severity.value,
            "code": f.code,
            "title": CATALOGUE[f.code].title,
            "stage": f.stage.value,
            "resource": f.resource.label() if f.resource else "",
            "mesh": (f.resource.mesh or "") if f.resource else "",
            "path": f.path,
            "message": f.message,
            "hint": f.hint,
            "location": f.location,
        }
        for f in (report.findings if findings is None else findings)
    ]


DOCUMENT_COLUMNS = ["status", "kind", "name", "file", "document", "line", "reason", "source"]


@gc_pause.during
def document_rows(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "status": d.status.value,
            "kind": d.kind or "",
            "name": d.name or "",
            "file": d.origin.file,
            "document": d.origin.document,
            "line": d.origin.line,
            "reason": d.reason,
            "source": d.origin.source,
        }
        for d in report.documents
    ]


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """CSV with formula-injection protection: cells starting with = + - @ are prefixed with '."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        value = printable(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value
