"""MeshPassthrough, the documented alternative to an MES (MES630-MES633).

Validation (`<branch>:pkg/plugins/policies/meshpassthrough/api/v1alpha1/validator.go`), per
`spec.default.appendMatch[i]`, in Kuma's order: `port must be defined for Mysql protocol` (2.10+), `port must be
a valid (1-65535)`, the same port with another L7 protocol, a value repeated for the port and protocol (Kuma's
text says `defiend`), the protocol enum (`mysql` from 2.10.0), then per type: CIDR / IP syntax; for a Domain,
protocol `tcp` (and `mysql`, 2.10+) is refused (2.9: `protocol tcp is not supported for a domain`), a partial
wildcard (`*foo.com`) is refused, a wildcard without a port needs a non-L7 protocol, and the name must be a DNS
name (2.14+ checks what follows `*.`; before, a value starting with `*` is not checked); any other type is refused.
Top-level kinds: 2.9 Mesh, MeshSubset; 2.10-2.14 + Dataplane; 3.0 Mesh, Dataplane.

Behaviour (`<branch>:pkg/plugins/policies/meshpassthrough/plugin/v1alpha1/plugin.go`, the Conf type comment
"When `All` or `None` `appendMatch` has no effect"): `All` passes every destination through, `None` none,
`Matched` (the default from 2.10; 2.9's Kubernetes CRD defaulted to `None`) only the `appendMatch` entries. An
application that calls an MES's endpoint address directly (not the MES hostname) leaves through passthrough,
past the zone egress, its TLS origination and its policies; an MES the control plane drops has no fallback
where passthrough does not let the address through either.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from core.builder.mesh import mesh_field
from core.builder.spec import view_of
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Flavour, Kind, Resource
from core.neighbours.refs import RefViolation, kind_violations, text
from core.validation.names import is_dns_name, is_ip
from core.versions import KumaVersion

_L7 = ("grpc", "http", "http2")
_PARTIAL_WILDCARD = re.compile(r"^\*[^.]+")


def passthroughs(ctx: Context, mesh_name: str | None = None) -> list[Resource]:
    found = ctx.index.of_kind.get(Kind.MESH_PASSTHROUGH, [])
    return sorted((p for p in found if mesh_name is None or p.mesh == mesh_name), key=lambda r: r.key)


def _protocols(version: KumaVersion) -> tuple[str, ...]:
    base = ("tcp", "tls", "grpc", "http", "http2")
    return (*base, "mysql") if version.at_least("2.10") else base


def _top_kinds(version: KumaVersion) -> tuple[str, ...]:
    if version.major >= 3:
        return ("Mesh", "Dataplane")
    if version.at_least("2.10"):
        return ("Mesh", "MeshSubset", "Dataplane")
    return ("Mesh", "MeshSubset")


def _matches(policy: Resource) -> list[Any]:
    default = policy.spec.get("default") if isinstance(policy.spec, Mapping) else None
    entries = default.get("appendMatch") if isinstance(default, Mapping) else None
    return entries if isinstance(entries, list) else []


def mode(policy: Resource, version: KumaVersion) -> str:
    """`passthroughMode` as Kuma applies it (unset: `Matched`; on 2.9 Kubernetes the CRD default `None`)."""
    default = policy.spec.get("default") if isinstance(policy.spec, Mapping) else None
    value = default.get("passthroughMode") if isinstance(default, Mapping) else None
    if isinstance(value, str) and value:
        return value
    return "None" if version.below("2.10") and policy.flavour is Flavour.KUBERNETES else "Matched"


def violations(policy: Resource, version: KumaVersion) -> list[RefViolation]:
    """Kuma's validator for one MeshPassthrough, in its order."""
    out: list[RefViolation] = []
    ref = policy.spec.get("targetRef") if isinstance(policy.spec, Mapping) else None
    if isinstance(ref, Mapping):
        out += kind_violations(ref, "spec.targetRef", _top_kinds(version), version)
    protocols = _protocols(version)
    seen_protocol: dict[int, str] = {}
    seen_value: dict[tuple[int, str], set[str]] = {}
    for i, entry in enumerate(_matches(policy)):
        if not isinstance(entry, Mapping):
            continue
        base = f"spec.default.appendMatch[{i}]"
        protocol = text(entry.get("protocol")) or "tcp"  # CRD / schema default
        value = text(entry.get("value"))
        port = entry.get("port")
        port = port if isinstance(port, int) and not isinstance(port, bool) else None
        kind = text(entry.get("type"))
        if version.at_least("2.10") and protocol == "mysql" and port is None:
            out.append(RefViolation(f"{base}.port", "port must be defined for Mysql protocol"))
        if port is not None and (port == 0 or port > 65535):
            out.append(RefViolation(f"{base}.port", "port must be a valid (1-65535)"))
        if port is not None:
            known = seen_protocol.get(port)
            if known is not None and known != protocol and protocol in _L7:
                out.append(RefViolation(f"{base}.port", "using the same port in multiple matches requires the same "
                                                        "protocol for the following protocols: [grpc http http2]"))
            else:
                seen_protocol[port] = protocol
            values = seen_value.setdefault((port, protocol), set())
            if value in values:
                out.append(RefViolation(f"{base}.value",
                                        f"value {value} is already defiend for this port and protocol"))
            values.add(value)
        if protocol not in protocols:
            shown = ", ".join(f'"{p}"' for p in protocols)
            out.append(RefViolation(f"{base}.protocol", f'"protocol" must be one of [{shown}]'))
        out += _type_violations(base, kind, value, protocol, port, version)
    return out


