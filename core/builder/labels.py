"""The labels Kuma would have on a stored MeshExternalService, computed offline.

Manifests written by hand lack the labels the control plane adds on write; exported manifests
already carry them. Kuma only ever *adds* missing labels (its `setIfNotExist`), so labels present
in the manifest win. Section 3.1/3.2 of the reference; Kuma's `ComputeLabels` in zone mode
(MES is mesh-scoped and may be created on a zone), plus the Kubernetes meta adapter that
exposes `kuma.io/display-name`.

MES Doctor always models a zone control plane (the zone egress of `options.zone`); a standalone
zone behaves the same since `standalone` is rewritten to `zone` at start.

Kuma 3.0 (`labels.Compute` on master, commits #17162 and #17176) no longer only fills gaps for what a
zone creates: it *sets* `kuma.io/display-name` to the resource's name (Kubernetes: `metadata.name`,
so a `kuma.io/display-name` annotation is overwritten) and `kuma.io/origin: zone`, whatever the
manifest says. Resources synced from Global keep theirs (KDS writes them as a privileged user): a
manifest labelled `kuma.io/origin: global` is taken for one (a zone's own writes can no longer carry it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import Context
from core.model import Flavour, Resource
from core.options import AnalysisOptions
from core.versions import Generation, KumaVersion

MESH = "kuma.io/mesh"
ORIGIN = "kuma.io/origin"
ZONE = "kuma.io/zone"
ENV = "kuma.io/env"
NAMESPACE = "k8s.kuma.io/namespace"
DISPLAY_NAME = "kuma.io/display-name"


def effective_labels(resource: Resource, options: AnalysisOptions,
                     version: KumaVersion | None = None) -> dict[str, str]:
    """Labels of `resource` as kuma-cp would store and list them on the zone `options.zone`.

    Kubernetes (mutating webhook + meta adapter): `kuma.io/mesh`; `kuma.io/origin: zone` if
    unset; unless the origin is `global`: `kuma.io/zone: <zone>` and `kuma.io/env: kubernetes`;
    for locally originated objects `k8s.kuma.io/namespace: <namespace>`; `kuma.io/display-name`
    from the annotation, else `metadata.name` (Kuma overwrites a label of that name).
    Universal: `kuma.io/mesh`, `kuma.io/origin: zone`, and unless global-originated
    `kuma.io/zone` and `kuma.io/env: universal`. Only string keys/values of the input are kept.
    With a 3.0 `version`, a zone-created resource gets `kuma.io/origin: zone` and `kuma.io/display-name`
    set to its name whatever it carried (see the module docstring).
    """
    labels = _strings(resource.labels)
    kubernetes = resource.flavour is Flavour.KUBERNETES
    labels.setdefault(MESH, resource.mesh or "default")
    computes = version is not None and version.generation is Generation.CURRENT and not synced_from_global(resource)
    if computes:
        labels[ORIGIN] = "zone"
        labels[DISPLAY_NAME] = str(resource.name)
    labels.setdefault(ORIGIN, "zone")
    origin = labels[ORIGIN]
    if origin != "global":
        labels.setdefault(ZONE, options.zone_name)
        labels.setdefault(ENV, "kubernetes" if kubernetes else "universal")
    if kubernetes:
        # Kuma: "locally originated" on a zone = no origin label or origin zone
        if resource.namespace and origin in ("", "zone"):
            labels.setdefault(NAMESPACE, resource.namespace)
        if not computes:
            labels[DISPLAY_NAME] = resource.display_name  # annotation, else metadata.name (label overwritten)
    return labels


def synced_from_global(resource: Resource) -> bool:
    """A resource Global synced to the zone (`kuma.io/origin: global` as written)."""
    labels = resource.labels if isinstance(resource.labels, Mapping) else {}
    return labels.get(ORIGIN) == "global"


def labels_of(ctx: Context, resource: Resource, version: KumaVersion | None = None) -> dict[str, str]:
    """`effective_labels(resource, ctx.options, version)` once per resource, generation and analysis
    (read-only: copy to change); `version` defaults to the target version."""
    version = version or ctx.version
    return ctx.per_resource(_PURPOSE[version.generation], resource,
                            lambda r: effective_labels(r, ctx.options, version))


_PURPOSE = {generation: f"effective-labels-{generation}" for generation in Generation}


def display_name(resource: Resource, labels: Mapping[str, str]) -> str:
    """Kuma's `GetDisplayName`: the `kuma.io/display-name` label if non-empty, else the core name."""
    return labels.get(DISPLAY_NAME) or resource.core_name


def zone_of(labels: Mapping[str, str]) -> str:
    return labels.get(ZONE, "")


def is_present_in_zone(labels: Mapping[str, str], zone: str) -> bool:
    """Whether the zone's store holds the resource: no zone label, or this zone's."""
    return zone_of(labels) in ("", zone)


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
