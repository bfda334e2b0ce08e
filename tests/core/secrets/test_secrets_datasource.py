"""Data-source shapes and Kuma's load order (reference 1.6, 5.3, 5.6.1)."""

from __future__ import annotations

import base64

import pytest

from core.model import Flavour, ReferenceStatus, SecretsCoverage
from core.secrets import resolve
from core.secrets.datasource import decode_go_base64, decode_lenient_base64, plan_data_source
from core.versions import Generation
from tests.factories import context, k8s_secret, mes, tls_mes

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
LEGACY, CURRENT = Generation.LEGACY, Generation.CURRENT


def refs(resource, *others, version="2.14"):
    ctx = context(resource, *others, version=version, secrets=SecretsCoverage.PRESENT)
    materials = resolve(ctx)
    return ctx, ctx.references.get(resource.key), materials


# --- which MES load anything --------------------------------------------------------------------


@pytest.mark.parametrize("tls", [
    None,
    {"enabled": False, "verification": {"caCert": {"secret": "missing"}}},
    {"enabled": "true", "verification": {"caCert": {"secret": "missing"}}},  # a string is not true
    {"verification": {"caCert": {"secret": "missing"}}},
    {"enabled": True},
    {"enabled": True, "verification": "caCert"},
    "tls",
])
def test_nothing_is_loaded_without_enabled_tls_and_verification(tls):
    spec = {"match": {"port": 80}, "endpoints": [{"address": "a.example.com", "port": 443}]}
    if tls is not None:
        spec["tls"] = tls
    resource = mes("svc", spec)
    _, references, materials = refs(resource)
    assert references is None
    assert materials == {}


def test_load_order_is_ca_then_client_cert_then_key():
    resource = tls_mes("svc", {"clientKey": {"inlineString": "k"}, "clientCert": {"inlineString": "c"},
                               "caCert": {"inlineString": "a"}})
    _, references, _ = refs(resource)
    assert [r.field for r in references] == ["caCert", "clientCert", "clientKey"]


@pytest.mark.parametrize("verification", [
    {"clientCert": {"secret": "missing"}},
    {"clientKey": {"secret": "missing"}},
    {"clientCert": {"secret": "missing"}, "clientKey": None},
])
def test_client_material_is_only_loaded_when_both_are_set(verification):
    _, references, _ = refs(tls_mes("svc", verification))
    assert references == []


def test_skip_modes_still_load():
    for mode in ("SkipAll", "SkipCA", "SkipSAN", "Secured"):
        _, references, _ = refs(tls_mes("svc", {"mode": mode, "caCert": {"secret": "missing"}}))
        assert [r.status for r in references] == [ReferenceStatus.NOT_FOUND]


# --- legacy shape -------------------------------------------------------------------------------


def test_legacy_precedence_secret_over_inline_over_inline_string():
    both = {"secret": "ca", "inline": base64.b64encode(b"x").decode(), "inlineString": "y"}
    assert plan_data_source("caCert", both, LEGACY).source == "secret"
    inline = {"inline": base64.b64encode(b"x").decode(), "inlineString": "y"}
    plan = plan_data_source("caCert", inline, LEGACY)
    assert (plan.source, plan.inline, plan.path) == ("inline", b"x", "spec.tls.verification.caCert.inline")
    plan = plan_data_source("caCert", {"secret": None, "inlineString": "y"}, LEGACY)
    assert (plan.source, plan.inline) == ("inlineString", b"y")


def test_legacy_empty_object_is_recorded_as_empty_and_loads_nothing():
    _, references, materials = refs(tls_mes("svc", {"caCert": {}, "clientCert": {}, "clientKey": {}}))
    assert [(r.source, r.status, r.material_sha256) for r in references] == [("empty", ReferenceStatus.OK, None)] * 3
    assert "system CA" in references[0].message
    assert "no client certificate" in references[1].message
    assert materials == {}


