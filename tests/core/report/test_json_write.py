"""The report's JSON text (orjson, core/report/json_write.py) is exactly what `json.dumps(value, indent=2,
ensure_ascii=False)` wrote before: on any plain value, on the sample data and on the hostile corpus, through
`to_json`, `write_json` (in pieces) and the CLI; and it meets the schema."""

from __future__ import annotations

import io
import json
import math
from enum import IntEnum, StrEnum
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analysis import analyse
from core.cli import main
from core.options import AnalysisOptions
from core.report import json_write
from core.report.json_report import report_dict, to_json, write_json
from core.report.json_write import Lazy, Untyped, dumps_indented, write_indented, write_indented_bytes
from core.sample import sample_sources
from core.sources import sources_from_paths
from tests.core.hardening import corpus
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "core" / "report" / "report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _stdlib(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


# every float but the non-finite ones, which json.dumps writes as `NaN`/`Infinity` (not JSON) and orjson as null
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                   st.text())
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(st.text(max_size=8), inner, max_size=4),
), max_leaves=40)


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_same_text_as_json(value):
    assert dumps_indented(value) == _stdlib(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), VALUES, max_size=5), st.lists(VALUES, max_size=5))
def test_written_in_pieces_same_text(head, items):
    value = {**head, "items": Lazy(lambda x: x, items), "nested": {"more": Lazy(lambda x: [x], items)}}
    pieces: list[str] = []
    write_indented(value, pieces.append)
    assert "".join(pieces) == _stdlib({**head, "items": items, "nested": {"more": [[x] for x in items]}})


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, max_size=9), st.integers(min_value=1, max_value=4))
def test_written_in_chunks_same_text_and_bytes(items, chunk):
    """Lazy lists are encoded a chunk of items at a time: any chunk size, at any depth, a chunk that orjson
    refuses or that holds a float it writes differently (one item at a time then) gives json.dumps' text."""
    value = {"items": Lazy(lambda x: x, items), "deep": {"er": {"list": Lazy(lambda x: {"v": [x]}, items)}}}
    expected = _stdlib({"items": items, "deep": {"er": {"list": [{"v": [x]} for x in items]}}})
    old = json_write.CHUNK
    json_write.CHUNK = chunk
    try:
        text: list[str] = []
        write_indented(value, text.append)
        data: list[bytes] = []
        write_indented_bytes(value, data.append)
    finally:
        json_write.CHUNK = old
    assert "".join(text) == expected
    assert b"".join(data) == expected.encode("utf-8")


@pytest.mark.parametrize("odd", [1e-05, "\ud800", 2**70, {1: "non-string key"}])
def test_a_chunk_orjson_cannot_write_is_written_item_by_item(odd):
    items = ["a", {"b": [1, 2]}, odd, "é"]
    data: list[bytes] = []
    write_indented_bytes({"x": Lazy(lambda x: x, items)}, data.append)
    assert b"".join(data) == _stdlib({"x": items}).encode("utf-8", "surrogatepass")


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


@pytest.mark.parametrize("value", [
    {}, [], {"a": {}, "b": []}, "\u2028 \x00 \x7f \"quoted\" \\ é 😀 \t\r\n\b\f", [-0.0, 1e300, 1e16, 1e-4, 0.1],
    [1e-5, 1.5e-5, 1e-6, -2e-7, 5e-324], {"e": Colour.RED, "s": Size.BIG, "t": (1, (2,))},
    [True, False, None, 0, -1, 2**63, -(2**63), 10**30, -(10**30)], "\ud800 a lone surrogate", [[[[[]]]]] * 3,
])
def test_edge_values(value):
    assert dumps_indented(value) == _stdlib(value)


def test_nesting_deeper_than_orjson_takes():
    value: list[object] = ["x"]
    for _ in range(300):  # orjson stops at 255 levels
        value = [value]
    assert dumps_indented(value) == _stdlib(value)


@pytest.mark.parametrize("value", [{1: "a", None: "b", 2.5: "c", False: "d"}, {"x": {"y": [{3: 4}]}},
                                   {Colour.RED: Size.BIG}])
def test_non_string_keys_are_left_to_json(value):
    assert dumps_indented(value) == _stdlib(value)


def test_what_json_refuses_is_still_refused():
    from dataclasses import dataclass
    from datetime import datetime

    @dataclass
    class Point:
        x: int

    for value in ({"a": object()}, {"a": Point(1)}, {"a": NOW}, [datetime(2026, 1, 1)]):
        with pytest.raises(TypeError):
            dumps_indented(value)
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="Circular"):
        dumps_indented({"a": cyclic})


def test_other_indents_are_json_dumps():
    value = {"a": [1, {"b": None}], "c": "é"}
    assert dumps_indented(value, 4) == json.dumps(value, indent=4, ensure_ascii=False)
    assert dumps_indented(value, 0) == json.dumps(value, indent=0, ensure_ascii=False)


