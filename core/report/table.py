"""Human-readable terminal output (colour only when writing to a terminal).

Every input-derived piece goes through `one_line`: no control character reaches the terminal and no line
break in a name, a path or a message can start a row or a finding line of its own."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any

from core.gate.result import NEW, UNCHANGED, GateResult
from core.model import DocumentStatus, Report, Severity
from core.report.cascade import LATENT, CascadeSummary, cascade_summary
from core.report.rows import certificate_rows, reference_rows, service_rows
from core.report.text import one_line
from core.report.verdict import overall_verdict

_COLOURS = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1", "cyan": "36"}
_STATUS_COLOUR = {"broken": "red", "warning": "yellow", "healthy": "green", "error": "red", "info": "cyan",
                  "expired": "red", "not-yet-valid": "red", "expiring": "yellow", "valid": "green", "ok": "green",
                  "not-checked": "dim"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SEVERITY_ICON = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "ℹ"}
_VERDICT = {"error": ("✖", "red"), "warning": ("▲", "yellow"), "ok": ("✔", "green")}


class Painted(str):
    """Text already made printable and coloured: `_grid` must not mask its escape sequences."""

    __slots__ = ()


class Painter:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, colour: str) -> str:
        if not self.colour or colour not in _COLOURS:
            return text
        return Painted(f"\x1b[{_COLOURS[colour]}m{one_line(text)}\x1b[0m")

    def status(self, text: str) -> str:
        return self(text, _STATUS_COLOUR.get(text, "red" if text not in ("ok",) else "green"))


def to_table(report: Report, *, colour: bool = False, width: int = 160) -> str:
    p = Painter(colour)
    out: list[str] = []
    cascade = cascade_summary(report)
    out.append(p("MES Doctor", "bold") + f" — Kuma {report.kuma_version}, zone {one_line(report.zone)}, "
               f"system namespace {one_line(report.system_namespace)}, now {report.now:%Y-%m-%d %H:%M} UTC")
    out.append(p(f"  version: {one_line(report.version_reason)}", "dim" if report.version_detected else "yellow"))
    out.append(p(f"  zone:    {one_line(report.zone_reason)}", "dim"))
    out.append("")
    verdict = overall_verdict(report, cascade)
    icon, colour_name = _VERDICT[verdict.level]
    out.append(p(f"{icon} {verdict.level.upper()}: {one_line(verdict.headline)}", colour_name))
    for reason in verdict.reasons:
        if reason != verdict.headline:
            out.append(p(f"  · {one_line(reason)}", "dim"))
    out.append("")
    out.extend(_loaded(report))
    out.append("")

    services = service_rows(report)
    counts = Counter(s["status"] for s in services)
    out.append(p("MeshExternalServices", "bold") + f": {len(services)} — {counts['broken']} broken, "
               f"{counts['warning']} warning, {counts['healthy']} healthy; "
               f"{sum(1 for s in services if s['included'])} in the egress endpoint map")
    if services:
        rows = [[p.status(s["status"]), "yes" if s["included"] else "NO", s["mesh"], _name(s), s["destination"] or "-",
                 s["tls"], _date(s["earliest_expiry"]), s["top_finding"] or ""] for s in services]
        out.extend(_grid(["STATUS", "INCLUDED", "MESH", "NAME", "DESTINATION", "TLS", "EXPIRY", "FIRST PROBLEM"],
                         rows, width))
    if cascade.culprits:
        out.append("")
        out.extend(_cascade(cascade, p))

    refs = reference_rows(report)
    out.append("")
    failing = sum(1 for r in report.secret_references if r.status.fails)
    unchecked = sum(1 for r in report.secret_references if r.status == "not-checked")
    note = f", {unchecked} not checked" if unchecked else ""
    out.append(p("Secret references", "bold") + f": {len(refs)} ({failing} failing{note})")
    if refs:
        rows = [[p.status(r["status"]), r["mesh"], r["service"], r["field"], r["source"], r["secret"] or "(inline)",
                 r["message"]] for r in refs]
        out.extend(_grid(["STATUS", "MESH", "SERVICE", "FIELD", "SOURCE", "SECRET", "WHY"], rows, width))

    certs = certificate_rows(report)
    out.append("")
    out.append(p("Certificates", "bold") + f": {len(certs)} (expiry window {report.expiry_warning_days} days)")
    if certs:
        rows = [[p.status(c["status"]), str(c["days_left"]), _date(c["not_after"]), _date(c["not_before"]),
                 c["service"], c["field"], c["secret"] or "(inline)", c["subject"], c["sha256"][:16]] for c in certs]
        out.extend(_grid(["STATUS", "DAYS", "NOT AFTER", "NOT BEFORE", "SERVICE", "FIELD", "SECRET", "SUBJECT",
                          "SHA-256"], rows, width))

    out.append("")
    sev = Counter(f.severity for f in report.findings)
    out.append(p("Findings", "bold") + f": {sev[Severity.ERROR]} errors, {sev[Severity.WARNING]} warnings, "
               f"{sev[Severity.INFO]} notes")
    gate = report.gate
    for f in report.findings:
        icon = p(_SEVERITY_ICON[f.severity], _STATUS_COLOUR[f.severity.value])
        subject = f.resource.label() if f.resource else "input"
        where = f" [{f.location}]" if f.location else ""
        path = f" {f.path}" if f.path else ""
        state = gate.baseline_state(f) if gate is not None else None
        tag = p(" NEW", "bold") if state == NEW else ""
        out.append(f"{icon} {f.code}{tag} {one_line(subject)}{one_line(path)}{one_line(where)}")
        out.append(f"    {one_line(f.message)}")
        if f.hint:
            out.append(p(f"    hint: {one_line(f.hint)}", "dim"))
        suppression = gate.suppression(f) if gate is not None else None
        if suppression is not None:
            until = f" until {suppression.until_text}" if suppression.until_text else ""
            out.append(p(f"    suppressed{until} ({one_line(suppression.where())}): {one_line(suppression.reason)}",
                         "dim"))
    if gate is not None:
        out.append("")
        out.extend(_gate(report, gate, p))
    return "\n".join(out) + "\n"


def _gate(report: Report, gate: GateResult, p: Painter) -> list[str]:
    """The merge gate's summary: what is suppressed, what is new since the baseline, what counts."""
    config = f" ({one_line(gate.config_file)})" if gate.config_file else ""
    lines = [p("Gate", "bold") + f": {len(gate.suppressed)} suppressed by {len(gate.suppressions)} "
             f"suppression{'s' if len(gate.suppressions) != 1 else ''}{config}; "
             f"{len(gate.counted(report.findings))} finding(s) count for --fail-on"]
    baseline = gate.baseline
    if baseline is not None:
        new = sum(1 for f in report.findings if gate.baseline_state(f) == NEW)
        unchanged = sum(1 for f in report.findings if gate.baseline_state(f) == UNCHANGED)
        lines.append(f"  baseline {one_line(baseline.file)}: {new} new, {unchanged} unchanged, "
                     f"{len(gate.resolved)} resolved")
        for f in gate.resolved:
            lines.append(p(f"  ✔ resolved {one_line(_resolved_label(f))}", "green"))
    return lines


