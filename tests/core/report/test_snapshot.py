"""Snapshots (`core.report.snapshot`): the JSON report plus what the pages need, opened again to the same
Report; no key material; untrusted files give a one-line `SnapshotError`, never another exception."""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import random
import re
import typing
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from core import sample
from core.analysis import analyse
from core.model import Kind, Report, Resource
from core.options import AnalysisOptions
from core.report import snapshot
from core.report.json_report import report_dict, to_json
from core.report.snapshot import SNAPSHOT_VERSION, SnapshotError, from_snapshot, to_snapshot
from core.sources import Source
from tests.factories import NOW
from tests.scenarios import key_fragments, motivating_case

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "core" / "report" / "report.schema.json").read_text())
CASES = [("incident", "2.9"), ("incident", "2.14"), ("incident", "3.0"), ("gallery", "2.9"), ("gallery", "2.14"),
         ("gallery", "3.0")]
ZONES = {"incident": "eu-west-1", "gallery": "default"}


@cache
def analysed(name: str, version: str) -> tuple[Report, AnalysisOptions]:
    options = AnalysisOptions(now=NOW, kuma_version=version, zone=ZONES[name])
    return analyse(sample.sample_sources(NOW, name), options), options


@cache
def saved(name: str, version: str) -> bytes:
    return to_snapshot(*analysed(name, version))


def same(a: Any, b: Any, path: str = "report") -> None:
    """Every init field of every object equal, types included (Resources compare by identity otherwise)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            if f.init:
                same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert type(b) is dict and list(a) == list(b), path
        for k, v in a.items():
            same(v, b[k], f"{path}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert type(a) is type(b) and a == b, (path, a, b)


# --- round trip -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "version"), CASES)
def test_round_trip_gives_the_same_report_field_by_field(name, version):
    report, options = analysed(name, version)
    restored, restored_options = from_snapshot(saved(name, version))
    same(report, restored)
    assert restored_options == dataclasses.replace(options, now=report.now)
    assert report_dict(restored) == report_dict(report), "every key of the JSON contract"


@pytest.mark.parametrize(("name", "version"), CASES)
def test_the_pages_read_the_same(name, version):
    """What the pages read, spelled out (the field-by-field test above covers it; this says what matters)."""
    report, _ = analysed(name, version)
    restored, _ = from_snapshot(saved(name, version))
    for before, after in zip(report.services, restored.services, strict=True):
        for field in ("status", "included", "admission_valid", "reachable", "destination", "findings", "references",
                      "certificates", "tls_mode", "earliest_expiry", "included_on_2_9", "dropped_by", "log_lines"):
            assert getattr(after, field) == getattr(before, field), (before.resource.name, field)
        assert after.resource.redacted_manifest() == before.resource.redacted_manifest()
        assert (after.resource.key, after.resource.labels, after.resource.created_at) == (
            before.resource.key, before.resource.labels, before.resource.created_at)
    for attr in ("secret_references", "certificates", "findings", "coverage", "documents"):
        assert getattr(restored, attr) == getattr(report, attr), attr
    for attr in ("endpoint_map", "legacy_map", "isolated_map"):
        same(getattr(report, attr), getattr(restored, attr), attr)
    assert (restored.isolated_map is None) is (version != "2.9")


def test_shared_objects_are_shared_again():
    restored, _ = from_snapshot(saved("incident", "2.9"))
    by_id = {id(r) for r in restored.resources}
    assert all(id(s.resource) in by_id for s in restored.services)
    service_findings = {id(f) for s in restored.services for f in s.findings}
    assert service_findings <= {id(f) for f in restored.findings}
    assert [id(r) for s in restored.services for r in s.references] == [id(r) for r in restored.secret_references]
    text = saved("incident", "2.9").decode()
    assert text.count('"fraud-scoring-client-key"') < 12, "references are written once, not once per list"


def test_the_options_are_kept_with_the_report_s_clock():
    report, _ = analysed("incident", "2.9")
    options = AnalysisOptions(kuma_version="2.9", zone="eu-west-1", expiry_warning_days=12)
    _, restored = from_snapshot(to_snapshot(report, options))
    assert restored == dataclasses.replace(options, now=report.now)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_float_json_has_no_text_for_is_refused(value):
    """orjson writes the snapshot and would turn NaN into null; a float field refuses it, as json.dumps with
    allow_nan=False did."""
    report, _ = analysed("incident", "2.9")
    options = AnalysisOptions(limits=dataclasses.replace(AnalysisOptions().limits, max_parse_seconds=value))
    with pytest.raises(ValueError, match="not JSON compliant"):
        to_snapshot(report, options)


def test_a_gate_s_baseline_is_written_by_the_standard_library():
    """A gate's baseline is a previous report read back as it is: its NaN is refused as before, not nulled."""
    import copy

    from core.gate.result import Baseline, GateResult

    report, options = analysed("incident", "2.9")
    gated = copy.copy(report)  # `analysed` is shared between tests
    gated.gate = GateResult(baseline=Baseline("old.json", None, None, None, []))
    assert json.loads(to_snapshot(gated, options))["gate"]["baseline"]["file"] == "old.json"
    gated.gate.resolved = [{"code": "MES201", "location": {"line": math.nan}}]
    with pytest.raises(ValueError, match="not JSON compliant"):
        to_snapshot(gated, options)


