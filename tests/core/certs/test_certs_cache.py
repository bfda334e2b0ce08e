"""The same material is parsed once, however many MES reference it."""

from __future__ import annotations

from datetime import timedelta

from core import certs, secrets
from core.certs import cache, parse
from core.model import CertificateStatus
from tests.factories import NOW, context, k8s_secret, tls_mes


def test_shared_secret_is_parsed_once(tpki, monkeypatch):
    calls = []
    original = parse.parse_material

    def counting(data):
        calls.append(len(data))
        return original(data)

    monkeypatch.setattr(parse, "parse_material", counting)
    services = [tls_mes(f"svc-{i}", {"caCert": {"secret": "shared-ca"}}) for i in range(6)]
    ctx = context(*services, k8s_secret("shared-ca", tpki.ec_root.cert_pem))
    materials = secrets.resolve(ctx)
    assert len(materials) == 1
    certs.inspect(ctx, materials)
    assert len(calls) == 1
    assert cache.stats.misses == 1 and cache.stats.hits == 5
    assert all(len(ctx.certificates[s.key]) == 1 for s in services)


def test_cache_survives_analyses_and_dates_are_recomputed(tpki, monkeypatch):
    secret = k8s_secret("ca", tpki.ec_root.cert_pem)
    service = tls_mes("svc", {"caCert": {"secret": "ca"}})
    statuses = []
    for now in (NOW, NOW + timedelta(days=5000)):
        ctx = context(service, secret, now=now)
        certs.inspect(ctx, secrets.resolve(ctx))
        statuses.append(ctx.certificates[service.key][0].status)
    assert statuses == [CertificateStatus.VALID, CertificateStatus.EXPIRED]
    assert cache.stats.misses == 1 and cache.stats.hits == 1


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(5):
        cache.parsed(f"digest-{i}", b"x")
    assert len(cache._entries) == 3 and "digest-0" not in cache._entries
