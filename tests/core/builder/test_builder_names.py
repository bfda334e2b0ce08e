"""Destination names, KRI, SNIs and hostnames (reference 5.2), from effective labels."""

from __future__ import annotations

import pytest

from core.builder import effective_labels, identifiers, kri_sni, legacy_sni
from core.model import Flavour
from core.options import AnalysisOptions
from tests.factories import mes


def test_legacy_sni_golden() -> None:
    assert legacy_sni("example", "default", 9090) == "afce62f771ed74b78.example.9090.default.mes"


def test_legacy_sni_truncates_long_names_but_hashes_the_full_name() -> None:
    long = "a" * 70
    sni = legacy_sni(long, "default", 443)
    assert sni.split(".")[1] == "a" * 62 + "x"
    assert sni.split(".")[0] != legacy_sni("a" * 62, "default", 443).split(".")[0]


@pytest.mark.parametrize(("resource", "zone", "expected"), [
    (mes("httpbin", {"match": {"port": 80}}), "default", "default_httpbin_kuma-system_default_extsvc_80"),
    (mes("httpbin", {"match": {"port": 443}}, flavour=Flavour.UNIVERSAL), "zone-1",
     "default_httpbin__zone-1_extsvc_443"),
    (mes("httpbin", {"match": {"port": 443}}, flavour=Flavour.UNIVERSAL, labels={"kuma.io/origin": "global"}),
     "zone-1", "default_httpbin___extsvc_443"),
    # global-synced on a Kubernetes zone: hashed object name, display name from the annotation, no ns/zone
    (mes("httpbin-7c9d5f4b8a6e2d1f", {"match": {"port": 443}}, labels={"kuma.io/origin": "global"},
         annotations={"kuma.io/display-name": "httpbin"}), "zone-1", "default_httpbin___extsvc_443"),
    # an exported zone MES keeps its own labels
    (mes("api", {"match": {"port": 8080}}, mesh="payments", labels={"kuma.io/zone": "east"}), "east",
     "payments_api_kuma-system_east_extsvc_8080"),
])
def test_legacy_destination_names(resource, zone: str, expected: str) -> None:
    labels = effective_labels(resource, AnalysisOptions(zone=zone))
    assert identifiers(resource, labels, resource.spec["match"]["port"]).legacy_name == expected


def test_kri_and_kri_sni_kubernetes_zone() -> None:
    r = mes("mes-tcp", {"match": {"port": 4242}})
    ids = identifiers(r, effective_labels(r, AnalysisOptions(zone="default")), 4242)
    assert ids.kri == "kri_extsvc_default_default_kuma-system_mes-tcp_"
    assert ids.kri_port == "kri_extsvc_default_default_kuma-system_mes-tcp_4242"
    assert ids.kri_sni == "sni.extsvc.default.default.kuma-system.mes-tcp.4242"
    assert ids.hostname == "mes-tcp.extsvc.mesh.local"
    assert ids.core_name == "mes-tcp.kuma-system" and ids.display_name == "mes-tcp"


@pytest.mark.parametrize(("zone", "namespace", "expected"), [
    ("", "", "sni.extsvc.default.mes-tcp.4242"),
    ("", "kuma-system", "sni.extsvc.default.mes-tcp.4242"),  # namespace only with a zone
    ("z1", "", "sni.extsvc.default.z1.mes-tcp.4242"),
])
def test_kri_sni_segments(zone: str, namespace: str, expected: str) -> None:
    assert kri_sni("default", zone, namespace, "mes-tcp", 4242) == expected
