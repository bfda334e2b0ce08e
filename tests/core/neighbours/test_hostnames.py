"""HostnameGenerator templates rendered for the MES they select (MES505, MES640-MES645, services' hostnames).

Behaviour read from <release-2.9|release-2.13|release-2.14|master>:pkg/core/resources/apis/hostnamegenerator/
hostname/generator.go (order, collision, 2.14 DNS check), …/api/v1alpha1/validate.go, and
release-2.14:pkg/core/resources/apis/meshexternalservice/hostname/generator.go (selector).
"""

from __future__ import annotations

import pytest

from core.neighbours.gotemplate import (
    TemplateExecError,
    TemplateParseError,
    TemplateUnsupported,
    render,
)
from tests.core.neighbours.helpers import MES_HTTPBIN, codes, found, run


def generator(template: str, selector: str = "{kuma.io/origin: zone}", name: str = "by-team",
              extra_meta: str = "") -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {{name: {name}, namespace: kuma-system{extra_meta}}}
spec:
  selector: {{meshExternalService: {{matchLabels: {selector}}}}}
  template: '{template}'
"""


def mes(name: str, labels: str = "{}", created: str = "", display: str = "") -> str:
    stamp = f", creationTimestamp: '{created}'" if created else ""
    annotations = f", annotations: {{kuma.io/display-name: {display}}}" if display else ""
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {{name: {name}, namespace: kuma-system, labels: {labels}{stamp}{annotations}}}
spec:
  match: {{port: 80, protocol: http}}
  endpoints: [{{address: {name}.example.com, port: 80}}]
"""


def test_gotemplate_subset():
    data = {"Name": "httpbin", "DisplayName": "httpbin", "Namespace": "kuma-system", "Mesh": "default", "Zone": "z"}
    labels = {"team": "payments"}

    def label(key: str) -> str:
        if key not in labels:
            raise TemplateExecError(f"label {key} not found")
        return labels[key]

    assert render("{{ .Name }}.{{ label \"team\" }}.{{ .Mesh }}", data, label) == "httpbin.payments.default"
    assert render("{{- .Zone -}} . {{ printf \"%s-%s\" .Mesh .Namespace }}", data, label) == "z. default-kuma-system"
    assert render("{{ if eq .Zone \"z\" }}here{{ else }}there{{ end }}", data, label) == "here"
    assert render("{{ with .Mesh }}{{ . }}{{ end }}", data, label) == "default"
    with pytest.raises(TemplateParseError, match='function "lower" not defined'):
        render("{{ lower .Name }}", data, label)
    with pytest.raises(TemplateExecError, match="error calling label: label missing not found"):
        render('{{ label "missing" }}', data, label)
    with pytest.raises(TemplateExecError, match="can't evaluate field Foo"):
        render("{{ .Foo }}", data, label)
    with pytest.raises(TemplateUnsupported):
        render("{{ range .Name }}{{ end }}", data, label)
    with pytest.raises(TemplateParseError, match="unclosed action"):
        render("{{ .Name", data, label)


def test_default_generators_give_the_display_name_hostname():
    report = run(MES_HTTPBIN, version="2.14")
    assert report.services[0].hostnames == [("httpbin.extsvc.mesh.local", "local-mesh-external-service.kuma-system")]


def test_custom_template_renders_labels():
    report = run(generator('{{ .DisplayName }}.{{ label "team" }}.mesh'), mes("httpbin", "{team: payments}"),
                 version="2.14")
    assert ("httpbin.payments.mesh", "by-team.kuma-system") in report.services[0].hostnames


@pytest.mark.parametrize(("version", "code"), [("2.13", "MES642"), ("2.14", "MES641"), ("3.0", "MES641")])
def test_invalid_dns_result_per_version(version, code):
    report = run(generator('{{ .DisplayName }}.{{ label "team" }}.mesh'), mes("httpbin", "{team: Payments}"),
                 version=version)
    assert code in codes(report) and ({"MES641", "MES642"} - {code}).isdisjoint(codes(report))
    hostnames = [h for h, g in report.services[0].hostnames if g.startswith("by-team")]
    assert hostnames == (["httpbin.Payments.mesh"] if code == "MES642" else [])


def test_missing_label_is_a_template_error_on_every_version():
    for version in ("2.9", "2.14", "3.0"):
        [finding] = found(run(generator('{{ label "team" }}.mesh'), mes("httpbin"), version=version), "MES643")
        assert "label team not found" in finding.message and "TemplateError" in finding.message