# --- a valid report for tools ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "version"), CASES[:2])
def test_a_snapshot_is_a_valid_json_report(name, version):
    data = json.loads(saved(name, version))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
    report, _ = analysed(name, version)
    assert {k: v for k, v in data.items() if k not in ("snapshotVersion", "snapshot")} == json.loads(to_json(report))
    assert data["snapshotVersion"] == SNAPSHOT_VERSION
    assert set(data["snapshot"]) == {"options", "report", "tables"}


# --- no key material ------------------------------------------------------------------------------------


def _private_keys(name: str) -> list[bytes]:
    keys = []
    for source in sample.sample_sources(NOW, name):
        for doc in yaml.safe_load_all(source.data):
            for item in (doc["items"] if isinstance(doc, dict) and isinstance(doc.get("items"), list) else [doc]):
                if not isinstance(item, dict) or item.get("kind", item.get("type")) != "Secret":
                    continue
                values = [item["data"]] if isinstance(item.get("data"), str) else [
                    *(item.get("data") or {}).values(), *(item.get("stringData") or {}).values()]
                for value in values:
                    text = value if "-----BEGIN" in str(value) else _b64(value)
                    keys += [m.group(0).encode() for m in _KEY.finditer(text)]
    return keys


_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----\n?", re.S)


def _b64(value: Any) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8", "replace")
    except ValueError:
        return ""


@pytest.mark.parametrize("name", ["gallery", "incident"])
def test_no_key_material_in_a_snapshot(name):
    keys = _private_keys(name)
    assert len(keys) >= 5, "the sample holds private keys: the check is not vacuous"
    for version in ("2.9", "2.14"):
        text = saved(name, version).decode()
        assert "PRIVATE KEY-----" not in text  # (the label itself is named in MES308 messages)
        for key in keys:
            for fragment in key_fragments(key):
                assert fragment not in text, fragment[:12]
        assert "<redacted: " in text, "the Secrets' manifests are there, redacted"


def test_unredacted_material_in_a_report_or_a_hand_made_snapshot_is_redacted():
    report, options = analysed("gallery", "2.14")
    pem = _private_keys("gallery")[0].decode()
    secret = next(r for r in report.resources if r.kind is Kind.SECRET)
    leaky = dataclasses.replace(secret, raw={**secret.raw, "data": {"value": base64.b64encode(pem.encode()).decode()}})
    report = dataclasses.replace(report, resources=[leaky if r is secret else r for r in report.resources])
    text = to_snapshot(report, options).decode()
    assert base64.b64encode(pem.encode()).decode()[:40] not in text
    # a snapshot edited by hand to carry a key: redacted again on opening
    data = json.loads(saved("gallery", "2.14"))
    table = data["snapshot"]["tables"]["Resource"]
    index = next(i for i, r in enumerate(table) if r["kind"] == "Secret")
    table[index]["raw"]["data"] = {"value": pem}
    table[index]["raw"]["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": pem}
    table[index]["payload"] = {"secret_type": "Opaque", "data": {"value": pem}}
    restored, _ = from_snapshot(json.dumps(data).encode())
    opened = next(r for r in restored.resources if r.name == table[index]["name"] and r.kind is Kind.SECRET)
    assert pem not in json.dumps(opened.raw) and opened.payload is not None and opened.payload.data is None


