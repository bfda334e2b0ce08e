"""The Markdown incident report: something to paste into a ticket or a postmortem."""

from __future__ import annotations

from core.catalogue import CATALOGUE
from core.gate.result import NEW, UNCHANGED, GateResult
from core.model import (
    CertificateStatus,
    Finding,
    Report,
    ServiceOutcome,
    ServiceStatus,
    Severity,
)
from core.report.cascade import LATENT, CascadeSummary, cascade_summary
from core.report.rows import secret_label
from core.report.text import md, md_block, md_code
from core.report.verdict import overall_verdict

_ICON = {ServiceStatus.BROKEN: "🔴", ServiceStatus.WARNING: "🟠", ServiceStatus.HEALTHY: "🟢"}
_VERDICT_ICON = {"error": "🔴", "warning": "🟠", "ok": "🟢"}


def to_markdown(report: Report) -> str:
    out: list[str] = []
    n = len(report.services)
    broken = [s for s in report.services if s.status is ServiceStatus.BROKEN]
    warning = [s for s in report.services if s.status is ServiceStatus.WARNING]
    included = sum(1 for s in report.services if s.included)
    out.append("# MES Doctor incident report")
    out.append("")
    out.append(
        f"Generated {report.now:%Y-%m-%d %H:%M UTC} · Kuma {md(report.kuma_version)} · zone {md_code(report.zone)} · "
        f"system namespace {md_code(report.system_namespace)}"
    )
    out.append("")
    out.append(f"- Version: {md(report.version_reason)}" + ("" if report.version_detected or
                                                             report.version_source == "chosen" else
                                                             " **(not detected: confirm the kuma-cp version)**"))
    out.append(f"- Zone: {md(report.zone_reason)}")
    out.append("")
    cascade = cascade_summary(report)
    verdict = overall_verdict(report, cascade)
    out.append(f"**{_VERDICT_ICON[verdict.level]} {verdict.level.upper()}: {md(verdict.headline)}**")
    out.append("")
    for reason in verdict.reasons:
        if reason != verdict.headline:
            out.append(f"- {md(reason)}")
    if len(verdict.reasons) > 1:
        out.append("")
    out.append("## Summary")
    out.append("")
    out.append(
        f"- **{n}** MeshExternalServices: **{len(broken)} broken**, {len(warning)} warning, "
        f"{n - len(broken) - len(warning)} healthy"
    )
    out.append(f"- **{included}** of {n} are in the egress endpoint map of this control plane")
    failing = [r for r in report.secret_references if r.status.fails]
    out.append(f"- {len(failing)} of {len(report.secret_references)} secret references fail")
    expired = [c for c in report.certificates if c.status is CertificateStatus.EXPIRED]
    expiring = [c for c in report.certificates if c.status is CertificateStatus.EXPIRING]
    window = report.expiry_warning_days
    out.append(f"- {len(expired)} certificates expired, {len(expiring)} expiring within {window} days")
    out.append("")

    if cascade.culprits:
        out.extend(_cascade_section(cascade))

    if broken:
        out.append("## Broken services")
        out.append("")
        for s in broken:
            out.extend(_service_section(s, report.gate))
    if warning:
        out.append("## Services with warnings")
        out.append("")
        for s in warning:
            out.extend(_service_section(s, report.gate))

    if failing:
        out.append("## Failing secret references")
        out.append("")
        out.append("| Service | Mesh | Field | Secret | Status | Why |")
        out.append("|---|---|---|---|---|---|")
        for r in failing:
            out.append(
                f"| {md(r.service.name)} | {md(r.mesh)} | {md(r.field)} | {md(secret_label(r.secret) or '(inline)')} | "
                f"{md(r.status.value)} | {md(r.message)} |"
            )
        out.append("")

    risky = sorted(
        (c for c in report.certificates if c.status is not CertificateStatus.VALID), key=lambda c: c.not_after
    )
    if risky:
        out.append("## Certificates needing attention")
        out.append("")
        out.append("| Service | Field | Secret | Subject | Not after | Days left | Status |")
        out.append("|---|---|---|---|---|---|---|")
        for c in risky:
            out.append(
                f"| {md(c.service.name)} | {md(c.field)} | {md(c.secret or '(inline)')} | {md(c.subject)} | "
                f"{c.not_after:%Y-%m-%d} | {c.days_left} | {md(c.status.value)} |"
            )
        out.append("")

    unattached = [f for f in report.findings if f.resource is None or f.resource.kind.value != "MeshExternalService"]
    notes = [f for f in unattached if f.severity is not Severity.INFO or f.code.startswith("MES9")]
    if notes:
        out.append("## Input, Secrets, Meshes and coverage")
        out.append("")
        for f in notes:
            where = f" ({md(f.location)})" if f.location else ""
            subject = f" {md(f.resource.label())}" if f.resource else ""
            out.append(f"- **{f.code}** {md(f.severity.value)}{subject}{where}: {md(f.message)}"
                       f"{_gate_mark(f, report.gate)}")
        out.append("")
    if report.gate is not None:
        out.extend(gate_section(report, report.gate))
    out.append("---")
    out.append("Generated by MES Doctor. No secret payload or key material is included in this report.")
    return "\n".join(out) + "\n"


