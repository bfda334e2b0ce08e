"""The `gallery` sample demonstrates every secret-reference and certificate failure kind (issue #3),
on a 2.x target and, with mesh `next` written in the Kuma 3.0 shape, on 3.0 as well. (The default
`incident` sample's story: tests/core/test_sample_incident.py.)"""

from __future__ import annotations

import re
from functools import cache

import pytest
import yaml

from core import sample, sample_gallery
from core.analysis import analyse
from core.catalogue import CATALOGUE
from core.model import Report, ServiceStatus
from core.options import AnalysisOptions
from core.versions import KumaVersion
from tests.factories import NOW

NEXT = sample_gallery.NEXT_MESH


@cache
def report_at(version: str) -> Report:
    return analyse(sample.sample_sources(NOW, "gallery"), AnalysisOptions(now=NOW, kuma_version=version))


def can_occur(versions: str, target: str) -> bool:
    """Whether a catalogue `versions` text ("all", "3.0", "2.9-2.14") covers the target version."""
    if versions == "all":
        return True
    low, _, high = versions.partition("-")
    version = KumaVersion.parse(target)
    return not version < KumaVersion.parse(low) and not KumaVersion.parse(high or low) < version


def codes_of(report: Report, mesh: str | None = None, name: str | None = None) -> set[str]:
    if name is None:
        return {f.code for f in report.findings}
    service = report.service(mesh or "", name)
    assert service is not None, f"{mesh}/{name} is not in the sample"
    return {f.code for f in service.findings}


def test_can_occur_reads_the_catalogue_ranges():
    assert can_occur("all", "2.9") and can_occur("3.0", "3.0") and not can_occur("3.0", "2.14")
    assert can_occur("2.9-2.14", "2.14") and not can_occur("2.9-2.14", "3.0") and not can_occur("2.10-3.0", "2.9")


@pytest.mark.parametrize("version", ["auto", "2.14"])
def test_every_reference_and_certificate_code_that_can_occur_on_2_14(version):
    report = report_at(version)
    assert report.kuma_version == "2.14", "the sample is mostly legacy-shaped: auto must pick 2.14"
    expected = {c.code for c in CATALOGUE.values()
                if c.code[3] in "23" and not c.retired and can_occur(c.versions, "2.14")}
    assert {"MES211", "MES212", "MES213"}.isdisjoint(expected), "3.0-only codes are not expected on 2.14"
    assert expected - codes_of(report) == set()


def test_every_reference_and_certificate_code_that_can_occur_on_3_0_in_mesh_next():
    report = report_at("3.0")
    in_next = set().union(*(codes_of(report, NEXT, s.resource.name) for s in report.services
                            if s.resource.mesh == NEXT))
    assert {"MES201", "MES211"} <= codes_of(report)
    # the 3.0 shape problems are reported once, by the validator (MES212 / MES213 retired)
    assert {"MES201", "MES124", "MES127"} <= in_next and in_next.isdisjoint({"MES212", "MES213"})
    assert "MES211" not in in_next, "mesh next is written in the 3.0 shape"


@pytest.mark.parametrize(("name", "codes"), [
    ("cert-swapped", {"MES303", "MES304"}),
    ("cert-unsupported-key", {"MES309"}),
    ("cert-csr-as-ca", {"MES309"}),
    ("cert-truncated", {"MES315"}),
    ("cert-stray-text", {"MES318"}),
])
def test_each_new_lab_certificate_fault_shows_its_code(name, codes):
    found = codes_of(report_at("2.14"), "lab", name)
    assert codes <= found
    assert found & {"MES301", "MES302", "MES317"} == set(), "one precise root cause, not a generic one"


def test_the_stray_text_bundle_still_works():
    service = report_at("2.14").service("lab", "cert-stray-text")
    assert service is not None and service.status is ServiceStatus.WARNING and service.included


@pytest.mark.parametrize(("name", "codes"), [
    ("archive", {"MES124"}),
    ("telemetry", {"MES124"}),
    ("reports", {"MES127"}),
    ("invoices", {"MES201", "MES501"}),
])
def test_mesh_next_broken_services_on_3_0(name, codes):
    report = report_at("3.0")
    service = report.service(NEXT, name)
    assert service is not None and service.status is ServiceStatus.BROKEN and not service.included
    assert codes <= codes_of(report, NEXT, name)


@pytest.mark.parametrize("name", ["orders", "status-page"])
def test_mesh_next_healthy_services_on_3_0(name):
    service = report_at("3.0").service(NEXT, name)
    assert service is not None
    assert service.status is ServiceStatus.HEALTHY and service.included, [f.code for f in service.findings]
    assert service.references and all(r.status.value == "ok" for r in service.references)


def test_orders_loads_its_ca_and_client_pair_through_secret_ref_on_3_0():
    service = report_at("3.0").service(NEXT, "orders")
    assert service is not None
    assert {(r.field, r.secret) for r in service.references} == {
        ("caCert", "next-ca"), ("clientCert", "next-client-cert"), ("clientKey", "next-client-key")}
    assert {c.field for c in service.certificates} == {"caCert", "clientCert"}


def test_mesh_next_on_2_x_meets_a_control_plane_that_does_not_know_the_shape():
    """3.0 manifests applied to 2.14: the data-source fields are unknown (pruned, nothing loaded) and the
    3.0-style Mesh has no mTLS backend, so every MES of mesh next is broken there, with no 3.0-only code."""
    report = report_at("2.14")
    services = [s for s in report.services if s.resource.mesh == NEXT]
    assert len(services) == 6
    for service in services:
        codes = {f.code for f in service.findings}
        assert {"MES401", "MES157"} <= codes, (service.resource.name, codes)  # MES157 names the pruned fields
        assert codes.isdisjoint({"MES211", "MES212", "MES213"})
        assert service.status is ServiceStatus.BROKEN


def test_demo_mesh_keeps_its_story_on_every_target():
    for version in ("2.14", "3.0"):
        demo = [s.resource.name for s in report_at(version).services if s.resource.mesh == "demo"]
        assert len(demo) == 13 and "partner-api" in demo and "partner-api-1" in demo
    report = report_at("2.9")
    dropped = sorted(s.resource.name for s in report.services if s.resource.mesh == "demo" and s.dropped_by)
    assert dropped == ["payments", "recommendations", "search", "shipping", "weather"]


def test_every_generated_document_carries_its_explanatory_comment():
    for name, data in sample.generated_files(NOW, "gallery").items():
        documents = data.decode().split("\n---\n")[1:]
        assert documents, name
        for text in documents:
            comment, _, body = text.partition("\n")
            doc = yaml.safe_load(body)
            title = (doc.get("metadata") or {}).get("name") or doc.get("name")
            assert comment.startswith("# ") and re.search(rf"\b{re.escape(title)}\b", comment), (name, comment)
            assert len(comment) > len(title) + 12, f"{name}: {comment!r} explains nothing"


def test_lab_manifests_reference_only_generated_or_deliberately_missing_secrets():
    generated = {s.name for s in sample_gallery.KUBERNETES_SECRETS}
    lab = [d for d in yaml.safe_load_all((sample.SAMPLE_DIR / "gallery" / "mes-lab.yaml").read_text()) if d]
    names = {v.get("secret") for d in lab for v in d["spec"]["tls"]["verification"].values() if isinstance(v, dict)}
    assert names - generated == {"", "lab-ca-missing", None}
