"""Endpoint map: the zone egress endpoint map of the isolated builder (the target version, or 2.10 when the
target is 2.9) and, side by side, what a 2.9.x control plane builds from the same input — what differs
highlighted — with the blast radius."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.model import Report
from core.report.blast import blast_radius
from core.report.cascade import cascade_summary
from ui import page, state
from ui.charts import blast_chart, culprit_chart
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.maps import INCLUDED, Side, comparison_frame, destinations_frame, isolated_side, legacy_side, outcome_counts
from ui.text import code, prose, safe

page.setup(page.ENDPOINT_MAP)

MESH_KEY = "w.map.meshes"
STYLE_LIMIT = 1500  # beyond this many rows, highlight with the marker column only (Styler is slow)
_HIGHLIGHT = "background-color: rgba(234, 138, 12, 0.22)"


def blast_section(report: Report) -> None:
    radius = blast_radius(report)
    target29 = report.kuma_version == "2.9"
    st.subheader("Blast radius of the 2.9 cascade" + ("" if target29 else " (if this ran on Kuma 2.9.x)"),
                 anchor=False)
    summary = state.derived("cascade", cascade_summary)  # the same words as the Overview's verdict and card
    if summary.culprits:
        (st.error if target29 else st.warning)(prose(summary.headline()), icon="💥")
    else:
        st.success(prose(summary.headline()), icon="✅")
    counts = state.derived("outcome_counts", outcome_counts)
    # full width, one chart under the other: bar labels need room (in half a page they were cut off)
    st.plotly_chart(blast_chart(counts), width="stretch", key="map.blast", config={"displaylogo": False})
    sides = " and ".join(f"`{side.short}` = {side.title}" for side in (isolated_side(report), legacy_side(report))
                         if side is not None)
    st.caption(f"Per mesh and control plane ({sides}): MES in the egress endpoint map, dropped because an earlier "
               "MES failed (2.9 only), or excluded for their own failure.")
    if radius.culprits:
        st.plotly_chart(culprit_chart(radius), width="stretch", key="map.culprits", config={"displaylogo": False})
        st.caption("Culprit → how many MES it takes down with it on 2.9.x (fix these first).")


def differences(report: Report, comparison: pd.DataFrame) -> None:
    isolated = isolated_side(report)
    if isolated is None:
        return
    legacy = legacy_side(report)
    diff = comparison[comparison["differs"]]
    st.subheader(f"What differs between {isolated.title} and {legacy.title} · {len(diff)} MES", anchor=False)
    if report.kuma_version == "2.9":
        st.caption(f"The target is 2.9.x; on the left the same input on Kuma {isolated.map.version}, which "
                   "isolates a failing MES (it is logged and skipped; the others keep their endpoints and egress "
                   "filter chains, which 2.10 and 2.11 still lose): what an upgrade keeps.")
    if diff.empty:
        st.success("Both control planes build the same endpoint map from this input.", icon="✅")
        return
    st.dataframe(
        diff[["mesh", "namespace", "name", "isolated", "kuma29", "culprit", "cluster"]], hide_index=True,
        width="stretch", height=min(360, 38 + 35 * len(diff)),
        column_config={
            "isolated": st.column_config.TextColumn(isolated.title),
            "kuma29": st.column_config.TextColumn(legacy.title),
            "culprit": st.column_config.TextColumn("2.9 culprit"),
        },
    )


def map_table(side: Side, report: Report, differing: set[str], meshes: list[str], key: str) -> None:
    df = destinations_frame(side.map, report.services)
    if meshes:
        df = df[df["mesh"].isin(meshes)]
    included = int((df["state"] == INCLUDED).sum())
    st.markdown(f"**{side.title}** · {included} of {len(df)} in the map")
    marks = ["⚠️" if service in differing else "" for service in df["service"]]
    highlighted = any(marks)
    if highlighted:  # only a column that can hold a mark: without differences it would always be empty
        df.insert(0, "Δ", marks)
    data: pd.DataFrame | object = df
    if highlighted and len(df) <= STYLE_LIMIT:
        data = df.style.apply(lambda row: [_HIGHLIGHT if row["Δ"] else ""] * len(row), axis=1)
    st.dataframe(
        data, hide_index=True, width="stretch", height=min(560, 38 + 35 * max(1, len(df))), key=key,
        column_config={
            "Δ": st.column_config.TextColumn("Δ", width=40, help="Differs from the other control plane"),
            "state": st.column_config.TextColumn(width=230),
            "port": st.column_config.NumberColumn(format="%d", width="small"),
            "service": None,
        },
    )


def maps(report: Report, comparison: pd.DataFrame) -> None:
    differing = set(comparison.loc[comparison["differs"], "service"])
    meshes = st.multiselect("Mesh", sorted({s.resource.mesh for s in report.services}), key=MESH_KEY,
                            placeholder="all meshes")
    isolated, legacy = isolated_side(report), legacy_side(report)
    if isolated is None:  # nothing to compare with
        map_table(legacy, report, set(), meshes, "map.target")
        return
    target29 = report.kuma_version == "2.9"
    with st.container(key="stack-maps"):  # side by side, or one under the other on a narrow screen (ui/style.py)
        left, right = st.columns(2, gap="medium")
        with left:
            map_table(isolated, report, differing, meshes, "map.isolated" if target29 else "map.target")
        with right:
            map_table(legacy, report, differing, meshes, "map.target" if target29 else "map.legacy")
    lost = isolated.map.lost_filter_chains
    if lost:
        names = ", ".join(code(e.service.name) for e in list(lost.values())[:20])
        st.warning(
            f"Kuma {safe(isolated.map.version)} keeps an egress cluster but no egress filter chain for {len(lost)} "
            f"MES sorted after one without endpoints (inferred, fixed in 2.12): {names}",
            icon="⚠️",
        )


with friendly_errors("the Endpoint map page"):
    report = page.begin(page.ENDPOINT_MAP)
    page.header(page.ENDPOINT_MAP, report, f"zone egress of zone {code(report.zone)}")
    page.sample_banner(compact=True)
    if not report.services:
        st.info("The input has no MeshExternalService. Load manifests on the Sources page.", icon="📭")
    else:
        comparison = state.derived("comparison_frame", comparison_frame)
        blast_section(report)
        st.divider()
        differences(report, comparison)
        st.subheader("Endpoint maps", anchor=False)
        st.caption("Destinations in Kuma's order (by mesh, then core name), then what is left out and why.")
        maps(report, comparison)
    export_bar(report, "json", "markdown")
