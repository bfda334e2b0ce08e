"""Semantic warnings MES150-MES159 (reference section 10, items 11, 12, 16, 20)."""

from __future__ import annotations

from typing import Any

import pytest

from core.model import Flavour, Severity
from tests.core.validation.helpers import clean_spec, run, svc, triples


def with_tls(verification: dict[str, Any] | None = None, enabled: Any = True, **spec_: Any) -> dict[str, Any]:
    out = clean_spec()
    out.update(spec_)
    tls: dict[str, Any] = {"enabled": enabled}
    if verification is not None:
        tls["verification"] = verification
    out["tls"] = tls
    return out


def found(spec_: dict[str, Any], code: str, version: str = "2.14") -> list[tuple[str, str, str]]:
    return triples(run(svc("api", spec=spec_), version), code)


# --- MES150 / MES151 ------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoints", [None, []])
def test_no_endpoints_no_extension(endpoints: list[Any] | None) -> None:
    spec_: dict[str, Any] = {"match": {"port": 80, "protocol": "tcp"}}
    if endpoints is not None:
        spec_["endpoints"] = endpoints
    assert found(spec_, "MES150") == [
        ("MES150", "spec.endpoints",
         "no `endpoints` and no `extension`: the MeshExternalService is accepted but routes nowhere"),
    ]
    assert "cuts the egress filter chains" in found(spec_, "MES150", "2.11")[0][2]
    assert "cuts" not in found(spec_, "MES150", "2.12")[0][2]


def test_extension_is_flagged_and_replaces_mes150() -> None:
    spec_ = {"match": {"port": 80, "protocol": "tcp"}, "extension": {"type": "acme.io/lambda", "config": {}}}
    findings = run(svc("api", spec=spec_))
    assert [f.code for f in findings] == ["MES151"]
    assert "'acme.io/lambda'" in findings[0].message and findings[0].severity is Severity.WARNING


# --- MES152 / MES153 / MES159 ---------------------------------------------------------------------


@pytest.mark.parametrize(("enabled", "flavour", "version", "state"), [
    (False, Flavour.KUBERNETES, "2.14", "false"),
    (None, Flavour.KUBERNETES, "2.9", "false"),  # CRD default
    (None, Flavour.UNIVERSAL, "2.9", "not set"),  # no defaulting on Universal 2.9
])
def test_verification_without_tls(enabled: Any, flavour: Flavour, version: str, state: str) -> None:
    spec_ = with_tls({"caCert": {"secret": "ca"}}, enabled)
    if enabled is None:
        del spec_["tls"]["enabled"]
    assert triples(run(svc("api", spec=spec_, flavour=flavour), version), "MES152") == [
        ("MES152", "spec.tls.enabled", f"`tls.verification` is configured but `tls.enabled` is {state}: the egress "
                                       "originates no TLS and loads no CA or client certificate"),
    ]
    assert found(with_tls({"caCert": {"secret": "ca"}}), "MES152") == []


@pytest.mark.parametrize("protocol", ["http", "http2", "grpc"])
def test_plaintext_http_to_443(protocol: str) -> None:
    spec_ = {"match": {"port": 80, "protocol": protocol},
             "endpoints": [{"address": "a.example", "port": 8080}, {"address": "b.example", "port": 443}]}
    assert found(spec_, "MES153") == [
        ("MES153", "spec.endpoints[1].port", f"endpoint port 443 with protocol `{protocol}` and TLS disabled: the "
                                             "egress sends plaintext to a port that almost certainly expects TLS"),
    ]
    assert found({**spec_, "tls": {"enabled": True}}, "MES153") == []
    assert found({**spec_, "match": {"port": 80, "protocol": "tcp"}}, "MES153") == []


def test_double_tls_heuristic() -> None:
    spec_ = with_tls(match={"port": 443, "protocol": "http"})
    assert found(spec_, "MES159") == [
        ("MES159", "spec.match.port", "`match.port` is 443 with protocol `http` and TLS origination: clients calling "
                                      "`https://<mes hostname>` already speak TLS and get wrapped twice"),
    ]
    assert found(with_tls(match={"port": 80, "protocol": "http"}), "MES159") == []
    assert found(with_tls(match={"port": 443, "protocol": "tcp"}), "MES159") == []
    assert found({**spec_, "tls": {"enabled": False}}, "MES159") == []


