"""Small builders for resources and contexts, so core tests can skip YAML when it is not the point."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from core.context import Context
from core.index import Index
from core.model import Flavour, Kind, Origin, Resource, SecretPayload, SecretsCoverage
from core.options import AnalysisOptions
from core.versions import KumaVersion

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def origin(file: str = "test.yaml", line: int = 1) -> Origin:
    return Origin(source="test", file=file, line=line)


def mes(
    name: str,
    spec: dict[str, Any] | None = None,
    *,
    mesh: str = "default",
    flavour: Flavour = Flavour.KUBERNETES,
    namespace: str | None = "kuma-system",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    status: dict[str, Any] | None = None,
) -> Resource:
    if flavour is Flavour.UNIVERSAL:
        namespace = None
    spec = spec if spec is not None else {"match": {"port": 80, "protocol": "http"},
                                          "endpoints": [{"address": "example.com", "port": 443}]}
    labels = dict(labels or {})
    if flavour is Flavour.KUBERNETES and mesh != "default":
        labels.setdefault("kuma.io/mesh", mesh)
    raw: dict[str, Any]
    if flavour is Flavour.KUBERNETES:
        raw = {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
               "metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": spec}
    else:
        raw = {"type": "MeshExternalService", "name": name, "mesh": mesh, "labels": labels, "spec": spec}
    return Resource(kind=Kind.MESH_EXTERNAL_SERVICE, flavour=flavour, name=name, origin=origin(f"{name}.yaml"),
                    mesh=mesh, namespace=namespace, labels=labels, annotations=dict(annotations or {}),
                    spec=spec, status=status, raw=raw, api_version="kuma.io/v1alpha1")


def k8s_secret(
    name: str,
    value: bytes | str | None,
    *,
    mesh: str | None = "default",
    namespace: str = "kuma-system",
    secret_type: str = "system.kuma.io/secret",
    key: str = "value",
    encode: bool = True,
) -> Resource:
    """A Kubernetes Secret; `mesh=None` leaves the `kuma.io/mesh` label off."""
    labels = {"kuma.io/mesh": mesh} if mesh is not None else {}
    data: dict[str, Any] = {}
    if value is not None:
        raw_value = value.encode() if isinstance(value, str) else value
        data[key] = base64.b64encode(raw_value).decode() if encode else raw_value.decode("latin-1")
    kind = Kind.GLOBAL_SECRET if secret_type == "system.kuma.io/global-secret" else Kind.SECRET
    raw = {"apiVersion": "v1", "kind": "Secret", "type": secret_type,
           "metadata": {"name": name, "namespace": namespace, "labels": labels}, "data": data}
    return Resource(kind=kind, flavour=Flavour.KUBERNETES, name=name, origin=origin(f"{name}.yaml"),
                    mesh=mesh or "default", namespace=namespace, labels=labels,
                    payload=SecretPayload(secret_type=secret_type, data=data), raw=raw, api_version="v1")


def universal_secret(name: str, value: bytes | str | None, *, mesh: str = "default", global_: bool = False) -> Resource:
    raw_value = value.encode() if isinstance(value, str) else value
    data = base64.b64encode(raw_value).decode() if raw_value is not None else None
    kind = Kind.GLOBAL_SECRET if global_ else Kind.SECRET
    raw: dict[str, Any] = {"type": kind.value, "name": name, "data": data}
    if not global_:
        raw["mesh"] = mesh
    return Resource(kind=kind, flavour=Flavour.UNIVERSAL, name=name, origin=origin(f"{name}.yaml"),
                    mesh=mesh, payload=SecretPayload(secret_type=None, data=data), raw=raw)


def mesh_resource(
    name: str = "default", spec: dict[str, Any] | None = None, *, flavour: Flavour = Flavour.KUBERNETES
) -> Resource:
    spec = spec if spec is not None else {"mtls": {"enabledBackend": "ca-1", "backends": [{"name": "ca-1",
                                                                                           "type": "builtin"}]}}
    raw = ({"apiVersion": "kuma.io/v1alpha1", "kind": "Mesh", "metadata": {"name": name}, "spec": spec}
           if flavour is Flavour.KUBERNETES else {"type": "Mesh", "name": name, **spec})
    return Resource(kind=Kind.MESH, flavour=flavour, name=name, origin=origin(f"mesh-{name}.yaml"),
                    mesh=name, spec=spec, raw=raw)


def context(
    *resources: Resource,
    version: str = "2.14",
    now: datetime = NOW,
    secrets: SecretsCoverage | None = None,
    **options: Any,
) -> Context:
    opts = AnalysisOptions(kuma_version=version, now=now, **options)
    index = Index(resources)
    has_secrets = any(r.kind in (Kind.SECRET, Kind.GLOBAL_SECRET) for r in resources)
    coverage = secrets or (SecretsCoverage.PRESENT if has_secrets else SecretsCoverage.ABSENT)
    return Context(options=opts, version=KumaVersion.parse(version), now=now, index=index,
                   secrets_coverage=coverage)


def tls_mes(
    name: str,
    verification: dict[str, Any] | None,
    *,
    enabled: bool = True,
    address: str = "api.example.com",
    **kwargs: Any,
) -> Resource:
    """An MES with `tls.enabled` and the given `tls.verification` (None leaves it out)."""
    tls: dict[str, Any] = {"enabled": enabled}
    if verification is not None:
        tls["verification"] = verification
    spec = {"match": {"port": 80, "protocol": "http"}, "endpoints": [{"address": address, "port": 443}], "tls": tls}
    return mes(name, spec, **kwargs)
