"""Report rows as pandas data frames for `st.dataframe`, and the filters the pages apply to them.

Columns come from the shared row builders in `core.report.rows` (the CLI table and CSV use the same
ones); only presentation is added here: the status look (icon + word), a service id for deep links
and a lower-case search column. Frames are built once per report (`ui.state.derived`) and filtering
returns views, so typing in a search box never re-analyses anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

import pandas as pd

from core.catalogue import CATALOGUE
from core.durations import changed_recently, last_change_text
from core.model import Report, Resource, ResourceRef, ServiceOutcome
from core.report.cascade import CascadeSummary, cascade_summary
from core.report.rows import (
    certificate_rows,
    document_rows,
    finding_rows,
    reference_rows,
    service_rows,
)
from ui.style import included_label, label, role_label

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


# impact order: root causes (most dropped first), latent root causes, MES broken on their own, MES dropped behind
# a root cause (fixed by fixing it), warnings, healthy
IMPACT_ORDER = {"culprit": 0, "latent-culprit": 1, "own-fault": 2, "victim": 3, "warning": 4, "healthy": 5}


def services_frame(report: Report) -> pd.DataFrame:
    """Every MES, by impact (see IMPACT_ORDER; then mesh, namespace, name), with its cascade role and how many
    MES it takes down on 2.9 (`impact`, from `core.report.cascade`)."""
    rows = service_rows(report)
    df = pd.DataFrame(rows, columns=list(rows[0]) if rows else _SERVICE_COLUMNS)
    if df.empty:
        return df.assign(service="", status_key="", look="", included_look="", included_on_2_9_look="", search="",
                         role="", role_look="", impact=0)
    summary = cascade_summary(report)
    df["service"] = [service_id(s.resource) for s in report.services]  # rows are in report order until sorted
    df["status_key"] = df["status"]
    df["look"] = [label(s) for s in df["status"]]
    df["included_look"] = [included_label(bool(v)) for v in df["included"]]
    df["included_on_2_9_look"] = [included_label(bool(v)) for v in df["included_on_2_9"]]
    df["earliest_expiry"] = pd.to_datetime(df["earliest_expiry"], utc=True)
    df["role"] = [s.cascade_role or "" for s in report.services]
    df["role_look"] = [role_label(s.cascade_role, s.status.value, s.dropped_by.name if s.dropped_by else "")
                       for s in report.services]
    df["impact"] = [_impact(summary, s) for s in report.services]
    df["recent"] = [changed_recently(s.resource.created_at, s.resource.modified_at, report.now)
                    for s in report.services]
    df["changed"] = [change_look(s.resource.created_at, s.resource.modified_at, report.now) for s in report.services]
    df["search"] = [" ".join(str(row.get(c, "")) for c in _SEARCHED).lower() for row in rows]
    df["_rank"] = [IMPACT_ORDER[_impact_class(s)] for s in report.services]
    df["_impact"] = -df["impact"]
    df = df.sort_values(["_rank", "_impact", "mesh", "namespace", "name"], kind="stable").drop(
        columns=["_rank", "_impact"])
    return df.reset_index(drop=True)


def _impact(summary: CascadeSummary, s: ServiceOutcome) -> int:
    """How many other MES it takes down on 2.9: a root cause all it drops now, a latent one those only its fix
    brings back."""
    culprit = summary.culprit(s.resource.mesh, s.resource.core_name)
    if culprit is None:
        return 0
    return culprit.drops_now if culprit.role == "culprit" else len(culprit.takes_down)


def _impact_class(s: ServiceOutcome) -> str:
    if s.cascade_role in ("culprit", "latent-culprit"):
        return s.cascade_role
    if s.status.value == "broken":
        return "victim" if s.cascade_role == "victim" and not _own_error(s) else "own-fault"
    return "victim" if s.cascade_role == "victim" else s.status.value


def _own_error(s: ServiceOutcome) -> bool:
    """An error of its own besides being dropped behind a culprit (MES502)."""
    return any(f.severity.value == "error" and f.code != "MES502" for f in s.findings)


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


def change_look(created: datetime | None, modified: datetime | None, now: datetime) -> str:
    """`🆕 added 3 h ago` within the last 24 h (`core.durations`), `changed 40 d ago` before, "" when unknown."""
    text = last_change_text(created, modified, now)
    if text is None:
        return ""
    return f"🆕 {text}" if changed_recently(created, modified, now) else text


def references_frame(report: Report) -> pd.DataFrame:
    df = pd.DataFrame(reference_rows(report), columns=_REFERENCE_COLUMNS)
    df["look"] = [label(s) for s in df["status"]]
    df["secret_changed"] = [change_look(_time(c), _time(m), report.now)
                            for c, m in zip(df["secret_created_at"], df["secret_modified_at"])]
    df["service_id"] = [f"{m}/{c}" for m, c in zip(df["mesh"], df["service_core_name"])]
    return df


def _time(value: object) -> datetime | None:
    """A datetime from a frame cell (pandas turns a missing one into NaT, which is a datetime too)."""
    return value if isinstance(value, datetime) and not pd.isna(value) else None


_REFERENCE_COLUMNS = ["status", "mesh", "service", "field", "source", "secret", "message", "code", "file",
                      "service_core_name", "secret_created_at", "secret_modified_at"]


KEY_PAIR_LOOKS = {"match": "🟢 matches", "mismatch": "🔴 mismatch", "no-key": "🟠 no key", "unknown": "⚪ unknown"}


def certificates_frame(report: Report) -> pd.DataFrame:
    df = pd.DataFrame(certificate_rows(report), columns=_CERTIFICATE_COLUMNS)
    df["look"] = [label(s) for s in df["status"]]
    df["key_pair_look"] = [KEY_PAIR_LOOKS.get(str(v), "") for v in df["key_pair"]]
    df["not_after"] = pd.to_datetime(df["not_after"], utc=True)
    df["not_before"] = pd.to_datetime(df["not_before"], utc=True)
    return df


_CERTIFICATE_COLUMNS = [
    "status", "days_left", "not_after", "not_before", "mesh", "service", "field", "secret", "position",
    "subject", "issuer", "sans", "serial", "sha256", "key", "is_ca", "key_pair",
]


def unique_certificates(certs: pd.DataFrame, *, with_mesh: bool = True) -> pd.DataFrame:
    """One row per certificate (by sha256 fingerprint), soonest expiry first: a CA bundle that five MES
    reference is one certificate, with `uses` (how many data sources reach it), `used_by` (`mesh/service ·
    field`, the first few) and `label` (the first and how many more). Key pair statuses, when they differ
    between uses, keep the worst. Without `with_mesh` (one mesh), uses are named without it."""
    if certs.empty:
        return certs.assign(uses=pd.Series(dtype=int), label=pd.Series(dtype=str), used_by=pd.Series(dtype=str))
    rows = []
    for _, group in certs.groupby("sha256", sort=False):
        first = group.iloc[0].to_dict()
        uses = [(f"{m}/" if with_mesh else "") + f"{s} · {f}" + (f" #{p}" if p else "")
                for m, s, f, p in zip(group["mesh"], group["service"], group["field"], group["position"])]
        first["uses"] = len(uses)
        first["label"] = uses[0] + (f" +{len(uses) - 1}" if len(uses) > 1 else "")
        first["used_by"] = ", ".join(dict.fromkeys(uses[:4])) + (f" +{len(uses) - 4}" if len(uses) > 4 else "")
        if "key_pair" in group:
            first["key_pair"] = worst_key_pair(list(group["key_pair"]))
            first["key_pair_look"] = KEY_PAIR_LOOKS.get(str(first["key_pair"]), "")
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
