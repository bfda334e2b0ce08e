"""Real-browser tests: `streamlit run app.py` on a free localhost port, driven by headless Chromium.

Chromium: Debian's /usr/bin/chromium when present, else Playwright's own browser. Without either the
tests are skipped locally but FAIL when the `CI` environment variable is set (never silently skipped
in CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.e2e.serve import ServerFailed, dashboard

SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1440, "height": 900}


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard, started once per test session; yields its base URL."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        with dashboard(log) as base:
            yield base
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        unavailable("playwright is not installed")
    with sync_playwright() as p:
        executable = SYSTEM_CHROMIUM if Path(SYSTEM_CHROMIUM).exists() else shutil.which("chromium")
        if executable is None:
            bundled = Path(p.chromium.executable_path)
            if not bundled.exists():
                unavailable("no Chromium: neither /usr/bin/chromium nor Playwright's browser is installed")
            executable = str(bundled)
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (a fresh Streamlit session) per test."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    context.set_default_timeout(60_000)
    pg = context.new_page()
    yield pg
    context.close()


# --- the 5,000-MES benchmark-style report (tests/e2e/test_scale_report.py) ---------------------------

_SCALE_TIMINGS: list[tuple[str, float, float | None]] = []


def record_scale_timing(what: str, seconds: float, target: float | None) -> None:
    _SCALE_TIMINGS.append((what, seconds, target))


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: object) -> None:
    """Print the timings as a table (informational: speed targets are never test assertions)."""
    if not _SCALE_TIMINGS:
        return
    write = terminalreporter.write_line  # type: ignore[attr-defined]
    terminalreporter.section("dashboard with 5,000 MES (first render after analysis)")  # type: ignore[attr-defined]
    for what, seconds, target in _SCALE_TIMINGS:
        verdict = "" if target is None else ("  PASS" if seconds <= target else "  FAIL") + f" (target {target:g} s)"
        write(f"  {what:<32} {seconds:6.2f} s{verdict}")
