"""Live sources carry creation and modification times to the loaded resources (`Resource.created_at` /
`modified_at`): the Kubernetes API's creationTimestamp and managedFields (trimmed to who and when), the Kuma
API's creationTime / modificationTime."""

from __future__ import annotations

from datetime import UTC, datetime

from core.live import KubeSpec, KumaApiSpec, fetch
from core.model import Kind
from tests.core.live.conftest import FAST, fill_kube, fill_kuma, write_kubeconfig
from tests.factories import NOW

T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_live_kubernetes_times(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    for obj in api.objects["meshexternalservices"]:
        obj["metadata"]["creationTimestamp"] = "2026-03-01T10:00:00Z"
        obj["metadata"]["managedFields"] = [
            {"manager": "kubectl", "operation": "Update", "time": "2026-04-01T10:00:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:endpoints": {}}}},
            {"manager": "kuma-cp", "operation": "Update", "subresource": "status", "time": "2026-05-01T10:00:00Z"}]
    result = fetch(KubeSpec(kubeconfig=str(write_kubeconfig(tmp_path / "kc", server.url)), timeout=FAST), now=NOW)
    services = [r for r in result.load.resources if r.kind is Kind.MESH_EXTERNAL_SERVICE]
    assert services and all(r.created_at == T1 for r in services)
    assert all(r.modified_at == datetime(2026, 4, 1, 10, 0, tzinfo=UTC) for r in services)
    assert all("fieldsV1" not in str(r.raw) for r in services), "field sets are not kept"


def test_live_kuma_api_times(kuma):
    api, server = kuma
    fill_kuma(api)
    for items in api.by_mesh.values():
        for collection in items.values():
            for item in collection:
                item["creationTime"] = "2026-03-01T10:00:00.000000001Z"
                item["modificationTime"] = "2026-03-01T12:00:00+02:00"
    result = fetch(KumaApiSpec(server.url, token="admin-token-Zq9", timeout=FAST), now=NOW)
    services = [r for r in result.load.resources if r.kind in (Kind.MESH_EXTERNAL_SERVICE, Kind.SECRET)]
    assert services and all(r.created_at == T1 and r.modified_at == T1 for r in services)
    assert len(result.load.resources) == sum(result.counts.values()), "every resource still loaded"
