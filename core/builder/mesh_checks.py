"""Mesh and zone-egress prerequisites (MES401-MES407), reported on every affected MES.

A mesh-level problem is one finding per MES of that mesh (resource = the MES, `related` = the
Mesh, `path` on the Mesh), so each service's status reflects it. Target version only.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.builder import fixes
from core.builder.build import reachable
from core.builder.labels import labels_of
from core.builder.mesh import (
    backend_names,
    dataplane_zone,
    enabled_backend,
    flag,
    listener_ready,
    mesh_field,
    mesh_path,
    served_by_identity,
    zone_egress_listeners,
    zone_egress_zone,
)
from core.builder.paths import mesh_of_path, origin_at
from core.catalogue import finding
from core.context import COMPLETE_KINDS, Context
from core.model import Finding, Flavour, Kind, Resource


def _meshes_with_services(ctx: Context) -> Iterator[tuple[Resource, list[Resource]]]:
    for name in sorted(ctx.index.services_by_mesh):
        mesh = ctx.index.meshes.get(name)
        if mesh is not None:
            yield mesh, ctx.index.services_by_mesh[name]


def check_mesh_mtls(ctx: Context) -> Iterator[Finding]:
    """MES401 no mTLS backend enabled / MES402 enabled backend not defined (2.9-2.14).

    Not where 2.14 serves the mesh through a mesh-scoped zone egress (a Ready zone-egress Dataplane): that
    path runs on workload identities, not on `Mesh.mtls` (MES408-MES412 check it instead).
    """
    if not ctx.version.has_mesh_mtls:
        return
    for mesh, services in _meshes_with_services(ctx):
        if served_by_identity(ctx, mesh.name):
            continue
        backend = enabled_backend(mesh)
        path = mesh_path(mesh, "mtls", "enabledBackend")
        names = backend_names(mesh)
        for mes in services:
            if not backend:
                yield finding(
                    "MES401",
                    f"Mesh {mesh.name} has no mTLS backend enabled (`{path}` is empty): the zone egress only "
                    f"serves meshes with mTLS, so {mes.core_name} cannot be reached through it "
                    "(clients see `Connection reset by peer`).",
                    mes.ref, path=path, origin=origin_at(mesh, path), related=(mesh.ref,),
                    hint=f"Enable mTLS on mesh {mesh.name}: define a backend (e.g. `builtin`) and set "
                         "`enabledBackend` to its name.",
                    fix=fixes.mesh_mtls(mesh.name, mesh.flavour),
                )
            elif backend not in names:
                known = ", ".join(names) or "none"
                yield finding(
                    "MES402",
                    f"Mesh {mesh.name} enables mTLS backend `{backend}`, but `{mesh_path(mesh, 'mtls', 'backends')}` "
                    f"defines {known}: the Mesh is invalid and {mes.core_name} gets no mTLS through the egress.",
                    mes.ref, path=path, origin=origin_at(mesh, path), related=(mesh.ref,),
                    hint=f"Set `enabledBackend` to one of the defined backends ({known}) or add a backend "
                         f"named `{backend}`.",
                    fix=fixes.mesh_mtls(mesh.name, mesh.flavour),
                )


def check_forbid_access(ctx: Context) -> Iterator[Finding]:
    """MES403 `routing.defaultForbidMeshExternalServiceAccess: true` (2.9-2.14)."""
    if not ctx.version.has_mesh_mtls:
        return
    key = "defaultForbidMeshExternalServiceAccess"
    for mesh, services in _meshes_with_services(ctx):
        if not flag(mesh, "routing", key):
            continue
        path = mesh_path(mesh, "routing", key)
        for mes in services:
            yield finding(
                "MES403",
                f"Mesh {mesh.name} sets `{path}: true`: the zone egress denies every MeshExternalService, "
                f"including {mes.core_name} (HTTP 403 / connection closed).",
                mes.ref, path=path, origin=origin_at(mesh, path), related=(mesh.ref,),
                hint="Set it to false (the default) to allow MES traffic through the egress; no per-MES "
                     "MeshTrafficPermission exception exists in this code path.",
                fix=fixes.mesh_patch(mesh.name, mesh.flavour, "routing", key, "false"),
            )


def check_zone_egress(ctx: Context) -> Iterator[Finding]:
    """MES404 no zone egress serves the selected zone.

    2.9-2.14: ZoneEgress resources (global-scoped, one egress serves every mesh); 2.14 meshes served by a
    mesh-scoped zone egress (a Ready zone-egress Dataplane) are left to that path. 3.0: Dataplanes with a
    `ZoneEgress` listener, per mesh. Either kind may be listed but not serve the zone, or be known to be
    absent (`--complete`, or a live source that listed it): both are findings. A kind the input simply
    lacks is a coverage note (MES903), not a finding here.
    """
    if ctx.version.zone_egress_is_dataplane_listener:
        yield from _check_egress_listeners(ctx)
        return
    egresses = ctx.index.zone_egresses
    zone = ctx.options.zone_name
    if not egresses:
        if ctx.known(Kind.ZONE_EGRESS):
            yield from _no_zone_egress_at_all(ctx)
        return
    zones = sorted({zone_egress_zone(e) for e in egresses})
    if "" in zones or zone in zones:
        return
    related = tuple(e.ref for e in egresses[:5])
    for mes in ctx.index.services:
        if served_by_identity(ctx, mes.mesh) or not reachable(labels_of(ctx, mes), ctx.version, zone):
            continue
        yield finding(
            "MES404",
            f"The input lists ZoneEgress resources for zone(s) {', '.join(zones)}, but none for zone {zone}: "
            f"sidecars in {zone} have no egress to send {mes.core_name} traffic to.",
            mes.ref, related=related,
            hint=f"Deploy a zone egress in zone {zone} (or select the zone the input was exported from).",
            fix=_egress_fix(mes.flavour),
        )


def _no_zone_egress_at_all(ctx: Context) -> Iterator[Finding]:
    zone = ctx.options.zone_name
    source = _known_because(ctx, Kind.ZONE_EGRESS)
    for mes in ctx.index.services:
        if served_by_identity(ctx, mes.mesh) or not reachable(labels_of(ctx, mes), ctx.version, zone):
            continue
        yield finding(
            "MES404",
            f"There is no ZoneEgress at all ({source}): MES traffic always goes through a zone egress, so "
            f"sidecars in zone {zone} have nowhere to send {mes.core_name} traffic.",
            mes.ref,
            hint=f"Deploy a zone egress in zone {zone}.",
            fix=_egress_fix(mes.flavour),
        )


def _known_because(ctx: Context, kind: Kind) -> str:
    """Why the absence of `kind` is a fact: a live source listed it, or the input is complete."""
    if ctx.options.complete and kind in COMPLETE_KINDS:
        return f"the input is marked complete: it holds every {kind.value} of the zone"
    return f"the live source listed {kind.value} resources and found none"


def _check_egress_listeners(ctx: Context) -> Iterator[Finding]:
    """3.0: every mesh with MES needs a Ready `ZoneEgress` listener on a Dataplane of that mesh in the zone."""
    zone = ctx.options.zone_name
    egresses: dict[str, list[Resource]] = {}
    for dataplane in ctx.index.dataplanes:
        if zone_egress_listeners(dataplane):
            egresses.setdefault(dataplane.mesh, []).append(dataplane)
    for mesh_name in sorted(ctx.index.services_by_mesh):
        listed = egresses.get(mesh_name)
        if not listed:
            if ctx.known(Kind.DATAPLANE):
                source = _known_because(ctx, Kind.DATAPLANE)
                for mes in ctx.index.services_by_mesh[mesh_name]:
                    yield finding(
                        "MES404",
                        f"Mesh {mesh_name} has no Dataplane with a `ZoneEgress` listener ({source}): Kuma "
                        f"{ctx.version} sends MES traffic through a zone egress of the MES's own mesh, so sidecars "
                        f"in {zone} have nowhere to send {mes.core_name} traffic.",
                        mes.ref,
                        hint=f"Deploy a zone proxy with an egress listener for mesh {mesh_name} in zone {zone} "
                             "(Helm: `meshes[].egress.enabled=true`).",
                    )
            continue
        in_zone = [d for d in listed if dataplane_zone(d) in ("", zone)]
        if any(listener_ready(item) for d in in_zone for item in zone_egress_listeners(d)):
            continue
        if in_zone:
            names = ", ".join(d.core_name for d in in_zone[:5])
            why = (f"the zone-egress listener(s) of {names} in zone {zone} are not Ready (`state: NotReady`) and "
                   "kuma-cp only hands Ready listeners to the sidecars")
            hint = (f"Make the zone egress of mesh {mesh_name} in zone {zone} Ready (on Kubernetes its pod and "
                    "kuma-sidecar container must be ready), then re-export the Dataplanes.")
        else:
            zones = ", ".join(sorted({dataplane_zone(d) for d in listed}))
            why = f"the zone-egress Dataplanes listed for it serve zone(s) {zones}, none serves zone {zone}"
            hint = (f"Deploy a zone egress for mesh {mesh_name} in zone {zone} (a Dataplane with a `ZoneEgress` "
                    "listener), or select the zone the input was exported from.")
        related = tuple(d.ref for d in (in_zone or listed)[:5])
        for mes in ctx.index.services_by_mesh[mesh_name]:
            yield finding(
                "MES404",
                f"Kuma {ctx.version} sends MES traffic through a zone egress of the MES's own mesh, but for mesh "
                f"{mesh_name} {why}: sidecars in {zone} have no egress to send {mes.core_name} traffic to.",
                mes.ref, related=related, hint=hint,
            )


def _egress_fix(flavour: Flavour) -> str:
    if flavour is Flavour.KUBERNETES:
        return "helm upgrade kuma kuma/kuma -n kuma-system --reuse-values --set egress.enabled=true"
    return ("kuma-dp run --proxy-type=egress --cp-address=https://<zone-cp>:5678 "
            "--dataplane-token-file=egress-token --dataplane-file=zone-egress.yaml")


def check_mesh_missing(ctx: Context) -> Iterator[Finding]:
    """MES405 the MES's mesh is missing while other Mesh resources are in the input."""
    if not ctx.index.meshes:
        return
    known = ", ".join(sorted(ctx.index.meshes))
    for mes in ctx.index.services:
        if mes.mesh in ctx.index.meshes:
            continue
        path = mesh_of_path(mes)
        yield finding(
            "MES405",
            f"{mes.core_name} belongs to mesh {mes.mesh}, but the input has no such Mesh (it has {known}): "
            "Kuma refuses resources of a mesh that does not exist.",
            mes.ref, path=path, origin=origin_at(mes, path),
            hint=f"Create mesh {mes.mesh}, or point the MES at an existing mesh ({path}).",
            fix=fixes.create_mesh(mes.mesh, mes.flavour),
        )


