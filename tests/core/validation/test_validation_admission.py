"""Admission MES140-MES144 (reference 3.1, 3.2) and deprecations MES131/MES132 (reference 2.5)."""

from __future__ import annotations

import pytest

from core.model import Flavour, Severity, Stage
from tests.core.validation.helpers import run, svc, triples

ORIGIN = {"kuma.io/origin": "zone"}


# --- MES140 namespace -----------------------------------------------------------------------------


def test_outside_system_namespace_is_denied() -> None:
    findings = run(svc("httpbin", namespace="default"))
    assert triples(findings, "MES140") == [
        ("MES140", "metadata.namespace",
         "resource type MeshExternalService can be created only in the system namespace:kuma-system"),
    ]
    assert findings[0].severity is Severity.ERROR and findings[0].stage is Stage.WRITE
    assert "namespace: kuma-system" in findings[0].fix


def test_custom_system_namespace() -> None:
    assert triples(run(svc("httpbin", namespace="kuma-system"), system_namespace="kong-mesh-system"), "MES140") == [
        ("MES140", "metadata.namespace",
         "resource type MeshExternalService can be created only in the system namespace:kong-mesh-system"),
    ]
    assert triples(run(svc("httpbin", namespace="kong-mesh-system"), system_namespace="kong-mesh-system")) == []


def test_universal_and_namespace_less_manifests_pass() -> None:
    assert run(svc("httpbin", flavour=Flavour.UNIVERSAL)) == []
    assert run(svc("httpbin", namespace=None)) == []


# --- MES141 origin --------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "message"), [
    ("2.9", "Operation not allowed. Applying policies on Zone CP requires 'kuma.io/origin' label to be set to 'zone'."),
    ("2.11", "Operation not allowed. Applying policies on Zone CP requires 'kuma.io/origin' label to be set to "
             "'zone'."),
    ("2.12", "Operation not allowed. Applying policies on Zone CP on a system namespace requires 'kuma.io/origin' "
             "label to be set to 'zone'."),
    ("3.0", "Operation not allowed. Applying policies on Zone CP on a system namespace requires 'kuma.io/origin' "
            "label to be set to 'zone'."),
])
def test_origin_required_on_federated_kubernetes_zone(version: str, message: str) -> None:
    findings = run(svc("httpbin"), version, federated=True)
    assert triples(findings, "MES141") == [("MES141", 'metadata.labels["kuma.io/origin"]', message)]
    assert "kuma.io/origin: zone" in findings[0].fix


def test_origin_rules() -> None:
    assert triples(run(svc("httpbin"))) == []  # not federated
    assert triples(run(svc("httpbin", labels=ORIGIN), federated=True)) == []
    assert triples(run(svc("httpbin", labels={"kuma.io/origin": "global"}), federated=True)) == []  # synced
    universal = svc("httpbin", flavour=Flavour.UNIVERSAL, labels={"kuma.io/origin": "zonee"})
    assert triples(run(universal, federated=True)) == [
        ("MES141", 'labels["kuma.io/origin"]', "the origin label must be set to 'zone'"),
    ]
    # outside the system namespace the namespace denial comes first
    assert [f.code for f in run(svc("httpbin", namespace="apps"), federated=True)] == ["MES140"]


# --- MES142 zone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "message"), [
    ("2.9", "Operation not allowed. kuma.io/zone label should have zone-1 value, got zone-2"),
    ("2.10", "Operation not allowed. kuma.io/zone label should have zone-1 value, got zone-2"),
    ("2.11", "Operation not allowed. 'kuma.io/zone' label should have 'zone-1' value, got 'zone-2'"),
    ("2.14", "Operation not allowed. 'kuma.io/zone' label should have 'zone-1' value, got 'zone-2'"),
])
def test_zone_label_of_another_zone_kubernetes(version: str, message: str) -> None:
    resource = svc("httpbin", labels={**ORIGIN, "kuma.io/zone": "zone-2"})
    assert triples(run(resource, version, federated=True, zone="zone-1")) == [
        ("MES142", 'metadata.labels["kuma.io/zone"]', message)
    ]
    assert triples(run(resource, version, federated=False, zone="zone-1")) == []  # webhook skips label checks


def test_exported_resource_of_another_zone_is_not_a_denial() -> None:
    for flavour in (Flavour.KUBERNETES, Flavour.UNIVERSAL):
        exported = svc("httpbin", flavour=flavour, labels={**ORIGIN, "kuma.io/zone": "zone-2"},
                       status={"vip": {"ip": "242.0.0.1"}})
        assert triples(run(exported, federated=True, zone="zone-1")) == []


def test_zone_label_exemptions_kubernetes() -> None:
    synced = svc("httpbin", labels={"kuma.io/origin": "global", "kuma.io/zone": "zone-2"})
    assert triples(run(synced, federated=True, zone="zone-1")) == []
    same = svc("httpbin", labels={**ORIGIN, "kuma.io/zone": "zone-1"})
    assert triples(run(same, federated=True, zone="zone-1")) == []


