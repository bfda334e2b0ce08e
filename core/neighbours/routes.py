"""MeshHTTPRoute and MeshTCPRoute refs of kind MeshExternalService (MES601-MES604).

Positions and the kinds they accept (`<branch>:pkg/plugins/policies/meshhttproute/api/v1alpha1/validation.go`,
`<branch>:pkg/plugins/policies/meshtcproute/api/v1alpha1/validator.go`):

* `spec.to[].targetRef`: MeshService, MeshExternalService, MeshMultiZoneService (a MeshGateway top-level
  targetRef, 2.x only, accepts `Mesh` only);
* `rules[].default.backendRefs[]`: MeshService, MeshServiceSubset (2.x), MeshExternalService, MeshMultiZoneService;
* HTTP `filters[].requestMirror.backendRef`: 2.9 MeshService and MeshServiceSubset only; 2.10+ also
  MeshExternalService and MeshMultiZoneService (3.0 without MeshServiceSubset).

What Kuma does with a ref it accepts (reference sections 1.4):

* the MES port is never compared: an MES has one port, `spec.match` (`FindPortByName` returns it for any
  name, 2.12+; 2.9-2.11 read `match.port` directly), so a backendRef `port` is ignored (MES604);
* an HTTP split needs an http / http2 / grpc destination (`MakeHTTPSplit`), a TCP split takes any protocol
  (`MakeTCPSplit`): an HTTP route to a `tcp` MES drops that split (MES602); a `to[].targetRef` MES with protocol
  `tcp` gets a TCP listener, which a MeshHTTPRoute never configures;
* a ref that selects no MES (MES601): 2.9-2.14 drop the split silently; a rule whose splits are all dropped
  is skipped, so its requests fall through to the next route (in the end to the destination itself); 2.10-2.14
  skip a label selector that matches nothing, and a rule none of whose refs resolves routes to the destination
  itself; 3.0 answers HTTP 500 for a rule whose backendRefs all fail to resolve (`AllBackendRefsUnresolved`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from core.builder.spec import view_of
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Kind, Resource
from core.neighbours.refs import MES, Selection, mes_ref_violations, select_mes, text
from core.versions import KumaVersion

HTTP_FAMILY = frozenset({"http", "http2", "grpc"})
ROUTES = (Kind.MESH_HTTP_ROUTE, Kind.MESH_TCP_ROUTE)


@dataclass(frozen=True, slots=True)
class RefSite:
    """One ref of kind MeshExternalService in a route or policy, and the kinds its position accepts."""

    policy: Resource
    ref: Mapping[str, Any]
    path: str
    allowed: tuple[str, ...]
    role: str  # "destination" (to[].targetRef), "backend" (backendRefs), "mirror" (requestMirror)
    rule: str = ""  # path of the rule holding it (backends)


def _top_kind(policy: Resource) -> str:
    ref = policy.spec.get("targetRef") if isinstance(policy.spec, Mapping) else None
    return text(ref.get("kind")) if isinstance(ref, Mapping) else "Mesh"


def _backend_kinds(version: KumaVersion) -> tuple[str, ...]:
    if version.major >= 3:
        return ("MeshService", MES, "MeshMultiZoneService")
    return ("MeshService", "MeshServiceSubset", MES, "MeshMultiZoneService")


def _mirror_kinds(version: KumaVersion) -> tuple[str, ...]:
    if version.major >= 3:
        return ("MeshService", MES, "MeshMultiZoneService")
    if version.below("2.10"):
        return ("MeshService", "MeshServiceSubset")
    return ("MeshService", "MeshServiceSubset", MES, "MeshMultiZoneService")


def route_sites(route: Resource, version: KumaVersion) -> Iterator[RefSite]:
    """Every ref of kind MeshExternalService in a MeshHTTPRoute / MeshTCPRoute, with its position."""
    spec = route.spec if isinstance(route.spec, Mapping) else {}
    gateway = _top_kind(route) == "MeshGateway" and version.major < 3
    tos = spec.get("to")
    for i, to in enumerate(tos if isinstance(tos, list) else ()):
        if not isinstance(to, Mapping):
            continue
        target = to.get("targetRef")
        if isinstance(target, Mapping) and target.get("kind") == MES:
            allowed = ("Mesh",) if gateway else ("MeshService", MES, "MeshMultiZoneService")
            yield RefSite(route, target, f"spec.to[{i}].targetRef", allowed, "destination")
        rules = to.get("rules")
        for j, rule in enumerate(rules if isinstance(rules, list) else ()):
            default = rule.get("default") if isinstance(rule, Mapping) else None
            if not isinstance(default, Mapping):
                continue
            base = f"spec.to[{i}].rules[{j}]"
            refs = default.get("backendRefs")
            for k, backend in enumerate(refs if isinstance(refs, list) else ()):
                if isinstance(backend, Mapping) and backend.get("kind") == MES:
                    yield RefSite(route, backend, f"{base}.default.backendRefs[{k}]", _backend_kinds(version),
                                  "backend", base)
            filters = default.get("filters") if route.kind is Kind.MESH_HTTP_ROUTE else None
            for n, item in enumerate(filters if isinstance(filters, list) else ()):
                mirror = item.get("requestMirror") if isinstance(item, Mapping) else None
                backend = mirror.get("backendRef") if isinstance(mirror, Mapping) else None
                if isinstance(backend, Mapping) and backend.get("kind") == MES:
                    yield RefSite(route, backend, f"{base}.default.filters[{n}].requestMirror.backendRef",
                                  _mirror_kinds(version), "mirror", base)


def _sites(ctx: Context) -> Iterator[RefSite]:
    for kind in ROUTES:
        for route in sorted(ctx.index.of_kind.get(kind, []), key=lambda r: r.key):
            yield from route_sites(route, ctx.version)


def check_route_refs_valid(ctx: Context) -> Iterator[Finding]:
    """MES603: Kuma rejects the route because of how it refers to a MeshExternalService."""
    for site in _sites(ctx):
        yield from ref_write_findings(ctx, site, "MES603")


def ref_write_findings(ctx: Context, site: RefSite, code: str) -> Iterator[Finding]:
    for violation in mes_ref_violations(site.ref, site.path, site.allowed, ctx.version):
        policy = site.policy
        hint = _violation_hint(f"{violation.path}: {violation.message}", site, ctx.version)
        yield finding(
            code,
            f"{policy.kind.value} {policy.core_name} is rejected by Kuma {ctx.version}: `{violation.path}: "
            f"{violation.message}`.",
            policy.ref, path=violation.path, origin=policy.origin.at_line(policy.line_of(violation.path)), hint=hint,
        )


def _violation_hint(message: str, site: RefSite, version: KumaVersion) -> str:
    if "not supported" in message:
        if site.role == "mirror":
            return "Kuma 2.9 mirrors only to a MeshService; upgrade to 2.10+ or mirror to a MeshService."
        return f"This position accepts {', '.join(site.allowed)}."
    if ".labels: must be set" in message:
        return ("Kuma 3.0 selects real resources by `labels` only (`name`/`namespace` are gone from the ref): use "
                "`labels: {kuma.io/display-name: <mes name>}` (Kubernetes: plus `k8s.kuma.io/namespace: "
                "kuma-system`, else the route's own namespace is assumed).")
    if "either labels or name" in message:
        return "Select the MES either by `name` (and `namespace`) or by `labels`, not both."
    if "sectionName" in message:
        return "An MES has one port (`spec.match`): drop `sectionName`."
    if "name or labels" in message or "name: must be set" in message:
        return "Name the MES (`name`, Kubernetes: with `namespace: kuma-system`) or select it by `labels`."
    del version
    return "Remove the field: it is not allowed on a MeshExternalService ref."


def _selected(ctx: Context, site: RefSite) -> Selection:
    return ctx.cached("route-selection", (site.policy.key, site.path),
                      lambda: select_mes(ctx, site.ref, site.policy, ctx.version))


def _accepted(ctx: Context, site: RefSite) -> bool:
    return not mes_ref_violations(site.ref, site.path, site.allowed, ctx.version)


def check_route_refs_resolve(ctx: Context) -> Iterator[Finding]:
    """MES601: a route ref of kind MeshExternalService selects no MES of the route's mesh."""
    for site in _sites(ctx):
        if not _accepted(ctx, site):
            continue
        selection = _selected(ctx, site)
        if selection.matches:
            continue
        route = site.policy
        added = (f" (Kuma 3.0 adds the route's namespace `k8s.kuma.io/namespace: {selection.namespace_added}` to a "
                 "selector with `kuma.io/display-name`)" if selection.namespace_added else "")
        yield finding(
            "MES601",
            f"{route.kind.value} {route.core_name} refers to a MeshExternalService by {selection.looked_for}{added}, "
            f"and mesh {route.mesh} has no such MES: {_missing_effect(ctx, site, selection)}",
            route.ref, path=site.path, origin=route.origin.at_line(route.line_of(site.path)),
            hint=_missing_hint(ctx, site, selection),
        )