def _resolved_label(f: dict[str, Any]) -> str:
    resource = f.get("resource")
    subject = "input"
    if isinstance(resource, dict):
        ns = f"{resource.get('namespace')}/" if resource.get("namespace") else ""
        subject = f"{resource.get('kind')} {ns}{resource.get('name')}"
    path = f" {f.get('path')}" if f.get("path") else ""
    return f"{f.get('code')} {subject}{path}: {f.get('message')}"


def _cascade(cascade: CascadeSummary, p: Painter) -> list[str]:
    """The culprits of the 2.9 cascade in loop order: cause, fix, and the MES each one holds back."""
    label = "The 2.9 cascade on this control plane" if cascade.on_target else (
        f"On a 2.9.x control plane this input would drop {cascade.dropped_now} MES")
    lines = [p(f"{label} — culprits in loop order:", "red" if cascade.on_target else "yellow")]
    by_core = {v.resource.core_name: v.resource.name for v in cascade.victims}
    for mesh in cascade.meshes:
        for c in mesh.culprits:
            if c.role == LATENT:
                what = f"latent culprit, next in line once culprit{'s' if c.position > 2 else ''} 1" + (
                    f"-{c.position - 1}" if c.position > 2 else "") + " fixed"
            else:
                held = sorted([(v.resource.core_name, v.resource.name) for v in mesh.victims]
                              + [(o.core_name, o.name) for o in mesh.culprits if o.role == LATENT])
                what = "culprit, stops the loop now → drops " + (", ".join(n for _, n in held) or "nothing else")
            lines.append(one_line(f"  {c.position}. {c.mesh}/{c.name} — {what}"))
            lines.append(one_line(f"       cause: {c.cause}"))
            lines.append(one_line(f"       fix:   {c.fix}"))
            for command in c.fix_command.splitlines():
                lines.append(p(f"         {one_line(command)}", "dim"))
            back = ", ".join(by_core.get(name, name) for name in (v.resource.core_name for v in c.takes_down))
            if back:
                after = "" if c.position == 1 else " (with the culprits before it)"
                lines.append(one_line(f"       fixing it{after} brings back: {back}"))
    return lines


