"""Every output format over the motivating case: contract, validity, escaping, no key material."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from core.analysis import analyse
from core.model import Report
from core.options import AnalysisOptions
from core.report.json_report import report_dict, to_json
from core.report.junit import to_junit
from core.report.markdown import to_markdown
from core.report.rows import (
    CERTIFICATE_COLUMNS,
    REFERENCE_COLUMNS,
    SERVICE_COLUMNS,
    certificate_rows,
    reference_rows,
    service_rows,
    to_csv,
)
from core.report.sarif import sarif_dict
from core.report.table import to_table
from core.sources import Source
from tests.factories import NOW
from tests.scenarios import key_fragments, motivating_case

SCHEMA = json.loads((Path(__file__).parents[3] / "core" / "report" / "report.schema.json").read_text())


def _report(version: str = "2.14", flavour: str = "kubernetes", broken_first: bool = True) -> tuple[Report, bytes]:
    case = motivating_case(NOW, flavour=flavour, broken_first=broken_first)
    report = analyse([Source("test", "incident.yaml", case.yaml.encode())],
                     AnalysisOptions(kuma_version=version, now=NOW))
    return report, case.key_pem


@pytest.fixture(scope="module")
def k8s_report() -> tuple[Report, bytes]:
    return _report()


def test_json_matches_the_documented_contract(k8s_report):
    report, _ = k8s_report
    data = json.loads(to_json(report))
    jsonschema.validate(data, SCHEMA)
    assert data["summary"]["services"] == 2
    assert data["summary"]["broken"] == 1 and data["summary"]["healthy"] == 1
    broken = next(s for s in data["services"] if s["name"] == "billing")
    assert broken["included"] is False and broken["status"] == "broken"
    refs = {(r["service"], r["field"]): r for r in data["secretReferences"]}
    assert refs[("billing", "clientCert")]["status"] == "not-found"
    assert refs[("billing", "clientCert")]["secret"] == "kuma-cert"
    assert refs[("payments", "clientKey")]["status"] == "ok"
    cert = data["certificates"][0]
    assert cert["service"] == "payments" and cert["status"] == "valid" and cert["daysLeft"] >= 199


@pytest.mark.parametrize("version", ["2.9", "2.10", "2.14", "3.0"])
@pytest.mark.parametrize("flavour", ["kubernetes", "universal"])
def test_json_contract_holds_for_every_version_and_flavour(version, flavour):
    report, _ = _report(version, flavour)
    jsonschema.validate(report_dict(report), SCHEMA)


def test_sarif_is_valid_sarif_2_1_0(k8s_report):
    schema_path = os.environ.get("MES_DOCTOR_SARIF_SCHEMA") or str(
        Path(__file__).parents[3] / ".venv" / "share" / "sarif-2.1.0-rtm.5.json"
    )
    if not Path(schema_path).exists():
        if os.environ.get("CI"):
            pytest.fail(f"SARIF schema missing at {schema_path} (make test fetches it)")
        pytest.skip("SARIF schema not fetched; run `make test`")
    schema = json.loads(Path(schema_path).read_text())
    report, _ = k8s_report
    sarif = sarif_dict(report)
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "MES201" and r["level"] == "error" for r in results)
    rules = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)


def test_junit_has_one_case_per_service_and_fails_the_broken_one(k8s_report):
    report, _ = k8s_report
    root = ET.fromstring(to_junit(report))
    cases = root.findall(".//testcase")
    assert {c.get("name") for c in cases} >= {"billing.kuma-system", "payments.kuma-system"}
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["billing.kuma-system"]
    assert root.get("failures") == "1"


def test_markdown_incident_report_names_the_missing_secrets_and_the_log_line(k8s_report):
    report, _ = k8s_report
    text = to_markdown(report)
    assert "## Broken services" in text
    assert "kuma\\-cert" in text and "kuma\\-key" in text  # escaped Markdown text
    assert "unable to create MeshExternalService endpoint" in text


def test_blast_radius_on_2_9_in_markdown_and_table():
    report, _ = _report("2.9")
    assert "billing" in to_markdown(report)
    table = to_table(report)
    assert "On this 2.9 control plane" in table and "drops payments" in table
    payments = report.service("default", "payments")
    assert payments is not None and not payments.included and payments.dropped_by is not None


def test_broken_sorting_last_drops_nothing_else_on_2_9():
    report, _ = _report("2.9", broken_first=False)
    payments = report.service("default", "payments")
    assert payments is not None and payments.included


def test_csv_exports_have_their_columns(k8s_report):
    report, _ = k8s_report
    for rows, columns in ((service_rows(report), SERVICE_COLUMNS), (reference_rows(report), REFERENCE_COLUMNS),
                          (certificate_rows(report), CERTIFICATE_COLUMNS)):
        text = to_csv(rows, columns)
        assert text.splitlines()[0] == ",".join(columns)
        assert len(text.splitlines()) == len(rows) + 1


def test_csv_neutralises_formula_injection():
    text = to_csv([{"name": "=HYPERLINK(\"http://x\")"}], ["name"])
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("flavour", ["kubernetes", "universal"])
def test_no_output_format_contains_key_material(flavour):
    report, key_pem = _report("2.14", flavour)
    outputs = [to_json(report), json.dumps(sarif_dict(report)), to_junit(report), to_markdown(report), to_table(report),
               to_csv(service_rows(report), SERVICE_COLUMNS), to_csv(reference_rows(report), REFERENCE_COLUMNS),
               to_csv(certificate_rows(report), CERTIFICATE_COLUMNS), repr(report)]
    fragments = key_fragments(key_pem)
    for out in outputs:
        assert "PRIVATE KEY" not in out
        for fragment in fragments:
            assert fragment not in out


def test_hostile_names_are_escaped_in_markdown():
    yaml_text = (
        "type: MeshExternalService\nname: x\nmesh: default\nlabels:\n  kuma.io/display-name: "
        "\"<script>alert(1)</script>[click](http://evil.example)\"\n"
        "spec:\n  match: {port: 80, protocol: http}\n  endpoints: [{address: 1.2.3.4, port: 80}]\n"
    )
    report = analyse([Source("t", "hostile.yaml", yaml_text.encode())], AnalysisOptions(now=NOW))
    text = to_markdown(report)
    # outside code spans (which Markdown renders literally) nothing may be live markup
    prose = re.sub(r"(`+)(?:(?!\1).)*?\1", "", text)
    assert "<script>" not in prose
    assert "](http://evil.example)" not in prose


def test_last_applied_configuration_never_reaches_the_report():
    """kubectl keeps a verbatim copy of every applied object (Secret payload included) in an annotation."""
    case = motivating_case(NOW)
    key_secret = ("apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: leaky\n"
                  "  namespace: kuma-system\n  labels: {kuma.io/mesh: default}\n  annotations:\n"
                  "    kubectl.kubernetes.io/last-applied-configuration: "
                  + json.dumps(json.dumps({"data": {"value": case.key_pem.decode()}})) + "\n"
                  "data: {value: aGVsbG8=}\n")
    report = analyse([Source("t", "leaky.yaml", (case.yaml + "---\n" + key_secret).encode())],
                     AnalysisOptions(now=NOW))
    leaky = next(r for r in report.resources if r.name == "leaky")
    text = repr(leaky.redacted_manifest()) + repr(leaky.annotations) + to_json(report)
    for fragment in key_fragments(case.key_pem):
        assert fragment not in text
    assert "PRIVATE KEY" not in text


def test_excluded_service_still_names_its_destination(k8s_report):
    """The cluster name an operator greps config dumps and logs for, even when the MES is left out."""
    report, _ = k8s_report
    billing = report.service("default", "billing")
    assert billing is not None and not billing.included
    assert billing.destination is not None
    assert billing.destination.cluster == "default_billing_kuma-system_default_extsvc_443"
    assert "billing" not in {d.service.name for d in report.endpoint_map.included.values()}


def test_unchecked_references_are_not_counted_as_failing():
    """Without Secrets in the input nothing can be said about them: `not-checked`, not failing."""
    only_mes = "---\n".join(d for d in motivating_case(NOW).yaml.split("---\n") if "kind: Secret" not in d)
    report = analyse([Source("t", "mes-only.yaml", only_mes.encode())], AnalysisOptions(now=NOW))
    summary = report_dict(report)["summary"]
    assert summary["secretReferences"] == 4
    assert summary["failingSecretReferences"] == 0 and summary["uncheckedSecretReferences"] == 4
    assert "MES902" in {f.code for f in report.coverage}