def test_zone_label_universal_checked_on_any_zone_cp() -> None:
    resource = svc("httpbin", flavour=Flavour.UNIVERSAL, labels={"kuma.io/zone": "zone-2"})
    assert triples(run(resource, zone="zone-1")) == [
        ("MES142", 'labels["kuma.io/zone"]', "kuma.io/zone label should have zone-1 value"),
    ]
    synced = svc("httpbin", flavour=Flavour.UNIVERSAL, labels={"kuma.io/origin": "global", "kuma.io/zone": "zone-2"})
    assert triples(run(synced, zone="zone-1")) == []


# --- MES143 / MES144 Universal meta ---------------------------------------------------------------


def test_universal_name_must_be_rfc1123_subdomain() -> None:
    findings = run(svc("My_Service", flavour=Flavour.UNIVERSAL), "2.9")
    assert triples(findings, "MES143") == [
        ("MES143", "name", "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case "
                           "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                           "character"),
    ]
    assert "my-service" in findings[0].hint


def test_kubernetes_object_name_must_be_rfc1123_subdomain() -> None:
    """kube-apiserver refuses such an object name before Kuma's webhook sees it."""
    assert triples(run(svc("My_Service"), "2.9"), "MES143") == [
        ("MES143", "metadata.name", 'Invalid value: "My_Service": a lowercase RFC 1123 subdomain must consist of '
                                    "lower case alphanumeric characters, '-' or '.', and must start and end with an "
                                    "alphanumeric character (e.g. 'example.com', regex used for validation is "
                                    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    ]
    assert triples(run(svc("payments.v2")), "MES143") == []


def test_universal_mesh_label() -> None:
    resource = svc("httpbin", flavour=Flavour.UNIVERSAL, mesh="payments", labels={"kuma.io/mesh": "default"})
    assert triples(run(resource)) == [
        ("MES144", 'labels["kuma.io/mesh"]', "kuma.io/mesh label must not differ from mesh set on resource"),
    ]
    ok = svc("httpbin", flavour=Flavour.UNIVERSAL, mesh="payments", labels={"kuma.io/mesh": "payments"})
    assert triples(run(ok)) == []


# --- MES131 / MES132 deprecations -----------------------------------------------------------------

NAME_WARNING = (
    "Invalid MeshExternalService resource name: 'mes.http'. It does not conform to the DNS format (RFC 1035). "
    "This is deprecated. Errors: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
    "with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex "
    "used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
SNI_WARNING = ('Invalid MeshExternalService SNI (port "80"): name "mes.http" does not conform to RFC 1123: '
               "must not contain dots. This is deprecated.")


@pytest.mark.parametrize(("version", "expected"), [
    ("2.9", []),
    ("2.10", [("MES131", "name", NAME_WARNING)]),
    ("2.13", [("MES131", "name", NAME_WARNING)]),
    # one cause, one finding: on 2.14 the name deprecation's hint quotes the SNI one Kuma sends for the same
    # name; on 3.0 both are folded into the N2 error (MES111)
    ("2.14", [("MES131", "name", NAME_WARNING)]),
    ("3.0", []),
])
def test_name_and_sni_deprecations(version: str, expected: list[tuple[str, str, str]]) -> None:
    resource = svc("mes.http", spec={"match": {"port": 80, "protocol": "http"},
                                     "endpoints": [{"address": "httpbin.org", "port": 80}]}, flavour=Flavour.UNIVERSAL)
    findings = run(resource, version)
    assert triples(findings, "MES131", "MES132") == expected
    if version in ("2.14", "3.0"):
        merged = [f for f in findings if f.code == ("MES111" if version == "3.0" else "MES131")]
        assert len(merged) == 1 and f"`{SNI_WARNING}` (MES132)" in merged[0].hint
    assert all(f.severity is Severity.WARNING and f.hint for f in findings if f.code in ("MES131", "MES132"))


def test_name_deprecation_uses_the_display_name() -> None:
    resource = svc("httpbin", annotations={"kuma.io/display-name": "Http_Bin"})
    assert [f.code for f in run(resource, "2.12")] == ["MES131"]
    assert "Http_Bin" in run(resource, "2.12")[0].message


def test_sni_reports_zone_and_mesh_problems() -> None:
    resource = svc("httpbin", mesh="Payments", flavour=Flavour.UNIVERSAL, labels={"kuma.io/zone": "Zone_1"})
    findings = [f for f in run(resource, "2.14", zone="Zone_1") if f.code == "MES132"]
    assert [f.path for f in findings] == ["mesh", 'labels["kuma.io/zone"]']
    assert findings[0].message.startswith('Invalid MeshExternalService SNI (port "443"): mesh "Payments" does not '
                                          "conform to RFC 1123: a lowercase RFC 1123 label")


def test_valid_names_have_no_deprecation() -> None:
    assert run(svc("httpbin"), "2.14") == []
