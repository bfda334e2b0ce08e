"""Issue #13 in a real browser on the default (incident) sample: the incident card on the first screen naming
every root cause, its links; the wrong-zone banner and its one-click switch; the what-if delta after pasting
a fix; the snapshot round trip (download, open in a new session, `?service=` links); opening a table row from
the keyboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import yaml

from core.sample import sample_sources
from core.sample_incident import CULPRIT, INTENDED_SECRET, LATENT_CULPRIT, TYPO_SECRET, ZONE
from tests.e2e.browser import main_text, nav, settle

pytestmark = pytest.mark.e2e

FIRST_SCREEN = {"width": 1280, "height": 720}


def fixed_culprit() -> str:
    """The root cause's manifest with its reference pointed at the Secret that exists (the near-miss fix)."""
    text = sample_sources(datetime.now(UTC))[0].data.decode()
    listing = next(d for d in yaml.safe_load_all(text) if d and d.get("kind") == "List")
    doc = next(i for i in listing["items"] if i["kind"] == "MeshExternalService" and i["metadata"]["name"] == CULPRIT)
    doc["spec"]["tls"]["verification"]["clientCert"]["secret"] = INTENDED_SECRET
    return yaml.safe_dump(doc)


def card_text(page) -> str:
    return page.locator(".st-key-incident-card").first.inner_text()


def test_the_first_screen_names_every_root_cause_and_links_to_the_victims(page, server):
    page.set_viewport_size(FIRST_SCREEN)
    page.goto(server)
    settle(page)
    card = card_text(page)
    assert "1. 💥 root cause" in card and f"{CULPRIT} → api.fraudshield.example" in card
    assert "2. ⏳ latent root cause" in card and LATENT_CULPRIT in card
    assert "Fix:" in card and INTENDED_SECRET in card
    # the whole card answers on the first screen at 1280x720: both root causes, their fixes, their victims
    second = page.get_by_text("2. ⏳ latent root cause").first.bounding_box()
    assert second is not None and second["y"] + second["height"] < FIRST_SCREEN["height"]
    victim = page.locator(".st-key-incident-card a", has_text="geo-ip → geoip.example").first
    box = victim.bounding_box()
    assert box is not None and box["y"] + box["height"] < FIRST_SCREEN["height"]
    victim.click()
    page.wait_for_url(re.compile(r"/Services\?service=default(%2F|/)geo-ip\.kuma-system$"))
    settle(page)
    text = main_text(page)
    assert "default / geo-ip" in text
    assert f"the fix is on {CULPRIT}" in text


def test_the_wrong_zone_is_a_warning_with_a_one_click_switch(page, server):
    page.goto(f"{server}/Sources")
    settle(page)
    zone = page.get_by_label("Zone", exact=True)
    zone.fill("default")
    zone.press("Enter")
    settle(page)
    nav(page, "Overview")
    switch = page.get_by_role("button", name=f"Analyse zone {ZONE}")
    assert ZONE in page.locator(".st-key-zone-banner").inner_text()
    assert page.locator(".st-key-incident-card").count() == 0, "zone default has no MES in its loop"
    switch.click()
    settle(page)
    assert page.get_by_role("button", name=f"Analyse zone {ZONE}").count() == 0
    assert "1. 💥 root cause" in card_text(page)


def test_pasting_the_fix_shows_what_changed_and_the_next_root_cause(page, server):
    page.goto(f"{server}/Sources")
    settle(page)
    page.get_by_role("tab", name="What-if").click()
    page.get_by_label("or YAML").fill(fixed_culprit())
    page.get_by_role("button", name="Add as a what-if layer").click()
    settle(page)
    nav(page, "Overview")
    banner = page.locator(".st-key-whatif-banner").inner_text()
    assert "What-if active" in banner and "pasted-1.yaml" in banner and "vs baseline" in banner
    delta = page.locator(".st-key-whatif-delta").inner_text()
    assert "What the what-if changes" in delta
    assert f"New root cause: {LATENT_CULPRIT}" in delta and "it was next in line" in delta
    assert "1. 💥 root cause" in card_text(page) and LATENT_CULPRIT in card_text(page)
    assert TYPO_SECRET not in card_text(page)
    # the baseline is one click away, on every page
    page.locator(".st-key-whatif-banner").get_by_role("radio", name="baseline").click()
    settle(page)
    assert TYPO_SECRET in card_text(page)
    nav(page, "Services")
    assert "What-if active" in main_text(page)


def test_a_snapshot_opens_in_a_new_session_with_working_service_links(page, server, browser, tmp_path):
    page.goto(server)
    settle(page)
    headline = page.locator(".st-key-incident-card [data-testid='stAlertContainer']").first.inner_text()
    with page.expect_download() as info:
        page.get_by_role("button", name="Snapshot (share)").click()
    saved = tmp_path / "snapshot.json"
    info.value.save_as(saved)
    assert "PRIVATE KEY" not in saved.read_text()

    other = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()  # a colleague's session
    other.set_default_timeout(60_000)
    try:
        other.goto(f"{server}/Sources")
        settle(other)
        other.get_by_role("tab", name="Snapshot").click()
        uploader = other.get_by_label("Snapshot file (.json)").get_by_test_id("stFileUploaderDropzoneInput")
        uploader.set_input_files(str(saved))
        other.get_by_text("Snapshot snapshot.json").first.wait_for()
        settle(other)
        nav(other, "Overview")
        assert other.locator(".st-key-incident-card [data-testid='stAlertContainer']").first.inner_text() == headline
        other.locator(".st-key-incident-card a", has_text=f"{CULPRIT} → api.fraudshield.example").first.click()
        other.wait_for_url(re.compile(rf"/Services\?service=default(%2F|/){CULPRIT}\.kuma-system$"))
        settle(other)
        assert f"default / {CULPRIT}" in main_text(other)
    finally:
        other.context.close()


def test_a_row_opens_from_the_keyboard(page, server):
    page.goto(f"{server}/Services")
    settle(page)
    page.get_by_placeholder("name, host, endpoint, finding, file…").focus()
    for _ in range(30):  # Tab past the filters and the table's toolbar to the table itself
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('data-testid') === 'data-grid-canvas'"):
            break
    else:
        pytest.fail("Tab never reached the table")
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement.closest('[data-testid=stDataFrame]')).outlineStyle")
    assert outline == "solid", "a visible focus ring"
    page.keyboard.press("ArrowDown")  # from the first row to the second: the latent root cause
    page.keyboard.press("Shift+Space")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(rf"/Services\?service=default(%2F|/){LATENT_CULPRIT}\.kuma-system$"))
    settle(page)
    assert f"default / {LATENT_CULPRIT}" in main_text(page)


def test_open_a_service_by_typing_its_name(page, server):
    page.goto(f"{server}/Services")
    settle(page)
    box = page.get_by_role("combobox", name="Open a service")
    box.focus()
    page.keyboard.type("geo-ip")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/Services\?service=default(%2F|/)geo-ip\.kuma-system$"))
    settle(page)
    assert "default / geo-ip" in main_text(page)
