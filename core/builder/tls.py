"""The upstream TLS context the zone egress gets for an MES (sections 5.3 and 5.4).

Order matters and mirrors kuma-cp: TLS versions are read (2.9: only inside `verification`),
CA and client material are loaded *before* the verification mode is applied, the mode then
drops CA / client certificate / serverName / SANs, and finally an empty SNI is filled from the
first endpoint when it is a DNS name. A validation context (CA check, SAN matchers and TLS
versions all live in it) exists only with CA bytes or with the system-CA fallback on an egress
that knows its system CA path, which 2.9 never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core.builder.spec import DATA_SOURCE_FIELDS, MesView
from core.model import ReferenceStatus, SecretReference, UpstreamTls
from core.records import record
from core.validation.names import is_dns_name
from core.versions import KumaVersion

SNI_FROM_SERVER_NAME = "serverName"
SNI_FROM_FIRST_ENDPOINT = "first-endpoint"


_LOADS = frozenset(s for s in ReferenceStatus if s.loads)


@record
class Material:
    """What loading one data source gives kuma-cp."""

    fails: bool  # loading errors: the MES is dropped
    has_bytes: bool  # non-nil bytes (possibly empty) reach the Envoy config
    reference: SecretReference | None = None


def references_by_field(references: Iterable[SecretReference]) -> dict[str, SecretReference]:
    out: dict[str, SecretReference] = {}
    for ref in references:
        out.setdefault(ref.field, ref)
    return out


def materials(view: MesView, references: Iterable[SecretReference]) -> dict[str, Material]:
    """The material of every data source kuma-cp would load for this MES, by field.

    Only with `tls.enabled: true` and a `verification` block; client certificate and key only
    when both are given. Without a resolved reference the source is assumed to load. A
    reference whose Secret has no `value` key loads nil bytes (like no CA / no client cert);
    an empty value loads empty, non-nil bytes.
    """
    tls = view.tls
    if tls is None or not tls.enabled or tls.verification is None:
        return {}
    verification = tls.verification
    present = verification.present
    fields = ["caCert"] if "caCert" in present else []
    if "clientCert" in present and "clientKey" in present:
        fields += ["clientCert", "clientKey"]
    refs = references_by_field(references)
    out: dict[str, Material] = {}
    for name in fields:
        ref = refs.get(name)
        if ref is None:
            out[name] = Material(fails=False, has_bytes=name in verification.with_member)
        elif ref.status not in _LOADS:
            out[name] = Material(fails=True, has_bytes=False, reference=ref)
        else:
            nil = ref.source == "empty" or ref.status is ReferenceStatus.NO_VALUE_KEY
            out[name] = Material(fails=False, has_bytes=not nil and name in verification.with_member, reference=ref)
    return out


def first_failure(loaded: Mapping[str, Material]) -> SecretReference | None:
    """The reference kuma-cp reports: the first failing one in load order caCert, clientCert, clientKey."""
    for name in DATA_SOURCE_FIELDS:
        material = loaded.get(name)
        if material is not None and material.fails:
            return material.reference
    return None


def upstream_tls(view: MesView, version: KumaVersion, loaded: Mapping[str, Material]) -> UpstreamTls | None:
    """The effective upstream TLS of the MES on the egress of `version`; None when TLS is not enabled."""
    tls = view.tls
    if tls is None or not tls.enabled:
        return None
    verification = tls.verification
    read_versions = verification is not None or not version.tls_version_needs_verification
    min_version = tls.min_version if read_versions else None
    max_version = tls.max_version if read_versions else None

    mode = "Secured"
    fallback = True
    ca_bytes = client = skip_hostname = False
    sni: str | None = None
    sans: tuple[tuple[str, str], ...] = ()
    if verification is not None:
        mode = verification.mode
        ca_bytes = _has(loaded, "caCert")
        client = _has(loaded, "clientCert") and _has(loaded, "clientKey")
        sni = verification.server_name or None
        sans = verification.sans
        if mode in ("SkipSAN", "SkipAll"):
            sni, sans, skip_hostname = None, (), True
        if mode in ("SkipCA", "SkipAll"):
            ca_bytes, fallback = False, False
        if mode == "SkipAll":
            client = False

    sni_source = SNI_FROM_SERVER_NAME if sni else None
    first = view.endpoints[0].address if view.endpoints else None
    if sni is None and first is not None and is_dns_name(first):
        sni, sni_source = first, SNI_FROM_FIRST_ENDPOINT

    system_ca_known = not version.egress_system_ca_broken
    validation = ca_bytes or (fallback and system_ca_known)
    hostname_verification = validation and not skip_hostname
    matchers: list[str] = []
    verify_name = sni or first
    if hostname_verification and verify_name:
        matchers.append(f"Exact:{verify_name}")
        matchers.extend(f"{kind}:{value}" for kind, value in sans)
    return UpstreamTls(
        mode=mode,
        sni=sni,
        sni_source=sni_source,
        validation_context=validation,
        ca="inline" if ca_bytes else ("system" if validation else None),
        system_ca_fallback=fallback,
        client_certificate=client,
        hostname_verification=hostname_verification,
        san_matchers=tuple(matchers),
        min_version=min_version,
        max_version=max_version,
        versions_applied=validation and (min_version is not None or max_version is not None),
        allow_renegotiation=tls.allow_renegotiation,
    )


def _has(loaded: Mapping[str, Material], name: str) -> bool:
    material = loaded.get(name)
    return material is not None and material.has_bytes
