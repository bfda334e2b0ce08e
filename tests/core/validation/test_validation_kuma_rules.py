"""Kuma validator rules N1-X1: exact paths and messages, emission order, version differences (reference 2.3)."""

from __future__ import annotations

from typing import Any

import pytest

from core.model import Flavour, Severity, Stage
from core.validation.kuma_validator import kuma_violations
from core.versions import KumaVersion
from tests.core.validation.helpers import kuma_rules, run, spec, triples
from tests.factories import mes

PORT = "port must be a valid (1-65535)"
PROTOCOLS = '"protocol" must be one of ["tcp", "grpc", "http", "http2"]'
MODES = '"mode" must be one of ["SkipSAN", "SkipCA", "SkipAll", "Secured"]'
SAN_TYPES = '"type" must be one of ["Prefix", "Exact"]'
TLS_MIN = '"min" must be one of ["TLSAuto", "TLS10", "TLS11", "TLS12", "TLS13"]'
TLS_MAX = '"max" must be one of ["TLSAuto", "TLS10", "TLS11", "TLS12", "TLS13"]'
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


def base(**extra: Any) -> dict[str, Any]:
    spec_: dict[str, Any] = {"match": {"port": 443, "protocol": "tcp"},
                             "endpoints": [{"address": "api.example.com", "port": 443}]}
    spec_.update(extra)
    return spec_


def tls(verification: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"enabled": True, **extra}
    if verification is not None:
        block["verification"] = verification
    return base(tls=block)


CASES: list[tuple[str, str, dict[str, Any], tuple[str, str, str]]] = [
    ("M1", "2.14", base(match={"type": "Hostname", "port": 80}),
     ("MES112", "spec.match.type", "unrecognized type 'Hostname' - only 'HostnameGenerator' is supported")),
    ("M2 zero", "2.14", base(match={"port": 0}), ("MES113", "spec.match.port", PORT)),
    ("M2 too big", "2.14", base(match={"port": 65536}), ("MES113", "spec.match.port", PORT)),
    ("M3", "2.14", base(match={"port": 80, "protocol": "https"}), ("MES114", "spec.match.protocol", PROTOCOLS)),
    ("E1", "2.14", base(endpoints=[{"address": "10.0.0.1", "port": 0}]), ("MES115", "spec.endpoints[0].port", PORT)),
    ("E1 dns", "2.14", base(endpoints=[{"address": "ok.example", "port": 70000}]),
     ("MES115", "spec.endpoints[0].port", PORT)),
    ("E2", "2.14", base(endpoints=[{"address": "https://api.example.com", "port": 443}]),
     ("MES116", "spec.endpoints[0].address", "address has to be a valid IP or hostname")),
    ("V1 min", "2.14", tls(version={"min": "TLSv1.2"}), ("MES117", "spec.tls.version.min", TLS_MIN)),
    ("V1 max", "2.14", tls(version={"max": "1.3"}), ("MES117", "spec.tls.version.max", TLS_MAX)),
    ("V2", "2.14", tls(version={"min": "TLS13", "max": "TLS12"}),
     ("MES118", "spec.tls.version.min", "min version must be lower than max")),
    ("T1", "2.14", tls({"serverName": "10.0.0.1"}),
     ("MES119", "spec.tls.verification.serverName", "must be a valid DNS name")),
    ("T2", "2.14", tls({"mode": "Skip"}), ("MES120", "spec.tls.verification.mode", MODES)),
    ("T3", "2.14", tls({"subjectAltNames": [{"type": "Exact", "value": "a"}, {"type": "Regex", "value": "b"}]}),
     ("MES121", "spec.tls.verification.subjectAltNames[1].type", SAN_TYPES)),
    ("T4", "2.14", tls({"clientCert": {"secret": "c"}}),
     ("MES122", "spec.tls.verification.clientKey", "must be defined when clientCert is defined")),
    ("T5", "2.14", tls({"clientKey": {"secret": "k"}}),
     ("MES123", "spec.tls.verification.clientCert", "must be defined when clientKey is defined")),
    ("D1 File", "3.0", tls({"caCert": {"type": "File", "file": {"path": "/ca.pem"}}}),
     ("MES124", "spec.tls.verification.caCert.type", "File must be one of: Secret, InsecureInline")),
    ("D1 EnvVar", "3.0", tls({"caCert": {"type": "EnvVar", "envVar": {"name": "CA"}}}),
     ("MES124", "spec.tls.verification.caCert.type", "EnvVar must be one of: Secret, InsecureInline")),
    ("D2", "3.0", tls({"caCert": {"type": "Secret"}}),
     ("MES125", "spec.tls.verification.caCert.secretRef", "must be defined")),
    ("D3", "3.0", tls({"caCert": {"type": "Secret", "secretRef": {"kind": "GlobalSecret", "name": "ca"}}}),
     ("MES126", "spec.tls.verification.caCert.secretRef.kind", "GlobalSecret must be one of: Secret")),
    ("D4", "3.0", tls({"caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": ""}}}),
     ("MES127", "spec.tls.verification.caCert.secretRef.name", "must be defined")),
    ("D5 object", "3.0", tls({"caCert": {"type": "InsecureInline"}}),
     ("MES128", "spec.tls.verification.caCert.insecureInline", "must be defined")),
    ("D5 value", "3.0", tls({"caCert": {"type": "InsecureInline", "insecureInline": {"value": ""}}}),
     ("MES128", "spec.tls.verification.caCert.insecureInline.value", "must be defined")),
    ("D6 unknown", "3.0", tls({"caCert": {"type": "Vault"}}),
     ("MES129", "spec.tls.verification.caCert.type", "Vault must be one of: EnvVar, InsecureInline, File, Secret")),
    ("D6 legacy shape", "3.0", tls({"caCert": {"secret": "ca"}}),
     ("MES129", "spec.tls.verification.caCert.type", " must be one of: EnvVar, InsecureInline, File, Secret")),
    ("X1", "2.14", base(extension={"config": {}, "type": ""}), ("MES130", "spec.extension.type", "must not be empty")),
]


