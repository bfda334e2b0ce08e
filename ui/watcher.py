"""The dashboard's watcher source: a MES Doctor watcher's last report (`mesdoctor watch`, core/watch/), shown on every
page as the watcher analysed it. An in-cluster dashboard then needs no cluster credentials, in the browser or on the
server: the watcher holds them.

Sources → Live → "MES Doctor watcher URL": in local mode a URL field; in shared mode only the watchers the operator
named (`watchers:` of MESDOCTOR_CONFIG, `core.settings.watcher_sources`), chosen by name. The read goes through the
network guard like every live read and writes one audit line. The report is opened as a snapshot (read only: no
what-if, the watcher's options); Refresh reads it again. A deep link `?watcher=<name>` (the alerts' links, with
`&service=<mesh>/<name>`) opens a configured watcher's report directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace

import streamlit as st

from core.live import LiveSourceError, ReadPolicy
from core.settings import Settings, SettingsError, watcher_sources
from core.watch.client import WatcherReport, WatcherSpec, fetch_report
from ui import audit, deployment, state, whatif
from ui.live_specs import KIND_WATCHER, time_text
from ui.text import code, prose

ERROR = state.PREFIX + "watcher_error"
URL_KEY = "w.watcher.url"
NAME_KEY = "w.watcher.name"
QUERY_KEY = "watcher"


@dataclass(frozen=True, slots=True)
class WatcherInfo:
    spec: WatcherSpec
    name: str = ""  # the operator's name for it ("" : a URL typed in local mode)
    analysed_at: datetime | None = None  # when the watcher finished the analysis shown
    stale: bool = False  # the watcher's last read failed: this is its last good analysis
    checked_at: datetime | None = None  # the last refresh that found the same report
    error: str = ""  # the last refresh that failed (the report shown stays)


def read(spec: WatcherSpec, name: str = "") -> WatcherReport:
    """Fetch a watcher's report under the server's settings (shared mode: only named watchers). Raises only
    LiveSourceError; one audit line either way."""
    started = time.monotonic()
    try:
        current = deployment.settings()
        if current.shared and not any(w.url == spec.url for w in watcher_sources(current)):
            raise LiveSourceError(spec.label, "only the watchers the operator configured can be read")
        policy = ReadPolicy(guard=deployment.guard(current), echo_bodies=not current.shared, interactive=False)
        found = fetch_report(spec, policy=policy)
    except SettingsError:
        error = LiveSourceError(spec.label, "the server's settings are invalid; nothing is read")
        audit.live_fetch(spec, None, time.monotonic() - started, error, name or None)  # type: ignore[arg-type]
        raise error from None
    except LiveSourceError as exc:
        audit.live_fetch(spec, None, time.monotonic() - started, exc, name or None)  # type: ignore[arg-type]
        raise
    counts = SimpleNamespace(counts={"MeshExternalService": len(found.report.services)})
    audit.live_fetch(spec, counts, time.monotonic() - started, None, name or None)  # type: ignore[arg-type]
    return found


def as_input(found: WatcherReport, spec: WatcherSpec, name: str) -> state.Input:
    info = WatcherInfo(spec, name, found.analysed_at, found.stale)
    return state.Input(kind=KIND_WATCHER, sources=[], label=f"Watcher {name or found.label}",
                       loaded_at=found.fetched_at, snapshot=found.report, snapshot_options=found.options,
                       snapshot_digest=found.digest, watcher=info)


def open_watcher(spec: WatcherSpec, name: str = "") -> bool:
    st.session_state[ERROR] = ""
    try:
        found = read(spec, name)
    except LiveSourceError as exc:
        st.session_state[ERROR] = str(exc)
        return False
    whatif.clear()
    state.set_input(as_input(found, spec, name))
    return True


def connect() -> None:
    """The form's button: the chosen (shared) or typed (local) watcher."""
    try:
        current = deployment.settings()
    except SettingsError:
        st.session_state[ERROR] = "The server's settings are invalid; nothing can be read."
        return
    if current.shared:
        name = st.session_state.get(NAME_KEY)
        found = {w.name: w for w in watcher_sources(current)}.get(str(name or ""))
        if found is None:
            st.session_state[ERROR] = "Choose one of the watchers the operator configured."
            return
        spec, label = WatcherSpec(found.url, timeout=current.sources.timeout), found.name
    else:
        url = str(st.session_state.get(URL_KEY) or "").strip()
        if "://" not in url:
            st.session_state[ERROR] = "Enter the watcher's URL, e.g. http://mesdoctor-watcher.mes-doctor:9469"
            return
        spec, label = WatcherSpec(url), ""
    if open_watcher(spec, label):
        st.toast(f"Opened the watcher's report ({len(state.current_input().snapshot.services)} MES).", icon="📈")


