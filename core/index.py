"""Lookup tables over the loaded resources, built once so no check scans the whole input."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from core.model import Kind, Resource


def kuma_list_order(resource: Resource) -> tuple[str, str]:
    """Kuma's "ordered" listing: by mesh, then core name, byte-wise (code-point order)."""
    return (resource.mesh, resource.core_name)


class Index:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: list[Resource] = list(resources)
        self.by_key: dict[str, Resource] = {}
        by_kind: dict[Kind, list[Resource]] = defaultdict(list)
        for r in self.resources:
            self.by_key[r.key] = r  # later definitions win, as with `kubectl apply` in order
        for r in self.by_key.values():
            by_kind[r.kind].append(r)
        self.services: list[Resource] = sorted(by_kind[Kind.MESH_EXTERNAL_SERVICE], key=kuma_list_order)
        self.meshes: dict[str, Resource] = {m.name: m for m in by_kind[Kind.MESH]}
        self.secrets: list[Resource] = by_kind[Kind.SECRET]
        self.global_secrets: list[Resource] = by_kind[Kind.GLOBAL_SECRET]
        self.zone_egresses: list[Resource] = by_kind[Kind.ZONE_EGRESS]
        self.dataplanes: list[Resource] = by_kind[Kind.DATAPLANE]
        self.of_kind = by_kind

        self.services_by_mesh: dict[str, list[Resource]] = defaultdict(list)
        for s in self.services:
            self.services_by_mesh[s.mesh].append(s)
        # every Secret-like object by its plain name, whatever namespace/mesh/type: lets the
        # resolver explain near misses ("exists, but in namespace X")
        self.secrets_by_name: dict[str, list[Resource]] = defaultdict(list)
        for s in self.secrets + self.global_secrets:
            self.secrets_by_name[s.name].append(s)

    def get(self, key: str) -> Resource | None:
        return self.by_key.get(key)
