"""Plotly figures of the dashboard. Colours come from `ui.style.LOOKS`; themes are left to Streamlit.

Labels and hover texts carry user strings; plotly renders them as text (its `<br>`-style tags are only
read from our own templates, and user values are passed as customdata, not inside templates).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from core.report.blast import BlastRadius
from ui.maps import CATEGORY_COLOURS, CATEGORY_ORDER
from ui.style import look
from ui.text import chart

_MAX_LABELLED_ROWS = 80
_STATUSES = ("expired", "not-yet-valid", "expiring", "valid")


def expiry_timeline(certs: pd.DataFrame, now: datetime, window_days: int) -> go.Figure:
    """One mark per certificate at its not-after (soonest at the top), its validity as a thin line,
    coloured by status; a "now" line and the warning window shaded. Certificates beyond the visible
    range get an arrow at the edge (hover shows the real date)."""
    fig = go.Figure()
    if certs.empty:
        return fig
    df = certs.copy()
    df["row"] = [
        chart(f"{mesh}/{service} · {field}" + (f" #{pos}" if pos else ""))
        for mesh, service, field, pos in zip(df["mesh"], df["service"], df["field"], df["position"])
    ]
    # a unique y per certificate even if two share a label
    df["row"] = df["row"] + df.groupby("row").cumcount().map(lambda n: "" if n == 0 else " " + "·" * n)
    for column in ("subject", "issuer", "secret", "service"):
        df[column] = [chart(v) for v in df[column]]
    df = df.sort_values("not_after", ascending=False)  # category axes draw the first one at the bottom
    end = now + timedelta(days=window_days)
    first, last = df["not_after"].min(), df["not_after"].max()
    x0 = min(now - timedelta(days=30), first - timedelta(days=15))
    x1 = max(end + timedelta(days=60), min(last + timedelta(days=15), now + timedelta(days=400)))
    edge = x1 - (x1 - x0) * 0.01
    for status in _STATUSES:
        part = df[df["status"] == status]
        if part.empty:
            continue
        lk = look(status)
        xs: list[object] = []
        ys: list[object] = []
        for nb, na, row in zip(part["not_before"], part["not_after"], part["row"]):
            xs += [nb, na, None]
            ys += [row, row, None]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": lk.hex, "width": 2}, opacity=0.35,
            hoverinfo="skip", showlegend=False,
        ))
        beyond = part["not_after"] > x1
        shown_in_legend = False
        for clipped in (False, True):
            sub = part[beyond == clipped]
            if sub.empty:
                continue
            fig.add_trace(go.Scatter(
                x=[edge] * len(sub) if clipped else sub["not_after"], y=sub["row"], mode="markers",
                name=lk.label, legendgroup=status, showlegend=not shown_in_legend,
                marker={"color": lk.hex, "size": 12, "symbol": "triangle-right" if clipped else "diamond",
                        "line": {"width": 1, "color": "#111827"}},
                customdata=sub[["subject", "issuer", "days_left", "secret", "service"]].astype(str).assign(
                    not_after=[f"{v:%Y-%m-%d %H:%M}" for v in sub["not_after"]]).to_numpy(),
                hovertemplate=(
                    "<b>%{y}</b><br>subject %{customdata[0]}<br>issuer %{customdata[1]}"
                    "<br>not after %{customdata[5]} UTC (%{customdata[2]} days)<br>Secret %{customdata[3]}"
                    "<extra></extra>"
                ),
            ))
            shown_in_legend = True
    fig.add_vrect(x0=now, x1=end, fillcolor=look("expiring").hex, opacity=0.15, line_width=0, layer="below")
    fig.add_shape(type="line", x0=now, x1=now, y0=0, y1=1, yref="paper",
                  line={"color": look("expired").hex, "width": 2, "dash": "dash"})
    fig.add_annotation(x=now, y=1, yref="paper", text="now", showarrow=False, yanchor="bottom", xanchor="right",
                       font={"color": look("expired").hex})
    fig.add_annotation(x=end, y=1, yref="paper", text=f"+{window_days} days", showarrow=False, yanchor="bottom",
                       xanchor="left", font={"color": look("expiring").hex})
    rows = len(df)
    labelled = rows <= _MAX_LABELLED_ROWS
    fig.update_layout(
        height=min(720, 140 + 26 * rows) if labelled else 720,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0, "title": None},
        xaxis={"range": [x0, x1], "title": None},
        yaxis={"title": None, "showticklabels": labelled, "automargin": True, "categoryorder": "array",
               "categoryarray": list(df["row"])},
        hovermode="closest",
    )
    return fig


def blast_chart(counts: pd.DataFrame) -> go.Figure:
    """Per mesh and control plane: included / dropped by cascade / excluded for its own failure.

    Bars are labelled `<mesh> · <short control plane>` (`demo · 2.9.x`), long mesh names shortened: plotly
    caps how far `automargin` may push the margin, so long labels on a narrow chart lost their start
    (`egacy-apps — Kuma 2.9 (target)`). The hover text has the full names.
    """
    fig = go.Figure()
    if counts.empty:
        return fig
    df = counts.copy()
    df["bar"] = [chart(f"{shorten(m, MAX_LABEL - len(cp) - 3)} · {cp}") for m, cp in zip(df["mesh"], df["short"])]
    df["full"] = [chart(f"{m} on {cp}") for m, cp in zip(df["mesh"], df["control_plane"])]
    order = list(dict.fromkeys(df["bar"]))
    for category in CATEGORY_ORDER:
        part = df[df["category"] == category]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part["count"], y=part["bar"], orientation="h", name=category, customdata=part[["full"]].to_numpy(),
            marker={"color": CATEGORY_COLOURS[category]}, text=part["count"], textposition="inside",
            hovertemplate="%{customdata[0]}<br>" + category + ": %{x}<extra></extra>",
        ))
    fig.update_layout(
        barmode="stack",
        legend_traceorder="normal",
        height=min(700, 110 + 40 * len(order)),
        margin={"l": _label_margin(order), "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": "MeshExternalServices"},
        yaxis={"title": None, "categoryorder": "array", "categoryarray": order[::-1], "automargin": True},
    )
    return fig


def culprit_chart(radius: BlastRadius, limit: int = 25) -> go.Figure:
    """Culprit → how many MES it drops on a 2.9.x control plane (largest first)."""
    items = sorted(radius.culprits.items(), key=lambda kv: len(kv[1]), reverse=True)[:limit]
    names = [f"{c.mesh}/{c.name}" for c, _ in items]
    labels = [chart(shorten(n, MAX_LABEL)) for n in names]
    labels = [label + "·" * labels[:i].count(label) for i, label in enumerate(labels)]  # shortened alike: unique
    counts = [len(v) for _, v in items]
    fig = go.Figure(go.Bar(
        x=counts, y=labels, orientation="h", marker={"color": look("broken").hex},
        text=counts, textposition="outside", cliponaxis=False, customdata=[[chart(n)] for n in names],
        hovertemplate="%{customdata[0]} drops %{x} MES<extra></extra>",
    ))
    fig.update_layout(
        height=min(600, 100 + 34 * len(items)),
        margin={"l": _label_margin(labels), "r": 30, "t": 10, "b": 10},
        xaxis={"title": "MES dropped on Kuma 2.9.x", "range": [0, max(counts, default=1) * 1.18 + 0.5]},
        yaxis={"title": None, "autorange": "reversed", "automargin": True},
    )
    return fig


MAX_LABEL = 40  # characters of a bar label
_CHAR_PX = 6  # about the average width of a 12 px label character (automargin adds what is missing)


def shorten(text: str, limit: int) -> str:
    """`text`, or its first `limit - 1` characters and an ellipsis."""
    limit = max(limit, 8)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label_margin(labels: list[str]) -> int:
    """A left margin the longest label fits in, set outright (automargin only adds to it, and only so far)."""
    longest = max((len(label) for label in labels), default=0)
    return 10 + _CHAR_PX * longest