def refresh() -> None:
    data = state.current_input()
    info: WatcherInfo | None = data.watcher
    if info is None:
        return
    try:
        found = read(info.spec, info.name)
    except LiveSourceError as exc:
        state.set_input(replace(data, watcher=replace(info, error=str(exc))))
        st.toast("Refresh failed; the report shown stays.", icon="⚠️")
        return
    if found.digest == data.snapshot_digest:
        state.set_input(replace(data, watcher=replace(info, checked_at=found.fetched_at, error="", stale=found.stale)))
        st.toast("Refreshed: the watcher has no newer analysis.", icon="✅")
        return
    state.set_input(as_input(found, info.spec, info.name))
    st.toast("Refreshed: the watcher's newer analysis is shown.", icon="🔄")


def form(current: Settings) -> None:
    """The Live tab's watcher form."""
    if current.shared:
        names = tuple(w.name for w in watcher_sources(current))
        urls = {w.name: w.url for w in watcher_sources(current)}
        with st.container(horizontal=True, vertical_alignment="bottom"):
            if st.session_state.get(NAME_KEY) not in names:
                st.session_state[NAME_KEY] = None
            chosen = st.selectbox("Watcher", names, key=NAME_KEY, index=None, width=360,
                                  placeholder="Choose a watcher the operator configured",
                                  format_func=lambda n: f"{n} · {urls.get(n, '')}")
            st.button("Open its report", type="primary", icon="📈", on_click=connect, key="w.watcher.open",
                      disabled=chosen is None)
    else:
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.text_input("MES Doctor watcher URL", key=URL_KEY,
                          placeholder="http://mesdoctor-watcher.mes-doctor:9469",
                          help="A `mesdoctor watch` process (its base URL), or the URL of a snapshot file.")
            st.button("Open its report", type="primary", icon="📈", on_click=connect, key="w.watcher.open")
    st.caption("Shows the last report of a MES Doctor watcher (`mesdoctor watch`, which re-reads its zone every "
               "minute): read only, as the watcher analysed it, with no cluster credentials here. Refresh reads it "
               "again.")
    error = st.session_state.get(ERROR)
    if error:
        st.error(prose(error), icon="🔌")


def open_from_link() -> None:
    """`?watcher=<name>` (an alert's link): open that configured watcher's report, once, then drop the parameter."""
    name = st.query_params.get(QUERY_KEY)
    if not name:
        return
    try:
        current = deployment.settings()
    except SettingsError:
        return
    found = {w.name: w for w in watcher_sources(current)}.get(name)
    del st.query_params[QUERY_KEY]
    if found is None:
        st.warning(f"No watcher named {code(name)} is configured on this dashboard.", icon="📈")
        return
    data = state.current_input()
    if data.watcher is not None and data.watcher.name == found.name:
        return
    if not open_watcher(WatcherSpec(found.url, timeout=current.sources.timeout), found.name):
        st.error(f"Could not open the report of watcher {code(found.name)}: "
                 f"{prose(st.session_state.get(ERROR, ''))}", icon="🔌")


def banner() -> None:
    """Under every page's title, for a watcher's report: which watcher, how fresh, and a failed read."""
    data = state.current_input()
    info: WatcherInfo | None = data.watcher
    if info is None:
        return
    analysed = time_text(info.analysed_at or (data.snapshot.now if data.snapshot is not None else None))
    st.info(f"📈 **Watcher {code(info.name or info.spec.label)}**: its analysis of {analysed} · fetched "
            f"{time_text(data.loaded_at)}" + (f" · unchanged at {time_text(info.checked_at)}" if info.checked_at
                                              else "") + " · read only (Refresh in the sidebar)", icon=None)
    if info.stale:
        st.warning("The watcher's **last read of its source failed**: this is its last good analysis. Its log says "
                   "why.", icon="⚠️")
    if info.error:
        st.warning(f"**Refresh failed**, showing the report fetched {time_text(data.loaded_at)}: "
                   f"{prose(info.error)}", icon="🔌")


def sidebar_block() -> None:
    data = state.current_input()
    if data.watcher is None:
        return
    st.caption(f"Watcher report · fetched {time_text(data.loaded_at)}")
    st.button("Refresh", icon="🔄", on_click=refresh, key="w.sidebar.watcher_refresh",
              help="Read the watcher's last report again.")


