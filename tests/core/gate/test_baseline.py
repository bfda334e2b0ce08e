"""`mesdoctor check --baseline REPORT.json`: new, unchanged and resolved findings (code + resource + path,
never the message), what counts for --fail-on, `--fail-on new`, and bad baselines (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gate_inputs import NOW_ARG, annotated, chain, run, write
from tests.incident import mes as mes_doc
from tests.incident import secret

K = ".kuma-system"


@pytest.fixture()
def base(tmp_path: Path) -> Path:
    """The baseline: the chain as the main branch has it (b and d fail)."""
    write(tmp_path / "main", chain())
    path = tmp_path / "baseline.json"
    code, _, _ = run("check", str(tmp_path / "main"), "--format", "json", "-o", str(path), "--now", NOW_ARG,
                     "--kuma-version", "2.9", "--no-config")
    assert code == 1 and path.exists()
    return path


def check(tmp_path: Path, base: Path, files: dict[str, str], *extra: str) -> tuple[int, dict, str]:
    write(tmp_path / "pr", files)
    code, out, err = run("check", str(tmp_path / "pr"), "--baseline", str(base), "--format", "json",
                         "--now", NOW_ARG, "--kuma-version", "2.9", "--no-config", *extra)
    return code, json.loads(out), err


def states(data: dict) -> list[tuple[str, str, str]]:
    return sorted((f["baselineState"], f["code"], f["resource"]["name"] if f["resource"] else "-")
                  for f in data["findings"])


def test_the_same_input_has_nothing_new_and_passes(tmp_path, base):
    code, data, _ = check(tmp_path, base, chain())
    assert code == 0  # six errors, all in the baseline
    assert {s for s, _, _ in states(data)} == {"unchanged"}
    assert data["gate"]["baseline"] == {"file": str(base), "now": "2026-06-01T12:00:00Z", "kumaVersion": "2.9",
                                        "zone": "default", "new": 0, "unchanged": 6, "resolved": 0,
                                        "resolvedFindings": []}
    assert data["gate"]["counted"] == 0


def test_a_new_culprit_is_new_and_fails_its_fix_is_resolved(tmp_path, base):
    # a's Secret name gets a typo (a new culprit, before b); b's Secret is created (b fixed)
    files = chain(**{"a.yaml": mes_doc("a", ca="ca-okk"), "secrets.yaml": secret("ca-ok") + "---\n" + secret("ca-b")})
    code, data, _ = check(tmp_path, base, files)
    assert code == 1
    new = [(c, n) for s, c, n in states(data) if s == "new"]
    assert new == [("MES201", "a"), ("MES501", "a"), ("MES502", "b")]  # b is now a victim of a
    resolved = sorted((f["code"], f["resource"]["name"]) for f in data["gate"]["baseline"]["resolvedFindings"])
    assert resolved == [("MES201", "b"), ("MES501", "b")]
    # c, d, e were dropped by b and now by a: same code, resource and path, another message -> unchanged
    assert ("unchanged", "MES502", "c") in states(data)
    assert data["gate"]["baseline"]["new"] == 3 and data["gate"]["baseline"]["resolved"] == 2
    assert data["gate"]["counted"] == 3


def test_only_new_findings_count_at_each_threshold(tmp_path, base):
    files = chain(**{"aa.yaml": mes_doc("aa").replace("  endpoints: [{address: api.aa.example, port: 443}]\n", "")})
    code, data, _ = check(tmp_path, base, files)  # f routes nowhere (a warning, MES150)
    assert [(c, n) for s, c, n in states(data) if s == "new"] == [("MES150", "aa")]
    assert code == 0  # --fail-on error: no new error
    assert check(tmp_path, base, files, "--fail-on", "warning")[0] == 1
    assert check(tmp_path, base, files, "--fail-on", "new")[0] == 1
    assert check(tmp_path, base, chain(), "--fail-on", "new")[0] == 0


def test_a_new_finding_that_is_suppressed_does_not_count(tmp_path, base):
    f = annotated(mes_doc("aa").replace("  endpoints: [{address: api.aa.example, port: 443}]\n", ""),
                  "MES150: endpoints come with the next release")
    code, data, _ = check(tmp_path, base, chain(**{"aa.yaml": f}), "--fail-on", "new")
    assert code == 0
    mes150 = next(x for x in data["findings"] if x["code"] == "MES150")
    assert mes150["baselineState"] == "new" and mes150["suppression"]["source"] == "annotation"


def test_the_table_and_markdown_say_what_is_new_and_resolved(tmp_path, base):
    files = chain(**{"secrets.yaml": secret("ca-ok") + "---\n" + secret("ca-b")})  # b fixed
    write(tmp_path / "pr", files)
    args = ("check", str(tmp_path / "pr"), "--baseline", str(base), "--now", NOW_ARG, "--kuma-version", "2.9",
            "--no-config")
    code, table, _ = run(*args)
    assert code == 1  # d is the culprit now: its MES501 is new (its MES201 and e's MES502 are not)
    assert "baseline " + str(base) + ": 1 new, 2 unchanged, 4 resolved" in table
    assert "✖ MES501 NEW MeshExternalService kuma-system/d" in table
    assert "✔ resolved MES201 MeshExternalService kuma-system/b" in table
    code, markdown, _ = run(*args, "--format", "markdown")
    assert "## Merge gate" in markdown and "**1 new**" in markdown and "Resolved since the baseline:" in markdown


def test_fail_on_new_needs_a_baseline_and_a_bad_baseline_is_a_usage_error(tmp_path):
    write(tmp_path / "m", chain())
    code, _, err = run("check", str(tmp_path / "m"), "--fail-on", "new")
    assert code == 2 and "--fail-on new needs --baseline" in err
    (tmp_path / "x.json").write_text('{"kind": "List", "items": []}')
    code, _, err = run("check", str(tmp_path / "m"), "--baseline", str(tmp_path / "x.json"))
    assert code == 2 and "not a MES Doctor JSON report" in err
    (tmp_path / "y.json").write_text("{nope")
    assert "not a JSON report" in run("check", str(tmp_path / "m"), "--baseline", str(tmp_path / "y.json"))[2]
    (tmp_path / "z.json").write_text('{"schemaVersion": 2, "findings": []}')
    assert "schema version 2" in run("check", str(tmp_path / "m"), "--baseline", str(tmp_path / "z.json"))[2]
    code, _, err = run("check", str(tmp_path / "m"), "--baseline", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err


def test_a_baseline_for_another_target_is_noted(tmp_path, base):
    code, _, err = check(tmp_path, base, chain(), "--kuma-version", "2.14")
    assert "the baseline " in err and "Kuma 2.9 (now 2.14)" in err
    assert code in (0, 1)
