"""GitLab's code quality report (`artifacts: reports: codequality`, the Code Climate issue subset GitLab reads).

One issue per finding that is not suppressed (the format has no suppression). The fingerprint is the
finding's identity in the report diff (code, resource, path; never the message) plus its occurrence,
so GitLab's merge-request widget shows which problems a change adds and which it fixes."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from core.catalogue import CATALOGUE
from core.model import Report, Severity
from core.report.diff import finding_key
from core.report.json_report import finding_dict
from core.report.json_write import dumps_indented
from core.report.text import printable

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def to_codequality(report: Report) -> str:
    return dumps_indented(codequality_list(report)) + "\n"


def codequality_list(report: Report) -> list[dict[str, Any]]:
    gate = report.gate
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for f in report.findings:
        if gate is not None and gate.suppression(f) is not None:
            continue
        key = finding_key(finding_dict(f))
        seen[key] += 1
        fingerprint = hashlib.sha256("\0".join((*key, str(seen[key]))).encode()).hexdigest()
        origin = f.origin or (f.resource.origin if f.resource else None)
        subject = f"{f.resource.label()}: " if f.resource else ""
        path = f" ({f.path})" if f.path else ""
        issues.append({
            "type": "issue",
            "check_name": f.code,
            "description": printable(f"{f.code} {CATALOGUE[f.code].title}{path} — {subject}{f.message}"),
            "categories": ["Bug Risk"] if f.severity is not Severity.INFO else ["Style"],
            "severity": _SEVERITY[f.severity],
            "fingerprint": fingerprint,
            "location": {"path": printable(origin.file if origin else "").replace("\\", "/") or ".",
                         "lines": {"begin": (origin.line if origin and origin.line else 1)}},
        })
    return issues
