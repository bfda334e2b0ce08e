"""The merge gate over a finished report: suppressions (config file and annotations), their own findings
(MES95x), and the comparison with a baseline report. What counts for `--fail-on` is `GateResult.counts`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.checks.base import Phase
from core.checks.registry import REGISTRY
from core.gate.config import GateConfig
from core.gate.result import ACTIVE, EXPIRED, NEW, UNCHANGED, UNUSED, Baseline, GateInput, GateResult
from core.gate.suppressions import AnnotationProblem, Suppression, annotation_suppressions
from core.model import Finding, Report, Resource
from core.report.diff import match_findings

MAX_BASELINE_BYTES = 512 * 1024 * 1024


class BaselineError(Exception):
    """The baseline file cannot be used (exit code 2)."""


def apply_gate(report: Report, config: GateConfig | None = None, baseline: Baseline | None = None,
               now: datetime | None = None) -> GateResult:
    """Mark the report's suppressed findings, add the gate's own findings to `report.findings` (sorted, as
    the analysis sorts them) and compare with the baseline. Sets and returns `report.gate`. The services'
    statuses are not changed: a suppressed problem is accepted, not fixed."""
    now = now or report.now
    config = config or GateConfig()
    suppressions: list[Suppression] = list(config.suppressions)
    problems: list[AnnotationProblem] = []
    annotated: dict[str, Resource] = {}  # what the gate's checks look up: the resources an annotation is on
    for resource in report.resources:
        found, bad = annotation_suppressions(resource)
        if found or bad:
            suppressions.extend(found)
            problems.extend(bad)
            annotated[resource.key] = resource
    result = GateResult(config_file=config.path, suppressions=suppressions)
    result.matched = dict.fromkeys(suppressions, 0)
    active = [s for s in suppressions if not s.expired(now)]
    expired = [s for s in suppressions if s.expired(now)]
    for f in report.findings:
        cover = next((s for s in active if s.matches(f)), None)
        if cover is not None:
            result.suppressed[id(f)] = cover
            result.matched[cover] += 1
            continue
        for s in expired:  # what an expired suppression would still cover, for its message
            if s.matches(f):
                result.matched[s] += 1
    for s in suppressions:
        result.states[s] = EXPIRED if s.expired(now) else ACTIVE if result.matched[s] else UNUSED
    gate_input = GateInput(now=now, expiry_warning_days=report.expiry_warning_days, suppressions=suppressions,
                           matched=result.matched, problems=problems,
                           resources=annotated)
    own: list[Finding] = []
    for check in REGISTRY:
        if check.phase is Phase.GATE:
            own.extend(check.func(gate_input))
    result.findings = own
    if own:
        report.findings = sorted([*report.findings, *own], key=Finding.sort_key)
    result._held = list(report.findings)
    if baseline is not None:
        compare(result, report, baseline)
    report.gate = result
    return result


def compare(result: GateResult, report: Report, baseline: Baseline) -> None:
    """Each finding is `new` or `unchanged` against the baseline (code + resource + path, as the report diff
    matches them); the baseline's findings that are gone are `resolved`."""
    from core.report.json_report import finding_dict

    current = [finding_dict(f) for f in report.findings]
    by_dict = {id(d): f for d, f in zip(current, report.findings, strict=True)}
    match = match_findings(baseline.findings, current)
    for d in match.new:
        result.baseline_states[id(by_dict[id(d)])] = NEW
    for d in match.unchanged:
        result.baseline_states[id(by_dict[id(d)])] = UNCHANGED
    result.resolved = list(match.resolved)
    result.baseline = baseline


def load_baseline(path: str) -> Baseline:
    """A previous JSON report (`mesdoctor check --format json`, or a dashboard snapshot)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BASELINE_BYTES + 1)
    except OSError as exc:
        raise BaselineError(f"--baseline {path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"--baseline {path}: larger than {MAX_BASELINE_BYTES // (1024 * 1024)} MiB")
    return baseline_from_bytes(data, path)


def baseline_from_bytes(data: bytes, name: str) -> Baseline:
    try:
        report = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"--baseline {name}: not a JSON report ({exc})") from None
    check_report(report, f"--baseline {name}")
    return Baseline(file=name, now=_str(report.get("now")), kuma_version=_str(report.get("kumaVersion")),
                    zone=_str(report.get("zone")), findings=[f for f in report["findings"] if isinstance(f, dict)])


def check_report(report: Any, what: str) -> None:
    """A MES Doctor JSON report of a schema version this release reads, else BaselineError."""
    if not isinstance(report, dict) or "schemaVersion" not in report or not isinstance(report.get("findings"), list):
        raise BaselineError(f"{what}: not a MES Doctor JSON report (`mesdoctor check --format json`)")
    if report["schemaVersion"] != 1:
        raise BaselineError(f"{what}: report schema version {report['schemaVersion']!r} is not one this release "
                            "reads (1)")


def baseline_note(baseline: Baseline, report: Report) -> str | None:
    """A line for stderr when the baseline was made for another target (its findings may differ for that)."""
    differ = []
    if baseline.kuma_version and baseline.kuma_version != report.kuma_version:
        differ.append(f"Kuma {baseline.kuma_version} (now {report.kuma_version})")
    if baseline.zone and baseline.zone != report.zone:
        differ.append(f"zone {baseline.zone} (now {report.zone})")
    if not differ:
        return None
    return (f"the baseline {baseline.file} was made for {' and '.join(differ)}: findings that depend on the target "
            "show as new or resolved; pass the same --kuma-version / --zone")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
