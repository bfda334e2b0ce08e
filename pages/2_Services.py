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
from ui.frames import filter_services, find_services, options_of, service_id, services_frame, varying
from ui.migrate import migrate_section
from ui.style import label, look, status_column
from ui.text import code, safe

page.setup(page.SERVICES)

QUERY_KEY = "service"
VIEW_KEY = "services.view"
TABLE_TAB = "📋 All services"
DETAIL_TAB = "🔎 Service detail"
VIEW_IDS_KEY = "services.view_ids"
OPEN_KEY = "w.services.open"
TABLE_PREFIX = "services.table."
FILTER_KEYS = {
    "text": "w.services.text",
    "meshes": "w.services.meshes",
    "namespaces": "w.services.namespaces",
    "statuses": "w.services.statuses",
    "included": "w.services.included",
}
# the name and why first (visible at 1280 px), then where and what the control planes do, then the details
TABLE_COLUMNS = [
    "look", "role_look", "name", "top_finding", "changed", "mesh", "namespace", "included_look",
    "included_on_2_9_look", "tls", "earliest_expiry", "findings", "hostname", "endpoints", "destination", "file",
    "line",
]
OPTIONAL_COLUMNS = ("role_look", "changed", "mesh", "namespace", "tls")  # hidden when the same on every row


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


def on_open() -> None:
    """"Open a service" (type a name, Enter): its detail, as a selected row would."""
    chosen = st.session_state.get(OPEN_KEY)
    if chosen:
        st.query_params[QUERY_KEY] = chosen
        st.session_state[VIEW_KEY] = DETAIL_TAB
    st.session_state[OPEN_KEY] = None


def open_box(df: pd.DataFrame) -> None:
    """Keyboards: a searchable list of every MES (by impact) that opens the one chosen."""
    names = dict(zip(df["service"], [f"{look} {name} · {mesh}" for look, name, mesh in
                                     zip(df["look"], df["name"], df["mesh"])]))
    st.selectbox("Open a service", list(names), index=None, key=OPEN_KEY, on_change=on_open,
                 format_func=lambda sid: names.get(sid, sid), placeholder="type a name, Enter",
                 help="Opens its detail (as selecting its row does). In a table, the arrow keys move and Shift+Space "
                      "then Space select the row.")


def filters(df: pd.DataFrame) -> pd.DataFrame:
    mesh_options = options_of(df, "mesh")
    namespace_options = [n for n in options_of(df, "namespace") if n]
    # a filter with one value to choose filters nothing: only the search then
    shown = [len(mesh_options) > 1, len(namespace_options) > 1]
    cols = st.columns([3, 3] + [2 for on in shown if on], vertical_alignment="bottom")
    with cols[0]:
        text = st.text_input("Search", key=FILTER_KEYS["text"], placeholder="name, host, endpoint, finding, file…",
                             icon="🔎")
    with cols[1]:
        open_box(df)
    meshes: list[str] = []
    namespaces: list[str] = []
    column = 2
    if shown[0]:
        with cols[column]:
            meshes = st.multiselect("Mesh", mesh_options, key=FILTER_KEYS["meshes"], placeholder="all")
        column += 1
    if shown[1]:
        with cols[column]:
            namespaces = st.multiselect("Namespace", namespace_options, key=FILTER_KEYS["namespaces"],
                                        placeholder="all")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="large"):
        statuses = st.pills("Status", ["broken", "warning", "healthy"], selection_mode="multi",
                            key=FILTER_KEYS["statuses"], format_func=label)
        included = st.segmented_control(f"Kuma {state.current_report().kuma_version} endpoint map",
                                        ["all", "included", "excluded"], default="all",
                                        key=FILTER_KEYS["included"]) or "all"
    return filter_services(df, meshes=meshes, namespaces=namespaces, statuses=statuses or [], included=included,
                           text=text or "")


def table(report: Report, view: pd.DataFrame, frame: pd.DataFrame, selected: str | None) -> None:
    total = len(frame)
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
    columns = [c for c in varying(frame, TABLE_COLUMNS, OPTIONAL_COLUMNS)
               if c != "included_on_2_9_look" or report.kuma_version != "2.9"]
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
            "name": st.column_config.TextColumn("name", width=160, pinned=True),
            "top_finding": st.column_config.TextColumn("first problem", width="large"),
            "role_look": st.column_config.TextColumn("role", width=180, help="In the 2.9 cascade: root cause, latent "
                                                     "root cause (next in line) or dropped by a root cause; or a "
                                                     "fault of its own"),
            "changed": st.column_config.TextColumn("changed", help="Created or last changed (🆕: within 24 h)"),
            "line": st.column_config.NumberColumn(format="%d", width="small"),
        },
        on_select=lambda: on_select(table_key),
        selection_mode="single-row",
        selection_default=default,
        key=table_key,
        placeholder="—",
    )
    shown = f"{len(view)} of {total} MeshExternalServices" if len(view) != total else f"{total} MeshExternalServices"
    st.caption(f"{shown} · select a row for its detail (keyboard: arrow keys, then Shift+Space and Space) · click a "
               "column header to sort")
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
            table(report, view, frame, selected)
        with detail_tab:
            detail(report, selected)
    migrate_section(report)
