"""Schema / CRD checks MES101-MES106 and MES155 (reference sections 1 and 8)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from core.model import Flavour, Severity
from core.validation.structural import is_base64
from tests.core.validation.helpers import run, triples
from tests.factories import mes

SCHEMA = ("MES101", "MES102", "MES103", "MES104", "MES105", "MES106", "MES155")


def base(**extra: Any) -> dict[str, Any]:
    spec_: dict[str, Any] = {"match": {"port": 443, "protocol": "tcp"},
                             "endpoints": [{"address": "api.example.com", "port": 443}]}
    spec_.update(extra)
    return spec_


def schema_findings(spec_: Any, version: str = "2.14", flavour: Flavour = Flavour.KUBERNETES) -> list[Any]:
    return triples(run(mes("api", spec_, flavour=flavour), version), *SCHEMA)


# --- MES101 required ------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec_", "path"), [
    ({}, "spec.match"),
    ({"endpoints": []}, "spec.match"),
    (base(tls={"verification": {"subjectAltNames": [{"type": "Exact"}]}}),
     "spec.tls.verification.subjectAltNames[0].value"),
])
def test_required(spec_: dict[str, Any], path: str) -> None:
    assert schema_findings(spec_) == [("MES101", path, "Required value")]


def test_required_universal_wording() -> None:
    spec_ = base(tls={"verification": {"subjectAltNames": [{"type": "Exact"}]}})
    assert schema_findings(spec_, flavour=Flavour.UNIVERSAL) == [
        ("MES101", "spec.tls.verification.subjectAltNames[0].value", "in body is required")
    ]


@pytest.mark.parametrize(("spec_", "expected"), [
    (base(match={"protocol": "tcp"}), ("MES113", "spec.match.port", "port must be a valid (1-65535)")),
    (base(endpoints=[{"address": "1.1.1.1"}]), ("MES115", "spec.endpoints[0].port", "port must be a valid (1-65535)")),
    (base(endpoints=[{"port": 443}]),
     ("MES116", "spec.endpoints[0].address", "address has to be a valid IP or hostname")),
    (base(extension={"config": {}}), ("MES130", "spec.extension.type", "must not be empty")),
])
def test_missing_field_checked_by_kuma_is_reported_once_in_kumas_words(
    spec_: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    findings = [f for f in run(mes("api", spec_)) if f.code != "MES151"]
    assert triples(findings) == [expected]
    assert "missing" in findings[0].hint


@pytest.mark.parametrize(("version", "expected"), [
    ("2.9", [("MES101", "spec.extension.config", "Required value")]),
    ("2.10", []),
    ("2.14", []),
])
def test_extension_config_required_only_on_29(version: str, expected: list[tuple[str, str, str]]) -> None:
    assert schema_findings(base(extension={"type": "acme"}), version) == expected


def test_30_data_source_required_members() -> None:
    spec_ = base(tls={"enabled": True, "verification": {
        "caCert": {"type": "InsecureInline", "insecureInline": {"value": "x"}, "secretRef": {}},
    }})
    assert schema_findings(spec_, "3.0") == [
        ("MES101", "spec.tls.verification.caCert.secretRef.kind", "Required value"),
        ("MES101", "spec.tls.verification.caCert.secretRef.name", "Required value"),
    ]


# --- MES102 wrong type ----------------------------------------------------------------------------


def test_wrong_type_kubernetes_wording() -> None:
    assert schema_findings(base(match={"port": "80"})) == [
        ("MES102", "spec.match.port",
         'Invalid value: "string": spec.match.port in body must be of type integer: "string"'),
    ]


def test_wrong_type_universal_wording() -> None:
    assert schema_findings(base(match={"port": "80"}), flavour=Flavour.UNIVERSAL) == [
        ("MES102", "spec.match.port", 'in body must be of type integer: "string"'),
    ]


@pytest.mark.parametrize(("spec_", "path", "expected", "actual"), [
    (base(endpoints="api.example.com"), "spec.endpoints", "array", "string"),
    (base(match=[80]), "spec.match", "object", "array"),
    (base(tls={"enabled": "yes"}), "spec.tls.enabled", "boolean", "string"),
    (base(match={"port": 80.5}), "spec.match.port", "integer", "number"),
    (base(match={"port": True}), "spec.match.port", "integer", "boolean"),
    (base(endpoints=[{"address": 10, "port": 80}]), "spec.endpoints[0].address", "string", "integer"),
])
def test_wrong_types(spec_: dict[str, Any], path: str, expected: str, actual: str) -> None:
    assert schema_findings(spec_, flavour=Flavour.UNIVERSAL) == [
        ("MES102", path, f'in body must be of type {expected}: "{actual}"')
    ]


def test_whole_float_is_an_integer() -> None:
    assert schema_findings(base(match={"port": 80.0})) == []


def test_null_is_pruned_on_kubernetes_and_a_type_error_on_universal() -> None:
    assert schema_findings(base(tls=None)) == []
    assert schema_findings(base(tls=None), flavour=Flavour.UNIVERSAL) == [
        ("MES102", "spec.tls", 'in body must be of type object: "null"')
    ]


def test_spec_not_a_mapping() -> None:
    resource = mes("api", {})
    resource.spec = "port: 80"  # type: ignore[assignment]
    findings = run(resource)
    assert triples(findings, *SCHEMA) == [
        ("MES102", "spec", 'Invalid value: "string": spec in body must be of type object: "string"')
    ]
    assert not [f for f in findings if "MES110" <= f.code <= "MES130"]


# --- MES103 range ---------------------------------------------------------------------------------


def test_negative_and_huge_ports() -> None:
    assert schema_findings(base(endpoints=[{"address": "a.example", "port": -443}])) == [
        ("MES103", "spec.endpoints[0].port",
         "Invalid value: -443: spec.endpoints[0].port in body should be greater than or equal to 1"),
    ]
    assert schema_findings(base(endpoints=[{"address": "a.example", "port": -443}]), flavour=Flavour.UNIVERSAL) == [
        ("MES103", "spec.endpoints[0].port", "in body should be greater than or equal to 1"),
    ]


def test_port_above_max_is_reported_by_kuma_only() -> None:
    findings = run(mes("api", base(match={"port": 10**30, "protocol": "tcp"})))
    assert [f.code for f in findings] == ["MES113"]


def test_port_above_max_with_invalid_address_is_a_schema_error() -> None:
    findings = run(mes("api", base(endpoints=[{"address": "a b", "port": 99999}]), flavour=Flavour.UNIVERSAL))
    assert triples(findings) == [
        ("MES103", "spec.endpoints[0].port", "in body should be less than or equal to 65535"),
        ("MES116", "spec.endpoints[0].address", "address has to be a valid IP or hostname"),
    ]


@pytest.mark.parametrize(("priority", "message"), [
    (-1, "in body should be greater than or equal to 0"),
    (129, "in body should be less than or equal to 128"),
])
def test_priority_range_on_214(priority: int, message: str) -> None:
    spec_ = base(endpoints=[{"address": "a.example", "port": 443, "priority": priority}])
    assert schema_findings(spec_, flavour=Flavour.UNIVERSAL) == [("MES103", "spec.endpoints[0].priority", message)]


def test_empty_address_is_left_to_kuma_e2() -> None:
    findings = run(mes("api", base(endpoints=[{"address": "", "port": 443}])))
    assert [f.code for f in findings] == ["MES116"]


# --- MES104 schema-only enums ---------------------------------------------------------------------


def test_empty_match_type_passes_kuma_but_not_the_crd_on_210() -> None:
    assert schema_findings(base(match={"type": "", "port": 80}), "2.10") == [
        ("MES104", "spec.match.type", 'Unsupported value: "": supported values: "HostnameGenerator"'),
    ]
    assert schema_findings(base(match={"type": "", "port": 80}), "2.10", Flavour.UNIVERSAL) == [
        ("MES104", "spec.match.type", "in body should be one of [HostnameGenerator]"),
    ]


def test_secret_ref_kind_enum_when_kuma_does_not_look() -> None:
    spec_ = base(tls={"enabled": True, "verification": {"caCert": {
        "type": "InsecureInline", "insecureInline": {"value": "pem"}, "secretRef": {"kind": "Vault", "name": "x"}}}})
    assert schema_findings(spec_, "3.0") == [
        ("MES104", "spec.tls.verification.caCert.secretRef.kind", 'Unsupported value: "Vault": supported values: '
                                                                   '"Secret"'),
    ]


def test_validator_enums_are_not_duplicated() -> None:
    findings = run(mes("api", base(match={"port": 80, "protocol": "https"})))
    assert [f.code for f in findings] == ["MES114"]


# --- MES105 inline base64 -------------------------------------------------------------------------


PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("version", ["2.9", "2.14"])
def test_inline_not_base64_is_rejected_without_echoing_it(version: str) -> None:
    spec_ = base(tls={"enabled": True, "verification": {"caCert": {"inline": PEM}}})
    findings = [f for f in run(mes("api", spec_), version) if f.code == "MES105"]
    assert [(f.code, f.path) for f in findings] == [("MES105", "spec.tls.verification.caCert.inline")]
    assert "BEGIN CERTIFICATE" not in findings[0].message and "MIIB" not in findings[0].message
    assert "<redacted:" in findings[0].message and "must be of type byte" in findings[0].message
    assert "inlineString" in findings[0].hint


def test_inline_base64_accepted_and_not_checked_on_30() -> None:
    good = base64.b64encode(PEM.encode()).decode()
    spec_ = base(tls={"enabled": True, "verification": {"caCert": {"inline": good}}})
    assert schema_findings(spec_) == []
    assert is_base64(good[:20] + "\n" + good[20:])  # Go ignores line breaks
    assert not is_base64(good[:-1])  # padding required
    assert not is_base64("é")


# --- MES106 unknown fields / MES155 priority ------------------------------------------------------


def test_unknown_field_with_suggestion() -> None:
    findings = [f for f in run(mes("api", base(match={"port": 80, "protocl": "http"}))) if f.code == "MES106"]
    assert [(f.path, f.message) for f in findings] == [
        ("spec.match.protocl", 'unknown field "spec.match.protocl"')
    ]
    assert findings[0].severity is Severity.WARNING
    assert "`protocol`" in findings[0].hint


def test_current_shape_on_legacy_version_is_explained() -> None:
    spec_ = base(tls={"enabled": True, "verification": {"caCert": {"type": "Secret", "secretRef": {"name": "x"}}}})
    findings = run(mes("api", spec_), "2.14")
    # one finding per cause: MES157 explains the whole data source, no MES106 per 3.0 member
    assert [f.code for f in findings if f.code == "MES106"] == []
    explained = [f for f in findings if f.code == "MES157"]
    assert [f.path for f in explained] == ["spec.tls.verification.caCert"]
    assert "3.0 data-source shape" in explained[0].message and "v2.14.0 to v2.14.3" in explained[0].message


def test_legacy_members_on_30_are_left_to_d6() -> None:
    spec_ = base(tls={"enabled": True, "verification": {"caCert": {"secret": "ca", "inline": "eA=="}}})
    findings = run(mes("api", spec_), "3.0")
    assert [f.code for f in findings] == ["MES129"]


def test_extension_config_is_free_form() -> None:
    spec_ = base(extension={"type": "acme", "config": {"anything": [1, {"goes": None}]}})
    assert schema_findings(spec_) == []


@pytest.mark.parametrize("version", ["2.9", "2.12", "2.13"])
def test_priority_before_214(version: str) -> None:
    spec_ = base(endpoints=[{"address": "a.example", "port": 443, "priority": 1}])
    findings = [f for f in run(mes("api", spec_), version) if f.code in SCHEMA]
    assert [(f.code, f.path) for f in findings] == [("MES155", "spec.endpoints[0].priority")]
    assert findings[0].message.startswith('unknown field "spec.endpoints[0].priority"')
    assert "2.14" in findings[0].hint


def test_priority_known_from_214() -> None:
    spec_ = base(endpoints=[{"address": "a.example", "port": 443, "priority": 0}])
    assert schema_findings(spec_, "2.14") == []
    assert schema_findings(spec_, "3.0") == []
