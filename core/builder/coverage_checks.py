"""Coverage notes (MES901, MES903, MES904): prerequisites the input did not let us check. Emitted once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from core.catalogue import finding
from core.context import Context
from core.model import Finding, Kind, Resource


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
    """MES903 there are MES but no ZoneEgress (nor zone-egress Dataplane) in the input (2.9-2.14)."""
    if not ctx.version.has_mesh_mtls or not ctx.index.services or ctx.index.zone_egresses:
        return
    if any(_is_egress_dataplane(d) for d in ctx.index.dataplanes):
        return
    yield finding(
        "MES903",
        f"The input has no ZoneEgress, so whether zone {ctx.options.zone} has a zone egress (MES traffic always "
        "goes through one) was not checked.",
        hint="Add the zone's ZoneEgress resources to the input.",
        fix="kubectl get zoneegresses -A -o yaml > zoneegresses.yaml   # or: kumactl get zoneegresses -o yaml",
    )


def check_identity_permission(ctx: Context) -> Iterator[Finding]:
    """MES904 on 3.0, MeshIdentity / MeshTrafficPermission not in the input."""
    if ctx.version.has_mesh_mtls or not ctx.index.services:
        return
    missing = [k.value for k in (Kind.MESH_IDENTITY, Kind.MESH_TRAFFIC_PERMISSION) if not ctx.index.of_kind.get(k)]
    if not missing:
        return
    yield finding(
        "MES904",
        f"The input has no {' and no '.join(missing)}: on Kuma 3.0 a MeshIdentity must cover the clients and the "
        "egress, and a MeshTrafficPermission must allow traffic on the zone-egress listener (deny by default). "
        "Not checked.",
        hint=f"Add the {' and '.join(missing)} resources to the input.",
        fix="kubectl get meshidentities,meshtrafficpermissions -A -o yaml > identity.yaml",
    )


def _is_egress_dataplane(dataplane: Resource) -> bool:
    networking = dataplane.spec.get("networking") if isinstance(dataplane.spec, Mapping) else None
    listeners = networking.get("listeners") if isinstance(networking, Mapping) else None
    return any(isinstance(item, Mapping) and item.get("type") == "ZoneEgress"
               for item in (listeners if isinstance(listeners, list) else ()))
