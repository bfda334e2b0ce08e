"""Coverage notes (MES901, MES903, MES904): prerequisites the input did not let us check. Emitted once."""

from __future__ import annotations

from collections.abc import Iterator

from core.builder.mesh import zone_egress_listeners
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Kind


def check_no_mesh(ctx: Context) -> Iterator[Finding]:
    """MES901 there are MES but no Mesh resource."""
    if not ctx.index.services or ctx.index.meshes:
        return
    meshes = ", ".join(sorted(ctx.index.services_by_mesh))
    what = ("mTLS backend, MES access default" if ctx.version.has_mesh_mtls else "mesh existence")
    yield finding(
        "MES901",
        f"The input has no Mesh resource, so the prerequisites of mesh(es) {meshes} ({what}) were not checked.",
        hint="Add the Mesh manifests to the input.",
        fix="kubectl get meshes -o yaml > meshes.yaml   # or: kumactl get meshes -o yaml",
    )


def check_no_zone_egress(ctx: Context) -> Iterator[Finding]:
    """MES903 there are MES but no zone egress in the input to check them against.

    2.9-2.14: no ZoneEgress (nor 2.14 zone-egress Dataplane) at all. 3.0: no Dataplane with a
    `ZoneEgress` listener in a mesh that has MES (zone proxies are mesh-scoped there).
    """
    if not ctx.index.services:
        return
    if ctx.version.zone_egress_is_dataplane_listener:
        if not ctx.known(Kind.DATAPLANE):  # else a mesh without one is MES404
            yield from _no_egress_dataplane(ctx)
        return
    if ctx.index.zone_egresses or any(zone_egress_listeners(d) for d in ctx.index.dataplanes):
        return
    if ctx.known(Kind.ZONE_EGRESS):  # none exists: MES404
        return
    yield finding(
        "MES903",
        f"The input has no ZoneEgress, so whether zone {ctx.options.zone_name} has a zone egress (MES traffic always "
        "goes through one) was not checked.",
        hint="Add the zone's ZoneEgress resources to the input.",
        fix="kubectl get zoneegresses -A -o yaml > zoneegresses.yaml   # or: kumactl get zoneegresses -o yaml",
    )


def _no_egress_dataplane(ctx: Context) -> Iterator[Finding]:
    with_egress = {d.mesh for d in ctx.index.dataplanes if zone_egress_listeners(d)}
    missing = [m for m in sorted(ctx.index.services_by_mesh) if m not in with_egress]
    if not missing:
        return
    message = (f"The input has no Dataplane with a `ZoneEgress` listener in mesh(es) {', '.join(missing)}, so whether "
               f"zone {ctx.options.zone_name} has a Ready zone egress for their MES (on Kuma 3.0 a mesh-scoped "
               "Dataplane listener; MES traffic always goes through one) was not checked.")
    if ctx.index.zone_egresses:
        message += (f" The input's {len(ctx.index.zone_egresses)} ZoneEgress resource(s) do not count: Kuma 3.0 "
                    "removed that kind.")
    yield finding(
        "MES903", message,
        hint="Add the zone-egress Dataplanes of those meshes to the input.",
        fix="kubectl get dataplanes -A -o yaml > dataplanes.yaml   # or: kumactl get dataplanes --mesh <mesh> -o yaml",
    )


def check_identity_permission(ctx: Context) -> Iterator[Finding]:
    """MES904: where MES traffic runs on workload identities (3.0; 2.14 meshes served by a zone-egress Dataplane),
    what the input lacks to evaluate them: MeshIdentities (MES409-MES412), MeshTrafficPermissions (MES610,
    MES611), client Dataplanes (whose identity and SPIFFE ID those checks read). A kind the input is known to
    hold completely (`--complete`, a live listing) is no gap: its absence is a finding there."""
    from core.builder.mesh import served_by_identity

    gaps: dict[str, list[str]] = {}
    for mesh_name in sorted(ctx.index.services_by_mesh):
        if not served_by_identity(ctx, mesh_name):
            continue
        missing: list[str] = []
        for kind in (Kind.MESH_IDENTITY, Kind.MESH_TRAFFIC_PERMISSION):
            if not any(r.mesh == mesh_name for r in ctx.index.of_kind.get(kind, [])) and not ctx.known(kind):
                missing.append(kind.value)
        clients = [d for d in ctx.index.dataplanes if d.mesh == mesh_name and not zone_egress_listeners(d)]
        if not clients and not ctx.known(Kind.DATAPLANE):
            missing.append("client Dataplane")
        for what in missing:
            gaps.setdefault(what, []).append(mesh_name)
    if not gaps:
        return
    parts = [f"no {what} in mesh(es) {', '.join(meshes)}" for what, meshes in gaps.items()]
    checked = {
        "MeshIdentity": "whether a MeshIdentity gives the clients and the zone egress a workload identity (else "
                        "their MES traffic fails)",
        "MeshTrafficPermission": "whether a MeshTrafficPermission on the zone-egress listener allows the clients "
                                 "(deny by default)",
        "client Dataplane": "which client proxies have a workload identity and are allowed",
    }
    unchecked = "; ".join(checked[what] for what in gaps)
    yield finding(
        "MES904",
        f"The input has {' and '.join(parts)}. On Kuma {ctx.version} MES traffic of those meshes runs through a "
        f"mesh-scoped zone egress on workload identities, so this was not checked: {unchecked}.",
        hint=f"Add the {', '.join(gaps)} resources of those meshes to the input (or mark it complete when it holds "
             "every one of them).",
        fix="kubectl get meshidentities,meshtrafficpermissions,dataplanes -A -o yaml > identity.yaml",
    )
