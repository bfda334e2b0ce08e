"""Benchmark-style report (not a pass/fail timing test): the dashboard with 5,000 MES in a real browser.

Uploads a 5,000-MES synthetic workload, then opens every page once and measures the first render
after the analysis: from the navigation click until the page's heading is shown and Streamlit has
stopped running. The table is printed at the end of the test session with the 1.5 s target of the
performance issue (#14); the test itself only asserts that every page rendered the 5,000 MES.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.synthetic import workload
from tests.e2e.browser import rendered, settle, upload_manifests
from tests.e2e.conftest import record_scale_timing

pytestmark = pytest.mark.e2e

N = 5_000
PAGES = ["Overview", "Services", "Secrets & certificates", "Endpoint map", "Checks", "Sources"]
TARGET_SECONDS = 1.5  # issue #14; `make bench` prints the same measurement as PASS/FAIL lines (benchmarks/browser.py)


def test_dashboard_with_5000_mes(page, server):
    files = workload(N, "kubernetes", now=datetime.now(UTC)).files
    page.goto(f"{server}/Sources")
    settle(page)
    record_scale_timing("upload + analysis (Sources)", upload_manifests(page, files, timeout_ms=180_000), target=None)

    for label in PAGES:
        page.locator('[data-testid="stSidebar"] a', has_text=label).first.click()
        heading = "MES Doctor" if label == "Overview" else label
        try:
            seconds = rendered(page, heading)
        except TimeoutError as exc:
            pytest.fail(str(exc))
        record_scale_timing(label, seconds, target=TARGET_SECONDS)
        settle(page)
        if label == "Overview":
            assert f"{N} MeshExternalServices" in page.locator('[data-testid="stMain"]').inner_text()
