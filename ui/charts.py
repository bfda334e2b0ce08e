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


HORIZON_DAYS = 90  # the timeline opens on the next 90 days (double-click it to see every date)
PAST_DAYS = 30
TIMELINE_LIMIT = 50  # beyond this many certificates, a histogram instead of one row each


def expiry_range(now: datetime, window_days: int, horizon_days: int = HORIZON_DAYS) -> tuple[datetime, datetime]:
    """The dates a certificate chart opens on: the last month and the next `horizon_days` (at least the warning
    window and a week after it)."""
    return now - timedelta(days=PAST_DAYS), now + timedelta(days=max(horizon_days, window_days + 7))


def _row_labels(df: pd.DataFrame) -> list[str]:
    if "label" in df:  # unique certificates (`ui.frames.unique_certificates`)
        labels = list(df["label"])
    else:
        labels = [f"{mesh}/{service} · {field}" + (f" #{pos}" if pos else "")
                  for mesh, service, field, pos in zip(df["mesh"], df["service"], df["field"], df["position"])]
    return [chart(label) for label in labels]


def expiry_timeline(certs: pd.DataFrame, now: datetime, window_days: int,
                    horizon_days: int = HORIZON_DAYS) -> go.Figure:
    """One mark per certificate at its not-after (soonest at the top), its validity as a thin line,
    coloured by status; a "now" line and the warning window shaded. It opens on the last month and the
    next `horizon_days`: certificates outside get an arrow at that edge (hover shows the real date) and a
    double-click shows the whole range."""
    fig = go.Figure()
    if certs.empty:
        return fig
    df = certs.copy()
    df["row"] = _row_labels(df)
    # a unique y per certificate even if two share a label
    df["row"] = df["row"] + df.groupby("row").cumcount().map(lambda n: "" if n == 0 else " " + "·" * n)
    for column in ("subject", "issuer", "secret", "service"):
        df[column] = [chart(v) for v in df[column]]
    df = df.sort_values("not_after", ascending=False)  # category axes draw the first one at the bottom
    end = now + timedelta(days=window_days)
    x0, x1 = expiry_range(now, window_days, horizon_days)
    span = x1 - x0
    left, right = x0 + span * 0.01, x1 - span * 0.01
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
        side = [1 if na > x1 else -1 if na < x0 else 0 for na in part["not_after"]]
        shown_in_legend = False
        for edge in (0, -1, 1):
            sub = part[[s == edge for s in side]]
            if sub.empty:
                continue
            fig.add_trace(go.Scatter(
                x=sub["not_after"] if edge == 0 else [left if edge < 0 else right] * len(sub), y=sub["row"],
                mode="markers", name=lk.label, legendgroup=status, showlegend=not shown_in_legend,
                marker={"color": lk.hex, "size": 12,
                        "symbol": {0: "diamond", -1: "triangle-left", 1: "triangle-right"}[edge],
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
    _now_and_window(fig, now, end, window_days)
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


def expiry_histogram(certs: pd.DataFrame, now: datetime, window_days: int,
                     horizon_days: int = HORIZON_DAYS) -> go.Figure:
    """Many certificates: how many expire per week of the chart's range, stacked by status, with the ones
    before and after the range counted in the first and last bar ("earlier" / "later")."""
    fig = go.Figure()
    if certs.empty:
        return fig
    x0, x1 = expiry_range(now, window_days, horizon_days)
    week = timedelta(days=7)
    starts = [x0 + week * i for i in range(int((x1 - x0) / week) + 1)]
    labels = ["earlier"] + [f"{d:%Y-%m-%d}" for d in starts] + ["later"]

    def bucket(when: datetime) -> str:
        if when < x0:
            return "earlier"
        if when >= starts[-1] + week:
            return "later"
        return labels[1 + int((when - x0) / week)]

    df = certs.assign(bucket=[bucket(v.to_pydatetime()) for v in certs["not_after"]])
    for status in _STATUSES:
        part = df[df["status"] == status]
        if part.empty:
            continue
        counts = part.groupby("bucket").size().reindex(labels, fill_value=0)
        lk = look(status)
        fig.add_trace(go.Bar(
            x=labels, y=list(counts), name=lk.label, marker={"color": lk.hex},
            hovertemplate="week of %{x}: %{y} " + lk.label + "<extra></extra>",
        ))
    fig.update_layout(
        barmode="stack", height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0, "title": None},
        xaxis={"title": None, "type": "category", "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "certificates"},
    )
    return fig


def _now_and_window(fig: go.Figure, now: datetime, end: datetime, window_days: int) -> None:
    fig.add_vrect(x0=now, x1=end, fillcolor=look("expiring").hex, opacity=0.15, line_width=0, layer="below")
    fig.add_shape(type="line", x0=now, x1=now, y0=0, y1=1, yref="paper",
                  line={"color": look("expired").hex, "width": 2, "dash": "dash"})
    fig.add_annotation(x=now, y=1, yref="paper", text="now", showarrow=False, yanchor="bottom", xanchor="right",
                       font={"color": look("expired").hex})
    fig.add_annotation(x=end, y=1, yref="paper", text=f"+{window_days} days", showarrow=False, yanchor="bottom",
                       xanchor="left", font={"color": look("expiring").hex})


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
