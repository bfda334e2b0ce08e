"""TLS behaviour the operator may not expect (MES508-MES516), for the TARGET version.

Read from the target map's Destination when the MES is included; otherwise computed as if its
TLS material loaded (the behaviour it will have once the reference is fixed).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.builder import paths
from core.builder.spec import MesView, view_of
from core.builder.tls import SNI_FROM_SERVER_NAME, materials, upstream_tls
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Resource, UpstreamTls
from core.records import record
from core.validation.names import is_dns_name


@record
class _Tls:
    view: MesView
    tls: UpstreamTls


def _effective(ctx: Context, mes: Resource) -> _Tls | None:
    """What the eight checks below read, computed once per MES (and target map)."""
    held = ctx.per_resource("effective-tls", mes, lambda m: (ctx.target_map, _compute_effective(ctx, m)))
    return held[1] if held[0] is ctx.target_map else _compute_effective(ctx, mes)


def _compute_effective(ctx: Context, mes: Resource) -> _Tls | None:
    if not ctx.admission_valid(mes.key):
        return None
    view = view_of(ctx, mes)
    if not view.tls_enabled:
        return None
    dest = ctx.target_map.included.get(mes.key) if ctx.target_map is not None else None
    tls = dest.tls if dest is not None else None
    if tls is None:
        tls = upstream_tls(view, ctx.version, materials(view, ()))
    return _Tls(view, tls) if tls is not None else None


def _finding(code: str, message: str, mes: Resource, path: str, hint: str, fix: str = "") -> Finding:
    return finding(code, message, mes.ref, path=path, origin=paths.origin_at(mes, path), hint=hint, fix=fix)


def _yaml(*lines: str) -> str:
    return "spec:\n  tls:\n" + "".join(f"    {line}\n" for line in lines)


def check_no_sni(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES508 the first endpoint is an IP and no serverName survives: no SNI."""
    t = _effective(ctx, mes)
    if t is None or t.tls.sni is not None or not t.view.endpoints:
        return
    first = t.view.endpoints[0]
    verification = t.view.tls.verification if t.view.tls else None
    why = ""
    if verification is not None and verification.server_name and verification.mode in ("SkipSAN", "SkipAll"):
        why = f" (mode {verification.mode} clears `serverName`)"
    path = f"{paths.ENDPOINTS}[{first.index}].address"
    yield _finding(
        "MES508",
        f"No SNI for {mes.core_name}: the first endpoint {first.address} is an IP address and no `serverName` "
        f"applies{why}. The handshake carries no server name (SNI-routed servers and CDNs fail it); "
        f"{_what_is_verified(ctx, t, first.address)}.",
        mes, path,
        hint="Set `tls.verification.serverName` to the name in the server certificate (mode Secured or SkipCA), "
             "or list a hostname as the first endpoint.",
        fix=_yaml("verification:", "  serverName: <name in the server certificate>"),
    )


def _what_is_verified(ctx: Context, t: _Tls, address: str) -> str:
    """What the egress checks of the server certificate, from the effective UpstreamTls (section 5.4)."""
    tls = t.tls
    if not tls.validation_context:
        if tls.mode in ("SkipCA", "SkipAll"):
            cause = f"mode {tls.mode} drops the validation context"
        else:
            cause = f"Kuma {ctx.version} sends no validation context without CA bytes"
        return f"the server certificate is not verified at all ({cause}: no CA, name or SAN check)"
    if not tls.hostname_verification:
        return (f"the certificate chain is verified against the {_ca_text(tls)}, but not its name "
                f"(mode {tls.mode} turns hostname verification off)")
    sans = len(tls.san_matchers) - 1  # the first matcher is the verification name itself
    widened = f" or match one of the {sans} configured `subjectAltNames`" if sans > 0 else ""
    return (f"the certificate is verified against the {_ca_text(tls)} and must carry {address} in its SANs"
            f"{widened}")


def _ca_text(tls: UpstreamTls) -> str:
    return "configured `caCert`" if tls.ca == "inline" else "egress's system CA bundle"