def _loaded(report: Report) -> list[str]:
    loaded = Counter(d.kind for d in report.documents if d.status is DocumentStatus.LOADED)
    ignored = [d for d in report.documents if d.status is DocumentStatus.IGNORED]
    failed = [d for d in report.documents if d.status is DocumentStatus.FAILED]
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(loaded.items(), key=lambda kv: str(kv[0]))) or "nothing"
    lines = [f"Loaded: {kinds}"]
    if ignored:
        ignored_kinds = Counter(d.kind or "unknown" for d in ignored)
        lines.append("Ignored: " + ", ".join(f"{n} {one_line(k)}" for k, n in sorted(ignored_kinds.items())))
    for d in failed:
        lines.append(f"Failed: {one_line(d.origin.location())}: {one_line(d.reason)}")
    return lines


def _name(row: dict[str, Any]) -> str:
    return f"{row['namespace']}/{row['name']}" if row["namespace"] else row["name"]


def _date(value: Any) -> str:
    return _day(value, getattr(value, "tzinfo", None)) if value else "-"


@lru_cache(maxsize=4096)
def _day(value: Any, tzinfo: Any) -> str:
    """`YYYY-MM-DD`, once per distinct time: the certificates of a large report share a few hundred dates.
    `tzinfo` is part of the key because equal instants in two zones can fall on two days."""
    return value.strftime("%Y-%m-%d")  # type: ignore[no-any-return]


def _grid(headers: Sequence[str], rows: list[list[str]], width: int) -> list[str]:
    """Left-aligned columns; the last column takes what is left of `width` and is truncated."""
    # every cell made one printable line (a Painted cell already is, colour codes included; one_line shows any
    # other ESC as text), a column at a time: a column of plain printable strings (the common case) is kept
    columns = [_printable(column) for column in zip(*rows)] if rows else [[] for _ in headers]
    painted = any(Painted in set(map(type, column)) for column in columns)
    # the visible text of each cell: the same string except for Painted cells
    visible = [[_strip(c) if type(c) is Painted else c for c in column] for column in columns] if painted else columns
    widths = [max(len(_strip(h)), *map(len, column)) for h, column in zip(headers, visible)]
    fixed = sum(min(w, 48) + 2 for w in widths[:-1])
    widths = [min(w, 48) for w in widths[:-1]] + [max(20, width - fixed)]
    out = ["  " + "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)).rstrip()]
    if painted:
        for r, shown in zip(zip(*columns), zip(*visible)):
            out.append("  " + "  ".join([_fit(c, v, w) for c, v, w in zip(r, shown, widths)]).rstrip())
        return out
    # plain cells (text is what shows): fitted a column at a time, padded in C where no cell is too long
    fitted = [_fit_column(column, w) for column, w in zip(columns, widths)]
    out.extend(["  " + "  ".join(line).rstrip() for line in zip(*fitted)])
    return out


def _printable(column: Sequence[Any]) -> Sequence[str]:
    """The cells of a column, each one printable line: as they are when all are printable strings (one check
    over their concatenation), else cell by cell."""
    if set(map(type, column)) <= _PLAIN and "".join(column).isprintable():
        return column
    return [c if type(c) is Painted or (type(c) is str and c.isprintable()) else one_line(c) for c in column]


_PLAIN = {str}


def _fit_column(column: Sequence[str], width: int) -> list[str]:
    if max(map(len, column), default=0) <= width:
        return list(map(str.ljust, column, repeat(width)))
    return [c[: width - 1] + "…" if len(c) > width else c.ljust(width) for c in column]


def _strip(text: str) -> str:
    return _ANSI.sub("", text)


def _fit(text: str, visible: str, width: int) -> str:
    if len(visible) > width:
        return visible[: width - 1] + "…"
    return text + " " * (width - len(visible))
