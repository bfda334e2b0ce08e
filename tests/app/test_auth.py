"""The access gate on every page (ui/auth.py, called by ui/page.setup), through Streamlit's AppTest.

Local mode: no login, nothing changes. Shared mode: a warning on every page when nothing authenticates; Streamlit's
OIDC login (`st.user`, seeded by AppTest) or a trusted proxy header (`st.context.headers`, stubbed: AppTest cannot
seed request headers) with the allowlist; a refused or signed-out visitor sees nothing of the data and nothing is
analysed for them. The real OIDC flow and the real headers run in tests/e2e/test_auth.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.conftest import PAGES, assert_clean, count_analyses, new_app, report_of, texts
from tests.logcapture import Collect
from ui import auth, state

ALL_PAGES = ["app.py", *PAGES]
OIDC = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "mesdoctor",
        "client_secret": "s" * 32, "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}
ALICE = {"is_logged_in": True, "email": "alice@example.com", "email_verified": True, "sub": "a-1",
         "groups": ["sre"]}
MALLORY = {"is_logged_in": True, "email": "mallory@evil.test", "email_verified": True, "sub": "m-1"}


class Headers(dict):
    """Case-insensitive request headers, as `st.context.headers` gives them."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__({k.lower(): v for k, v in values.items()})

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for variable in ("MESDOCTOR_ALLOWED_DOMAINS", "MESDOCTOR_ALLOWED_GROUPS", "MESDOCTOR_TRUSTED_USER_HEADER",
                     "MESDOCTOR_TRUSTED_GROUPS_HEADER", "MESDOCTOR_GROUPS_CLAIM", "MESDOCTOR_OIDC_PROVIDER"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    yield monkeypatch


def visit(at: Any, path: str) -> str:
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return texts(at)


def assert_shows_data(at: Any, path: str) -> None:
    assert_clean(at)
    assert at.title and "sign in" not in texts(at).lower()
    assert state.PREFIX + "input" in at.session_state
    if path == "app.py":
        assert at.metric and "MeshExternalServices" in texts(at)
    if path == "pages/2_Services.py":
        names = {s.resource.name for s in report_of(at).services}
        assert names and any(name in texts(at) for name in names)


def assert_shows_nothing(at: Any) -> None:
    shown = texts(at)
    assert "MeshExternalService" not in shown
    assert not at.metric and not at.dataframe and not at.get("page_link")
    assert state.PREFIX + "input" not in at.session_state, "the input was never even read"


def gated_app(user: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None) -> Any:
    at = new_app()
    if user is not None:
        at.user = dict(user)
    if secrets is not None:
        at.secrets["auth"] = dict(secrets)
    return at


def test_local_mode_has_no_gate(monkeypatch):
    monkeypatch.delenv("MESDOCTOR_MODE", raising=False)
    at = gated_app(user=MALLORY, secrets=OIDC)  # even with OIDC configured and a user the allowlist would refuse
    monkeypatch.setenv("MESDOCTOR_ALLOWED_DOMAINS", "example.com")
    for path in ALL_PAGES:
        shown = visit(at, path)
        assert_shows_data(at, path)
        assert "not protected by a login" not in shown and "Access refused" not in shown
        assert "Signed in as" not in shown
        assert not [b for b in at.button if b.key in (auth.LOGIN_KEY, auth.LOGOUT_KEY)]


def test_shared_without_authentication_warns_on_every_page(shared):
    at = gated_app()
    for path in ALL_PAGES:
        visit(at, path)
        assert_shows_data(at, path)
        warnings = [str(w.value) for w in at.warning]
        assert warnings and warnings[0] == auth.UNAUTHENTICATED_WARNING, path


def test_an_allowlist_without_authentication_shows_nothing(shared, monkeypatch):
    shared.setenv("MESDOCTOR_ALLOWED_DOMAINS", "example.com")
    calls = count_analyses(monkeypatch)
    at = gated_app()
    for path in ALL_PAGES:
        visit(at, path)
        assert "not configured correctly" in str(at.error[0].value) and "allowlist" in str(at.error[0].value)
        assert_shows_nothing(at)
    assert calls() == 0


def test_a_bad_setting_shows_nothing(monkeypatch):
    monkeypatch.setenv("MESDOCTOR_MODE", "public")
    at = gated_app()
    for path in ALL_PAGES:
        visit(at, path)
        assert "MESDOCTOR_MODE" in texts(at) and "not configured correctly" in texts(at)
        assert_shows_nothing(at)


def test_oidc_visitor_who_is_not_signed_in_sees_only_the_sign_in_screen(shared, monkeypatch):
    calls = count_analyses(monkeypatch)
    at = gated_app(user={"is_logged_in": False}, secrets=OIDC)
    for path in ALL_PAGES:
        visit(at, path)
        assert at.button(key=auth.LOGIN_KEY).label == "Sign in"
        assert any("Sign in to see it" in str(i.value) for i in at.info)
        assert_shows_nothing(at)
    assert calls() == 0
    # AppTest's default user (an e-mail, but no login) is not signed in either
    at = gated_app(secrets=OIDC)
    visit(at, "app.py")
    assert at.button(key=auth.LOGIN_KEY) and not at.metric


def test_sign_in_with_an_incomplete_configuration_says_so(shared):
    at = gated_app(user={"is_logged_in": False}, secrets=OIDC)
    visit(at, "app.py")
    at.button(key=auth.LOGIN_KEY).click().run()  # st.login reads the real secrets file: there is none here
    assert any("Sign-in is not configured correctly" in str(e.value) for e in at.error)
    assert_shows_nothing(at)


def test_oidc_user_on_the_allowlist_sees_every_page(shared, logs: Collect):
    shared.setenv("MESDOCTOR_ALLOWED_DOMAINS", "example.com,example.org")
    shared.setenv("MESDOCTOR_ALLOWED_GROUPS", "sre")
    at = gated_app(user=ALICE, secrets=OIDC)
    for path in ALL_PAGES:
        visit(at, path)
        assert_shows_data(at, path)
        assert "Signed in as `alice@example.com` (single sign-on)" in [str(c.value) for c in at.caption]
        assert at.button(key=auth.LOGOUT_KEY).label == "Sign out"
        assert not at.warning or auth.UNAUTHENTICATED_WARNING not in [str(w.value) for w in at.warning]
    analyses = [json.loads(line.split(": ", 1)[1]) for line in logs.lines if line.startswith("mesdoctor.audit:")]
    assert [a["event"] for a in analyses] == ["analysis"], "one analysis for the whole visit"
    assert analyses[0]["user"] == "alice@example.com" and analyses[0]["auth"] == "oidc"


@pytest.mark.parametrize(("user", "reason"), [
    (MALLORY, "your e-mail domain is not on this dashboard's allowlist"),
    ({**ALICE, "email_verified": False}, "not verified"),
    ({"is_logged_in": True, "sub": "robot"}, "no e-mail address"),
])
def test_oidc_user_off_the_allowlist_is_refused_on_every_page(shared, monkeypatch, logs: Collect, user, reason):
    shared.setenv("MESDOCTOR_ALLOWED_DOMAINS", "example.com")
    calls = count_analyses(monkeypatch)
    at = gated_app(user=user, secrets=OIDC)
    for path in ALL_PAGES:
        visit(at, path)
        refusal = str(at.error[0].value)
        assert refusal.startswith("**Access refused:**") and reason in refusal.replace("\\", "")
        assert "example.com" not in refusal.replace(user.get("email", ""), "")  # the allowlist is not revealed
        assert at.button(key=auth.LOGOUT_KEY).label == "Sign out"
        assert_shows_nothing(at)
    assert calls() == 0
    refused = [json.loads(line.split(": ", 1)[1]) for line in logs.lines if line.startswith("mesdoctor.audit:")]
    assert len(refused) == 1 and refused[0]["event"] == "access-refused", "logged once per session"
    assert refused[0]["user"] == (user.get("email") or user["sub"])


def test_groups_from_a_configured_claim(shared):
    shared.setenv("MESDOCTOR_ALLOWED_GROUPS", "mesh-admins")
    shared.setenv("MESDOCTOR_GROUPS_CLAIM", "roles")
    admitted = gated_app(user={**MALLORY, "roles": ["viewer", "mesh-admins"]}, secrets=OIDC)
    visit(admitted, "app.py")
    assert_shows_data(admitted, "app.py")
    refused = gated_app(user={**ALICE, "roles": ["viewer"]}, secrets=OIDC)  # `groups` is not the claim
    visit(refused, "app.py")
    assert "none of your groups" in str(refused.error[0].value)
    assert_shows_nothing(refused)


def test_a_user_signing_out(shared):
    at = gated_app(user=ALICE, secrets=OIDC)
    visit(at, "app.py")
    at.button(key=auth.LOGOUT_KEY).click().run()
    assert at.user == {"is_logged_in": False}
    visit(at, "pages/2_Services.py")
    assert at.button(key=auth.LOGIN_KEY) and "MeshExternalService" not in texts(at)


def proxied(monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]) -> None:
    monkeypatch.setattr(auth, "request_headers", lambda: Headers(headers))