def check_removed_mesh_fields(ctx: Context) -> Iterator[Finding]:
    """MES406 `spec.mtls` / `spec.routing` on 3.0, where they no longer exist.

    The message names every removed field the Mesh sets (`routing.zoneEgress`,
    `routing.defaultForbidMeshExternalServiceAccess`, ...) and what replaced it for MES: workload identity
    from a MeshIdentity, and access decided by a MeshTrafficPermission on the zone-egress listener
    (`master:UPGRADE.md`: "`routing.defaultForbidMeshExternalServiceAccess` removed", "`mtls` removed").
    """
    if ctx.version.has_mesh_mtls:
        return
    for mesh, services in _meshes_with_services(ctx):
        removed = [f for f in ("mtls", "routing") if mesh_field(mesh, f) is not None]
        if not removed:
            continue
        paths = [mesh_path(mesh, f) for f in removed]
        named: list[str] = []
        for field in removed:
            value = mesh_field(mesh, field)
            keys = sorted(value) if isinstance(value, dict) and value else []
            named += [f"`{mesh_path(mesh, field, str(k))}`" for k in keys] or [f"`{mesh_path(mesh, field)}`"]
        replaced: list[str] = []
        if "mtls" in removed:
            replaced.append("workload identity comes from a MeshIdentity (and MeshTrust), not from `mtls`")
        forbid = mesh_field(mesh, "routing", "defaultForbidMeshExternalServiceAccess")
        access = ("MES access is decided by a MeshTrafficPermission on the zone-egress listener, which denies what "
                  "no rule allows" + (f" (`defaultForbidMeshExternalServiceAccess: {str(forbid).lower()}` no longer "
                                      "has any effect)" if forbid is not None else ""))
        replaced.append(access)
        for mes in services:
            yield finding(
                "MES406",
                f"Mesh {mesh.name} still sets {', '.join(named)}, removed in Kuma 3.0: ignored, and dropped on the "
                f"next write. For {mes.core_name}: {'; '.join(replaced)}.",
                mes.ref, path=paths[0], origin=origin_at(mesh, paths[0]), related=(mesh.ref,),
                hint="Remove the fields; create a MeshIdentity for the clients and the zone egress, and a "
                     "MeshTrafficPermission that selects the zone-egress listener and allows the clients.",
                fix=fixes.remove_mesh_fields(mesh.name, mesh.flavour, removed),
            )


def check_zone_egress_routing(ctx: Context) -> Iterator[Finding]:
    """MES407 note: `routing.zoneEgress` is not needed for MES (2.9-2.14)."""
    if not ctx.version.has_mesh_mtls:
        return
    for mesh, services in _meshes_with_services(ctx):
        if mesh_field(mesh, "routing", "zoneEgress") is None:
            continue
        path = mesh_path(mesh, "routing", "zoneEgress")
        value = "true" if flag(mesh, "routing", "zoneEgress") else "false"
        for mes in services:
            yield finding(
                "MES407",
                f"Mesh {mesh.name} sets `{path}: {value}`. Since Kuma 2.9.0 MES traffic always goes through the "
                f"zone egress whatever this says; it only affects legacy ExternalService and cross-zone traffic.",
                mes.ref, path=path, origin=origin_at(mesh, path), related=(mesh.ref,),
                hint="Nothing to do for MES; keep or drop it for your other traffic.",
            )