def test_status_already_reporting_the_error_is_not_repeated():
    status = """\
status:
  hostnameGenerators:
    - hostnameGeneratorRef: {coreName: by-team.kuma-system}
      conditions: [{type: Generated, status: "False", reason: TemplateError, message: "label team not found"}]
"""
    report = run(generator('{{ label "team" }}.mesh'), mes("httpbin", "{kuma.io/origin: zone}") + status,
                 version="2.14")
    assert "MES507" in codes(report) and "MES643" not in codes(report)


@pytest.mark.parametrize(("version", "expected"), [
    ("2.9", ["spec.selector: exact one selector (meshService, meshExternalService) must be defined"]),
    ("2.14", ["spec.selector: exact one selector (meshService, meshExternalService) must be defined",
              "spec.template: template renders to 'NAME.mesh' which is not a valid DNS name: a lowercase RFC 1123 "
              "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
              "an alphanumeric character (e.g. 'example.com', regex used for validation is "
              "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]),
])
def test_generator_validation(version, expected):
    both = """\
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {name: gen, namespace: kuma-system}
spec:
  selector: {meshService: {matchLabels: {a: b}}, meshExternalService: {matchLabels: {a: b}}}
  template: 'NAME.mesh'
"""
    assert sorted(f.message.split("`")[1] for f in found(run(both, version=version), "MES640")) == expected


def test_generator_parse_error_and_empty_template():
    bad = generator("{{ lower .Name }}.mesh")
    [finding] = found(run(bad, version="2.14"), "MES640")
    assert 'couldn\'t parse template: template: :1: function "lower" not defined' in finding.message
    assert "spec.template: must not be empty" in found(run(generator(""), version="2.9"), "MES640")[0].message


def test_extension_type_is_checked_from_2_11():
    extension = generator("{{ .Name }}.mesh").replace("  template:", "  extension: {config: {}}\n  template:")
    assert "MES640" not in codes(run(extension, version="2.10"))
    assert "spec.extension.type: must not be empty" in found(run(extension, version="2.11"), "MES640")[0].message


def test_collision_goes_to_the_first_created():
    older = mes("payments", created="2026-01-01T10:00:00Z")
    newer = mes("billing", created="2026-02-01T10:00:00Z", display="payments")
    report = run(older, newer, version="2.14")
    [finding] = found(report, "MES505")
    assert finding.resource is not None and finding.resource.name == "billing"
    assert "payments.kuma-system claimed first (created 2026-01-01 10:00:00" in finding.message
    winner = report.service("default", "payments")
    assert winner is not None and winner.hostnames == [("payments.extsvc.mesh.local",
                                                        "local-mesh-external-service.kuma-system")]


def test_collision_without_creation_times_flags_both():
    report = run(mes("payments"), mes("billing", display="payments"), version="2.14")
    assert sorted(f.resource.name for f in found(report, "MES505") if f.resource) == ["billing", "payments"]
    assert "no creation times" in found(report, "MES505")[0].message


def test_3_0_display_name_follows_metadata_name():
    """3.0 sets kuma.io/display-name to metadata.name on write (labels.Compute on master): no collision there."""
    report = run(mes("payments"), mes("billing", display="payments"), version="3.0")
    assert "MES505" not in codes(report)
    billing = report.service("default", "billing")
    assert billing is not None and billing.hostnames[0][0] == "billing.extsvc.mesh.local"
    assert billing.destination is not None and billing.destination.tags["kuma.io/display-name"] == "billing"


def test_3_0_origin_is_zone_whatever_was_written():
    report = run(mes("payments", "{kuma.io/origin: something}"), version="3.0")
    service = report.services[0]
    assert service.destination is not None and service.destination.tags["kuma.io/origin"] == "zone"
    assert service.hostnames  # the zone's default generator selects origin zone


def test_no_generator_selects_the_mes_when_the_export_holds_them():
    local = generator("{{ .DisplayName }}.extsvc.mesh.local", selector="{kuma.io/origin: zone, team: a}",
                      name="local-mesh-external-service", extra_meta=", labels: {kuma.io/origin: zone}")
    [finding] = found(run(local, MES_HTTPBIN, version="2.14"), "MES645")
    assert "only reach it by its VIP" in finding.message
    custom_only = generator("{{ .DisplayName }}.x.mesh", selector="{team: a}")
    assert "MES645" not in codes(run(custom_only, MES_HTTPBIN, version="2.14"))  # defaults assumed next to it
