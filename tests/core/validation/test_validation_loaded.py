"""Validation of manifests read by the real loader: paths resolve to the right file lines."""

from __future__ import annotations

from core import loading
from core.options import Limits
from core.sources import Source
from tests.core.validation.helpers import DATA, run


def test_findings_point_at_manifest_lines() -> None:
    source = Source("test", "manifests.yaml", (DATA / "manifests.yaml").read_bytes())
    k8s, universal = loading.load([source], Limits()).resources
    assert [(f.code, f.path, f.location) for f in run(k8s, "2.14")] == [
        ("MES113", "spec.match.port", "manifests.yaml:9"),
        ("MES114", "spec.match.protocol", "manifests.yaml:10"),
        ("MES116", "spec.endpoints[0].address", "manifests.yaml:12"),
        ("MES140", "metadata.namespace", "manifests.yaml:6"),
    ]
    assert [(f.code, f.path, f.location) for f in run(universal, "2.14")] == [
        ("MES102", "spec.match.port", "manifests.yaml:20"),
        ("MES103", "spec.endpoints[0].port", "manifests.yaml:21"),
        ("MES143", "name", "manifests.yaml:16"),  # also quotes the RFC 1035 deprecation (one cause)
        ("MES144", 'labels["kuma.io/mesh"]', "manifests.yaml:18"),
    ]
