"""A shared dashboard in a real browser (MESDOCTOR_MODE=shared, a MESDOCTOR_CONFIG naming a loopback Kuma control
plane whose token is in the server's environment): the Live tab offers a select box of names and no field to
type a URL, path or token into; choosing the name reads the control plane, and the token never reaches the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from tests.core.live.servers import KumaApi, LoopbackServer
from tests.e2e.browser import grid_text, main_text, nav, settle
from tests.e2e.serve import ServerFailed, dashboard
from tests.scenarios import motivating_case

pytestmark = pytest.mark.e2e

TOKEN = "e2e-shared-token-Kd3"


@pytest.fixture(scope="module")
def shared_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LoopbackServer, Any]]:
    api = KumaApi(admin_token=TOKEN)
    case = motivating_case(datetime.now(UTC), flavour="universal")
    api.load([d for d in yaml.safe_load_all(case.yaml) if d])
    folder = tmp_path_factory.mktemp("shared")
    with LoopbackServer(api) as cp:
        config = folder / "mesdoctor.yaml"
        config.write_text(f"kumaApis:\n  team-cp:\n    url: {cp.url}\n    tokenEnv: E2E_KUMA_TOKEN\n")
        env = {"MESDOCTOR_MODE": "shared", "MESDOCTOR_CONFIG": str(config), "E2E_KUMA_TOKEN": TOKEN,
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
        try:
            with dashboard(folder / "server.log", env=env) as base:
                yield base, cp, case
        except ServerFailed as exc:
            pytest.fail(str(exc))


def test_a_shared_dashboard_reads_a_named_control_plane_chosen_by_name(page, shared_dashboard):
    base, cp, case = shared_dashboard
    page.goto(f"{base}/Sources")
    settle(page)
    page.get_by_role("tab", name="Live").click()
    page.get_by_text("Kuma control plane API").click()
    settle(page)
    panel = page.get_by_role("tabpanel", name="Live")
    assert panel.get_by_role("textbox").count() == 0  # no URL, path, CA or token field
    assert "only the sources its operator configured" in panel.inner_text()
    page.get_by_role("combobox", name="Control plane").click()
    page.get_by_role("option", name=f"team-cp · {cp.url}").click()
    settle(page)
    page.get_by_role("button", name="Fetch and analyse").click()
    page.locator('[data-testid="stMain"]', has_text="Live: Kuma API").wait_for()
    settle(page)
    assert any(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in cp.requests)

    nav(page, "Services")
    assert f"Live: Kuma API {cp.url}" in main_text(page)
    cells = grid_text(page)
    assert case.broken in cells and case.healthy in cells
    assert TOKEN not in page.content() and TOKEN not in page.url
