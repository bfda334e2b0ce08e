"""Endpoint map: the zone egress endpoint map the control plane builds for the target version and,
side by side, what a 2.9.x control plane builds from the same input — with the blast radius."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.model import EndpointMap, Report
from core.report.blast import blast_radius
from ui import page, state
from ui.charts import blast_chart, culprit_chart
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.maps import INCLUDED, comparison_frame, destinations_frame, outcome_counts
from ui.text import code, safe

page.setup(page.ENDPOINT_MAP)

MESH_KEY = "w.map.meshes"
STYLE_LIMIT = 1500  # beyond this many rows, highlight with the marker column only (Styler is slow)
_HIGHLIGHT = "background-color: rgba(234, 138, 12, 0.22)"


def blast_section(report: Report) -> None:
    radius = blast_radius(report)
    target29 = report.kuma_version == "2.9"
    st.subheader("Blast radius of the 2.9 cascade" + ("" if target29 else " (if this ran on Kuma 2.9.x)"),
                 anchor=False)
    if radius.culprits:
        (st.error if target29 else st.warning)(safe(radius.headline), icon="💥")
    else:
        st.success(safe(radius.headline), icon="✅")
    counts = state.derived("outcome_counts", outcome_counts)
    cols = st.columns([3, 2] if radius.culprits else [1], gap="large")
    with cols[0]:
        st.plotly_chart(blast_chart(counts), width="stretch", key="map.blast", config={"displaylogo": False})
        st.caption("Per mesh: MES in the egress endpoint map, dropped because an earlier MES failed (2.9 only), "
                   "or excluded for their own failure.")
    if radius.culprits:
        with cols[1]:
            st.plotly_chart(culprit_chart(radius), width="stretch", key="map.culprits",
                            config={"displaylogo": False})
            st.caption("Culprit → how many MES it takes down with it on 2.9.x (fix these first).")


def differences(report: Report, comparison: pd.DataFrame) -> None:
    if report.kuma_version == "2.9":
        return
    diff = comparison[comparison["differs"]]
    st.subheader(f"What differs between Kuma {report.kuma_version} and 2.9.x · {len(diff)} MES", anchor=False)
    if diff.empty:
        st.success("Both control planes build the same endpoint map from this input.", icon="✅")
        return
    st.dataframe(
        diff[["mesh", "namespace", "name", "target", "kuma29", "culprit", "cluster"]], hide_index=True,
        width="stretch", height=min(360, 38 + 35 * len(diff)),
        column_config={
            "target": st.column_config.TextColumn(f"Kuma {report.kuma_version}"),
            "kuma29": st.column_config.TextColumn("Kuma 2.9.x"),
            "culprit": st.column_config.TextColumn("2.9 culprit"),
        },
    )


def map_table(title: str, m: EndpointMap, report: Report, differing: set[str], meshes: list[str], key: str) -> None:
    df = destinations_frame(m, report.services)
    if meshes:
        df = df[df["mesh"].isin(meshes)]
    included = int((df["state"] == INCLUDED).sum())
    st.markdown(f"**{title}** · {included} of {len(df)} in the map")
    df.insert(0, "Δ", ["⚠️" if f"{mesh}/{name}" in differing else "" for mesh, name in zip(df["mesh"], df["name"])])
    data: pd.DataFrame | object = df
    if len(df) <= STYLE_LIMIT and differing:
        data = df.style.apply(
            lambda row: [_HIGHLIGHT if row["Δ"] else ""] * len(row), axis=1
        )
    st.dataframe(
        data, hide_index=True, width="stretch", height=min(560, 38 + 35 * max(1, len(df))), key=key,
        column_config={
            "Δ": st.column_config.TextColumn("Δ", width=40,
                                            help="Differs from the other control plane"),
            "state": st.column_config.TextColumn(width=230),
            "port": st.column_config.NumberColumn(format="%d", width="small"),
        },
    )


def maps(report: Report, comparison: pd.DataFrame) -> None:
    differing = set(comparison.loc[comparison["differs"], "service"])
    meshes = st.multiselect("Mesh", sorted({s.resource.mesh for s in report.services}), key=MESH_KEY,
                            placeholder="all meshes")
    if report.kuma_version == "2.9":
        map_table("Kuma 2.9.x (target)", report.endpoint_map, report, set(), meshes, "map.target")
        return
    left, right = st.columns(2, gap="medium")
    with left:
        map_table(f"Kuma {report.kuma_version} (target)", report.endpoint_map, report, differing, meshes,
                  "map.target")
    with right:
        map_table("Kuma 2.9.x", report.legacy_map, report, differing, meshes, "map.legacy")
    lost = report.endpoint_map.lost_filter_chains
    if lost:
        names = ", ".join(code(e.service.name) for e in list(lost.values())[:20])
        st.warning(
            f"Kuma {safe(report.kuma_version)} keeps an egress cluster but no egress filter chain for {len(lost)} "
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
