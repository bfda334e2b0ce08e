"""The builder through the whole pipeline (loader, validator, secret resolver) on manifest files."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.analysis import analyse
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

DATA = Path(__file__).resolve().parents[2] / "data" / "builder"

# (file, zone, version, included, {excluded name: reason}, lost filter chains, codes that must appear)
TABLE = [
    ("cascade-kubernetes.yaml", "default", "2.9", ["kong-1"], {"kong": "tls-load-failed"}, [], {"MES501"}),
    ("cascade-universal.yaml", "default", "2.9", [], {"kong": "tls-load-failed", "kong-1": "cascade"}, [],
     {"MES501", "MES502"}),
    ("cascade-universal.yaml", "default", "2.10", ["kong-1"], {"kong": "tls-load-failed"}, ["kong-1"],
     {"MES501", "MES503"}),
    ("cascade-universal.yaml", "default", "2.12", ["kong-1"], {"kong": "tls-load-failed"}, [], {"MES501"}),
    ("zones-and-meshes.yaml", "zone-1", "2.14", ["api"], {"remote": "unreachable-zone", "plain": "no-mtls"}, [],
     {"MES401", "MES504"}),
    ("zones-and-meshes.yaml", "zone-1", "2.11", ["api"], {"remote": "unreachable-zone", "plain": "no-mtls"},
     [], {"MES401", "MES504"}),
    ("zones-and-meshes.yaml", "zone-1", "3.0", ["api", "plain", "remote"], {}, [], {"MES406", "MES904"}),
]


@pytest.mark.parametrize(("file", "zone", "version", "included", "excluded", "lost", "must"), TABLE)
def test_pipeline(file, zone, version, included, excluded, lost, must) -> None:
    path = DATA / file
    report = analyse([Source("test", file, path.read_bytes())],
                     AnalysisOptions(kuma_version=version, zone=zone, now=NOW))
    emap = report.endpoint_map

    def name(key: str) -> str:
        return key.rsplit("/", 1)[-1].split(".")[0]

    assert sorted(name(k) for k in emap.included) == sorted(included)
    assert {name(k): e.reason for k, e in emap.excluded.items()} == excluded
    assert sorted(name(k) for k in emap.lost_filter_chains) == lost
    assert must <= {f.code for f in report.findings}
