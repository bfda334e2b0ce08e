"""Suppressions (core/gate): the config file and the annotation, globs, ends in the past and the future,
unused and unreadable ones (MES950-MES953), and what still counts for --fail-on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.gate.apply import apply_gate
from core.gate.config import ConfigError, GateConfig, find_config, parse_config
from core.model import Report
from tests.gate_inputs import NOW_ARG, annotated, chain, run, write
from tests.incident import mes as mes_doc
from tests.incident import report

K = ".kuma-system"


def analysed(**replace: str) -> Report:
    return report(*chain(**replace).values(), version="2.9")


def gate(text: str, rep: Report, now: datetime | None = None) -> Report:
    apply_gate(rep, parse_config(text, ".mesdoctor.yaml"), now=now)
    return rep


def suppressed(rep: Report) -> list[tuple[str, str]]:
    assert rep.gate is not None
    return sorted((f.code, f.resource.core_name if f.resource else "-") for f in rep.findings
                  if rep.gate.suppression(f) is not None)


def codes(rep: Report, prefix: str = "MES95") -> list[tuple[str, str]]:
    return sorted((f.code, f.resource.core_name if f.resource else f.path) for f in rep.findings
                  if f.code.startswith(prefix))


# --- the configuration file ----------------------------------------------------------------------------


def test_a_config_suppression_matches_its_codes_and_globs_only():
    rep = gate("""\
suppressions:
  - codes: [MES502]
    reason: victims of b, fixed with b
    mesh: "def*"
    name: "[ce]"
    namespace: "kuma-*"
