"""What the merge gate adds to a report: which findings are suppressed (and by what), each suppression's
state, and how the findings compare with a baseline report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.gate.suppressions import Suppression
from core.model import Finding, Resource

NEW, UNCHANGED = "new", "unchanged"
# a suppression's state in the report
ACTIVE, EXPIRED, UNUSED = "active", "expired", "unused"


@dataclass(slots=True)
class Baseline:
    """A previous JSON report the findings are compared with (by code, resource and path: core.report.diff)."""

    file: str
    now: str | None  # the baseline's own `now`
    kuma_version: str | None
    zone: str | None
    findings: list[dict[str, Any]]  # the baseline report's findings, as JSON


@dataclass(slots=True)
class GateInput:
    """What the gate's checks (Phase.GATE, core.gate.checks) read: the suppressions and how each fared."""

    now: datetime
    expiry_warning_days: int
    suppressions: list[Suppression]
    matched: dict[Suppression, int]  # findings each one suppresses (expired ones: would have)
    problems: list[Any]  # core.gate.suppressions.AnnotationProblem
    resources: dict[str, Resource]  # the resources carrying a suppression annotation, by key (its lines)


@dataclass(slots=True)
class GateResult:
    config_file: str | None = None
    suppressions: list[Suppression] = field(default_factory=list)
    states: dict[Suppression, str] = field(default_factory=dict)  # ACTIVE | EXPIRED | UNUSED
    matched: dict[Suppression, int] = field(default_factory=dict)
    # by finding identity (the report's Finding objects; equal findings are distinct entries)
    suppressed: dict[int, Suppression] = field(default_factory=dict)
    baseline: Baseline | None = None
    baseline_states: dict[int, str] = field(default_factory=dict)  # NEW | UNCHANGED
    resolved: list[dict[str, Any]] = field(default_factory=list)  # baseline findings gone now
    findings: list[Finding] = field(default_factory=list)  # the gate's own (MES95x), also in report.findings
    # the report's findings, kept so the identities above stay those of live objects
    _held: list[Finding] = field(default_factory=list, repr=False)

    def suppression(self, f: Finding) -> Suppression | None:
        return self.suppressed.get(id(f))

    def baseline_state(self, f: Finding) -> str | None:
        """`new` or `unchanged` against the baseline; None without one."""
        return self.baseline_states.get(id(f)) if self.baseline is not None else None

    def counts(self, f: Finding) -> bool:
        """Whether the finding counts for `--fail-on`: not suppressed and, with a baseline, new."""
        if id(f) in self.suppressed:
            return False
        return self.baseline is None or self.baseline_states.get(id(f)) == NEW

    def counted(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.counts(f)]
