"""Checks: the catalogue of every finding code, and how often each one fires on the current input."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from core.catalogue import CATALOGUE, CATEGORIES
from core.model import Report
from ui import page, state
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.frames import catalogue_frame, findings_frame
from ui.style import label, status_column
from ui.text import code, prose

page.setup(page.CHECKS)

QUERY_KEY = "code"
KEYS = {
    "text": "w.checks.text",
    "category": "w.checks.category",
    "severity": "w.checks.severity",
    "stage": "w.checks.stage",
    "found": "w.checks.found",
}


def filtered(df: pd.DataFrame) -> pd.DataFrame:
    cols = st.columns([4, 3, 2], vertical_alignment="bottom")
    with cols[0]:
        text = st.text_input("Search", key=KEYS["text"], placeholder="code, title or explanation", icon="🔎")
    with cols[1]:
        categories = st.multiselect("Category", list(CATEGORIES.values()), key=KEYS["category"], placeholder="all")
    with cols[2]:
        stages = st.multiselect("Stage", sorted(set(df["stage"])), key=KEYS["stage"], placeholder="all")
    with st.container(horizontal=True, vertical_alignment="center", gap="large"):
        severities = st.pills("Severity", ["error", "warning", "info"], selection_mode="multi",
                              key=KEYS["severity"], format_func=label, label_visibility="collapsed")
        found_codes = set(df.loc[df["in_input"] > 0, "code"])
        if KEYS["found"] not in st.session_state:  # by default the codes this input has, unless a link names another
            selected = st.query_params.get(QUERY_KEY)
            st.session_state[KEYS["found"]] = bool(found_codes) and (not selected or selected in found_codes)
        found = st.toggle(f"Only codes found in this input ({len(found_codes)})", key=KEYS["found"])
    mask = pd.Series(True, index=df.index)
    if categories:
        mask &= df["category"].isin(categories)
    if severities:
        mask &= df["severity"].isin(severities)
    if stages:
        mask &= df["stage"].isin(stages)
    if found:
        mask &= df["in_input"] > 0
    for word in (text or "").lower().split():
        mask &= (df["code"] + " " + df["title"] + " " + df["explanation"]).str.lower().str.contains(word,
                                                                                                    regex=False)
    return df[mask]


def on_select(table_key: str, ids: list[str]) -> None:
    rows = ((st.session_state.get(table_key) or {}).get("selection") or {}).get("rows") or []
    if rows and rows[0] < len(ids):
        st.query_params[QUERY_KEY] = ids[rows[0]]
    elif QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


def code_detail(report: Report, selected: str) -> None:
    entry = CATALOGUE.get(selected)
    if entry is None:
        st.warning(f"Unknown code {code(selected)}.", icon="🔍")
        return
    with st.container(border=True):
        st.subheader(f"{label(entry.severity.value).split()[0]} {entry.code} · {prose(entry.title)}", anchor=False)
        st.caption(f"{entry.category} · stage {code(entry.stage.value)} · severity {code(entry.severity.value)} · "
                   f"Kuma versions {code(entry.versions)}" + (" · retired" if entry.retired else ""))
        st.markdown(prose(entry.explanation))
        if entry.example:
            st.markdown("**Example that triggers it**")
            st.code(entry.example, language="yaml")
        matches = [f for f in report.findings if f.code == entry.code]
        if matches:
            st.markdown(f"**In this input: {len(matches)}**")
            df = findings_frame(report, matches)
            st.dataframe(df[["message", "resource", "location"]], hide_index=True, width="stretch",
                         height=min(360, 38 + 35 * len(df)),
                         column_config={"message": st.column_config.TextColumn(width="large")})
        else:
            st.caption("Not found in the current input.")


with friendly_errors("the Checks page"):
    report = page.begin(page.CHECKS)
    page.header(page.CHECKS, report, f"{len(CATALOGUE)} codes; codes are stable and never renumbered")
    catalogue = state.derived("catalogue_frame", catalogue_frame)
    view = filtered(catalogue)
    ids = list(view["code"])
    selected = st.query_params.get(QUERY_KEY)
    table_key = "checks.table." + hashlib.sha256("|".join(ids).encode()).hexdigest()[:16]
    left, right = st.container(key="stack-checks").columns([3, 2], gap="medium")
    with left:
        st.dataframe(
            view[["code", "look", "in_input", "title", "stage", "versions"]],
            hide_index=True, width="stretch", height=min(640, 38 + 35 * max(1, len(view))),
            column_config={
                "code": st.column_config.TextColumn(width="small"),
                "look": status_column("severity"),
                "title": st.column_config.TextColumn(width="medium"),
                "in_input": st.column_config.NumberColumn("found", width="small",
                                                          help="Findings of this code in the current input"),
            },
            on_select=lambda: on_select(table_key, ids),
            selection_mode="single-row",
            selection_default={"selection": {"rows": [ids.index(selected)]}} if selected in ids else None,
            key=table_key,
        )
        st.caption(f"{len(view)} of {len(catalogue)} codes · select one for its explanation, example and findings")
    with right:
        if selected:
            code_detail(report, selected)
        else:
            st.info("Select a code to read what it means, when it bites (stage), which Kuma versions it applies "
                    "to, an example that triggers it and the findings of the current input.", icon="👈")
            st.markdown("**Stages**, in the order an operator meets them: `input` (MES Doctor could not read it) → "
                        "`write` (the API server rejects it) → `control-plane` (kuma-cp drops it) → `envoy` "
                        "(Envoy NACKs) → `handshake` (TLS fails) → `risk` (works, but at risk) → `note`.")
    export_bar(report, "findings")