def _missing_effect(ctx: Context, site: RefSite, selection: Selection) -> str:
    version = ctx.version
    if site.role == "destination":
        return "the route configures no outbound and has no effect."
    if site.role == "mirror":
        return "requests are not mirrored."
    if version.major >= 3:
        return (f"if no other backendRef of `{site.rule}` resolves, requests matching it are answered with HTTP 500 "
                "(3.0 fails closed on a rule whose backendRefs all fail to resolve).")
    if selection.by_labels and version.at_least("2.10"):
        return (f"the selector is skipped silently; if no backendRef of `{site.rule}` resolves, matching requests "
                "go to the route's destination itself instead.")
    return (f"the split is dropped silently; if every split of `{site.rule}` is dropped, the rule is skipped and "
            "matching requests fall through to the next route (in the end to the destination itself).")


def _missing_hint(ctx: Context, site: RefSite, selection: Selection) -> str:
    route = site.policy
    names = sorted({m.core_name for m in ctx.index.services_by_mesh.get(route.mesh, [])})
    known = f" MES of mesh {route.mesh}: {', '.join(names[:8])}." if names else f" Mesh {route.mesh} has no MES."
    if not selection.by_labels and route.namespace and route.namespace != ctx.options.system_namespace:
        return (f"The route lives in namespace {route.namespace}: a ref without `namespace` looks for the MES there. "
                f"Add `namespace: {ctx.options.system_namespace}` (where MES live).{known}")
    if selection.namespace_added:
        return (f"Add `k8s.kuma.io/namespace: {ctx.options.system_namespace}` to the selector (MES live in the system "
                f"namespace).{known}")
    return f"Point the ref at an existing MES of the mesh.{known}"


