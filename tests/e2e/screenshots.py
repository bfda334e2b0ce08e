"""Screenshots of the dashboard on the bundled sample, in the light and the dark theme: to look at the pages
before calling a UI change done, and to make the README's pictures in docs/.

    .venv/bin/python -m tests.e2e.screenshots /tmp/ui-shots     # Overview and Endpoint map, both themes,
                                                                 # auto and 2.9 target (viewport and full page)
    .venv/bin/python -m tests.e2e.screenshots --sizes /tmp/ui-sizes  # every page at 1440x900, 1280x720 and
                                                                 # 1024x768 (the first screen of each)
    .venv/bin/python -m tests.e2e.screenshots --docs [NAME ...] # docs/overview.png, services.png, endpoint-map.png

The theme is the browser's colour-scheme preference (the dashboard follows it), as a user's OS setting would.
Headless Chromium at 1440x900, as the browser tests; `--sizes` also at 1280x720 (the first screen the Overview
must answer the incident in) and 1024x768 (a projector).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.browser import nav, settle
from tests.e2e.conftest import CHROMIUM_ARGS, SYSTEM_CHROMIUM, VIEWPORT
from tests.e2e.serve import ROOT, dashboard

DOCS = ROOT / "docs"


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        executable = SYSTEM_CHROMIUM if Path(SYSTEM_CHROMIUM).exists() else None
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


SIZES = ({"width": 1440, "height": 900}, {"width": 1280, "height": 720}, {"width": 1024, "height": 768})
SIZE_PAGES = (("Overview", ""), ("Sources", "Sources"), ("Services", "Services"),
              ("Service detail", "Services?service=default/fraud-scoring.kuma-system"),
              ("Secrets", "Secrets_and_certificates"), ("Endpoint map", "Endpoint_map"), ("Checks", "Checks"))


def open_page(browser: object, base: str, scheme: str, path: str = "", viewport: dict[str, int] | None = None,
              ) -> object:
    context = browser.new_context(viewport=viewport or VIEWPORT, color_scheme=scheme)  # type: ignore[attr-defined]
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(f"{base}/{path}")
    settle(page)
    return page


def target(page: object, choice: str) -> None:
    """Choose the target version in the sidebar's quick switch (`2.9.x`, `auto (→ 2.14)`, ...)."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=choice).first.click()  # type: ignore[attr-defined]
    settle(page)


def shoot(page: object, path: Path, *, full: bool = False) -> Path:
    """The viewport, or with `full` the whole page: Streamlit scrolls inside its main container, so the
    window is made as tall as that content for the shot (and the charts redraw at that size)."""
    if full:
        height = page.evaluate(  # type: ignore[attr-defined]
            "document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 40, 12_000)})  # type: ignore[attr-defined]
        settle(page)
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # plotly's first draw
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    if full:
        page.set_viewport_size(VIEWPORT)  # type: ignore[attr-defined]
    print(path)
    return path


def review(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        for scheme in ("light", "dark"):
            page = open_page(browser, base, scheme)
            for version in ("auto", "2.9"):
                if version == "2.9":
                    target(page, "2.9.x")
                for label, slug in (("Overview", "overview"), ("Endpoint map", "endpoint-map")):
                    nav(page, label)
                    shoot(page, out / f"{scheme}-{slug}-{version}.png")
                    shoot(page, out / f"{scheme}-{slug}-{version}-full.png", full=True)
            page.context.close()  # type: ignore[attr-defined]


def sizes(base: str, out: Path) -> None:
    """The first screen of every page (and the detail of the sample's root cause) at each of SIZES."""
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        for size in SIZES:
            for label, path in SIZE_PAGES:
                page = open_page(browser, base, "light", path, size)
                slug = label.lower().replace(" ", "-")
                shoot(page, out / f"{slug}-{size['width']}x{size['height']}.png")
                page.context.close()  # type: ignore[attr-defined]


FIRST_SCREEN = {"width": 1280, "height": 720}
DOC_SHOTS = {  # name -> (colour scheme, page path, target version choice or None, viewport or None)
    "overview": ("light", "", None, FIRST_SCREEN),  # the incident sample's first screen (auto-detected 2.9)
    "services": ("light", "Services?service=default/fraud-scoring.kuma-system", None, None),
    "endpoint-map": ("dark", "Endpoint_map", None, None),
}


def docs(base: str, names: list[str]) -> None:
    """The README's pictures: the Overview's first screen at 1280x720 (light), the root cause's detail (light), the
    Endpoint map (dark), all on the incident sample and its detected target (2.9)."""
    with chromium() as browser:
        for name in names:
            scheme, path, version, viewport = DOC_SHOTS[name]
            page = open_page(browser, base, scheme, path, viewport)
            if version:
                target(page, version)
            shoot(page, DOCS / f"{name}.png")
            page.context.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="directory for the review screenshots")
    parser.add_argument("--sizes", type=Path, metavar="DIR", help="every page at 1440x900, 1280x720 and 1024x768")
    parser.add_argument("--docs", nargs="*", choices=sorted(DOC_SHOTS), metavar="NAME",
                        help=f"regenerate docs/NAME.png (all when none is named: {', '.join(DOC_SHOTS)})")
    args = parser.parse_args()
    if args.docs is None and args.out is None and args.sizes is None:
        parser.error("give a directory, --sizes DIR or --docs")
    with tempfile.TemporaryDirectory() as tmp, dashboard(Path(tmp) / "server.log") as base:
        if args.out is not None:
            review(base, args.out)
        if args.sizes is not None:
            sizes(base, args.sizes)
        if args.docs is not None:
            docs(base, args.docs or list(DOC_SHOTS))


if __name__ == "__main__":
    main()
