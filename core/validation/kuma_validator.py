"""Kuma's own MeshExternalService validator (`validate()`), rule by rule (reference section 2.3).

Emission order is Kuma's: name -> match (type, port, protocol) -> [no extension] endpoints ->
tls (version, serverName, mode, SANs, clientKey/clientCert, [3.0] data sources) ->
[3.0, extension present] data sources -> extension type. TLS is validated whenever `spec.tls`
exists, even with `enabled: false`.

The rules read the spec after schema defaulting (`apply_defaults`), with Go decoding
semantics: an absent or `null` member is the zero value (or a nil pointer where Kuma uses a
pointer), and a member of the wrong JSON type makes the rules that need it skip (the schema
check reports it). Never raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.model import Resource
from core.validation import values as v
from core.validation.defaults import apply_defaults
from core.validation.names import (
    byte_len,
    dns1035_label_errors,
    is_dns_name,
    is_ip,
    kuma_core_name,
    kuma_display_name,
)
from core.validation.schema import DATA_SOURCE_FIELDS, MATCH_PROTOCOLS, TLS_VERSIONS
from core.validation.violation import Violation
from core.versions import KumaVersion

# The validator's own list orders (they differ from the CRD's enum order).
VALIDATOR_MODES = ("SkipSAN", "SkipCA", "SkipAll", "Secured")
VALIDATOR_SAN_TYPES = ("Prefix", "Exact")
_MODES_OR_UNSET = (*VALIDATOR_MODES, "")
_TLS_ORDER = {"TLS10": 0, "TLS11": 1, "TLS12": 2, "TLS13": 3}
_DS_ALLOWED_ON_MES = ("Secret", "InsecureInline")
_DS_ALL_TYPES = ("EnvVar", "InsecureInline", "File", "Secret")  # Kuma's order in the D6 message

PORT_MESSAGE = "port must be a valid (1-65535)"
ADDRESS_MESSAGE = "address has to be a valid IP or hostname"
MUST_BE_DEFINED = "must be defined"

RULE_CODES: dict[str, str] = {
    "N1": "MES110", "N2": "MES111", "M1": "MES112", "M2": "MES113", "M3": "MES114", "E1": "MES115",
    "E2": "MES116", "V1": "MES117", "V2": "MES118", "T1": "MES119", "T2": "MES120", "T3": "MES121",
    "T4": "MES122", "T5": "MES123", "D1": "MES124", "D2": "MES125", "D3": "MES126", "D4": "MES127",
    "D5": "MES128", "D6": "MES129", "X1": "MES130",
}

_Emit = Callable[..., None]


def must_be_one_of(field: str, allowed: tuple[str, ...]) -> str:
    """Kuma's `MakeFieldMustBeOneOfErr` text: `"field" must be one of ["A", "B"]`."""
    return f'"{field}" must be one of [' + ", ".join(f'"{a}"' for a in allowed) + "]"


def ds_must_be_one_of(value: str, allowed: tuple[str, ...]) -> str:
    """Kuma's `MustBeOneOf` text (3.0 data sources): `<value> must be one of: A, B`."""
    return f"{value} must be one of: " + ", ".join(allowed)


def kuma_violations(mes: Resource, version: KumaVersion, spec: dict[str, Any] | None = None) -> list[Violation]:
    """Every Kuma validator violation of `mes`, in Kuma's emission order.

    `spec` is the defaulted spec (computed with `apply_defaults` when not given).
    """
    spec = apply_defaults(mes, version) if spec is None else spec
    out: list[Violation] = []

    def emit(rule: str, path: str, message: str, value: Any = None, allowed: tuple[str, ...] = ()) -> None:
        out.append(Violation(RULE_CODES[rule], path, message, rule, value, allowed))

    _name(mes, version, emit)
    _match(v.mapping(spec, "match"), version, emit)
    extension = v.get(spec, "extension")
    tls = v.mapping(spec, "tls")
    if extension is None:
        endpoints = v.sequence(spec, "endpoints")
        if endpoints:
            _endpoints(endpoints, emit)
        if isinstance(tls, dict):
            _tls(tls, version, emit)
    elif version.uses_secure_datasource and isinstance(tls, dict):
        verification = v.mapping(tls, "verification")
        if isinstance(verification, dict):
            _data_sources(verification, emit)
    if isinstance(extension, dict):
        ext_type = v.string(extension, "type")
        if ext_type is None or ext_type == "":
            emit("X1", "spec.extension.type", "must not be empty", ext_type)
    return out


