"""Reading Mesh, ZoneEgress and zone-egress Dataplanes for the prerequisites the egress needs (section 4).

Kubernetes keeps a Mesh's fields under `spec`; a Universal Mesh has them at the top level. The
loader normalises them into `Resource.spec`; `raw` is consulted as a fallback for Universal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.builder.labels import ZONE
from core.context import Context
from core.model import Flavour, Resource
from core.versions import Generation, KumaVersion


def mesh_field(mesh: Resource, *keys: str) -> Any:
    """The value at `keys` in a Mesh (None when absent or when a level is not a mapping)."""
    for root in _roots(mesh):
        value: Any = root
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return value
    return None


def mesh_path(mesh: Resource, *keys: str) -> str:
    """The field path as the user wrote it: `spec.mtls.enabledBackend` (Kubernetes) / `mtls.enabledBackend`."""
    dotted = ".".join(keys)
    return f"spec.{dotted}" if mesh.flavour is Flavour.KUBERNETES else dotted


def enabled_backend(mesh: Resource) -> str:
    value = mesh_field(mesh, "mtls", "enabledBackend")
    return value if isinstance(value, str) else ""


def backend_names(mesh: Resource) -> list[str]:
    backends = mesh_field(mesh, "mtls", "backends")
    if not isinstance(backends, list):
        return []
    return [b["name"] for b in backends if isinstance(b, Mapping) and isinstance(b.get("name"), str)]


def flag(mesh: Resource, *keys: str) -> bool:
    return mesh_field(mesh, *keys) is True


def zone_egress_zone(egress: Resource) -> str:
    """The zone a ZoneEgress serves: `spec.zone` (set by Global), else its `kuma.io/zone` label.

    ZoneEgress is only synced zone-to-global, so one without either was listed on a zone CP and
    belongs to that zone ("" = the zone the input came from).
    """
    zone = mesh_field(egress, "zone")
    if isinstance(zone, str) and zone:
        return zone
    label = egress.labels.get(ZONE) if isinstance(egress.labels, Mapping) else None
    return label if isinstance(label, str) else ""


def zone_egress_listeners(dataplane: Resource) -> list[Mapping[str, Any]]:
    """The `networking.listeners[]` entries of type `ZoneEgress`: on Kuma 3.0 the zone egress is a
    (mesh-scoped) Dataplane with such a listener. Anything malformed is skipped."""
    networking = mesh_field(dataplane, "networking")
    listeners = networking.get("listeners") if isinstance(networking, Mapping) else None
    if not isinstance(listeners, list):
        return []
    return [item for item in listeners if isinstance(item, Mapping) and item.get("type") == "ZoneEgress"]


def listener_ready(listener: Mapping[str, Any]) -> bool:
    """A listener's `state` is Ready: `Ready` is the enum's zero value, so an omitted state is Ready too.
    Only Ready listeners become zone-egress instances for the sidecars (`GetReadyZoneEgressListeners`)."""
    state = listener.get("state")
    return state is None or state == "Ready" or (type(state) is int and state == 0)


def dataplane_zone(dataplane: Resource) -> str:
    """The zone of a Dataplane: its `kuma.io/zone` label ("" = the zone the input was listed on)."""
    label = dataplane.labels.get(ZONE) if isinstance(dataplane.labels, Mapping) else None
    return label if isinstance(label, str) else ""


def _roots(resource: Resource) -> list[Mapping[str, Any]]:
    roots: list[Mapping[str, Any]] = []
    if isinstance(resource.spec, Mapping):
        roots.append(resource.spec)
    if resource.flavour is Flavour.UNIVERSAL and isinstance(resource.raw, Mapping):
        roots.append(resource.raw)
    return roots


def mesh_scoped_egresses(dataplanes: list[Resource], mesh_name: str, zone: str) -> list[Resource]:
    """The mesh's Dataplanes with a Ready `ZoneEgress` listener in `zone` (2.14+ mesh-scoped zone egress)."""
    return [d for d in dataplanes
            if d.mesh == mesh_name and dataplane_zone(d) in ("", zone)
            and any(listener_ready(item) for item in zone_egress_listeners(d))]


def meshservices_mode(mesh: Resource) -> str:
    """`meshServices.mode` of a Mesh (`Disabled` when unset, the enum's zero value)."""
    mode = mesh_field(mesh, "meshServices", "mode")
    if isinstance(mode, str) and mode:
        return mode
    return "Exclusive" if mode == 3 else "Disabled"


def served_by_identity(ctx: Context, mesh_name: str, version: KumaVersion | None = None) -> bool:
    """Whether `version` sends the mesh's MES traffic through a mesh-scoped zone egress, which needs workload
    identities (MeshIdentity) and no `Mesh.mtls`: always on 3.0; on 2.14 once the input shows a Ready
    zone-egress Dataplane of the mesh in the zone (kuma-cp then stops using the ZoneEgress resources for it)."""
    version = version or ctx.version
    if version.generation is Generation.CURRENT:
        return True
    if not version.has_mesh_scoped_zone_proxies:
        return False
    return bool(mesh_scoped_egresses(ctx.index.dataplanes, mesh_name, ctx.options.zone_name))
