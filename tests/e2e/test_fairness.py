"""Two visitors of one dashboard (two browser contexts, two Streamlit sessions): one visitor's long analysis does
not hold up the other's pages, and an analysis that has to wait for a worker says how many are ahead of it.

The server runs its analyses in one worker process (MESDOCTOR_ANALYSIS_WORKERS=1, core.worker). Visitor A
uploads a large input (5,000 synthetic MES and a 24 MB flow sequence: seconds of analysis); while it runs,
visitor B switches pages, which must be done within a generous bound (a fairness property, not a speed
benchmark: the analysis is off B's script thread and out of the server process), and then uploads a small
file, whose analysis waits behind A's and shows "Queued: 1 analysis ahead of yours". Both end with their own
report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.synthetic import workload
from tests.core.hardening.corpus import baseline_source
from tests.data.hostile.large import MIB, flow_sequence
from tests.e2e.browser import main_text, settle
from tests.e2e.conftest import VIEWPORT
from tests.e2e.serve import ServerFailed, dashboard

pytestmark = pytest.mark.e2e

PAGE_SWITCH_BOUND = 10.0  # seconds; a page switch takes about one on an idle machine


@pytest.fixture(scope="module")
def one_worker_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit-fairness") / "server.log"
    try:
        with dashboard(log, env={"MESDOCTOR_ANALYSIS_WORKERS": "1"}) as base:
            yield base
    except ServerFailed as exc:
        pytest.fail(str(exc))


def _visitor(browser: object) -> tuple[object, object]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    context.set_default_timeout(120_000)
    return context, context.new_page()


def _running(page: object) -> bool:
    return page.locator('[data-testid="stStatusWidget"]').count() > 0  # type: ignore[attr-defined]


def _switch(page: object, label: str, heading: str, deadline: float = 120.0) -> float:
    """Seconds from the navigation click until `heading` is the title and the session stopped running."""
    start = time.monotonic()
    page.locator('[data-testid="stSidebar"] a', has_text=label).first.click()  # type: ignore[attr-defined]
    quiet_since: float | None = None
    while time.monotonic() - start < deadline:
        titles = page.locator('[data-testid="stMainBlockContainer"] h1').all_inner_texts()  # type: ignore[attr-defined]
        if any(heading in t for t in titles) and not _running(page):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 0.15:
                return quiet_since - start
        else:
            quiet_since = None
        time.sleep(0.05)
    pytest.fail(f"{heading} did not render within {deadline:.0f} s")


def _idle(page: object, deadline: float = 900.0) -> None:
    """Wait until the session has not been running for a second (a long analysis included)."""
    start = time.monotonic()
    quiet = 0
    while quiet < 5:
        assert time.monotonic() - start < deadline, "the session kept running"
        quiet = 0 if _running(page) else quiet + 1
        time.sleep(0.2)


def _upload(page: object, files: dict[str, bytes], folder: Path) -> None:
    """Upload through the file picker (from files: Playwright refuses buffers of 50 MB and more in total)."""
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    uploader = page.get_by_label("Manifests or archives")  # type: ignore[attr-defined]  # the Files tab's
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(paths)


def test_a_long_analysis_does_not_hold_up_another_visitor(browser: object, one_worker_server: str,
                                                          tmp_path: Path) -> None:
    heavy = dict(workload(5_000, "kubernetes", now=datetime.now(UTC)).files)
    heavy["zz-flow.yaml"] = flow_sequence(24 * MIB)
    context_a, a = _visitor(browser)
    context_b, b = _visitor(browser)
    try:
        b.goto(one_worker_server)  # type: ignore[attr-defined]
        settle(b)
        a.goto(f"{one_worker_server}/Sources")  # type: ignore[attr-defined]
        settle(a)

        (tmp_path / "a").mkdir()
        _upload(a, heavy, tmp_path / "a")
        a.locator('[data-testid="stProgress"]').first.wait_for(timeout=180_000)  # type: ignore[attr-defined]
        started = time.monotonic()

        took = _switch(b, "Services", "Services")  # B's report is cached: nothing to analyse
        still_running = a.locator('[data-testid="stProgress"]').count() > 0  # type: ignore[attr-defined]
        assert still_running, "A's analysis ended before B switched pages: the input is too small to tell"
        assert took < PAGE_SWITCH_BOUND, f"B's page switch took {took:.1f} s during A's analysis"

        _switch(b, "Sources", "Sources")
        (tmp_path / "b").mkdir()
        _upload(b, {"small.yaml": baseline_source().data}, tmp_path / "b")
        queued = b.get_by_text("analysis ahead of yours")  # type: ignore[attr-defined]
        queued.first.wait_for(timeout=60_000)
        assert "Queued: 1 analysis ahead of yours" in main_text(b)
        assert _running(a), "B was queued, so A's analysis was still running"

        _idle(a)
        _idle(b)
        assert f"{len(heavy)} uploaded files" in main_text(a)
        assert "Uploaded file small.yaml" in main_text(b) and "analysis ahead of yours" not in main_text(b)
        print(f"\nB's page switch during A's analysis: {took:.2f} s; A's analysis: at least "
              f"{time.monotonic() - started:.0f} s")
    finally:
        context_a.close()  # type: ignore[attr-defined]
        context_b.close()  # type: ignore[attr-defined]
