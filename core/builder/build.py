"""The zone egress endpoint map, isolated per MES, and what a given Kuma version does with it.

`build(ctx, version)` walks each mesh's MES in Kuma's list order (mesh, then core name, byte
order) the way kuma-cp's egress does, and records for every MES either a `Destination` or an
`Exclusion`. Version switches (core/versions.py):

* 2.9 (`aborts_mes_loop_on_error`, kumahq/kuma#12821): the first reachable MES whose TLS material
  fails drops itself and every later reachable MES of its mesh ("cascade"). Unreachable MES are
  skipped without evaluation and cannot trigger it.
* 2.10+: a failing MES is dropped alone ("tls-load-failed").
* 2.9-2.11 (`egress_filter_chain_early_return`, inferred): the first MES without egress endpoints
  makes every later served MES lose its egress filter chain (`lost_filter_chains`).
* 2.9-2.14: the egress serves only meshes with mTLS (when the Mesh is in the input: "no-mtls"),
  and `kuma.io/zone` of another zone keeps an MES off this zone's egress ("unreachable-zone").
* 3.0 (`egress_skips_mes_without_endpoints`): an MES whose TLS material loads but that has zero
  endpoints is skipped ("no-endpoints", MES518); a TLS failure is reported first, as kuma-cp
  loads the material before it walks the endpoints.

Semantics decisions: an MES that would not reach the store is "rejected-on-write" (its first
write-stage error code); an MES of a mesh missing from an input that has other Meshes is
"mesh-not-found" (MES405); on 2.9-2.14 an MES with no endpoints is *included* with an empty
endpoint list (kuma-cp processes it without error, but it routes nowhere and, on 2.9-2.11, cuts
the filter chains after it); 3.0 excludes it (above). Destination tags are a copy of the MES
labels, plus `mesh: <mesh>` on 2.9-2.14 (`egress_tags_add_mesh`).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.builder.labels import ZONE, effective_labels, labels_of
from core.builder.mesh import enabled_backend, flag, served_by_identity
from core.builder.names import Identifiers, identifiers
from core.builder.spec import MesView, read_spec, view_of
from core.builder.tls import Material, first_failure, materials, upstream_tls
from core.context import Context
from core.model import (
    Destination,
    Endpoint,
    EndpointMap,
    Exclusion,
    Finding,
    ReferenceStatus,
    Resource,
    ResourceRef,
    SecretReference,
)
from core.validation.names import is_ip
from core.versions import Generation, KumaVersion

REJECTED_ON_WRITE = "rejected-on-write"
MESH_NOT_FOUND = "mesh-not-found"
NO_MTLS = "no-mtls"
UNREACHABLE_ZONE = "unreachable-zone"
CASCADE = "cascade"
TLS_LOAD_FAILED = "tls-load-failed"
LOST_FILTER_CHAIN = "lost-filter-chain"
NO_ENDPOINTS = "no-endpoints"

SHAPE_STATUSES = frozenset({ReferenceStatus.LEGACY_SHAPE, ReferenceStatus.UNSUPPORTED_TYPE,
                             ReferenceStatus.INCOMPLETE})


def build(ctx: Context, version: KumaVersion) -> EndpointMap:
    """The egress endpoint map of `version` for the zone `ctx.options.zone_name`."""
    result = EndpointMap(version=str(version), zone=ctx.options.zone_name)
    for mesh_name in sorted(ctx.index.services_by_mesh):
        _build_mesh(ctx, version, mesh_name, ctx.index.services_by_mesh[mesh_name], result)
    return result


def reachable(labels: dict[str, str], version: KumaVersion, zone: str) -> bool:
    """Kuma's `IsReachableFromZone` on 2.9-2.14 (only `kuma.io/zone` counts); 3.0 always."""
    if not version.zone_label_gates_reachability:
        return True
    return labels.get(ZONE, "") in ("", zone)


