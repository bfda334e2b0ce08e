"""Services: every MeshExternalService in one filterable table; select one (or deep-link
`?service=<mesh>/<core name>`, e.g. `default/api.kuma-system`; `<mesh>/<name>` works when only one MES has
that name) to see why it is in its state and how to fix it."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from core.model import Report, ServiceOutcome
from ui import page, state
from ui.detail import render_service
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.frames import filter_services, find_services, options_of, service_id, services_frame
from ui.migrate import migrate_section
from ui.style import label, look, status_column
from ui.text import code, safe

page.setup(page.SERVICES)

QUERY_KEY = "service"
VIEW_KEY = "services.view"
TABLE_TAB = "📋 All services"
DETAIL_TAB = "🔎 Service detail"
VIEW_IDS_KEY = "services.view_ids"
TABLE_PREFIX = "services.table."
FILTER_KEYS = {
    "text": "w.services.text",
    "meshes": "w.services.meshes",
    "namespaces": "w.services.namespaces",
    "statuses": "w.services.statuses",
    "included": "w.services.included",
}
TABLE_COLUMNS = [
    "look", "mesh", "namespace", "name", "included_look", "included_on_2_9_look", "tls", "earliest_expiry",
    "findings", "top_finding", "destination", "hostname", "endpoints", "dropped_by", "file", "line",
]


def on_select(table_key: str) -> None:
    """Row (de)selected by the user: mirror it into the URL (`?service=`), the detail follows the URL."""
    selection = st.session_state.get(table_key) or {}
    rows = (selection.get("selection") or {}).get("rows") or []
    ids = st.session_state.get(VIEW_IDS_KEY) or []
    if rows and rows[0] < len(ids):
        st.query_params[QUERY_KEY] = ids[rows[0]]
        st.session_state[VIEW_KEY] = DETAIL_TAB
    elif QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


def filters(df: pd.DataFrame) -> pd.DataFrame:
    cols = st.columns([4, 2, 2], vertical_alignment="bottom")
    with cols[0]:
        text = st.text_input("Search", key=FILTER_KEYS["text"], placeholder="name, host, endpoint, finding, file…",
                             icon="🔎")
    with cols[1]:
        meshes = st.multiselect("Mesh", options_of(df, "mesh"), key=FILTER_KEYS["meshes"], placeholder="all")
    with cols[2]:
        namespaces = st.multiselect("Namespace", [n for n in options_of(df, "namespace") if n],
                                    key=FILTER_KEYS["namespaces"], placeholder="all")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="large"):
        statuses = st.pills("Status", ["broken", "warning", "healthy"], selection_mode="multi",
                            key=FILTER_KEYS["statuses"], format_func=label)
        included = st.segmented_control(f"Kuma {state.current_report().kuma_version} endpoint map",
                                        ["all", "included", "excluded"], default="all",
                                        key=FILTER_KEYS["included"]) or "all"
    return filter_services(df, meshes=meshes, namespaces=namespaces, statuses=statuses or [], included=included,
                           text=text or "")


def table(report: Report, view: pd.DataFrame, total: int, selected: str | None) -> None:
    digest = hashlib.sha256(
        (state.report_key() + "|" + "|".join(map(str, (st.session_state.get(k) for k in FILTER_KEYS.values()))))
        .encode()
    ).hexdigest()[:16]
    table_key = TABLE_PREFIX + digest
    ids = list(view["service"])
    st.session_state[VIEW_IDS_KEY] = ids
    default = None
    if selected in ids:
        default = {"selection": {"rows": [ids.index(selected)]}}
    columns = [c for c in TABLE_COLUMNS if c != "included_on_2_9_look" or report.kuma_version != "2.9"]
    st.dataframe(
        view[columns],
        hide_index=True,
        width="stretch",
        height=min(520, 38 + 35 * max(1, len(view))),
        column_config={
            "look": status_column(),
            "included_look": status_column(f"Kuma {report.kuma_version}",
                                           help="In this control plane's egress endpoint map?"),
            "included_on_2_9_look": status_column("Kuma 2.9.x", help="What a 2.9.x control plane would do"),
            "tls": st.column_config.TextColumn("TLS", width="small"),
            "earliest_expiry": st.column_config.DatetimeColumn("earliest expiry", format="YYYY-MM-DD"),
            "findings": st.column_config.NumberColumn("problems", width="small"),
            "top_finding": st.column_config.TextColumn("first problem", width="large"),
            "dropped_by": st.column_config.TextColumn("2.9 culprit"),
            "line": st.column_config.NumberColumn(format="%d", width="small"),
        },
        on_select=lambda: on_select(table_key),
        selection_mode="single-row",
        selection_default=default,
        key=table_key,
        placeholder="—",
    )
    shown = f"{len(view)} of {total} MeshExternalServices" if len(view) != total else f"{total} MeshExternalServices"
    st.caption(f"{shown} · select a row for its detail · click a column header to sort")
    export_bar(report, "services", "json")


def detail(report: Report, selected: str | None) -> None:
    if not selected:
        st.info("Select a service in the All services table to see its findings, TLS settings, secrets, "
                "certificates, the predicted kuma-cp log and its manifest.", icon="👈")
        return
    found = find_services(report, selected)
    if not found:
        st.warning(f"No MeshExternalService {code(selected)} in this input (the link may come from another "
                   "input).", icon="🔍")
        return
    if len(found) > 1:
        ambiguous(selected, found)
        return
    render_service(found[0], report)


def ambiguous(selected: str, found: list[ServiceOutcome]) -> None:
    """An old-style link `<mesh>/<name>` that names several MES (namespaces, or Kubernetes and Universal)."""
    st.warning(f"{code(selected)} names {len(found)} MeshExternalServices in this input: choose one.", icon="🔀")
    for s in found:
        r = s.resource
        where = f"namespace {r.namespace}" if r.namespace else "no namespace"
        st.page_link(page.SERVICES.path, label=safe(f"{r.mesh} / {r.name} · {where} · {r.flavour.value} · "
                                                   f"{r.origin.location()}"),
                     icon=look(s.status.value).icon, query_params={QUERY_KEY: service_id(r)})


with friendly_errors("the Services page"):
    report = page.begin(page.SERVICES)
    page.header(page.SERVICES, report)
    page.sample_banner(compact=True)
    frame = state.derived("services_frame", services_frame)
    if frame.empty:
        st.info("The input has no MeshExternalService. Load manifests on the Sources page.", icon="📭")
    else:
        selected = st.query_params.get(QUERY_KEY)
        named = find_services(report, selected) if selected else []
        if len(named) == 1 and selected != service_id(named[0].resource):  # an old `<mesh>/<name>` link
            selected = service_id(named[0].resource)
            st.query_params[QUERY_KEY] = selected
        table_tab, detail_tab = st.tabs([TABLE_TAB, DETAIL_TAB], key=VIEW_KEY, on_change="rerun",  # fixed labels
                                        default=DETAIL_TAB if selected else TABLE_TAB)
        with table_tab:  # always rendered, so the filters keep their values while the detail is shown
            view = filters(frame)
            table(report, view, len(frame), selected)
        with detail_tab:
            detail(report, selected)
    migrate_section(report)