# --- untrusted input ------------------------------------------------------------------------------------


def _report_only() -> bytes:
    return to_json(analysed("incident", "2.14")[0]).encode()


def _edited(change) -> bytes:
    data = json.loads(saved("incident", "2.14"))
    change(data)
    return json.dumps(data).encode()


def _set(path: list[Any], value: Any):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


HOSTILE = {
    "empty": b"",
    "not utf-8": b"\xff\xfe\x00garbage",
    "not json": b"services: [a, b]\n",
    "truncated": None,  # filled below
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "huge integer": b'{"snapshotVersion": 1' + b"0" * 5000 + b"}",
    "array": b"[1, 2, 3]",
    "string": b'"snapshot"',
    "foreign object": b'{"apiVersion": "v1", "kind": "List", "items": []}',
    "plain report": None,
    "version text": b'{"snapshotVersion": "1", "snapshot": {}}',
    "newer version": b'{"snapshotVersion": 99, "snapshot": {}}',
    "version zero": b'{"snapshotVersion": 0, "snapshot": {}}',
    "no snapshot part": b'{"snapshotVersion": 1}',
    "no report": b'{"snapshotVersion": 1, "snapshot": {"options": {}}}',
    "tables not an object": b'{"snapshotVersion": 1, "snapshot": {"tables": [], "report": {}}}',
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_give_a_one_line_error(case):
    data = HOSTILE[case]
    if case == "truncated":
        data = saved("incident", "2.14")[: len(saved("incident", "2.14")) // 2]
    if case == "plain report":
        data = _report_only()
    with pytest.raises(SnapshotError) as caught:
        from_snapshot(data)
    message = str(caught.value)
    assert message and "\n" not in message and len(message) < 300, message
    if case == "plain report":
        assert "JSON report, not a snapshot" in message
    if case == "newer version":
        assert "newer MES Doctor" in message


@pytest.mark.parametrize(("change", "expected"), [
    (_set(["snapshot", "report", "services"], "nope"), "snapshot.report.services should be a list"),
    (_set(["snapshot", "report", "now"], "yesterday"), "snapshot.report.now is not a date/time"),
    (_set(["snapshot", "report", "zone"], 7), "snapshot.report.zone should be a string, not a number"),
    (_set(["snapshot", "report", "services", 0, "status"], "sick"), "is not a ServiceStatus"),
    (_set(["snapshot", "report", "services", 0, "resource"], 10 ** 6), "not an index into the Resource table"),
    (_set(["snapshot", "report", "services", 0, "resource"], True), "not an index into the Resource table"),
    (_set(["snapshot", "tables", "Finding", 0, "severity"], None), "is not a Severity"),
    (_set(["snapshot", "tables", "Resource"], {"a": 1}), "snapshot.tables.Resource is an object, not a list"),
    (_set(["snapshot", "tables", "Exclusion", 0, "destination"], 0), None),  # a valid reference: opens
    (_set(["snapshot", "report", "expiry_warning_days"], 1.5), "should be an integer"),
    (_set(["snapshot", "options", "limits", "max_parse_seconds"], "fast"), "should be a number"),
    (_set(["snapshot", "report", "now"], None), "snapshot.report.now should be a date/time, not null"),
])
def test_damaged_snapshots_name_the_place(change, expected):
    data = _edited(change)
    if expected is None:
        from_snapshot(data)
        return
    with pytest.raises(SnapshotError, match=re.escape(expected)):
        from_snapshot(data)


def test_size_limit():
    data = saved("incident", "2.14")
    with pytest.raises(SnapshotError, match="larger than the snapshot limit"):
        from_snapshot(data, max_bytes=len(data) - 1)
    assert from_snapshot(data, max_bytes=len(data))[0].services


def test_not_bytes():
    with pytest.raises(SnapshotError, match="expected bytes"):
        from_snapshot(None)  # type: ignore[arg-type]
    assert from_snapshot(saved("incident", "2.14").decode())[0].services, "text is accepted too"


def test_randomly_damaged_snapshots_open_or_fail_cleanly():
    """Thousands of random edits of a real snapshot: each opens, or fails with a SnapshotError."""
    rng = random.Random(13)
    case = motivating_case(NOW)  # small (two MES, a 2.9 target: every map): many edits in little time
    options = AnalysisOptions(now=NOW, kuma_version="2.9")
    data = json.loads(to_snapshot(analyse([Source("t", "case.yaml", case.yaml.encode())], options), options))
    inner = data["snapshot"]
    nodes: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            nodes.append((node, key))
            walk(value)

    walk(inner)
    garbage = [None, True, -1, 2 ** 40, 1.5, "", "x", "2026-01-01T00:00:00", [], {}, [None], {"a": None}]
    outcomes = {"opened": 0, "refused": 0}
    for _ in range(1500):
        parent, key = rng.choice(nodes)
        saved_value = parent[key]
        parent[key] = rng.choice(garbage)
        try:
            from_snapshot(json.dumps(data).encode())
            outcomes["opened"] += 1
        except SnapshotError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        finally:
            parent[key] = saved_value
    assert outcomes["opened"] and outcomes["refused"], outcomes


def test_an_older_snapshot_without_a_field_opens():
    data = json.loads(saved("incident", "2.14"))
    del data["snapshot"]["report"]["inputs_digest"]  # has a default
    del data["snapshot"]["report"]["version_reason"]  # required: the empty text
    for entry in data["snapshot"]["tables"]["Resource"]:
        del entry["created_at"]
    data["snapshot"]["report"]["a_field_from_the_future"] = {"x": 1}
    restored, _ = from_snapshot(json.dumps(data).encode())
    assert restored.inputs_digest == "" and restored.version_reason == ""
    assert all(r.created_at is None for r in restored.resources)


# --- every model type has a codec -----------------------------------------------------------------------


def _model_types(root: type, seen: set[type]) -> None:
    if root in seen or not dataclasses.is_dataclass(root):
        return
    seen.add(root)
    hints = typing.get_type_hints(root)
    for f in dataclasses.fields(root):
        stack = [hints[f.name]]
        while stack:
            tp = stack.pop()
            stack.extend(typing.get_args(tp))
            if isinstance(tp, type):
                _model_types(tp, seen)


def test_every_type_of_the_report_and_options_has_a_codec():
    """Fails right after a merge that adds a model field of a type the snapshot cannot write (a set, bytes, a
    class that is not a dataclass): add its case in core/report/snapshot.py `_compile`."""
    seen: set[type] = set()
    _model_types(Report, seen)
    _model_types(AnalysisOptions, seen)
    assert Resource in seen and len(seen) > 10
    for cls in seen:
        snapshot._codec(cls)  # raises TypeError naming the field


def test_a_snapshot_of_now_survives_the_wall_clock():
    now = datetime.now(UTC)
    report = analyse(sample.sample_sources(now), AnalysisOptions(zone="eu-west-1"))
    restored, options = from_snapshot(to_snapshot(report, AnalysisOptions(zone="eu-west-1")))
    assert restored.now == report.now and options.now == report.now


@pytest.mark.parametrize("dense", ['[{},{},{}', '[[],[],[]', '{"a":[{"b":{}},{"c":[]}'])
def test_json_far_denser_in_objects_than_a_snapshot_is_refused_before_parsing(dense):
    """`[{},{},…]` takes 20 times its size and more to parse; a snapshot holds an object or list per 100-140
    characters (tests/core/hardening/test_memory.py measures the refusal's memory)."""
    data = ('{"snapshotVersion": 1, "x": ' + dense * 20_000 + "}").encode()
    with pytest.raises(SnapshotError, match="far more than a snapshot of that size holds"):
        from_snapshot(data)
    big = saved("incident", "2.14")
    text = big.decode()
    assert (text.count("{") + text.count("[")) * snapshot.MIN_CHARS_PER_CONTAINER * 3 < len(text), \
        "real snapshots are at least three times sparser than the limit"