def _cascade_section(cascade: CascadeSummary) -> list[str]:
    """Every culprit in loop order, its cause and fix printed once, and the MES it holds back."""
    title = "## The 2.9 cascade on this control plane" if cascade.on_target else (
        f"## On a Kuma 2.9.x control plane this input would drop {cascade.dropped_now} MES")
    out = [title, "", md(cascade.headline()), ""]
    for mesh in cascade.meshes:
        if len(cascade.meshes) > 1:
            out += [f"### Mesh {md(mesh.mesh)}", ""]
        for c in mesh.culprits:
            role = ("latent culprit: stops the loop once the culprits before it are fixed" if c.role == LATENT
                    else f"culprit: stops the loop now and drops {c.drops_now} other MES")
            out.append(f"{c.position}. **{md_code(c.core_name)}** — {role}")
            out.append(f"   - Cause: {md(c.cause)}")
            out.append(f"   - Fix: {md(c.fix)}")
            if c.fix_command:
                out.append("")
                out.extend("     " + line for line in md_block(c.fix_command).split("\n"))
                out.append("")
            back = ", ".join(md_code(v.resource.core_name) for v in c.takes_down)
            if back:
                after = "" if c.position == 1 else " (after the culprits before it)"
                out.append(f"   - Fixing it{after} brings back: {back}")
        out.append("")
    return out


def gate_section(report: Report, gate: GateResult) -> list[str]:
    """The merge gate: suppressions and their state, and the comparison with the baseline."""
    counted = gate.counted(report.findings)
    out = ["## Merge gate", ""]
    config = f" (from {md_code(gate.config_file)} and annotations)" if gate.config_file else " (annotations)"
    out.append(f"- {len(gate.suppressed)} findings suppressed by {len(gate.suppressions)} suppressions{config}")
    if gate.baseline is not None:
        new = sum(1 for f in report.findings if gate.baseline_state(f) == NEW)
        unchanged = sum(1 for f in report.findings if gate.baseline_state(f) == UNCHANGED)
        out.append(f"- Baseline {md_code(gate.baseline.file)}: **{new} new**, {unchanged} unchanged, "
                   f"{len(gate.resolved)} resolved")
    out.append(f"- **{len(counted)}** findings count for `--fail-on`")
    out.append("")
    if gate.suppressions:
        out.append("| Codes | Scope | Reason | Until | State | Matched | Where |")
        out.append("|---|---|---|---|---|---|---|")
        for sup in gate.suppressions:
            scope = ", ".join(f"{k} {v}" for k, v in (("mesh", sup.mesh), ("name", sup.name),
                                                      ("namespace", sup.namespace), ("file", sup.file)) if v)
            if sup.resource is not None:
                scope = sup.resource.label()
            out.append(f"| {md(', '.join(sup.codes))} | {md(scope or 'everywhere')} | {md(sup.reason)} | "
                       f"{md(sup.until_text or '-')} | {md(gate.states.get(sup, ''))} | {gate.matched.get(sup, 0)} | "
                       f"{md(sup.origin.location())} |")
        out.append("")
    if gate.resolved:
        out.append("Resolved since the baseline:")
        out.append("")
        for f in gate.resolved:
            resource = f.get("resource") if isinstance(f.get("resource"), dict) else None
            subject = f" {md(resource.get('kind'))} {md(resource.get('name'))}" if resource else ""
            out.append(f"- ✅ **{md(f.get('code'))}**{subject}: {md(f.get('message'))}")
        out.append("")
    return out


def _gate_mark(f: Finding, gate: GateResult | None) -> str:
    if gate is None:
        return ""
    mark = " 🆕 new" if gate.baseline_state(f) == NEW else ""
    s = gate.suppression(f)
    if s is not None:
        until = f" until {md(s.until_text)}" if s.until_text else ""
        mark += f" — *suppressed{until}: {md(s.reason)}*"
    return mark


def _service_section(s: ServiceOutcome, gate: GateResult | None = None) -> list[str]:
    r = s.resource
    state = "in the endpoint map" if s.included else "**not** in the endpoint map"
    lines = [f"### {_ICON[s.status]} {md(r.mesh)}/{md(r.name)} — {s.status.value}, {state}", ""]
    lines.append(f"- Defined in {md_code(r.origin.location())}; core name {md_code(r.core_name)}; TLS {md(s.tls_mode)}")
    if s.destination:
        lines.append(f"- Destination {md_code(s.destination.cluster)}, hostname {md_code(s.destination.hostname)}")
    lines.append("")
    for f in s.findings:
        if f.severity is Severity.INFO:
            continue
        lines.extend(_finding_lines(f, gate))
    if s.log_lines:
        lines.append("Expected kuma-cp log line:")
        lines.append("")
        lines.append(md_block(s.log_lines[0]))
        lines.append("")
    return lines


def _finding_lines(f: Finding, gate: GateResult | None = None) -> list[str]:
    title = CATALOGUE[f.code].title
    path = f" at {md_code(f.path)}" if f.path else ""
    lines = [f"- **{f.code}** {md(title)} ({f.severity.value}, {f.stage.value}){path}: {md(f.message)}"
             f"{_gate_mark(f, gate)}"]
    if f.code == "MES502":  # the culprit's fix is printed once, in the cascade section, not under every victim
        culprit = f.related[0].core_name if f.related else "the culprit"
        lines.append(f"  - Fix: fix {md_code(culprit)} (see the 2.9 cascade above), or upgrade to Kuma 2.10.0 or "
                     "later, which isolates each MES.")
        lines.append("")
        return lines
    if f.hint:
        lines.append(f"  - Fix: {md(f.hint)}")
    if f.fix:
        lines.append("")
        lines.extend("  " + line for line in md_block(f.fix).split("\n"))
    lines.append("")
    return lines