def test_trusted_proxy_header_admits_on_every_page(shared, logs: Collect):
    shared.setenv("MESDOCTOR_TRUSTED_USER_HEADER", "X-Forwarded-Email")
    shared.setenv("MESDOCTOR_TRUSTED_GROUPS_HEADER", "X-Forwarded-Groups")
    shared.setenv("MESDOCTOR_ALLOWED_DOMAINS", "example.com")
    shared.setenv("MESDOCTOR_ALLOWED_GROUPS", "sre")
    proxied(shared, {"x-forwarded-email": "bob@example.com", "X-Forwarded-Groups": "dev,sre"})
    at = gated_app(user=MALLORY, secrets=OIDC)  # the proxy wins over a Streamlit login
    for path in ALL_PAGES:
        visit(at, path)
        assert_shows_data(at, path)
        assert "Signed in as `bob@example.com` (the authenticating proxy)" in [str(c.value) for c in at.caption]
        assert not [b for b in at.button if b.key in (auth.LOGIN_KEY, auth.LOGOUT_KEY)]
    lines = [json.loads(line.split(": ", 1)[1]) for line in logs.lines if line.startswith("mesdoctor.audit:")]
    assert lines and all(a["user"] == "bob@example.com" and a["auth"] == "proxy" for a in lines)


