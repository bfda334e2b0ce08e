"""What every page shares: page config, navigation, the sample-data banner and the options sidebar."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.model import Report
from ui import auth, live_status, state, whatif
from ui.style import apply_page_style
from ui.text import code, prose, safe


@dataclass(frozen=True, slots=True)
class PageInfo:
    path: str
    title: str
    icon: str


OVERVIEW = PageInfo("app.py", "Overview", "🩺")
SOURCES = PageInfo("pages/1_Sources.py", "Sources", "📥")
SERVICES = PageInfo("pages/2_Services.py", "Services", "🧩")
SECRETS = PageInfo("pages/3_Secrets_and_certificates.py", "Secrets & certificates", "🔐")
ENDPOINT_MAP = PageInfo("pages/4_Endpoint_map.py", "Endpoint map", "🗺️")
CHECKS = PageInfo("pages/5_Checks.py", "Checks", "📚")
PAGES = (OVERVIEW, SOURCES, SERVICES, SECRETS, ENDPOINT_MAP, CHECKS)

SIDEBAR_VERSION_KEY = "w.sidebar.kuma_version"


def setup(page: PageInfo) -> None:
    """First call of every page: browser title and icon, wide layout, the shared style, and the access gate
    (shared mode: stops here unless the visitor may see the dashboard; see ui/auth.py)."""
    st.set_page_config(
        page_title=f"{page.title} · MES Doctor" if page is not OVERVIEW else "MES Doctor",
        page_icon=page.icon,
        layout="wide",
        initial_sidebar_state="expanded",
    )
    apply_page_style()
    auth.gate()


def navigation() -> None:
    """Our own sidebar navigation (the automatic one would call the Overview `app`)."""
    with st.sidebar:
        st.markdown("### 🩺 MES Doctor")
        for p in PAGES:
            st.page_link(p.path, label=p.title, icon=p.icon)
        auth.identity_block()


def header(page: PageInfo, report: Report, subtitle: str = "") -> None:
    st.title(f"{page.icon} {page.title}")
    st.caption(context_line(report) + (f" · {subtitle}" if subtitle else ""))
    live_status.banners(report)
    whatif.banner()


def context_line(report: Report) -> str:
    """`Kuma 2.14 (auto: …) · zone default · system namespace kuma-system · evaluated 2026-…` (escaped)."""
    return (
        f"Kuma **{safe(report.kuma_version)}** ({prose(report.version_reason)}) · zone {code(report.zone)} · "
        f"system namespace {code(report.system_namespace)} · evaluated {report.now:%Y-%m-%d %H:%M} UTC"
    )


def sample_banner(compact: bool = False) -> None:
    """Say clearly when the numbers come from the bundled sample, and how to load your own."""
    data = state.current_input()
    if not compact:  # the Overview (it has no `header`): the live source and Secret coverage banners
        live_status.banners(state.current_report())
    if not data.is_sample:
        return
    if compact:
        st.info(
            "You are looking at the **bundled sample data**. Load your own manifests on the Sources page.",
            icon="🧪",
        )
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False):
        st.info(
            "**This is the bundled sample data**, not your cluster: a made-up zone generated for today. Load "
            "your own `kubectl get meshexternalservices,secrets,meshes,zoneegresses -A -o yaml` on **Sources**.",
            icon="🧪",
        )
        st.page_link(SOURCES.path, label="Load your own manifests", icon="📥")


def version_label(report: Report, choice: str) -> str:
    if choice == "auto":
        current = state.current_options().kuma_version
        return f"auto (→ {report.kuma_version})" if current == "auto" else "auto"
    return f"{choice}.x" if choice == "2.9" else choice


def sidebar(report: Report) -> None:
    """The input in use and a quick target-version switch, on every page."""
    with st.sidebar:
        st.divider()
        data = state.current_input()
        st.caption("Input")
        st.text(("🧪 " if data.is_sample else "📡 " if data.is_live else "📄 ") + data.label)
        live_status.sidebar_block()
        st.caption("Target Kuma version")
        options = state.current_options()
        # widgets of other pages are forgotten: re-seed this one from the permanent options
        st.session_state[SIDEBAR_VERSION_KEY] = options.kuma_version
        st.selectbox(
            "Target Kuma version",
            state.VERSION_CHOICES,
            key=SIDEBAR_VERSION_KEY,
            format_func=lambda v: version_label(report, v),
            on_change=state.bind(SIDEBAR_VERSION_KEY, "kuma_version"),
            label_visibility="collapsed",
            help="Which control-plane behaviour to model. 2.9.x drops every MES after the first broken one.",
        )
        st.caption(
            f"{prose(report.version_reason)}  \nzone {code(report.zone)} · namespace {code(report.system_namespace)}"
            f" · warn {report.expiry_warning_days} days before expiry"
        )
        st.page_link(SOURCES.path, label="Change input and options", icon="⚙️")


def begin(page: PageInfo) -> Report:
    """Navigation, the report for the current input and options, and the sidebar."""
    navigation()
    report = state.current_report()
    sidebar(report)
    return report
