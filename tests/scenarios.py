"""Manifests for end-to-end scenarios, with real certificate material generated at test time."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import pki


@dataclass(frozen=True)
class Motivating:
    """The incident this product exists for: two MES, one with existing Secrets kuma-cert-1 /
    kuma-key-1, one pointing at missing kuma-cert / kuma-key."""

    yaml: str
    key_pem: bytes  # the private key inside kuma-key-1 (tests prove it never leaks)
    cert_not_after: datetime
    healthy: str
    broken: str


def motivating_case(now: datetime, *, flavour: str = "kubernetes", broken_first: bool = True) -> Motivating:
    ca = pki.make_ca("Partner Root CA", now, key_type="rsa")
    client = pki.make_client(ca, "mesh-client", now, days=200, key_type="rsa")
    cert_pem, key_pem = client.cert_pem, client.key_pem()
    # Kuma list order is by core name: name the broken one so that it sorts where wanted
    broken, healthy = ("billing", "payments") if broken_first else ("zz-billing", "payments")
    docs = [
        _mesh(flavour),
        _mes(flavour, healthy, "kuma-cert-1", "kuma-key-1"),
        _mes(flavour, broken, "kuma-cert", "kuma-key"),
        _secret(flavour, "kuma-cert-1", cert_pem),
        _secret(flavour, "kuma-key-1", key_pem),
    ]
    return Motivating("---\n".join(docs), key_pem, client.not_after, healthy, broken)


def _mesh(flavour: str) -> str:
    if flavour == "kubernetes":
        return ("apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\nspec:\n  mtls:\n"
                "    enabledBackend: ca-1\n    backends:\n      - name: ca-1\n        type: builtin\n")
    return ("type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n"
            "  backends:\n    - name: ca-1\n      type: builtin\n")


def _mes(flavour: str, name: str, cert: str, key: str) -> str:
    spec = (
        "spec:\n"
        "  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
        f"  endpoints: [{{address: {name}.partner.example, port: 443}}]\n"
        "  tls:\n"
        "    enabled: true\n"
        "    verification:\n"
        f"      serverName: {name}.partner.example\n"
        f"      clientCert: {{secret: {cert}}}\n"
        f"      clientKey: {{secret: {key}}}\n"
    )
    if flavour == "kubernetes":
        return ("apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n"
                f"  name: {name}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\n" + spec)
    return f"type: MeshExternalService\nname: {name}\nmesh: default\n" + spec


def _secret(flavour: str, name: str, pem: bytes) -> str:
    b64 = base64.b64encode(pem).decode()
    if flavour == "kubernetes":
        return ("apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n"
                f"  name: {name}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\n"
                f"data:\n  value: {b64}\n")
    return f"type: Secret\nname: {name}\nmesh: default\ndata: {b64}\n"


def key_fragments(key_pem: bytes) -> list[str]:
    """Pieces of a private key that must never appear in any output: the PEM body lines, the
    base64 of the whole PEM (as stored in a Secret) and slices of it."""
    body = [line for line in key_pem.decode().splitlines() if line and not line.startswith("-----")]
    stored = base64.b64encode(key_pem).decode()
    return [*body, stored[:40], stored[40:80], stored[-40:]]


def days(n: float) -> timedelta:
    return timedelta(days=n)
