"""Sources: what is analysed (upload, paste, live source, sample), with which options, and what was loaded."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

import streamlit as st

from core.model import Report
from core.options import DEFAULT_EXPIRY_WARNING_DAYS, DEFAULT_SYSTEM_NAMESPACE
from ui import live, live_status, page, snapshot, state, whatif
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
    if st.session_state.get(PASTE_OVERLAY_KEY):
        pasted = sum(1 for layer in whatif.layers() if layer.kind == "paste")
        name = f"pasted-{pasted + 1}.yaml"
        source = source_from_paste(st.session_state.get(PASTE_KEY), name=name)
        assert source is not None
        whatif.add_layer("paste", name, [source])
        st.toast(f"Added {name} as a what-if layer: every page shows the input with it.", icon="🩹")
    else:
        state.set_files([source], "Pasted YAML")


WHATIF_GEN = state.PREFIX + "whatif_upload_gen"  # bumped to empty the what-if uploader
WHATIF_PASTE_KEY = "w.sources.whatif_paste"


def _whatif_upload_key() -> str:
    return f"w.sources.whatif_upload.{st.session_state.get(WHATIF_GEN, 0)}"


def on_add_layer() -> None:
    """What-if tab: the uploaded files and/or the pasted text become one layer each."""
    added = []
    files = sources_from_uploads(st.session_state.get(_whatif_upload_key()) or [])
    if files:
        names = [f.name for f in files]
        title = ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")
        added.append(whatif.add_layer("upload", title, files))
        st.session_state[WHATIF_GEN] = st.session_state.get(WHATIF_GEN, 0) + 1
    pasted_count = sum(1 for layer in whatif.layers() if layer.kind == "paste")
    pasted = source_from_paste(st.session_state.get(WHATIF_PASTE_KEY), name=f"pasted-{pasted_count + 1}.yaml")
    if pasted is not None:
        added.append(whatif.add_layer("paste", pasted.name, [pasted]))
        st.session_state[WHATIF_PASTE_KEY] = ""
    if not added:
        st.toast("Nothing to add: upload files or paste YAML first.", icon="⚠️")
        return
    st.toast(f"Added {len(added)} what-if layer{'s' if len(added) > 1 else ''}: every page shows the input with "
             "it; the banner compares with the baseline.", icon="🩹")


def reset_options() -> None:
    state.update_options(kuma_version="auto", zone=None, system_namespace=DEFAULT_SYSTEM_NAMESPACE,
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
            help="A what-if layer: resources defined again replace the loaded ones, e.g. paste a fixed Secret to see "
                 "the effect. The banner on every page lists the layers, removes them and compares with the "
                 "baseline.",
        )


def sample_tab() -> None:
    from core.sample import SAMPLE_INFO  # imported here: the sample module generates a PKI

    current = state.sample_name(state.current_input())
    cols = st.columns(len(SAMPLE_INFO))
    for col, info in zip(cols, SAMPLE_INFO.values()):
        with col, st.container(border=True, height="stretch"):
            st.markdown(f"**{safe(info.title)}**" + ("  ✅ in use" if info.name == current else ""))
            st.caption(prose(info.description))
            st.button(f"Use the {info.name} sample", on_click=state.use_sample, args=(info.name,), icon="🧪",
                      disabled=info.name == current, key=f"w.sources.sample.{info.name}")
    st.caption("Both are made up and dated relative to now, so nothing is \"all expired\" on a later day.")


def whatif_tab() -> None:
    if not whatif.available():
        st.info("This is an opened snapshot: a saved report, without the input to analyse again. Load the input "
                "it was made from to try a fix on top of it.", icon="📦")
        return
    st.markdown(
        "Try a fix before applying it: files or YAML added here are laid **on top of** the current input "
        "(a resource defined again replaces the loaded one, e.g. a corrected MeshExternalService or the missing "
        "Secret). Every page then shows the result, a banner lists the layers (each removable) and switches "
        "between the what-if and the **baseline**; the Overview shows what changed."
    )
    cols = st.columns(2)
    with cols[0]:
        st.file_uploader("Files to lay on top", type=UPLOAD_TYPES, accept_multiple_files=True,
                         key=_whatif_upload_key())
    with cols[1]:
        st.text_area("or YAML", key=WHATIF_PASTE_KEY, height=110, placeholder="kind: Secret\n…")
    st.button("Add as a what-if layer", on_click=on_add_layer, icon="🩹", type="primary")
    st.caption("No real Secret at hand? On a failing reference (Services → a service's detail, or the Overview's "
               "incident card), **Stub Secret** adds a placeholder Secret of that name (no key material) instead.")


LIVE_TAB = "📡 Live"
INPUT_TABS: list[tuple[str, Callable[[], None]]] = [
    ("📄 Files", files_tab),
    ("📋 Paste", paste_tab),
    (LIVE_TAB, live.live_tab),
    ("🩹 What-if", whatif_tab),
    ("📦 Snapshot", snapshot.snapshot_tab),
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
        icon = ("🧪" if data.is_sample else "📈" if data.watcher is not None else "📦" if data.is_snapshot
                else "📄")
        st.markdown(f"**Now analysing:** {icon} "
                    f"{safe(data.label)}")
        details = ("a saved report (no input files)" if data.is_snapshot else
                   describe_sources(data.sources) + f" · {human_size(total_bytes(data.sources))}")
        if data.loaded_at:
            details += f" · loaded {data.loaded_at:%Y-%m-%d %H:%M} UTC"
        st.text(details)


def options_section(report: Report) -> None:
    options = state.current_options()
    for option, key in OPTION_KEYS.items():
        value = getattr(options, option)
        st.session_state[key] = "" if option == "zone" and value is None else value  # "": detect the zone
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
            "Zone", key=OPTION_KEYS["zone"], placeholder=f"auto: {report.zone}",
            on_change=state.bind(OPTION_KEYS["zone"], "zone", lambda v: (v or "").strip() or None),
            help="The zone whose egress is modelled; MES labelled kuma.io/zone for another zone are skipped. "
            "Leave it empty to detect it from the input (control plane, ZoneEgresses, zone-created MES).",
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
    st.caption(f"Version in use: **Kuma {safe(report.kuma_version)}** — {prose(report.version_reason)}  \n"
               f"Zone in use: {code(report.zone)} — {prose(report.zone_reason)}")


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
    # one filter per input: its default (problems first, else what loaded) must not stick to the next input
    # (a fresh upload listed nothing when the sample before it had an ignored document)
    which = hashlib.sha256(state.current_input().digest.encode()).hexdigest()[:12]
    shown = st.pills("Show documents", ["loaded", "ignored", "failed"], selection_mode="multi",
                     default=["failed", "ignored"] if counts.get("failed") or counts.get("ignored") else ["loaded"],
                     key=f"w.sources.doc_filter.{which}")
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
    page.version_question(report, "sources")  # right after an upload that does not say which kuma-cp runs
    tabs = st.tabs([title for title, _ in INPUT_TABS], key="w.sources.tab",
                   default=LIVE_TAB if state.current_input().is_live else None)
    for tab, (_, render) in zip(tabs, INPUT_TABS):
        with tab:
            render()
    st.divider()
    if state.current_input().is_snapshot:
        st.caption("A snapshot keeps the options it was made with: " + page.context_line(report))
    else:
        options_section(report)
    st.divider()
    loaded_section(report)
    st.caption(f"Zone {code(report.zone)} · everything is computed locally; live sources are only read "
               "(`GET` / `list`), and nothing is sent anywhere.")
