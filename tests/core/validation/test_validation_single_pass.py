"""The single pass (`defaulted_schema_violations`) gives what the reference path gives:
`apply_defaults` followed by `schema_violations` of the copy (same copy, same violations, same order)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.model import Flavour, Resource
from core.validation.defaults import apply_defaults
from core.validation.spec_validation import defaulted_spec
from core.validation.structural import defaulted_schema_violations, schema_violations
from core.versions import SUPPORTED, KumaVersion
from tests.factories import mes

VERSIONS = [KumaVersion.parse(v) for v in SUPPORTED]
FLAVOURS = list(Flavour)


def reference(resource: Resource, version: KumaVersion) -> tuple[dict[str, Any], list[Any]]:
    spec = apply_defaults(resource, version)
    raw = spec if isinstance(resource.spec, dict) else resource.spec
    return spec, schema_violations(raw, version, resource.flavour)


def resource(spec: Any, flavour: Flavour) -> Resource:
    made = mes("api", {}, flavour=flavour)
    made.spec = copy.deepcopy(spec)
    return made


def assert_same(spec: Any) -> None:
    for version in VERSIONS:
        for flavour in FLAVOURS:
            made = resource(spec, flavour)
            expected = reference(made, version)
            fused = defaulted_schema_violations(made, version)
            if fused is not None:
                # repr: the same types too (a tuple copied to a list, a default's exact value)
                assert repr(fused) == repr(expected), (version, flavour)
            assert repr(defaulted_spec(made, version)) == repr(expected), (version, flavour)
            assert repr(made.spec) == repr(spec), "the resource is never modified"


TRICKY: list[Any] = [
    {},
    {"match": {"port": 443, "protocol": "http"}, "endpoints": [{"address": "a.example.com", "port": 443}]},
    # nulls: defaulted on Kubernetes and Universal 2.10+, pruned on Kubernetes, a type error on Universal
    {"match": {"port": None, "protocol": None, "type": None}, "endpoints": None, "tls": None, "extension": None},
    {"match": {"port": 80}, "tls": {"enabled": None, "allowRenegotiation": None, "verification": None,
                                    "version": {"min": None, "max": "TLS13"}}},
    {"match": {"port": 80}, "extension": {"type": "x", "config": None}},
    {"match": {"port": 80}, "extension": {"type": None}},
    # wrong types and bounds
    {"match": {"port": "443", "protocol": 7, "type": True}, "endpoints": {"address": "a"}},
    {"match": {"port": 443.0, "protocol": "https"}, "endpoints": [{"address": "", "port": 0, "priority": -1}]},
    {"match": {"port": 70000}, "endpoints": [{"address": dt.date(2020, 1, 1), "port": True, "priority": 129}]},
    {"match": {"port": 10**30}, "endpoints": ("a", None, 5, [], {"address": "b", "port": 1.5})},
    {"match": [], "tls": "yes"},
    # unknown members, priority before 2.14, free-form extension config
    {"match": {"port": 80, "bogus": {"deep": [1, {"x": None}]}}, "endpoints": [{"address": "a", "port": 1,
                                                                             "priority": 2, "weight": 3}]},
    {"match": {"port": 80}, "extension": {"type": "t", "config": {"a": [1, 2, {"b": None}]}}, "zzz": None},
    # data sources: legacy and 3.0 shapes, bad base64, empty members
    {"match": {"port": 443}, "tls": {"enabled": True, "verification": {
        "mode": "SkipAll", "serverName": "s", "subjectAltNames": [{"value": "v"}, {"type": None, "value": "w"},
                                                                  {"type": "Regex"}, "junk"],
        "caCert": {"inline": "not base64!"}, "clientCert": {"inlineString": ""}, "clientKey": {},
    }}},
    {"match": {"port": 443}, "tls": {"verification": {
        "caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "n"}},
        "clientCert": {"type": None, "secret": "s"}, "clientKey": {"type": "File", "file": {"path": None}},
    }}},
    {"match": {"port": 443}, "tls": {"verification": {"caCert": {"insecureInline": {}, "envVar": None}}}},
]


@pytest.mark.parametrize("spec", TRICKY, ids=range(len(TRICKY)))
def test_single_pass_matches_the_reference(spec: Any) -> None:
    assert_same(spec)


@pytest.mark.parametrize("spec", [None, "text", [1, 2], 3])
def test_a_spec_that_is_not_a_mapping_takes_the_reference_path(spec: Any) -> None:
    made = resource(spec, Flavour.KUBERNETES)
    assert defaulted_schema_violations(made, KumaVersion.parse("2.14")) is None
    assert_same(spec)


@pytest.mark.parametrize("spec", [
    {1: "x", "match": {"port": 80}},
    {"match": {"port": 80, None: 1}},
    {"match": {"port": 80}, "endpoints": [{"address": "a", "port": 1, True: 0}]},
])
def test_a_member_name_that_is_not_a_string_takes_the_reference_path(spec: Any) -> None:
    made = resource(spec, Flavour.UNIVERSAL)
    assert defaulted_schema_violations(made, KumaVersion.parse("2.14")) is None
    assert_same(spec)


_NAMES = ["match", "endpoints", "tls", "extension", "port", "protocol", "type", "address", "priority", "enabled",
          "allowRenegotiation", "verification", "version", "min", "max", "mode", "serverName", "caCert",
          "clientCert", "clientKey", "subjectAltNames", "value", "secret", "inline", "inlineString", "secretRef",
          "kind", "name", "insecureInline", "file", "path", "envVar", "config", "unknown"]
_SCALARS = st.sampled_from([None, "", "tcp", "http", "https", "HostnameGenerator", "Secured", "Exact", "TLS12",
                            "TLSAuto", "Secret", "aGk=", "not base64", 0, 1, 443, 65536, 128, 129, -1, 80.0, 1.5,
                            True, False])
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_NAMES), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_NAMES), _VALUES, max_size=5))
def test_single_pass_matches_the_reference_on_generated_specs(spec: dict[str, Any]) -> None:
    assert_same(spec)
