"""Who may see the dashboard: the gate every page passes through (`ui.page.setup` calls `gate()`).

`local` mode (the default): no login, nothing changes. `shared` mode, by the operator's settings
(`core/access.py`, documented in docs/deploy.md "Authentication"):

- an authenticating reverse proxy (`MESDOCTOR_TRUSTED_USER_HEADER`, e.g. oauth2-proxy's `X-Forwarded-Email`):
  the visitor is who that header of the WebSocket request says; no header, no entry;
- else Streamlit's OIDC login when `.streamlit/secrets.toml` has an `[auth]` section (`st.login`): a visitor who
  is not logged in sees only a sign-in screen;
- else nobody is authenticated: every page says so in a warning (and an allowlist cannot be applied, so one that
  is set stops the dashboard with a configuration error instead of admitting everyone).

The optional allowlist (e-mail domains, groups) applies to both ways. A refused visitor sees a refusal and
nothing else: the gate stops the script before any input is read, analysed or drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitSecretNotFoundError

from core.access import AccessSettings, Identity, Method, decide, identity_from_claims, identity_from_headers
from core.audit import Actor
from core.settings import Settings, SettingsError, load_settings
from ui.text import code, safe

IDENTITY = "mesdoctor.identity"  # the admitted visitor (session state; read by the audit trail)
REFUSAL_LOGGED = "mesdoctor.refusal_logged"
LOGIN_KEY = "w.auth.login"
LOGOUT_KEY = "w.auth.logout"

UNAUTHENTICATED_WARNING = (
    "**This shared dashboard is not protected by a login.** Anyone who can reach this server can see what is "
    "loaded here and use it. The operator can enable Streamlit's OIDC login (an `[auth]` section in "
    "`.streamlit/secrets.toml`) or put an authenticating proxy in front (`MESDOCTOR_TRUSTED_USER_HEADER`); "
    "see docs/deploy.md."
)


def settings() -> Settings:
    """The server's settings (read from the environment on every run: cheap, and a test can change them)."""
    return load_settings()


def request_headers() -> Mapping[str, str]:
    """The headers of the request that opened this session (case-insensitive)."""
    return st.context.headers


def user_claims() -> Mapping[str, object]:
    """What Streamlit's OIDC login knows about the visitor (`st.user`: the ID token's claims)."""
    return st.user.to_dict()


class _SecretsUnreadable(Exception):
    pass


def oidc_configured() -> bool:
    """Whether `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's OIDC login is set up)."""
    try:
        section = st.secrets.get("auth")
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", "") == "no-secrets-found":
            return False
        raise _SecretsUnreadable(str(exc)) from None
    return isinstance(section, Mapping) and bool(section)


def current_identity() -> Identity | None:
    """The visitor this session admitted (None: local mode, or a shared dashboard without authentication)."""
    found = st.session_state.get(IDENTITY)
    return found if isinstance(found, Identity) else None


def actor() -> Actor:
    """Who acts in this session, for the audit trail."""
    try:
        mode = settings().mode.value
    except SettingsError:
        mode = "unknown"
    identity = current_identity()
    if identity is None:
        return Actor(mode=mode)
    return Actor(mode=mode, auth=identity.method.value, user=identity.user)


def gate() -> None:
    """Stop the page unless this visitor may see it. Local mode: returns at once, draws nothing."""
    try:
        current = settings()
    except SettingsError as exc:
        _stop_misconfigured(str(exc))
        return
    if not current.shared:
        return
    access = current.access
    try:
        identity = _authenticate(access)
    except _SecretsUnreadable as exc:
        _stop_misconfigured(f".streamlit/secrets.toml cannot be read: {exc}")
        return
    if identity is None:
        # shared mode without any authentication (an allowlist would have stopped in _authenticate)
        st.session_state.pop(IDENTITY, None)
        st.warning(UNAUTHENTICATED_WARNING, icon="⚠️")
        return
    decision = decide(identity, access)
    if not decision.allowed:
        _stop_refused(identity, decision.reason)
        return
    st.session_state[IDENTITY] = identity


def _authenticate(access: AccessSettings) -> Identity | None:
    """The visitor's identity; stops with a sign-in or refusal screen when there is none. None: no method."""
    if access.uses_proxy:
        identity = identity_from_headers(request_headers(), access)
        if identity is None:
            _stop_refused(None, "the authenticating proxy in front of this dashboard did not say who you are "
                                "(it must set the configured user header on every request)")
        return identity
    if oidc_configured():
        identity = identity_from_claims(user_claims(), access.groups_claim)
        if identity is None:
            _stop_sign_in(access)
        return identity
    if access.has_allowlist:
        _stop_misconfigured("an allowlist (MESDOCTOR_ALLOWED_DOMAINS / MESDOCTOR_ALLOWED_GROUPS) is set, but no "
                            "authentication is: configure Streamlit's OIDC login ([auth] in "
                            ".streamlit/secrets.toml) or MESDOCTOR_TRUSTED_USER_HEADER")
    return None


def _heading() -> None:
    st.title("🩺 MES Doctor", anchor=False)


def _stop_sign_in(access: AccessSettings) -> None:
    _heading()
    st.info("This MES Doctor is shared with your team. Sign in to see it.", icon="🔒")
    if st.button("Sign in", type="primary", icon=":material/login:", key=LOGIN_KEY):
        try:
            st.login(access.oidc_provider or None)
        except StreamlitAuthError as exc:
            st.error(f"Sign-in is not configured correctly on this server: {safe(exc)}", icon="🛠️")
    st.stop()


def _stop_refused(identity: Identity | None, reason: str) -> None:
    _heading()
    who = f" You are signed in as {code(identity.user)}." if identity is not None else ""
    st.error(f"**Access refused:** {safe(reason)}.{who} Ask the operator of this dashboard for access"
             + (", or sign in with another account." if identity is not None else "."), icon="🚫")
    if identity is not None and identity.method is Method.OIDC and st.button(
            "Sign out", icon=":material/logout:", key=LOGOUT_KEY):
        st.logout()
    if not st.session_state.get(REFUSAL_LOGGED):
        st.session_state[REFUSAL_LOGGED] = True
        from ui import audit  # late: ui.audit reads this module's identity

        refused = Actor(mode="shared", auth=identity.method.value if identity else "", user=identity.user if identity
                        else "")
        audit.access_refused(refused, reason, datetime.now(UTC))
    st.session_state.pop(IDENTITY, None)
    st.stop()


def _stop_misconfigured(problem: str) -> None:
    _heading()
    st.error(f"**This dashboard is not configured correctly**, so it shows nothing: {safe(problem)}. "
             "The operator can find the settings in docs/deploy.md.", icon="🛠️")
    st.stop()


def identity_block() -> None:
    """Who is signed in, and a sign-out button for an OIDC login (the sidebar, under the navigation)."""
    identity = current_identity()
    if identity is None:
        return
    via = "single sign-on" if identity.method is Method.OIDC else "the authenticating proxy"
    st.caption(f"Signed in as {code(identity.user)} ({via})")
    if identity.method is Method.OIDC and st.button("Sign out", icon=":material/logout:", key=LOGOUT_KEY,
                                                     type="tertiary"):
        st.logout()