def destination(ctx: Context, mes: Resource, version: KumaVersion, view: MesView | None = None,
                labels: dict[str, str] | None = None) -> Destination:
    """The Destination kuma-cp would compute for `mes` (TLS assuming its material loads as resolved)."""
    view = view or read_spec(mes.spec)
    labels = labels if labels is not None else effective_labels(mes, ctx.options, version)
    return _destination(ctx, mes, mes.ref, version, view, labels, identifiers(mes, labels, view.port),
                        materials(view, _references(ctx, mes, version)), _locality_aware(ctx, mes.mesh))


def _destination(ctx: Context, mes: Resource, ref: ResourceRef, version: KumaVersion, view: MesView,
                 labels: dict[str, str], ids: Identifiers, loaded: dict[str, Material],
                 locality_aware: bool) -> Destination:
    zone = ctx.options.zone_name
    endpoints = tuple([_endpoint(e.address, e.port, e.priority, labels, version, zone, locality_aware)
                       for e in view.endpoints])
    tags = dict(labels)
    if version.egress_tags_add_mesh:
        tags["mesh"] = mes.mesh
    kri_names = version.uses_kri_names
    return Destination(
        service=ref,
        mesh=mes.mesh,
        name=ids.legacy_name,
        kri=ids.kri,
        cluster=ids.kri_port if kri_names else ids.legacy_name,
        egress_sni=ids.kri_sni if kri_names else ids.legacy_sni,
        legacy_sni=ids.legacy_sni,
        kri_sni=ids.kri_sni,
        hostname=ids.hostname,
        port=view.port,
        protocol=view.protocol,
        cluster_type="STATIC" if all([e.kind == "static" for e in endpoints]) else "STRICT_DNS",
        endpoints=endpoints,
        tags=tags,
        tls=upstream_tls(view, version, loaded),
    )


def _locality_aware(ctx: Context, mesh_name: str) -> bool:
    """The mesh's `routing.localityAwareLoadBalancing` (once per mesh and analysis)."""
    def compute() -> bool:
        mesh = ctx.index.meshes.get(mesh_name)
        return mesh is not None and flag(mesh, "routing", "localityAwareLoadBalancing")

    return ctx.cached("locality-aware", mesh_name, compute)


def _endpoint(address: str, port: int, priority: int, labels: dict[str, str], version: KumaVersion,
              local_zone: str, locality_aware: bool) -> Endpoint:
    kind = "static" if is_ip(address) else "dns"
    if version.supports_priority:  # 2.14+: locality = priority, sub-zone `priority-<N>`
        return Endpoint(address=address, port=port, priority=priority, kind=kind, sub_zone=f"priority-{priority}")
    zone = labels.get(ZONE)  # before 2.14: locality from the zone label (when present)
    remote = zone is not None and locality_aware and zone != local_zone
    return Endpoint(address=address, port=port, priority=1 if remote else 0, kind=kind, locality_zone=zone)


@dataclass(slots=True)
class _MeshWalk:
    """State of one mesh's loop: the 2.9 culprit and the 2.9-2.11 filter-chain cut."""

    culprit: Resource | None = None
    chain_cut_by: Resource | None = None
    locality_aware: bool = False  # the mesh's `routing.localityAwareLoadBalancing`


def _build_mesh(ctx: Context, version: KumaVersion, mesh_name: str, services: list[Resource],
                result: EndpointMap) -> None:
    mesh = ctx.index.meshes.get(mesh_name)
    mesh_missing = mesh is None and bool(ctx.index.meshes)
    no_mtls = (version.has_mesh_mtls and mesh is not None and not enabled_backend(mesh)
               and not served_by_identity(ctx, mesh_name, version))
    walk = _MeshWalk(locality_aware=_locality_aware(ctx, mesh_name))
    for mes in services:
        key, ref = mes.key, mes.ref
        if not ctx.admission_valid(key):
            result.excluded[key] = Exclusion(ref, REJECTED_ON_WRITE, _write_error_code(ctx.validation.get(key)))
            continue
        if mesh_missing:
            result.excluded[key] = Exclusion(ref, MESH_NOT_FOUND, "MES405")
            continue
        if no_mtls:
            result.excluded[key] = Exclusion(ref, NO_MTLS, "MES401")
            continue
        served = _walk_one(ctx, version, mes, key, ref, walk, result)
        if not version.egress_filter_chain_early_return:
            continue
        if walk.chain_cut_by is None:
            if not served:
                walk.chain_cut_by = mes
        elif served:
            result.lost_filter_chains[key] = Exclusion(ref, LOST_FILTER_CHAIN, "MES503",
                                                       culprit=walk.chain_cut_by.ref)


