"""Destination tags in the JSON report (an additive field of the public contract)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from core.analysis import analyse
from core.options import AnalysisOptions
from core.report.json_report import report_dict
from core.sources import Source
from tests.factories import NOW

SCHEMA = json.loads((Path(__file__).parents[3] / "core" / "report" / "report.schema.json").read_text())

MANIFESTS = """\
type: Mesh
name: default
mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}
---
type: MeshExternalService
name: api
mesh: default
labels: {team: payments}
spec:
  match: {port: 443, protocol: tcp}
  endpoints: [{address: api.example.com, port: 443}]
---
type: MeshExternalService
name: broken
mesh: default
spec:
  match: {port: 0, protocol: tcp}
  endpoints: [{address: b.example.com, port: 443}]
"""


def _json(version: str) -> dict:
    report = analyse([Source("test", "tags.yaml", MANIFESTS.encode())],
                     AnalysisOptions(kuma_version=version, zone="zone-1", now=NOW))
    data = report_dict(report)
    jsonschema.validate(data, SCHEMA)
    return data


@pytest.mark.parametrize(("version", "mesh_tag"), [("2.9", True), ("2.14", True), ("3.0", False)])
def test_tags_per_service_and_per_destination(version: str, mesh_tag: bool) -> None:
    data = _json(version)
    api = next(s for s in data["services"] if s["name"] == "api")
    tags = api["tags"]
    assert tags["team"] == "payments" and tags["kuma.io/zone"] == "zone-1" and tags["kuma.io/origin"] == "zone"
    assert tags.get("mesh") == ("default" if mesh_tag else None)
    destination = next(d for d in data["endpointMaps"]["target"]["destinations"] if d["service"] == "api")
    assert destination["tags"] == tags
    for d in data["endpointMaps"]["kuma29"]["destinations"]:
        assert d["tags"]["mesh"] == "default"  # the 2.9 comparison map always adds it


def test_tags_are_null_without_a_destination() -> None:
    broken = next(s for s in _json("2.14")["services"] if s["name"] == "broken")
    assert broken["included"] is False and broken["destination"] is None and broken["tags"] is None


def test_schema_rejects_non_string_tag_values() -> None:
    data = _json("2.14")
    data["services"][0]["tags"] = {"team": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
