"""The server's deployment settings in the dashboard: the mode, the operator's named sources, the network guard,
and the checks every page makes before drawing anything (ui/page.py `setup`).

Settings come from the server's environment and its MESDOCTOR_CONFIG file (core/settings.py), read on every run
(a few milliseconds), never from anything a visitor sends. A page refuses to draw when they are invalid, or when a
local-mode dashboard listens on a network address without the operator's explicit opt-in (core/exposure.py).
"""

from __future__ import annotations

import logging
import os

import streamlit as st

from core.exposure import exposure_problem, exposure_warning
from core.live.guard import ALLOW_VARIABLE, NetworkGuard
from core.live.policy import ReadPolicy
from core.live.specs import LiveSpec
from core.settings import MODE_VARIABLE, Mode, Settings, SettingsError, SourcesSettingsError, load_settings
from ui.text import prose

LOG = logging.getLogger("mesdoctor.deployment")
DOCS = "docs/deploy.md"
_logged: set[str] = set()


def settings() -> Settings:
    """The server's settings (SettingsError when they are invalid; `check` has shown that already)."""
    return load_settings()


def server_address() -> str | None:
    """Streamlit's `server.address` (what the server listens on)."""
    try:
        value = st.get_option("server.address")
    except Exception:  # an unknown option in some Streamlit version: treat as unset (every interface)
        return None
    return str(value) if value else None


def check() -> Settings | None:
    """Before a page draws: refuse (and stop the script) on an exposed local mode, or on an unusable live-source
    configuration of a shared dashboard (generic text; the details, which name server files, go to the log); warn
    when the operator knowingly exposed local mode. Other invalid settings are left to the access gate
    (ui/auth.py), which shows them: returns None then."""
    try:
        current = settings()
    except SourcesSettingsError as exc:
        if _declared_mode() is Mode.LOCAL:
            return None  # the visitor is the operator: the gate shows the details
        _log_once(f"invalid server settings: {exc}")
        st.error("**This dashboard is not configured correctly**, so it shows nothing: its live-source "
                 "configuration cannot be used. The operator finds the details in the server's log.", icon="🛠️")
        st.stop()
        return None
    except SettingsError:
        return None
    address = server_address()
    problem = exposure_problem(current.shared, address, os.environ)
    if problem:
        _log_once(f"refusing to serve: {problem}")
        st.error(f"⛔ {prose(problem)}")
        st.stop()
    warning = exposure_warning(current.shared, address, os.environ)
    if warning:
        st.warning(warning, icon="⚠️")  # our own text (Markdown emphasis intended)
    return current


def guard(current: Settings) -> NetworkGuard:
    return NetworkGuard(allow_link_local=current.allow_link_local,
                        hint=f"the operator can allow it with {ALLOW_VARIABLE}=yes")


def read_policy(current: Settings, spec: LiveSpec) -> ReadPolicy:
    """How the dashboard reads `spec`: local mode as the CLI (short error excerpts, plugins with a timeout, never
    a terminal); shared mode as the operator configured it (core/live/config.py `SourcesConfig.policy`)."""
    base = ReadPolicy(guard=guard(current), plugin_timeout=current.sources.plugin_timeout, interactive=False)
    return current.sources.policy(spec, base) if current.shared else base


def log_server_detail(message: str) -> None:
    """A detail about the server's files, kept from a shared dashboard's visitors, for the operator."""
    LOG.warning("%s", message)


def _declared_mode() -> Mode | None:
    raw = (os.environ.get(MODE_VARIABLE) or Mode.LOCAL.value).strip().lower()
    try:
        return Mode(raw)
    except ValueError:
        return None


def _log_once(message: str) -> None:
    if message not in _logged:
        _logged.add(message)
        LOG.error("%s", message)