def _walk_one(ctx: Context, version: KumaVersion, mes: Resource, key: str, ref: ResourceRef, walk: _MeshWalk,
              result: EndpointMap) -> bool:
    """Place one store-valid MES of a served mesh; True when it ends up with egress endpoints."""
    labels = labels_of(ctx, mes, version)
    view = view_of(ctx, mes)
    ids = ctx.per_resource(_IDENTIFIERS[version.generation], mes, lambda m: identifiers(m, labels, view.port))
    # the references (so the materials) only differ between generations: the 2.9 map reuses 2.14's
    loaded = ctx.per_resource(_MATERIALS[version.generation], mes,
                              lambda m: materials(view, _references(ctx, m, version)))
    # excluded MES keep the destination they would have had: the names an operator greps for
    dest = _destination(ctx, mes, ref, version, view, labels, ids, loaded, walk.locality_aware)
    if not reachable(labels, version, ctx.options.zone_name):
        result.excluded[key] = Exclusion(ref, UNREACHABLE_ZONE, "MES504", destination=dest)
        return False
    failure = first_failure(loaded)
    if failure is not None:
        result.failing.append(key)  # also behind a culprit: the next one in line once it is fixed
    if walk.culprit is not None:
        result.excluded[key] = Exclusion(ref, CASCADE, "MES502", culprit=walk.culprit.ref, destination=dest)
        return False
    if failure is not None:
        log_line = _log_line_for(failure.log_line, version)
        result.excluded[key] = Exclusion(ref, TLS_LOAD_FAILED, "MES501", log_line=log_line, destination=dest)
        if version.aborts_mes_loop_on_error:
            walk.culprit = mes
        return False
    if not dest.endpoints and version.egress_skips_mes_without_endpoints:
        result.excluded[key] = Exclusion(ref, NO_ENDPOINTS, "MES518", destination=dest)
        return False
    result.included[key] = dest
    return bool(dest.endpoints)


_MATERIALS = {generation: f"tls-materials-{generation}" for generation in Generation}
_IDENTIFIERS = {generation: f"identifiers-{generation}" for generation in Generation}


def _references(ctx: Context, mes: Resource, version: KumaVersion) -> list[SecretReference]:
    """The MES's resolved references, as far as they hold for `version`.

    References are resolved once, for the target version. Shape problems of the 3.0 data source
    (legacy shape, File/EnvVar, incomplete) do not exist for a 2.9-2.14 control plane, so the
    comparison map of another generation ignores them; lookup failures hold for every version.
    """
    refs = ctx.references.get(mes.key, [])
    if version.generation is ctx.version.generation:
        return list(refs)
    return [r for r in refs if r.status not in SHAPE_STATUSES]


def _log_line_for(line: str | None, version: KumaVersion) -> str | None:
    """References carry the target version's log line; 2.9/2.10 spell `Resource not found` with a capital."""
    if line is None:
        return None
    if version.capital_resource_not_found:
        return line.replace("resource not found:", "Resource not found:")
    return line.replace("Resource not found:", "resource not found:")


def _write_error_code(findings: list[Finding] | None) -> str:
    for f in findings or ():
        if f.severity == "error" and f.stage == "write":
            return f.code
    return "MES101"
