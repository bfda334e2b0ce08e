"""MeshTrafficPermission and MES access (MES610-MES612).

2.9-2.13, and 2.14 meshes still served by the ZoneEgress resources: the egress gives every MES filter chain
a fixed RBAC (allow all, or deny all with `routing.defaultForbidMeshExternalServiceAccess: true`: MES403);
a MeshTrafficPermission cannot select an MES at all (MTP support for MES was removed in 2.9.0, kumahq/kuma
#11075) - MES612 when one tries (`spec.targetRef.kind: MeshExternalService`).

Mesh-scoped zone egress (2.14 where a zone-egress Dataplane serves the mesh, and 3.0): the egress listener's
TLS filter chains get an RBAC built from the `spec.rules` of the MTPs that select the zone-egress Dataplane
(`targetRef` `Mesh`, or `Dataplane` by labels / name with an optional `sectionName` naming the listener);
all `deny` matches come first, then `allow` and `allowWithShadowDeny`, and no match is **deny**. A match
entry ANDs its `spiffeID` (Exact / Prefix) and `sni` (Exact); entries are ORed. `spec.from` is not applied
to zone-egress listeners. A policy in a Kubernetes namespace other than the system namespace only selects
proxies of its own namespace. Sources: `<release-2.14|master>:pkg/plugins/policies/meshtrafficpermission/
plugin/v1alpha1/plugin.go` (`configureZoneEgressListeners`), `master:pkg/plugins/policies/meshtrafficpermission/
xds/rbac_configurer.go` (`createMatcher`), `master:pkg/envoy/builders/xds/matchers/matchers.go` (`Matches`),
`release-2.14:pkg/plugins/policies/core/matchers/dataplane.go` (`DppSelectedByPolicy`).

The SNI a client sends for an MES is its KRI SNI (`core.builder.names.kri_sni`); a client's SPIFFE ID comes
from its MeshIdentity (`core.neighbours.proxies.spiffe_id`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.builder.labels import NAMESPACE, ZONE, labels_of
from core.builder.mesh import listener_ready, zone_egress_listeners
from core.builder.names import identifiers
from core.builder.spec import view_of
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Flavour, Kind, Resource
from core.neighbours.identity_checks import identity_meshes
from core.neighbours.proxies import clients, dataplane_labels, identity_of, spiffe_id, zone_egress_dataplanes
from core.neighbours.refs import string_map, text, unsupported_kind

_SHOWN = 5
ALLOW, DENY, UNKNOWN = "allow", "deny", "unknown"


def permissions(ctx: Context, mesh_name: str) -> list[Resource]:
    return [p for p in ctx.index.of_kind.get(Kind.MESH_TRAFFIC_PERMISSION, []) if p.mesh == mesh_name]


def check_mtp_targets_mes(ctx: Context) -> Iterator[Finding]:
    """MES612: a MeshTrafficPermission whose top-level targetRef is a MeshExternalService (never supported)."""
    for policy in sorted(ctx.index.of_kind.get(Kind.MESH_TRAFFIC_PERMISSION, []), key=lambda r: r.key):
        ref = policy.spec.get("targetRef") if isinstance(policy.spec, Mapping) else None
        if not isinstance(ref, Mapping) or ref.get("kind") != "MeshExternalService":
            continue
        egress = ("the MeshTrafficPermission that selects the zone-egress Dataplane (`kind: Dataplane`, its labels "
                  "and the listener's `sectionName`) with `rules[].default.allow` matching the clients' `spiffeID` "
                  "or the MES's `sni`" if ctx.version.has_mesh_scoped_zone_proxies else
                  "nothing: the zone egress allows every MES unless the Mesh sets "
                  "`routing.defaultForbidMeshExternalServiceAccess: true`, which denies them all")
        yield finding(
            "MES612",
            f"MeshTrafficPermission {policy.core_name} targets a MeshExternalService: Kuma {ctx.version} rejects it "
            f"with `spec.targetRef.kind: {unsupported_kind('MeshExternalService', ctx.version)}` (MTP support for "
            f"MES was removed in 2.9.0). What governs MES access on this version is {egress}.",
            policy.ref, path="spec.targetRef.kind",
            origin=policy.origin.at_line(policy.line_of("spec.targetRef.kind")),
            hint="Delete this policy; control MES access on the zone egress instead.",
        )


@dataclass(slots=True)
class _Rules:
    """The merged match entries of the MTPs that apply to one egress listener."""

    deny: list[Mapping[str, Any]] = field(default_factory=list)
    allow: list[Mapping[str, Any]] = field(default_factory=list)
    policies: list[Resource] = field(default_factory=list)


def _selects(ctx: Context, policy: Resource, dataplane: Resource, listener: Mapping[str, Any]) -> bool:
    """`DppSelectedByPolicy` for a zone-egress listener (Mesh and Dataplane kinds; others select no listener)."""
    foreign = (policy.flavour is Flavour.KUBERNETES and policy.namespace
               and policy.namespace != ctx.options.system_namespace)
    if foreign and (dataplane.flavour is not Flavour.KUBERNETES or dataplane.namespace != policy.namespace):
        return False
    zone = policy.labels.get(ZONE) if isinstance(policy.labels, Mapping) else None
    if zone and zone != dataplane_labels(ctx, dataplane).get(ZONE):
        return False
    ref = policy.spec.get("targetRef") if isinstance(policy.spec, Mapping) else None
    kind = text(ref.get("kind")) if isinstance(ref, Mapping) else "Mesh"
    if kind in ("", "Mesh"):
        return True
    if kind != "Dataplane" or not isinstance(ref, Mapping):
        return False
    labels = string_map(ref.get("labels"))
    name = text(ref.get("name"))
    dp_labels = dataplane_labels(ctx, dataplane)
    if labels and any(dp_labels.get(k) != v for k, v in labels.items()):
        return False
    if name and not labels:
        namespace = text(ref.get("namespace")) or policy.namespace or ""
        if name != dataplane.name or (dataplane.namespace or "") != (namespace if dataplane.namespace else ""):
            return False
    section = text(ref.get("sectionName"))
    return not section or section == listener_section(listener)


def listener_section(listener: Mapping[str, Any]) -> str:
    """The listener's section name: its `name`, else its port as text."""
    name = listener.get("name")
    return name if isinstance(name, str) and name else str(listener.get("port", ""))