""", analysed())
    assert suppressed(rep) == [("MES502", "c" + K), ("MES502", "e" + K)]  # d's MES502 is not in the name glob
    mark = rep.gate.suppression(next(f for f in rep.findings if f.code == "MES502"))
    assert (mark.reason, mark.source, mark.origin.file, mark.origin.line) == (
        "victims of b, fixed with b", "config", ".mesdoctor.yaml", 2)
    assert codes(rep) == []


def test_the_name_glob_matches_the_core_name_too_and_no_glob_matches_everywhere():
    rep = gate("suppressions:\n  - {code: MES201, reason: r, name: '*.kuma-system'}\n"
               "  - {code: MES501, reason: everywhere}\n", analysed())
    assert suppressed(rep) == [("MES201", "b" + K), ("MES201", "d" + K), ("MES501", "b" + K)]


def test_a_suppression_matching_nothing_is_mes950():
    rep = gate("suppressions:\n  - {code: MES502, reason: r, namespace: other}\n"
               "  - {code: MES312, reason: nothing expires here}\n", analysed())
    assert suppressed(rep) == []
    assert codes(rep) == [("MES950", "suppressions[0]"), ("MES950", "suppressions[1]")]
    f = next(f for f in rep.findings if f.code == "MES950")
    assert f.severity.value == "warning" and f.origin.file == ".mesdoctor.yaml" and f.origin.line == 2
    assert "matches no finding" in f.message and "namespace other" in f.message


def test_a_file_glob_suppresses_a_finding_without_a_resource(tmp_path):
    files = chain()
    files["broken.yaml"] = "kind: [unclosed\n"
    write(tmp_path / "m", files)
    (tmp_path / ".mesdoctor.yaml").write_text("suppressions:\n  - {code: MES001, reason: a Helm template, "
                                              "file: '*/broken.yaml'}\n")
    code, out, _ = run("check", str(tmp_path / "m"), "--format", "json", "--now", NOW_ARG)
    data = json.loads(out)
    mes001 = next(f for f in data["findings"] if f["code"] == "MES001")
    assert mes001["suppression"]["reason"] == "a Helm template" and mes001["suppression"]["source"] == "config"
    assert data["gate"]["configFile"] == str(tmp_path / ".mesdoctor.yaml")
    assert code == 1  # b, d and the cascade still count


def test_suppressed_findings_stay_in_the_report_and_do_not_count(tmp_path):
    write(tmp_path / "m", chain())
    (tmp_path / ".mesdoctor.yaml").write_text("suppressions:\n  - codes: [MES201, MES501, MES502]\n"
                                              "    reason: migration in progress, see TICKET-12\n")
    code, out, _ = run("check", str(tmp_path / "m"), "--format", "json", "--now", NOW_ARG, "--kuma-version", "2.9")
    assert code == 0
    data = json.loads(out)
    assert len(data["findings"]) == 6 and all(f["suppression"] for f in data["findings"])
    assert data["gate"]["suppressed"] == 6 and data["gate"]["counted"] == 0
    assert data["gate"]["suppressions"][0]["state"] == "active" and data["gate"]["suppressions"][0]["matched"] == 6
    b = next(s for s in data["services"] if s["name"] == "b")
    assert b["status"] == "broken" and b["findings"][0]["suppression"]["reason"].startswith("migration")
    assert data["verdict"]["level"] == "error"  # accepted is not fixed: the verdict stays the mesh's truth
    code, table, _ = run("check", str(tmp_path / "m"), "--now", NOW_ARG, "--kuma-version", "2.9")
    assert code == 0
    assert "suppressed (" in table and "migration in progress, see TICKET-12" in table
    assert "Gate: 6 suppressed by 1 suppression" in table


# --- the annotation ------------------------------------------------------------------------------------


def test_an_annotation_suppresses_its_own_resources_findings_only():
    b = annotated(mes_doc("b", ca="ca-b"), "MES201, MES501: partner creates ca-b on Monday\nMES502: never here")
    rep = analysed(**{"b.yaml": b})
    apply_gate(rep)
    assert suppressed(rep) == [("MES201", "b" + K), ("MES501", "b" + K)]
    mark = rep.gate.suppression(next(f for f in rep.findings if f.code == "MES201"))
    assert mark.source == "annotation" and mark.origin.line is not None and mark.origin.line > 1
    assert codes(rep) == [("MES950", "b" + K)]  # MES502 is on c, d and e, not on b
    unused = next(f for f in rep.findings if f.code == "MES950")
    assert unused.path == 'metadata.annotations["mesdoctor.kuma.io/ignore"]'


def test_several_annotation_entries_each_with_its_own_end():
    b = annotated(mes_doc("b", ca="ca-b"), "MES201 until 2026-06-30: ticket 1\nMES501 until 2026-05-31: ticket 2")
    rep = analysed(**{"b.yaml": b})
    apply_gate(rep)  # the report's now: tests.factories.NOW, 2026-06-01 12:00
    assert suppressed(rep) == [("MES201", "b" + K)]
    assert codes(rep) == [("MES951", "b" + K), ("MES953", "b" + K)]
    expired = next(f for f in rep.findings if f.code == "MES951")
    assert "ended on 2026-05-31" in expired.message and "the 1 finding it covered counts again" in expired.message
    soon = next(f for f in rep.findings if f.code == "MES953")
    assert "ends on 2026-06-30 (in 29 days)" in soon.message and soon.severity.value == "info"


@pytest.mark.parametrize(("value", "why"), [
    ("ignore everything", "expected `CODES [until DATE]: REASON`"),
    ("MES201:", "no reason"),
    ("MES999: r", "unknown code MES999"),
    ("MES950: r", "MES950 cannot be suppressed"),
    ("MES201 until next week: r", "until: not an ISO-8601 date"),
    ("MES2O1: r", "not a finding code: MES2O1"),
])
def test_an_unreadable_annotation_entry_is_mes952_and_suppresses_nothing(value, why):
    b = annotated(mes_doc("b", ca="ca-b"), f"{value}\nMES501: the readable entry still works")
    rep = analysed(**{"b.yaml": b})
    apply_gate(rep)
    assert suppressed(rep) == [("MES501", "b" + K)]
    assert codes(rep) == [("MES952", "b" + K)]
    f = next(f for f in rep.findings if f.code == "MES952")
    assert why in f.message and f.severity.value == "warning"


# --- ends, with --now ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "until", "exit_code", "gate_codes"), [
    ("2026-06-01T12:00:00Z", "2026-06-30", 0, ["MES953"]),  # in force, ends within the 30-day window
    ("2026-06-01T12:00:00Z", "2026-12-31", 0, []),  # in force, far from its end
    ("2026-06-30T23:59:59Z", "2026-06-30", 0, ["MES953"]),  # a date covers that whole day (UTC)
    ("2026-07-01T00:00:00Z", "2026-06-30", 1, ["MES951"]),  # ended: the findings count again
])
def test_an_end_date_in_the_future_and_in_the_past(tmp_path, now, until, exit_code, gate_codes):
    write(tmp_path / "m", chain())
    (tmp_path / ".mesdoctor.yaml").write_text("suppressions:\n  - codes: [MES201, MES501, MES502]\n"
                                              f"    reason: migration\n    until: {until}\n")
    code, out, _ = run("check", str(tmp_path / "m"), "--format", "json", "--now", now, "--kuma-version", "2.9")
    data = json.loads(out)
    assert code == exit_code
    assert sorted(f["code"] for f in data["findings"] if f["code"].startswith("MES95")) == gate_codes
    state = data["gate"]["suppressions"][0]["state"]
    assert state == ("expired" if exit_code else "active")
    assert data["gate"]["suppressions"][0]["until"] == until


def test_an_end_date_time_is_an_instant():
    rep = gate("suppressions:\n  - {code: MES201, reason: r, until: '2026-06-01T12:00:01Z'}\n", analysed())
    assert suppressed(rep) == [("MES201", "b" + K), ("MES201", "d" + K)]
    rep = gate("suppressions:\n  - {code: MES201, reason: r, until: 2026-06-01T12:00:00Z}\n", analysed())
    assert suppressed(rep) == [] and codes(rep) == [("MES951", "suppressions[0]")]
    rep = gate("suppressions:\n  - {code: MES201, reason: r, until: 2026-06-01T12:00:00Z}\n", analysed(),
               now=datetime(2026, 6, 1, 11, 59, tzinfo=UTC))
    assert suppressed(rep) == [("MES201", "b" + K), ("MES201", "d" + K)]


# --- the file is input: strict, clear errors (exit 2) ------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("suppressions:\n  - {code: MES201}\n", ":2: suppressions[0]: `reason` is required"),
    ("suppressions:\n  - {code: MES201, reason: ''}\n", "reason: empty"),
    ("suppressions:\n  - {code: MES201, codes: [MES501], reason: r}\n", "give `code: MESxxx` or `codes:"),
    ("suppressions:\n  - {codes: [], reason: r}\n", "expected a non-empty list of codes"),
    ("suppressions:\n  - {code: MES777, reason: r}\n", "unknown code MES777"),
    ("suppressions:\n  - {code: MES951, reason: r}\n", "MES951 cannot be suppressed"),
    ("suppressions:\n  - {code: MES201, reason: r, until: soon}\n", "until: not an ISO-8601"),
    ("suppressions:\n  - {code: MES201, reason: r, until: 20260630}\n", "until: expected a date"),
    ("suppressions:\n  - {code: MES201, reason: r, mesh: [a]}\n", "mesh: expected text"),
    ("suppressions:\n  - {code: MES201, reason: r, kind: Secret}\n", "unknown key 'kind'"),
    ("suppresions: []\n", "top level: unknown key 'suppresions'"),
    ("suppressions:\n  code: MES201\n", "suppressions: expected a list"),
    ("suppressions:\n  - {code: MES201, reason: a, reason: b}\n", "duplicate key 'reason'"),
    ("version: 2\n", "version: only 1 is known"),
    ("suppressions:\n  - &x {code: MES201, reason: r}\n  - *x\n", "anchors and aliases are not allowed"),
    ("suppressions:\n  - !!python/object:os.system {code: MES201, reason: r}\n", "YAML tags"),
    ("suppressions:\n  - {code: !!str MES201, reason: r}\n", "YAML tags"),
    ("suppressions: [\n", "not valid YAML"),
    ("a: 1\n---\nb: 2\n", "one YAML document expected"),
    ("- just a list\n", "the file: expected a mapping"),
])
def test_config_errors_are_usage_errors_naming_file_and_line(tmp_path, text, message):
    config = tmp_path / "gate.yaml"
    config.write_text(text)
    write(tmp_path / "m", chain())
    code, out, err = run("check", str(tmp_path / "m"), "--config", str(config))
    assert code == 2 and out == ""
    assert err.startswith(f"mesdoctor: error: {config}") and message in err, err


def test_an_empty_config_and_an_empty_list_suppress_nothing():
    assert parse_config("", "x") == GateConfig(path="x")
    assert parse_config("# nothing yet\nsuppressions:\n", "x").suppressions == ()
    assert parse_config("version: 1\nsuppressions: []\n", "x").suppressions == ()


def test_a_missing_or_binary_config_is_a_usage_error(tmp_path):
    write(tmp_path / "m", chain())
    code, _, err = run("check", str(tmp_path / "m"), "--config", str(tmp_path / "nope.yaml"))
    assert code == 2 and "--config" in err and "no such file" in err
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run("check", str(tmp_path / "m"), "--config", str(tmp_path / "bin.yaml"))
    assert code == 2 and "not UTF-8 text" in err


# --- where the file is found ----------------------------------------------------------------------------


def test_the_file_is_found_upwards_from_the_inputs_up_to_the_repository_root(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    inputs = write(repo / "clusters" / "eu" / "mes", chain())
    (repo / ".git").mkdir(parents=True)
    (repo / ".mesdoctor.yaml").write_text("suppressions: []\n")
    (tmp_path / ".mesdoctor.yaml").write_text("suppressions: [oops\n")  # above the repository: never read
    assert find_config([str(inputs)]) == str(repo / ".mesdoctor.yaml")
    assert find_config([str(inputs / "a.yaml"), str(inputs / "b.yaml")]) == str(repo / ".mesdoctor.yaml")
    (repo / ".mesdoctor.yaml").unlink()
    assert find_config([str(inputs)]) is None
    monkeypatch.chdir(inputs)
    assert find_config(["-"]) is None


def test_inputs_under_different_files_are_ambiguous(tmp_path):
    one = write(tmp_path / "one", chain())
    two = write(tmp_path / "two", chain())
    for d in (one, two):
        (d / ".mesdoctor.yaml").write_text("suppressions: []\n")
    with pytest.raises(ConfigError, match=r"different \.mesdoctor\.yaml files"):
        find_config([str(one), str(two)])
    code, _, err = run("check", str(one), str(two))
    assert code == 2 and "--config" in err
    code, _, _ = run("check", str(one), str(two), "--config", str(one / ".mesdoctor.yaml"), "--fail-on", "never")
    assert code == 0


def test_no_config_reads_none_but_annotations_still_apply(tmp_path):
    b = annotated(mes_doc("b", ca="ca-b"), "MES201: r")
    write(tmp_path / "m", chain(**{"b.yaml": b}))
    (tmp_path / ".mesdoctor.yaml").write_text("suppressions: [oops\n")  # broken: only --no-config gets past it
    assert run("check", str(tmp_path / "m"))[0] == 2
    code, out, _ = run("check", str(tmp_path / "m"), "--no-config", "--format", "json", "--now", NOW_ARG)
    assert code == 1  # d's and the cascade's errors still count
    data = json.loads(out)
    assert data["gate"]["configFile"] is None
    assert [f["code"] for f in data["findings"] if f["suppression"]] == ["MES201"]


def test_the_gate_codes_are_documented_and_listed():
    _, out, _ = run("codes", "--format", "json")
    entries = {c["code"]: c for c in json.loads(out)}
    for gate_code in ("MES950", "MES951", "MES952", "MES953"):
        assert entries[gate_code]["category"] == "Coverage and suppressions"
        assert "mesdoctor.kuma.io/ignore" in entries[gate_code]["example"]


def test_a_hostile_reason_is_text_in_every_output():
    value = '"MES201: ok \\e[2J<img src=x>|x\\nMES31: \\e]8;;x"'  # YAML escapes: ESC and a new line
    b = mes_doc("b", ca="ca-b").replace("  namespace: kuma-system\n", "  namespace: kuma-system\n  annotations:\n"
                                        f"    mesdoctor.kuma.io/ignore: {value}\n", 1)
    rep = analysed(**{"b.yaml": b})
    apply_gate(rep)
    assert suppressed(rep) == [("MES201", "b" + K)] and codes(rep) == [("MES952", "b" + K)]
    from core.report.markdown import to_markdown
    from core.report.table import to_table

    table, markdown = to_table(rep), to_markdown(rep)
    assert "\x1b" not in table and "\\x1b[2J<img src=x>|x" in table
    assert "\x1b" not in markdown
    assert "<img" not in markdown.replace("\\<img", "") and "\\<img src=x\\>\\|x" in markdown
