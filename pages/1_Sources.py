"""Sources: what is analysed (upload, paste, live source, sample), with which options, and what was loaded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import streamlit as st

from core.model import Report
from core.options import DEFAULT_EXPIRY_WARNING_DAYS, DEFAULT_SYSTEM_NAMESPACE, DEFAULT_ZONE
from ui import live, live_status, page, state
from ui.errors import friendly_errors
from ui.frames import documents_frame, findings_frame
from ui.inputs import (
    UPLOAD_TYPES,
    describe_sources,
    human_size,
    source_from_paste,
    sources_from_uploads,
    total_bytes,
    upload_label,
)
from ui.style import status_column
from ui.text import code, prose, safe

page.setup(page.SOURCES)

UPLOAD_KEY = "w.sources.upload"
PASTE_KEY = "w.sources.paste"
PASTE_OVERLAY_KEY = "w.sources.paste_overlay"
OPTION_KEYS = {
    "kuma_version": "w.sources.kuma_version",
    "zone": "w.sources.zone",
    "system_namespace": "w.sources.system_namespace",
    "expiry_warning_days": "w.sources.expiry_warning_days",
    "federated": "w.sources.federated",
    "complete": "w.sources.complete",
}


# --- input callbacks (run before the script, so every page sees the new input at once) ----------


def on_upload() -> None:
    files = st.session_state.get(UPLOAD_KEY) or []
    if not files:
        if state.current_input().kind == "files":
            state.use_sample()
            st.toast("No files left: back to the bundled sample data.", icon="🧪")
        return
    sources = sources_from_uploads(files)
    state.set_files(sources, upload_label(sources))


def on_paste() -> None:
    source = source_from_paste(st.session_state.get(PASTE_KEY))
    if source is None:
        st.toast("Nothing to analyse: the text area is empty.", icon="⚠️")
        return
    current = state.current_input()
    if st.session_state.get(PASTE_OVERLAY_KEY) and not current.is_sample:
        pasted = sum(1 for s in current.sources if s.label == "paste")
        source = source_from_paste(st.session_state.get(PASTE_KEY), name=f"pasted-{pasted + 1}.yaml")
        assert source is not None
        state.add_files([source], "pasted YAML")
    else:
        state.set_files([source], "Pasted YAML")


def reset_options() -> None:
    state.update_options(kuma_version="auto", zone=DEFAULT_ZONE, system_namespace=DEFAULT_SYSTEM_NAMESPACE,
                         expiry_warning_days=DEFAULT_EXPIRY_WARNING_DAYS, federated=False, complete=False)


# --- input tabs --------------------------------------------------------------------------------


def files_tab() -> None:
    st.file_uploader(
        "Manifests or archives",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=UPLOAD_KEY,
        on_change=on_upload,
        help="YAML or JSON (several documents per file, Kubernetes or Universal form, `kind: List`), "
        ".zip or .tar.gz archives of them. Later files override earlier ones.",
    )
    st.caption(
        "Tip: `kubectl get meshexternalservices,secrets,meshes,zoneegresses -A -o yaml > mesh.yaml` "
        "(Secrets are only used to check references and read certificates; payloads are never shown)."
    )


def paste_tab() -> None:
    st.text_area(
        "YAML or JSON",
        key=PASTE_KEY,
        height=260,
        placeholder="apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\n…",
    )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Analyse pasted text", type="primary", on_click=on_paste, icon="▶️")
        st.checkbox(
            "Add on top of the current input (what-if)",
            key=PASTE_OVERLAY_KEY,
            help="Resources defined again replace the loaded ones, e.g. paste a fixed Secret to see the effect.",
            disabled=state.current_input().is_sample,
        )


def sample_tab() -> None:
    st.markdown(
        "The bundled sample is a small made-up mesh: MeshExternalServices with working, missing and expiring "
        "TLS material, generated for today, so every page has something to show."
    )
    st.button("Use the bundled sample data", on_click=state.use_sample, icon="🧪",
              disabled=state.current_input().is_sample)


LIVE_TAB = "📡 Live"
INPUT_TABS: list[tuple[str, Callable[[], None]]] = [
    ("📄 Files", files_tab),
    ("📋 Paste", paste_tab),
    (LIVE_TAB, live.live_tab),
    ("🧪 Sample", sample_tab),
]


# --- sections -----------------------------------------------------------------------------------


def current_input_box(report: Report) -> None:
    data = state.current_input()
    if data.is_live:
        with st.container(border=True):
            st.markdown("**Now analysing:**  \n" + "  \n".join(live_status.input_lines(data)))
            live_status.refresh_controls()
            if data.sources:
                st.button("Clear the what-if overlay", on_click=live.clear_overlay, icon="🧹", type="tertiary")
        live_status.rbac_expander(data)
        return
    with st.container(border=True):
        st.markdown(f"**Now analysing:** {'🧪' if data.is_sample else '📄'} {safe(data.label)}")
        details = describe_sources(data.sources) + f" · {human_size(total_bytes(data.sources))}"
        if data.loaded_at:
            details += f" · loaded {data.loaded_at:%Y-%m-%d %H:%M} UTC"
        st.text(details)


def options_section(report: Report) -> None:
    options = state.current_options()
    for option, key in OPTION_KEYS.items():
        st.session_state[key] = getattr(options, option)
    st.subheader("Analysis options", anchor=False)
    cols = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
    with cols[0]:
        st.selectbox(
            "Target Kuma version",
            state.VERSION_CHOICES,
            key=OPTION_KEYS["kuma_version"],
            format_func=lambda v: page.version_label(report, v),
            on_change=state.bind(OPTION_KEYS["kuma_version"], "kuma_version"),
            help="auto: from the shape of the TLS data sources (legacy `secret:` → 2.14, `type:` → 3.0). "
            "Choose 2.9 to see what the 2.9.x cascade drops.",
        )
    with cols[1]:
        st.text_input(
            "Zone", key=OPTION_KEYS["zone"],
            on_change=state.bind(OPTION_KEYS["zone"], "zone", lambda v: (v or "").strip() or DEFAULT_ZONE),
            help="The zone whose egress is modelled; MES labelled kuma.io/zone for another zone are skipped.",
        )
    with cols[2]:
        st.text_input(
            "System namespace", key=OPTION_KEYS["system_namespace"],
            on_change=state.bind(OPTION_KEYS["system_namespace"], "system_namespace",
                                 lambda v: (v or "").strip() or DEFAULT_SYSTEM_NAMESPACE),
            help="Where kuma-cp looks for MES and their Secrets on Kubernetes.",
        )
    with cols[3]:
        st.number_input(
            "Expiry warning (days)", min_value=0, max_value=3650, step=1, key=OPTION_KEYS["expiry_warning_days"],
            on_change=state.bind(OPTION_KEYS["expiry_warning_days"], "expiry_warning_days", int),
            help="Certificates expiring within this many days are a warning.",
        )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.checkbox(
            "Zone is federated to a Global CP", key=OPTION_KEYS["federated"],
            on_change=state.bind(OPTION_KEYS["federated"], "federated", bool),
            help="Changes which origin labels kuma-cp adds and which hostname generators apply.",
        )
        st.checkbox(
            "Input is complete", key=OPTION_KEYS["complete"],
            on_change=state.bind(OPTION_KEYS["complete"], "complete", bool),
            help="The input holds every Secret, ZoneEgress, MeshIdentity and Dataplane of the zone: a missing one "
            "is then a problem (e.g. no zone egress, no MeshIdentity on 3.0), not a 'not checked' note. Live "
            "sources mark each kind they listed in full by themselves.",
        )
        st.button("Reset options", on_click=reset_options, type="tertiary", icon="↩️")
    st.caption(f"Version in use: **Kuma {safe(report.kuma_version)}** — {prose(report.version_reason)}")


def loaded_section(report: Report) -> None:
    st.subheader("What was loaded", anchor=False)
    docs = state.derived("documents_frame", documents_frame)
    counts = Counter(docs["status"])
    kinds = Counter(r.kind.value for r in report.resources)
    cols = st.columns(4)
    cols[0].metric("✅ Loaded documents", counts.get("loaded", 0), border=True)
    cols[1].metric("⚪ Ignored", counts.get("ignored", 0), border=True,
                   help="Parsed fine, but not a kind MES Doctor analyses (Deployments, ConfigMaps, …).")
    cols[2].metric("🔴 Failed to parse", counts.get("failed", 0), border=True)
    cols[3].metric("Resources", len(report.resources), border=True)
    if kinds:
        st.caption("Resources: " + " · ".join(f"{n} {safe(k)}" for k, n in sorted(kinds.items())))
    ignored = Counter(k or "(no kind)" for k in docs.loc[docs["status"] == "ignored", "kind"])
    if ignored:
        st.caption("Ignored kinds: " + " · ".join(f"{n} {safe(k)}" for k, n in ignored.most_common(12)))

    problems = [f for f in report.findings if f.code.startswith("MES0")]
    if problems:
        st.markdown(f"**Input problems ({len(problems)})** — the rest of the input was still analysed:")
        df = findings_frame(report, problems)
        st.dataframe(
            df[["look", "code", "location", "message", "hint"]], hide_index=True, width="stretch",
            column_config={"look": status_column("severity"),
                           "location": st.column_config.TextColumn("file:line"),
                           "message": st.column_config.TextColumn(width="large")},
        )
    shown = st.pills("Show documents", ["loaded", "ignored", "failed"], selection_mode="multi",
                     default=["failed", "ignored"] if counts.get("failed") or counts.get("ignored") else ["loaded"],
                     key="w.sources.doc_filter")
    view = docs[docs["status"].isin(shown)] if shown else docs
    st.dataframe(
        view[["look", "kind", "name", "source", "file", "line", "document", "reason"]], hide_index=True,
        width="stretch",
        height=min(400, 38 + 35 * max(1, len(view))),
        column_config={"look": status_column(),
                       "line": st.column_config.NumberColumn(format="%d", width="small"),
                       "document": st.column_config.NumberColumn("doc #", format="%d", width="small"),
                       "reason": st.column_config.TextColumn(width="large")},
    )
    if report.coverage:
        with st.expander(f"ℹ️ What this input did not let MES Doctor check ({len(report.coverage)})"):
            for f in report.coverage:
                st.markdown(f"- **{f.code}** {prose(f.message)}")


with friendly_errors("the Sources page"):
    report = page.begin(page.SOURCES)
    page.header(page.SOURCES, report)
    current_input_box(report)
    tabs = st.tabs([title for title, _ in INPUT_TABS], key="w.sources.tab",
                   default=LIVE_TAB if state.current_input().is_live else None)
    for tab, (_, render) in zip(tabs, INPUT_TABS):
        with tab:
            render()
    st.divider()
    options_section(report)
    st.divider()
    loaded_section(report)
    st.caption(f"Zone {code(report.zone)} · everything is computed locally; live sources are only read "
               "(`GET` / `list`), and nothing is sent anywhere.")
