"""MeshPassthrough (MES630-MES633), per version.

Behaviour read from <release-2.9|release-2.10|release-2.13|release-2.14|master>:pkg/plugins/policies/meshpassthrough/
api/v1alpha1/{validator.go,meshpassthrough.go} and release-2.14:…/plugin/v1alpha1/plugin.go.
"""

from __future__ import annotations

import pytest

from tests.core.neighbours.helpers import MES_HTTPBIN, codes, found, run


def passthrough(default: str, target: str = "{kind: Mesh}") -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshPassthrough
metadata: {{name: pt, namespace: kuma-system, labels: {{kuma.io/mesh: default}}}}
spec:
  targetRef: {target}
  default: {default}
"""


def entry(match: str, mode: str = "Matched") -> str:
    return passthrough(f"{{passthroughMode: {mode}, appendMatch: [{match}]}}")


def messages(report) -> list[str]:
    return sorted(f.message.split("`")[1] for f in found(report, "MES630"))


@pytest.mark.parametrize(("version", "expected"), [
    ("2.9", ["spec.default.appendMatch[0].protocol: protocol tcp is not supported for a domain"]),
    ("2.14", ["spec.default.appendMatch[0].protocol: protocol tcp is not supported for a domain"]),
])
def test_domain_needs_an_l7_or_tls_protocol(version, expected):
    assert messages(run(entry("{type: Domain, value: api.example.com, port: 443}"), version=version)) == expected
    assert messages(run(entry("{type: Domain, value: api.example.com, port: 443, protocol: tls}"),
                        version=version)) == []


@pytest.mark.parametrize(("version", "expected"), [
    ("2.9", ['spec.default.appendMatch[0].protocol: "protocol" must be one of '
             '["tcp", "tls", "grpc", "http", "http2"]']),
    ("2.10", ["spec.default.appendMatch[0].port: port must be defined for Mysql protocol"]),
    ("3.0", ["spec.default.appendMatch[0].port: port must be defined for Mysql protocol"]),
])
def test_mysql_protocol(version, expected):
    assert messages(run(entry("{type: IP, value: 10.0.0.7, protocol: mysql}"), version=version)) == expected
    with_port = run(entry("{type: IP, value: 10.0.0.7, port: 3306, protocol: mysql}"), version=version)
    assert bool(messages(with_port)) is (version == "2.9")


@pytest.mark.parametrize(("version", "valid"), [("2.13", True), ("2.14", False)])
def test_wildcard_domain_tail_is_checked_from_2_14(version, valid):
    report = run(entry("{type: Domain, value: '*.bad_host!', port: 443, protocol: tls}"), version=version)
    assert (messages(report) == []) is valid


def test_partial_wildcard_and_wildcard_without_port():
    report = run(entry("{type: Domain, value: '*api.example.com', protocol: http}"), version="2.14")
    assert messages(report) == [
        "spec.default.appendMatch[0].port: wildcard domains doesn't work for all ports and layer 7 protocol",
        "spec.default.appendMatch[0].value: provided DNS has incorrect value, partial wildcard is currently not "
        "supported",
    ]


def test_values_ports_and_duplicates():
    report = run(passthrough("{passthroughMode: Matched, appendMatch: [{type: CIDR, value: 10.0.0.0, port: 0}, "
                             "{type: IP, value: 300.1.1.1, port: 80}, {type: Host, value: x, port: 80}, "
                             "{type: IP, value: 10.0.0.1, port: 443, protocol: http}, "
                             "{type: IP, value: 10.0.0.2, port: 443, protocol: grpc}, "
                             "{type: IP, value: 10.0.0.1, port: 443, protocol: http}]}"), version="2.14")
    assert messages(report) == [
        "spec.default.appendMatch[0].port: port must be a valid (1-65535)",
        "spec.default.appendMatch[0].value: provided CIDR has incorrect value",
        "spec.default.appendMatch[1].value: provided IP has incorrect value",
        "spec.default.appendMatch[2].type: provided type Host is not supported, one of Domain, IP, or CIDR is "
        "supported",
        "spec.default.appendMatch[4].port: using the same port in multiple matches requires the same protocol for "
        "the following protocols: [grpc http http2]",
        "spec.default.appendMatch[5].value: value 10.0.0.1 is already defiend for this port and protocol",
    ]


@pytest.mark.parametrize(("version", "ok"), [("2.9", False), ("2.10", True), ("3.0", True)])
def test_dataplane_top_level_kind(version, ok):
    report = run(passthrough("{passthroughMode: All}", target="{kind: Dataplane, labels: {app: web}}"),
                 version=version)
    assert (messages(report) == []) is ok


def test_append_match_under_all_or_none():
    for mode in ("All", "None"):
        [finding] = found(run(entry("{type: IP, value: 10.0.0.7, port: 443}", mode=mode), version="2.14"), "MES631")
        assert f"`passthroughMode: {mode}`" in finding.message
    assert "MES631" not in codes(run(entry("{type: IP, value: 10.0.0.7, port: 443}"), version="2.14"))


def test_2_9_kubernetes_defaulted_the_mode_to_none():
    unset = passthrough("{appendMatch: [{type: IP, value: 10.0.0.7, port: 443}]}")
    assert "the default of Kuma 2.9 on Kubernetes" in found(run(unset, version="2.9"), "MES631")[0].message
    assert "MES631" not in codes(run(unset, version="2.10"))  # unset means Matched from 2.10


def test_mes_host_also_let_through_directly():
    allowed = entry("{type: Domain, value: httpbin.org, port: 80, protocol: http}")
    [finding] = found(run(allowed, MES_HTTPBIN, version="2.14"), "MES632")
    assert "httpbin.org:80" in finding.message and "bypasses the egress" in finding.message
    other_port = entry("{type: Domain, value: httpbin.org, port: 443, protocol: tls}")
    assert "MES632" not in codes(run(other_port, MES_HTTPBIN, version="2.14"))
    wildcard = entry("{type: Domain, value: '*.org', port: 80, protocol: http}")
    assert "MES632" in codes(run(wildcard, MES_HTTPBIN, version="2.14"))
    everything = passthrough("{passthroughMode: All}")
    assert "passes every destination through" in found(run(everything, MES_HTTPBIN, version="2.14"),
                                                       "MES632")[0].message


def test_cidr_covers_an_ip_endpoint():
    ip_mes = MES_HTTPBIN.replace("address: httpbin.org", "address: 203.0.113.7")
    report = run(entry("{type: CIDR, value: 203.0.113.0/24, port: 80}"), ip_mes, version="2.14")
    assert "MES632" in codes(report)


BROKEN = """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls: {enabled: true, verification: {caCert: {secret: partner-ca}}}
---
apiVersion: v1
kind: Secret
metadata: {name: other-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: eA==}
"""


def test_dropped_mes_with_no_passthrough_fallback():
    [finding] = found(run(passthrough("{passthroughMode: None}"), BROKEN, version="2.14"), "MES633")
    assert "reachable neither way" in finding.message and "tls-load-failed" in finding.message
    fallback = entry("{type: Domain, value: api.partner.example, port: 443, protocol: tls}")
    assert "MES633" not in codes(run(fallback, BROKEN, version="2.14"))
    assert "MES633" not in codes(run(BROKEN, version="2.14"))  # no passthrough settings in the input: not judged


def test_2_x_mesh_passthrough_off_blocks_the_fallback():
    mesh = ("apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}\nspec:\n"
            "  mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}\n"
            "  networking: {outbound: {passthrough: false}}\n")
    assert "networking.outbound.passthrough: false" in found(run(mesh, BROKEN, version="2.14"), "MES633")[0].message
