"""Download buttons for the report exports. Data is produced lazily (only when clicked)."""

from __future__ import annotations

import streamlit as st

from core.model import Report
from core.report.json_report import to_json
from core.report.markdown import to_markdown
from core.report.rows import (
    CERTIFICATE_COLUMNS,
    FINDING_COLUMNS,
    REFERENCE_COLUMNS,
    SERVICE_COLUMNS,
    certificate_rows,
    finding_rows,
    reference_rows,
    service_rows,
    to_csv,
)


def _stamp(report: Report) -> str:
    return f"{report.now:%Y%m%d-%H%M}"


def json_button(report: Report) -> None:
    st.download_button(
        "JSON report", data=lambda: to_json(report), file_name=f"mesdoctor-{_stamp(report)}.json",
        mime="application/json", icon="🧾", help="The full report (the `mesdoctor check --format json` contract).",
        key="dl.json",
    )


def markdown_button(report: Report) -> None:
    st.download_button(
        "Incident report (Markdown)", data=lambda: to_markdown(report),
        file_name=f"mesdoctor-incident-{_stamp(report)}.md", mime="text/markdown", icon="📝",
        help="Summary, blast radius and every problem with its fix, ready to paste into a ticket.", key="dl.md",
    )


def services_csv_button(report: Report) -> None:
    st.download_button(
        "Services (CSV)", data=lambda: to_csv(service_rows(report), SERVICE_COLUMNS),
        file_name=f"mesdoctor-services-{_stamp(report)}.csv", mime="text/csv", icon="📄", key="dl.services",
    )


def references_csv_button(report: Report) -> None:
    st.download_button(
        "Secret references (CSV)", data=lambda: to_csv(reference_rows(report), REFERENCE_COLUMNS),
        file_name=f"mesdoctor-references-{_stamp(report)}.csv", mime="text/csv", icon="📄", key="dl.references",
    )


def certificates_csv_button(report: Report) -> None:
    st.download_button(
        "Certificates (CSV)", data=lambda: to_csv(certificate_rows(report), CERTIFICATE_COLUMNS),
        file_name=f"mesdoctor-certificates-{_stamp(report)}.csv", mime="text/csv", icon="📄",
        key="dl.certificates",
    )


def findings_csv_button(report: Report) -> None:
    st.download_button(
        "Findings (CSV)", data=lambda: to_csv(finding_rows(report), FINDING_COLUMNS),
        file_name=f"mesdoctor-findings-{_stamp(report)}.csv", mime="text/csv", icon="📄", key="dl.findings",
    )


def export_bar(report: Report, *buttons: str) -> None:
    """A row of download buttons: any of `json`, `markdown`, `services`, `references`, `certificates`, `findings`."""
    table = {
        "json": json_button,
        "markdown": markdown_button,
        "services": services_csv_button,
        "references": references_csv_button,
        "certificates": certificates_csv_button,
        "findings": findings_csv_button,
    }
    with st.container(horizontal=True, gap="small"):
        for name in buttons:
            table[name](report)
