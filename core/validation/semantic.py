"""Warnings about MES specs that Kuma accepts but that are likely wrong (reference section 10).

Each function reads the defaulted spec (`apply_defaults`) and returns violations with our own
messages (Kuma says nothing in these cases). Members of the wrong type are skipped: the
schema check reports them.
"""

from __future__ import annotations

from typing import Any

from core.validation import values as v
from core.validation.schema import DATA_SOURCE_FIELDS, LEGACY_DATA_SOURCE_KEYS
from core.validation.violation import Violation
from core.versions import KumaVersion

NO_ENDPOINTS = "MES150"
EXTENSION_UNHANDLED = "MES151"
VERIFICATION_WITHOUT_TLS = "MES152"
PLAINTEXT_TO_TLS_PORT = "MES153"
PRIORITY_GAPS = "MES154"
SEVERAL_MEMBERS = "MES156"
EMPTY_DATA_SOURCE = "MES157"
EMPTY_INLINE = "MES158"
DOUBLE_TLS = "MES159"

HTTP_FAMILY = ("http", "http2", "grpc")
_CURRENT_SHAPE_KEYS = ("type", "secretRef", "insecureInline", "file", "envVar")


def tls_enabled(spec: dict[str, Any]) -> bool:
    return v.boolean(v.get(spec, "tls"), "enabled") is True


def protocol(spec: dict[str, Any]) -> str | None:
    value = v.string(v.get(spec, "match"), "protocol")
    return value if isinstance(value, str) else None


def no_endpoints(spec: dict[str, Any], version: KumaVersion) -> list[Violation]:
    if v.get(spec, "extension") is not None:
        return []
    endpoints = v.sequence(spec, "endpoints")
    if endpoints is v.INVALID or endpoints:
        return []
    message = "no `endpoints` and no `extension`: the MeshExternalService is accepted but routes nowhere"
    if version.egress_filter_chain_early_return:
        message += f"; on Kuma {version} it also cuts the egress filter chains of every MES sorted after it"
    return [Violation(NO_ENDPOINTS, "spec.endpoints", message, "semantic")]


def extension_unhandled(spec: dict[str, Any]) -> list[Violation]:
    extension = v.get(spec, "extension")
    if extension is None:
        return []
    ext_type = v.string(extension, "type")
    named = f" (type {ext_type!r})" if isinstance(ext_type, str) and ext_type else ""
    message = (f"`spec.extension`{named} is set, but Kuma OSS has no handler for it; Kuma also skips validating "
               "`endpoints` and `tls`, which xDS still uses as written")
    return [Violation(EXTENSION_UNHANDLED, "spec.extension", message, "semantic", ext_type)]


def verification_without_tls(spec: dict[str, Any]) -> list[Violation]:
    tls = v.get(spec, "tls")
    if not v.present(tls, "verification") or tls_enabled(spec):
        return []
    enabled = v.boolean(tls, "enabled")
    state = "false" if enabled is False else "not set" if enabled is None else "not a boolean"
    message = (f"`tls.verification` is configured but `tls.enabled` is {state}: the egress originates no TLS and "
               "loads no CA or client certificate")
    return [Violation(VERIFICATION_WITHOUT_TLS, "spec.tls.enabled", message, "semantic", enabled)]


def plaintext_to_tls_port(spec: dict[str, Any]) -> list[Violation]:
    proto = protocol(spec)
    if proto not in HTTP_FAMILY or tls_enabled(spec):
        return []
    out: list[Violation] = []
    for index, endpoint in enumerate(_endpoint_list(spec)):
        if isinstance(endpoint, dict) and v.integer(endpoint, "port") == 443:
            message = (f"endpoint port 443 with protocol `{proto}` and TLS disabled: the egress sends plaintext "
                       "to a port that almost certainly expects TLS")
            out.append(Violation(PLAINTEXT_TO_TLS_PORT, f"spec.endpoints[{index}].port", message, "semantic", 443))
    return out


