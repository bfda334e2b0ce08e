"""Secret hygiene in a real browser: real keys (RSA and EC, PKCS#8 and traditional, an inline clientKey in an MES,
a Universal Secret, kubectl's last-applied annotation) are uploaded; every page, every service's detail view
(`?service=mesh/name`) and each of its tabs is visited, every export offered is downloaded, and no key material
appears anywhere. Deep links on a fresh session (the sample) and hostile names are checked the same way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.app.test_hygiene import Keys, manifests
from tests.core.hardening.corpus import case_source
from tests.e2e.browser import EXPORT_BUTTONS, main_text, nav, open_service, settle, upload_manifests

pytestmark = pytest.mark.e2e

PAGES = ["Overview", "Sources", "Services", "Secrets & certificates", "Endpoint map", "Checks"]
DETAIL_TABS = ["Findings", "TLS & destination", "Secret references", "Certificates", "kuma-cp log", "Manifest"]
SERVICES = [("default", n) for n in ("rsa-pkcs8", "rsa-traditional", "ec-pkcs8", "ec-traditional", "inline-key",
                                     "inline-b64-key", "key-as-ca")] + [("edge", "universal-client")]
GENERIC_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|LS0tLS1CRUdJTiBQUklWQVRF|LS0tLS1CRUdJTiBSU0Eg"
                         r"|LS0tLS1CRUdJTiBFQyBQUklW|LS0tLS1CRUdJTiBFTkNSWVBURUQ")  # PEM key blocks, as text or base64


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def upload(page: Any, server: str, files: list[tuple[str, bytes]]) -> None:
    page.goto(f"{server}/Sources")
    settle(page)
    upload_manifests(page, dict(files), mime="application/octet-stream")


def downloads(page: Any, tmp_path: Path) -> list[str]:
    """Click every download button on the page; the files' text."""
    out: list[str] = []
    buttons = page.locator(f"{EXPORT_BUTTONS}:visible")  # (not those in hidden tabs)
    for i in range(buttons.count()):
        download = None
        for _attempt in range(3):  # a click that lands while the app reruns is dropped by the browser
            settle(page, quiet_checks=3)  # a click reruns the app: let the previous one finish
            try:
                with page.expect_download(timeout=30_000) as info:
                    buttons.nth(i).click()
                download = info.value
                break
            except PlaywrightTimeout:
                continue
        assert download is not None, f"download button {i} never produced a file"
        target = tmp_path / f"{len(list(tmp_path.iterdir()))}-{download.suggested_filename}"
        download.save_as(target)
        out.append(target.read_text(encoding="utf-8"))
    return out


def everything_in_detail(page: Any) -> list[str]:
    seen: list[str] = []
    for tab in DETAIL_TABS:
        page.get_by_role("tab", name=tab).click()
        settle(page, quiet_checks=2)
        seen += [page.content(), main_text(page)]
    return seen


def assert_clean(seen: list[str], fragments: list[str]) -> None:
    everything = "\n".join(seen)
    assert not GENERIC_KEY.search(everything), GENERIC_KEY.search(everything)
    leaked = [f[:12] for f in fragments if f in everything]
    assert not leaked, leaked[:3]


def test_no_key_material_on_any_page_detail_or_download(page, server, keys, tmp_path):
    k8s, universal = manifests(keys)
    upload(page, server, [("kubernetes.yaml", k8s), ("universal.yaml", universal)])
    seen: list[str] = []
    files: list[str] = []
    for label in PAGES:
        nav(page, label)
        seen += [page.content(), main_text(page)]
        files += downloads(page, tmp_path)
    assert len(files) >= 10, "JSON, Markdown and every CSV export were offered and downloaded"
    assert any('"schemaVersion": 1' in f for f in files) and any(f.startswith("# ") for f in files)
    nav(page, "Services")
    for mesh, name in SERVICES:
        open_service(page, name, mesh=mesh)
        seen += everything_in_detail(page)
    text = "\n".join(seen)
    assert "CN=rsa-client" in text and "<redacted:" in text.replace("&lt;", "<")  # shown, and redacted
    assert_clean(seen + files, keys.fragments())


def test_deep_links_open_sample_services_without_key_material(page, server):
    """A deep link is a new session, which opens on the sample: follow one to every sample service that holds a
    client key, and one per mesh (every service of an uploaded input is visited in the test above; a fresh
    session per each of the sample's ~40 services would cost minutes)."""
    from datetime import UTC, datetime

    from core.analysis import analyse
    from core.options import AnalysisOptions
    from core.sample import sample_sources

    report = analyse(sample_sources(datetime.now(UTC)), AnalysisOptions())
    seen: list[str] = []
    chosen = [s for s in report.services if any(r.field == "clientKey" for r in s.references)]
    chosen += [next(s for s in report.services if s.resource.mesh == m) for m in {s.resource.mesh
                                                                                 for s in report.services}]
    for service in {s.resource.key: s for s in chosen}.values():
        mesh, name = service.resource.mesh, service.resource.name
        page.goto(f"{server}/Services?service={mesh}/{name}")
        settle(page)
        assert f"{mesh} / {name}" in main_text(page)
        page.get_by_role("tab", name="Manifest").click()
        settle(page, quiet_checks=2)
        seen += [page.content(), main_text(page)]
    assert len(chosen) >= 5
    assert_clean(seen, [])


def test_hostile_names_stay_text_in_every_view(page, server):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    names = ["names-html-markdown.yaml", "names-control-characters.yaml", "archive-nested-and-odd.archive.yaml"]
    files = [(case_source(n).name, case_source(n).data) for n in names]
    files.append(("<img src=x onerror=window.__pwned=1>[f](http://evil.example).yaml", b"kind: [\n"))
    upload(page, server, files)
    for label in PAGES:
        nav(page, label)
    nav(page, "Services")
    for name in ("<script>alert(1)</script>", "zz-markdown"):
        open_service(page, name)
        everything_in_detail(page)
        text = main_text(page)
        assert name in text
    main = page.locator('[data-testid="stMain"]')
    injected = 'img[src="x"], svg[onload], iframe, a[href^="javascript"], a[href*="evil.example"]'
    assert main.locator(injected).count() == 0
    assert main.locator("script").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
