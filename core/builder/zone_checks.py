"""MES520: most MES belong to another zone than the one analysed (the wrong zone is being looked at)."""

from __future__ import annotations

from collections.abc import Iterator

from core.catalogue import finding
from core.context import Context
from core.model import Finding
from core.zone_choice import zones_of

_RELATED = 5


def check_other_zone(ctx: Context) -> Iterator[Finding]:
    """MES520 more than half of the MES carry `kuma.io/zone` of one other zone.

    Counted on the labels as written: kuma-cp sets `kuma.io/zone` to its own zone on the MES created
    there, so an export whose MES mostly name zone X comes from zone X (or shows X's MES). Analysing
    another zone leaves them out of the map on 2.9-2.14 (MES504) and gives them that zone's names.
    """
    services = ctx.index.services
    zone = ctx.options.zone_name
    counts = {z: n for z, n in zones_of(services).items() if z and z != zone}
    if not counts:
        return
    other = next(iter(counts))  # most MES first
    n = counts[other]
    if 2 * n <= len(services):
        return
    if ctx.version.zone_label_gates_reachability:
        effect = (f"zone {zone}'s egress leaves every one of them out of its endpoint map (MES504), so the map "
                  "and the 2.9 cascade shown are not the ones that zone's operators see")
    else:
        effect = (f"Kuma {ctx.version} no longer gates reachability on the label, but names (SNI, KRI) and "
                  f"admission rules are computed for zone {zone}")
    related = tuple(m.ref for m in services if m.labels.get("kuma.io/zone") == other)[:_RELATED]
    yield finding(
        "MES520",
        f"{n} of {len(services)} MES carry `kuma.io/zone: {other}`, but the analysis models zone {zone}: "
        f"{effect}.",
        related=related,
        hint=f"Analyse zone {other}: `--zone {other}` on the command line, the Zone option on the dashboard "
             "(or leave the zone empty to detect it from the input).",
        fix=f"mesdoctor check --zone {other} <files>",
    )
