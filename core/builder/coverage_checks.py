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
        yield from _no_egress_dataplane(ctx)
        return
    if ctx.index.zone_egresses or any(zone_egress_listeners(d) for d in ctx.index.dataplanes):
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


_IDENTITY_KINDS = (Kind.MESH_IDENTITY, Kind.MESH_TRAFFIC_PERMISSION)


def check_identity_permission(ctx: Context) -> Iterator[Finding]:
    """MES904 on 3.0: MeshIdentity / MeshTrafficPermission are never evaluated; say so, and what is missing.

    Whether a MeshIdentity selects the client proxies and the zone egress, and whether a
    MeshTrafficPermission on the zone-egress listener allows the clients, needs selector and rule
    matching MES Doctor does not do; present resources must not silence the note.
    """
    if ctx.version.has_mesh_mtls or not ctx.index.services:
        return
    gaps: list[str] = []
    absent: list[str] = []
    for kind in _IDENTITY_KINDS:
        listed = ctx.index.of_kind.get(kind) or []
        if not listed:
            gaps.append(f"no {kind.value}")
            absent.append(kind.value)
            continue
        meshes = {r.mesh for r in listed}
        lacking = [m for m in sorted(ctx.index.services_by_mesh) if m not in meshes]
        if lacking:
            gaps.append(f"no {kind.value} in mesh(es) {', '.join(lacking)}")
            absent.append(kind.value)
    what = ("whether a MeshIdentity selects the client proxies and the zone egress (else requests fail with 503 "
            "`cluster_not_found`) and whether a MeshTrafficPermission on the zone-egress listener allows the "
            "clients (deny by default) were not checked")
    if gaps:
        message = f"The input has {' and '.join(gaps)}. On Kuma 3.0 {what}."
        hint = f"Add the {' and '.join(dict.fromkeys(absent))} resources to the input; check the selectors by hand."
    else:
        message = (f"The input has MeshIdentity and MeshTrafficPermission resources in every mesh with MES, but "
                   f"MES Doctor does not evaluate their selectors and rules: on Kuma 3.0 {what}.")
        hint = ("Check by hand that a MeshIdentity selects the client proxies and the zone egress, and that a "
                "MeshTrafficPermission targeting the zone-egress Dataplane listener (`sectionName`) allows the "
                "clients' `spiffeID` or the MES `sni`.")
    yield finding(
        "MES904", message, hint=hint,
        fix="kubectl get meshidentities,meshtrafficpermissions -A -o yaml > identity.yaml",
    )
