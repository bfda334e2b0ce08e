"""A live source in a real browser: the dashboard connects to a loopback Kuma control plane API
(started by the test, with the motivating two-MES incident and an admin token) from the Sources
page's Live tab, and the Services page shows its MeshExternalServices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from tests.core.live.servers import KumaApi, LoopbackServer
from tests.e2e.browser import grid_text, main_text, nav, settle
from tests.scenarios import motivating_case

pytestmark = pytest.mark.e2e

TOKEN = "e2e-admin-token-Vb7"


@pytest.fixture
def control_plane() -> Iterator[tuple[LoopbackServer, Any]]:
    api = KumaApi(admin_token=TOKEN)
    case = motivating_case(datetime.now(UTC), flavour="universal")  # the browser judges against the wall clock
    api.load([d for d in yaml.safe_load_all(case.yaml) if d])
    with LoopbackServer(api) as cp:
        yield cp, case


def fill(page: Any, label: str, value: str) -> None:
    box = page.get_by_role("textbox", name=label)
    box.fill(value)
    box.press("Enter")
    settle(page)


def test_the_live_tab_reads_a_kuma_control_plane_and_services_shows_its_mes(server, page, control_plane):
    cp, case = control_plane
    page.goto(f"{server}/Sources")
    settle(page)
    page.get_by_role("tab", name="Live").click()
    page.get_by_text("Kuma control plane API").click()
    settle(page)
    fill(page, "Control plane API URL", cp.url)
    fill(page, "Token (optional)", TOKEN)
    page.get_by_role("button", name="Fetch and analyse").click()
    page.locator('[data-testid="stMain"]', has_text="Live: Kuma API").wait_for()
    settle(page)
    assert any(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in cp.requests)
    assert page.get_by_role("textbox", name="Token (optional)").input_value() == ""

    nav(page, "Services")
    text = main_text(page)
    assert f"Live: Kuma API {cp.url}" in text and "Kuma 2.9.3 (kuma-cp-0)" in text
    assert "control plane reports Kuma 2.9.3" in text  # auto follows the control plane
    cells = grid_text(page)
    assert case.broken in cells and case.healthy in cells
    assert TOKEN not in page.content() and TOKEN not in page.url
