"""A lenient, typed view of the MES spec fields the endpoint builder reads.

The builder runs on every MES that reaches the store, but it must never raise on input the
validator already rejected (or on specs that were never validated): every field is read with
its type checked, and anything unusable falls back to the schema default or is skipped.
Schema defaults (section 8): match.type HostnameGenerator, protocol tcp, tls.enabled false,
mode Secured, SAN type Exact, versions TLSAuto.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import Context
from core.model import Resource
from core.records import record
from core.validation.schema import LEGACY_DATA_SOURCE_KEYS

MODES = ("Secured", "SkipSAN", "SkipCA", "SkipAll")
DATA_SOURCE_FIELDS = ("caCert", "clientCert", "clientKey")  # kuma-cp's load order
_MAX_PORT = 2**32


@record
class EndpointSpec:
    index: int  # position in `spec.endpoints`
    address: str
    port: int
    priority: int


@record
class VerificationSpec:
    mode: str  # effective mode: unset / "" / unknown read as Secured
    mode_written: str | None  # as written (None when absent)
    server_name: str  # "" when unset
    sans: tuple[tuple[str, str], ...]  # (type, value); type defaults to Exact
    present: frozenset[str]  # data-source fields given as an object (kuma-cp tries to load them)
    with_member: frozenset[str]  # ...of which name something to load (not a bare `{}` in legacy shape)


@record
class TlsSpec:
    enabled: bool
    allow_renegotiation: bool
    min_version: str | None  # as written, None when absent
    max_version: str | None
    verification: VerificationSpec | None

    @property
    def explicit_versions(self) -> bool:
        """A version other than `TLSAuto` is configured."""
        return any(v not in (None, "", "TLSAuto") for v in (self.min_version, self.max_version))


@record
class MesView:
    port: int  # 0 when missing or unusable
    protocol: str
    endpoints: tuple[EndpointSpec, ...]
    has_extension: bool
    tls: TlsSpec | None  # None when `spec.tls` is absent

    @property
    def tls_enabled(self) -> bool:
        return self.tls is not None and self.tls.enabled


def view_of(ctx: Context, mes: Resource) -> MesView:
    """`read_spec(mes.spec)` once per MES and analysis: the builder and a dozen checks read it."""
    return ctx.per_resource("spec-view", mes, _read_resource)


def _read_resource(mes: Resource) -> MesView:
    return read_spec(mes.spec)


def read_spec(spec: Any) -> MesView:
    spec = spec if isinstance(spec, dict) else {}
    match = _mapping(spec.get("match"))
    protocol = match.get("protocol")
    return MesView(
        port=_int(match.get("port")),
        protocol=protocol if isinstance(protocol, str) and protocol else "tcp",
        endpoints=_endpoints(spec.get("endpoints")),
        has_extension=isinstance(spec.get("extension"), dict),
        tls=_tls(spec.get("tls")),
    )


def _endpoints(value: Any) -> tuple[EndpointSpec, ...]:
    if not isinstance(value, list):
        return ()
    out: list[EndpointSpec] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            continue
        address = item.get("address")
        if not isinstance(address, str) or not address:
            continue
        out.append(EndpointSpec(index=i, address=address, port=_int(item.get("port")),
                                priority=_int(item.get("priority"))))
    return tuple(out)


def _tls(value: Any) -> TlsSpec | None:
    if not isinstance(value, dict):
        return None
    version = _mapping(value.get("version"))
    return TlsSpec(
        enabled=value.get("enabled") is True,
        allow_renegotiation=value.get("allowRenegotiation") is True,
        min_version=_str_or_none(version.get("min")),
        max_version=_str_or_none(version.get("max")),
        verification=_verification(value.get("verification")),
    )


def _verification(value: Any) -> VerificationSpec | None:
    if not isinstance(value, dict):
        return None
    mode_written = _str_or_none(value.get("mode"))
    server_name = value.get("serverName")
    sans: list[tuple[str, str]] = []
    raw_sans = value.get("subjectAltNames")
    for san in raw_sans if isinstance(raw_sans, list) else ():
        if not isinstance(san, dict) or not isinstance(san.get("value"), str):
            continue
        san_type = san.get("type")
        sans.append((san_type if san_type in ("Exact", "Prefix") else "Exact", san["value"]))
    present: list[str] = []
    with_member: list[str] = []
    for name in DATA_SOURCE_FIELDS:
        source = value.get(name)
        if isinstance(source, dict):
            present.append(name)
            if _has_member(source):
                with_member.append(name)
    return VerificationSpec(
        mode=mode_written if mode_written in MODES else "Secured",
        mode_written=mode_written,
        server_name=server_name if isinstance(server_name, str) else "",
        sans=tuple(sans),
        present=frozenset(present),
        with_member=frozenset(with_member),
    )


def _has_member(source: Mapping[str, Any]) -> bool:
    """Legacy `{}` (no secret/inline/inlineString) is "not configured"; a typed (3.0) source always loads."""
    if "type" in source:
        return True
    return any(source.get(member) is not None for member in LEGACY_DATA_SOURCE_KEYS)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _MAX_PORT:
        return 0
    return value


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
