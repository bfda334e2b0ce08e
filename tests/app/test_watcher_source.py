"""The dashboard's watcher source (ui/watcher.py): a running watcher's report opened from the Live tab (a URL in
local mode, a configured name in shared mode, nothing else), shown read only on every page with its freshness,
Refresh, a stale watcher said so, and the alerts' deep link `?watcher=<name>&service=<mesh>/<name>`."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.options import AnalysisOptions
from core.watch.loop import Watcher, WatchInputs
from core.watch.metrics import registry
from core.watch.server import WatchServer
from core.watch.state import WatchState
from tests.app.conftest import assert_clean, clear_deployment, new_app, texts, unescape
from tests.factories import NOW
from ui import live, state
from ui import watcher as watcher_ui

SOURCES = "pages/1_Sources.py"
SERVICES = "pages/2_Services.py"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_deployment(monkeypatch)


@pytest.fixture
def running() -> Iterator[tuple[str, Watcher]]:
    state_ = WatchState(source="sample:incident", interval=60)
    watcher = Watcher(WatchInputs(sample="incident"), AnalysisOptions(now=NOW), state_, lambda _line: None)
    assert watcher.cycle()
    server = WatchServer(state_, registry(state_), "127.0.0.1", 0, stuck_after=900)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", watcher
    finally:
        server.stop()


def shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    path = tmp_path / "mesdoctor.yaml"
    path.write_text(textwrap.dedent(f"""
        watchers:
          eu-west-1: "{url}"
    """))
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    monkeypatch.setenv("MESDOCTOR_CONFIG", str(path))


def current(at: Any) -> state.Input:
    return at.session_state[state.PREFIX + "input"]


def watcher_tab() -> Any:
    at = new_app()
    at.switch_page(SOURCES).run()
    at.radio(key=live.KIND_KEY).set_value("watcher").run()
    assert_clean(at)
    return at


def test_local_mode_opens_a_watchers_report_by_url(running):
    url, watcher = running
    at = watcher_tab()
    at.text_input(key=watcher_ui.URL_KEY).set_value(url)
    at.button(key="w.watcher.open").click().run()
    assert_clean(at)
    data = current(at)
    assert data.kind == "watcher" and data.watcher.spec.url == url and not data.watcher.stale
    assert len(data.snapshot.services) == 12 and data.is_snapshot and not data.is_live
    shown = unescape(texts(at))
    assert "Watcher" in shown and "read only" in shown
    at.switch_page("app.py").run()
    assert_clean(at)
    overview = unescape(texts(at))
    assert "fraud-scoring" in overview and "its analysis of" in overview  # the incident card, from the watcher
    digest = current(at).snapshot_digest
    at.button(key="w.sidebar.watcher_refresh").click().run()
    assert current(at).snapshot_digest == digest and current(at).watcher.checked_at is not None
    watcher.state.failed("kube:in-cluster: connection refused", NOW, source_error=True)
    at.button(key="w.sidebar.watcher_refresh").click().run()
    assert current(at).watcher.stale
    assert "last read of its source failed" in unescape(texts(at))


def test_a_wrong_url_says_why_and_keeps_the_input():
    at = watcher_tab()
    at.text_input(key=watcher_ui.URL_KEY).set_value("http://169.254.169.254:9469")
    at.button(key="w.watcher.open").click().run()
    assert_clean(at)
    assert current(at).kind == "sample"
    assert any("link-local" in unescape(str(e.value)) for e in at.error)


def test_shared_mode_offers_only_the_configured_watchers(running, tmp_path, monkeypatch):
    url, _ = running
    shared(monkeypatch, tmp_path, url)
    at = watcher_tab()
    assert list(at.radio(key=live.KIND_KEY).options) == [live.KIND_TITLES["watcher"]]
    assert not [w for w in at.text_input if str(w.key).startswith(("w.watcher", "w.live"))]
    box = at.selectbox(key=watcher_ui.NAME_KEY)
    assert list(box.options) == [f"eu-west-1 · {url}"] and box.value is None
    assert at.button(key="w.watcher.open").disabled
    box.set_value("eu-west-1").run()
    at.button(key="w.watcher.open").click().run()
    assert_clean(at)
    assert current(at).watcher.name == "eu-west-1" and current(at).label == "Watcher eu-west-1"


def test_the_alerts_deep_link_opens_the_watcher_and_the_service(running, tmp_path, monkeypatch):
    url, _ = running
    shared(monkeypatch, tmp_path, url)
    at = new_app()
    at.switch_page(SERVICES)
    at.query_params["watcher"] = "eu-west-1"
    at.query_params["service"] = "default/fraud-scoring"
    at.run()
    assert_clean(at)
    assert current(at).watcher.name == "eu-west-1"
    assert "watcher" not in at.query_params
    assert "fraud-scoring-clientcert" in unescape(texts(at))  # the MES's detail: its failing reference
    at.query_params["watcher"] = "nope"
    at.run()
    assert "No watcher named" in unescape(texts(at))
