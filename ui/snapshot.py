"""Share: download a snapshot of what the dashboard shows (the JSON report plus the options and what the pages
need, `core.report.snapshot`) and open one again on Sources to see the same pages. A snapshot holds no key
material (fingerprints, subjects and dates only), so it is safe to hand to a colleague or attach to a ticket."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import streamlit as st

from core.model import Report
from core.report.snapshot import SnapshotError, from_snapshot, to_snapshot
from ui import state, whatif
from ui.text import safe

UPLOAD_KEY = "w.sources.snapshot"
ERROR = state.PREFIX + "snapshot_error"  # why the last file could not be opened (one line)


def snapshot_text(report: Report) -> str:
    """The snapshot of `report` with the options it was made with (an opened snapshot's own), as JSON text: the
    export bar (`ui.exports`, "Snapshot (share)") delivers it to this browser tab only."""
    data = state.current_input()
    options = data.snapshot_options if data.snapshot_options is not None else state.current_options()
    return to_snapshot(report, options).decode("utf-8")


def open_uploaded() -> None:
    """Sources → Snapshot: open the uploaded file as the current input (or say in one line why not)."""
    uploaded = st.session_state.get(UPLOAD_KEY)
    st.session_state[ERROR] = ""
    if uploaded is None:
        return
    raw = uploaded.getvalue()
    try:
        report, options = from_snapshot(raw)
    except SnapshotError as exc:
        st.session_state[ERROR] = f"{uploaded.name}: {exc}"
        return
    whatif.clear()
    state.set_input(state.Input(
        kind="snapshot", sources=[], label=f"Snapshot {uploaded.name}", loaded_at=datetime.now(UTC),
        snapshot=report, snapshot_options=options, snapshot_digest=hashlib.sha256(raw).hexdigest(),
    ))
    st.toast(f"Opened the snapshot of {report.now:%Y-%m-%d %H:%M} UTC: every page shows it.", icon="📦")


def snapshot_tab() -> None:
    st.markdown(
        "Open a **snapshot** someone saved with *Snapshot (share)* (the Overview's export bar): "
        "every page shows that report as it was, including `?service=` links within this session. A snapshot is "
        "read only: the options it was made with stay, and nothing can be analysed again."
    )
    st.file_uploader("Snapshot file (.json)", type=["json"], key=UPLOAD_KEY, on_change=open_uploaded)
    error = st.session_state.get(ERROR)
    if error:
        st.error(f"Could not open {safe(error)}", icon="📦")
