"""Report rows as pandas data frames for `st.dataframe`, and the filters the pages apply to them.

Columns come from the shared row builders in `core.report.rows` (the CLI table and CSV use the same
ones); only presentation is added here: the status look (icon + word), a service id for deep links
and a lower-case search column. Frames are built once per report (`ui.state.derived`) and filtering
returns views, so typing in a search box never re-analyses anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import pandas as pd

from core.catalogue import CATALOGUE
from core.model import Report, Resource, ResourceRef, ServiceOutcome
from core.report.rows import (
    certificate_rows,
    document_rows,
    finding_rows,
    reference_rows,
    service_rows,
)
from ui.style import included_label, label

STATUS_ORDER = {"broken": 0, "warning": 1, "healthy": 2}
_SEARCHED = ("name", "namespace", "mesh", "hostname", "destination", "endpoints", "top_finding", "file")


def service_id(resource: Resource | ResourceRef) -> str:
    """The deep-link form `?service=<mesh>/<core name>`, unique within a report.

    The core name is Kuma's identity (`name.namespace` on Kubernetes, the name on Universal), so two
    MES called `api` in one mesh (two namespaces, or a Kubernetes and a Universal one) get two ids.
    """
    return f"{resource.mesh or ''}/{resource.core_name}"


def find_services(report: Report, selected: str) -> list[ServiceOutcome]:
    """The MES a `?service=` value names: the one with that id, else every MES whose `<mesh>/<name>`
    (the name as written: older links) it is. More than one means the link is ambiguous."""
    exact = [s for s in report.services if service_id(s.resource) == selected]
    if exact:
        return exact
    return [s for s in report.services if f"{s.resource.mesh or ''}/{s.resource.name}" == selected]


def services_frame(report: Report) -> pd.DataFrame:
    rows = service_rows(report)
    df = pd.DataFrame(rows, columns=list(rows[0]) if rows else _SERVICE_COLUMNS)
    if df.empty:
        return df.assign(service="", status_key="", look="", included_look="", included_on_2_9_look="", search="")
    df["service"] = [service_id(s.resource) for s in report.services]  # rows are in report order until sorted
    df["status_key"] = df["status"]
    df["look"] = [label(s) for s in df["status"]]
    df["included_look"] = [included_label(bool(v)) for v in df["included"]]
    df["included_on_2_9_look"] = [included_label(bool(v)) for v in df["included_on_2_9"]]
    df["earliest_expiry"] = pd.to_datetime(df["earliest_expiry"], utc=True)
    df["search"] = [" ".join(str(row.get(c, "")) for c in _SEARCHED).lower() for row in rows]
    df["_rank"] = df["status"].map(STATUS_ORDER).fillna(3)
    df = df.sort_values(["_rank", "mesh", "namespace", "name"], kind="stable").drop(columns="_rank")
    return df.reset_index(drop=True)


_SERVICE_COLUMNS = [
    "status", "included", "mesh", "namespace", "name", "destination", "hostname", "endpoints", "tls",
    "earliest_expiry", "findings", "top_finding", "included_on_2_9", "dropped_by", "file", "line",
]


def filter_services(
    df: pd.DataFrame,
    *,
    meshes: Sequence[str] = (),
    namespaces: Sequence[str] = (),
    statuses: Sequence[str] = (),
    included: str = "all",
    text: str = "",
) -> pd.DataFrame:
    """Rows matching every given filter (an empty selection means no filter on that column)."""
    if df.empty:
        return df
    mask = pd.Series(True, index=df.index)
    if meshes:
        mask &= df["mesh"].isin(list(meshes))
    if namespaces:
        mask &= df["namespace"].isin(list(namespaces))
    if statuses:
        mask &= df["status_key"].isin(list(statuses))
    if included == "included":
        mask &= df["included"].astype(bool)
    elif included == "excluded":
        mask &= ~df["included"].astype(bool)
    for word in text.lower().split():
        mask &= df["search"].str.contains(word, regex=False)
    return df[mask]


def references_frame(report: Report) -> pd.DataFrame:
    df = pd.DataFrame(reference_rows(report), columns=_REFERENCE_COLUMNS)
    df["look"] = [label(s) for s in df["status"]]
    return df


_REFERENCE_COLUMNS = ["status", "mesh", "service", "field", "source", "secret", "message", "code", "file"]


def certificates_frame(report: Report) -> pd.DataFrame:
    df = pd.DataFrame(certificate_rows(report), columns=_CERTIFICATE_COLUMNS)
    df["look"] = [label(s) for s in df["status"]]
    df["not_after"] = pd.to_datetime(df["not_after"], utc=True)
    df["not_before"] = pd.to_datetime(df["not_before"], utc=True)
    return df


_CERTIFICATE_COLUMNS = [
    "status", "days_left", "not_after", "not_before", "mesh", "service", "field", "secret", "position",
    "subject", "issuer", "sans", "serial", "sha256", "key", "is_ca",
]


def unique_certificates(certs: pd.DataFrame) -> pd.DataFrame:
    """One row per certificate (by sha256 fingerprint), soonest expiry first: a CA bundle that five MES
    reference is one certificate, with `uses` (how many data sources reach it), `used_by` (`mesh/service ·
    field`, the first few) and `label` (the first and how many more). Key pair statuses, when they differ
    between uses, keep the worst."""
    if certs.empty:
        return certs.assign(uses=pd.Series(dtype=int), label=pd.Series(dtype=str), used_by=pd.Series(dtype=str))
    rows = []
    for _, group in certs.groupby("sha256", sort=False):
        first = group.iloc[0].to_dict()
        uses = [f"{m}/{s} · {f}" + (f" #{p}" if p else "")
                for m, s, f, p in zip(group["mesh"], group["service"], group["field"], group["position"])]
        first["uses"] = len(uses)
        first["label"] = uses[0] + (f" +{len(uses) - 1}" if len(uses) > 1 else "")
        first["used_by"] = ", ".join(dict.fromkeys(uses[:4])) + (f" +{len(uses) - 4}" if len(uses) > 4 else "")
        if "key_pair" in group:
            first["key_pair"] = worst_key_pair(list(group["key_pair"]))
        rows.append(first)
    out = pd.DataFrame(rows)
    return out.sort_values("not_after", kind="stable").reset_index(drop=True)


_KEY_PAIR_RANK = {"mismatch": 0, "no-key": 1, "unknown": 2, "match": 3}


def worst_key_pair(values: list[object]) -> object:
    """Of the key pair statuses of one certificate's uses, the worst (a mismatch anywhere is a mismatch)."""
    known = [v for v in values if isinstance(v, str) and v in _KEY_PAIR_RANK]
    return min(known, key=_KEY_PAIR_RANK.__getitem__) if known else (values[0] if values else None)