def _rules_for(ctx: Context, mesh_name: str, dataplane: Resource, listener: Mapping[str, Any]) -> _Rules:
    merged = _Rules()
    for policy in sorted(permissions(ctx, mesh_name), key=lambda r: r.key):
        if not _selects(ctx, policy, dataplane, listener):
            continue
        rules = policy.spec.get("rules") if isinstance(policy.spec, Mapping) else None
        applied = False
        for rule in rules if isinstance(rules, list) else ():
            default = rule.get("default") if isinstance(rule, Mapping) else None
            if not isinstance(default, Mapping):
                continue
            for key, bucket in (("deny", merged.deny), ("allow", merged.allow), ("allowWithShadowDeny", merged.allow)):
                entries = default.get(key)
                for entry in entries if isinstance(entries, list) else ():
                    if isinstance(entry, Mapping):
                        bucket.append(entry)
                        applied = True
        if applied:
            merged.policies.append(policy)
    return merged


def _matches(entry: Mapping[str, Any], client_id: str | None, sni: str) -> bool | None:
    """One match entry against (client SPIFFE ID, SNI): True / False / None (the client's ID is unknown)."""
    predicates: list[bool | None] = []
    spiffe = entry.get("spiffeID")
    if isinstance(spiffe, Mapping):
        value = text(spiffe.get("value"))
        if client_id is None:
            predicates.append(None)
        elif spiffe.get("type") == "Prefix":
            predicates.append(client_id.startswith(value))
        else:
            predicates.append(client_id == value)
    server = entry.get("sni")
    if isinstance(server, Mapping):
        predicates.append(text(server.get("value")) == sni)
    if not predicates:
        return False  # an entry without a predicate is skipped
    if False in predicates:
        return False
    return None if None in predicates else True


def decide(rules: _Rules, client_id: str | None, sni: str) -> str:
    """RBAC outcome: any deny match denies, then any allow match allows, else the default deny."""
    unknown = False
    for entry in rules.deny:
        result = _matches(entry, client_id, sni)
        if result:
            return DENY
        unknown = unknown or result is None
    for entry in rules.allow:
        result = _matches(entry, client_id, sni)
        if result:
            return UNKNOWN if unknown else ALLOW
        unknown = unknown or result is None
    return UNKNOWN if unknown else DENY


def _mes_sni(ctx: Context, mes: Resource) -> str:
    view = view_of(ctx, mes)
    return identifiers(mes, labels_of(ctx, mes), view.port).kri_sni


def check_egress_permissions(ctx: Context) -> Iterator[Finding]:
    """MES610 (no client may reach the MES through the egress) / MES611 (some clients are denied)."""
    for mesh_name, services in identity_meshes(ctx):
        policies = permissions(ctx, mesh_name)
        if not policies and not ctx.known(Kind.MESH_TRAFFIC_PERMISSION):
            continue  # not in the input: the MES904 note
        listeners = [(d, item) for d in zone_egress_dataplanes(ctx, mesh_name) if identity_of(ctx, d).usable
                     for item in zone_egress_listeners(d) if listener_ready(item)]
        if not listeners:
            continue  # no usable egress: MES404 / MES409 / MES412 say why
        rule_sets = [(d, item, _rules_for(ctx, mesh_name, d, item)) for d, item in listeners]
        proxies = [(c, spiffe_id(ctx, c)) for c in clients(ctx, mesh_name) if identity_of(ctx, c).usable]
        for mes in services:
            sni = _mes_sni(ctx, mes)
            yield from _judge(ctx, mes, sni, rule_sets, proxies, policies)


