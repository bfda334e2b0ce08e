"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, GitLab, Azure DevOps)."""

from __future__ import annotations

from typing import Any

from core import __version__
from core.catalogue import CATALOGUE
from core.gate.result import GateResult
from core.gate.suppressions import Suppression
from core.model import Finding, Report, Severity
from core.report.json_write import dumps_indented

INFORMATION_URI = "https://github.com/kumahq/kuma"  # the product MES Doctor diagnoses
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_sarif(report: Report) -> str:
    return dumps_indented(sarif_dict(report))  # orjson where its text is json.dumps(indent=2)'s


def sarif_dict(report: Report) -> dict[str, Any]:
    used = sorted({f.code for f in report.findings})
    rule_index = {code: i for i, code in enumerate(used)}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mes-doctor",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(code) for code in used],
                    }
                },
                "invocations": [{"executionSuccessful": True, "endTimeUtc": _utc(report)}],
                "properties": {"kumaVersion": report.kuma_version, "zone": report.zone},
                "results": [_result(f, rule_index, report.gate) for f in report.findings],
            }
        ],
    }


def _rule(code: str) -> dict[str, Any]:
    entry = CATALOGUE[code]
    return {
        "id": code,
        "name": "".join(w.capitalize() for w in entry.title.replace("/", " ").split() if w.isalnum()) or code,
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": entry.explanation},
        "defaultConfiguration": {"level": _LEVEL[entry.severity]},
        "properties": {"category": entry.category, "stage": entry.stage.value, "versions": entry.versions},
    }


def _result(f: Finding, rule_index: dict[str, int], gate: GateResult | None = None) -> dict[str, Any]:
    text = f.message if not f.hint else f"{f.message} Hint: {f.hint}"
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index[f.code],
        "level": _LEVEL[f.severity],
        "message": {"text": text},
    }
    origin = f.origin or (f.resource.origin if f.resource else None)
    location: dict[str, Any] = {}
    if origin and origin.file and not origin.file.startswith("<"):
        physical: dict[str, Any] = {"artifactLocation": {"uri": origin.file.replace("\\", "/")}}
        if origin.line:
            physical["region"] = {"startLine": origin.line}
        location["physicalLocation"] = physical
    if f.resource is not None:
        location["logicalLocations"] = [
            {
                "name": f.resource.name,
                "fullyQualifiedName": f"{f.resource.kind.value}/{f.resource.mesh or '-'}/{f.resource.core_name}"
                + (f":{f.path}" if f.path else ""),
                "kind": "resource",
            }
        ]
    if location:
        result["locations"] = [location]
    result["properties"] = {"stage": f.stage.value, "path": f.path}
    if gate is not None:
        suppression = gate.suppression(f)
        if suppression is not None:
            result["suppressions"] = [_suppression(suppression)]
        state = gate.baseline_state(f)
        if state is not None:
            result["baselineState"] = state  # "new" | "unchanged", as SARIF names them
    return result


def _suppression(s: Suppression) -> dict[str, Any]:
    """SARIF's suppression: `inSource` for the resource's own annotation, `external` for `.mesdoctor.yaml`."""
    until = f" (until {s.until_text})" if s.until_text else ""
    out: dict[str, Any] = {"kind": "inSource" if s.source == "annotation" else "external", "status": "accepted",
                           "justification": f"{s.reason}{until}"}
    if s.origin.file and not s.origin.file.startswith("<"):
        physical: dict[str, Any] = {"artifactLocation": {"uri": s.origin.file.replace("\\", "/")}}
        if s.origin.line:
            physical["region"] = {"startLine": s.origin.line}
        out["location"] = {"physicalLocation": physical}
    if s.until_text:
        out["properties"] = {"until": s.until_text}
    return out


def _utc(report: Report) -> str:
    return report.now.isoformat().replace("+00:00", "Z")
