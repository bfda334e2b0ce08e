"""Malformed inputs (tests/data/malformed/): the expected findings, lines and what still loads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import yaml

from core.model import DocumentStatus, Kind
from core.options import Limits

from .helpers import MALFORMED, load_bytes

EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((MALFORMED / "expected.yaml").read_text())
NOTHING_LOADS = {"empty.yaml", "only-separators.yaml", "binary-file.yaml", "utf16-without-bom.yaml", "too-large.yaml"}


def test_the_table_covers_every_fixture_and_enough_of_them() -> None:
    fixtures = {p.name for p in MALFORMED.iterdir() if p.suffix in (".yaml", ".json") and p.name != "expected.yaml"}
    assert fixtures == set(EXPECTED)
    assert len(fixtures) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_input(name: str) -> None:
    expected = EXPECTED[name]
    limits = replace(Limits(), **expected.get("limits", {}))
    data = (MALFORMED / name).read_bytes()
    result = load_bytes(name, data, limits)

    assert sorted(f.code for f in result.findings) == expected["codes"], [f.message for f in result.findings]
    if result.findings:
        first = result.findings[0]
        assert first.origin is not None and first.origin.file == name
        assert first.origin.line == expected["line"], first.message
        assert first.message
    assert len(result.resources) == expected["resources"], [r.name for r in result.resources]
    assert all(r.kind is Kind.MESH_EXTERNAL_SERVICE for r in result.resources)
    if name not in NOTHING_LOADS:
        assert any(marker in data for marker in (b"kind: MeshExternalService", b"type: MeshExternalService",
                                                 b'"MeshExternalService"'))
        assert expected["resources"] >= 1
    # every error that skipped something left a FAILED record; every resource a LOADED one
    failed = [d for d in result.documents if d.status is DocumentStatus.FAILED]
    errors = [f for f in result.findings if f.code in ("MES001", "MES002", "MES004", "MES005")]
    assert len(failed) >= len(errors)
    assert sum(d.status is DocumentStatus.LOADED for d in result.documents) == len(result.resources)
    assert result.documents, "every file leaves at least one record"


def test_syntax_error_in_the_middle_keeps_the_documents_around_it_with_their_lines() -> None:
    result = load_bytes("m.yaml", (MALFORMED / "syntax-middle-doc.yaml").read_bytes())
    one, three = result.resources
    assert (one.name, one.origin.document, one.origin.line) == ("one", 0, 1)
    assert (three.name, three.origin.document, three.origin.line) == ("three", 2, 18)
    assert three.line_of("spec.endpoints[0].port") == 29
    failed = [d for d in result.documents if d.status is DocumentStatus.FAILED]
    assert [(d.origin.document, d.origin.line) for d in failed] == [(1, 15)]


def test_duplicate_key_keeps_the_last_value() -> None:
    result = load_bytes("d.yaml", (MALFORMED / "duplicate-keys.yaml").read_bytes())
    assert result.resources[0].spec["match"]["port"] == 443
    finding = result.findings[0]
    assert finding.path == "spec.match.port" and "line 8" in finding.message
    assert finding.resource is not None and finding.resource.name == "good"


def test_unsafe_tag_never_runs_anything(monkeypatch) -> None:
    import os

    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    load_bytes("p.yaml", (MALFORMED / "python-apply-tag.yaml").read_bytes())
    load_bytes("p.yaml", (MALFORMED / "python-object-tag.yaml").read_bytes())
    assert calls == []


def test_alias_budget_is_a_limit() -> None:
    data = (MALFORMED / "alias-bomb.yaml").read_bytes()
    assert [f.code for f in load_bytes("a.yaml", data, Limits(max_alias_nodes=10)).findings] == ["MES003"]
    small = b"base: &b {port: 80}\nkind: ConfigMap\ndata: {a: *b, b: *b}\n"
    assert load_bytes("s.yaml", small, Limits(max_alias_nodes=10)).findings == []
    assert [f.code for f in load_bytes("s.yaml", small, Limits(max_alias_nodes=3)).findings] == ["MES003"]


def test_depth_limit_is_configurable() -> None:
    data = b"kind: ConfigMap\ndata: {a: {b: {c: 1}}}\n"
    assert load_bytes("d.yaml", data, Limits(max_depth=4)).findings == []
    assert [f.code for f in load_bytes("d.yaml", data, Limits(max_depth=3)).findings] == ["MES003"]


def test_aliases_are_tracked_whatever_the_position_of_the_anchor() -> None:
    levels = "".join(f"- &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(6))
    cases = [
        "type: Secret\nname: a\n---\n--- &r [1, *r]\n",  # recursive root, anchor right after the marker
        "type: Secret\nname: a\n--- &root\n- x\n- &a [l, l, l, l, l, l, l, l, l]\n" + levels,
    ]
    for text in cases:
        result = load_bytes("a.yaml", text.encode(), Limits(max_alias_nodes=1000))
        assert [f.code for f in result.findings] == ["MES003"], result.findings
        assert [r.name for r in result.resources] == ["a"]


def test_ampersands_in_values_are_not_anchors() -> None:
    data = b"type: MeshExternalService\nname: a\nlabels: {q: 'x&y'}\nspec:\n  match: {port: 80}\n  note: a & b\n"
    result = load_bytes("a.yaml", data)
    assert not result.findings and result.resources[0].spec["note"] == "a & b"
