"""One visual language for statuses everywhere: the same colour, icon and word on every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass(frozen=True, slots=True)
class Look:
    icon: str  # emoji: works in tables, markdown and charts alike
    colour: str  # Streamlit colour name (badges, :colour[text])
    hex: str  # for plotly (readable on light and dark backgrounds)
    label: str


LOOKS: dict[str, Look] = {
    # service status
    "broken": Look("🔴", "red", "#dc2626", "broken"),
    "warning": Look("🟠", "orange", "#ea8a0c", "warning"),
    "healthy": Look("🟢", "green", "#16a34a", "healthy"),
    # finding severity
    "error": Look("🔴", "red", "#dc2626", "error"),
    "info": Look("🔵", "blue", "#3b82f6", "info"),
    # certificate status
    "expired": Look("🔴", "red", "#dc2626", "expired"),
    "not-yet-valid": Look("🔴", "red", "#b91c1c", "not yet valid"),
    "expiring": Look("🟠", "orange", "#ea8a0c", "expiring"),
    "valid": Look("🟢", "green", "#16a34a", "valid"),
    # secret reference status
    "ok": Look("🟢", "green", "#16a34a", "ok"),
    "not-checked": Look("⚪", "gray", "#9ca3af", "not checked"),
}
_FAILING_REFERENCE = Look("🔴", "red", "#dc2626", "")


def look(status: str) -> Look:
    found = LOOKS.get(status)
    if found is not None:
        return found
    if status in ("no-value-key", "empty-value"):
        return Look("🟠", "orange", "#ea8a0c", status)
    return Look(_FAILING_REFERENCE.icon, _FAILING_REFERENCE.colour, _FAILING_REFERENCE.hex, status)


def label(status: str) -> str:
    """`🔴 broken` — for table cells."""
    lk = look(status)
    return f"{lk.icon} {lk.label or status}"


def badge(status: str, text: str | None = None) -> None:
    lk = look(status)
    st.badge(text or lk.label or status, icon=None, color=lk.colour)  # type: ignore[arg-type]


def included_label(included: bool) -> str:
    return "✅ included" if included else "⛔ excluded"


CSS = """
<style>
/* readable on a projector: larger metric values and table text */
[data-testid="stMetricValue"] { font-size: 2.1rem; }
[data-testid="stMetricLabel"] p { font-size: 1rem; }
div[data-testid="stDataFrame"] { font-size: 1rem; }
/* chart labels carry the names: the theme's text colour (dark on light, light on dark) instead of the
   faded grey, which is too faint on a white background (3.7:1) */
[data-testid="stPlotlyChart"] .xtick text, [data-testid="stPlotlyChart"] .ytick text,
[data-testid="stPlotlyChart"] .legendtext { fill: currentColor !important; }
</style>
"""

STATUS_WIDTH = 125  # px: "🟠 not yet valid", "⛔ excluded" fit without truncation


def status_column(title: str = "status", *, help: str | None = None, width: int = STATUS_WIDTH) -> Any:
    """The column config of a status-look column (icon + word), the same width everywhere."""
    return st.column_config.TextColumn(title, width=width, help=help)


def apply_page_style() -> None:
    st.html(CSS)