def priority_gaps(spec: dict[str, Any], version: KumaVersion) -> list[Violation]:
    if not version.supports_priority:
        return []
    priorities: set[int] = set()
    for endpoint in _endpoint_list(spec):
        if not isinstance(endpoint, dict):
            continue
        priority = v.integer(endpoint, "priority")
        if priority is None:
            priorities.add(0)
        elif isinstance(priority, int) and 0 <= priority <= 128:
            priorities.add(priority)
    if not priorities:
        return []
    missing = sorted(set(range(max(priorities) + 1)) - priorities)
    if not missing:
        return []
    used = ", ".join(str(p) for p in sorted(priorities))
    gap = ", ".join(str(p) for p in missing)
    message = f"endpoint priorities {used} leave a gap (no endpoint with priority {gap})"
    return [Violation(PRIORITY_GAPS, "spec.endpoints", message, "semantic", tuple(sorted(priorities)))]


def legacy_data_source_warnings(spec: dict[str, Any], version: KumaVersion) -> list[Violation]:
    """MES156, MES157, MES158 on 2.9-2.14 data sources (only when TLS is enabled: otherwise
    nothing is loaded at all and MES152 says so)."""
    if version.uses_secure_datasource or not tls_enabled(spec):
        return []
    verification = v.get(v.get(spec, "tls"), "verification")
    out: list[Violation] = []
    for field in DATA_SOURCE_FIELDS:
        source = v.get(verification, field)
        if not isinstance(source, dict):
            continue
        path = f"spec.tls.verification.{field}"
        members = [key for key in LEGACY_DATA_SOURCE_KEYS if source.get(key) is not None]
        if len(members) > 1:
            ignored = ", ".join(f"`{m}`" for m in members[1:])
            message = (f"`{field}` sets {', '.join(f'`{m}`' for m in members)}: Kuma uses only `{members[0]}` "
                       f"(precedence secret > inline > inlineString) and ignores {ignored}")
            out.append(Violation(SEVERAL_MEMBERS, path, message, "semantic", tuple(members)))
        if not members:
            out.append(Violation(EMPTY_DATA_SOURCE, path, _empty_message(field, source), "semantic",
                                 tuple(k for k in _CURRENT_SHAPE_KEYS if k in source)))
        elif members[0] in ("inline", "inlineString") and source.get(members[0]) == "":
            message = f"`{field}.{members[0]}` is empty: Kuma hands empty bytes to Envoy"
            out.append(Violation(EMPTY_INLINE, f"{path}.{members[0]}", message, "semantic"))
    return out


def _empty_message(field: str, source: dict[str, Any]) -> str:
    effect = ("nothing is loaded, so the server is verified against the egress's system CA bundle"
              if field == "caCert" else "nothing is loaded, so no client certificate is presented")
    if any(key in source for key in _CURRENT_SHAPE_KEYS):
        return (f"`{field}` uses the 3.0 data-source shape (`type`, `secretRef`, `insecureInline`), which this "
                f"version does not know: it counts as empty, {effect}")
    return f"`{field}` sets none of `secret`, `inline`, `inlineString`: {effect}"


def double_tls(spec: dict[str, Any]) -> list[Violation]:
    port = v.integer(v.get(spec, "match"), "port")
    proto = protocol(spec)
    if port != 443 or proto not in ("http", "http2") or not tls_enabled(spec):
        return []
    message = (f"`match.port` is 443 with protocol `{proto}` and TLS origination: clients calling "
               "`https://<mes hostname>` already speak TLS and get wrapped twice")
    return [Violation(DOUBLE_TLS, "spec.match.port", message, "semantic", 443)]


def _endpoint_list(spec: dict[str, Any]) -> list[Any]:
    endpoints = v.sequence(spec, "endpoints")
    return list(endpoints) if isinstance(endpoints, list | tuple) else []
