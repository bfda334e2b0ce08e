"""The gate's checks (Phase.GATE): the state of the suppressions themselves. Registered in
`core.checks.registry`; run by `core.gate.apply_gate` once the report's findings are known, never by the
analysis. Each takes a `GateInput` and returns findings."""

from __future__ import annotations

from core.catalogue import finding
from core.checks.base import Check, Phase, Scope
from core.gate.result import GateInput
from core.gate.suppressions import ANNOTATION, ANNOTATION_PATH, Suppression
from core.model import Finding, Origin


def check_unused(gate: GateInput) -> list[Finding]:
    """MES950: an active suppression that matches no finding (what it accepted is gone: remove it)."""
    return [
        _about(gate, s, "MES950", f"{_describe(s)} matches no finding: what it accepted is fixed or no longer "
               "reported.", "Remove the suppression (it would hide the problem if it came back).")
        for s in gate.suppressions if not s.expired(gate.now) and gate.matched.get(s, 0) == 0
    ]


def check_expired(gate: GateInput) -> list[Finding]:
    """MES951: a suppression past its end: the findings it covered count again."""
    out = []
    for s in gate.suppressions:
        if not s.expired(gate.now):
            continue
        n = gate.matched.get(s, 0)
        covered = f"the {n} finding{'s' if n != 1 else ''} it covered count{'s' if n == 1 else ''} again" if n else (
            "it would match no finding now")
        out.append(_about(gate, s, "MES951", f"{_describe(s)} ended {_day(s)}: {covered}.",
                          "Fix what it accepted, or remove the suppression; extend `until` only with a new reason."))
    return out


def check_unreadable_annotations(gate: GateInput) -> list[Finding]:
    """MES952: an entry of the `mesdoctor.kuma.io/ignore` annotation that cannot be read (it suppresses nothing)."""
    out = []
    for p in gate.problems:
        entry = f" `{p.entry}`" if p.entry else ""
        out.append(finding("MES952", f"Annotation {ANNOTATION}{entry} cannot be read: {p.why}. It suppresses nothing.",
                           p.resource.ref, path=ANNOTATION_PATH,
                           hint="One entry per line: `CODES [until YYYY-MM-DD]: REASON`, e.g. "
                           "`MES508, MES312 until 2027-03-31: partner rotates in March`.",
                           origin=p.resource.origin.at_line(p.resource.line_of(ANNOTATION_PATH))))
    return out


def check_ending_soon(gate: GateInput) -> list[Finding]:
    """MES953: an active suppression that ends within the expiry warning window (`--expiry-warning-days`)."""
    out = []
    for s in gate.suppressions:
        if s.until is None or s.expired(gate.now) or gate.matched.get(s, 0) == 0:
            continue
        left = s.until - gate.now
        if left.days >= gate.expiry_warning_days:
            continue
        days = f"in {left.days} day{'s' if left.days != 1 else ''}" if left.days else "within a day"
        out.append(_about(gate, s, "MES953", f"{_describe(s)} ends {_day(s)} ({days}): the findings it covers "
                          "will count again.", "Plan the fix, or extend `until` with a new reason."))
    return out


def _describe(s: Suppression) -> str:
    scope = [f"{key} {value}" for key, value in (("mesh", s.mesh), ("name", s.name), ("namespace", s.namespace),
                                                 ("file", s.file)) if value is not None]
    where = f" ({', '.join(scope)})" if scope else ""
    return f"Suppression of {', '.join(s.codes)}{where} at {s.where()} (reason: {s.reason})"


def _day(s: Suppression) -> str:
    return f"on {s.until_text}" if s.until_text else "at its end"


def _about(gate: GateInput, s: Suppression, code: str, message: str, hint: str) -> Finding:
    if s.resource is not None:
        resource = gate.resources.get(s.resource.key)
        origin = s.origin.at_line(resource.line_of(ANNOTATION_PATH)) if resource is not None else s.origin
        return finding(code, message, s.resource, path=ANNOTATION_PATH, hint=hint, origin=origin)
    return finding(code, message, None, path=f"suppressions[{s.index}]", hint=hint,
                   origin=Origin(s.origin.source, s.origin.file, 0, s.origin.line))


_G, _P = Scope.GLOBAL, Phase.GATE

CHECKS: tuple[Check, ...] = (
    Check("MES950-unused-suppression", ("MES950",), _G, _P, check_unused,
          "Every active suppression matches at least one finding."),
    Check("MES951-expired-suppression", ("MES951",), _G, _P, check_expired,
          "No suppression is past its end date."),
    Check("MES952-unreadable-annotation", ("MES952",), _G, _P, check_unreadable_annotations,
          "Every entry of the mesdoctor.kuma.io/ignore annotation can be read."),
    Check("MES953-suppression-ending", ("MES953",), _G, _P, check_ending_soon,
          "No suppression in use ends within the expiry warning window."),
)
