"""MeshTimeout, MeshRetry, MeshCircuitBreaker and MeshHealthCheck with `to[].targetRef` of kind
MeshExternalService (MES620, MES621).

Kinds `spec.to[].targetRef` accepts (`<branch>:pkg/plugins/policies/<policy>/api/v1alpha1/validator.go`):

| policy | 2.9-2.13 | 2.14 | 3.0 |
|---|---|---|---|
| MeshTimeout, MeshRetry (top MeshHTTPRoute / MeshGateway) | Mesh, MES | same | (top is Mesh or Dataplane) |
| MeshTimeout, MeshRetry (other tops) | Mesh, MeshService, MES, MeshMultiZoneService (+MeshHTTPRoute 2.10+) | same |
same |
| MeshCircuitBreaker, MeshHealthCheck | Mesh, MeshService, MeshMultiZoneService: **no MES** | + MES | + MES |

On 2.9-2.13 a MeshCircuitBreaker / MeshHealthCheck `to` entry of kind MES is refused twice: by the kind list
(`value is not supported`; 2.13 `value 'MeshExternalService' is not supported`) and, when the top-level kind
is not `Mesh`, by `kind MeshExternalService is only allowed with targetRef.kind: Mesh as it is configured on
the Zone Egress and shared by all clients in the mesh` (read from release-2.9 and release-2.13). The MES field
rules of `core.neighbours.refs` apply to the ref as well. A policy whose MES ref selects nothing has no effect.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from core.catalogue import finding
from core.context import Context
from core.model import Finding, Kind, Resource
from core.neighbours.refs import MES, mes_ref_violations, select_mes, text
from core.neighbours.routes import RefSite, ref_write_findings
from core.versions import KumaVersion

POLICIES = (Kind.MESH_TIMEOUT, Kind.MESH_RETRY, Kind.MESH_CIRCUIT_BREAKER, Kind.MESH_HEALTH_CHECK)
_ONLY_WITH_MESH = ("kind MeshExternalService is only allowed with targetRef.kind: Mesh as it is configured on the "
                   "Zone Egress and shared by all clients in the mesh")


def _top_kind(policy: Resource) -> str:
    ref = policy.spec.get("targetRef") if isinstance(policy.spec, Mapping) else None
    return text(ref.get("kind")) if isinstance(ref, Mapping) else "Mesh"


def to_kinds(kind: Kind, top: str, version: KumaVersion) -> tuple[str, ...]:
    if kind in (Kind.MESH_TIMEOUT, Kind.MESH_RETRY):
        if top in ("MeshHTTPRoute", "MeshGateway") and version.major < 3:
            return ("Mesh", MES)
        extra = ("MeshHTTPRoute",) if version.at_least("2.10") else ()
        return ("Mesh", "MeshService", MES, "MeshMultiZoneService", *extra)
    if version.at_least("2.14"):
        return ("Mesh", "MeshService", MES, "MeshMultiZoneService")
    return ("Mesh", "MeshService", "MeshMultiZoneService")


def policy_sites(policy: Resource, version: KumaVersion) -> Iterator[RefSite]:
    tos = policy.spec.get("to") if isinstance(policy.spec, Mapping) else None
    top = _top_kind(policy)
    for i, to in enumerate(tos if isinstance(tos, list) else ()):
        target = to.get("targetRef") if isinstance(to, Mapping) else None
        if isinstance(target, Mapping) and target.get("kind") == MES:
            yield RefSite(policy, target, f"spec.to[{i}].targetRef", to_kinds(policy.kind, top, version), "destination")


def _sites(ctx: Context) -> Iterator[RefSite]:
    for kind in POLICIES:
        for policy in sorted(ctx.index.of_kind.get(kind, []), key=lambda r: r.key):
            yield from policy_sites(policy, ctx.version)


def check_policy_refs_valid(ctx: Context) -> Iterator[Finding]:
    """MES620: Kuma rejects a policy because of its `to` entry of kind MeshExternalService."""
    for site in _sites(ctx):
        yield from ref_write_findings(ctx, site, "MES620")
        policy = site.policy
        if (policy.kind in (Kind.MESH_CIRCUIT_BREAKER, Kind.MESH_HEALTH_CHECK) and ctx.version.below("2.14")
                and _top_kind(policy) != "Mesh"):
            path = f"{site.path}.kind"
            yield finding(
                "MES620",
                f"{policy.kind.value} {policy.core_name} is rejected by Kuma {ctx.version}: "
                f"`{path}: {_ONLY_WITH_MESH}`.",
                policy.ref, path=path, origin=policy.origin.at_line(policy.line_of(path)),
                hint="Before 2.14 this policy cannot target an MES at all; from 2.14 it can, with any top-level kind.",
            )


def check_policy_refs_resolve(ctx: Context) -> Iterator[Finding]:
    """MES621: a policy's `to` entry of kind MeshExternalService selects no MES (the policy does nothing)."""
    for site in _sites(ctx):
        if mes_ref_violations(site.ref, site.path, site.allowed, ctx.version):
            continue
        selection = select_mes(ctx, site.ref, site.policy, ctx.version)
        if selection.matches:
            continue
        policy = site.policy
        names = sorted({m.core_name for m in ctx.index.services_by_mesh.get(policy.mesh, [])})
        known = f" MES of mesh {policy.mesh}: {', '.join(names[:8])}." if names else ""
        yield finding(
            "MES621",
            f"{policy.kind.value} {policy.core_name} configures traffic to a MeshExternalService selected by "
            f"{selection.looked_for}, and mesh {policy.mesh} has no such MES: the entry has no effect.",
            policy.ref, path=site.path, origin=policy.origin.at_line(policy.line_of(site.path)),
            hint=("A ref without `namespace` looks in the policy's own namespace; MES live in "
                  f"{ctx.options.system_namespace}." if not selection.by_labels and policy.namespace
                  and policy.namespace != ctx.options.system_namespace else "Point the entry at an existing MES.")
            + known,
        )