# --- MES154 priorities ----------------------------------------------------------------------------


def endpoints(*priorities: int | None) -> dict[str, Any]:
    eps = []
    for index, priority in enumerate(priorities):
        endpoint: dict[str, Any] = {"address": f"e{index}.example", "port": 443}
        if priority is not None:
            endpoint["priority"] = priority
        eps.append(endpoint)
    return {"match": {"port": 443, "protocol": "tcp"}, "endpoints": eps}


@pytest.mark.parametrize(("priorities", "message"), [
    ((0, 2), "endpoint priorities 0, 2 leave a gap (no endpoint with priority 1)"),
    ((None, 3), "endpoint priorities 0, 3 leave a gap (no endpoint with priority 1, 2)"),
    ((1, 1), "endpoint priorities 1 leave a gap (no endpoint with priority 0)"),
])
def test_priority_gaps(priorities: tuple[int | None, ...], message: str) -> None:
    findings = [f for f in run(svc("api", spec=endpoints(*priorities)), "2.14") if f.code == "MES154"]
    assert [(f.path, f.message) for f in findings] == [("spec.endpoints", message)]
    assert "->" in findings[0].hint


def test_no_gap_and_old_versions() -> None:
    assert found(endpoints(0, 1, 1, 2, None), "MES154") == []
    assert found(endpoints(0, 2), "MES154", "2.13") == []  # priority unknown there: MES155 instead
    assert found(endpoints(0, 2), "MES154", "3.0") != []


# --- MES156 / MES157 / MES158 legacy data sources -------------------------------------------------


def test_several_members() -> None:
    spec_ = with_tls({"caCert": {"secret": "ca", "inlineString": "pem"}})
    assert found(spec_, "MES156") == [
        ("MES156", "spec.tls.verification.caCert", "`caCert` sets `secret`, `inlineString`: Kuma uses only `secret` "
                                                   "(precedence secret > inline > inlineString) and ignores "
                                                   "`inlineString`"),
    ]


@pytest.mark.parametrize(("field", "effect"), [
    ("caCert", "the server is verified against the egress's system CA bundle"),
    ("clientCert", "no client certificate is presented"),
])
def test_empty_object(field: str, effect: str) -> None:
    verification = {field: {}}
    if field == "clientCert":
        verification["clientKey"] = {"secret": "key"}
    assert found(with_tls(verification), "MES157") == [
        ("MES157", f"spec.tls.verification.{field}",
         f"`{field}` sets none of `secret`, `inline`, `inlineString`: nothing is loaded, so {effect}"),
    ]


def test_current_shape_on_legacy_counts_as_empty() -> None:
    spec_ = with_tls({"caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "ca"}}})
    message = found(spec_, "MES157")[0][2]
    assert message.startswith("`caCert` uses the 3.0 data-source shape")


@pytest.mark.parametrize("member", ["inline", "inlineString"])
def test_empty_inline(member: str) -> None:
    assert found(with_tls({"caCert": {member: ""}}), "MES158") == [
        ("MES158", f"spec.tls.verification.caCert.{member}",
         f"`caCert.{member}` is empty: Kuma hands empty bytes to Envoy"),
    ]


def test_data_source_warnings_need_enabled_tls_and_legacy_version() -> None:
    spec_ = with_tls({"caCert": {}, "clientCert": {"secret": "c", "inline": ""}, "clientKey": {"secret": "k"}})
    assert [f.code for f in run(svc("api", spec=spec_), "2.9")] == ["MES157", "MES156"]
    spec_["tls"]["enabled"] = False
    assert [f.code for f in run(svc("api", spec=spec_), "2.9")] == ["MES152"]
    assert "MES157" not in [f.code for f in run(svc("api", spec=with_tls({"caCert": {}})), "3.0")]
