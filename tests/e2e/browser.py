"""Helpers for driving the dashboard in a real browser (Playwright pages)."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

NAMESPACE = r"\.[a-z0-9-]+"  # the `.namespace` of a Kubernetes MES' core name
EXPORT_BUTTONS = '[class*="st-key-dl-"] button'  # the export bars' buttons (ui/exports.py: keys `dl.*`)


def settle(page, quiet_checks: int = 4) -> None:
    """Wait until the app has a title and has stopped running for a moment."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    quiet = 0
    deadline = time.monotonic() + 90
    while quiet < quiet_checks and time.monotonic() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"]').count() > 0
        quiet = 0 if busy else quiet + 1
        time.sleep(0.2)


def rendered(page, heading: str, deadline_s: float = 120.0) -> float:
    """Seconds until `heading` is the page title and the app has stopped running (a page switch's first render,
    measured from the click that started it; the 5,000-MES scale report and `make bench` use it).

    Conservative: "stopped" means the running indicator was absent on three polls in a row (150 ms), and that
    time counts; so does the wait for the indicator to show up at all.
    """
    start = time.monotonic()
    quiet_since: float | None = None
    while time.monotonic() - start < deadline_s:
        titles = page.locator('[data-testid="stMainBlockContainer"] h1').all_inner_texts()
        busy = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if any(heading in t for t in titles) and not busy:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 0.15:
                return time.monotonic() - start
        else:
            quiet_since = None
        time.sleep(0.05)
    raise TimeoutError(f"{heading} did not render within {deadline_s:.0f} s")


def upload_manifests(page, files: dict[str, bytes], timeout_ms: float | None = None,
                     mime: str = "application/x-yaml") -> float:
    """Upload `files` on Sources (the page must be open there) and wait until the dashboard names them
    (ui/inputs.py: "Uploaded file NAME" for one, "N uploaded files" for more) and has stopped running, within
    `timeout_ms` (else the context's default); the seconds it took (the scale report and `make bench` time it)."""
    start = time.monotonic()
    page.get_by_label("Manifests or archives").get_by_test_id("stFileUploaderDropzoneInput").set_input_files([
        {"name": name, "mimeType": mime, "buffer": data} for name, data in files.items()
    ])
    shown = f"Uploaded file {next(iter(files))}" if len(files) == 1 else f"{len(files)} uploaded files"
    page.get_by_text(shown).first.wait_for(timeout=timeout_ms)
    settle(page)
    return time.monotonic() - start


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def nav(page, label: str) -> None:
    """Follow the sidebar navigation (stays in the same Streamlit session, so the input is kept)."""
    page.locator('[data-testid="stSidebar"] a', has_text=label).first.click()
    heading = "MES Doctor" if label == "Overview" else label
    page.wait_for_function(
        "h => [...document.querySelectorAll('[data-testid=stMainBlockContainer] h1')]"
        ".some(e => e.innerText.includes(h))",
        arg=heading,
    )
    settle(page)


def open_service(page, name: str, *, mesh: str = "default", exact: bool = True) -> None:
    """On the Services page: search for one MES and select its row (a click on the grid's canvas); the URL
    becomes its deep link `?service=<mesh>/<core name>` (with `exact`, that name, plain or URL-encoded, and
    on Kubernetes its `.namespace`)."""
    page.get_by_role("tab", name="All services").click()
    search = page.get_by_placeholder("name, host, endpoint, finding, file…")
    search.fill(name)
    search.press("Enter")
    settle(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    grid.locator('[role="gridcell"]', has_text=name).first.wait_for(state="attached")
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)  # the first row's selection checkbox
    if exact:
        encoded = "|".join(re.escape(n) for n in {name, quote(name, safe="")})
        page.wait_for_url(re.compile(rf"service={re.escape(mesh)}(%2F|/)({encoded})({NAMESPACE})?$"))
    else:
        page.wait_for_url(re.compile(rf"service={re.escape(mesh)}(%2F|/)"))
    settle(page)


def grid_text(page, index: int = 0) -> str:
    """Text of the n-th table on the page (Streamlit's grid mirrors its visible cells in an ARIA table)."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(index)
    grid.scroll_into_view_if_needed()
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    return " | ".join(grid.locator('[role="gridcell"]').all_text_contents())


def metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()
