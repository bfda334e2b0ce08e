"""MES508 (no SNI) says what the egress really verifies, from the effective upstream TLS (reference 5.3, 5.4)."""

from __future__ import annotations

from typing import Any

import pytest

from core.model import Finding
from tests.factories import context, mes, mesh_resource

from .helpers import tls_spec, zone_egress
from .test_builder_checks import run

IP = [{"address": "10.0.0.1", "port": 443}]


def no_sni(version: str, **verification: Any) -> Finding:
    ctx = context(mesh_resource(), zone_egress("ze-1"), mes("svc", tls_spec(endpoints=IP, **verification)),
                  version=version)
    return next(f for f in run(ctx) if f.code == "MES508")


# (version, verification, what the message must say)
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("2.14", {}, "verified against the egress's system CA bundle and must carry 10.0.0.1 in its SANs"),
    ("2.14", {"caCert": {"secret": "ca"}}, "verified against the configured `caCert` and must carry 10.0.0.1"),
    ("2.14", {"subjectAltNames": [{"type": "Exact", "value": "a"}, {"type": "Prefix", "value": "b"}]},
     "must carry 10.0.0.1 in its SANs or match one of the 2 configured `subjectAltNames`"),
    ("2.14", {"mode": "SkipSAN", "caCert": {"secret": "ca"}},
     "chain is verified against the configured `caCert`, but not its name (mode SkipSAN"),
    ("2.14", {"mode": "SkipCA", "caCert": {"secret": "ca"}},
     "not verified at all (mode SkipCA drops the validation context"),
    ("3.0", {"mode": "SkipAll"}, "not verified at all (mode SkipAll drops the validation context"),
    ("2.9", {}, "not verified at all (Kuma 2.9 sends no validation context without CA bytes"),
    ("2.9", {"mode": "SkipSAN"}, "not verified at all (Kuma 2.9 sends no validation context"),
    ("2.9", {"caCert": {"secret": "ca"}}, "verified against the configured `caCert` and must carry 10.0.0.1"),
]


@pytest.mark.parametrize(("version", "verification", "says"), CASES,
                         ids=[f"{c[0]}-{c[1].get('mode', 'Secured')}-{i}" for i, c in enumerate(CASES)])
def test_no_sni_says_what_is_verified(version: str, verification: dict[str, Any], says: str) -> None:
    f = no_sni(version, **verification)
    assert says in f.message, f.message
    verified = "not verified at all" not in says
    assert ("must carry 10.0.0.1" in f.message) is (verified and "not its name" not in says)
    assert f.message.startswith("No SNI for svc.kuma-system: the first endpoint 10.0.0.1 is an IP address")


def test_no_verification_block_on_2_10_uses_the_system_ca() -> None:
    ctx = context(mesh_resource(), zone_egress("ze-1"), mes("svc", tls_spec(endpoints=IP, verification=None)),
                  version="2.10")
    f = next(f for f in run(ctx) if f.code == "MES508")
    assert "egress's system CA bundle and must carry 10.0.0.1" in f.message
