"""End to end: a real Prometheus (Debian's) scrapes a real watcher that reads the loopback Kuma API server, with
the shipped alert rules; Prometheus' HTTP API must then hold the expected series and a firing alert.

The control plane (Kuma 2.9.3) holds the motivating incident, dated 400 days back: `billing`'s Secrets are missing
(a cascade culprit on 2.9), `payments` is its victim and its client certificate expired 200 days ago, so
MESDoctorCertificateExpired (no `for:`) fires at the first rule evaluation after a scrape. Bounded in time: every
wait gives up after DEADLINE seconds."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.live import KumaApiSpec
from core.options import AnalysisOptions
from core.watch.loop import Watcher, WatchInputs
from core.watch.metrics import registry
from core.watch.server import WatchServer
from core.watch.state import WatchState
from tests.core.live.servers import KumaApi, LoopbackServer, clear_proxies
from tests.deploy.tools import tool
from tests.scenarios import motivating_case
from tests.tools.processes import stop

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0
TOKEN = "admin-token-Zq9"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def watcher() -> Iterator[tuple[WatchServer, Any]]:
    api = KumaApi(admin_token=TOKEN, version="2.9.3")
    case = motivating_case(datetime.now(UTC) - timedelta(days=400), flavour="universal")
    api.load([d for d in yaml.safe_load_all(case.yaml) if d])
    with LoopbackServer(api) as kuma:
        state = WatchState(source=kuma.url, interval=2, dashboard_link="https://mesdoctor.example.com/Services?service=")
        running = Watcher(WatchInputs(specs=[KumaApiSpec(kuma.url, token=TOKEN, timeout=5)]), AnalysisOptions(),
                          state, lambda _line: None)
        assert running.cycle()
        server = WatchServer(state, registry(state), "127.0.0.1", 0, stuck_after=900)
        server.start()
        try:
            yield server, case
        finally:
            server.stop()


@pytest.fixture
def prometheus(watcher, tmp_path) -> Iterator[str]:
    server, _ = watcher
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(ROOT / "deploy" / "prometheus" / "rules.yaml")],
        "scrape_configs": [{"job_name": "mesdoctor-watcher", "honor_labels": True,
                            "static_configs": [{"targets": [f"127.0.0.1:{server.port}"]}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen([tool("prometheus"), f"--config.file={tmp_path / 'prometheus.yml'}",
                                f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
                                "--log.level=warn"], stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait(lambda: api(url, "/-/ready", raw=True), "Prometheus to be ready", process)
        yield url
    finally:
        stop(process)
        log.close()


def api(base: str, path: str, raw: bool = False, **params: str) -> Any:
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    try:
        with urllib.request.urlopen(base + path + query, timeout=5) as answer:
            body = answer.read()
    except OSError:
        return None
    return body if raw else json.loads(body)["data"]


def wait(check: Any, what: str, process: subprocess.Popen[bytes] | None = None) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"prometheus exited with {process.returncode} while waiting for {what}")
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what} after {DEADLINE:g} s")


def test_prometheus_scrapes_the_watcher_and_fires_an_alert(prometheus, watcher):
    _, case = watcher

    def vector(query: str) -> list[dict[str, Any]]:
        data = api(prometheus, "/api/v1/query", query=query)
        return data["result"] if data else []

    up = wait(lambda: vector('up{job="mesdoctor-watcher"} == 1'), "a successful scrape")
    assert up[0]["metric"]["instance"].startswith("127.0.0.1:")
    broken = vector('mesdoctor_service_status{status="broken"} == 1')
    assert {r["metric"]["name"] for r in broken} == {"billing", "payments"}  # the culprit and its 2.9 victim
    roles = {r["metric"]["name"]: r["metric"]["role"] for r in vector("mesdoctor_service_cascade_role")}
    assert roles == {"billing": "culprit", "payments": "victim"}
    expiry = vector("mesdoctor_certificate_not_after_timestamp_seconds")
    assert [(r["metric"]["service"], float(r["value"][1])) for r in expiry] == [
        ("payments", case.cert_not_after.timestamp())]
    assert vector('mesdoctor_analysis_info{kuma_version="2.9"}')

    def firing() -> list[dict[str, Any]]:
        data = api(prometheus, "/api/v1/alerts")
        return [a for a in (data or {}).get("alerts", []) if a["state"] == "firing"
                and a["labels"]["alertname"] == "MESDoctorCertificateExpired"]

    alert = wait(firing, "MESDoctorCertificateExpired to fire")[0]
    assert alert["labels"]["service"] == "payments" and alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["description"].endswith(
        "Details: https://mesdoctor.example.com/Services?service=default%2Fpayments")
    assert vector('mesdoctor_secret_reference_failing{service="billing",reason="not-found"}')

    def pending() -> set[str]:  # each rule group is evaluated on its own schedule
        data = api(prometheus, "/api/v1/alerts")
        found = {a["labels"]["alertname"] for a in (data or {}).get("alerts", []) if a["state"] == "pending"}
        return found if {"MESDoctorCascadeCulprit", "MESDoctorSecretReferenceFailing"} <= found else set()

    wait(pending, "the cascade and secret reference alerts to be pending (their `for:` has not passed)")
