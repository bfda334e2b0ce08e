"""apply_defaults: CRD defaults on Kubernetes always, on Universal only from 2.10 (reference 1.8)."""

from __future__ import annotations

import copy

import pytest

from core.model import Flavour
from core.validation.defaults import applies_defaults, apply_defaults
from core.versions import KumaVersion, all_versions
from tests.factories import mes

V = KumaVersion.parse

SPEC = {
    "match": {"port": 443},
    "endpoints": [{"address": "api.example.com", "port": 443}],
    "tls": {
        "version": {"min": "TLS12"},
        "verification": {"subjectAltNames": [{"value": "api.example.com"}, {"type": "Prefix", "value": "api."}]},
    },
}

DEFAULTED = {
    "match": {"port": 443, "protocol": "tcp", "type": "HostnameGenerator"},
    "endpoints": [{"address": "api.example.com", "port": 443}],
    "tls": {
        "allowRenegotiation": False,
        "enabled": False,
        "version": {"min": "TLS12", "max": "TLSAuto"},
        "verification": {
            "mode": "Secured",
            "subjectAltNames": [{"value": "api.example.com", "type": "Exact"}, {"type": "Prefix", "value": "api."}],
        },
    },
}


@pytest.mark.parametrize("version", all_versions(), ids=str)
def test_kubernetes_always_gets_crd_defaults(version: KumaVersion) -> None:
    assert apply_defaults(mes("api", copy.deepcopy(SPEC)), version) == DEFAULTED
    assert applies_defaults(Flavour.KUBERNETES, version)


def test_universal_29_gets_no_defaults() -> None:
    resource = mes("api", copy.deepcopy(SPEC), flavour=Flavour.UNIVERSAL)
    assert apply_defaults(resource, V("2.9")) == SPEC
    assert not applies_defaults(Flavour.UNIVERSAL, V("2.9"))


@pytest.mark.parametrize("version", ["2.10", "2.14", "3.0"])
def test_universal_from_210_gets_defaults(version: str) -> None:
    assert apply_defaults(mes("api", copy.deepcopy(SPEC), flavour=Flavour.UNIVERSAL), V(version)) == DEFAULTED


def test_does_not_modify_the_resource() -> None:
    original = copy.deepcopy(SPEC)
    resource = mes("api", original)
    result = apply_defaults(resource, V("2.14"))
    assert resource.spec == SPEC
    result["endpoints"][0]["port"] = 1
    assert resource.spec["endpoints"][0]["port"] == 443


def test_nulls_kubernetes_prunes_universal_defaults_or_keeps() -> None:
    spec = {"match": {"port": 80, "protocol": None}, "tls": None, "endpoints": None}
    assert apply_defaults(mes("api", copy.deepcopy(spec)), V("2.14")) == {
        "match": {"port": 80, "protocol": "tcp", "type": "HostnameGenerator"}
    }
    assert apply_defaults(mes("api", copy.deepcopy(spec), flavour=Flavour.UNIVERSAL), V("2.14")) == {
        "match": {"port": 80, "protocol": "tcp", "type": "HostnameGenerator"}, "tls": None, "endpoints": None,
    }


def test_no_defaults_inside_absent_or_wrongly_typed_objects() -> None:
    spec = {"match": "port 80", "tls": {"verification": ["x"], "version": None}, "endpoints": "x"}
    assert apply_defaults(mes("api", copy.deepcopy(spec)), V("2.14")) == {
        "match": "port 80", "tls": {"verification": ["x"], "enabled": False, "allowRenegotiation": False},
        "endpoints": "x",
    }


@pytest.mark.parametrize("bad", [None, "spec", 5, ["a"]])
def test_non_mapping_spec_gives_empty_dict(bad: object) -> None:
    resource = mes("api", {})
    resource.spec = bad  # type: ignore[assignment]
    assert apply_defaults(resource, V("2.14")) == {}


def test_unknown_fields_and_extension_config_are_kept() -> None:
    spec = {"match": {"port": 80, "hostname": "x"}, "extension": {"type": "t", "config": {"match": {}}}}
    result = apply_defaults(mes("api", spec), V("2.14"))
    assert result["match"]["hostname"] == "x"
    assert result["extension"]["config"] == {"match": {}}  # free-form: never defaulted


def test_deep_nesting_does_not_raise() -> None:
    deep: object = "leaf"
    for _ in range(500):
        deep = {"x": [deep]}
    result = apply_defaults(mes("api", {"match": {"port": 80}, "extension": {"type": "t", "config": deep}}), V("3.0"))
    assert result["match"]["protocol"] == "tcp"
