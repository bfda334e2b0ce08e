"""Warnings about MES specs that Kuma accepts but that are likely wrong (reference section 10).

Each function reads members of the defaulted spec (`apply_defaults`) and returns violations with
our own messages (Kuma says nothing in these cases). Members of the wrong type are skipped: the
schema check reports them. `warnings` computes them all at once, reading the members several of
them share (`tls`, `tls.enabled`, `match.protocol`, `endpoints`) once; `validate_spec` keeps the
result with the spec it validated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.records import record
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


@record
class Warnings:
    """The semantic warnings of one defaulted spec, by check (each in the order it reports them)."""

    no_endpoints: tuple[Violation, ...] = ()
    extension: tuple[Violation, ...] = ()
    verification_without_tls: tuple[Violation, ...] = ()
    plaintext_to_tls_port: tuple[Violation, ...] = ()
    priority_gaps: tuple[Violation, ...] = ()
    data_sources: tuple[Violation, ...] = ()
    double_tls: tuple[Violation, ...] = ()


NO_WARNINGS = Warnings()


def warnings(spec: dict[str, Any], version: KumaVersion) -> Warnings:
    """Every semantic warning of a defaulted spec."""
    match = spec.get("match")
    tls = spec.get("tls")
    extension = spec.get("extension")
    endpoints = v.sequence(spec, "endpoints")
    listed = endpoints if isinstance(endpoints, list | tuple) else ()
    protocol = v.string(match, "protocol")
    protocol = protocol if isinstance(protocol, str) else None
    tls_enabled = v.boolean(tls, "enabled") is True
    found = (
        no_endpoints(extension, endpoints, version),
        extension_unhandled(extension, version),
        verification_without_tls(tls, tls_enabled),
        plaintext_to_tls_port(listed, protocol, tls_enabled),
        priority_gaps(listed, version),
        legacy_data_source_warnings(tls, tls_enabled, version),
        double_tls(match, protocol, tls_enabled),
    )
    return Warnings(*found) if any(found) else NO_WARNINGS


def no_endpoints(extension: Any, endpoints: Any, version: KumaVersion) -> tuple[Violation, ...]:
    """MES150. `endpoints` as `values.sequence` reads it (None, `INVALID` or a sequence)."""
    if extension is not None or endpoints is v.INVALID or endpoints:
        return ()
    message = "no `endpoints` and no `extension`: the MeshExternalService is accepted but routes nowhere"
    if version.egress_filter_chain_early_return:
        message += f"; on Kuma {version} it also cuts the egress filter chains of every MES sorted after it"
    return (Violation(NO_ENDPOINTS, "spec.endpoints", message, "semantic"),)


def extension_unhandled(extension: Any, version: KumaVersion) -> tuple[Violation, ...]:
    """MES151. With an extension Kuma skips validating endpoints and TLS; 3.0 still validates the TLS data
    sources (`master:…/meshexternalservice/api/v1alpha1/validator.go`)."""
    if extension is None:
        return ()
    ext_type = v.string(extension, "type")
    named = f" (type {ext_type!r})" if isinstance(ext_type, str) and ext_type else ""
    skipped = ("`endpoints` and the rest of `tls` (it still validates the TLS data sources: `caCert`, "
               "`clientCert`, `clientKey`)" if version.uses_secure_datasource else "`endpoints` and `tls`")
    message = (f"`spec.extension`{named} is set, but Kuma OSS has no handler for it; Kuma also skips validating "
               f"{skipped}, which xDS still uses as written")
    return (Violation(EXTENSION_UNHANDLED, "spec.extension", message, "semantic", ext_type),)


def verification_without_tls(tls: Any, tls_enabled: bool) -> tuple[Violation, ...]:
    """MES152."""
    if tls_enabled or not v.present(tls, "verification"):
        return ()
    enabled = v.boolean(tls, "enabled")
    state = "false" if enabled is False else "not set" if enabled is None else "not a boolean"
    message = (f"`tls.verification` is configured but `tls.enabled` is {state}: the egress originates no TLS and "
               "loads no CA or client certificate")
    return (Violation(VERIFICATION_WITHOUT_TLS, "spec.tls.enabled", message, "semantic", enabled),)


def plaintext_to_tls_port(endpoints: Sequence[Any], protocol: str | None, tls_enabled: bool) -> tuple[Violation, ...]:
    """MES153."""
    if protocol not in HTTP_FAMILY or tls_enabled:
        return ()
    out: list[Violation] = []
    for index, endpoint in enumerate(endpoints):
        if isinstance(endpoint, dict) and v.integer(endpoint, "port") == 443:
            message = (f"endpoint port 443 with protocol `{protocol}` and TLS disabled: the egress sends plaintext "
                       "to a port that almost certainly expects TLS")
            out.append(Violation(PLAINTEXT_TO_TLS_PORT, f"spec.endpoints[{index}].port", message, "semantic", 443))
    return tuple(out)


def priority_gaps(endpoints: Sequence[Any], version: KumaVersion) -> tuple[Violation, ...]:
    """MES154 (2.14+)."""
    if not version.supports_priority:
        return ()
    priorities: set[int] = set()
    for endpoint in endpoints:
        if not isinstance(endpoint, dict):
            continue
        priority = v.integer(endpoint, "priority")
        if priority is None:
            priorities.add(0)
        elif isinstance(priority, int) and 0 <= priority <= 128:
            priorities.add(priority)
    if not priorities or len(priorities) == max(priorities) + 1:
        return ()  # none, or exactly 0..N
    missing = sorted(set(range(max(priorities) + 1)) - priorities)
    used = ", ".join(str(p) for p in sorted(priorities))
    gap = ", ".join(str(p) for p in missing)
    message = f"endpoint priorities {used} leave a gap (no endpoint with priority {gap})"
    return (Violation(PRIORITY_GAPS, "spec.endpoints", message, "semantic", tuple(sorted(priorities))),)


def legacy_data_source_warnings(tls: Any, tls_enabled: bool, version: KumaVersion) -> tuple[Violation, ...]:
    """MES156, MES157, MES158 on 2.9-2.14 data sources (only when TLS is enabled: otherwise
    nothing is loaded at all and MES152 says so)."""
    if version.uses_secure_datasource or not tls_enabled:
        return ()
    verification = tls.get("verification")  # `tls.enabled` is true, so `tls` is a mapping
    if not isinstance(verification, dict):
        return ()
    out: list[Violation] = []
    for field in DATA_SOURCE_FIELDS:
        source = verification.get(field)
        if not isinstance(source, dict) or (len(source) == 1 and source.get("secret") is not None):
            continue  # not a data source, or the usual one: `secret: <name>` alone
        members = [key for key in LEGACY_DATA_SOURCE_KEYS if source.get(key) is not None]
        if len(members) == 1 and (members[0] == "secret" or source[members[0]] != ""):
            continue  # one member, not empty
        path = f"spec.tls.verification.{field}"
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
    return tuple(out)


def _empty_message(field: str, source: dict[str, Any]) -> str:
    effect = ("nothing is loaded, so the server is verified against the egress's system CA bundle"
              if field == "caCert" else "nothing is loaded, so no client certificate is presented")
    if any(key in source for key in _CURRENT_SHAPE_KEYS):
        return (f"`{field}` uses the 3.0 data-source shape (`type`, `secretRef`, `insecureInline`), which this "
                f"version does not know: it counts as empty, {effect}. No 2.x release takes that shape for an MES "
                "(v2.14.0 to v2.14.3 keep the legacy `secret` / `inline` / `inlineString`), and Kubernetes prunes "
                "or Universal ignores its fields")
    return f"`{field}` sets none of `secret`, `inline`, `inlineString`: {effect}"


def double_tls(match: Any, protocol: str | None, tls_enabled: bool) -> tuple[Violation, ...]:
    """MES159."""
    if protocol not in ("http", "http2") or not tls_enabled or v.integer(match, "port") != 443:
        return ()
    message = (f"`match.port` is 443 with protocol `{protocol}` and TLS origination: clients calling "
               "`https://<mes hostname>` already speak TLS and get wrapped twice")
    return (Violation(DOUBLE_TLS, "spec.match.port", message, "semantic", 443),)
