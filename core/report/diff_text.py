"""`mesdoctor diff` output: the report diff (core.report.diff) as a terminal table, Markdown for a pull-request
comment, or JSON. Every text comes from the two JSON reports; names and messages are escaped like every
other output (`printable`, `md`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.report.diff import ReportDiff, ServiceKey
from core.report.json_write import dumps_indented
from core.report.text import md, md_code, one_line

MARKER = "<!-- mesdoctor-diff -->"  # lets a CI job find and update its own comment
MAX_ROWS = 40
MAX_TEXT = 240
COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
_ICON = {"error": "🔴", "warning": "🟠", "ok": "🟢", None: "⚪"}
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class DiffSide:
    label: str  # what was analysed: a path, `REV:path`, a report file
    report: Mapping[str, Any]  # its JSON report


def new_counted(diff: ReportDiff, threshold: str) -> list[dict[str, Any]]:
    """The new findings that fail `mesdoctor diff --fail-on THRESHOLD`: not suppressed, at or above the
    severity (`new`: warning or worse)."""
    if threshold == "never":
        return []
    worst = {"error": 0, "warning": 1, "new": 1}[threshold]
    return [f for f in diff.findings_new if not f.get("suppression")
            and _SEVERITY_RANK.get(str(f.get("severity")), 2) <= worst]


def to_diff_json(diff: ReportDiff, before: DiffSide, after: DiffSide) -> str:
    data = {
        "schemaVersion": 1,
        "before": _side(before),
        "after": _side(after),
        "changed": diff.changed,
        "summary": diff.summary_lines(),
        **diff.to_dict(),
    }
    return dumps_indented(data) + "\n"


def _side(side: DiffSide) -> dict[str, Any]:
    verdict = side.report.get("verdict")
    return {"label": side.label, "now": side.report.get("now"), "kumaVersion": side.report.get("kumaVersion"),
            "zone": side.report.get("zone"),
            "verdict": verdict.get("level") if isinstance(verdict, Mapping) else None}


# --- Markdown (a pull-request comment) ----------------------------------------------------------------


def to_diff_markdown(diff: ReportDiff, before: DiffSide, after: DiffSide) -> str:
    for rows in (MAX_ROWS, 10, 3):
        text = _markdown(diff, before, after, rows)
        if len(text) <= COMMENT_LIMIT:
            return text
    cut = text[:COMMENT_LIMIT].rsplit("\n", 1)[0]
    return cut + "\n\n*(cut to fit a comment: run `mesdoctor diff` for the rest)*\n"


def _markdown(diff: ReportDiff, before: DiffSide, after: DiffSide, rows: int) -> str:
    out = [MARKER, "### MES Doctor: what this change does", ""]
    vb, va = diff.verdict_before, diff.verdict_after
    verdict = f"{_ICON.get(vb, '⚪')} {vb or 'n/a'} → {_ICON.get(va, '⚪')} {va or 'n/a'}"
    version = _pair(diff.version_before, diff.version_after)
    zone = _pair(diff.zone_before, diff.zone_after)
    out.append(f"**{verdict}** · Kuma {md(version)} · zone {md(zone)} · {md_code(before.label)} → "
               f"{md_code(after.label)}")
    out.append("")
    if not diff.changed:
        out.append("No change to the endpoint maps, the 2.9 cascade, findings, secret references or certificates.")
        out.append("")
    for line in diff.summary_lines():
        if line != "No change.":
            out.append(f"- {md(line)}")
    out.append("")
    if diff.new_culprits or diff.new_latent_culprits:
        out += ["#### 🔴 New 2.9 cascade culprits", "",
                "A 2.9.x control plane stops building the egress endpoint map at a culprit: the MES behind it are "
                "dropped too (kumahq/kuma#12821).", "",
                "| MES | Mesh | Now | Before | Holds back on 2.9.x |", "|---|---|---|---|---|"]
        for c in [*diff.new_culprits, *diff.new_latent_culprits][:rows]:
            held = ", ".join(md_code(v) for v in c.victims[:rows]) + (
                f" and {len(c.victims) - rows} more" if len(c.victims) > rows else "")
            out.append(f"| {md_code(c.core_name)} | {md(c.mesh)} | {md(c.role_after or '-')} | "
                       f"{md(c.role_before or 'not failing')} | {held or '-'} |")
        out += _more(len(diff.new_culprits) + len(diff.new_latent_culprits), rows)
        out.append("")
    services = _service_rows(diff, before.report, after.report)
    if services:
        out += ["#### MeshExternalServices that change", "",
                "| MES | Mesh | Status | In the endpoint map | On 2.9.x |", "|---|---|---|---|---|"]
        for r in services[:rows]:
            out.append(f"| {md_code(r['name'])} | {md(r['mesh'])} | {md(r['status'])} | {md(r['included'])} | "
                       f"{md(r['on29'])} |")
        out += _more(len(services), rows)
        out.append("")
    if diff.findings_new:
        out += [f"#### New findings ({len(diff.findings_new)})", ""]
        out += _finding_table(diff.findings_new, rows)
    if diff.findings_resolved:
        out += [f"<details><summary>Resolved findings ({len(diff.findings_resolved)})</summary>", ""]
        out += _finding_table(diff.findings_resolved, rows)
        out += ["</details>", ""]
    certs = _certificate_rows(diff)
    if certs:
        out += ["#### Certificates", "", "| Change | MES | Field | Secret | Subject | Not after | SHA-256 |",
                "|---|---|---|---|---|---|---|"]
        for change, c, secret in certs[:rows]:
            out.append(f"| {change} | {md_code(c.get('serviceCoreName') or c.get('service') or '')} | "
                       f"{md(c.get('field') or '')} | {md(secret)} | {md(_short(c.get('subject') or ''))} | "
                       f"{md((c.get('notAfter') or '')[:10])} | {md_code((c.get('sha256') or '')[:16])} |")
        out += _more(len(certs), rows)
        out.append("")
    refs = [("broken", r) for r in diff.references_broken] + [("fixed", r) for r in diff.references_fixed]
    if refs:
        out += ["#### Secret references", "", "| Change | MES | Field | Secret | Status | Why |",
                "|---|---|---|---|---|---|"]
        for change, r in refs[:rows]:
            icon = "🔴 broken" if change == "broken" else "✅ fixed"
            out.append(f"| {icon} | {md_code(r.get('serviceCoreName') or '')} | {md(r.get('field') or '')} | "
                       f"{md(r.get('secret') or '(inline)')} | {md(r.get('status') or '')} | "
                       f"{md(_short(r.get('message') or ''))} |")
        out += _more(len(refs), rows)
        out.append("")
    out.append("<sub>MES Doctor · computed offline from the manifests · no secret payload or key material is "
               "included</sub>")
    return "\n".join(out) + "\n"


def _finding_table(findings: list[dict[str, Any]], rows: int) -> list[str]:
    ordered = sorted(findings, key=lambda f: _SEVERITY_RANK.get(str(f.get("severity")), 3))
    out = ["| Severity | Code | Resource | Path | Message |", "|---|---|---|---|---|"]
    for f in ordered[:rows]:
        suppression = f.get("suppression")
        note = f" *(suppressed: {md(_short(suppression.get('reason') or ''))})*" if isinstance(
            suppression, Mapping) else ""
        out.append(f"| {md(f.get('severity') or '')} | {md(f.get('code') or '')} | {md(_subject(f))} | "
                   f"{md_code(f.get('path')) if f.get('path') else '-'} | {md(_short(f.get('message') or ''))}{note} |")
    return [*out, *_more(len(findings), rows), ""]


def _more(total: int, rows: int) -> list[str]:
    return ["", f"… and {total - rows} more."] if total > rows else []


# --- terminal table -----------------------------------------------------------------------------------


def to_diff_table(diff: ReportDiff, before: DiffSide, after: DiffSide) -> str:
    out = [f"MES Doctor diff — {one_line(before.label)} → {one_line(after.label)}",
           f"  verdict {diff.verdict_before or 'n/a'} → {diff.verdict_after or 'n/a'}; Kuma "
           f"{one_line(_pair(diff.version_before, diff.version_after))}; zone "
           f"{one_line(_pair(diff.zone_before, diff.zone_after))}", ""]
    out += [one_line(line) for line in diff.summary_lines()]
    services = _service_rows(diff, before.report, after.report)
    if services:
        out += ["", "MeshExternalServices that change:"]
        for r in services:
            out.append(one_line(f"  {r['mesh']}/{r['name']}: status {r['status']}; endpoint map {r['included']}; "
                                 f"2.9.x {r['on29']}"))
    for title, findings in (("New findings", diff.findings_new), ("Resolved findings", diff.findings_resolved)):
        if findings:
            out += ["", f"{title} ({len(findings)}):"]
            for f in findings:
                suppressed = " (suppressed)" if f.get("suppression") else ""
                path = f" {f.get('path')}" if f.get("path") else ""
                out.append(one_line(f"  {f.get('severity')} {f.get('code')} {_subject(f)}{path}{suppressed}: "
                                     f"{f.get('message')}"))
    certs = _certificate_rows(diff)
    if certs:
        out += ["", "Certificates:"]
        for change, c, secret in certs:
            out.append(one_line(f"  {change}: {c.get('serviceCoreName')} {c.get('field')} ({secret}) "
                                 f"{c.get('subject')}, not after {(c.get('notAfter') or '')[:10]}"))
    return "\n".join(out) + "\n"


# --- rows shared by both texts ---------------------------------------------------------------------------


def _service_rows(diff: ReportDiff, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row per MES whose status or inclusion (target map, 2.9.x map) changes, added or removed."""
    keys: dict[ServiceKey, None] = {}
    for changes in (diff.newly_dropped, diff.restored, diff.newly_dropped_on_29, diff.restored_on_29,
                    diff.status_changes, diff.services_added, diff.services_removed):
        for c in changes:
            keys[(c.mesh, c.core_name)] = None
    old, new = _services(before), _services(after)
    rows = []
    for key in keys:
        b, a = old.get(key), new.get(key)
        rows.append({
            "mesh": key[0], "name": key[1],
            "status": _pair(b.get("status") if b else "absent", a.get("status") if a else "absent"),
            "included": _pair(_yes(b, "included"), _yes(a, "included")),
            "on29": _pair(_yes(b, "includedOn29"), _yes(a, "includedOn29")),
        })
    return sorted(rows, key=lambda r: (r["mesh"], r["name"]))


