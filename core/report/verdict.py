"""The verdict every surface leads with: never an all-clear that is not one.

`overall_verdict(report)` is "ok" only when nothing is left to do: no secret reference fails (or is
left unchecked), no MES stops a 2.9 loop, no error or warning finding, and (when there are MES) at
least one is in the analysed zone's endpoint map. `service_verdict(outcome, report)` follows the
MES's inclusion in the target map first, so "out of this zone" or "dropped by a culprit" are states
of their own, never "nothing to fix".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.builder.build import (
    CASCADE,
    MESH_NOT_FOUND,
    NO_ENDPOINTS,
    NO_MTLS,
    REJECTED_ON_WRITE,
    TLS_LOAD_FAILED,
    UNREACHABLE_ZONE,
)
from core.catalogue import CATALOGUE
from core.model import (
    Finding,
    ReferenceStatus,
    Report,
    ServiceOutcome,
    ServiceStatus,
    Severity,
    Stage,
)
from core.report.cascade import CULPRIT, LATENT, VICTIM, CascadeSummary, cascade_summary, failing_reference

OK, WARNING, ERROR, INFO = "ok", "warning", "error", "info"

# service states
INCLUDED = "included"  # in the map, nothing to fix
INCLUDED_UNCHECKED = "included-unchecked"  # in the map, but its secret references could not be checked
INCLUDED_WITH_WARNINGS = "included-with-warnings"
INCLUDED_WITH_ERRORS = "included-with-errors"  # in the map, but traffic fails later (Envoy, handshake)
EXCLUDED_ZONE = "excluded-zone"  # `kuma.io/zone` names another zone: not this zone's business
EXCLUDED_MESH = "excluded-mesh"  # its mesh is missing or has no mTLS (2.9-2.14)
EXCLUDED_OWN_FAULT = "excluded-own-fault"  # its own TLS material fails to load, or (3.0) it has no endpoints
DROPPED_BY_CULPRIT = "dropped-by-culprit"  # 2.9: an earlier MES of the mesh stops the loop
REJECTED = "rejected-on-write"  # never reaches the store
STATES = (INCLUDED, INCLUDED_UNCHECKED, INCLUDED_WITH_WARNINGS, INCLUDED_WITH_ERRORS, EXCLUDED_ZONE, EXCLUDED_MESH,
          EXCLUDED_OWN_FAULT, DROPPED_BY_CULPRIT, REJECTED)


@dataclass(frozen=True, slots=True)
class Verdict:
    level: str  # "ok" | "warning" | "error"
    headline: str
    reasons: list[str] = field(default_factory=list)  # why it is not "ok", most important first

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "headline": self.headline, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class ServiceVerdict:
    state: str  # one of STATES
    level: str  # "ok" | "info" | "warning" | "error"
    headline: str
    note: str = ""  # what a 2.9.x control plane would do, when the target is another version

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "level": self.level, "headline": self.headline, "note": self.note}


def overall_verdict(report: Report, cascade: CascadeSummary | None = None) -> Verdict:
    cascade = cascade if cascade is not None else cascade_summary(report)
    services = report.services
    n = len(services)
    errors: list[str] = []
    warnings: list[str] = []

    zone_problem, wrong_zone = _zone_problem(report)
    if cascade.culprits:
        (errors if cascade.on_target else warnings).append(cascade.headline())
    broken = sum(1 for s in services if s.status is ServiceStatus.BROKEN)
    if broken:
        errors.append(f"{broken} of {n} MES {'is' if broken == 1 else 'are'} broken.")
    refs = report.secret_references
    not_loading = sum(1 for r in refs if not r.status.loads)
    failing = sum(1 for r in refs if r.status.fails)
    if not_loading:
        errors.append(f"{not_loading} secret reference{_s(not_loading)} fail{'s' if not_loading == 1 else ''} "
                      "to load.")
    if failing > not_loading:
        warnings.append(f"{failing - not_loading} secret reference{_s(failing - not_loading)} load but "
                        f"{'has' if failing - not_loading == 1 else 'have'} a problem.")
    unchecked = sum(1 for r in refs if r.status is ReferenceStatus.NOT_CHECKED)
    if unchecked:
        warnings.append(f"{unchecked} secret reference{_s(unchecked)} could not be checked (no Secrets in the "
                        "input).")
    unattached = [f for f in report.findings if f.severity is Severity.ERROR and not _on_service(f)]
    if unattached:
        errors.append(f"{len(unattached)} error{_s(len(unattached))} outside the MES ({_places(unattached)}).")
    warned = _counted(report.findings, Severity.WARNING)
    if warned:
        warnings.append(warned)
    if not n:
        warnings.append("The input holds no MeshExternalService: nothing was checked.")

    if zone_problem and wrong_zone:  # most likely the wrong zone is analysed: say that first
        reasons = [zone_problem, *errors, *warnings]
    else:
        reasons = [*errors, *([zone_problem] if zone_problem else []), *warnings]
    if errors:
        headline = zone_problem if wrong_zone else _error_headline(report, cascade, broken, not_loading, errors)
        return Verdict(ERROR, headline, reasons)
    if reasons:
        return Verdict(WARNING, reasons[0], reasons)
    return Verdict(OK, f"All {n} MES are in zone {report.zone}'s egress endpoint map: nothing to fix.", [])


def _zone_problem(report: Report) -> tuple[str, bool]:
    """No MES in the analysed zone's map, and whether MES of another zone are why (then it leads the verdict:
    most likely the wrong zone is analysed)."""
    services = report.services
    if not services or any(s.included for s in services):
        return "", False
    out_of_zone = sum(1 for s in services if not s.reachable)
    text = f"No MES is in zone {report.zone}'s endpoint map"
    if out_of_zone:
        zones = Counter((s.resource.labels or {}).get("kuma.io/zone", "") for s in services if not s.reachable)
        other, count = min(zones.items(), key=lambda kv: (-kv[1], kv[0]))
        return (f"{text}: {out_of_zone} of {len(services)} belong to another zone ({count} to zone {other}); "
                f"analyse zone {other}.", True)
    return f"{text} ({len(services)} in the input).", False


def _counted(findings: list[Finding], severity: Severity) -> str:
    """`3 warnings: Certificate expiring (MES312) ×2, …` (the two most frequent codes)."""
    codes = Counter(f.code for f in findings if f.severity is severity)
    total = sum(codes.values())
    if not total:
        return ""
    top = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{CATALOGUE[c].title} ({c})" + (f" ×{k}" if k > 1 else "") for c, k in top[:2]]
    more = ", …" if len(top) > 2 else ""
    return f"{total} {severity.value}{_s(total)}: {', '.join(parts)}{more}."


def _error_headline(report: Report, cascade: CascadeSummary, broken: int, not_loading: int,
                    errors: list[str]) -> str:
    if cascade.on_target and cascade.culprits:
        return cascade.headline()
    if broken:
        n = len(report.services)
        what = f"{broken} of {n} MES {'is' if broken == 1 else 'are'} broken"
        if not_loading:
            what += f"; {not_loading} secret reference{_s(not_loading)} fail{'s' if not_loading == 1 else ''}"
        if cascade.dropped_now:
            what += f"; on 2.9.x {cascade.dropped_now} more MES would be dropped"
        return what + "."
    return errors[0]


def _places(findings: list[Finding]) -> str:
    """Where findings that are on no MES are: the input files themselves, then the kinds of resource (Secrets,
    Meshes, and the resources around an MES: routes, policies, legacy ExternalServices...)."""
    kinds = sorted({f.resource.kind.value for f in findings if f.resource is not None})
    return ", ".join((["the input files"] if any(f.resource is None for f in findings) else []) + kinds)


def _on_service(f: Finding) -> bool:
    return f.resource is not None and f.resource.kind.value == "MeshExternalService"


def service_verdict(outcome: ServiceOutcome, report: Report, cascade: CascadeSummary | None = None) -> ServiceVerdict:
    cascade = cascade if cascade is not None else cascade_summary(report)
    r = outcome.resource
    note = _note_on_29(outcome, report, cascade)
    exclusion = report.endpoint_map.excluded.get(r.key)
    reason = exclusion.reason if exclusion else None
    if not outcome.admission_valid or reason == REJECTED_ON_WRITE:
        first = next((f for f in outcome.findings if f.severity is Severity.ERROR and f.stage is Stage.WRITE), None)
        what = f": {CATALOGUE[first.code].title} ({first.code})" if first else ""
        return ServiceVerdict(REJECTED, ERROR, f"Rejected on write{what}; it never reaches kuma-cp.", note)
    if reason == UNREACHABLE_ZONE or not outcome.reachable:
        zone = (r.labels or {}).get("kuma.io/zone", "")
        return ServiceVerdict(EXCLUDED_ZONE, INFO, f"Excluded: out of this zone (kuma.io/zone: {zone}); only zone "
                                                   f"{zone}'s egress serves it. Analyse zone {zone} to check it.",
                              note)
    if reason in (NO_MTLS, MESH_NOT_FOUND):
        why = (f"mesh {r.mesh} has no mTLS, so the zone egress does not serve it" if reason == NO_MTLS
               else f"mesh {r.mesh} does not exist")
        return ServiceVerdict(EXCLUDED_MESH, ERROR, f"Excluded: {why}.", note)
    if reason == CASCADE:
        return ServiceVerdict(DROPPED_BY_CULPRIT, ERROR, _dropped_headline(outcome, cascade), "")
    if reason in (TLS_LOAD_FAILED, NO_ENDPOINTS):
        return ServiceVerdict(EXCLUDED_OWN_FAULT, ERROR if reason == TLS_LOAD_FAILED else WARNING,
                              _own_fault_headline(outcome, report, cascade, reason), note)
    if exclusion is not None:  # a reason this module does not know yet: say it plainly
        return ServiceVerdict(EXCLUDED_OWN_FAULT, ERROR, f"Excluded from the endpoint map ({reason}).", note)
    if outcome.status is ServiceStatus.BROKEN:
        top = _top(outcome, Severity.ERROR)
        return ServiceVerdict(INCLUDED_WITH_ERRORS, ERROR, f"In the endpoint map, but traffic fails: {top}.", note)
    if outcome.status is ServiceStatus.WARNING:
        top = _top(outcome, Severity.WARNING)
        return ServiceVerdict(INCLUDED_WITH_WARNINGS, WARNING, f"In the endpoint map; to check: {top}.", note)
    if any(ref.status is ReferenceStatus.NOT_CHECKED for ref in outcome.references):
        return ServiceVerdict(INCLUDED_UNCHECKED, WARNING, "In the endpoint map, but its secret references were not "
                                                            "checked (no Secrets in the input).", note)
    return ServiceVerdict(INCLUDED, OK, "In the endpoint map: nothing to fix.", note)


def _top(outcome: ServiceOutcome, severity: Severity) -> str:
    f = next((f for f in outcome.findings if f.severity is severity), None)
    return f"{CATALOGUE[f.code].title} ({f.code})" if f else severity.value


def _restore_text(outcome: ServiceOutcome) -> str:
    names = list(outcome.restore_on_29 or ())
    if not names:
        return ""
    if len(names) == 1:
        return f"fix {names[0]} to bring it back"
    return f"fix {', '.join(names[:-1])} and {names[-1]} to bring it back"


def _dropped_headline(outcome: ServiceOutcome, cascade: CascadeSummary) -> str:
    by = outcome.dropped_by.core_name if outcome.dropped_by else "an earlier MES"
    own = outcome.cascade_role == LATENT
    if own:
        restore = _restore_text(outcome)
        return (f"Dropped by {by} (2.9 cascade), and its own TLS material fails too: it is next in line; "
                f"{restore}.")
    return f"Dropped by {by} (2.9 cascade): nothing wrong with it; {_restore_text(outcome)}."


def _own_fault_headline(outcome: ServiceOutcome, report: Report, cascade: CascadeSummary, reason: str) -> str:
    if reason == NO_ENDPOINTS:
        return "Excluded: it has no endpoints, so Kuma 3.0 leaves it out of the egress endpoint map."
    ref = failing_reference(outcome)
    cause = f" ({ref.field}: {ref.status.value})" if ref else ""
    text = f"Excluded: its own TLS material fails to load{cause}"
    culprit = cascade.culprit(outcome.resource.mesh, outcome.resource.core_name)
    if cascade.on_target and culprit is not None and culprit.role == CULPRIT and culprit.drops_now:
        text += f", and it stops the 2.9 MES loop: it takes down {culprit.drops_now} other MES"
    return text + "."


def _note_on_29(outcome: ServiceOutcome, report: Report, cascade: CascadeSummary) -> str:
    """What a 2.9.x control plane does with it, when the target is not 2.9 and that differs."""
    if cascade.on_target:
        return ""
    role = outcome.cascade_role
    if role == VICTIM:
        return f"On 2.9.x: dropped by the cascade; {_restore_text(outcome)}."
    if role == CULPRIT:
        culprit = cascade.culprit(outcome.resource.mesh, outcome.resource.core_name)
        n = culprit.drops_now if culprit else 0
        return f"On 2.9.x: it stops the MES loop and takes down {n} other MES." if n else (
            "On 2.9.x: it stops the MES loop (nothing sorts after it).")
    if role == LATENT:
        return f"On 2.9.x: next culprit in line once the earlier ones are fixed; {_restore_text(outcome)}."
    return ""


def _s(n: int) -> str:
    return "" if n == 1 else "s"
