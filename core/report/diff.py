"""What changed between two reports: the before/after of a fix (what-if overlay, CI baseline).

`diff_reports(before, after)` compares two JSON reports (`core.report.json_report.report_dict`, the
public contract), so saved reports and baselines work as well as fresh ones; keys a report from an
older MES Doctor lacks count as empty. Identities never use message texts:

* services: (mesh, core name);
* findings: (code, resource key, path), counted as multisets (the same code may apply twice); a finding
  without a resource is keyed by the file it was found in;
* secret references: (mesh, service core name, field);
* certificates: (mesh, service core name, field, Secret, position in the bundle): the same key with
  another SHA-256 is a rotation; a certificate that only moved to another Secret (a renamed Secret, or a
  reference pointed elsewhere) with the same SHA-256 is "moved", not removed plus added;
* culprits: (mesh, core name), from the report's `cascade`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.model import ReferenceStatus

ServiceKey = tuple[str, str]  # (mesh, core name)
FindingKey = tuple[str, str, str]  # (code, resource key, path)


@dataclass(frozen=True, slots=True)
class ServiceChange:
    mesh: str
    core_name: str
    name: str
    before: str | None  # a status, role, …; None when the service did not exist
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"mesh": self.mesh, "coreName": self.core_name, "name": self.name, "before": self.before,
                "after": self.after}


@dataclass(frozen=True, slots=True)
class CulpritChange:
    mesh: str
    core_name: str
    name: str
    role_before: str | None
    role_after: str | None
    victims: tuple[str, ...]  # core names of the MES a 2.9.x map misses until it is fixed (before: resolved ones)

    def to_dict(self) -> dict[str, Any]:
        return {"mesh": self.mesh, "coreName": self.core_name, "name": self.name, "roleBefore": self.role_before,
                "roleAfter": self.role_after, "victims": list(self.victims)}


@dataclass(slots=True)
class ReportDiff:
    # inclusion in the target map, and in a 2.9.x map
    restored: list[ServiceChange] = field(default_factory=list)
    newly_dropped: list[ServiceChange] = field(default_factory=list)
    still_dropped: list[ServiceChange] = field(default_factory=list)
    restored_on_29: list[ServiceChange] = field(default_factory=list)
    newly_dropped_on_29: list[ServiceChange] = field(default_factory=list)
    still_dropped_on_29: list[ServiceChange] = field(default_factory=list)
    services_added: list[ServiceChange] = field(default_factory=list)
    services_removed: list[ServiceChange] = field(default_factory=list)
    status_changes: list[ServiceChange] = field(default_factory=list)
    # the 2.9 cascade
    new_culprits: list[CulpritChange] = field(default_factory=list)  # culprit now, and was not before
    new_latent_culprits: list[CulpritChange] = field(default_factory=list)  # failing now, behind a culprit
    resolved_culprits: list[CulpritChange] = field(default_factory=list)  # no longer fails
    culprit_role_changes: list[CulpritChange] = field(default_factory=list)  # e.g. latent -> culprit
    # findings
    findings_new: list[dict[str, Any]] = field(default_factory=list)
    findings_resolved: list[dict[str, Any]] = field(default_factory=list)
    findings_unchanged: list[dict[str, Any]] = field(default_factory=list)
    # certificates and references
    certificates_added: list[dict[str, Any]] = field(default_factory=list)
    certificates_removed: list[dict[str, Any]] = field(default_factory=list)
    certificates_rotated: list[dict[str, Any]] = field(default_factory=list)  # {"before": cert, "after": cert}
    certificates_moved: list[dict[str, Any]] = field(default_factory=list)  # {"before": cert, "after": cert}
    references_fixed: list[dict[str, Any]] = field(default_factory=list)  # the reference after
    references_broken: list[dict[str, Any]] = field(default_factory=list)
    references_retargeted: list[dict[str, Any]] = field(default_factory=list)  # {"before": ref, "after": ref}
    verdict_before: str | None = None
    verdict_after: str | None = None
    zone_before: str | None = None
    zone_after: str | None = None
    version_before: str | None = None
    version_after: str | None = None

    @property
    def changed(self) -> bool:
        """Whether anything an operator acts on changed (unchanged findings do not count)."""
        d = self.to_dict()
        return any(v for k, v in d.items() if isinstance(v, list) and k not in ("stillDropped", "stillDroppedOn29",
                                                                                 "findingsUnchanged"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "restored": [c.to_dict() for c in self.restored],
            "newlyDropped": [c.to_dict() for c in self.newly_dropped],
            "stillDropped": [c.to_dict() for c in self.still_dropped],
            "restoredOn29": [c.to_dict() for c in self.restored_on_29],
            "newlyDroppedOn29": [c.to_dict() for c in self.newly_dropped_on_29],
            "stillDroppedOn29": [c.to_dict() for c in self.still_dropped_on_29],
            "servicesAdded": [c.to_dict() for c in self.services_added],
            "servicesRemoved": [c.to_dict() for c in self.services_removed],
            "statusChanges": [c.to_dict() for c in self.status_changes],
            "newCulprits": [c.to_dict() for c in self.new_culprits],
            "newLatentCulprits": [c.to_dict() for c in self.new_latent_culprits],
            "resolvedCulprits": [c.to_dict() for c in self.resolved_culprits],
            "culpritRoleChanges": [c.to_dict() for c in self.culprit_role_changes],
            "findingsNew": list(self.findings_new),
            "findingsResolved": list(self.findings_resolved),
            "findingsUnchanged": list(self.findings_unchanged),
            "certificatesAdded": list(self.certificates_added),
            "certificatesRemoved": list(self.certificates_removed),
            "certificatesRotated": list(self.certificates_rotated),
            "certificatesMoved": list(self.certificates_moved),
            "referencesFixed": list(self.references_fixed),
            "referencesBroken": list(self.references_broken),
            "referencesRetargeted": list(self.references_retargeted),
            "verdict": {"before": self.verdict_before, "after": self.verdict_after},
            "zone": {"before": self.zone_before, "after": self.zone_after},
            "kumaVersion": {"before": self.version_before, "after": self.version_after},
        }

    def summary_lines(self) -> list[str]:
        """A few lines an operator reads first: what came back, what is still down, what is new."""
        lines: list[str] = []
        if self.zone_before != self.zone_after:
            lines.append(f"Zone: {self.zone_before} → {self.zone_after}.")
        if self.version_before != self.version_after:
            lines.append(f"Kuma version: {self.version_before} → {self.version_after}.")
        if self.verdict_before != self.verdict_after:
            lines.append(f"Verdict: {self.verdict_before} → {self.verdict_after}.")
        _names(lines, "Restored to the endpoint map", self.restored)
        _names(lines, "Newly dropped from the endpoint map", self.newly_dropped)
        _names(lines, "Still not in the endpoint map", self.still_dropped)
        _names(lines, "On 2.9.x, restored", self.restored_on_29)
        _names(lines, "On 2.9.x, newly dropped", self.newly_dropped_on_29)
        _names(lines, "On 2.9.x, still dropped", self.still_dropped_on_29)
        for c in self.resolved_culprits:
            lines.append(f"Culprit fixed: {c.core_name} (mesh {c.mesh}) no longer stops the 2.9 loop.")
        for c in self.new_culprits:
            was = " (it was next in line)" if c.role_before else ""
            down = f", holding back {len(c.victims)} MES" if c.victims else ""
            lines.append(f"New culprit: {c.core_name} (mesh {c.mesh}) now stops the 2.9 loop{was}{down}.")
        for c in self.new_latent_culprits:
            lines.append(f"New failing MES behind a culprit: {c.core_name} (mesh {c.mesh}) is next in line.")
        _names(lines, "New MES", self.services_added)
        _names(lines, "Removed MES", self.services_removed)
        if self.findings_new or self.findings_resolved:
            lines.append(f"Findings: {len(self.findings_resolved)} resolved, {len(self.findings_new)} new, "
                         f"{len(self.findings_unchanged)} unchanged.")
        if self.references_fixed or self.references_broken:
            lines.append(f"Secret references: {len(self.references_fixed)} fixed, {len(self.references_broken)} "
                         "broken.")
        certs = [(len(self.certificates_rotated), "rotated"), (len(self.certificates_added), "added"),
                 (len(self.certificates_removed), "removed"), (len(self.certificates_moved), "moved to another Secret")]
        if any(n for n, _ in certs):
            lines.append("Certificates: " + ", ".join(f"{n} {what}" for n, what in certs if n) + ".")
        if not lines:
            lines.append("No change.")
        return lines


def diff_reports(before: Mapping[str, Any], after: Mapping[str, Any]) -> ReportDiff:
    diff = ReportDiff()
    diff.zone_before, diff.zone_after = before.get("zone"), after.get("zone")
    diff.version_before, diff.version_after = before.get("kumaVersion"), after.get("kumaVersion")
    diff.verdict_before, diff.verdict_after = _level(before), _level(after)
    before_services, after_services = _by_key(before.get("services")), _by_key(after.get("services"))
    _services(diff, before_services, after_services)
    _culprits(diff, _culprit_map(before), _culprit_map(after), before_services, after_services)
    _findings(diff, _list(before.get("findings")), _list(after.get("findings")))
    _references(diff, _list(before.get("secretReferences")), _list(after.get("secretReferences")))
    _certificates(diff, _list(before.get("certificates")), _list(after.get("certificates")))
    return diff


# --- services ------------------------------------------------------------------------------------


def _services(diff: ReportDiff, before: dict[ServiceKey, dict[str, Any]],
              after: dict[ServiceKey, dict[str, Any]]) -> None:
    for key, new in after.items():
        old = before.get(key)
        if old is None:
            diff.services_added.append(_change(key, new, None, new.get("status")))
            continue
        _inclusion(key, old, new, "included", diff.restored, diff.newly_dropped, diff.still_dropped)
        _inclusion(key, old, new, "includedOn29", diff.restored_on_29, diff.newly_dropped_on_29,
                   diff.still_dropped_on_29)
        if old.get("status") != new.get("status"):
            diff.status_changes.append(_change(key, new, old.get("status"), new.get("status")))
    for key, old in before.items():
        if key not in after:
            diff.services_removed.append(_change(key, old, old.get("status"), None))


def _inclusion(key: ServiceKey, old: dict[str, Any], new: dict[str, Any], flag: str, restored: list[ServiceChange],
               dropped: list[ServiceChange], still: list[ServiceChange]) -> None:
    was, now = bool(old.get(flag)), bool(new.get(flag))
    if now and not was:
        restored.append(_change(key, new, "excluded", "included"))
    elif was and not now:
        dropped.append(_change(key, new, "included", "excluded"))
    elif not was and not now:
        still.append(_change(key, new, "excluded", "excluded"))


def _change(key: ServiceKey, service: dict[str, Any], before: str | None, after: str | None) -> ServiceChange:
    return ServiceChange(key[0], key[1], str(service.get("name") or key[1]), before, after)


def _by_key(services: Any) -> dict[ServiceKey, dict[str, Any]]:
    out: dict[ServiceKey, dict[str, Any]] = {}
    for s in _list(services):
        out[(str(s.get("mesh") or "default"), str(s.get("coreName") or s.get("name") or ""))] = s
    return out


# --- culprits ------------------------------------------------------------------------------------


def _culprit_map(report: Mapping[str, Any]) -> dict[ServiceKey, dict[str, Any]]:
    out: dict[ServiceKey, dict[str, Any]] = {}
    cascade = report.get("cascade")
    meshes = cascade.get("meshes") if isinstance(cascade, Mapping) else None
    for mesh in _list(meshes):
        for c in _list(mesh.get("culprits")):
            out[(str(mesh.get("mesh") or c.get("mesh") or "default"), str(c.get("coreName") or ""))] = c
    return out


def _culprits(diff: ReportDiff, before: dict[ServiceKey, dict[str, Any]], after: dict[ServiceKey, dict[str, Any]],
              before_services: dict[ServiceKey, dict[str, Any]],
              after_services: dict[ServiceKey, dict[str, Any]]) -> None:
    for key, new in after.items():
        old = before.get(key)
        role_before = old.get("role") if old else None
        role_after = new.get("role")
        change = CulpritChange(key[0], key[1], str(new.get("name") or key[1]), role_before, role_after,
                               _held_back(key, after_services))
        if role_after == "culprit" and role_before != "culprit":
            diff.new_culprits.append(change)
        elif old is None:
            diff.new_latent_culprits.append(change)
        elif role_before != role_after:
            diff.culprit_role_changes.append(change)
    for key, old in before.items():
        if key not in after:
            diff.resolved_culprits.append(CulpritChange(key[0], key[1], str(old.get("name") or key[1]),
                                                        old.get("role"), None, _held_back(key, before_services)))


def _held_back(culprit: ServiceKey, services: dict[ServiceKey, dict[str, Any]]) -> tuple[str, ...]:
    """The MES (core names, loop order) a 2.9.x map misses until this culprit is fixed, itself excluded."""
    mesh, core = culprit
    out = []
    for (m, name), s in sorted(services.items()):
        restore = s.get("restoreOn29")
        if m == mesh and name != core and isinstance(restore, list) and core in restore:
            out.append(name)
    return tuple(out)


# --- findings ------------------------------------------------------------------------------------


def finding_key(finding: Mapping[str, Any]) -> FindingKey:
    resource = finding.get("resource")
    if isinstance(resource, Mapping):
        name = resource.get("coreName") or resource.get("name")
        where = f"{resource.get('kind')}/{resource.get('mesh') or '-'}/{name}"
    else:
        location = finding.get("location")
        where = f"input:{location.get('file')}" if isinstance(location, Mapping) else "input"
    return (str(finding.get("code") or ""), where, str(finding.get("path") or ""))


@dataclass(slots=True)
class FindingMatch:
    """Findings of two reports matched by `finding_key`, as multisets (the same key twice needs two)."""

    new: list[dict[str, Any]] = field(default_factory=list)  # in `after` only
    unchanged: list[dict[str, Any]] = field(default_factory=list)  # the `after` side of each match
    resolved: list[dict[str, Any]] = field(default_factory=list)  # in `before` only


def match_findings(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> FindingMatch:
    """The one finding comparison: the report diff and the merge gate's baseline (core.gate) both use it."""
    match = FindingMatch()
    remaining = Counter(finding_key(f) for f in before)
    for f in after:
        key = finding_key(f)
        if remaining[key] > 0:
            remaining[key] -= 1
            match.unchanged.append(f)
        else:
            match.new.append(f)
    left = Counter(finding_key(f) for f in after)
    for f in before:
        key = finding_key(f)
        if left[key] > 0:
            left[key] -= 1
        else:
            match.resolved.append(f)
    return match


