"""Workload identity for MES traffic through a mesh-scoped zone egress (MES408-MES412).

Where it applies (`core.builder.mesh.served_by_identity`): every mesh on 3.0; on 2.14 the meshes whose
MES traffic goes through a Ready zone-egress Dataplane. There, with or without `Mesh.mtls`:

* 2.14 only: the mesh must set `meshServices.mode: Exclusive`, else kuma-cp skips zone-proxy listeners
  ("skipping zone proxy listeners: MeshServices must be in Exclusive mode") and leaves MeshIdentities
  uninitialised (`MeshServicesDisabled`) (release-2.14: pkg/xds/generator/zone_proxy_listener_generator.go,
  pkg/core/resources/apis/meshidentity/status/updater.go) - MES408;
* the zone-egress Dataplane needs a workload identity, else its egress listener is not generated
  ("skipping zone egress listener: WorkloadIdentity is required for egress mTLS") and clients have no
  egress SAN to verify (release-2.14 / master: zone_proxy_listener_generator.go, meshroute/clusters.go) - MES409;
* a client needs a workload identity: 2.14 builds the KRI-SNI cluster only for proxies with one (the
  others keep the legacy mTLS path, whose SNI the mesh-scoped egress does not match); 3.0 UPGRADE.md
  "MeshExternalService clusters require a MeshIdentity" - MES410 (no client has one), MES411 (some lack one);
* a mesh with no MeshIdentity at all, when the input is known to hold every MeshIdentity - MES412.

A finding per MES of the mesh (the mesh-level convention of core/builder/mesh_checks.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.builder.mesh import listener_ready, meshservices_mode, served_by_identity, zone_egress_listeners
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Kind, Resource
from core.neighbours.proxies import Identity, clients, identities, identity_of, zone_egress_dataplanes

_SHOWN = 5


def identity_meshes(ctx: Context) -> Iterator[tuple[str, list[Resource]]]:
    """(mesh, its MES) for the meshes whose MES traffic runs on workload identities."""
    for mesh_name in sorted(ctx.index.services_by_mesh):
        if served_by_identity(ctx, mesh_name):
            yield mesh_name, ctx.index.services_by_mesh[mesh_name]


def _names(resources: list[Resource]) -> str:
    shown = ", ".join(r.core_name for r in resources[:_SHOWN])
    return shown + (f" and {len(resources) - _SHOWN} more" if len(resources) > _SHOWN else "")


def _why(found: Identity) -> str:
    if found.identity is None:
        return "no MeshIdentity selects it"
    return f"its MeshIdentity {found.identity.name} is not initialised ({found.reason})"


def check_exclusive_mode(ctx: Context) -> Iterator[Finding]:
    """MES408 (2.14): a mesh-scoped zone egress needs `meshServices.mode: Exclusive` on the Mesh."""
    if not ctx.version.zone_proxies_need_exclusive_mode:
        return
    for mesh_name, services in identity_meshes(ctx):
        mesh = ctx.index.meshes.get(mesh_name)
        if mesh is None:
            continue
        mode = meshservices_mode(mesh)
        if mode == "Exclusive":
            continue
        path = "spec.meshServices.mode" if mesh.flavour.value == "kubernetes" else "meshServices.mode"
        egresses = zone_egress_dataplanes(ctx, mesh_name)
        for mes in services:
            yield finding(
                "MES408",
                f"Mesh {mesh_name} has `meshServices.mode: {mode}`. Kuma 2.14 generates the listeners of a "
                f"mesh-scoped zone proxy ({_names(egresses)}) and initialises MeshIdentities only in `Exclusive` "
                "mode (it logs `skipping zone proxy listeners: MeshServices must be in Exclusive mode` and sets "
                f"the MeshIdentity condition `MeshServicesDisabled`), so {mes.core_name} has no egress to go through.",
                mes.ref, path=path, related=(mesh.ref, *(d.ref for d in egresses[:_SHOWN])),
                hint=f"Set `meshServices.mode: Exclusive` on mesh {mesh_name} (Kuma 3.0 drops this condition).",
                fix=f"kubectl patch mesh {mesh_name} --type merge -p '{{\"spec\":{{\"meshServices\":{{\"mode\":"
                    "\"Exclusive\"}}}}'" if mesh.flavour.value == "kubernetes" else
                    "meshServices:\n  mode: Exclusive\n",
            )


def _blocked_by_mode(ctx: Context, mesh_name: str) -> bool:
    """2.14 and not Exclusive: MES408 says it all (nothing downstream can work)."""
    if not ctx.version.zone_proxies_need_exclusive_mode:
        return False
    mesh = ctx.index.meshes.get(mesh_name)
    return mesh is not None and meshservices_mode(mesh) != "Exclusive"


def _identities_checked(ctx: Context, mesh_name: str) -> bool:
    """MeshIdentities of the mesh are in the input, or known to be absent."""
    return bool(identities(ctx, mesh_name)) or ctx.known(Kind.MESH_IDENTITY)


def check_no_identity(ctx: Context) -> Iterator[Finding]:
    """MES412: the input holds every MeshIdentity, and the mesh has none."""
    for mesh_name, services in identity_meshes(ctx):
        if identities(ctx, mesh_name) or not ctx.known(Kind.MESH_IDENTITY) or _blocked_by_mode(ctx, mesh_name):
            continue
        why = ("the input is marked complete" if ctx.options.complete else
               "the live source listed MeshIdentities")
        for mes in services:
            yield finding(
                "MES412",
                f"Mesh {mesh_name} has no MeshIdentity ({why}): no proxy of the mesh gets a workload identity, so "
                f"the zone egress generates no egress listener and no client gets a working cluster for "
                f"{mes.core_name}.",
                mes.ref,
                hint=f"Create a MeshIdentity in mesh {mesh_name} that selects the client proxies and the zone egress "
                     "(e.g. `selector: {dataplane: {matchLabels: {}}}` for every proxy).",
                fix=_identity_fix(mes, mesh_name),
            )


def check_egress_identity(ctx: Context) -> Iterator[Finding]:
    """MES409: a Ready zone-egress Dataplane without a usable workload identity."""
    for mesh_name, services in identity_meshes(ctx):
        if not identities(ctx, mesh_name) or _blocked_by_mode(ctx, mesh_name):
            continue  # no MeshIdentity at all: MES412 (or the MES904 note)
        ready = [d for d in zone_egress_dataplanes(ctx, mesh_name)
                 if any(listener_ready(item) for item in zone_egress_listeners(d))]
        lacking = [(d, identity_of(ctx, d)) for d in ready if not identity_of(ctx, d).usable]
        if not lacking:
            continue
        all_lack = len(lacking) == len(ready)
        reasons = "; ".join(f"{d.core_name}: {_why(found)}" for d, found in lacking[:_SHOWN])
        effect = ("so no egress listener exists and no client can reach" if all_lack else
                  "so those instances generate no egress listener, and the share of connections that clients "
                  "balance to them fails for")
        for mes in services:
            yield finding(
                "MES409",
                f"{'The' if all_lack else len(lacking)} zone-egress Dataplane(s) of mesh {mesh_name} have no workload "
                f"identity ({reasons}). kuma-cp skips a zone egress listener without one (`skipping zone egress "
                f"listener: WorkloadIdentity is required for egress mTLS`), {effect} {mes.core_name}.",
                mes.ref, related=tuple(d.ref for d, _ in lacking[:_SHOWN]),
                hint="Make a MeshIdentity select the zone-egress Dataplanes (their labels) and check that it reports "
                     "`Ready: True`.",
                fix=_identity_fix(mes, mesh_name),
            )


def check_client_identity(ctx: Context) -> Iterator[Finding]:
    """MES410 (no client proxy has a workload identity) / MES411 (some do not)."""
    for mesh_name, services in identity_meshes(ctx):
        if not _identities_checked(ctx, mesh_name) or _blocked_by_mode(ctx, mesh_name):
            continue
        if not identities(ctx, mesh_name):
            continue  # MES412
        proxies = clients(ctx, mesh_name)
        if not proxies:
            continue
        lacking = [(d, identity_of(ctx, d)) for d in proxies if not identity_of(ctx, d).usable]
        if not lacking:
            continue
        code = "MES410" if len(lacking) == len(proxies) else "MES411"
        effect = (f"requests from them to an MES fail: Kuma {ctx.version} gives a proxy without a workload identity "
                  "no working cluster for an MES" + (" (UPGRADE.md 3.0: the cluster is dropped and the client's Envoy "
                                                      "answers 503 `cluster_not_found`)" if ctx.version.major >= 3
                                                      else " (it keeps the legacy mTLS path, whose SNI the mesh-scoped "
                                                           "zone egress does not match: the connection is reset)"))
        shown = "; ".join(f"{d.core_name} ({_why(found)})" for d, found in lacking[:_SHOWN])
        more = f" and {len(lacking) - _SHOWN} more" if len(lacking) > _SHOWN else ""
        for mes in services:
            head = (f"None of the {len(proxies)} client proxies of mesh {mesh_name} in zone {ctx.options.zone_name} "
                    "has a workload identity" if code == "MES410" else
                    f"{len(lacking)} of the {len(proxies)} client proxies of mesh {mesh_name} in zone "
                    f"{ctx.options.zone_name} have no workload identity")
            yield finding(
                code,
                f"{head}: {shown}{more}. For {mes.core_name}, {effect}.",
                mes.ref, related=tuple(d.ref for d, _ in lacking[:_SHOWN]),
                hint="Widen a MeshIdentity selector to the clients' labels (an empty `matchLabels` selects every "
                     "proxy of the mesh), and check that the MeshIdentity reports `Ready: True`.",
                fix=_identity_fix(mes, mesh_name),
            )


def _identity_fix(mes: Resource, mesh_name: str) -> str:
    if mes.flavour.value == "kubernetes":
        return ("apiVersion: kuma.io/v1alpha1\nkind: MeshIdentity\nmetadata:\n  name: identity\n  namespace: "
                f"{mes.namespace or 'kuma-system'}\n  labels:\n    kuma.io/mesh: {mesh_name}\nspec:\n  selector:\n"
                "    dataplane:\n      matchLabels: {}\n  provider:\n    type: Bundled\n    bundled:\n"
                "      meshTrustCreation: Enabled\n      autogenerate:\n        enabled: true\n")
    return (f"type: MeshIdentity\nname: identity\nmesh: {mesh_name}\nspec:\n  selector:\n    dataplane:\n"
            "      matchLabels: {}\n  provider:\n    type: Bundled\n    bundled:\n      meshTrustCreation: Enabled\n"
            "      autogenerate:\n        enabled: true\n")
