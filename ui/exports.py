"""Report downloads, bound to the session that made them and expiring.

Why not `st.download_button`: in Streamlit (1.67 read for this) a download's bytes go to the process-wide media
store and are served at `/media/<content hash>.<ext>` to ANY client that has the URL, with no session or cookie
check; with callable (deferred) `data` too: the callable runs when the button is clicked, but its result is stored
and served the same way, and it is deleted only after two later clean-up passes that run when some session's
script run ends, so on a quiet server it outlives the session indefinitely (`streamlit/runtime/
media_file_manager.py`, `web/server/starlette/starlette_routes.py`).

Here nothing goes to the media store and no server URL exists. A click on an export button (a normal
`st.button`, in a fragment so only the export bar reruns) produces the file on demand and sends it over this
session's own WebSocket to a small component (`st.components.v2`) that hands it to the browser as a `blob:` URL
and clicks it. A `blob:` URL resolves only inside the page that created it: another browser, another browser
context or another visitor cannot open it, and it is revoked `EXPIRY_SECONDS` after the click (and when the page
is closed or reloaded, which ends the session).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

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

EXPIRY_SECONDS = 10  # the blob: URL is revoked this long after the click (the browser has the file by then)
MESSAGE_SHARE = 0.9  # of Streamlit's `server.maxMessageSize` one delivery may use (the rest: the message around it)

_DELIVER_JS = """
export default function(component) {
  const { data, parentElement } = component;
  if (!data || typeof data.id !== "string" || typeof data.text !== "string") return;
  const delivered = (window.__mesdoctorDelivered = window.__mesdoctorDelivered || new Set());
  if (delivered.has(data.id)) return;  // the same delivery drawn again
  delivered.add(data.id);
  const url = URL.createObjectURL(new Blob([data.text], { type: data.mime }));
  const link = document.createElement("a");
  link.href = url;
  link.download = data.name;
  link.rel = "noopener";
  link.style.display = "none";
  parentElement.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), data.expiryMs);
}
"""

_deliver = st.components.v2.component("mesdoctor_download", js=_DELIVER_JS)


@dataclass(frozen=True, slots=True)
class Export:
    label: str
    icon: str
    file_name: Callable[[Report], str]
    mime: str
    build: Callable[[Report], str]
    help: str | None = None


def _stamp(report: Report) -> str:
    return f"{report.now:%Y%m%d-%H%M}"


EXPORTS: dict[str, Export] = {
    "json": Export(
        "JSON report", "🧾", lambda r: f"mesdoctor-{_stamp(r)}.json", "application/json", to_json,
        "The full report (the `mesdoctor check --format json` contract)."),
    "markdown": Export(
        "Incident report (Markdown)", "📝", lambda r: f"mesdoctor-incident-{_stamp(r)}.md", "text/markdown",
        to_markdown, "Summary, blast radius and every problem with its fix, ready to paste into a ticket."),
    "services": Export(
        "Services (CSV)", "📄", lambda r: f"mesdoctor-services-{_stamp(r)}.csv", "text/csv",
        lambda r: to_csv(service_rows(r), SERVICE_COLUMNS)),
    "references": Export(
        "Secret references (CSV)", "📄", lambda r: f"mesdoctor-references-{_stamp(r)}.csv", "text/csv",
        lambda r: to_csv(reference_rows(r), REFERENCE_COLUMNS)),
    "certificates": Export(
        "Certificates (CSV)", "📄", lambda r: f"mesdoctor-certificates-{_stamp(r)}.csv", "text/csv",
        lambda r: to_csv(certificate_rows(r), CERTIFICATE_COLUMNS)),
    "findings": Export(
        "Findings (CSV)", "📄", lambda r: f"mesdoctor-findings-{_stamp(r)}.csv", "text/csv",
        lambda r: to_csv(finding_rows(r), FINDING_COLUMNS)),
    "snapshot": Export(
        "Snapshot (share)", "📦", lambda r: f"mesdoctor-snapshot-{_stamp(r)}.json", "application/json",
        lambda r: _snapshot_text(r),
        "The report and the options of what you see (the what-if, when one is shown), to open again on Sources → "
        "Snapshot: the same pages, without the input. No Secret payload or key is in it."),
}
KEYS = {"json": "dl.json", "markdown": "dl.md", "services": "dl.services", "references": "dl.references",
        "certificates": "dl.certificates", "findings": "dl.findings", "snapshot": "dl.snapshot"}


def _snapshot_text(report: Report) -> str:
    from ui.snapshot import snapshot_text  # the snapshot codec is only loaded when one is asked for

    return snapshot_text(report)


def max_delivery_bytes() -> int:
    """The largest delivery one WebSocket message carries (Streamlit's `server.maxMessageSize`, 200 MB by default:
    a larger message would be replaced by an error)."""
    try:
        megabytes = float(st.get_option("server.maxMessageSize"))
    except (TypeError, ValueError):
        megabytes = 200.0
    return int(megabytes * 1e6 * MESSAGE_SHARE)


def delivery(export: Export, report: Report, limit: int | None = None) -> dict[str, object] | None:
    """What the browser receives for one click: the file's name, type and text, a fresh id and when to revoke its
    URL. None when the text, as the component's JSON carries it, is larger than `limit` (the caller says so)."""
    return text_delivery(export.file_name(report), export.mime, export.build(report), limit)


def text_delivery(name: str, mime: str, text: str, limit: int | None = None) -> dict[str, object] | None:
    """`delivery` for any text file (not only a report export)."""
    limit = max_delivery_bytes() if limit is None else limit
    # the text travels JSON-escaped (ASCII only: at most 12 bytes per character); measure only when it may not fit
    if len(text) * 12 > limit and len(json.dumps(text)) > limit:
        return None
    return {"id": uuid.uuid4().hex, "name": name, "mime": mime, "text": text, "expiryMs": EXPIRY_SECONDS * 1000}


def deliver_text(key: str, name: str, mime: str, text: str) -> bool:
    """Send a text file to this browser tab now, the way the export bar does (no media store, no server URL).
    Call it once, for the click that asked for the file. False (nothing sent) when it is too large."""
    payload = text_delivery(name, mime, text)
    if payload is None:
        return False
    _deliver(key=f"{key}.deliver", data=payload)
    return True


@st.fragment
def export_bar(report: Report, *buttons: str) -> None:
    """A row of export buttons: any of `json`, `markdown`, `services`, `references`, `certificates`, `findings`,
    `snapshot` (the report and its options, to open again on Sources: `ui.snapshot`).

    A fragment: a click reruns only this bar, which builds the file and delivers it to this browser tab.
    """
    clicked: str | None = None
    with st.container(horizontal=True, gap="small"):
        for name in buttons:
            export = EXPORTS[name]
            if st.button(export.label, icon=export.icon, help=export.help, key=KEYS[name]):
                clicked = name
    if clicked is None:
        return
    payload = delivery(EXPORTS[clicked], report)
    if payload is None:
        st.error(f"The {EXPORTS[clicked].label} is too large to download from the dashboard (more than "
                 f"{max_delivery_bytes() // 1_000_000} MB). Run `mesdoctor check` on the same input instead.",
                 icon="📦")
        return
    _deliver(key=f"{KEYS[clicked]}.deliver", data=payload)
