"""Upgrade warnings on the MES itself that depend on what Kuma 3.0 changed (MES161)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from core.builder.labels import ORIGIN, ZONE
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Flavour, Resource


def check_zone_label_ignored(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES161 (3.0): `kuma.io/zone` on an MES no longer restricts which zone's egress serves it.

    Before 3.0 only the zone named by the label served the MES (`IsReachableFromZone`); 3.0 removed per-zone
    MES routing (commit 6455bb9adb, `master:UPGRADE.md` "Per-zone MeshExternalService routing removed"): every
    zone's egress dials the endpoints. The label Kuma stamps on an MES a zone creates for itself changes
    nothing, so only a label that used to gate (another zone, or set on a Global MES) is reported.
    """
    if ctx.version.zone_label_gates_reachability or not ctx.admission_valid(mes.key):
        return
    labels = mes.labels if isinstance(mes.labels, Mapping) else {}
    zone = labels.get(ZONE)
    if not isinstance(zone, str) or not zone:
        return
    origin = labels.get(ORIGIN)
    if zone == ctx.options.zone_name and origin != "global":
        return
    path = f'metadata.labels["{ZONE}"]' if mes.flavour is Flavour.KUBERNETES else f'labels["{ZONE}"]'
    before = ("only zone " + zone + "'s egress served it (MES504 elsewhere)" if zone != ctx.options.zone_name else
              f"only zone {zone}'s egress served this Global MES")
    yield finding(
        "MES161",
        f"{mes.core_name} carries `{ZONE}: {zone}`. Before Kuma 3.0 {before}; 3.0 ignores the label on an MES: every "
        f"zone's egress, including {ctx.options.zone_name}'s, dials {mes.core_name}'s endpoints directly.",
        mes.ref, path=path, origin=mes.origin.at_line(mes.line_of(path)),
        hint="Make sure every zone has a network path to the endpoints before upgrading (firewalls, egress IPs), then "
             "drop the label; to keep a zone out, do not create the MES there.",
    )
