"""The MeshExternalService `spec` schema per Kuma version (CRD = Universal REST schema).

A small structural-schema model, enough for what the CRD uses: types, required members,
enums, integer bounds, `minLength`, `format: byte`, defaults and free-form members
(`x-kubernetes-preserve-unknown-fields`). Written from the CRDs of every release branch:

* 2.9: `extension.config` required; ports `integer` 1-65535.
* 2.10-2.11: `extension.config` optional.
* 2.12+: ports `format: int32` (same bounds).
* 2.14+: `endpoints[].priority` (`int32`, 0-128).
* 3.0: TLS data sources use the `SecureDataSource` shape (`type` required, enum
  File/Secret/EnvVar/InsecureInline; `secretRef` kind enum Secret).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from core.versions import KumaVersion


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True, slots=True)
class Node:
    """One schema node. `type=None` means any JSON value (free-form)."""

    type: str | None
    properties: dict[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    items: Node | None = None
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    format: str | None = None
    default: Any = NO_DEFAULT
    preserve_unknown: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


def _string(**kw: Any) -> Node:
    return Node("string", **kw)


def _obj(properties: dict[str, Node], required: tuple[str, ...] = ()) -> Node:
    return Node("object", properties=properties, required=required)


MATCH_PROTOCOLS = ("tcp", "grpc", "http", "http2")
MATCH_TYPES = ("HostnameGenerator",)
VERIFICATION_MODES = ("SkipSAN", "SkipCA", "Secured", "SkipAll")  # CRD order
SAN_TYPES = ("Exact", "Prefix")  # CRD order
TLS_VERSIONS = ("TLSAuto", "TLS10", "TLS11", "TLS12", "TLS13")
SECURE_DATA_SOURCE_TYPES = ("File", "Secret", "EnvVar", "InsecureInline")  # CRD order
LEGACY_DATA_SOURCE_KEYS = ("secret", "inline", "inlineString")
DATA_SOURCE_FIELDS = ("caCert", "clientCert", "clientKey")


def _port(version: KumaVersion) -> Node:
    fmt = "int32" if version.at_least("2.12") else None
    return Node("integer", minimum=1, maximum=65535, format=fmt)


def _legacy_data_source() -> Node:
    return _obj({
        "inline": _string(format="byte"),
        "inlineString": _string(),
        "secret": _string(),
    })


def _secure_data_source() -> Node:
    return _obj(
        {
            "envVar": _obj({"name": _string()}, ("name",)),
            "file": _obj({"path": _string()}, ("path",)),
            "insecureInline": _obj({"value": _string()}, ("value",)),
            "secretRef": _obj({"kind": _string(enum=("Secret",)), "name": _string()}, ("kind", "name")),
            "type": _string(enum=SECURE_DATA_SOURCE_TYPES),
        },
        ("type",),
    )


@cache
def spec_schema(version: KumaVersion) -> Node:
    """The schema of `spec` for a Kuma version."""
    endpoint_props: dict[str, Node] = {"address": _string(min_length=1), "port": _port(version)}
    if version.supports_priority:
        endpoint_props["priority"] = Node("integer", minimum=0, maximum=128, format="int32")
    data_source = _secure_data_source() if version.uses_secure_datasource else _legacy_data_source()
    extension_required = ("config", "type") if version.extension_requires_config else ("type",)
    tls_version = _string(enum=TLS_VERSIONS, default="TLSAuto")
    return _obj(
        {
            "endpoints": Node("array", items=_obj(endpoint_props, ("address", "port"))),
            "extension": _obj({"config": Node(None, preserve_unknown=True), "type": _string()}, extension_required),
            "match": _obj(
                {
                    "port": _port(version),
                    "protocol": _string(enum=MATCH_PROTOCOLS, default="tcp"),
                    "type": _string(enum=MATCH_TYPES, default="HostnameGenerator"),
                },
                ("port",),
            ),
            "tls": _obj({
                "allowRenegotiation": Node("boolean", default=False),
                "enabled": Node("boolean", default=False),
                "verification": _obj({
                    "caCert": data_source,
                    "clientCert": data_source,
                    "clientKey": data_source,
                    "mode": _string(enum=VERIFICATION_MODES, default="Secured"),
                    "serverName": _string(),
                    "subjectAltNames": Node(
                        "array",
                        items=_obj({"type": _string(enum=SAN_TYPES, default="Exact"), "value": _string()}, ("value",)),
                    ),
                }),
                "version": _obj({"max": tls_version, "min": tls_version}),
            }),
        },
        ("match",),
    )


def node_at(version: KumaVersion, path: str) -> Node | None:
    """The schema node of a field path (`spec.endpoints[0].port`), or None if not in the schema."""
    parts = path.replace("[", ".[").split(".")
    if not parts or parts[0] != "spec":
        return None
    node: Node | None = spec_schema(version)
    for part in parts[1:]:
        if node is None:
            return None
        if part.startswith("["):
            node = node.items
        else:
            node = node.properties.get(part)
    return node
