"""Builders for builder tests: hand-made secret references, TLS specs, zone egresses."""

from __future__ import annotations

from typing import Any

from core.context import Context
from core.model import Flavour, Kind, ReferenceStatus, Resource, SecretReference
from tests.factories import origin

LOG = ('ERROR\txds.outbound\tunable to create MeshExternalService endpoint. Endpoint won\'t be included in the '
       'XDS.\t{{"name": "{name}", "mesh": "{mesh}", "error": "could not load {field}: could not load data: '
       'Resource not found: type=\\"Secret\\" name=\\"{secret}\\" mesh=\\"{mesh}\\""}}')


def ref(mes: Resource, field: str, secret: str | None, status: ReferenceStatus = ReferenceStatus.OK,
        source: str = "secret") -> SecretReference:
    """A reference as core/secrets would record it (failing ones carry a log line)."""
    fails = not status.loads
    return SecretReference(
        service=mes.ref, field=field, path=f"spec.tls.verification.{field}", source=source, secret=secret,
        mesh=mes.mesh, status=status, message=f"{status.value}: {secret}", code="MES201" if fails else None,
        log_line=LOG.format(name=mes.core_name, mesh=mes.mesh, field=field, secret=secret) if fails else None,
        error_chain=f"could not load {field}: could not load data: Resource not found" if fails else None,
    )


def set_refs(ctx: Context, mes: Resource, *refs: SecretReference) -> None:
    ctx.references[mes.key] = list(refs)


def tls_spec(port: int = 443, endpoints: list[dict[str, Any]] | None = None, *, enabled: bool = True,
             **verification: Any) -> dict[str, Any]:
    """An MES spec with TLS; `verification=None` leaves the block out."""
    tls: dict[str, Any] = {"enabled": enabled}
    if verification.get("verification", True) is not None:
        tls["verification"] = {k: v for k, v in verification.items() if k != "verification"}
    return {"match": {"port": port, "protocol": "tcp"},
            "endpoints": endpoints if endpoints is not None else [{"address": "api.example.com", "port": 443}],
            "tls": tls}


def client_tls(cert: str, key: str) -> dict[str, Any]:
    return tls_spec(clientCert={"secret": cert}, clientKey={"secret": key})


def zone_egress(name: str, zone: str | None = None, *, flavour: Flavour = Flavour.UNIVERSAL,
                label_zone: str | None = None) -> Resource:
    spec: dict[str, Any] = {"networking": {"address": "10.0.0.9", "port": 10002}}
    if zone is not None:
        spec["zone"] = zone
    labels = {"kuma.io/zone": label_zone} if label_zone else {}
    return Resource(kind=Kind.ZONE_EGRESS, flavour=flavour, name=name, origin=origin(f"{name}.yaml"),
                    namespace="kuma-system" if flavour is Flavour.KUBERNETES else None, labels=labels, spec=spec)


def resource(kind: Kind, name: str, mesh: str = "default", spec: dict[str, Any] | None = None) -> Resource:
    return Resource(kind=kind, flavour=Flavour.UNIVERSAL, name=name, origin=origin(f"{name}.yaml"), mesh=mesh,
                    spec=spec or {})
