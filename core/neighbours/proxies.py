"""Dataplanes and MeshIdentities: which proxy has a workload identity, and what its SPIFFE ID is.

A proxy gets a workload identity from the MeshIdentity of its mesh that selects it best
(`BestMatched`: `spec.selector.dataplane.matchLabels` all present in the Dataplane's labels; the most
matchLabels wins, then the lowest name; `selector: {}` without `dataplane` selects nothing, an empty
`matchLabels` selects every proxy), once that MeshIdentity reports `Ready: True` in its status
(`IsInitialized`). A manifest without a status is taken as initialised (exports from the Kuma API and
`kubectl get -o yaml` carry it; hand-written manifests do not).
Source: `<release-2.14|master>:pkg/core/resources/apis/meshidentity/api/v1alpha1/helpers.go`,
`master:api/common/v1alpha1/selector.go`, `release-2.14:pkg/core/resources/apis/meshidentity/providers/manager.go`.

SPIFFE IDs (for MeshTrafficPermission `spiffeID` matches): `spiffe://<trust domain><path>` with the
trust domain template (default `{{ .Mesh }}.{{ .Zone }}.mesh.local`) and the path template (default
Kubernetes `/ns/{{ .Namespace }}/sa/{{ .ServiceAccount }}`, Universal `/workload/{{ .Workload }}`); the
data come from the Dataplane's labels `k8s.kuma.io/namespace`, `k8s.kuma.io/service-account`,
`kuma.io/workload` and `kuma.io/zone` (`GetTrustDomain`, `GetSpiffeID`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.builder.labels import ENV, MESH, NAMESPACE, ZONE
from core.builder.mesh import dataplane_zone, mesh_field, zone_egress_listeners
from core.context import Context
from core.model import Flavour, Kind, Resource
from core.neighbours.gotemplate import TemplateError, TemplateExecError, render
from core.neighbours.refs import string_map

SERVICE_ACCOUNT = "k8s.kuma.io/service-account"
WORKLOAD = "kuma.io/workload"
DEFAULT_TRUST_DOMAIN = "{{ .Mesh }}.{{ .Zone }}.mesh.local"
DEFAULT_PATH = {Flavour.KUBERNETES: "/ns/{{ .Namespace }}/sa/{{ .ServiceAccount }}",
                Flavour.UNIVERSAL: "/workload/{{ .Workload }}"}


def dataplane_labels(ctx: Context, dataplane: Resource) -> dict[str, str]:
    """The labels kuma-cp would show for a Dataplane: as written, plus `kuma.io/mesh`, `kuma.io/zone`,
    `kuma.io/env` and on Kubernetes `k8s.kuma.io/namespace` where missing (exports carry them already)."""

    def compute(dp: Resource) -> dict[str, str]:
        labels = string_map(dp.labels)
        labels.setdefault(MESH, dp.mesh)
        labels.setdefault(ZONE, ctx.options.zone_name)
        kubernetes = dp.flavour is Flavour.KUBERNETES
        labels.setdefault(ENV, "kubernetes" if kubernetes else "universal")
        if kubernetes and dp.namespace:
            labels.setdefault(NAMESPACE, dp.namespace)
        return labels

    return ctx.per_resource("dataplane-labels", dataplane, compute)


def is_zone_proxy_only(dataplane: Resource) -> bool:
    """A Dataplane with zone-proxy listeners and no inbound or gateway: it is no client of an MES."""
    networking = mesh_field(dataplane, "networking")
    if not isinstance(networking, Mapping):
        return False
    listeners = networking.get("listeners")
    has_listeners = isinstance(listeners, list) and any(
        isinstance(item, Mapping) and item.get("type") in ("ZoneEgress", "ZoneIngress") for item in listeners)
    inbound = networking.get("inbound")
    return has_listeners and not (isinstance(inbound, list) and inbound) and not networking.get("gateway")


def zone_egress_dataplanes(ctx: Context, mesh_name: str) -> list[Resource]:
    """The mesh's Dataplanes with a `ZoneEgress` listener in the selected zone (any state)."""
    return [d for d in ctx.index.dataplanes if d.mesh == mesh_name and dataplane_zone(d) in ("", ctx.options.zone_name)
            and zone_egress_listeners(d)]