def test_untyped_values_are_written_by_json_dumps():
    """The gate's baseline part is a previous report read back with json.load (which accepts NaN): it keeps
    json.dumps' text, NaN and 1e-05 included, in one piece and in pieces alike."""
    read_back = {"line": math.nan, "document": 1e-05, "x": [math.inf]}
    pieces: list[str] = []
    write_indented({"gate": Untyped(read_back), "n": 1}, pieces.append)
    assert "".join(pieces) == _stdlib({"gate": read_back, "n": 1})
    assert "NaN" in "".join(pieces) and "1e-05" in "".join(pieces)


# --- the report itself ------------------------------------------------------------------------------------------


def _inputs() -> dict[str, list]:
    return {
        "gallery": sources_from_paths([str(ROOT / "sample_data" / "gallery")]),
        "incident": sample_sources(NOW, "incident"),
        "gallery-sample": sample_sources(NOW, "gallery"),
    }


@pytest.mark.parametrize("name", ["gallery", "incident", "gallery-sample"])
@pytest.mark.parametrize("version", ["auto", "2.9", "3.0"])
def test_sample_report_is_todays_text_and_meets_the_schema(name, version):
    report = analyse(_inputs()[name], AnalysisOptions(kuma_version=version, now=NOW))
    text = to_json(report)
    assert text == _stdlib(report_dict(report))  # what json.dumps wrote before orjson
    pieces: list[str] = []
    write_json(report, pieces.append)
    assert "".join(pieces) == text + "\n"
    VALIDATOR.validate(json.loads(text))


def test_cli_json_is_todays_text_on_the_sample():
    out = io.StringIO()
    assert main(["check", str(ROOT / "sample_data" / "gallery"), "--format", "json", "--now", "2026-06-01T12:00:00Z"],
                stdout=out, stderr=io.StringIO()) == 1
    data = json.loads(out.getvalue())
    assert out.getvalue() == _stdlib(data) + "\n"  # key order, indentation, escapes: json.dumps' own text
    VALIDATOR.validate(data)


@pytest.mark.parametrize("name", corpus.case_files())
def test_hostile_corpus_report_is_todays_text(name):
    report = corpus.run([corpus.baseline_source(), corpus.case_source(name)])
    text = to_json(report)
    assert text == _stdlib(report_dict(report))
    pieces: list[str] = []
    write_json(report, pieces.append)
    assert "".join(pieces) == text + "\n"


def test_cli_writes_the_same_bytes_to_a_file_and_to_standard_output(tmp_path):
    """The CLI writes orjson's bytes straight to the binary stream under its output file or standard output: the
    same text as `to_json`, and the same through a StringIO (no binary stream under it)."""
    import subprocess
    import sys

    args = ["check", str(ROOT / "sample_data" / "gallery"), "--format", "json", "--now", "2026-06-01T12:00:00Z"]
    main([*args, "-o", str(tmp_path / "report.json")], stdout=io.StringIO(), stderr=io.StringIO())
    in_file = (tmp_path / "report.json").read_bytes()
    through_text = io.StringIO()
    main(args, stdout=through_text, stderr=io.StringIO())
    run = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, cwd=ROOT, check=False)
    assert run.returncode == 1 and run.stdout == in_file == through_text.getvalue().encode("utf-8")
    assert in_file.decode("utf-8") == _stdlib(json.loads(in_file)) + "\n"


@pytest.mark.parametrize("name", ["gallery", "incident"])
def test_other_json_outputs_keep_json_dumps_text(name, monkeypatch):
    """SARIF, GitLab code quality and the diff are written by orjson too (`dumps_indented`): json.dumps' text; the
    snapshot is orjson's compact JSON, which reads back as the same value as the standard library's."""
    from core.report.codequality import codequality_list, to_codequality
    from core.report.diff import diff_reports
    from core.report.diff_text import DiffSide, to_diff_json
    from core.report.sarif import sarif_dict, to_sarif
    from core.report.snapshot import from_snapshot, to_snapshot

    options = AnalysisOptions(kuma_version="2.9", now=NOW)
    report = analyse(_inputs()[name], options)
    assert to_sarif(report) == _stdlib(sarif_dict(report))
    assert to_codequality(report) == _stdlib(codequality_list(report)) + "\n"
    after = analyse(_inputs()[name], AnalysisOptions(kuma_version="2.10", now=NOW))
    diff = diff_reports(report_dict(report), report_dict(after))
    text = to_diff_json(diff, DiffSide("before", report_dict(report)), DiffSide("after", report_dict(after)))
    assert text == _stdlib(json.loads(text)) + "\n"
    snapshot = to_snapshot(report, options)
    assert to_json(from_snapshot(snapshot)[0]) == to_json(report)

    refused: list[object] = []

    def refuse(value: object) -> bytes:
        refused.append(value)
        raise TypeError("refused")

    monkeypatch.setattr("core.report.snapshot.orjson.dumps", refuse)  # the standard library's text instead
    by_json = to_snapshot(report, options)
    assert refused and json.loads(by_json) == json.loads(snapshot)