def check_route_protocol(ctx: Context) -> Iterator[Finding]:
    """MES602: a MeshHTTPRoute sends to (or is attached to) an MES whose `match.protocol` is not HTTP."""
    for site in _sites(ctx):
        route = site.policy
        if route.kind is not Kind.MESH_HTTP_ROUTE or not _accepted(ctx, site):
            continue
        for mes in _selected(ctx, site).matches[:1]:
            protocol = view_of(ctx, mes).protocol or "tcp"
            if protocol in HTTP_FAMILY:
                continue
            if site.role == "destination":
                effect = (f"{mes.core_name} gets a TCP outbound listener, which a MeshHTTPRoute never configures: "
                          "the route has no effect (use a MeshTCPRoute)")
            else:
                effect = ("an HTTP split only takes an http, http2 or grpc destination, so this split is dropped "
                          "silently" + ("; if it was the rule's only backendRef, matching requests get HTTP 500"
                                        if ctx.version.major >= 3 else ""))
            yield finding(
                "MES602",
                f"MeshHTTPRoute {route.core_name} refers to {mes.core_name}, whose `spec.match.protocol` is "
                f"`{protocol}`: {effect}.",
                route.ref, path=site.path, origin=route.origin.at_line(route.line_of(site.path)),
                related=(mes.ref,),
                hint=f"Set `match.protocol: http` (or http2 / grpc) on {mes.core_name} if it speaks HTTP, or route "
                     "to it with a MeshTCPRoute.",
            )


def check_route_port(ctx: Context) -> Iterator[Finding]:
    """MES604: a backendRef `port` to an MES differs from the MES's only port (it is ignored)."""
    for site in _sites(ctx):
        if site.role == "destination" or not _accepted(ctx, site):
            continue
        port = site.ref.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or port <= 0:
            continue
        for mes in _selected(ctx, site).matches[:1]:
            match_port = view_of(ctx, mes).port
            if match_port == port:
                continue
            route = site.policy
            path = f"{site.path}.port"
            yield finding(
                "MES604",
                f"{route.kind.value} {route.core_name} sends to {mes.core_name} on port {port}, but an MES has a "
                f"single port: Kuma ignores `port` for an MES and uses `spec.match.port` ({match_port}), which is the "
                "port the egress listens for, not the endpoint's.",
                route.ref, path=path, origin=route.origin.at_line(route.line_of(path)), related=(mes.ref,),
                hint=f"Drop `port` (or set it to {match_port}); the endpoint port is `spec.endpoints[].port` of "
                     "the MES.",
            )
