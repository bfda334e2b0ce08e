"""The check registry, valid manifests, finding plumbing and the never-raise guarantee."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalogue import CATALOGUE
from core.checks.base import Phase, Scope
from core.model import Flavour, Origin, Severity
from core.validation.checks import CHECKS
from core.versions import SUPPORTED
from tests.core.validation.helpers import clean_spec, run, spec, svc
from tests.factories import mes

VERSIONS = list(SUPPORTED)


def test_registry_shape() -> None:
    ids = [c.id for c in CHECKS]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    emitted = sorted(code for c in CHECKS for code in c.codes)
    assert emitted == sorted(set(emitted))
    assert emitted == [f"MES{n}" for n in (*range(101, 107), *range(110, 133), *range(140, 145), *range(150, 160))]
    for check in CHECKS:
        assert check.scope is Scope.SERVICE and check.phase is Phase.VALIDATE
        assert check.id.startswith(min(check.codes)) and check.doc
        assert all(code in CATALOGUE for code in check.codes)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("flavour", list(Flavour), ids=str)
def test_minimal_and_clean_manifests_have_no_finding(version: str, flavour: Flavour) -> None:
    assert run(mes("external-service", spec("minimal"), flavour=flavour), version) == []
    assert run(svc("httpbin", flavour=flavour), version) == []


@pytest.mark.parametrize("version", ["2.9", "2.10", "2.11", "2.12", "2.13", "2.14"])
@pytest.mark.parametrize("flavour", list(Flavour), ids=str)
def test_full_legacy_manifest_has_no_finding(version: str, flavour: Flavour) -> None:
    assert run(mes("external-service", spec("full-valid-legacy"), flavour=flavour), version) == []


@pytest.mark.parametrize("flavour", list(Flavour), ids=str)
def test_full_30_manifest_has_no_finding(flavour: Flavour) -> None:
    assert run(mes("external-service", spec("full-valid-3.0"), flavour=flavour), "3.0") == []


@pytest.mark.parametrize("version", ["2.14", "3.0"])
def test_priorities_valid_from_214(version: str) -> None:
    assert run(mes("external-service", spec("priority-valid")), version) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_extension_manifest_only_gets_the_no_handler_warning(version: str) -> None:
    findings = run(mes("external-service", spec("extension"), flavour=Flavour.UNIVERSAL), version)
    assert [f.code for f in findings] == ["MES151"]


def test_findings_carry_resource_origin_line_hint_and_fix() -> None:
    resource = mes("api", {"match": {"port": 0, "protocol": "tcp"},
                           "endpoints": [{"address": "api.example.com", "port": 443}]})
    resource.field_lines = {"spec": 5, "spec.match": 6, "spec.match.port": 7, "metadata.name": 3}
    resource.origin = Origin("upload", "svc.yaml", 2, 1)
    finding = run(resource)[0]
    assert finding.code == "MES113" and finding.resource == resource.ref
    assert finding.origin == Origin("upload", "svc.yaml", 2, 7) and finding.location == "svc.yaml:7"
    assert finding.hint and finding.fix == "port: 443\n"
    long = mes("n" * 70, clean_spec())
    long.field_lines = {"metadata.name": 3}
    assert run(long, "2.14")[0].origin.line == 3


def test_every_finding_has_a_hint() -> None:
    broken = spec("full-invalid-3.0")
    broken["tls"]["verification"]["clientKey"] = {"type": "Vault"}
    broken["endpoints"].append({"address": "ok.example", "port": -1, "priority": 500, "weight": 3})
    broken["extra"] = True
    for version in VERSIONS:
        for flavour in Flavour:
            for finding in run(mes("Bad_Name.x", copy.deepcopy(broken), flavour=flavour, namespace="apps",
                                   labels={"kuma.io/zone": "elsewhere"}), version, federated=True):
                assert finding.hint, finding


def test_validation_decides_admission() -> None:
    from core.context import Context  # noqa: F401  (the pipeline's rule: write-stage errors block)

    findings = run(mes("api", {"match": {"port": 0}}))
    assert any(f.severity is Severity.ERROR and f.stage == "write" for f in findings)
    assert all(f.stage != "write" or f.severity is not Severity.INFO for f in findings)


# --- never raise ----------------------------------------------------------------------------------

GARBAGE: list[Any] = [None, "x", -1, 10**40, float("nan"), True, [None], {}, {1: [{}]}, b"\x00\xff"]


def _replacements(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _replacements(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _replacements(value, (*path, index))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("source", ["full-invalid-3.0", "full-valid-legacy", "extension"])
def test_wrong_types_sweep_never_raises(source: str) -> None:
    """Replace every node of real specs by every kind of garbage, on every version and flavour."""
    base = spec(source)
    for path in _replacements(base):
        for garbage in GARBAGE:
            broken = _replace(base, path, garbage)
            for version, flavour in (("2.9", Flavour.UNIVERSAL), ("2.14", Flavour.KUBERNETES),
                                     ("3.0", Flavour.UNIVERSAL)):
                resource = mes("api", {}, flavour=flavour)
                resource.spec = broken
                for finding in run(resource, version, federated=True):
                    assert finding.code in CATALOGUE


def test_wrong_types_produce_mes102_and_other_rules_still_run() -> None:
    spec_ = {"match": {"port": "80", "protocol": "quic"}, "endpoints": "api.example.com",
             "tls": {"enabled": True, "version": [], "verification": {"serverName": "1.2.3.4", "mode": 7}}}
    findings = run(mes("api", spec_))
    assert [(f.code, f.path) for f in findings] == [
        ("MES102", "spec.match.port"),
        ("MES102", "spec.endpoints"),
        ("MES102", "spec.tls.version"),
        ("MES102", "spec.tls.verification.mode"),
        ("MES114", "spec.match.protocol"),
        ("MES119", "spec.tls.verification.serverName"),
    ]


def test_odd_metadata_never_raises() -> None:
    resource = mes("api", clean_spec())
    resource.labels = {"kuma.io/zone": 5, 7: None}  # type: ignore[dict-item]
    resource.annotations = {"kuma.io/display-name": None}  # type: ignore[dict-item]
    resource.name = None  # type: ignore[assignment]
    for version in VERSIONS:
        run(resource, version, federated=True, zone="z")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["match", "port", "protocol", "type", "endpoints", "address", "priority", "tls", "enabled",
                         "verification", "caCert", "clientCert", "clientKey", "secret", "inline", "inlineString",
                         "secretRef", "kind", "name", "insecureInline", "value", "mode", "serverName",
                         "subjectAltNames", "version", "min", "max", "extension", "config"]) | st.text(max_size=4),
        children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_=json_values, version=st.sampled_from(VERSIONS), flavour=st.sampled_from(list(Flavour)))
def test_fuzzed_specs_never_raise(spec_: Any, version: str, flavour: Flavour) -> None:
    resource = mes("api", {}, flavour=flavour)
    resource.spec = spec_
    for finding in run(resource, version):
        assert finding.code in CATALOGUE and finding.hint is not None


def test_shared_per_mes_result_follows_changes_to_the_resource() -> None:
    resource = mes("api", clean_spec())
    assert run(resource) == []
    resource.spec = {"match": {"port": 0, "protocol": "tcp"}}
    assert [f.code for f in run(resource)] == ["MES113", "MES150"]
    resource.name = "n" * 70
    # one cause (the name is too long): the N1 error quotes the RFC 1035 and SNI deprecations Kuma also sends
    assert [f.code for f in run(resource)] == ["MES110", "MES113", "MES150"]
    assert [f.code for f in run(resource, "3.0")] == ["MES111", "MES113", "MES150"]
