"""Visitors kept apart, in real browsers: two browser contexts (two visitors, two Streamlit sessions) upload
different files and each sees only their own; a report download reaches only the page that asked for it, as a
`blob:` URL that another context cannot open and that stops working when it expires or the page (the session)
is gone; nothing is fetched from Streamlit's `/media/` store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.app.test_isolation import manifest
from tests.e2e.browser import EXPORT_BUTTONS, main_text, nav, settle, upload_manifests
from tests.e2e.conftest import VIEWPORT
from ui.exports import EXPIRY_SECONDS

pytestmark = pytest.mark.e2e

FETCH = "url => fetch(url).then(r => r.text()).then(t => 'ok:' + t.length, e => 'refused: ' + e)"


@pytest.fixture
def two(browser: Any) -> Iterator[tuple[Any, Any]]:
    """Two browser contexts (separate cookie jars, storage and Streamlit sessions), one page each."""
    contexts = [browser.new_context(viewport=VIEWPORT, accept_downloads=True) for _ in range(2)]
    for ctx in contexts:
        ctx.set_default_timeout(60_000)
    yield contexts[0].new_page(), contexts[1].new_page()
    for ctx in contexts:
        ctx.close()


def upload(page: Any, server: str, name: str, data: bytes) -> None:
    page.goto(f"{server}/Sources")
    settle(page)
    upload_manifests(page, {name: data}, mime="application/octet-stream")


def services_text(page: Any) -> str:
    nav(page, "Services")
    page.get_by_role("tab", name="All services").click()
    settle(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    return main_text(page) + " | ".join(grid.locator('[role="gridcell"]').all_text_contents())


def test_two_visitors_uploads_stay_apart(server, two):
    alice, bob = two
    upload(alice, server, "alice.yaml", manifest("alice-payments"))
    upload(bob, server, "bob.yaml", manifest("bob-inventory"))
    for _ in range(2):  # and again after the other one's upload
        seen_by_alice, seen_by_bob = services_text(alice), services_text(bob)
        assert "alice-payments" in seen_by_alice and "bob-inventory" not in seen_by_alice
        assert "bob-inventory" in seen_by_bob and "alice-payments" not in seen_by_bob
        nav(alice, "Overview")
        nav(bob, "Overview")
        assert "1 MeshExternalService" in main_text(alice) and "1 MeshExternalService" in main_text(bob)
        assert "alice.yaml" in alice.locator('[data-testid="stSidebar"]').inner_text()
        assert "bob.yaml" in bob.locator('[data-testid="stSidebar"]').inner_text()
    # a new visitor gets neither: the bundled sample
    other = alice.context.browser.new_context(viewport=VIEWPORT)
    try:
        page = other.new_page()
        page.goto(server)
        settle(page)
        assert "bundled sample data" in main_text(page)
        assert "alice-payments" not in main_text(page) and "bob-inventory" not in main_text(page)
    finally:
        other.close()


def download_json(page: Any) -> Any:
    page.locator(EXPORT_BUTTONS, has_text="JSON report").first.wait_for()
    for _attempt in range(3):  # a click that lands while the app reruns is dropped by the browser
        settle(page, quiet_checks=3)
        try:
            with page.expect_download(timeout=30_000) as info:
                page.locator(EXPORT_BUTTONS, has_text="JSON report").first.click()
            return info.value
        except PlaywrightTimeout:
            continue
    raise AssertionError("the JSON report was never downloaded")


def test_a_download_is_bound_to_the_page_that_made_it_and_expires(server, two):
    alice, bob = two
    media: list[str] = []
    for page in two:
        page.on("request", lambda r: media.append(r.url) if urlsplit(r.url).path.startswith("/media/") else None)
    upload(alice, server, "alice.yaml", manifest("alice-payments"))
    bob.goto(server)
    settle(bob)
    nav(alice, "Overview")
    download = download_json(alice)
    url = download.url
    text = Path(download.path()).read_text(encoding="utf-8")
    assert '"alice-payments"' in text and download.suggested_filename.endswith(".json")
    assert url.startswith(f"blob:{server}/"), url
    clicked = time.monotonic()
    # the same page can read it back for a moment (the browser's own download used it) ...
    assert alice.evaluate(FETCH, url).startswith("ok:")
    # ... another browser context (another visitor, with or without a session of their own) cannot
    assert bob.evaluate(FETCH, url).startswith("refused")
    # it expires: revoked EXPIRY_SECONDS after the click, even in the page that made it
    time.sleep(max(0.0, EXPIRY_SECONDS + 1 - (time.monotonic() - clicked)))
    assert alice.evaluate(FETCH, url).startswith("refused")
    # a second download, then the session ends (the tab is closed): its URL is gone with it
    second = download_json(alice).url
    assert second != url
    context = alice.context
    alice.close()
    later = context.new_page()
    later.goto(server)
    settle(later)
    assert later.evaluate(FETCH, second).startswith("refused")
    assert media == [], "no download went through Streamlit's /media/ store"