def test_current_shape_on_a_legacy_target_is_ignored_like_an_empty_object():
    resource = tls_mes("svc", {"caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "ca"}}})
    _, references, _ = refs(resource)
    [ref] = references
    assert (ref.source, ref.status, ref.secret) == ("empty", ReferenceStatus.OK, None)
    assert "3.0 data-source shape" in ref.message


def test_legacy_empty_secret_name_fails():
    _, references, _ = refs(tls_mes("svc", {"caCert": {"secret": ""}}))
    [ref] = references
    assert (ref.status, ref.code, ref.secret, ref.path) == (
        ReferenceStatus.EMPTY_NAME, "MES210", "", "spec.tls.verification.caCert.secret")
    assert not ref.status.loads


def test_legacy_inline_is_base64_and_inline_string_is_text():
    encoded = base64.b64encode(PEM.encode()).decode()
    _, references, materials = refs(tls_mes("svc", {"caCert": {"inline": encoded}}))
    assert materials[references[0].material_sha256] == PEM.encode()
    _, references, materials = refs(tls_mes("svc", {"caCert": {"inlineString": PEM}}))
    assert materials[references[0].material_sha256] == PEM.encode()


def test_legacy_inline_that_is_not_base64_is_left_to_the_validator():
    _, references, _ = refs(tls_mes("svc", {"caCert": {"inline": PEM}}))
    [ref] = references
    assert (ref.status, ref.code, ref.log_line) == (ReferenceStatus.INVALID_BASE64, "MES105", None)


def test_empty_inline_values_load_but_carry_no_material():
    _, references, materials = refs(tls_mes("svc", {"caCert": {"inlineString": ""}}))
    assert references[0].status is ReferenceStatus.OK and references[0].material_sha256 is None
    assert "empty inline value" in references[0].message
    assert materials == {}


@pytest.mark.parametrize("value", ["ca", ["secret"], 5, None, {"secret": 5}, {"inline": 3}, {"inlineString": []}])
def test_wrongly_typed_legacy_sources_get_no_record(value):
    assert plan_data_source("caCert", value, LEGACY) is None


# --- current (3.0) shape ------------------------------------------------------------------------


def test_current_secret_ref_is_looked_up():
    resource = tls_mes("svc", {"caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "ca"}}})
    _, references, materials = refs(resource, k8s_secret("ca", PEM), version="3.0")
    [ref] = references
    assert (ref.source, ref.secret, ref.status, ref.path) == (
        "Secret", "ca", ReferenceStatus.OK, "spec.tls.verification.caCert.secretRef.name")
    assert materials[ref.material_sha256] == PEM.encode()


def test_current_insecure_inline_is_plain_text():
    resource = tls_mes("svc", {"caCert": {"type": "InsecureInline", "insecureInline": {"value": PEM}}})
    _, references, materials = refs(resource, version="3.0")
    assert materials[references[0].material_sha256] == PEM.encode()
    assert references[0].path == "spec.tls.verification.caCert.insecureInline.value"


@pytest.mark.parametrize(("value", "status", "code", "source"), [
    ({"secret": "ca"}, ReferenceStatus.LEGACY_SHAPE, "MES211", "secret"),
    ({"inlineString": PEM}, ReferenceStatus.LEGACY_SHAPE, "MES211", "inlineString"),
    ({}, ReferenceStatus.LEGACY_SHAPE, "MES211", "empty"),
    # the reference carries the validator's code at the same path (MES212 / MES213 are retired: they repeated it)
    ({"type": "File", "file": {"path": "/ca.pem"}}, ReferenceStatus.UNSUPPORTED_TYPE, "MES124", "File"),
    ({"type": "EnvVar", "envVar": {"name": "CA"}}, ReferenceStatus.UNSUPPORTED_TYPE, "MES124", "EnvVar"),
    ({"type": "Vault"}, ReferenceStatus.UNSUPPORTED_TYPE, "MES129", "Vault"),
    ({"type": "Secret"}, ReferenceStatus.INCOMPLETE, "MES125", "Secret"),
    ({"type": "Secret", "secretRef": {"kind": "Secret"}}, ReferenceStatus.INCOMPLETE, "MES127", "Secret"),
    ({"type": "InsecureInline"}, ReferenceStatus.INCOMPLETE, "MES128", "InsecureInline"),
])
@pytest.mark.parametrize("flavour", [Flavour.KUBERNETES, Flavour.UNIVERSAL])
def test_current_shape_failures(value, status, code, source, flavour):
    resource = tls_mes("svc", {"caCert": value}, flavour=flavour)
    _, references, _ = refs(resource, k8s_secret("ca", PEM), version="3.0")
    [ref] = references
    assert (ref.status, ref.code, ref.source) == (status, code, source)
    assert not ref.status.loads
    assert ref.log_line and ref.error_chain.startswith("could not load caCert: ")


def test_legacy_shape_keeps_the_written_secret_name_for_the_fix():
    plan = plan_data_source("caCert", {"secret": "ca"}, CURRENT)
    assert plan.secret == "ca" and plan.path == "spec.tls.verification.caCert.type"


@pytest.mark.parametrize("value", ["x", 1, {"type": 3}, {"type": "Secret", "secretRef": {"name": 7}},
                                   {"type": "InsecureInline", "insecureInline": {"value": ["x"]}}])
def test_wrongly_typed_current_sources_get_no_record(value):
    assert plan_data_source("caCert", value, CURRENT) is None


# --- base64 flavours ------------------------------------------------------------------------------


def test_go_base64_ignores_newlines_but_requires_padding_and_alphabet():
    assert decode_go_base64("aGVs\nbG8=") == b"hello"
    assert decode_go_base64("aGVsbG8") is None
    assert decode_go_base64("aGVs bG8=") is None
    assert decode_go_base64("-----BEGIN") is None


def test_lenient_base64_accepts_url_safe_and_missing_padding():
    assert decode_lenient_base64("aGVsbG8") == b"hello"
    assert decode_lenient_base64("_-8=") == b"\xff\xef"
    assert decode_lenient_base64("a") is None
    assert decode_lenient_base64("not base64!") is None
    assert decode_lenient_base64("-----BEGIN CERTIFICATE-----") is None  # the space is invalid
    assert decode_lenient_base64("aGVs\nbG8") == b"hello"
