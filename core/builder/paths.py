"""Field paths (Kuma syntax) and file:line origins for builder findings."""

from __future__ import annotations

from core.model import Flavour, Origin, Resource

TLS = "spec.tls"
VERIFICATION = "spec.tls.verification"
MODE = "spec.tls.verification.mode"
SERVER_NAME = "spec.tls.verification.serverName"
SANS = "spec.tls.verification.subjectAltNames"
CA_CERT = "spec.tls.verification.caCert"
CLIENT_CERT = "spec.tls.verification.clientCert"
TLS_VERSION = "spec.tls.version"
ENDPOINTS = "spec.endpoints"


def label_path(resource: Resource, key: str) -> str:
    prefix = "metadata.labels" if resource.flavour is Flavour.KUBERNETES else "labels"
    return f'{prefix}["{key}"]'


def mesh_of_path(resource: Resource) -> str:
    """Where an MES names its mesh: the `kuma.io/mesh` label (Kubernetes) or `mesh` (Universal)."""
    return label_path(resource, "kuma.io/mesh") if resource.flavour is Flavour.KUBERNETES else "mesh"


def origin_at(resource: Resource, path: str) -> Origin:
    """The resource's origin moved to the line of `path` (or its closest known parent)."""
    return resource.origin.at_line(resource.line_of(path)) if path else resource.origin
