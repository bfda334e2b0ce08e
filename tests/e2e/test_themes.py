"""Light and dark themes in a real browser: the dashboard follows the browser's colour-scheme preference (a
custom colour set under `[theme]` made it always light), the ⋮ menu switches the theme, and the charts'
labels follow it (light text on the dark background)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser import nav, settle
from tests.e2e.conftest import VIEWPORT

pytestmark = pytest.mark.e2e

APP_BACKGROUND = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
TICK_COLOUR = ("[...document.querySelectorAll('[data-testid=stPlotlyChart] .ytick text')]"
               ".map(e => getComputedStyle(e).fill)")


def luminance(css: str) -> float:
    """WCAG relative luminance (0 black … 1 white) of a CSS `rgb(…)` / `rgba(…)` colour."""
    channels = [float(v) / 255 for v in css[css.index("(") + 1: css.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS colours (1 … 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def themed(browser) -> Iterator:
    contexts = []

    def open_with(scheme: str, server: str, path: str = ""):
        context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
        context.set_default_timeout(60_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server}/{path}")
        settle(page)
        return page

    yield open_with
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("scheme", "dark"), [("dark", True), ("light", False)])
def test_the_dashboard_follows_the_browser_colour_scheme(themed, server, scheme, dark):
    page = themed(scheme, server)
    background = page.evaluate(APP_BACKGROUND)
    assert luminance(background) < 0.05 if dark else luminance(background) > 0.9, background
    nav(page, "Endpoint map")
    page.locator('[data-testid="stPlotlyChart"] .ytick text').first.wait_for()
    ticks = page.evaluate(TICK_COLOUR)
    assert ticks and all(contrast(tick, background) >= 4.5 for tick in ticks), (background, set(ticks))


def test_the_menu_switches_the_theme(themed, server):
    page = themed("light", server)
    assert luminance(page.evaluate(APP_BACKGROUND)) > 0.9
    choose_theme(page, "Dark")
    page.wait_for_function(f"() => {APP_BACKGROUND} !== 'rgb(255, 255, 255)'")
    assert luminance(page.evaluate(APP_BACKGROUND)) < 0.05
    choose_theme(page, "System")  # back to the browser's (light) preference
    page.wait_for_function(f"() => {APP_BACKGROUND} === 'rgb(255, 255, 255)'")


def choose_theme(page, name: str) -> None:
    item = page.get_by_role("menuitemradio", name=name)
    if not item.is_visible():
        page.locator('[data-testid="stMainMenu"]').click()
    item.click()
    page.keyboard.press("Escape")
