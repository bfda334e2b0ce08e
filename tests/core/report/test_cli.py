"""The mesdoctor CLI: formats, options and exit codes (0 ok, 1 findings at threshold, 2 usage)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from tests.factories import NOW
from tests.scenarios import key_fragments, motivating_case

VALID = (
    "type: MeshExternalService\nname: httpbin\nmesh: default\n"
    "spec:\n  match: {port: 80, protocol: http}\n  endpoints: [{address: 1.2.3.4, port: 80}]\n"
)
WARNING_ONLY = (  # accepted, but routes nowhere (MES150)
    "type: MeshExternalService\nname: nowhere\nmesh: default\nspec:\n  match: {port: 80, protocol: http}\n"
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def incident(tmp_path: Path) -> Path:
    case = motivating_case(NOW)
    (tmp_path / "incident.yaml").write_text(case.yaml)
    (tmp_path / "key.pem").write_bytes(case.key_pem)  # not a manifest suffix: never read
    return tmp_path


def test_errors_exit_1_and_the_table_names_the_missing_secrets(incident):
    code, out, _ = run("check", str(incident), "--now", NOW.isoformat())
    assert code == 1
    assert "kuma-cert" in out and "kuma-key" in out
    assert "Secret references" in out and "Certificates" in out
    assert NOW.strftime("%Y") in out  # certificate dates are printed


def test_clean_input_exits_0(tmp_path):
    (tmp_path / "ok.yaml").write_text(VALID)
    code, out, _ = run("check", str(tmp_path / "ok.yaml"))
    assert code == 0, out


def test_fail_on_threshold(tmp_path):
    (tmp_path / "w.yaml").write_text(WARNING_ONLY)
    assert run("check", str(tmp_path), "--fail-on", "error")[0] == 0
    assert run("check", str(tmp_path), "--fail-on", "warning")[0] == 1
    assert run("check", str(tmp_path), "--fail-on", "never")[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ("check",),
        ("check", "/nonexistent/path.yaml"),
        ("check", ".", "--kuma-version", "1.8"),
        ("check", ".", "--now", "yesterday"),
        ("check", ".", "--format", "xml"),
        ("check", ".", "--expiry-warning-days", "-3"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(argv):
    code, _, _ = run(*argv)
    assert code == 2


def test_stdin_and_json(incident, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((incident / "incident.yaml").read_bytes())))
    code, out, _ = run("check", "-", "--format", "json", "--kuma-version", "2.9", "--now", NOW.isoformat())
    data = json.loads(out)
    assert code == 1
    assert data["kumaVersion"] == "2.9"
    assert data["summary"]["included"] == 0  # billing sorts first and drops payments on 2.9


def test_output_file_and_formats(incident, tmp_path):
    for fmt, marker in (("markdown", "# MES Doctor incident report"), ("sarif", '"version": "2.1.0"'),
                        ("junit", "<testsuites")):
        target = tmp_path / f"report.{fmt}"
        code, out, _ = run("check", str(incident / "incident.yaml"), "--format", fmt, "--output", str(target))
        assert code == 1 and out == ""
        assert marker in target.read_text()


def test_no_key_material_on_stdout(incident):
    case_key = (incident / "key.pem").read_bytes()
    for fmt in ("table", "json", "markdown", "sarif", "junit", "codequality"):
        _, out, err = run("check", str(incident), "--format", fmt)
        for fragment in key_fragments(case_key):
            assert fragment not in out and fragment not in err


def test_codes_lists_the_catalogue():
    code, out, _ = run("codes", "--format", "json")
    codes = [c["code"] for c in json.loads(out)]
    assert code == 0 and codes == sorted(codes) and "MES201" in codes


def test_python_dash_m_core_runs(tmp_path):
    (tmp_path / "ok.yaml").write_text(VALID)
    proc = subprocess.run([sys.executable, "-m", "core", "check", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "httpbin" in proc.stdout


def test_an_unreadable_file_in_a_directory_is_a_finding_and_the_rest_is_analysed(tmp_path):
    (tmp_path / "ok.yaml").write_text(VALID)
    (tmp_path / "broken.yaml").symlink_to(tmp_path / "gone.yaml")  # dangling: cannot be opened
    code, out, _ = run("check", str(tmp_path), "--format", "json")
    report = json.loads(out)
    assert code == 1  # MES005 is an error
    unreadable = [f for f in report["findings"] if f["code"] == "MES005"]
    assert len(unreadable) == 1 and "broken.yaml" in unreadable[0]["message"]
    assert "cannot read" in unreadable[0]["message"]
    assert [s["name"] for s in report["services"]] == ["httpbin"]  # the readable file is still analysed


def test_an_unreadable_path_given_explicitly_is_a_usage_error(tmp_path):
    (tmp_path / "broken.yaml").symlink_to(tmp_path / "gone.yaml")
    code, _, err = run("check", str(tmp_path / "broken.yaml"))
    assert code == 2 and "broken.yaml" in err


# --- --sample [incident|gallery] ------------------------------------------------------------------------


def _services(*argv: str) -> tuple[int, set[str], str]:
    code, out, err = run("check", *argv, "--format", "json", "--now", NOW.isoformat())
    data = json.loads(out) if out else {}
    return code, {f"{s['mesh']}/{s['name']}" for s in data.get("services", [])}, err


def test_bare_sample_is_the_incident_and_gallery_is_named():
    code, incident, _ = _services("--sample")
    assert code == 1 and "default/fraud-scoring" in incident and len(incident) == 12
    assert _services("--sample", "incident")[1] == incident
    code, gallery, _ = _services("--sample", "gallery")
    assert "demo/partner-api" in gallery and not incident & gallery
    assert _services("--sample=gallery")[1] == gallery
    code, both, _ = _services("--kuma-version", "2.9", "--sample")
    assert both == incident, "--sample followed by an option"


def test_sample_followed_by_a_path_is_the_sample_with_an_overlay(incident):
    _, names, _ = _services("--sample", str(incident / "incident.yaml"))
    assert "default/fraud-scoring" in names and len(names) > 12, "the path is read as input on top of the sample"


def test_an_unknown_sample_is_a_usage_error():
    code, out, err = run("check", "--sample", "galery")
    assert code == 2 and not out
    assert "no sample called 'galery'" in err and "incident or gallery" in err