def clients(ctx: Context, mesh_name: str) -> list[Resource]:
    """The mesh's Dataplanes in the selected zone that can call an MES (not zone proxies), by core name."""
    found = [d for d in ctx.index.dataplanes if d.mesh == mesh_name and dataplane_zone(d) in ("", ctx.options.zone_name)
             and not is_zone_proxy_only(d)]
    return sorted(found, key=lambda d: d.core_name)


def identities(ctx: Context, mesh_name: str) -> list[Resource]:
    return [i for i in ctx.index.of_kind.get(Kind.MESH_IDENTITY, []) if i.mesh == mesh_name]


def selector_labels(identity: Resource) -> dict[str, str] | None:
    """`spec.selector.dataplane.matchLabels` (`{}` selects all); None when it selects nothing."""
    selector = identity.spec.get("selector") if isinstance(identity.spec, Mapping) else None
    dataplane = selector.get("dataplane") if isinstance(selector, Mapping) else None
    if not isinstance(dataplane, Mapping):
        return None
    return string_map(dataplane.get("matchLabels"))


def initialised(identity: Resource) -> tuple[bool, str]:
    """Whether the identity reports `Ready: True` (no status: assumed), with the reason when it does not."""
    status = identity.status
    if not isinstance(status, Mapping) or "conditions" not in status:
        return True, ""
    conditions = status.get("conditions")
    reasons: list[str] = []
    for condition in conditions if isinstance(conditions, list) else ():
        if not isinstance(condition, Mapping):
            continue
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return True, ""
        if condition.get("status") == "False":
            reason = condition.get("reason")
            reasons.append(f"{condition.get('type')}: {reason}" if reason else str(condition.get("type")))
    return False, "; ".join(reasons) or "no `Ready: True` condition"


@dataclass(frozen=True, slots=True)
class Identity:
    """The workload identity a proxy would get: the selecting MeshIdentity and whether it is usable."""

    identity: Resource | None  # the best-matching MeshIdentity, None when none selects the proxy
    ready: bool
    reason: str = ""  # why it is not usable (not initialised)

    @property
    def usable(self) -> bool:
        return self.identity is not None and self.ready


def identity_of(ctx: Context, dataplane: Resource) -> Identity:
    """`BestMatched` over the mesh's MeshIdentities, then `IsInitialized`."""

    def compute(dp: Resource) -> Identity:
        labels = dataplane_labels(ctx, dp)
        scored: list[tuple[int, str, Resource]] = []
        for identity in identities(ctx, dp.mesh):
            selector = selector_labels(identity)
            if selector is None or any(labels.get(k) != v for k, v in selector.items()):
                continue
            scored.append((-len(selector), identity.name, identity))
        if not scored:
            return Identity(None, False)
        best = min(scored, key=lambda item: item[:2])[2]
        ready, reason = initialised(best)
        return Identity(best, ready, reason)

    return ctx.per_resource("workload-identity", dataplane, compute)


def spiffe_id(ctx: Context, dataplane: Resource) -> str | None:
    """The SPIFFE ID the proxy's identity certificate carries (None when it has none or it cannot be rendered)."""
    found = identity_of(ctx, dataplane)
    if not found.usable or found.identity is None:
        return None
    spec = found.identity.spec if isinstance(found.identity.spec, Mapping) else {}
    settings: Any = spec.get("spiffeID")
    settings = settings if isinstance(settings, Mapping) else {}
    labels = dataplane_labels(ctx, dataplane)
    trust_template = settings.get("trustDomain") if isinstance(settings.get("trustDomain"), str) else None
    env = Flavour.KUBERNETES if labels.get(ENV) == "kubernetes" or NAMESPACE in labels else Flavour.UNIVERSAL
    path_template = settings.get("path") if isinstance(settings.get("path"), str) else None

    def label(key: str) -> str:
        if key not in labels:
            raise TemplateExecError(f"label {key} not found")
        return labels[key]

    try:
        trust = render(trust_template or DEFAULT_TRUST_DOMAIN,
                       {"Mesh": dataplane.mesh, "Zone": labels.get(ZONE) or ctx.options.zone_name}, label)
        path = render(path_template or DEFAULT_PATH[env],
                      {"TrustDomain": trust, "Namespace": labels.get(NAMESPACE, ""),
                       "ServiceAccount": labels.get(SERVICE_ACCOUNT, ""), "Workload": labels.get(WORKLOAD, "")},
                      label)
    except TemplateError:
        return None
    return f"spiffe://{trust}{path}"
