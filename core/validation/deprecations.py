"""Deprecation warnings Kuma returns on write (reference section 2.5): accepted, but warned.

* MES131 (2.10-2.14): the display name is not an RFC 1035 label (3.0 rejects it: N2).
* MES132 (2.14, 3.0): the KRI SNI of the port does not conform (RFC 1123 labels, <= 253 chars).
"""

from __future__ import annotations

from typing import Any

from core.model import Flavour, Resource
from core.validation import values as v
from core.validation.names import (
    NAMESPACE_LABEL,
    ZONE_LABEL,
    dns1035_label_errors,
    go_quote,
    kuma_display_name,
    sni_format_errors,
    sni_identity,
)
from core.validation.violation import Violation
from core.versions import KumaVersion

NAME_DEPRECATION = "MES131"
SNI_DEPRECATION = "MES132"


def name_deprecation(mes: Resource, version: KumaVersion) -> Violation | None:
    if not version.warns_rfc1035_names:
        return None
    name = kuma_display_name(mes)
    errors = dns1035_label_errors(name)
    if not errors:
        return None
    message = (f"Invalid MeshExternalService resource name: '{name}'. It does not conform to the DNS format "
               f"(RFC 1035). This is deprecated. Errors: {'; '.join(errors)}")
    return Violation(NAME_DEPRECATION, "name", message, "deprecation", name)


def sni_deprecations(mes: Resource, version: KumaVersion, spec: dict[str, Any], zone: str) -> list[Violation]:
    """One warning per failing SNI rule for the MES port (an MES has one port: `match.port`)."""
    if not version.warns_sni_format:
        return []
    port = v.integer(spec.get("match"), "port")
    if port is v.INVALID:
        return []  # Kuma could not even decode the resource; MES102 says why
    identity = sni_identity(mes, port, zone)
    errors = sni_format_errors(identity)
    if not errors:
        return []
    paths = _sni_paths(mes)
    out: list[Violation] = []
    for field, reason in errors:
        message = f"Invalid MeshExternalService SNI (port {go_quote(identity.section)}): {reason}. This is deprecated."
        out.append(Violation(SNI_DEPRECATION, paths[field], message, field, identity))
    return out


def _sni_paths(mes: Resource) -> dict[str, str]:
    """Where each SNI field comes from (the `field` of `sni_format_errors`)."""
    label_path = "metadata.labels" if mes.flavour is Flavour.KUBERNETES else "labels"
    return {
        "mesh": "mesh" if mes.flavour is Flavour.UNIVERSAL else f'{label_path}["kuma.io/mesh"]',
        "name": "name",
        "zone": f'{label_path}["{ZONE_LABEL}"]',
        "namespace": f'{label_path}["{NAMESPACE_LABEL}"]',
        "section": "spec.match.port",
        "length": "name",
    }
