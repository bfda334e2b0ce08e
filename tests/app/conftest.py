"""Streamlit AppTest helpers: an app on a fixed clock, page switching, and all the text a page shows."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.options import AnalysisOptions
from tests.factories import NOW
from ui import state

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES = [
    "pages/1_Sources.py",
    "pages/2_Services.py",
    "pages/3_Secrets_and_certificates.py",
    "pages/4_Endpoint_map.py",
    "pages/5_Checks.py",
]
TIMEOUT = 90  # seconds; the first run generates the sample PKI


INCIDENT_ZONE = "eu-west-1"  # the zone the default (incident) sample is an export of


def new_app(now: Any = NOW, *, sample: str | None = None, **options: Any) -> AppTest:
    """The dashboard with the analysis clock fixed at `now` (seeded into the permanent options, with any other
    `options`), opened on the bundled sample `sample` when one is named (else on the default sample)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[state.PREFIX + "options"] = AnalysisOptions(now=now, **options)
    if sample is not None:
        from core.sample import sample_sources

        at.session_state[state.PREFIX + "input"] = state.Input(
            kind="sample", sources=sample_sources(now, sample), label=f"Bundled sample data ({sample})")
    return at


@pytest.fixture
def app() -> Iterator[AppTest]:
    at = new_app()
    at.run()
    yield at


def texts(at: AppTest) -> str:
    """Everything a user can read on the current page (prose, alerts, code, tables, metrics, labels)."""
    parts: list[str] = []
    for attr in ("title", "header", "subheader", "markdown", "caption", "text", "code", "error", "warning",
                 "info", "success", "exception"):
        parts.extend(str(e.value) for e in getattr(at, attr))
    for m in at.metric:
        parts.append(f"{m.label} {m.value}")
    for e in at.expander:
        parts.append(str(e.label))
    for df in at.dataframe:
        parts.append(df.value.to_csv(index=False))
    return unescape("\n".join(parts))


def unescape(markdown: str) -> str:
    """Markdown source as read: backslash escapes removed (`kuma\\-cert` → `kuma-cert`), and the invisible word
    joiners that keep autolinks and icon codes from rendering (`core.report.text.defuse`)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def assert_clean(at: AppTest) -> None:
    """No exception escaped and no friendly-error box was drawn."""
    assert not at.exception, [e.value for e in at.exception]
    broken = [e.value for e in at.error if "could not render" in str(e.value)]
    assert not broken, broken


def metric(at: AppTest, label_part: str) -> str:
    for m in at.metric:
        if label_part in m.label:
            return str(m.value)
    raise AssertionError(f"no metric labelled {label_part!r}: {[m.label for m in at.metric]}")


def count_analyses(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Count calls of the analysis pipeline made by the dashboard."""
    calls = {"n": 0}
    original = state.analyse

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(state, "analyse", counting)
    return lambda: calls["n"]


def report_of(at: AppTest, *, baseline: bool = False) -> Any:
    """The report the app is showing (looked up in the shared cache by the session's input and options):
    with what-if layers the what-if report (or the baseline while the app shows it), or with `baseline` the
    one without them."""
    from dataclasses import replace

    from ui import whatif

    data = at.session_state[state.PREFIX + "input"]
    try:
        layers = at.session_state[whatif.LAYERS]
    except KeyError:
        layers = []
    with contextlib.suppress(KeyError):
        baseline = baseline or (bool(layers) and at.session_state[whatif.VIEW] == whatif.BASELINE)
    if baseline:
        data = replace(data, sources=[]) if data.is_live else data
    elif layers:
        data = replace(data, sources=[*data.sources, *(s for layer in layers for s in layer.sources)])
    options = at.session_state[state.PREFIX + "options"]
    session = at.session_state[state.PREFIX + "session"]
    cache = state._report_cache()
    for key in reversed(cache.keys(session)):
        if key.startswith(f"{data.digest}|{options.digest()}|"):
            return cache.get(session, key)
    raise AssertionError("the app's report is not in the cache")


def clear_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy and none of the deployment variables of the machine running the tests."""
    from tests.core.live.servers import clear_proxies

    clear_proxies(monkeypatch)
    for name in ("MESDOCTOR_MODE", "MESDOCTOR_CONFIG", "MESDOCTOR_ALLOW_LINK_LOCAL", "MESDOCTOR_EXPOSE_LOCAL_MODE"):
        monkeypatch.delenv(name, raising=False)