def _services(report: Mapping[str, Any]) -> dict[ServiceKey, Mapping[str, Any]]:
    services = report.get("services")
    out: dict[ServiceKey, Mapping[str, Any]] = {}
    for s in services if isinstance(services, list) else []:
        if isinstance(s, Mapping):
            out[(str(s.get("mesh") or "default"), str(s.get("coreName") or s.get("name") or ""))] = s
    return out


def _certificate_rows(diff: ReportDiff) -> list[tuple[str, Mapping[str, Any], str]]:
    rows: list[tuple[str, Mapping[str, Any], str]] = []
    for pair in diff.certificates_rotated:
        rows.append(("🔄 rotated", pair["after"], str(pair["after"].get("secret") or "(inline)")))
    for pair in diff.certificates_moved:
        rows.append(("➡️ moved", pair["after"], f"{pair['before'].get('secret')} → {pair['after'].get('secret')}"))
    rows += [("➕ added", c, str(c.get("secret") or "(inline)")) for c in diff.certificates_added]
    rows += [("➖ removed", c, str(c.get("secret") or "(inline)")) for c in diff.certificates_removed]
    return rows


def _subject(f: Mapping[str, Any]) -> str:
    resource = f.get("resource")
    if isinstance(resource, Mapping):
        ns = f"{resource.get('namespace')}/" if resource.get("namespace") else ""
        return f"{resource.get('kind')} {ns}{resource.get('name')}"
    location = f.get("location")
    return f"input {location.get('file')}" if isinstance(location, Mapping) else "input"


def _yes(service: Mapping[str, Any] | None, flag: str) -> str:
    if service is None:
        return "absent"
    return "yes" if service.get(flag) else "no"


def _pair(before: Any, after: Any) -> str:
    return str(after) if before == after else f"{before} → {after}"


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
