"""The builder through the whole pipeline (loader, validator, secret resolver) on manifest files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from core.analysis import analyse
from core.model import Report
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

DATA = Path(__file__).resolve().parents[2] / "data" / "builder"


@cache
def _analyse(file: str, zone: str, version: str) -> Report:
    """One analysis per (file, zone, version), shared by the tables below (tests only read it)."""
    path = DATA / file
    return analyse([Source("test", file, path.read_bytes())],
                   AnalysisOptions(kuma_version=version, zone=zone, now=NOW))


def _name(key: str) -> str:
    return key.rsplit("/", 1)[-1].split(".")[0]


# (file, zone, version, included, {excluded name: reason}, lost filter chains, codes that must appear)
# The motivating case (kumahq/kuma#12821: one MES on existing kuma-cert-1 / kuma-key-1, one on missing
# kuma-cert / kuma-key) with the broken MES sorting first and last, on Kubernetes and Universal:
# cascade-kubernetes (broken `kong` last), cascade-kubernetes-broken-first (broken `billing` first),
# cascade-universal (broken `kong` first), cascade-universal-broken-last (broken `zz-billing` last).
TABLE = [
    ("cascade-kubernetes.yaml", "default", "2.9", ["kong-1"], {"kong": "tls-load-failed"}, [], {"MES501"}),
    ("cascade-kubernetes.yaml", "default", "2.10", ["kong-1"], {"kong": "tls-load-failed"}, [], {"MES501"}),
    ("cascade-kubernetes.yaml", "default", "2.14", ["kong-1"], {"kong": "tls-load-failed"}, [], {"MES501"}),
    ("cascade-kubernetes-broken-first.yaml", "default", "2.9", ["audit"],
     {"billing": "tls-load-failed", "payments": "cascade", "search": "cascade"}, [], {"MES501", "MES502"}),
    ("cascade-kubernetes-broken-first.yaml", "default", "2.10", ["audit", "payments", "search"],
     {"billing": "tls-load-failed"}, ["payments", "search"], {"MES501", "MES503"}),
    ("cascade-kubernetes-broken-first.yaml", "default", "2.14", ["audit", "payments", "search"],
     {"billing": "tls-load-failed"}, [], {"MES501"}),
    ("cascade-universal.yaml", "default", "2.9", [], {"kong": "tls-load-failed", "kong-1": "cascade"}, [],
     {"MES501", "MES502"}),
    ("cascade-universal.yaml", "default", "2.10", ["kong-1"], {"kong": "tls-load-failed"}, ["kong-1"],
     {"MES501", "MES503"}),
    ("cascade-universal.yaml", "default", "2.12", ["kong-1"], {"kong": "tls-load-failed"}, [], {"MES501"}),
    ("cascade-universal-broken-last.yaml", "default", "2.9", ["payments"], {"zz-billing": "tls-load-failed"}, [],
     {"MES501"}),
    ("cascade-universal-broken-last.yaml", "default", "2.10", ["payments"], {"zz-billing": "tls-load-failed"},
     [], {"MES501"}),
    ("cascade-universal-broken-last.yaml", "default", "2.14", ["payments"], {"zz-billing": "tls-load-failed"},
     [], {"MES501"}),
    ("zones-and-meshes.yaml", "zone-1", "2.14", ["api"], {"remote": "unreachable-zone", "plain": "no-mtls"}, [],
     {"MES401", "MES504"}),
    ("zones-and-meshes.yaml", "zone-1", "2.11", ["api"], {"remote": "unreachable-zone", "plain": "no-mtls"},
     [], {"MES401", "MES504"}),
    ("zones-and-meshes.yaml", "zone-1", "3.0", ["api", "plain", "remote"], {}, [], {"MES406", "MES904"}),
    # mesh prerequisites never take an MES out of the endpoint map
    ("mesh-prerequisites.yaml", "east", "2.14", ["ledger", "maps", "weather"], {}, [], {"MES402", "MES403"}),
    ("mesh-prerequisites.yaml", "west", "2.14", ["ledger", "maps", "weather"], {}, [],
     {"MES402", "MES403", "MES404"}),
    ("mesh-prerequisites.yaml", "west", "2.9", ["ledger", "maps", "weather"], {}, [],
     {"MES402", "MES403", "MES404"}),
    ("mesh-prerequisites.yaml", "west", "3.0", ["ledger", "maps", "weather"], {}, [], {"MES406"}),
    ("names-universal.yaml", "zone-1", "2.14", ["global-api", "httpbin"], {"east-api": "unreachable-zone"}, [],
     {"MES504"}),
    ("names-universal.yaml", "zone-2", "2.14", ["east-api", "global-api", "httpbin"], {}, [], {"MES404"}),
    ("names-universal.yaml", "zone-1", "3.0", ["east-api", "global-api", "httpbin"], {}, [], set()),
    ("names-kubernetes-zone.yaml", "east", "2.14", ["card-api"], {}, [], set()),
]


@pytest.mark.parametrize(("file", "zone", "version", "included", "excluded", "lost", "must"), TABLE)
def test_pipeline(file, zone, version, included, excluded, lost, must) -> None:
    report = _analyse(file, zone, version)
    emap = report.endpoint_map
    assert sorted(_name(k) for k in emap.included) == sorted(included)
    assert {_name(k): e.reason for k, e in emap.excluded.items()} == excluded
    assert sorted(_name(k) for k in emap.lost_filter_chains) == lost
    assert must <= {f.code for f in report.findings}


# (file, version, {MES dropped collaterally on 2.9: the MES that dropped it}); every MES502 names its culprit
CULPRITS = [
    ("cascade-kubernetes.yaml", "2.9", {}),
    ("cascade-kubernetes-broken-first.yaml", "2.9", {"payments": "billing", "search": "billing"}),
    ("cascade-universal.yaml", "2.9", {"kong-1": "kong"}),
    ("cascade-universal-broken-last.yaml", "2.9", {}),
    ("cascade-kubernetes-broken-first.yaml", "2.10", {}),
    ("cascade-universal.yaml", "2.14", {}),
]


@pytest.mark.parametrize(("file", "version", "culprits"), CULPRITS)
def test_cascade_names_its_culprit(file, version, culprits) -> None:
    report = _analyse(file, "default", version)
    findings = [f for f in report.findings if f.code == "MES502"]
    assert {f.resource.name: [r.name for r in f.related] for f in findings if f.resource} == \
        {name: [culprit] for name, culprit in culprits.items()}
    for name, culprit in culprits.items():
        service = report.service("default", name)
        assert service is not None and not service.included and not service.included_on_2_9
        assert service.dropped_by is not None and service.dropped_by.name == culprit


# (file, zone, version, {MES name: the MES4xx codes it carries}): mesh-level problems on every MES of the mesh
MESH_CODES = [
    ("mesh-prerequisites.yaml", "east", "2.14", {"ledger": {"MES402"}, "maps": {"MES403"}, "weather": set()}),
    ("mesh-prerequisites.yaml", "west", "2.14",
     {"ledger": {"MES402", "MES404"}, "maps": {"MES403", "MES404"}, "weather": {"MES404"}}),
    ("mesh-prerequisites.yaml", "east", "2.9", {"ledger": {"MES402"}, "maps": {"MES403"}, "weather": set()}),
    ("mesh-prerequisites.yaml", "west", "3.0", {"ledger": {"MES406"}, "maps": {"MES406"}, "weather": {"MES406"}}),
    ("zones-and-meshes.yaml", "zone-1", "2.14", {"api": set(), "remote": set(), "plain": {"MES401"}}),
]


@pytest.mark.parametrize(("file", "zone", "version", "expected"), MESH_CODES)
def test_mesh_prerequisite_codes(file, zone, version, expected) -> None:
    report = _analyse(file, zone, version)
    actual = {s.resource.name: {f.code for f in s.findings if f.code.startswith("MES4")} for s in report.services}
    assert actual == expected


@pytest.mark.parametrize(("code", "mesh", "path"), [
    ("MES402", "bad-backend", "spec.mtls.enabledBackend"),
    ("MES403", "forbid", "spec.routing.defaultForbidMeshExternalServiceAccess"),
])
def test_mesh_prerequisites_point_at_the_mesh(code, mesh, path) -> None:
    [finding] = [f for f in _analyse("mesh-prerequisites.yaml", "east", "2.14").findings if f.code == code]
    assert finding.path == path
    assert [(r.kind.value, r.name) for r in finding.related] == [("Mesh", mesh)]
    assert finding.origin is not None and finding.origin.file == "mesh-prerequisites.yaml"


# Names of one MES (reference 5.2): legacy destination name, resource KRI, legacy (hash) SNI, KRI SNI, hostname.
# Legacy SNIs checked against the reference's own fnv64a snippet.
HTTPBIN = ("default_httpbin__zone-1_extsvc_443", "kri_extsvc_default_zone-1__httpbin_",
           "a260442408b1a89a9.httpbin.443.default.mes", "sni.extsvc.default.zone-1.httpbin.443",
           "httpbin.extsvc.mesh.local")
GLOBAL_API = ("default_global-api___extsvc_8080", "kri_extsvc_default___global-api_",  # no zone: empty segments
              "aa69e2311f5791eea.global-api.8080.default.mes", "sni.extsvc.default.global-api.8080",
              "global-api.extsvc.mesh.local")
EAST_API = ("payments_east-api__zone-2_extsvc_9090", "kri_extsvc_payments_zone-2__east-api_",
            "a802eb09e079d9a82.east-api.9090.payments.mes", "sni.extsvc.payments.zone-2.east-api.9090",
            "east-api.extsvc.mesh.local")
CARDS = ("payments_cards_kuma-system_east_extsvc_8443", "kri_extsvc_payments_east_kuma-system_cards_",  # display name
         "a1648ac5a5fcf0c5f.cards.8443.payments.mes", "sni.extsvc.payments.east.kuma-system.cards.8443",
         "cards.extsvc.mesh.local")
# 3.0 sets kuma.io/display-name to metadata.name on write (labels.Compute on master): the annotation no longer names it
CARDS_3_0 = ("payments_card-api_kuma-system_east_extsvc_8443", "kri_extsvc_payments_east_kuma-system_card-api_",
             "afe26286009ef8cfd.card-api.8443.payments.mes", "sni.extsvc.payments.east.kuma-system.card-api.8443",
             "card-api.extsvc.mesh.local")

# (file, zone, version, mesh, name, included, cluster, egress SNI, names); 2.9-2.14 use the legacy cluster name
# and hash SNI, 3.0 the KRI with the port as section and the KRI SNI. Excluded MES keep their names.
NAMES = [
    ("names-universal.yaml", "zone-1", "2.14", "default", "httpbin", True, HTTPBIN[0], HTTPBIN[2], HTTPBIN),
    ("names-universal.yaml", "zone-1", "3.0", "default", "httpbin", True, "kri_extsvc_default_zone-1__httpbin_443",
     HTTPBIN[3], HTTPBIN),
    ("names-universal.yaml", "zone-1", "2.14", "default", "global-api", True, GLOBAL_API[0], GLOBAL_API[2],
     GLOBAL_API),
    ("names-universal.yaml", "zone-1", "3.0", "default", "global-api", True,
     "kri_extsvc_default___global-api_8080", GLOBAL_API[3], GLOBAL_API),
    ("names-universal.yaml", "zone-1", "2.9", "payments", "east-api", False, EAST_API[0], EAST_API[2], EAST_API),
    ("names-universal.yaml", "zone-2", "2.14", "payments", "east-api", True, EAST_API[0], EAST_API[2], EAST_API),
    ("names-universal.yaml", "zone-1", "3.0", "payments", "east-api", True,
     "kri_extsvc_payments_zone-2__east-api_9090", EAST_API[3], EAST_API),
    ("names-kubernetes-zone.yaml", "east", "2.14", "payments", "card-api", True, CARDS[0], CARDS[2], CARDS),
    ("names-kubernetes-zone.yaml", "east", "3.0", "payments", "card-api", True,
     "kri_extsvc_payments_east_kuma-system_card-api_8443", CARDS_3_0[3], CARDS_3_0),
]


@pytest.mark.parametrize(("file", "zone", "version", "mesh", "name", "included", "cluster", "egress_sni", "names"),
                         NAMES)
def test_destination_names(file, zone, version, mesh, name, included, cluster, egress_sni, names) -> None:
    service = _analyse(file, zone, version).service(mesh, name)
    assert service is not None and service.included is included
    dest = service.destination
    assert dest is not None
    assert (dest.cluster, dest.egress_sni) == (cluster, egress_sni)
    assert (dest.name, dest.kri, dest.legacy_sni, dest.kri_sni, dest.hostname) == names


# TLS rows the TLS table (test_builder_tls_table.py, same data file) leaves out, same fields plus the mode:
# mode, sni, sni_source, validation_context, ca, system_ca_fallback, client_certificate, hostname_verification,
# san_matchers, (min, max) versions, versions_applied
TLS = [
    # 2.9 SkipCA: CA bytes dropped and no system-CA fallback ⇒ no validation context at all, so the configured
    # TLS versions are not applied either; the client certificate stays
    ("tls-modes.yaml", "2.9", "tls", "mode-skipca",
     ("SkipCA", "gateway.partner.example", "serverName", False, None, False, True, False, (), ("TLS12", "TLS13"),
      False), {"MES512"}),
]


@pytest.mark.parametrize(("file", "version", "mesh", "name", "expected", "codes"), TLS)
def test_upstream_tls_rows(file, version, mesh, name, expected, codes) -> None:
    service = _analyse(file, "default", version).service(mesh, name)
    assert service is not None and service.included and service.included_on_2_9
    assert service.destination is not None and service.destination.tls is not None
    tls = service.destination.tls
    actual = (tls.mode, tls.sni, tls.sni_source, tls.validation_context, tls.ca, tls.system_ca_fallback,
              tls.client_certificate, tls.hostname_verification, tls.san_matchers, (tls.min_version, tls.max_version),
              tls.versions_applied)
    assert actual == expected
    assert codes <= {f.code for f in service.findings}
