"""The watcher's /metrics, parsed back with prometheus_client's parser: the values for the bundled incident sample
(statuses, map inclusion, the cascade, failing references, certificate expiry, findings), label escaping, and no key
material anywhere in the exposition."""

from __future__ import annotations

import json
from collections import Counter

from core.analysis import analyse
from core.options import AnalysisOptions
from core.sources import Source
from core.watch.metrics import LABEL_LIMIT, label, subject_cn
from core.watch.state import WatchState
from tests.core.watch.helpers import at, exposition, incident, parse, series, state_with
from tests.factories import NOW
from tests.scenarios import key_fragments, motivating_case


def test_service_status_is_enum_style_for_every_mes():
    report, options = incident()
    samples = parse(exposition(state_with(report, options)))
    for s in report.services:
        r = s.resource
        found = series(samples, "mesdoctor_service_status", mesh=r.mesh, namespace=r.namespace, name=r.name)
        assert {dict(k)["status"]: v for k, v in found.items()} == {
            "healthy": float(s.status.value == "healthy"), "warning": float(s.status.value == "warning"),
            "broken": float(s.status.value == "broken")}
        assert series(samples, "mesdoctor_service_included", name=r.name) == {
            (("mesh", r.mesh), ("name", r.name), ("namespace", r.namespace)): float(s.included)}
        assert list(series(samples, "mesdoctor_service_included_on_29", name=r.name).values()) == [
            float(s.included_on_2_9)]
    statuses = Counter(s.status.value for s in report.services)
    assert statuses["broken"] and statuses["healthy"]  # the sample has both
    assert sum(series(samples, "mesdoctor_service_status", status="broken").values()) == statuses["broken"]


def test_the_cascade_roles_of_the_incident():
    report, options = incident()
    samples = parse(exposition(state_with(report, options)))
    roles = {dict(k)["name"]: dict(k)["role"] for k in series(samples, "mesdoctor_service_cascade_role")}
    expected = {s.resource.name: s.cascade_role for s in report.services if s.cascade_role}
    assert roles == expected
    assert sorted(n for n, r in roles.items() if r == "culprit") == ["fraud-scoring"]  # the typo'd Secret name
    assert "maps-tiles" in roles and roles["maps-tiles"] == "latent-culprit"
    assert all(v == 1 for v in series(samples, "mesdoctor_service_cascade_role").values())
    info = series(samples, "mesdoctor_analysis_info")
    assert [dict(k)["kuma_version"] for k in info] == ["2.9"] and [dict(k)["zone"] for k in info] == ["eu-west-1"]


def test_certificates_expiry_timestamps_and_days_left():
    report, options = incident()
    samples = parse(exposition(state_with(report, options)))
    not_after = series(samples, "mesdoctor_certificate_not_after_timestamp_seconds")
    days = series(samples, "mesdoctor_certificate_days_left")
    assert len(not_after) == len({(c.service.name, c.field, c.sha256) for c in report.certificates}) > 5
    for c in report.certificates:
        key = (("field", c.field), ("mesh", c.service.mesh), ("namespace", c.service.namespace),
               ("secret", c.secret or ""), ("service", c.service.name), ("sha256", c.sha256[:12].lower()),
               ("subject_cn", subject_cn(c.subject)))
        key = tuple((k, v) for k, v in key if v)  # an empty label is no label
        assert not_after[key] == at(c.not_after)
        assert days[key] == c.days_left
    expired = [dict(k)["service"] for k, v in days.items() if v < 0]
    assert expired == ["shipping-rates"]  # the sample's expired CA
    assert any(0 <= v < 30 for v in days.values())  # and a client certificate expiring soon


def test_failing_secret_references_and_findings():
    report, options = incident()
    samples = parse(exposition(state_with(report, options)))
    failing = {(dict(k)["service"], dict(k)["field"], dict(k)["reason"]) for k in
               series(samples, "mesdoctor_secret_reference_failing")}
    assert failing == {(r.service.name, r.field, r.status.value) for r in report.secret_references if r.status.fails}
    assert ("fraud-scoring", "clientCert", "not-found") in failing
    by_status = {dict(k)["status"]: v for k, v in series(samples, "mesdoctor_secret_references").items()}
    assert by_status == dict(Counter(r.status.value for r in report.secret_references))
    findings = {(dict(k)["code"], dict(k)["severity"]): v for k, v in series(samples, "mesdoctor_findings").items()}
    assert findings == dict(Counter((f.code, f.severity.value) for f in report.findings))
    severities = {dict(k)["severity"]: v for k, v in series(samples, "mesdoctor_findings_by_severity").items()}
    assert severities["error"] == sum(1 for f in report.findings if f.severity.value == "error")


