"""Live results through the whole pipeline: provenance, coverage notes, version detection,
the what-if overlay, and the digest the dashboard caches on."""

from __future__ import annotations

import copy
import json

from core.analysis import analyse
from core.live import KubeSpec, KumaApiSpec, fetch, fetch_all
from core.model import ReferenceStatus, ServiceStatus
from core.options import AnalysisOptions
from core.sources import Source
from tests.core.live.conftest import FAST, fill_kube, fill_kuma, write_kubeconfig
from tests.factories import NOW

OPTIONS = AnalysisOptions(now=NOW)


def kube_result(kube, tmp_path, mutate=None):
    api, server = kube
    case = fill_kube(api)
    if mutate:
        mutate(api)
    return fetch(KubeSpec(kubeconfig=str(write_kubeconfig(tmp_path / "kc", server.url)), timeout=FAST), now=NOW), case


def test_findings_keep_the_live_provenance(kube, tmp_path):
    result, case = kube_result(kube, tmp_path)
    report = analyse([], OPTIONS, preloaded=result.load)
    broken = report.service("default", case.broken)
    healthy = report.service("default", case.healthy)
    assert broken.status is ServiceStatus.BROKEN and healthy.status is ServiceStatus.HEALTHY
    assert {r.status for r in broken.references} == {ReferenceStatus.NOT_FOUND}
    assert broken.resource.origin.source == "kube:fake" and broken.resource.origin.fetched_at == NOW
    errors = [f for f in broken.findings if f.severity == "error"]
    assert errors and all(f.resource.origin.source == "kube:fake" for f in errors if f.resource)
    assert {c.sha256 for c in healthy.certificates}  # the live Secrets' certificates were read


def test_denied_secrets_flow_into_the_report(kube, tmp_path):
    result, case = kube_result(kube, tmp_path, lambda api: api.forbidden.add(("secrets", "kuma-system")))
    report = analyse([], OPTIONS, preloaded=result.load)
    assert {r.status for s in report.services for r in s.references} == {ReferenceStatus.NOT_CHECKED}
    notes = [f for f in report.coverage if f.code == "MES905"]
    assert len(notes) == 1
    expected = "listing Secrets in namespace kuma-system was refused (403 Forbidden: secrets is forbidden"
    assert expected in notes[0].message
    assert report.service("default", case.healthy).status is not ServiceStatus.BROKEN


def test_wrong_namespace_is_diagnosed_from_the_name_search(kube, tmp_path):
    def misplace(api):
        original = next(o for o in api.objects["secrets"] if o["metadata"]["name"] == "kuma-cert-1")
        moved = copy.deepcopy(original)
        moved["metadata"].update(name="kuma-cert", namespace="billing")
        api.objects["secrets"].append(moved)

    result, case = kube_result(kube, tmp_path, misplace)
    report = analyse([], OPTIONS, preloaded=result.load)
    statuses = {r.field: r.status for r in report.service("default", case.broken).references}
    assert statuses["clientCert"] is ReferenceStatus.WRONG_NAMESPACE
    assert statuses["clientKey"] is ReferenceStatus.NOT_FOUND


def test_a_local_fixed_secret_overlays_the_live_state(kube, tmp_path):
    result, case = kube_result(kube, tmp_path)
    fixed = []
    for secret in (o for o in kube[0].objects["secrets"] if o["metadata"]["name"] in ("kuma-cert-1", "kuma-key-1")):
        doc = copy.deepcopy(secret)
        doc["metadata"]["name"] = doc["metadata"]["name"].removesuffix("-1")
        fixed.append(doc)
    overlay = [Source("what-if", "fixed-secrets.json", json.dumps({"kind": "List", "items": fixed}).encode())]
    before = analyse([], OPTIONS, preloaded=result.load)
    after = analyse(overlay, OPTIONS, preloaded=result.load)
    assert before.service("default", case.broken).status is ServiceStatus.BROKEN
    repaired = after.service("default", case.broken)
    assert repaired.status is ServiceStatus.HEALTHY
    assert {r.matched.origin.source for r in repaired.references} == {"what-if"}
    assert result.load.resources  # the live result itself is not changed by the overlay
    assert len(after.resources) == len(before.resources) + 2


def test_kuma_api_version_drives_auto_detection_and_the_2_9_cascade(kuma):
    api, server = kuma
    case = fill_kuma(api)
    result = fetch(KumaApiSpec(server.url, token="admin-token-Zq9", timeout=FAST), now=NOW)
    report = analyse([], OPTIONS, preloaded=result.load)
    assert report.kuma_version == "2.9"
    assert "control plane reports Kuma 2.9.3" in report.version_reason
    broken, healthy = report.service("default", case.broken), report.service("default", case.healthy)
    assert broken.status is ServiceStatus.BROKEN
    assert healthy.included_on_2_9 is False and healthy.dropped_by is not None  # the #12821 cascade


def test_kuma_api_denied_secrets_give_mes905_with_the_user(kuma):
    api, server = kuma
    fill_kuma(api)
    result = fetch(KumaApiSpec(server.url, token="user-token-Kp2", timeout=FAST), now=NOW)
    report = analyse([], OPTIONS, preloaded=result.load)
    (note,) = [f for f in report.coverage if f.code == "MES905"]
    assert 'user "alice/mesh-system:authenticated" cannot access the resource of type "Secret"' in note.message


def test_digest_is_stable_for_the_same_content_and_changes_with_it(kuma):
    api, server = kuma
    fill_kuma(api)
    spec = KumaApiSpec(server.url, token="admin-token-Zq9", timeout=FAST)
    first = fetch(spec, now=NOW)
    later = fetch(spec, now=NOW.replace(hour=13))
    assert first.digest == later.digest and first.fetched_at != later.fetched_at
    api.by_mesh["default"]["meshexternalservices"][0]["spec"]["endpoints"][0]["port"] = 8443
    assert fetch(spec, now=NOW).digest != first.digest
    denied = fetch(KumaApiSpec(server.url, timeout=FAST), now=NOW)
    assert denied.digest != first.digest


def test_several_sources_combine_in_order(kube, kuma, tmp_path):
    kube_api, kube_server = kube
    fill_kube(kube_api)
    kuma_api, kuma_server = kuma
    fill_kuma(kuma_api)
    specs = [KubeSpec(kubeconfig=str(write_kubeconfig(tmp_path / "kc", kube_server.url)), timeout=FAST),
             KumaApiSpec(kuma_server.url, timeout=FAST)]
    combined = fetch_all(specs, now=NOW)
    assert combined.label == f"kube:fake + {kuma_server.url}"
    assert combined.counts["MeshExternalService"] == 4
    assert combined.load.detected_version == "2.9.3"
    assert combined.load.secrets.value == "denied"  # one refusal is enough to leave references unchecked
    assert {r.origin.source for r in combined.load.resources} == {"kube:fake", kuma_server.url}
