"""The 2.9.x blast radius: which MES a failing one drops on a 2.9 control plane (kumahq/kuma#12821)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model import Report, ResourceRef


@dataclass(slots=True)
class BlastRadius:
    culprits: dict[ResourceRef, list[ResourceRef]] = field(default_factory=dict)  # culprit -> collateral
    healthy_dropped: int = 0  # collateral MES that are themselves fine

    @property
    def dropped(self) -> int:
        return sum(len(v) for v in self.culprits.values())

    @property
    def headline(self) -> str:
        if not self.culprits:
            return "No MES would be dropped by the 2.9 cascade."
        n = len(self.culprits)
        subject = "1 MES whose TLS material fails to load" if n == 1 else f"{n} MES whose TLS material fails to load"
        verb = "drops" if n == 1 else "drop"
        victims = self.dropped
        if victims and self.healthy_dropped == victims:
            what = f"{victims} healthy one" + ("s" if victims != 1 else "")
        elif victims:
            what = f"{victims} other MES ({self.healthy_dropped} of them otherwise healthy)"
        else:
            what = "no other MES (it sorts last in its mesh)"
        return f"{subject} {verb} {what} on a Kuma 2.9.x control plane."


def blast_radius(report: Report) -> BlastRadius:
    radius = BlastRadius()
    legacy = report.legacy_map
    culprit_refs: dict[str, ResourceRef] = {}
    for exclusion in legacy.excluded.values():
        if exclusion.reason == "tls-load-failed":
            culprit_refs[exclusion.service.key] = exclusion.service
    for ref in culprit_refs.values():
        radius.culprits[ref] = []
    by_key = {s.resource.key: s for s in report.services}
    for exclusion in legacy.excluded.values():
        if exclusion.reason == "cascade" and exclusion.culprit is not None:
            culprit = culprit_refs.get(exclusion.culprit.key, exclusion.culprit)
            radius.culprits.setdefault(culprit, []).append(exclusion.service)
            outcome = by_key.get(exclusion.service.key)
            if outcome and not any(f.severity == "error" and f.code != "MES502" for f in outcome.findings):
                radius.healthy_dropped += 1
    return radius
