"""Table: the upstream TLS context per verification mode and SNI fallback, from a manifest data file,
through the whole pipeline (loader → validator → resolver → builder), on 2.9 and 2.10+."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.analysis import analyse
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

DATA = Path(__file__).resolve().parents[2] / "data" / "builder" / "tls-modes.yaml"

# fields: sni, sni_source, validation_context, ca, client_certificate, hostname_verification, san_matchers,
#         versions_applied
SECURED = ("gateway.partner.example", "serverName", True, "inline", True, True,
           ("Exact:gateway.partner.example", "Exact:alt.partner.example", "Prefix:spiffe://partner"), True)
SKIP_SAN = ("api.partner.example", "first-endpoint", True, "inline", True, False, (), True)  # serverName cleared
SKIP_CA = ("gateway.partner.example", "serverName", False, None, True, False, (), False)  # no validation context
SKIP_ALL = ("api.partner.example", "first-endpoint", False, None, False, False, (), False)  # client cert dropped
IP_FIRST = (None, None, True, "inline", False, True, ("Exact:203.0.113.10",), False)  # no SNI; verified against IP
SYSTEM_CA = ("public.example.org", "first-endpoint", True, "system", False, True, ("Exact:public.example.org",), True)
NO_CONTEXT_29 = ("public.example.org", "first-endpoint", False, None, False, False, (), False)  # #11985 on 2.9

TABLE = [
    ("2.14", "mode-secured", SECURED),
    ("2.14", "mode-skipsan", SKIP_SAN),
    ("2.14", "mode-skipca", SKIP_CA),
    ("2.14", "mode-skipall", SKIP_ALL),
    ("2.14", "ip-first", IP_FIRST),
    ("2.14", "no-ca", SYSTEM_CA),
    ("2.14", "no-verification", ("api.partner.example", *SYSTEM_CA[1:6], ("Exact:api.partner.example",), True)),
    ("2.9", "mode-secured", SECURED),
    ("2.9", "mode-skipsan", SKIP_SAN),
    ("2.9", "mode-skipall", SKIP_ALL),
    ("2.9", "no-ca", NO_CONTEXT_29),
    ("2.9", "no-verification", ("api.partner.example", *NO_CONTEXT_29[1:])),
]


@pytest.fixture(scope="module")
def reports():
    data = DATA.read_bytes()
    return {v: analyse([Source("test", DATA.name, data)], AnalysisOptions(kuma_version=v, now=NOW))
            for v in ("2.9", "2.14")}


@pytest.mark.parametrize(("version", "name", "expected"), TABLE)
def test_upstream_tls(reports, version, name, expected):
    service = reports[version].service("tls", name)
    assert service is not None and service.included and service.destination is not None
    tls = service.destination.tls
    assert tls is not None
    actual = (tls.sni, tls.sni_source, tls.validation_context, tls.ca, tls.client_certificate,
              tls.hostname_verification, tls.san_matchers, tls.versions_applied)
    assert actual == expected


def test_plaintext_has_no_tls(reports):
    service = reports["2.14"].service("tls", "plaintext")
    assert service is not None and service.destination is not None and service.destination.tls is None


@pytest.mark.parametrize(("version", "name", "code"), [
    ("2.14", "mode-skipca", "MES512"), ("2.14", "mode-skipall", "MES516"), ("2.14", "mode-skipsan", "MES513"),
    ("2.14", "ip-first", "MES508"), ("2.14", "no-ca", "MES511"), ("2.9", "no-ca", "MES510"),
    ("2.9", "no-verification", "MES515"),
])
def test_mode_findings(reports, version, name, code):
    service = reports[version].service("tls", name)
    assert service is not None
    assert code in {f.code for f in service.findings}


def test_destination_names_kubernetes(reports):
    service = reports["2.14"].service("tls", "mode-secured")
    assert service is not None and service.destination is not None
    assert service.destination.cluster == "tls_mode-secured_kuma-system_default_extsvc_443"
    assert service.destination.hostname == "mode-secured.extsvc.mesh.local"
