"""Secrets & certificates: every secret reference (failing first) and every certificate with its expiry."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.model import Report
from ui import page, state
from ui.charts import HORIZON_DAYS, TIMELINE_LIMIT, expiry_histogram, expiry_timeline
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.frames import certificates_frame, options_of, references_frame, unique_certificates, varying
from ui.style import label, status_column

page.setup(page.SECRETS)

MESH_KEY = "w.secrets.meshes"
REF_STATUS_KEY = "w.secrets.ref_status"
CERT_STATUS_KEY = "w.secrets.cert_status"


REFERENCE_COLUMNS = ["look", "service", "field", "secret", "secret_changed", "message", "mesh", "source", "code",
                     "file"]


def references(report: Report, refs: pd.DataFrame, all_refs: pd.DataFrame) -> None:
    failing = int((~refs["status"].isin(["ok"])).sum())
    st.subheader(f"Secret references · {failing} of {len(refs)} not ok", anchor=False)
    only = st.segmented_control("Show", ["not ok", "all"], default="not ok" if failing else "all",
                                key=REF_STATUS_KEY, label_visibility="collapsed") or "all"
    view = refs[refs["status"] != "ok"] if only == "not ok" else refs
    if view.empty:
        st.success("Every secret reference resolves.", icon="✅")
        return
    st.dataframe(
        view[varying(all_refs, REFERENCE_COLUMNS, ("mesh", "source", "secret_changed"))],
        hide_index=True, width="stretch", height=min(460, 38 + 35 * len(view)),
        column_config={
            "look": status_column(width=150),
            "secret": st.column_config.TextColumn("Secret"),
            "message": st.column_config.TextColumn("why", width="large"),
            "file": st.column_config.TextColumn("file:line"),
            "secret_changed": st.column_config.TextColumn("Secret changed", help="When the Secret found was "
                                                          "created or last changed (🆕: within 24 h)"),
        },
    )


CERTIFICATE_COLUMNS = ["look", "days_left", "key_pair_look", "not_after", "subject", "used_by", "uses", "secret",
                       "issuer", "sans", "not_before", "key", "is_ca", "serial", "sha256"]


def certificates(report: Report, certs: pd.DataFrame) -> None:
    window = report.expiry_warning_days
    unique = unique_certificates(certs, with_mesh=certs["mesh"].nunique() > 1)
    bad = unique[unique["status"] != "valid"]
    mismatched = int((unique["key_pair"] == "mismatch").sum())
    st.subheader(f"Certificates · {len(bad)} of {len(unique)} expired, expiring or not yet valid"
                 + (f" · {mismatched} with a key that does not match" if mismatched else ""), anchor=False)
    if certs.empty:
        st.caption("No certificate was reached through any data source (nothing to show).")
        return
    shared = len(certs) - len(unique)
    if len(unique) > TIMELINE_LIMIT:
        st.plotly_chart(expiry_histogram(unique, report.now, window), width="stretch", key="secrets.histogram",
                        config={"displaylogo": False})
        st.caption(f"{len(unique)} certificates: how many expire per week from a month ago to {HORIZON_DAYS} days "
                   f"ahead (\"earlier\" and \"later\" hold the rest), by status. The table lists each one.")
    else:
        st.plotly_chart(expiry_timeline(unique, report.now, window), width="stretch", key="secrets.timeline",
                        config={"displaylogo": False})
        st.caption(f"◆ not-after of each certificate, coloured by status; the line behind it is its validity; the "
                   f"shaded band is the {window}-day warning window. It shows the next {HORIZON_DAYS} days (▶ later, "
                   "◀ earlier): double-click the chart for every date. Hover for details.")
    statuses = st.pills("Status", ["expired", "not-yet-valid", "expiring", "valid"], selection_mode="multi",
                        key=CERT_STATUS_KEY, format_func=label)
    view = unique[unique["status"].isin(statuses)] if statuses else unique
    columns = varying(unique, CERTIFICATE_COLUMNS, ("key_pair_look",))
    st.dataframe(
        view[columns],
        hide_index=True, width="stretch", height=min(460, 38 + 35 * max(1, len(view))),
        column_config={
            "look": status_column(),
            "days_left": st.column_config.NumberColumn("days left", width="small",
                                                       help="Whole days to not-after, toward zero: -6 is expired 6 "
                                                            "days ago."),
            "key_pair_look": st.column_config.TextColumn("key pair", width=120,
                                                         help="Does the client key match this certificate? (A "
                                                              "mismatched key fails the handshake; CAs have none.)"),
            "not_after": st.column_config.DatetimeColumn("not after", format="YYYY-MM-DD HH:mm"),
            "not_before": st.column_config.DatetimeColumn("not before", format="YYYY-MM-DD HH:mm"),
            "subject": st.column_config.TextColumn(width="medium"),
            "used_by": st.column_config.TextColumn("used by", width="medium",
                                                   help="mesh/service · field of the data sources reaching it"),
            "uses": st.column_config.NumberColumn("uses", width="small"),
            "secret": st.column_config.TextColumn("Secret"),
            "sans": st.column_config.TextColumn("SANs"),
            "is_ca": st.column_config.CheckboxColumn("CA", width="small"),
        },
    )
    if shared:
        st.caption(f"One row per certificate (sha256 fingerprint): {shared} more data source"
                   f"{'s reach' if shared != 1 else ' reaches'} a certificate already listed. The per-use rows are "
                   "in the certificates CSV.")


with friendly_errors("the Secrets & certificates page"):
    report = page.begin(page.SECRETS)
    page.header(page.SECRETS, report, "no Secret payload or key is ever shown — fingerprints, subjects and dates only")
    page.sample_banner(compact=True)
    refs = state.derived("references_frame", references_frame)
    certs = state.derived("certificates_frame", certificates_frame)
    meshes = sorted(set(options_of(refs, "mesh")) | set(options_of(certs, "mesh")))
    chosen = st.multiselect("Mesh", meshes, key=MESH_KEY, placeholder="all meshes") if len(meshes) > 1 else []
    all_refs = refs
    if chosen:
        refs = refs[refs["mesh"].isin(chosen)]
        certs = certs[certs["mesh"].isin(chosen)]
    if refs.empty and certs.empty:
        st.info("No MeshExternalService in this input uses caCert, clientCert or clientKey.", icon="📭")
    else:
        references(report, refs, all_refs)
        st.divider()
        certificates(report, certs)
    export_bar(report, "references", "certificates")
