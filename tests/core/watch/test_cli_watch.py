"""`mesdoctor watch` as a process (start line, serving, SIGTERM), `--once`, its usage errors, the dashboard deep
link, and `mesdoctor check --report-url` reading a watcher."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cli import main
from core.cli_watch import dashboard_link
from core.options import AnalysisOptions
from core.watch.loop import Watcher, WatchInputs
from core.watch.metrics import registry
from core.watch.server import WatchServer
from core.watch.state import WatchState
from tests.core.live.servers import clear_proxies
from tests.core.watch.helpers import parse, series
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[3]
BOUND = 60.0  # seconds any wait in these tests may take


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def test_watch_serves_until_sigterm():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESDOCTOR_")}
    process = subprocess.Popen([sys.executable, "-m", "core", "watch", "--sample", "--listen", "127.0.0.1:0",
                                "--interval", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        start = json.loads(process.stderr.readline())
        assert start["event"] == "start" and start["interval"] == 1 and start["source"] == "sample:incident"
        url = f"http://{start['listen']}"
        deadline = time.monotonic() + BOUND
        while get(url + "/readyz")[0] != 200:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        status, body = get(url + "/metrics")
        samples = parse(body.decode())
        assert status == 200 and len(series(samples, "mesdoctor_service_status", status="broken")) == 12
        assert any(n.startswith("process_") for n, _ in samples)  # the process collector too
        time.sleep(1.5)  # at least one more cycle
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=BOUND)
        rest = [json.loads(line) for line in process.stderr.read().splitlines()]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert code == 0
    analyses = [line for line in rest if line["event"] == "analysis"]
    assert len(analyses) >= 2 and all(a["outcome"] == "ok" and a["mes"] == 12 for a in analyses)
    assert rest[-1]["event"] == "stop" and rest[-1]["reason"] == "SIGTERM"


def test_watch_once_prints_the_metrics():
    code, out, err = run("watch", "--sample", "gallery", "--once", "--now", NOW.isoformat())
    assert code == 0, err
    samples = parse(out)
    assert samples[("mesdoctor_source_up", ())] == 1 and series(samples, "mesdoctor_certificate_days_left")
    assert json.loads(err)["outcome"] == "ok"


def test_watch_once_exits_1_when_the_read_fails():
    code, out, err = run("watch", "--kuma-url", "http://127.0.0.1:9", "--once", "--live-timeout", "0.5")
    assert code == 1
    assert parse(out)[("mesdoctor_source_up", ())] == 0
    line = json.loads(err)
    assert line["outcome"] == "failed" and "refused" in line["error"]


@pytest.mark.parametrize(("argv", "message"), [
    (["watch"], "nothing to watch"),
    (["watch", "--sample", "--interval", "0"], "--interval"),
    (["watch", "--sample", "--watcher-name", "eu"], "--watcher-name needs --dashboard-url"),
    (["watch", "--sample", "--dashboard-url", "ftp://x"], "--dashboard-url"),
    (["watch", "--sample", "--listen", "127.0.0.1:http"], "--listen"),
    (["check", "--report-url", "http://127.0.0.1:9", "--sample"], "cannot be combined with --sample"),
])
def test_usage_errors(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == "" and message in err


def test_dashboard_link():
    assert dashboard_link(None, None) == ""
    assert dashboard_link("https://mesdoctor.example.com/", None) == "https://mesdoctor.example.com/Services?service="
    assert (dashboard_link("https://mesdoctor.example.com", "eu-west.1")
            == "https://mesdoctor.example.com/Services?watcher=eu-west.1&service=")


@pytest.fixture
def sample_watcher() -> Iterator[tuple[str, Watcher]]:
    state = WatchState(source="sample:incident", interval=60)
    watcher = Watcher(WatchInputs(sample="incident"), AnalysisOptions(now=NOW), state, lambda _line: None)
    server = WatchServer(state, registry(state), "127.0.0.1", 0, stuck_after=900)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", watcher
    finally:
        server.stop()


def test_check_report_url(sample_watcher):
    url, watcher = sample_watcher
    code, out, err = run("check", "--report-url", url, "--live-timeout", "5")
    assert code == 2 and "no report yet" in err
    assert watcher.cycle()
    code, out, err = run("check", "--report-url", url, "--format", "json")
    assert code == 1 and err == ""  # the incident has errors
    report = json.loads(out)
    assert report["zone"] == "eu-west-1" and len(report["services"]) == 12
    assert report["now"].startswith(NOW.strftime("%Y-%m-%d"))
    culprits = [s["name"] for s in report["services"] if s["cascadeRole"] == "culprit"]
    assert culprits == ["fraud-scoring"]
    code, out, err = run("check", "--report-url", url, "--format", "table", "--kuma-version", "2.14")
    assert code == 1 and "fraud-scoring" in out and "does not apply to a watcher's report" in err
    code, out, err = run("check", "--report-url", url, "--fail-on", "never", "--format", "markdown")
    assert code == 0 and "fraud-scoring" in out
    watcher.state.failed("down", NOW, source_error=True)
    code, out, err = run("check", "--report-url", url, "--format", "json")
    assert "the watcher's last read failed" in err and json.loads(out)["zone"] == "eu-west-1"
