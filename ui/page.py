"""What every page shares: page config, navigation, the sample-data banner and the options sidebar."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.model import Report
from ui import auth, deployment, live_status, state, watcher, whatif
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
    deployment.check()  # invalid server settings, or local mode exposed on a network: refuse before drawing
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
    watcher.banner()
    whatif.banner()


VERSION_SOURCES = {  # Report.version_source, in a word or two (the reason itself is in the sidebar and on Sources)
    "chosen": "chosen",
    "control-plane": "from the kuma-cp image",
    "api": "from the control plane API",
    "shape": "assumed: not detected",
    "default": "assumed: not detected",
}


def context_line(report: Report) -> str:
    """`Kuma 2.9 (from the kuma-cp image) · zone eu-west-1 (auto) · system namespace kuma-system · evaluated …`
    (escaped; the full reasons are in the sidebar and on Sources)."""
    source = VERSION_SOURCES.get(report.version_source, "")
    zone_how = "chosen" if state.current_options().zone else "auto"
    return (
        f"Kuma **{safe(report.kuma_version)}**" + (f" ({safe(source)})" if source else "")
        + f" · zone {code(report.zone)} ({zone_how}) · system namespace {code(report.system_namespace)} · "
        f"evaluated {report.now:%Y-%m-%d %H:%M} UTC"
    )


def sample_banner(compact: bool = True) -> None:
    """Under a page's title: say clearly when the numbers come from the bundled sample (the Overview has its
    own notice, beside its title: `overview_title`)."""
    if state.current_input().is_sample:
        st.info("You are looking at the **bundled sample data**. Load your own manifests on the Sources page.",
                icon="🧪")


def sample_notice() -> None:
    """The Overview's one-line sample notice and the link to load your own (beside the title when it fits)."""
    st.info("This is the **bundled sample data**, not your cluster.", icon="🧪")
    st.page_link(SOURCES.path, label="Load your own manifests", icon="📥")


def overview_title(report: Report) -> None:
    """The Overview's title, with the sample notice on the same row (the first screen is precious)."""
    data = state.current_input()
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="sample-banner", wrap=False):
        st.title("🩺 MES Doctor", anchor=False, width="content")
        if data.is_sample:
            sample_notice()
    st.caption(context_line(report))
    live_status.banners(report)
    watcher.banner()


VERSION_DISMISSED = state.PREFIX + "version_dismissed"  # inputs (digests) whose version question was put aside
DONT_KNOW = "not sure"


def version_undetected(report: Report) -> bool:
    """The target version is a guess: `auto`, and nothing in the input (kuma-cp image, API) told it."""
    return (state.current_options().kuma_version == "auto" and not report.version_detected
            and not state.current_input().is_snapshot)


def _answer_version(widget: str) -> None:
    choice = st.session_state.get(widget)
    if choice == DONT_KNOW:
        dismissed = set(st.session_state.get(VERSION_DISMISSED) or ())
        st.session_state[VERSION_DISMISSED] = dismissed | {state.current_input().digest}
    elif choice:
        state.update_options(kuma_version=choice)


def version_question(report: Report, where: str) -> None:
    """Ask which kuma-cp version runs the zone when the input does not say (a plain kubectl export): the answer
    decides whether the 2.9 cascade happens. Right after an upload (Sources) and on the Overview."""
    if not version_undetected(report) or state.current_input().digest in (st.session_state.get(VERSION_DISMISSED)
                                                                        or ()):
        return
    widget = f"w.{where}.version_question"
    st.session_state[widget] = None
    with st.container(border=True, key=f"version-question-{where}"), st.container(
            horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(
            f"**❓ Which kuma-cp version runs this zone?** The input does not say, so Kuma "
            f"**{safe(report.kuma_version)}** is assumed — and 2.9.x drops every MES after the first failing one.",
            help=f"{report.version_reason}. An input with the kuma-cp Deployment or Pod (its image tag) or a live "
                 "Kuma API tells the version by itself.",
        )
        st.segmented_control(
            "kuma-cp version", [*state.VERSION_CHOICES[1:], DONT_KNOW], key=widget, on_change=_answer_version,
            args=(widget,), label_visibility="collapsed",
            format_func=lambda v: v if v == DONT_KNOW else (f"{v}.x" if v == "2.9" else v),
        )


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
        st.text(("🧪 " if data.is_sample else "📡 " if data.is_live else "📈 " if data.watcher is not None
                 else "📦 " if data.is_snapshot else "📄 ") + data.label)
        live_status.sidebar_block()
        watcher.sidebar_block()
        st.caption("Target Kuma version")
        options = state.current_options()
        # widgets of other pages are forgotten: re-seed this one from the permanent options
        st.session_state[SIDEBAR_VERSION_KEY] = (data.snapshot_options or options).kuma_version
        st.selectbox(
            "Target Kuma version",
            state.VERSION_CHOICES,
            key=SIDEBAR_VERSION_KEY,
            format_func=lambda v: version_label(report, v),
            on_change=state.bind(SIDEBAR_VERSION_KEY, "kuma_version"),
            label_visibility="collapsed", disabled=data.is_snapshot,
            help="Which control-plane behaviour to model. 2.9.x drops every MES after the first broken one."
                 + (" A snapshot keeps the version it was made with." if data.is_snapshot else ""),
        )
        st.caption(
            f"{prose(report.version_reason)}  \nzone {code(report.zone)} · namespace {code(report.system_namespace)}"
            f" · warn {report.expiry_warning_days} days before expiry"
        )
        st.page_link(SOURCES.path, label="Change input and options", icon="⚙️")


def begin(page: PageInfo) -> Report:
    """Navigation, the report for the current input and options, and the sidebar."""
    navigation()
    watcher.open_from_link()  # ?watcher=<name>: an alert's link to a configured watcher's report
    report = state.current_report()
    sidebar(report)
    return report
