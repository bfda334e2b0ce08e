"""Secrets & certificates: every secret reference (failing first) and every certificate with its expiry."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.model import Report
from ui import page, state
from ui.charts import expiry_timeline
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.frames import certificates_frame, options_of, references_frame
from ui.style import label, status_column

page.setup(page.SECRETS)

MESH_KEY = "w.secrets.meshes"
REF_STATUS_KEY = "w.secrets.ref_status"
CERT_STATUS_KEY = "w.secrets.cert_status"


def references(report: Report, refs: pd.DataFrame) -> None:
    failing = int((~refs["status"].isin(["ok"])).sum())
    st.subheader(f"Secret references · {failing} of {len(refs)} not ok", anchor=False)
    only = st.segmented_control("Show", ["not ok", "all"], default="not ok" if failing else "all",
                                key=REF_STATUS_KEY) or "all"
    view = refs[refs["status"] != "ok"] if only == "not ok" else refs
    if view.empty:
        st.success("Every secret reference resolves.", icon="✅")
        return
    st.dataframe(
        view[["look", "mesh", "service", "field", "source", "secret", "message", "code", "file"]],
        hide_index=True, width="stretch", height=min(460, 38 + 35 * len(view)),
        column_config={
            "look": status_column(width=185),
            "secret": st.column_config.TextColumn("Secret"),
            "message": st.column_config.TextColumn("why", width="large"),
            "file": st.column_config.TextColumn("file:line"),
        },
    )


def certificates(report: Report, certs: pd.DataFrame) -> None:
    window = report.expiry_warning_days
    bad = certs[certs["status"] != "valid"]
    st.subheader(f"Certificates · {len(bad)} of {len(certs)} expired, expiring or not yet valid", anchor=False)
    if certs.empty:
        st.caption("No certificate was reached through any data source (nothing to show).")
        return
    st.plotly_chart(expiry_timeline(certs, report.now, window), width="stretch", key="secrets.timeline",
                    config={"displaylogo": False})
    st.caption(f"◆ not-after of each certificate, coloured by status; the line behind it is its validity; "
               f"the shaded band is the {window}-day warning window. Hover for details.")
    statuses = st.pills("Status", ["expired", "not-yet-valid", "expiring", "valid"], selection_mode="multi",
                        key=CERT_STATUS_KEY, format_func=label)
    view = certs[certs["status"].isin(statuses)] if statuses else certs
    st.dataframe(
        view[["look", "days_left", "not_after", "mesh", "service", "field", "secret", "position", "subject",
              "issuer", "sans", "not_before", "key", "is_ca", "serial", "sha256"]],
        hide_index=True, width="stretch", height=min(460, 38 + 35 * max(1, len(view))),
        column_config={
            "look": status_column(),
            "days_left": st.column_config.NumberColumn("days left", width="small"),
            "not_after": st.column_config.DatetimeColumn("not after", format="YYYY-MM-DD HH:mm"),
            "not_before": st.column_config.DatetimeColumn("not before", format="YYYY-MM-DD HH:mm"),
            "position": st.column_config.NumberColumn("#", width="small"),
            "sans": st.column_config.TextColumn("SANs"),
            "is_ca": st.column_config.CheckboxColumn("CA", width="small"),
        },
    )


with friendly_errors("the Secrets & certificates page"):
    report = page.begin(page.SECRETS)
    page.header(page.SECRETS, report, "no Secret payload or key is ever shown — fingerprints, subjects and dates only")
    page.sample_banner(compact=True)
    refs = state.derived("references_frame", references_frame)
    certs = state.derived("certificates_frame", certificates_frame)
    meshes = sorted(set(options_of(refs, "mesh")) | set(options_of(certs, "mesh")))
    chosen = st.multiselect("Mesh", meshes, key=MESH_KEY, placeholder="all meshes")
    if chosen:
        refs = refs[refs["mesh"].isin(chosen)]
        certs = certs[certs["mesh"].isin(chosen)]
    if refs.empty and certs.empty:
        st.info("No MeshExternalService in this input uses caCert, clientCert or clientKey.", icon="📭")
    else:
        references(report, refs)
        st.divider()
        certificates(report, certs)
    export_bar(report, "references", "certificates")