# --- N1 / N2 ------------------------------------------------------------------------------------


def name_for_length_check(mes: Resource, version: KumaVersion) -> str:
    """2.9/2.10: the core name (`name.namespace` on Kubernetes); 2.11+: the display name."""
    return kuma_core_name(mes) if version.name_length_uses_core_name else kuma_display_name(mes)


def _name(mes: Resource, version: KumaVersion, emit: _Emit) -> None:
    if version.enforces_rfc1035_names:
        name = kuma_display_name(mes)
        if name:
            errors = dns1035_label_errors(name)
            if errors:
                emit("N2", "name", ", ".join(errors), name)
        return
    name = name_for_length_check(mes, version)
    if byte_len(name) > 63:
        emit("N1", "name", "must not be longer than 63 characters", name)


# --- M1-M3 --------------------------------------------------------------------------------------


def _match(match: Any, version: KumaVersion, emit: _Emit) -> None:
    if match is v.INVALID:
        return
    match_type = v.string(match, "type")
    unset = match_type is None or (match_type == "" and version.empty_enum_means_unset)
    if match_type is not v.INVALID and not unset and match_type != "HostnameGenerator":
        emit("M1", "spec.match.type", f"unrecognized type '{match_type}' - only 'HostnameGenerator' is supported",
                 match_type)
    port = v.integer(match, "port")
    if port is not v.INVALID and _bad_port(port):
        emit("M2", "spec.match.port", PORT_MESSAGE, port)
    protocol = v.string(match, "protocol")
    if protocol is not v.INVALID and (protocol or "") not in MATCH_PROTOCOLS:
        emit("M3", "spec.match.protocol", must_be_one_of("protocol", MATCH_PROTOCOLS), protocol)


def _bad_port(port: int | None) -> bool:
    """Kuma: `port == 0 || port > 65535` (negative ports pass; the schema catches them)."""
    port = port or 0
    return port == 0 or port > 65535


# --- E1 / E2 ------------------------------------------------------------------------------------


def _endpoints(endpoints: list[Any] | tuple[Any, ...], emit: _Emit) -> None:
    for index, endpoint in enumerate(endpoints):
        if not isinstance(endpoint, dict):
            continue
        written = v.string(endpoint, "address")
        if written is v.INVALID:
            continue
        address = written or ""
        port = v.integer(endpoint, "port")
        valid_address = is_dns_name(address) or is_ip(address)  # hostnames first: the usual address
        if valid_address and port is not v.INVALID and _bad_port(port):
            emit("E1", f"spec.endpoints[{index}].port", PORT_MESSAGE, port)
        if not valid_address:
            emit("E2", f"spec.endpoints[{index}].address", ADDRESS_MESSAGE, written)


# --- TLS: V1, V2, T1-T5, D1-D6 ------------------------------------------------------------------


