"""Pick the zone whose egress an analysis models (`None` = detect it from the input).

An export of one zone names its zone in several places; the strongest signal wins:

1. an explicit choice (`--zone`, the dashboard's Zone field);
2. the control plane itself: a live Kuma API (`GET /config`: `multizone.zone.name`) or the kuma-cp
   workload in the input (`KUMA_MULTIZONE_ZONE_NAME` in its environment, set by the Helm chart);
3. ZoneEgress resources: `spec.zone` (set when synced through Global) or their `kuma.io/zone` label.
   Several zones (an export of a Global control plane): the one most zone-created MES belong to;
4. the `kuma.io/zone` labels of zone-created MES (`kuma.io/origin: zone`): kuma-cp sets the label to
   its own zone on write, and such MES are never synced to other zones. The most common zone wins;
5. nothing names a zone: `default`, the name kuma-cp uses when none is configured.

Global-created MES (`kuma.io/origin: global`) carry no zone of their own and say nothing here. When
signals disagree, the reason says so, and MES520 warns when most MES belong to another zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from core.builder.labels import ORIGIN, ZONE
from core.builder.mesh import zone_egress_zone
from core.index import Index
from core.model import LoadResult, Resource
from core.options import DEFAULT_ZONE

CHOSEN, API, CONTROL_PLANE, ZONE_EGRESS, LABELS, DEFAULT = (
    "chosen", "api", "control-plane", "zone-egress", "labels", "default")


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    zone: str
    reason: str  # e.g. "auto: ZoneEgress kuma-system/zone-egress is in zone eu-west-1 (spec.zone)"
    source: str  # one of CHOSEN, API, CONTROL_PLANE, ZONE_EGRESS, LABELS, DEFAULT


def choose_zone(requested: str | None, index: Index, load: LoadResult | None = None) -> ZoneChoice:
    explicit = (requested or "").strip()
    if explicit:
        return ZoneChoice(explicit, f"chosen: zone {explicit}", CHOSEN)
    created = zone_created(index.services)
    if load is not None and load.detected_zone:
        source = API if load.zone_source == API else CONTROL_PLANE
        zone = load.detected_zone
        evidence = load.zone_evidence or f"the control plane runs as zone {zone}"
        return ZoneChoice(zone, f"auto: {evidence}{_disagreeing(zone, created)}", source)
    egress = _egress_zones(index)
    if egress:
        return _from_egresses(egress, created)
    if created:
        return _from_labels(created)
    return ZoneChoice(DEFAULT_ZONE, f"auto: nothing in the input names a zone → {DEFAULT_ZONE}", DEFAULT)


def zone_created(services: list[Resource]) -> Counter[str]:
    """MES per zone, counting only zone-created ones (`kuma.io/origin: zone` with a `kuma.io/zone` label)."""
    counts: Counter[str] = Counter()
    for mes in services:
        labels = mes.labels if isinstance(mes.labels, Mapping) else {}
        zone = labels.get(ZONE)
        if labels.get(ORIGIN) == "zone" and isinstance(zone, str) and zone:
            counts[zone] += 1
    return counts


def zones_of(services: list[Resource]) -> dict[str, int]:
    """MES per written `kuma.io/zone` label value ("" for none), most first (then by name)."""
    counts: Counter[str] = Counter()
    for mes in services:
        labels = mes.labels if isinstance(mes.labels, Mapping) else {}
        zone = labels.get(ZONE)
        counts[zone if isinstance(zone, str) else ""] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _egress_zones(index: Index) -> dict[str, list[Resource]]:
    by_zone: dict[str, list[Resource]] = {}
    for egress in index.zone_egresses:
        zone = zone_egress_zone(egress)
        if zone:
            by_zone.setdefault(zone, []).append(egress)
    return by_zone


def _from_egresses(by_zone: dict[str, list[Resource]], created: Counter[str]) -> ZoneChoice:
    zone = min(by_zone, key=lambda z: (-created[z], -len(by_zone[z]), z))
    egresses = by_zone[zone]
    first = egresses[0]
    how = "spec.zone" if _spec_zone(first) == zone else "label kuma.io/zone"
    if len(egresses) == 1:
        what = f"ZoneEgress {_name(first)} is in zone {zone} ({how})"
    else:
        what = f"{len(egresses)} ZoneEgresses ({_name(first)}, …) are in zone {zone} ({how})"
    if len(by_zone) > 1:
        others = ", ".join(sorted(z for z in by_zone if z != zone))
        why = (f"{created[zone]} zone-created MES belong to {zone}" if created[zone]
               else f"{zone} has the most ZoneEgresses")
        what += f"; ZoneEgresses of zone(s) {others} too: {why}"
    return ZoneChoice(zone, f"auto: {what}{_disagreeing(zone, created)}", ZONE_EGRESS)


def _from_labels(created: Counter[str]) -> ZoneChoice:
    zone = min(created, key=lambda z: (-created[z], z))
    total = sum(created.values())
    what = (f"{created[zone]} of {total} zone-created MES carry kuma.io/zone: {zone}" if total > created[zone]
            else f"the zone-created MES carry kuma.io/zone: {zone}")
    if len(created) > 1 and sorted(created.values())[-2] == created[zone]:
        what += " (a tie: the first zone by name)"
    return ZoneChoice(zone, f"auto: {what}", LABELS)


def _disagreeing(zone: str, created: Counter[str]) -> str:
    """A note when the zone-created MES mostly belong elsewhere (MES520 says it as a warning)."""
    other = sum(n for z, n in created.items() if z != zone)
    if not other:
        return ""
    top = min((z for z in created if z != zone), key=lambda z: (-created[z], z))
    return f"; {other} zone-created MES belong to other zones (most to {top})"


def _spec_zone(egress: Resource) -> str | None:
    spec = egress.spec if isinstance(egress.spec, Mapping) else {}
    value = spec.get("zone")
    if isinstance(value, str) and value:
        return value
    raw = egress.raw if isinstance(egress.raw, Mapping) else {}
    value = raw.get("zone")  # Universal: top-level (also normalised into spec)
    return value if isinstance(value, str) and value else None


def _name(resource: Resource) -> str:
    return f"{resource.namespace}/{resource.name}" if resource.namespace else resource.name