def _type_violations(base: str, kind: str, value: str, protocol: str, port: int | None,
                     version: KumaVersion) -> list[RefViolation]:
    out: list[RefViolation] = []
    if kind == "CIDR":
        if not _is_cidr(value):
            out.append(RefViolation(f"{base}.value", "provided CIDR has incorrect value"))
    elif kind == "IP":
        if not is_ip(value):
            out.append(RefViolation(f"{base}.value", "provided IP has incorrect value"))
    elif kind == "Domain":
        refused = ("tcp", "mysql") if version.at_least("2.10") else ("tcp",)
        if protocol in refused:
            out.append(RefViolation(f"{base}.protocol", f"protocol {protocol} is not supported for a domain"))
        if _PARTIAL_WILDCARD.match(value):
            out.append(RefViolation(f"{base}.value",
                                    "provided DNS has incorrect value, partial wildcard is currently not supported"))
        if port is None and value.startswith("*") and protocol in _L7:
            out.append(RefViolation(f"{base}.port", "wildcard domains doesn't work for all ports and layer 7 protocol"))
        checked = value[2:] if version.at_least("2.14") and value.startswith("*.") else value
        if not checked.startswith("*") and not is_dns_name(checked):
            out.append(RefViolation(f"{base}.value", "provided DNS has incorrect value"))
    else:
        out.append(RefViolation(f"{base}.type",
                                f"provided type {kind} is not supported, one of Domain, IP, or CIDR is supported"))
    return out


def _is_cidr(value: str) -> bool:
    if "/" not in value:
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def check_passthrough_valid(ctx: Context) -> Iterator[Finding]:
    """MES630: Kuma rejects the MeshPassthrough."""
    for policy in passthroughs(ctx):
        for violation in violations(policy, ctx.version):
            yield finding(
                "MES630",
                f"MeshPassthrough {policy.core_name} is rejected by Kuma {ctx.version}: `{violation.path}: "
                f"{violation.message}`.",
                policy.ref, path=violation.path, origin=policy.origin.at_line(policy.line_of(violation.path)),
                hint=_hint(violation.message),
            )


def _hint(message: str) -> str:
    if "not supported for a domain" in message:
        return "A Domain match needs an L7 or TLS protocol (`tls` for HTTPS, `http`, `http2`, `grpc`)."
    if "wildcard" in message:
        return "Give the port, or match the TLS SNI (`protocol: tls`) for a wildcard domain."
    if "Mysql" in message:
        return "Give the MySQL port (e.g. 3306)."
    return "Fix the entry; the rest of the policy is fine."


def check_passthrough_mode(ctx: Context) -> Iterator[Finding]:
    """MES631: `appendMatch` entries under `passthroughMode: All` or `None`, where they have no effect."""
    for policy in passthroughs(ctx):
        entries = _matches(policy)
        applied = mode(policy, ctx.version)
        if not entries or applied not in ("All", "None"):
            continue
        written = isinstance(policy.spec.get("default"), Mapping) and policy.spec["default"].get("passthroughMode")
        how = "" if written else f" (the default of Kuma {ctx.version} on Kubernetes)"
        effect = ("every destination passes through anyway" if applied == "All" else
                  "nothing passes through, not even these entries")
        path = "spec.default.passthroughMode" if written else "spec.default"
        yield finding(
            "MES631",
            f"MeshPassthrough {policy.core_name} lists {len(entries)} appendMatch "
            f"entr{'y' if len(entries) == 1 else 'ies'} "
            f"under `passthroughMode: {applied}`{how}: Kuma ignores them, {effect}.",
            policy.ref, path=path, origin=policy.origin.at_line(policy.line_of(path)),
            hint="Use `passthroughMode: Matched` to let only the listed destinations through.",
        )


