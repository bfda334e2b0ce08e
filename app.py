"""MES Doctor — Overview: what is broken, and why, in one screen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.catalogue import CATALOGUE
from core.durations import expiry_text
from core.model import Finding, Report, Severity
from core.report.cascade import cascade_summary
from core.report.json_report import summary_dict
from core.report.verdict import overall_verdict
from ui import page, state, whatif
from ui.errors import friendly_errors
from ui.exports import export_bar
from ui.frames import services_frame, varying
from ui.incident import incident_card
from ui.style import label, look, status_column
from ui.text import prose, safe

page.setup(page.OVERVIEW)


def verdict_banner(report: Report) -> None:
    """The one-line answer first: never a green all-clear while anything fails (core.report.verdict)."""
    verdict = overall_verdict(report, state.derived("cascade", cascade_summary))
    reasons = [r for r in verdict.reasons if r != verdict.headline]
    text = f"**{prose(verdict.headline)}**" + ("  \n" + " · ".join(prose(r) for r in reasons) if reasons else "")
    alert, icon = VERDICT_ALERTS.get(verdict.level, (st.info, "ℹ️"))
    alert(text, icon=icon)


VERDICT_ALERTS = {"error": (st.error, "🚨"), "warning": (st.warning, "⚠️"), "ok": (st.success, "✅")}


def zone_banner(report: Report) -> None:
    """Most MES belong to another zone than the one analysed: a warning with a one-click switch (MES520)."""
    warning = next((f for f in report.findings if f.code == "MES520"), None)
    if warning is None:
        return
    others = [(z, n) for z, n in report.zones.items() if z and z != report.zone]
    with st.container(horizontal=True, vertical_alignment="center", key="zone-banner"):
        st.warning(f"{prose(warning.message)}", icon="🧭")
        for zone, count in others[:2]:
            st.button(f"Analyse zone {zone}", key=f"w.overview.zone.{zone}", icon="🔀", type="primary",
                      on_click=state.update_options, kwargs={"zone": zone},
                      help=f"{count} MES are labelled kuma.io/zone={zone}. The Sources page has the zone option.")


def version_question(report: Report) -> None:
    """When the version was not detected (no control plane in the input), ask right away (also on Sources)."""
    page.version_question(report, "overview")


def metrics(report: Report) -> None:
    s = summary_dict(report)
    n = s["services"]
    st.subheader(f"{n} MeshExternalService{'s' if n != 1 else ''}", anchor=False)
    cols = st.columns(4)
    cols[0].metric(f"{look('broken').icon} Broken", s["broken"], border=True,
                   help="An error stops it working: rejected, excluded by kuma-cp, NACKed, or the handshake fails.")
    cols[1].metric(f"{look('warning').icon} Warning", s["warning"], border=True,
                   help="Works today but at risk (expiring certificate, insecure mode, …).")
    cols[2].metric(f"{look('healthy').icon} Healthy", s["healthy"], border=True)
    cols[3].metric(
        "In the endpoint map", f"{s['included']} of {n}", border=True,
        delta=f"{s['excluded']} excluded" if s["excluded"] else "none excluded",
        delta_color="inverse" if s["excluded"] else "off", delta_arrow="off",
        help=f"Included in Kuma {report.kuma_version}'s zone egress endpoint map (excluded ones get no traffic).",
    )
    cols = st.columns(4)
    cols[0].metric(
        "Failing secret references", f"{s['failingSecretReferences']} of {s['secretReferences']}", border=True,
        help="caCert / clientCert / clientKey data sources that do not resolve to usable material.",
    )
    cols[1].metric(f"{look('expired').icon} Certificates expired", s["certificatesExpired"], border=True,
                   help=f"Of {s['certificates']} certificates reached through MES data sources.")
    cols[2].metric(f"{look('expiring').icon} Expiring within {report.expiry_warning_days} days",
                   s["certificatesExpiring"], border=True)
    earliest = min(report.certificates, key=lambda c: c.not_after, default=None)
    if earliest is None:
        cols[3].metric("Earliest expiry", "—", border=True, help="No certificate in the input.")
    else:
        days = earliest.days_left
        cols[3].metric(
            "Earliest expiry", f"{earliest.not_after:%Y-%m-%d}", border=True,
            delta=expiry_text(earliest.not_after, report.now),  # "expires in 12 days", "expired 6 days ago"
            delta_color="normal" if days > report.expiry_warning_days else "inverse", delta_arrow="off",
            help=safe(f"{earliest.service.mesh}/{earliest.service.name} · {earliest.field} · {earliest.subject}"),
        )


def problem_services(report: Report) -> None:
    st.subheader("What needs attention", anchor=False)
    df = state.derived("services_frame", services_frame)
    if df.empty:
        st.info("The input has no MeshExternalService. Check what was loaded on the Sources page.", icon="📭")
        st.page_link(page.SOURCES.path, label="What was loaded", icon="📥")
        return
    bad = df[(df["status_key"] != "healthy") | (df["role"] != "")]
    if bad.empty:
        st.success("Every MeshExternalService is healthy.", icon="✅")
        return
    shown = bad.head(200)
    columns = varying(df, ["role_look", "name", "top_finding", "changed", "look", "mesh", "included_look", "service"],
                      ("mesh", "changed"))
    event = st.dataframe(
        shown[columns],
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(shown)),
        column_config={
            "role_look": st.column_config.TextColumn("role", width=190,
                                                     help="In the 2.9 cascade: root cause, latent root cause (next "
                                                          "in line), dropped by a root cause; or a fault of its own"),
            "name": st.column_config.TextColumn(width="medium"),
            "top_finding": st.column_config.TextColumn("first problem", width="large"),
            "changed": st.column_config.TextColumn("changed", help="Created or last changed (🆕: within 24 h)"),
            "look": status_column(),
            "included_look": status_column(f"Kuma {report.kuma_version}"),
            "service": None,
        },
        on_select="rerun",
        selection_mode="single-row",
        key="overview.problems",
    )
    st.caption(("Showing the first 200. " if len(bad) > 200 else "")
               + "By impact: root causes first (the most MES dropped), then what fails on its own, then what they "
                 "drop. Select a row (click, or Space on a focused row) to open its detail.")
    rows = event.selection.rows if event is not None else []
    if rows:
        st.switch_page(page.SERVICES.path, query_params={"service": shown.iloc[rows[0]]["service"]})


def top_findings(report: Report) -> None:
    st.subheader("Top findings", anchor=False)
    problems = [f for f in report.findings if f.severity is not Severity.INFO]
    if not problems:
        st.caption("No errors or warnings.")
        return
    groups: dict[str, list[Finding]] = {}
    for f in problems:
        groups.setdefault(f.code, []).append(f)
    rows = []
    for code_, items in sorted(groups.items(), key=lambda kv: (kv[1][0].severity.rank, -len(kv[1]), kv[0])):
        names = sorted({f.resource.name for f in items if f.resource})
        rows.append({
            "severity": label(items[0].severity.value),
            "code": code_,
            "title": CATALOGUE[code_].title,
            "count": len(items),
            "resources": ", ".join(names[:6]) + (f" +{len(names) - 6}" if len(names) > 6 else ""),
        })
    st.dataframe(
        pd.DataFrame(rows).head(12), hide_index=True, width="stretch",
        column_config={"severity": status_column("severity"),
                       "title": st.column_config.TextColumn(width="large"),
                       "count": st.column_config.NumberColumn(width="small"),
                       "resources": st.column_config.TextColumn(width="large")},
    )
    st.page_link(page.CHECKS.path, label="What every code means", icon="📚")


def coverage(report: Report) -> None:
    if not report.coverage:
        return
    with st.expander(f"ℹ️ What this input did not let MES Doctor check ({len(report.coverage)})"):
        for f in report.coverage:
            st.markdown(f"- **{f.code}** {prose(f.message)}")


with friendly_errors("the Overview"):
    report = page.begin(page.OVERVIEW)
    page.overview_title(report)
    whatif.banner()
    zone_banner(report)
    version_question(report)
    incident_card(report, state.derived("cascade", cascade_summary), lambda: verdict_banner(report))
    whatif.delta_panel()
    metrics(report)
    problem_services(report)
    top_findings(report)
    coverage(report)
    st.divider()
    st.caption("Exports")
    export_bar(report, "markdown", "json", "services", "snapshot")
