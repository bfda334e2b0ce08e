"""The watcher's endpoints and cycle, in process: a watcher reading the loopback Kuma API server (the motivating
incident), what each endpoint answers before and after the first analysis, a failed read that keeps the last good
state and says so (metrics, headers, log), the probes, and reading the report back as the dashboard and
`mesdoctor check --report-url` do (core/watch/client.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from core.live import KumaApiSpec, LiveSourceError
from core.options import AnalysisOptions
from core.report.snapshot import from_snapshot
from core.watch.client import WatcherSpec, fetch_report
from core.watch.loop import Watcher, WatchInputs
from core.watch.metrics import registry
from core.watch.server import WatchServer, parse_listen
from core.watch.state import WatchState
from tests.core.live.conftest import FAST, fill_kuma, kuma  # noqa: F401 - the loopback Kuma API fixture
from tests.core.live.servers import Reply, clear_proxies
from tests.core.watch.helpers import parse, series
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "admin-token-Zq9"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


class Running:
    def __init__(self, watcher: Watcher, server: WatchServer, lines: list[str]) -> None:
        self.watcher, self.server, self.lines = watcher, server, lines
        self.url = f"http://127.0.0.1:{server.port}"

    def get(self, path: str, *, method: str = "GET", accept: str = "") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, method=method, headers={"Accept": accept} if accept else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def start(inputs: WatchInputs, *, stuck_after: float = 900.0) -> Running:
    lines: list[str] = []
    state = WatchState(source=inputs.describe(), interval=60)
    watcher = Watcher(inputs, AnalysisOptions(now=NOW), state, lines.append)
    server = WatchServer(state, registry(state), "127.0.0.1", 0, stuck_after=stuck_after)
    server.start()
    return Running(watcher, server, lines)


@pytest.fixture
def kuma_watcher(kuma) -> Iterator[tuple[Running, object]]:  # noqa: F811
    api, kuma_server = kuma
    fill_kuma(api)
    running = start(WatchInputs(specs=[KumaApiSpec(kuma_server.url, token=TOKEN, timeout=FAST)]))
    try:
        yield running, api
    finally:
        running.server.stop()


def test_before_the_first_analysis(kuma_watcher):
    running, _ = kuma_watcher
    assert running.get("/healthz")[0] == 200
    status, _, body = running.get("/readyz")
    assert status == 503 and b"no analysis yet" in body
    status, headers, body = running.get("/report.json")
    assert status == 503 and headers["retry-after"] == "10" and "error" in json.loads(body)
    assert running.get("/snapshot.json")[0] == 503
    status, _, body = running.get("/metrics")
    assert status == 200 and b"mesdoctor_build_info" in body and b"mesdoctor_service_status" not in body


def test_endpoints_after_an_analysis(kuma_watcher):
    running, _ = kuma_watcher
    assert running.watcher.cycle()
    assert running.get("/readyz")[:1] == (200,)
    status, headers, body = running.get("/report.json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert headers["x-mesdoctor-stale"] == "false" and headers["x-mesdoctor-analysed-at"].endswith("Z")
    report = json.loads(body)
    schema = json.loads((ROOT / "core/report/report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert {s["name"]: s["status"] for s in report["services"]} == {"billing": "broken", "payments": "broken"}
    assert report["kumaVersion"] == "2.9"  # the control plane reports 2.9.3
    status, _, body = running.get("/snapshot.json")
    restored, options = from_snapshot(body)
    assert [s.resource.name for s in restored.services] == ["billing", "payments"]
    assert options.now == restored.now
    assert running.get("/", method="HEAD")[0] == 200
    assert running.get("/nothing")[0] == 404
    assert running.get("/metrics", method="POST")[0] == 405
    status, headers, body = running.get("/metrics", accept="application/openmetrics-text; version=1.0.0")
    assert headers["content-type"].startswith("application/openmetrics-text") and body.rstrip().endswith(b"# EOF")
    samples = parse(running.get("/metrics")[2].decode())
    roles = {dict(k)["name"]: dict(k)["role"] for k in series(samples, "mesdoctor_service_cascade_role")}
    assert roles == {"billing": "culprit", "payments": "victim"}
    line = json.loads(running.lines[-1])
    assert line["event"] == "analysis" and line["outcome"] == "ok" and line["mes"] == 2 and line["broken"] == 2
    assert line["culprits"] == 1 and line["failingSecretReferences"] == 2 and line["findings"]["error"] >= 1
    assert TOKEN not in "".join(running.lines)


def test_a_failed_read_keeps_the_last_good_state_and_says_so(kuma_watcher):
    running, api = kuma_watcher
    assert running.watcher.cycle()
    good = running.get("/report.json")[2]
    api.overrides["/"] = Reply(500, b"database is down", {"Content-Type": "text/plain"})
    assert not running.watcher.cycle()
    status, headers, body = running.get("/report.json")
    assert status == 200 and body == good and headers["x-mesdoctor-stale"] == "true"
    samples = parse(running.get("/metrics")[2].decode())
    assert samples[("mesdoctor_source_up", ())] == 0 and samples[("mesdoctor_report_stale", ())] == 1
    assert samples[("mesdoctor_source_errors_total", ())] == 1
    assert samples[("mesdoctor_analyses_total", (("outcome", "ok"),))] == 1
    assert ("mesdoctor_last_error_timestamp_seconds", ()) in samples
    failed = json.loads(running.lines[-1])
    assert failed["outcome"] == "failed" and failed["stage"] == "read" and "500" in failed["error"]
    assert failed["served"]  # the analysis still served
    assert running.get("/readyz")[0] == 200  # it still has a report to serve
    found = fetch_report(WatcherSpec(running.url, timeout=FAST))
    assert found.stale and found.analysed_at is not None
    del api.overrides["/"]
    assert running.watcher.cycle()
    assert running.get("/report.json")[1]["x-mesdoctor-stale"] == "false"


def test_healthz_fails_when_a_cycle_hangs(kuma):  # noqa: F811
    _api, kuma_server = kuma
    running = start(WatchInputs(specs=[KumaApiSpec(kuma_server.url, timeout=FAST)]), stuck_after=0.0)
    try:
        running.watcher.state.cycle_started()
        status, _, body = running.get("/healthz")
        assert status == 503 and b"running for" in body
    finally:
        running.server.stop()


def test_reading_a_watchers_report(kuma_watcher):
    running, _ = kuma_watcher
    with pytest.raises(LiveSourceError, match="no report yet"):
        fetch_report(WatcherSpec(running.url, timeout=FAST))
    running.watcher.cycle()
    found = fetch_report(WatcherSpec(running.url + "/", timeout=FAST))
    assert [s.resource.name for s in found.report.services] == ["billing", "payments"]
    assert not found.stale and len(found.digest) == 64 and found.size > 0
    assert fetch_report(WatcherSpec(running.url + "/snapshot.json", timeout=FAST)).digest == found.digest
    with pytest.raises(LiveSourceError, match="not a snapshot"):
        fetch_report(WatcherSpec(running.url + "/report.json", timeout=FAST))


def test_reading_something_else_says_so(kuma):  # noqa: F811
    _, kuma_server = kuma
    with pytest.raises(LiveSourceError, match="is this a MES Doctor watcher"):
        fetch_report(WatcherSpec(kuma_server.url, timeout=FAST))
    with pytest.raises(LiveSourceError, match="link-local"):
        fetch_report(WatcherSpec("http://169.254.169.254:9469", timeout=FAST))
    with pytest.raises(LiveSourceError, match="only http"):
        fetch_report(WatcherSpec("file:///etc/passwd"))


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:9469", ("127.0.0.1", 9469)), (":9469", ("", 9469)), ("9469", ("", 9469)),
    ("[::1]:9469", ("::1", 9469)), ("*:80", ("", 80)),
])
def test_parse_listen(text, expected):
    assert parse_listen(text) == expected