def check_mixed_hostnames(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES509 endpoints with different hostnames share the first endpoint's SNI and verification name."""
    t = _effective(ctx, mes)
    if t is None or t.tls.sni_source == SNI_FROM_SERVER_NAME:
        return
    names = sorted({e.address.lower().rstrip(".") for e in t.view.endpoints if is_dns_name(e.address)})
    if len(names) < 2:
        return
    target = t.tls.sni or t.view.endpoints[0].address
    yield _finding(
        "MES509",
        f"{mes.core_name} has endpoints with {len(names)} different hostnames ({', '.join(names)}) but one TLS "
        f"context built from the first endpoint: every endpoint gets SNI and verification name {target}.",
        mes, paths.ENDPOINTS,
        hint="Use one MES per hostname, or set `serverName` to a name every server's certificate carries.",
    )


def check_system_ca(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES510 (2.9) Secured without a CA verifies nothing / MES511 (2.10+) system CA bundle is used."""
    t = _effective(ctx, mes)
    if t is None:
        return
    tls_spec = t.view.tls
    verification = tls_spec.verification if tls_spec else None
    path = paths.CA_CERT if verification is not None else paths.TLS
    if ctx.version.egress_system_ca_broken:
        if t.tls.mode not in ("Secured", "SkipSAN") or t.tls.validation_context:
            return
        versions = " and `tls.version` is ignored" if tls_spec and tls_spec.explicit_versions else ""
        yield _finding(
            "MES510",
            f"On Kuma 2.9 {mes.core_name} uses mode {t.tls.mode} without CA bytes: the egress reads its system "
            "CA path from the wrong field, so no validation context is sent — the server certificate is not "
            f"verified at all{versions} (kumahq/kuma#11985).",
            mes, path,
            hint="Add `caCert` with the CA bundle that issued the server certificate, or upgrade to Kuma 2.10.0 "
                 "or later.",
            fix=_yaml("verification:", "  caCert:", "    secret: <secret holding the CA bundle (PEM)>"),
        )
    elif t.tls.ca == "system":
        yield _finding(
            "MES511",
            f"{mes.core_name} has no `caCert`: the server is verified against the zone egress's system CA bundle.",
            mes, path,
            hint="Normal for publicly trusted certificates. For a private CA add `caCert`; make sure the egress "
                 "image has a CA bundle (e.g. /etc/ssl/certs/ca-certificates.crt).",
        )


def check_server_not_authenticated(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES512 SkipCA / SkipAll: no validation context at all."""
    t = _effective(ctx, mes)
    if t is None or t.tls.mode not in ("SkipCA", "SkipAll"):
        return
    yield _finding(
        "MES512",
        f"{mes.core_name} uses mode {t.tls.mode}: the whole validation context is dropped — no CA check, no SAN "
        "check, `tls.version` not applied. Anyone on the path can impersonate the server.",
        mes, paths.MODE,
        hint="Use mode Secured with `caCert` (or the egress system CA for public services).",
        fix=_yaml("verification:", "  mode: Secured"),
    )


def check_server_name_ignored(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES513 SkipSAN / SkipAll clear a configured serverName."""
    t = _effective(ctx, mes)
    verification = t.view.tls.verification if t and t.view.tls else None
    if t is None or verification is None or not verification.server_name:
        return
    if verification.mode not in ("SkipSAN", "SkipAll"):
        return
    now = f"SNI falls back to {t.tls.sni}" if t.tls.sni else "no SNI is sent"
    yield _finding(
        "MES513",
        f"`serverName: {verification.server_name}` of {mes.core_name} is cleared by mode {verification.mode}: "
        f"{now}.",
        mes, paths.SERVER_NAME,
        hint="Use mode Secured (or SkipCA) to send this server name, or remove it.",
    )


def check_sans_ignored(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES514 subjectAltNames configured but not checked."""
    t = _effective(ctx, mes)
    verification = t.view.tls.verification if t and t.view.tls else None
    if t is None or verification is None or not verification.sans or t.tls.hostname_verification:
        return
    if verification.mode in ("SkipSAN", "SkipAll"):
        why = f"mode {verification.mode} clears them"
    elif not t.tls.validation_context:
        why = "there is no validation context (" + (
            f"mode {verification.mode}" if verification.mode == "SkipCA" else "no CA on Kuma 2.9") + ")"
    else:
        why = "hostname verification is off"
    yield _finding(
        "MES514",
        f"The {len(verification.sans)} `subjectAltNames` of {mes.core_name} are not checked: {why}.",
        mes, paths.SANS,
        hint="SANs are only checked in mode Secured with a validation context; remove them or switch to Secured.",
    )


def check_version_ignored(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES515 (2.9) tls.version without verification is never read."""
    t = _effective(ctx, mes)
    tls_spec = t.view.tls if t else None
    if t is None or tls_spec is None or not ctx.version.tls_version_needs_verification:
        return
    if tls_spec.verification is not None or not tls_spec.explicit_versions:
        return
    yield _finding(
        "MES515",
        f"Kuma 2.9 ignores `tls.version` of {mes.core_name} because it has no `tls.verification` "
        "(kumahq/kuma#12162): Envoy negotiates its default TLS versions.",
        mes, paths.TLS_VERSION,
        hint="Add a `verification` block with `caCert` (2.9 has no usable system CA), or upgrade to Kuma 2.10.0 "
             "or later.",
        fix=_yaml("verification:", "  caCert:", "    secret: <secret holding the CA bundle (PEM)>"),
    )


def check_client_cert_dropped(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES516 SkipAll discards the client certificate and key."""
    t = _effective(ctx, mes)
    verification = t.view.tls.verification if t and t.view.tls else None
    if t is None or verification is None or verification.mode != "SkipAll":
        return
    if not {"clientCert", "clientKey"} <= verification.with_member:
        return
    yield _finding(
        "MES516",
        f"Mode SkipAll drops the client certificate and key of {mes.core_name} (they are still loaded, so a "
        "missing Secret still fails the MES): the server gets no client certificate.",
        mes, paths.CLIENT_CERT,
        hint="Use mode SkipCA to keep client authentication without server verification, or better Secured.",
        fix=_yaml("verification:", "  mode: SkipCA"),
    )
