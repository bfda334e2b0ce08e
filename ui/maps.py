"""The two egress endpoint maps of a report side by side (the isolated builder and 2.9.x), as data frames.

The isolated builder's map is the target's, or on a 2.9 target the 2.10 map core built for the comparison
(`report.isolated_map`). Nothing is recomputed: every state is read from the report's maps (included
destinations, exclusions with their reason and culprit, lost filter chains).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from core.model import Destination, EndpointMap, Report, ServiceOutcome
from ui.frames import service_id

# exclusion reason -> (short state shown in tables, chart category)
REASONS: dict[str, tuple[str, str]] = {
    "tls-load-failed": ("⛔ own TLS material fails to load", "excluded: own failure"),
    "cascade": ("⛔ dropped by the 2.9 cascade", "dropped by cascade"),
    "unreachable-zone": ("➖ other zone (not evaluated)", "other zone"),
    "rejected-on-write": ("⛔ rejected on write", "excluded: own failure"),
    "no-mtls": ("⛔ mesh has no mTLS", "excluded: own failure"),
    "mesh-not-found": ("⛔ its Mesh does not exist", "excluded: own failure"),
}
INCLUDED = "✅ included"
NO_FILTER_CHAIN = "⚠️ cluster only, no egress filter chain"
NOT_IN_MAP = "➖ not in the map"

CATEGORY_ORDER = ["included", "cluster only (no filter chain)", "dropped by cascade", "excluded: own failure",
                  "other zone", "not in the map"]
CATEGORY_COLOURS = {
    "included": "#16a34a",
    "cluster only (no filter chain)": "#eab308",
    "dropped by cascade": "#ea8a0c",
    "excluded: own failure": "#dc2626",
    "other zone": "#9ca3af",
    "not in the map": "#6b7280",
}


def state_in(m: EndpointMap, key: str) -> tuple[str, str, str]:
    """(state label, chart category, culprit name) of one service in one map."""
    if key in m.lost_filter_chains:
        lost = m.lost_filter_chains[key]
        return NO_FILTER_CHAIN, "cluster only (no filter chain)", lost.culprit.name if lost.culprit else ""
    if key in m.included:
        return INCLUDED, "included", ""
    exclusion = m.excluded.get(key)
    if exclusion is None:
        return NOT_IN_MAP, "not in the map", ""
    text, category = REASONS.get(exclusion.reason, (f"⛔ {exclusion.reason}", "excluded: own failure"))
    return text, category, exclusion.culprit.name if exclusion.culprit else ""


def _cluster(m: EndpointMap, key: str) -> str:
    d = m.included.get(key)
    if d is None and key in m.excluded:
        d = m.excluded[key].destination
    return d.cluster if d else ""


@dataclass(frozen=True, slots=True)
class Side:
    """One endpoint map shown on the page, with its title."""

    title: str
    map: EndpointMap
    short: str  # for chart labels, where space is scarce: `2.14 target`, `2.14 isolated`, `2.9.x`


def isolated_side(report: Report) -> Side | None:
    """The isolated builder's map, shown next to 2.9.x: the target's own, or on a 2.9 target the map of the
    first control plane that isolates failures (`Report.isolated_map`, 2.10). None when there is none."""
    if report.kuma_version != "2.9":
        return Side(f"Kuma {report.kuma_version} (target)", report.endpoint_map, f"{report.kuma_version} target")
    if report.isolated_map is None:
        return None
    version = report.isolated_map.version
    return Side(f"Kuma {version} (isolated per MES)", report.isolated_map, f"{version} isolated")


def legacy_side(report: Report) -> Side:
    if report.kuma_version == "2.9":
        return Side("Kuma 2.9.x (target)", report.legacy_map, "2.9.x target")
    return Side("Kuma 2.9.x", report.legacy_map, "2.9.x")


def comparison_frame(report: Report) -> pd.DataFrame:
    """One row per MES: its state in the isolated builder's map and in the 2.9 map, and whether they differ
    (never, when there is no isolated map to compare with)."""
    isolated = isolated_side(report)
    left = isolated.map if isolated is not None else report.legacy_map
    rows = []
    for s in report.services:
        key = s.resource.key
        state, _, _ = state_in(left, key)
        legacy, _, culprit = state_in(report.legacy_map, key)
        rows.append(
            {
                "service": service_id(s.resource),
                "mesh": s.resource.mesh,
                "namespace": s.resource.namespace or "",
                "name": s.resource.name,
                "isolated": state,
                "kuma29": legacy,
                "culprit": culprit,
                "differs": state != legacy,
                "cluster": _cluster(left, key) or _cluster(report.legacy_map, key),
            }
        )
    df = pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)
    if not df.empty:
        df = df.sort_values(["differs", "mesh", "name"], ascending=[False, True, True], kind="stable")
    return df.reset_index(drop=True)


_COMPARISON_COLUMNS = ["service", "mesh", "namespace", "name", "isolated", "kuma29", "culprit", "differs", "cluster"]


def destinations_frame(m: EndpointMap, services: list[ServiceOutcome]) -> pd.DataFrame:
    """The destinations of one map (in the map's order), plus a row per excluded MES."""
    names = {s.resource.key: s.resource for s in services}
    rows = []
    for key, d in m.included.items():
        state = NO_FILTER_CHAIN if key in m.lost_filter_chains else INCLUDED
        rows.append(_destination_row(d, state))
    for key, e in m.excluded.items():
        text, _ = REASONS.get(e.reason, (f"⛔ {e.reason}", ""))
        r = names.get(key)
        row = _destination_row(e.destination, text) if e.destination else {
            "state": text, "mesh": r.mesh if r else (e.service.mesh or ""), "name": e.service.name,
            "cluster": "", "hostname": "", "port": None, "protocol": "", "type": "", "endpoints": "", "sni": "",
            "tls": "",
        }
        row["name"] = e.service.name
        row["service"] = service_id(e.service)
        rows.append(row)
    return pd.DataFrame(rows, columns=_DESTINATION_COLUMNS)


_DESTINATION_COLUMNS = ["mesh", "name", "state", "cluster", "hostname", "port", "protocol", "type", "endpoints",
                        "sni", "tls", "service"]


def _destination_row(d: Destination | None, state: str) -> dict[str, object]:
    assert d is not None
    return {
        "state": state,
        "mesh": d.mesh,
        "name": d.service.name,
        "service": service_id(d.service),
        "cluster": d.cluster,
        "hostname": d.hostname,
        "port": d.port,
        "protocol": d.protocol,
        "type": d.cluster_type,
        "endpoints": ", ".join(f"{e.address}:{e.port}" for e in d.endpoints),
        "sni": d.egress_sni,
        "tls": d.tls.mode if d.tls else "disabled",
    }


def outcome_counts(report: Report) -> pd.DataFrame:
    """Per mesh and control plane: how many MES end up in each category (for the blast-radius chart)."""
    rows = []
    isolated = isolated_side(report)
    sides = [side for side in (isolated, legacy_side(report)) if side is not None]
    for order, side in enumerate(sides):
        counts: Counter[tuple[str, str]] = Counter()
        for s in report.services:
            _, category, _ = state_in(side.map, s.resource.key)
            counts[(s.resource.mesh, category)] += 1
        for (mesh, category), n in counts.items():
            rows.append({"control_plane": side.title, "short": side.short, "mesh": mesh, "category": category,
                         "count": n, "_side": order})
    df = pd.DataFrame(rows, columns=["control_plane", "short", "mesh", "category", "count", "_side"])
    if not df.empty:  # per mesh: the isolated builder, then 2.9.x; categories in chart order
        df["_order"] = df["category"].map({c: i for i, c in enumerate(CATEGORY_ORDER)})
        df = df.sort_values(["mesh", "_side", "_order"], kind="stable").drop(columns="_order")
    return df.drop(columns="_side").reset_index(drop=True)
