"""`mesdoctor check` with live sources: flags, overlay, exit codes, one-line errors, no token leaks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from core.cli import main
from tests.core.live.conftest import fill_kube, fill_kuma, write_kubeconfig
from tests.core.live.servers import LoopbackServer, Reply
from tests.factories import NOW

TOKEN = "admin-token-Zq9"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--now", NOW.isoformat(), "--live-timeout", "0.5", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_kube_context_reads_the_cluster(kube, tmp_path):
    api, server = kube
    case = fill_kube(api)
    path = write_kubeconfig(tmp_path / "kc", server.url)
    code, out, err = run("--kubeconfig", str(path), "--kube-context", "fake", "--format", "json")
    assert code == 1, err  # the broken MES is an error
    report = json.loads(out)
    names = {s["name"]: s["status"] for s in report["services"]}
    assert names == {case.healthy: "healthy", case.broken: "broken"}
    assert err == ""


def test_kube_notes_go_to_stderr(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    api.forbidden.add(("meshes", "*"))
    code, out, err = run("--kubeconfig", str(write_kubeconfig(tmp_path / "kc", server.url)), "--kube")
    assert err.startswith("mesdoctor: note: Mesh resources not read: 403 Forbidden")
    assert code == 1 and out


def test_kuma_url_with_token_from_the_environment(kuma, monkeypatch):
    api, server = kuma
    fill_kuma(api)
    monkeypatch.setenv("KUMA_API_TOKEN", TOKEN)
    code, out, err = run("--kuma-url", server.url, "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    assert report["kumaVersion"] == "2.9" and "control plane reports Kuma 2.9.3" in report["kumaVersionReason"]
    origins = {(s["origin"]["source"], s["origin"]["file"]) for s in report["services"]}
    assert origins == {(server.url, "/meshes/default/meshexternalservices")}
    assert all(datetime.fromisoformat(s["origin"]["fetchedAt"].replace("Z", "+00:00")) for s in report["services"])
    schema = json.loads((Path(__file__).resolve().parents[3] / "core/report/report.schema.json").read_text())
    jsonschema.validate(report, schema)  # live origins (no line, fetchedAt) fit the public contract
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert TOKEN not in out and TOKEN not in err


def test_live_errors_exit_2_with_one_line_and_never_the_token(kuma, monkeypatch):
    api, server = kuma
    fill_kuma(api)
    secret = "wrong-token-Yy5-do-not-print"
    monkeypatch.setenv("KUMA_API_TOKEN", secret)
    code, out, err = run("--kuma-url", server.url)
    assert code == 2 and out == ""
    assert err == (f"mesdoctor: {server.url}: GET /: 401 Unauthorized: Unauthorized: invalid authentication data: "
                   "token is not valid; the API token was rejected\n")
    assert secret not in err


@pytest.mark.parametrize("format_", ["json", "markdown", "sarif", "junit", "table"])
def test_the_token_is_in_no_report_format(kuma, monkeypatch, format_):
    api, server = kuma
    fill_kuma(api)
    monkeypatch.setenv("KUMA_API_TOKEN", TOKEN)
    code, out, err = run("--kuma-url", server.url, "--format", format_)
    assert code == 1
    assert TOKEN not in out and TOKEN not in err


def test_url_plus_local_overlay(tmp_path):
    from tests.core.live.conftest import _case

    case = _case("kubernetes")
    fixed = tmp_path / "fixed.yaml"
    docs = case.yaml.split("---\n")
    fixed.write_text("---\n".join(d.replace("kuma-cert-1", "kuma-cert").replace("kuma-key-1", "kuma-key")
                                  for d in docs if "kind: Secret" in d))
    with LoopbackServer(lambda r: Reply(200, case.yaml.encode())) as server:
        code, out, _ = run("--url", f"{server.url}/incident.yaml", "--format", "json")
        assert code == 1
        code, out, _ = run("--url", f"{server.url}/incident.yaml", str(fixed), "--format", "json")
    assert code == 0, out
    assert {s["status"] for s in json.loads(out)["services"]} == {"healthy"}


@pytest.mark.parametrize(("argv", "message"), [
    (["--url", "file:///etc/passwd"], "mesdoctor: file:///etc/passwd: file:// is not allowed; only http:// and "
                                      "https:// URLs are read\n"),
    (["--kuma-url", "http://127.0.0.1:9"], "refused"),
    (["--in-cluster", "--kube-context", "x"], "mesdoctor: error: --in-cluster cannot be combined with"),
    (["--kuma-insecure"], "mesdoctor: error: --kuma-insecure needs --kuma-url\n"),
    (["--kuma-url", "http://x", "--kuma-insecure", "--kuma-ca-file", "ca.pem"], "exclude each other"),
    (["--kube", "--live-timeout", "0"], "--live-timeout must be more than 0"),
    ([], "nothing to check"),
])
def test_usage_and_source_errors_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_kubeconfig_exits_2(tmp_path):
    code, _, err = run("--kubeconfig", str(tmp_path / "none"))
    assert code == 2 and err.startswith("mesdoctor: kubeconfig: no kubeconfig at")


def test_installed_command_runs_without_a_traceback(tmp_path):
    """The console entry point in a fresh interpreter: a refused connection is one line, exit 2."""
    done = subprocess.run([sys.executable, "-m", "core", "check", "--kuma-url", "http://127.0.0.1:9",
                           "--live-timeout", "0.5"], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 2
    assert done.stderr.startswith("mesdoctor: http://127.0.0.1:9: connection to 127.0.0.1:9 refused")
    assert "Traceback" not in done.stderr and done.stdout == ""