def _covers(entry: Mapping[str, Any], address: str, port: int) -> bool:
    kind, value = text(entry.get("type")), text(entry.get("value")).lower()
    wanted = entry.get("port")
    if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted != port:
        return False
    address = address.lower().rstrip(".")
    if kind == "Domain":
        if value.startswith("*."):
            return address.endswith(value[1:]) and address != value[2:]
        return address == value
    if kind == "IP":
        return is_ip(address) and address == value
    if kind == "CIDR" and is_ip(address) and _is_cidr(value):
        return ipaddress.ip_address(address) in ipaddress.ip_network(value, strict=False)
    return False


def _direct(policy: Resource, version: KumaVersion, address: str, port: int) -> bool:
    applied = mode(policy, version)
    if applied == "All":
        return True
    if applied == "None":
        return False
    return any(isinstance(e, Mapping) and _covers(e, address, port) for e in _matches(policy))


def _usable(ctx: Context, policy: Resource) -> bool:
    return not violations(policy, ctx.version)


def check_both_ways(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES632: an endpoint of the MES is also let through directly by a MeshPassthrough."""
    policies = [p for p in passthroughs(ctx, mes.mesh) if _usable(ctx, p)]
    if not policies or not ctx.admission_valid(mes.key):
        return
    endpoints = view_of(ctx, mes).endpoints
    for policy in policies:
        direct = [f"{e.address}:{e.port}" for e in endpoints if _direct(policy, ctx.version, e.address, e.port)]
        if not direct:
            continue
        why = ("passes every destination through (`passthroughMode: All`)" if mode(policy, ctx.version) == "All"
               else "lists them in `appendMatch`")
        yield finding(
            "MES632",
            f"{mes.core_name} sends to {', '.join(direct)} through the zone egress, and MeshPassthrough "
            f"{policy.core_name} {why}: an application calling that address directly (not "
            f"{mes.core_name}'s hostname) bypasses the egress, the MES's TLS origination and the policies on it.",
            mes.ref, related=(policy.ref,),
            hint="Keep one way to the host: drop it from the MeshPassthrough (or use `Matched` without it), or drop "
                 "the MES and let applications speak TLS themselves through passthrough.",
        )


def check_neither_way(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES633: the MES is dropped on the target control plane and passthrough does not let its host through."""
    target = ctx.target_map
    if target is None or mes.key not in target.excluded or not ctx.admission_valid(mes.key):
        return
    endpoints = view_of(ctx, mes).endpoints
    if not endpoints:
        return
    mesh = ctx.index.meshes.get(mes.mesh)
    blockers: list[str] = []
    related: list[Any] = []
    for policy in passthroughs(ctx, mes.mesh):
        if _usable(ctx, policy) and not any(_direct(policy, ctx.version, e.address, e.port) for e in endpoints):
            blockers.append(f"MeshPassthrough {policy.core_name} (`{mode(policy, ctx.version)}`)")
            related.append(policy.ref)
    if (not passthroughs(ctx, mes.mesh) and mesh is not None and ctx.version.has_mesh_mtls
            and mesh_field(mesh, "networking", "outbound", "passthrough") is False):
        blockers.append(f"Mesh {mes.mesh} (`networking.outbound.passthrough: false`)")
        related.append(mesh.ref)
    if not blockers:
        return
    hosts = ", ".join(f"{e.address}:{e.port}" for e in endpoints[:3])
    reason = target.excluded[mes.key].reason
    yield finding(
        "MES633",
        f"{mes.core_name} is left out of the egress endpoint map ({reason}), and {', '.join(blockers)} does not let "
        f"{hosts} through directly either: the host is reachable neither way.",
        mes.ref, related=tuple(related),
        hint="Fix the MES first (its other findings say why it is dropped); passthrough is no fallback here.",
    )