def documents_frame(report: Report) -> pd.DataFrame:
    df = pd.DataFrame(document_rows(report), columns=_DOCUMENT_COLUMNS)
    df["look"] = [_document_look(s) for s in df["status"]]
    return df


_DOCUMENT_COLUMNS = ["status", "kind", "name", "file", "document", "line", "reason", "source"]
_DOCUMENT_LOOKS = {"loaded": "✅ loaded", "ignored": "⚪ ignored", "failed": "🔴 failed"}


def _document_look(status: str) -> str:
    return _DOCUMENT_LOOKS.get(status, status)


def findings_frame(report: Report, findings: Iterable[object] | None = None) -> pd.DataFrame:
    df = pd.DataFrame(finding_rows(report, findings), columns=_FINDING_COLUMNS)
    df["look"] = [label(s) for s in df["severity"]]
    return df


_FINDING_COLUMNS = ["severity", "code", "title", "stage", "resource", "mesh", "path", "message", "hint", "location"]


def catalogue_frame(report: Report) -> pd.DataFrame:
    """Every finding code, with how many findings of it the current input produced."""
    counts = Counter(f.code for f in report.findings)
    rows = [
        {
            "code": c.code,
            "look": label(c.severity.value),
            "severity": c.severity.value,
            "title": c.title,
            "category": c.category,
            "stage": c.stage.value,
            "versions": c.versions,
            "in_input": counts.get(c.code, 0),
            "explanation": c.explanation,
            "retired": c.retired,
        }
        for c in CATALOGUE.values()
    ]
    return pd.DataFrame(rows)


def varying(df: pd.DataFrame, columns: Sequence[str], optional: Iterable[str]) -> list[str]:
    """`columns` without the `optional` ones whose value is the same on every row (one mesh, one namespace,
    every source `secret`): a column that says nothing about this input only pushes the reason off screen.
    Decide on the whole frame, not a filtered view, so columns do not come and go while filtering."""
    constant = {c for c in optional if c in df and df[c].astype(str).nunique(dropna=False) <= 1}
    return [c for c in columns if c not in constant]


def options_of(df: pd.DataFrame, column: str) -> list[str]:
    """Distinct values of a column, sorted, for filter widgets."""
    if df.empty or column not in df:
        return []
    return sorted({str(v) for v in df[column].dropna()})