def test_watcher_metrics_and_dashboard_link():
    report, options = incident()
    state = state_with(report, options, link="https://mesdoctor.example.com/Services?service=")
    samples = parse(exposition(state))
    assert samples[("mesdoctor_source_up", ())] == 1
    assert samples[("mesdoctor_report_stale", ())] == 0
    assert samples[("mesdoctor_analyses_total", (("outcome", "ok"),))] == 1
    assert samples[("mesdoctor_last_success_timestamp_seconds", ())] == at(NOW)
    assert samples[("mesdoctor_analysis_duration_seconds", ())] == 1.25
    assert samples[("mesdoctor_watch_interval_seconds", ())] == 60
    assert series(samples, "mesdoctor_watcher_info") == {
        (("dashboard_link", "https://mesdoctor.example.com/Services?service="), ("source", "sample:incident")): 1}
    state.failed("kube:prod: connection refused", NOW, source_error=True)
    samples = parse(exposition(state))
    assert samples[("mesdoctor_source_up", ())] == 0
    assert samples[("mesdoctor_report_stale", ())] == 1
    assert samples[("mesdoctor_source_errors_total", ())] == 1
    assert samples[("mesdoctor_analyses_total", (("outcome", "failed"),))] == 1
    assert series(samples, "mesdoctor_service_status")  # the last good analysis is still exposed


def test_before_the_first_analysis_only_the_watcher_metrics():
    samples = parse(exposition(WatchState(source="kube:in-cluster", interval=60)))
    names = {n for n, _ in samples}
    assert "mesdoctor_build_info" in names and "mesdoctor_report_stale" in names
    assert not any(n.startswith("mesdoctor_service_") or n.startswith("mesdoctor_certificate_") for n in names)
    assert "mesdoctor_last_success_timestamp_seconds" not in names and "mesdoctor_source_up" not in names


def test_no_key_material_in_the_exposition():
    case = motivating_case(NOW, flavour="kubernetes")
    report = analyse([Source(label="t", name="case.yaml", data=case.yaml.encode())], AnalysisOptions(now=NOW))
    text = exposition(state_with(report, AnalysisOptions(now=NOW)))
    assert "mesdoctor_certificate_not_after_timestamp_seconds{" in text  # the healthy MES's client certificate
    leaked = [f for f in key_fragments(case.key_pem) if f in text]
    assert not leaked
    assert "PRIVATE KEY" not in text and "BEGIN" not in text


def test_label_values_from_the_input_are_escaped_and_bounded():
    hostile = 'evil"} 1\nmesdoctor_fake{x="y'
    yaml = (f"type: Mesh\nname: default\n---\ntype: MeshExternalService\nmesh: default\nname: {json.dumps(hostile)}\n"
            "spec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
            "  endpoints: [{address: api.example.com, port: 443}]\n")
    report = analyse([Source(label="t", name="u.yaml", data=yaml.encode())], AnalysisOptions(now=NOW))
    assert [s.resource.name for s in report.services] == [hostile]
    text = exposition(state_with(report, AnalysisOptions(now=NOW)))
    samples = parse(text)
    assert not any(n == "mesdoctor_fake" for n, _ in samples)  # no injected series
    names = {dict(k)["name"] for k in series(samples, "mesdoctor_service_status")}
    assert names == {label(hostile)} and "\n" not in label(hostile)
    long = "x" * 1000 + "\x1b[31m"
    assert len(label(long)) == LABEL_LIMIT and "\x1b" not in label("a\x1bb")


def test_subject_common_name():
    assert subject_cn("CN=mesh-client,O=Example") == "mesh-client"
    assert subject_cn("O=Example,CN=a\\,b") == "a,b"
    assert subject_cn("O=Example") == ""