@pytest.mark.parametrize(("version", "spec_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_exact_path_and_message(version: str, spec_: dict[str, Any], expected: tuple[str, str, str]) -> None:
    findings = kuma_rules(run(mes("api", spec_), version))
    assert triples(findings) == [expected]
    assert findings[0].severity is Severity.ERROR and findings[0].stage is Stage.WRITE
    assert findings[0].hint


FULL_INVALID = [
    ("MES112", "spec.match.type", "unrecognized type 'DnsMatch' - only 'HostnameGenerator' is supported"),
    ("MES113", "spec.match.port", PORT),
    ("MES114", "spec.match.protocol", PROTOCOLS),
    ("MES115", "spec.endpoints[0].port", PORT),
    ("MES115", "spec.endpoints[1].port", PORT),
    ("MES115", "spec.endpoints[2].port", PORT),
    ("MES116", "spec.endpoints[3].address", "address has to be a valid IP or hostname"),
    ("MES117", "spec.tls.version.min", TLS_MIN),
    ("MES117", "spec.tls.version.max", TLS_MAX),
    ("MES119", "spec.tls.verification.serverName", "must be a valid DNS name"),
    ("MES120", "spec.tls.verification.mode", MODES),
    ("MES121", "spec.tls.verification.subjectAltNames[0].type", SAN_TYPES),
    ("MES122", "spec.tls.verification.clientKey", "must be defined when clientCert is defined"),
]


@pytest.mark.parametrize("version", ["2.9", "2.10", "2.11", "2.12", "2.13", "2.14"])
@pytest.mark.parametrize("flavour", list(Flavour), ids=str)
def test_full_invalid_13_violations_in_kuma_order(version: str, flavour: Flavour) -> None:
    findings = run(mes("external-service", spec("full-invalid-legacy"), flavour=flavour), version)
    assert triples(kuma_rules(findings)) == FULL_INVALID
    # the schema reports the same fields through the validator's words: no duplicates
    assert not [f for f in findings if f.code in ("MES101", "MES103", "MES104")]


@pytest.mark.parametrize("flavour", list(Flavour), ids=str)
def test_full_invalid_on_30_adds_d1_and_d4(flavour: Flavour) -> None:
    findings = run(mes("external-service", spec("full-invalid-3.0"), flavour=flavour), "3.0")
    assert triples(kuma_rules(findings)) == [
        *FULL_INVALID,
        ("MES124", "spec.tls.verification.caCert.type", "File must be one of: Secret, InsecureInline"),
        ("MES127", "spec.tls.verification.clientCert.secretRef.name", "must be defined"),
    ]


def test_tls_is_validated_even_when_disabled() -> None:
    spec_ = base(tls={"enabled": False, "version": {"min": "TLS13", "max": "TLS10"}})
    assert triples(kuma_rules(run(mes("api", spec_)))) == [
        ("MES118", "spec.tls.version.min", "min version must be lower than max")
    ]


def test_equal_or_auto_versions_are_fine() -> None:
    for version in ({"min": "TLS12", "max": "TLS12"}, {"min": "TLS13", "max": "TLSAuto"}):
        assert kuma_rules(run(mes("api", tls(version=version)))) == []


@pytest.mark.parametrize("version", ["2.9", "2.14", "3.0"])
def test_extension_skips_endpoints_and_tls(version: str) -> None:
    findings = run(mes("api", spec("extension")), version)
    assert kuma_rules(findings) == []


def test_extension_on_30_still_checks_data_sources() -> None:
    spec_ = spec("extension")
    spec_["tls"] = {"verification": {"caCert": {"type": "File", "file": {"path": "/x"}},
                                     "clientCert": {"type": "InsecureInline"}, "serverName": "10.0.0.1"}}
    findings = kuma_rules(run(mes("api", spec_), "3.0"))
    assert triples(findings) == [
        ("MES124", "spec.tls.verification.caCert.type", "File must be one of: Secret, InsecureInline"),
        ("MES128", "spec.tls.verification.clientCert.insecureInline", "must be defined"),
    ]
    assert kuma_rules(run(mes("api", spec_), "2.14")) == []


def test_data_source_rules_only_on_30() -> None:
    spec_ = tls({"caCert": {"secret": "ca"}, "clientCert": {"secret": "c"}, "clientKey": {"secret": "k"}})
    assert kuma_rules(run(mes("api", spec_), "2.14")) == []
    assert [f.code for f in kuma_rules(run(mes("api", spec_), "3.0"))] == ["MES129", "MES129", "MES129"]


def test_negative_ports_pass_the_validator_and_fail_the_schema() -> None:
    spec_ = base(match={"port": -5, "protocol": "tcp"}, endpoints=[{"address": "1.1.1.1", "port": -1}])
    findings = run(mes("api", spec_))
    assert kuma_rules(findings) == []
    assert [(f.code, f.path) for f in findings if f.code == "MES103"] == [
        ("MES103", "spec.match.port"), ("MES103", "spec.endpoints[0].port")
    ]


def test_invalid_address_skips_the_port_rule() -> None:
    spec_ = base(endpoints=[{"address": "*.example.com", "port": 0}])
    assert [f.code for f in kuma_rules(run(mes("api", spec_)))] == ["MES116"]


# --- version differences -------------------------------------------------------------------------


def test_n1_uses_core_name_on_29_and_210_kubernetes() -> None:
    resource = mes("n" * 52)  # 52 + len(".kuma-system") = 64
    for version in ("2.9", "2.10"):
        assert triples(kuma_rules(run(resource, version))) == [
            ("MES110", "name", "must not be longer than 63 characters")
        ]
    for version in ("2.11", "2.14"):
        assert kuma_rules(run(resource, version)) == []
    assert kuma_rules(run(mes("n" * 51), "2.9")) == []


def test_n1_display_name_from_211() -> None:
    resource = mes("short", annotations={"kuma.io/display-name": "d" * 64})
    assert kuma_rules(run(resource, "2.10")) == []
    assert [f.code for f in kuma_rules(run(resource, "2.11"))] == ["MES110"]
    universal = mes("u" * 64, flavour=Flavour.UNIVERSAL)
    assert [f.code for f in kuma_rules(run(universal, "2.9"))] == ["MES110"]
    assert kuma_rules(run(mes("x" * 63, flavour=Flavour.UNIVERSAL), "2.14")) == []


def test_n2_on_30_replaces_n1() -> None:
    assert triples(kuma_rules(run(mes("1external.service"), "3.0"))) == [("MES111", "name", DNS1035)]
    assert triples(kuma_rules(run(mes("e" * 86), "3.0"))) == [
        ("MES111", "name", "must be no more than 63 characters")
    ]
    assert triples(kuma_rules(run(mes("E" * 64), "3.0"))) == [
        ("MES111", "name", f"must be no more than 63 characters, {DNS1035}")
    ]
    assert kuma_rules(run(mes("1external.service"), "2.14")) == []  # only a deprecation warning there


@pytest.mark.parametrize(("version", "expected"), [("2.9", ["MES112"]), ("2.10", []), ("3.0", [])])
def test_empty_match_type(version: str, expected: list[str]) -> None:
    findings = run(mes("api", base(match={"type": "", "port": 80})), version)
    assert [f.code for f in kuma_rules(findings)] == expected


@pytest.mark.parametrize(("version", "expected"), [("2.9", ["MES120"]), ("2.10", []), ("2.14", [])])
def test_empty_verification_mode(version: str, expected: list[str]) -> None:
    findings = run(mes("api", tls({"mode": ""})), version)
    assert [f.code for f in kuma_rules(findings)] == expected


@pytest.mark.parametrize(("version", "flavour", "expected"), [
    ("2.9", Flavour.UNIVERSAL, ["MES114", "MES121"]),
    ("2.9", Flavour.KUBERNETES, []),
    ("2.10", Flavour.UNIVERSAL, []),
    ("3.0", Flavour.UNIVERSAL, []),
])
def test_omitted_protocol_and_san_type(version: str, flavour: Flavour, expected: list[str]) -> None:
    spec_ = {"match": {"port": 80}, "endpoints": [{"address": "a.example", "port": 80}],
             "tls": {"enabled": True, "verification": {"subjectAltNames": [{"value": "a.example"}]}}}
    assert [f.code for f in kuma_rules(run(mes("api", spec_, flavour=flavour), version))] == expected


def test_missing_match_is_reported_once_by_the_schema() -> None:
    findings = run(mes("api", {"endpoints": [{"address": "a.example", "port": 80}]}))
    assert triples(findings, "MES101", "MES113", "MES114") == [("MES101", "spec.match", "Required value")]


def test_kuma_violations_is_usable_alone() -> None:
    violations = kuma_violations(mes("api", base(match={"port": 0})), KumaVersion.parse("2.14"))
    assert [(v.rule, v.path) for v in violations] == [("M2", "spec.match.port")]
