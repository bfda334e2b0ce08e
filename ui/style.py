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


# the part an MES plays in the 2.9 cascade (ServiceOutcome.cascade_role), and a failure of its own
ROLE_LOOKS: dict[str, Look] = {
    "culprit": Look("💥", "red", "#dc2626", "root cause"),
    "latent-culprit": Look("⏳", "orange", "#ea8a0c", "latent root cause"),
    "victim": Look("⛓️", "orange", "#ea8a0c", "dropped by"),
    "own-fault": Look("🔴", "red", "#dc2626", "own fault"),
}


def role_label(role: str | None, status: str, dropped_by: str = "") -> str:
    """`💥 root cause`, `⏳ latent root cause`, `⛓️ dropped by billing`, `🔴 own fault` (broken, no cascade
    role), or "" (nothing to say) — for the role column of the Overview and Services tables."""
    if role == "victim":
        lk = ROLE_LOOKS["victim"]
        return f"{lk.icon} dropped by {dropped_by}" if dropped_by else f"{lk.icon} dropped on 2.9"
    if role in ROLE_LOOKS:
        lk = ROLE_LOOKS[role]
        return f"{lk.icon} {lk.label}"
    if status == "broken":
        lk = ROLE_LOOKS["own-fault"]
        return f"{lk.icon} {lk.label}"
    return ""


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
/* the first screen answers the incident at 1280x720: less empty space above and around the content */
[data-testid="stMainBlockContainer"] { padding-top: 2rem; padding-bottom: 3rem; }
/* the header bar only holds the ⋮ menu at the right: let the title start under it instead of below it */
[data-testid="stHeader"] { background: transparent; height: 2.5rem; }
@media (max-width: 1440px) {
  [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
}
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0 0 0.25rem 0; }
[data-testid="stMainBlockContainer"] h3 { padding-top: 0.5rem; }
/* readable on a projector: larger metric values and table text */
[data-testid="stMetricValue"] { font-size: 1.75rem; }
[data-testid="stMetricLabel"] p { font-size: 1rem; }
div[data-testid="stDataFrame"] { font-size: 1rem; }
/* chart labels carry the names: the theme's text colour (dark on light, light on dark) instead of the
   faded grey, which is too faint on a white background (3.7:1) */
[data-testid="stPlotlyChart"] .xtick text, [data-testid="stPlotlyChart"] .ytick text,
[data-testid="stPlotlyChart"] .legendtext { fill: currentColor !important; }
/* keyboards: a visible focus ring on links, buttons, tabs and tables (the theme's own is faint or absent) */
[data-testid="stMain"] a:focus-visible, [data-testid="stSidebar"] a:focus-visible,
[data-testid="stMain"] button:focus-visible, [data-testid="stSidebar"] button:focus-visible,
[data-testid="stMain"] [role="tab"]:focus-visible,
[data-testid="stDataFrame"]:focus-within {
  outline: 3px solid #2563eb !important; outline-offset: 2px; border-radius: 0.4rem;
}
/* side by side on a wide screen, one under the other when there is no room for both (a projector at 1024) */
[class*="st-key-stack-"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
[class*="st-key-stack-"] [data-testid="stColumn"] { min-width: min(100%, 520px); }
/* one-line notices (the sample banner): less padding than an alert's default */
.st-key-sample-banner [data-testid="stAlertContainer"], .st-key-incident-card [data-testid="stAlertContainer"] {
  padding-top: 0.45rem; padding-bottom: 0.45rem;
}
/* a projector at 1024 px: a narrower sidebar leaves the page more room */
@media (max-width: 1100px) {
  section[data-testid="stSidebar"] { width: 240px !important; min-width: 240px !important; }
}
/* the incident card holds a lot: tighter than the page's default spacing */
.st-key-incident-card, .st-key-incident-card [data-testid="stVerticalBlock"] { gap: 0.5rem; }
.st-key-incident-card hr { margin: 0.25rem 0; }
[class*="st-key-incident-why-"] p { font-size: 0.92rem; line-height: 1.45; }
/* the what-if banner stands out on every page */
.st-key-whatif-banner { background: rgba(37, 99, 235, 0.08); }
</style>
"""

STATUS_WIDTH = 115  # px: "🟠 not yet valid", "⛔ excluded" fit without truncation


def status_column(title: str = "status", *, help: str | None = None, width: int = STATUS_WIDTH) -> Any:
    """The column config of a status-look column (icon + word), the same width everywhere."""
    return st.column_config.TextColumn(title, width=width, help=help)


def apply_page_style() -> None:
    st.html(CSS)
