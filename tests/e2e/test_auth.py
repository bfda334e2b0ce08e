"""Authentication end to end in Chromium: `MESDOCTOR_MODE=shared` with Streamlit's OIDC login against a loopback
OIDC provider (tests/e2e/oidc_provider.py: discovery, JWKS, authorize, token with PKCE, signed ID tokens) and an
e-mail domain allowlist; and the same dashboard behind a trusted proxy header.

A visitor who has not signed in sees the sign-in screen on every page; signing in at the provider brings them back
signed in (Streamlit's identity cookie) to the data; a user whose domain is off the allowlist signs in but is
refused on every page and sees nothing of the data; the audit log names the signed-in user; signing out ends it.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import main_text, settle
from tests.e2e.conftest import VIEWPORT
from tests.e2e.nginx_proxy import authenticating_proxy
from tests.e2e.oidc_provider import OidcProvider
from tests.e2e.serve import ServerFailed, dashboard, free_port

pytestmark = pytest.mark.e2e

PAGES = ["", "Sources", "Services", "Secrets_and_certificates", "Endpoint_map", "Checks"]
DATA = "MeshExternalService"  # the Overview's heading ("12 MeshExternalServices") and the pages' text: the data
METRICS = '[data-testid="stMetric"], [data-testid="stDataFrame"]'


@pytest.fixture(scope="module")
def oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, OidcProvider, Path]]:
    """The dashboard in shared mode with OIDC login (a generated secrets.toml) and an allowlist of example.com."""
    directory = tmp_path_factory.mktemp("oidc")
    with OidcProvider() as idp:
        port = free_port()
        redirect = f"http://127.0.0.1:{port}/oauth2callback"
        idp.provider.redirect_uris.add(redirect)
        secrets_file = directory / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "{redirect}"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{idp.provider.client_id}"\n'
            f'client_secret = "{idp.provider.client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n')
        log = directory / "server.log"
        try:
            with dashboard(log, "--secrets.files", str(secrets_file), port=port,
                           env={"MESDOCTOR_MODE": "shared", "MESDOCTOR_ALLOWED_DOMAINS": "example.com"}) as base:
                yield base, idp, log
        except ServerFailed as exc:
            pytest.fail(str(exc))


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(60_000)
    yield ctx
    ctx.close()


def wait_for_app(page: Any) -> str:
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    settle(page)
    return main_text(page)


def sign_in(page: Any, base: str, email: str, groups: str = "") -> str:
    page.goto(base)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/authorize\?"))
    assert "Test identity provider" in page.content()
    page.fill('input[name="email"]', email)
    page.fill('input[name="groups"]', groups)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/?$"))
    return wait_for_app(page)


def audit_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith('{"event": ')]


def test_a_visitor_who_has_not_signed_in_sees_only_the_sign_in_screen(oidc_server, context):
    base, _, _ = oidc_server
    page = context.new_page()
    for path in PAGES:
        page.goto(f"{base}/{path}")
        shown = wait_for_app(page)
        assert "Sign in to see it" in shown, path
        assert page.get_by_role("button", name="Sign in").count() == 1
        assert DATA not in shown
        assert page.locator(METRICS).count() == 0


def test_a_user_on_the_allowlist_signs_in_sees_the_data_and_signs_out(oidc_server, context):
    base, idp, log = oidc_server
    page = context.new_page()
    shown = sign_in(page, base, "alice@example.com", "sre")
    assert re.search(r"\d+ MeshExternalServices", shown) and page.locator(METRICS).count() > 0
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Signed in as alice@example.com" in sidebar
    assert idp.provider.issued[-1]["email"] == "alice@example.com" and not idp.provider.refused_tokens
    cookies = {c["name"] for c in context.cookies()}
    assert "_streamlit_user" in cookies
    # every page, in a new tab of the same browser (a new session, signed in by the cookie)
    other = context.new_page()
    for path in PAGES[1:]:
        other.goto(f"{base}/{path}")
        shown = wait_for_app(other)
        assert "Sign in to see it" not in shown and "Access refused" not in shown, path
        assert "Signed in as alice@example.com" in other.locator('[data-testid="stSidebar"]').inner_text()
    analyses = [line for line in audit_lines(log) if line["event"] == "analysis"]
    assert analyses and analyses[-1]["user"] == "alice@example.com" and analyses[-1]["auth"] == "oidc"
    # sign out: back to the sign-in screen, the identity cookie gone
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/?$"))
    shown = wait_for_app(page)
    assert "Sign in to see it" in shown and DATA not in shown
    assert "_streamlit_user" not in {c["name"] for c in context.cookies()}


def test_a_user_off_the_allowlist_is_refused_everywhere_and_sees_no_data(oidc_server, context):
    base, _, log = oidc_server
    page = context.new_page()
    shown = sign_in(page, base, "mallory@evil.test")
    assert "Access refused" in shown and "mallory@evil.test" in shown
    assert "e-mail domain is not on this dashboard's allowlist" in shown
    for path in PAGES:
        page.goto(f"{base}/{path}")
        shown = wait_for_app(page)
        assert "Access refused" in shown, path
        assert DATA not in shown and "example.com" not in shown
        assert page.locator(METRICS).count() == 0
        assert page.locator('[data-testid="stSidebar"] a').count() == 0, "not even the navigation"
    refused = [line for line in audit_lines(log) if line["event"] == "access-refused"]
    assert refused and refused[-1]["user"] == "mallory@evil.test"
    assert not [line for line in audit_lines(log) if line["event"] == "analysis" and line["user"] ==
                "mallory@evil.test"], "nothing was analysed for a refused user"
    # signing out offers the sign-in again (with another account)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/?$"))
    assert "Sign in to see it" in wait_for_app(page)


def test_a_forged_identity_cookie_is_not_a_login(oidc_server, context):
    base, _, _ = oidc_server
    forged = json.dumps({"email": "alice@example.com", "is_logged_in": True, "origin": base, "provider": "default"})
    context.add_cookies([{"name": "_streamlit_user", "value": forged, "url": base}])
    page = context.new_page()
    page.goto(base)
    shown = wait_for_app(page)
    assert "Sign in to see it" in shown and DATA not in shown


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The dashboard in shared mode trusting an authenticating proxy's header, with the allowlist, behind nginx
    (`tests/e2e/nginx_proxy.py`): one port per identity the proxy passes on. Yields identity -> base URL."""
    directory = tmp_path_factory.mktemp("proxy")
    env = {"MESDOCTOR_MODE": "shared", "MESDOCTOR_TRUSTED_USER_HEADER": "X-Forwarded-Email",
           "MESDOCTOR_ALLOWED_DOMAINS": "example.com"}
    try:
        with dashboard(directory / "server.log", env=env) as base, authenticating_proxy(
                directory / "nginx", base, {"bob": "bob@example.com", "eve": "eve@evil.test", "nobody": None}) as bases:
            yield bases
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.mark.parametrize(("identity", "admitted", "expected"), [
    ("bob", True, "Signed in as bob@example.com"),
    ("eve", False, "e-mail domain is not on this dashboard's allowlist"),
    ("nobody", False, "did not say who you are"),
])
def test_behind_an_authenticating_proxy(proxy_server, browser, identity, admitted, expected):
    """The proxy's header decides who the visitor is: nginx with docs/deploy.md's WebSocket settings sets it on
    every request, the WebSocket's included, as oauth2-proxy does (and a proxy that signed nobody in drops it, so
    the browser cannot name itself: here it claims to be bob every time)."""
    ctx = browser.new_context(viewport=VIEWPORT, extra_http_headers={"X-Forwarded-Email": "bob@example.com"})
    ctx.set_default_timeout(60_000)
    try:
        page = ctx.new_page()
        page.goto(proxy_server[identity])
        shown = wait_for_app(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        shown += sidebar.inner_text() if sidebar.count() else ""
        assert expected in shown
        assert (DATA in shown) is admitted and (page.locator(METRICS).count() > 0) is admitted
        assert ("Access refused" in shown) is not admitted
    finally:
        ctx.close()