def _findings(diff: ReportDiff, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    match = match_findings(before, after)
    diff.findings_new.extend(match.new)
    diff.findings_unchanged.extend(match.unchanged)
    diff.findings_resolved.extend(match.resolved)


# --- secret references and certificates -------------------------------------------------------------


def _reference_key(r: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(r.get("mesh") or "default"), str(r.get("serviceCoreName") or r.get("service") or ""),
            str(r.get("field") or ""))


def _fails(status: Any) -> bool:
    try:
        return ReferenceStatus(status).fails
    except ValueError:
        return status not in (None, "ok", "not-checked")


def _references(diff: ReportDiff, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    old_by = {_reference_key(r): r for r in before}
    for r in after:
        old = old_by.get(_reference_key(r))
        failed = _fails(old.get("status")) if old else False
        fails = _fails(r.get("status"))
        if old is not None and failed and not fails:
            diff.references_fixed.append(r)
        elif fails and not failed:
            diff.references_broken.append(r)
        if old is not None and old.get("secret") != r.get("secret"):
            diff.references_retargeted.append({"before": old, "after": r})


def _cert_key(c: Mapping[str, Any], with_secret: bool = True) -> tuple[Any, ...]:
    base = (str(c.get("mesh") or "default"), str(c.get("serviceCoreName") or c.get("service") or ""),
            str(c.get("field") or ""), c.get("position") or 0)
    return (*base, c.get("secret")) if with_secret else base


def _certificates(diff: ReportDiff, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    old_by = {_cert_key(c): c for c in before}
    unmatched_after: list[dict[str, Any]] = []
    matched: set[tuple[Any, ...]] = set()
    for c in after:
        key = _cert_key(c)
        old = old_by.get(key)
        if old is None:
            unmatched_after.append(c)
            continue
        matched.add(key)
        if old.get("sha256") != c.get("sha256"):
            diff.certificates_rotated.append({"before": old, "after": c})
    unmatched_before = [c for c in before if _cert_key(c) not in matched]
    # same place of the same service, another Secret, same bytes: the Secret was renamed or the reference moved
    by_place: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for c in unmatched_before:
        by_place.setdefault(_cert_key(c, with_secret=False), []).append(c)
    for c in unmatched_after:
        candidates = by_place.get(_cert_key(c, with_secret=False), [])
        same = next((o for o in candidates if o.get("sha256") == c.get("sha256")), None)
        if same is not None:
            candidates.remove(same)
            diff.certificates_moved.append({"before": same, "after": c})
        else:
            diff.certificates_added.append(c)
    diff.certificates_removed.extend(c for group in by_place.values() for c in group)


# --- helpers ----------------------------------------------------------------------------------------


def _level(report: Mapping[str, Any]) -> str | None:
    verdict = report.get("verdict")
    level = verdict.get("level") if isinstance(verdict, Mapping) else None
    return level if isinstance(level, str) else None


def _list(value: Any, kind: type = dict) -> list[Any]:
    return [v for v in value if isinstance(v, kind)] if isinstance(value, list) else []


def _names(lines: list[str], label: str, changes: Iterable[ServiceChange]) -> None:
    names = [c.core_name for c in changes]
    if not names:
        return
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    lines.append(f"{label} ({len(names)}): {shown}.")