@pytest.mark.parametrize(("headers", "reason"), [
    ({}, "did not say who you are"),
    ({"X-Forwarded-Email": ""}, "did not say who you are"),
    ({"X-Forwarded-User": "bob@example.com"}, "did not say who you are"),  # another header does not count
    ({"X-Forwarded-Email": "bob@evil.test"}, "domain is not on"),
])
def test_trusted_proxy_header_refuses(shared, monkeypatch, headers, reason):
    shared.setenv("MESDOCTOR_TRUSTED_USER_HEADER", "X-Forwarded-Email")
    shared.setenv("MESDOCTOR_ALLOWED_DOMAINS", "example.com")
    proxied(shared, headers)
    calls = count_analyses(monkeypatch)
    at = gated_app()
    for path in ALL_PAGES:
        visit(at, path)
        assert reason in str(at.error[0].value).replace("\\", "")
        assert_shows_nothing(at)
        assert not [b for b in at.button if b.key == auth.LOGOUT_KEY]  # a proxy's session is not ours to end
    assert calls() == 0


def test_every_page_passes_the_gate_first():
    """Each page's first statement after its imports and definitions is `page.setup(...)` (which runs the gate),
    and no page reads state or draws anything before it."""
    import ast

    from tests.app.conftest import ROOT

    for path in ALL_PAGES:
        tree = ast.parse((ROOT / path).read_text())
        calls = [node for node in tree.body if not isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef
                                                              | ast.ClassDef | ast.Assign | ast.AnnAssign)
                 and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        first = ast.unparse(calls[0])
        assert first.startswith("page.setup(page."), (path, first)