def _tls(tls: dict[str, Any], version: KumaVersion, emit: _Emit) -> None:
    tls_version = v.mapping(tls, "version")
    if isinstance(tls_version, dict):
        _tls_version(tls_version, emit)
    verification = v.mapping(tls, "verification")
    if not isinstance(verification, dict):
        return
    path = "spec.tls.verification"
    server_name = v.string(verification, "serverName")
    if isinstance(server_name, str) and not is_dns_name(server_name):
        emit("T1", f"{path}.serverName", "must be a valid DNS name", server_name)
    mode = v.string(verification, "mode")
    if mode is not v.INVALID and (mode is not None or version.empty_enum_means_unset):
        accepted = _MODES_OR_UNSET if version.empty_enum_means_unset else VALIDATOR_MODES
        if (mode or "") not in accepted:
            emit("T2", f"{path}.mode", must_be_one_of("mode", VALIDATOR_MODES), mode)
    sans = v.sequence(verification, "subjectAltNames")
    for index, san in enumerate(sans or ()):
        if not isinstance(san, dict):
            continue
        san_type = v.string(san, "type")
        if san_type is not v.INVALID and (san_type or "") not in VALIDATOR_SAN_TYPES:
            emit("T3", f"{path}.subjectAltNames[{index}].type", must_be_one_of("type", VALIDATOR_SAN_TYPES),
                 san_type)
    has_cert = v.present(verification, "clientCert")
    has_key = v.present(verification, "clientKey")
    if has_cert and not has_key:
        emit("T4", f"{path}.clientKey", "must be defined when clientCert is defined")
    if has_key and not has_cert:
        emit("T5", f"{path}.clientCert", "must be defined when clientKey is defined")
    if version.uses_secure_datasource:
        _data_sources(verification, emit)


def _tls_version(tls_version: dict[str, Any], emit: _Emit) -> None:
    specific: dict[str, str] = {}
    for bound in ("min", "max"):
        value = v.string(tls_version, bound)
        if value is None or value is v.INVALID:
            continue
        if value not in TLS_VERSIONS:
            emit("V1", f"spec.tls.version.{bound}", must_be_one_of(bound, TLS_VERSIONS), value)
        elif value != "TLSAuto":
            specific[bound] = value
    if len(specific) == 2 and _TLS_ORDER[specific["min"]] > _TLS_ORDER[specific["max"]]:
        emit("V2", "spec.tls.version.min", "min version must be lower than max", specific["min"])


def _data_sources(verification: dict[str, Any], emit: _Emit) -> None:
    for field in DATA_SOURCE_FIELDS:
        source = v.mapping(verification, field)
        if isinstance(source, dict):
            _data_source(f"spec.tls.verification.{field}", source, emit)


def _data_source(path: str, source: dict[str, Any], emit: _Emit) -> None:
    """3.0 `SecureDataSource` rules: D1 first (then nothing else), else the per-type checks."""
    ds_type = v.string(source, "type")
    if ds_type is v.INVALID:
        return
    ds_type = ds_type or ""
    if ds_type in ("File", "EnvVar"):
        emit("D1", f"{path}.type", ds_must_be_one_of(ds_type, _DS_ALLOWED_ON_MES), ds_type)
        return
    if ds_type == "InsecureInline":
        inline = v.mapping(source, "insecureInline")
        if inline is None:
            emit("D5", f"{path}.insecureInline", MUST_BE_DEFINED)
        elif isinstance(inline, dict) and v.string(inline, "value") in (None, ""):
            emit("D5", f"{path}.insecureInline.value", MUST_BE_DEFINED)
    elif ds_type == "Secret":
        ref = v.mapping(source, "secretRef")
        if ref is None:
            emit("D2", f"{path}.secretRef", MUST_BE_DEFINED)
        elif isinstance(ref, dict):
            kind = v.string(ref, "kind")
            if kind is not v.INVALID and kind != "Secret":
                emit("D3", f"{path}.secretRef.kind", ds_must_be_one_of(kind or "", ("Secret",)), kind)
            if v.string(ref, "name") in (None, ""):
                emit("D4", f"{path}.secretRef.name", MUST_BE_DEFINED)
    else:
        emit("D6", f"{path}.type", ds_must_be_one_of(ds_type, _DS_ALL_TYPES), ds_type)
