"""What every page shows for a live input: the banner under the title (source, server, fetch time,
version detection, refresh errors), the Secret-coverage warning, the sidebar block with Refresh and
auto-refresh, and the RBAC hint on the Sources page. The Live tab itself is in `ui.live`."""

from __future__ import annotations

import streamlit as st

from core.model import Report, SecretsCoverage
from ui import state
from ui.inputs import describe_sources
from ui.live import (
    DOCS,
    RBAC_FILE,
    SIDEBAR_EVERY_KEY,
    SOURCES_EVERY_KEY,
    every_widget,
    on_refresh_click,
    poller,
)
from ui.live_specs import KIND_KUBE, KIND_KUMA, KIND_NAMES, counts_text, time_text
from ui.text import code, prose, safe


def sidebar_block() -> None:
    """In the sidebar (inside `with st.sidebar`): the live source, Refresh, auto-refresh."""
    data = state.current_input()
    info = data.live_info
    if info is None:
        return
    st.caption(f"{safe(info.server) or KIND_NAMES.get(data.kind, 'live')} · fetched {time_text(data.loaded_at)}")
    if data.sources:
        st.caption(f"🧪 what-if overlay: {safe(describe_sources(data.sources, limit=2))}")
    st.button("Refresh", icon="🔄", on_click=on_refresh_click, key="w.sidebar.live_refresh",
              help="Fetch the live state again and re-analyse (the overlay and your filters stay).")
    every_widget(SIDEBAR_EVERY_KEY)
    poller()


def refresh_controls() -> None:
    """Refresh and auto-refresh for the Sources page's input box."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button("Refresh", icon="🔄", on_click=on_refresh_click, key="w.sources.live_refresh")
        every_widget(SOURCES_EVERY_KEY, width=200)


def input_lines(data: state.Input) -> list[str]:
    """Markdown lines describing a live input: source, server, times, what was read, overlay."""
    info = data.live_info
    if info is None:
        return []
    head = f"📡 **Live: {KIND_NAMES.get(data.kind, 'live')} {code(data.label)}**"
    if info.server:
        head += f" · {safe(info.server)}"
    head += f" · fetched {time_text(data.loaded_at)}"
    if info.checked_at and info.checked_at != data.loaded_at:
        head += f" · unchanged at {time_text(info.checked_at)}"
    lines = [head, f"Read: {safe(counts_text(info))}"]
    if data.sources:
        lines.append(f"🧪 **What-if overlay active:** {safe(describe_sources(data.sources))} on top of the live state")
    lines.extend(f"- note: {prose(n)}" for n in info.notes)
    return lines


def banners(report: Report) -> None:
    """Under every page's title: the live source, version detection, refresh errors, Secret coverage."""
    data = state.current_input()
    if data.live is None or data.live_info is None:
        return
    notes = [f"- note: {prose(n)}" for n in data.live_info.notes]
    st.info("  \n".join(input_lines(data)[:1] + _version_lines(data, report)) + ("\n\n" + "\n".join(notes) if notes
                                                                                  else ""), icon=None)
    if data.sources:
        st.caption(f"🧪 What-if overlay active: {safe(describe_sources(data.sources))} (clear it on the Sources page)")
    if data.live_info.error:
        st.warning(f"**Refresh failed**, showing the state fetched {time_text(data.loaded_at)}: "
                   f"{prose(data.live_info.error)}", icon="🔌")
    coverage_banner(data)


def _version_lines(data: state.Input, report: Report) -> list[str]:
    detected = data.live.detected_version if data.live is not None else None
    if not detected:
        return []
    chosen = state.current_options().kuma_version
    if chosen == "auto":
        return [f"Target version follows the control plane: **Kuma {safe(report.kuma_version)}** "
                f"({prose(report.version_reason)})"]
    if detected == chosen or detected.startswith(chosen + "."):
        return [f"Target version {safe(chosen)} matches the control plane (Kuma {safe(detected)})."]
    return [f"⚠️ The control plane reports Kuma {safe(detected)}, but the target version is set to "
            f"**{safe(chosen)}**: choose `auto` to follow it."]


def coverage_banner(data: state.Input) -> None:
    """Secrets refused by the live source: say what could not be checked, why, and how to allow it."""
    if data.live is None or data.live.secrets is not SecretsCoverage.DENIED:
        return
    why = prose(data.live.secrets_note) if data.live.secrets_note else "the source refused to list Secrets"
    if data.kind == KIND_KUMA:
        remedy = ("To check them, fetch again with an admin token (the bootstrap `admin-user-token`, or a user in "
                  f"`mesh-system:admin`); see {code(DOCS)}.")
    else:
        remedy = ("To check them, allow reading the Kuma Secrets of the system namespace: the read-only ClusterRole "
                  f"and Role in {code('docs/rbac/mes-doctor-reader.yaml')}; see {code(DOCS)} "
                  "(Secrets and permissions).")
    st.warning(
        f"🔒 **Secret checks were not possible**: {why}.  \nThe analysis still ran, but secret references are "
        f"`not-checked` (except to Secrets in a what-if overlay) and certificates held in Secrets were not read. "
        f"{remedy}",
        icon=None,
    )


def rbac_expander(data: state.Input) -> None:
    """On the Sources page: the ClusterRole to apply, when a cluster refused Secrets."""
    if data.kind != KIND_KUBE or data.live is None or data.live.secrets is not SecretsCoverage.DENIED:
        return
    try:
        text = RBAC_FILE.read_text(encoding="utf-8")
    except OSError:
        return
    with st.expander("🔑 Read-only RBAC for MES Doctor (docs/rbac/mes-doctor-reader.yaml)"):
        st.code(text, language="yaml")