def _judge(ctx: Context, mes: Resource, sni: str, rule_sets: list[tuple[Resource, Mapping[str, Any], _Rules]],
           proxies: list[tuple[Resource, str | None]], policies: list[Resource]) -> Iterator[Finding]:
    applied = [p for _, _, rules in rule_sets for p in rules.policies]
    related = tuple(dict.fromkeys(p.ref for p in applied))[:_SHOWN]
    where = ", ".join(f"{d.core_name}:{listener_section(item)}" for d, item, _ in rule_sets[:_SHOWN])
    hint = (f"Add a MeshTrafficPermission that selects the zone egress ({where}) with "
            f"`rules: [{{default: {{allow: [{{sni: {{type: Exact, value: {sni}}}}}]}}}}]` (or a `spiffeID` match "
            "for the clients); deny entries win over allow entries.")
    fix = _mtp_fix(mes, sni)
    if not proxies:
        # no client in the input: can any client reach it at all?
        if any(decide(rules, None, sni) != DENY for _, _, rules in rule_sets):
            return
        why = ("no MeshTrafficPermission selects the zone-egress listener" if not applied else
               f"no rule of {', '.join(p.core_name for p in dict.fromkeys(applied))} allows its SNI {sni}")
        yield finding(
            "MES610",
            f"The zone egress of mesh {mes.mesh} ({where}) denies every connection for {mes.core_name}: {why}, and "
            "a zone-egress listener denies what no rule allows (HTTP 403 / connection closed).",
            mes.ref, related=related, hint=hint, fix=fix,
        )
        return
    denied: list[Resource] = []
    for client, client_id in proxies:
        outcomes = {decide(rules, client_id, sni) for _, _, rules in rule_sets}
        if DENY in outcomes:
            denied.append(client)
    if not denied:
        return
    names = ", ".join(c.core_name for c in denied[:_SHOWN]) + (
        f" and {len(denied) - _SHOWN} more" if len(denied) > _SHOWN else "")
    if len(denied) == len(proxies):
        why = ("no MeshTrafficPermission selects the zone-egress listener" if not applied else
               "no rule allows them (or a deny rule matches)")
        yield finding(
            "MES610",
            f"The zone egress of mesh {mes.mesh} ({where}) denies every client with a workload identity "
            f"({names}) for {mes.core_name} (SNI {sni}): {why}; a zone-egress listener denies what no rule allows.",
            mes.ref, related=related, hint=hint, fix=fix,
        )
    else:
        yield finding(
            "MES611",
            f"The zone egress of mesh {mes.mesh} ({where}) denies {len(denied)} of {len(proxies)} clients for "
            f"{mes.core_name} (SNI {sni}): {names}. The MeshTrafficPermission rules allow the others.",
            mes.ref, related=tuple(dict.fromkeys((*related, *(c.ref for c in denied[:_SHOWN])))),
            hint="If these clients should reach the MES, add their `spiffeID` (or the MES `sni`) to an allow rule "
                 "of the zone-egress MeshTrafficPermission; check that no deny rule matches them.",
        )


def _mtp_fix(mes: Resource, sni: str) -> str:
    namespace = mes.namespace or "kuma-system"
    if mes.flavour is Flavour.KUBERNETES:
        return ("apiVersion: kuma.io/v1alpha1\nkind: MeshTrafficPermission\nmetadata:\n  name: allow-mes-"
                f"{mes.name}\n  namespace: {namespace}\n  labels:\n    kuma.io/mesh: {mes.mesh}\nspec:\n  targetRef:\n"
                "    kind: Dataplane\n    labels:\n      k8s.kuma.io/zone-proxy-type: egress   # the zone egress's\n"
                f"  rules:\n    - default:\n        allow:\n          - sni: {{type: Exact, value: {sni}}}\n")
    return (f"type: MeshTrafficPermission\nname: allow-mes-{mes.name}\nmesh: {mes.mesh}\nspec:\n  targetRef:\n"
            "    kind: Dataplane\n    labels: {app: zone-egress}   # the zone egress's labels\n  rules:\n"
            f"    - default:\n        allow:\n          - sni: {{type: Exact, value: {sni}}}\n")


__all__ = ["NAMESPACE", "check_egress_permissions", "check_mtp_targets_mes", "decide", "permissions"]
