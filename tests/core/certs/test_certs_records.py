"""Certificate records made from per-material rows are the records made field by field, and the
cache sees the same hits and recency as with one `cache.parsed` call per reference."""

from __future__ import annotations

from datetime import timedelta

from core import certs, pki, secrets
from core.certs import cache, evaluate
from core.certs.parse import parse_material
from core.model import CertificateRecord
from tests.factories import NOW, context, k8s_secret, tls_mes


def _plain_records(service, ref, parsed, now, window_days):
    if ref.field == "clientKey":
        return []
    out = []
    for info in parsed.certificates:
        status, days_left = certs.certificate_status(info, now, window_days)
        out.append(CertificateRecord(
            service=service, field=ref.field, secret=ref.secret, source=ref.source, position=info.position,
            subject=info.subject, issuer=info.issuer, sans=info.sans, serial=info.serial, sha256=info.sha256,
            not_before=info.not_before, not_after=info.not_after, days_left=days_left, status=status,
            key_type=f"EC {info.curve}" if info.key_type == "EC" and info.curve else info.key_type,
            key_size=info.key_size, is_ca=info.is_ca, self_signed=info.self_signed,
            signature_algorithm=info.signature_algorithm, key_usage=info.key_usage,
            extended_key_usage=info.extended_key_usage,
        ))
    return out


def test_records_from_rows_equal_records_field_by_field(tpki):
    bundle = pki.pem_bundle(tpki.ec_client, tpki.ec_intermediate, tpki.ec_root)
    ctx = context(tls_mes("svc", {"caCert": {"secret": "ca"}, "clientCert": {"secret": "cert"},
                                  "clientKey": {"secret": "key"}}),
                  k8s_secret("ca", pki.pem_bundle(tpki.rsa_root, tpki.ec_root)), k8s_secret("cert", bundle),
                  k8s_secret("key", tpki.ec_client.key_pem()))
    secrets.resolve(ctx)
    (references,) = ctx.references.values()
    service = references[0].service
    for material in (bundle, pki.pem_bundle(tpki.rsa_root, tpki.ec_root), tpki.rsa_client.cert_pem, b"nothing"):
        parsed = parse_material(material)
        for now in (NOW, NOW + timedelta(days=3000), NOW - timedelta(days=30)):
            for window in (0, 30, 100000):
                for ref in references:
                    assert evaluate.records(service, ref, parsed, now, window) == _plain_records(
                        service, ref, parsed, now, window)


def test_shared_material_counts_as_one_cache_call_per_reference(tpki):
    """Hits, misses and the recency order are those of a `cache.parsed` call per reference."""
    ca, other = tpki.ec_root.cert_pem, tpki.rsa_root.cert_pem
    services = [tls_mes(f"svc-{i}", {"caCert": {"secret": "ca" if i % 3 else "other"}}) for i in range(7)]
    ctx = context(*services, k8s_secret("ca", ca), k8s_secret("other", other))
    materials = secrets.resolve(ctx)
    cache.parsed("unrelated", b"x")
    certs.inspect(ctx, materials)
    assert (cache.stats.misses, cache.stats.hits) == (3, 5)
    # svc-6 (`other`) is the last reference: `other` was used last
    last = ctx.references[services[6].key][0].material_sha256
    first = ctx.references[services[5].key][0].material_sha256
    assert list(cache._entries) == ["unrelated", first, last]
