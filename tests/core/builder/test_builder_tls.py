"""The effective upstream TLS context per verification mode and version (reference 5.3 / 5.4)."""

from __future__ import annotations

from typing import Any

import pytest

from core.builder import materials, read_spec, upstream_tls
from core.model import ReferenceStatus, UpstreamTls
from core.versions import KumaVersion
from tests.factories import mes

from .helpers import ref, tls_spec

FULL = {"caCert": {"secret": "ca"}, "clientCert": {"secret": "crt"}, "clientKey": {"secret": "key"},
        "serverName": "srv.example.com", "subjectAltNames": [{"type": "Exact", "value": "alt.example.com"},
                                                             {"type": "Prefix", "value": "api-"}]}
ENDPOINTS = [{"address": "api.example.com", "port": 443}, {"address": "10.0.0.1", "port": 443}]


def compute(spec: dict[str, Any], version: str = "2.14", refs: tuple = ()) -> UpstreamTls | None:
    view = read_spec(spec)
    return upstream_tls(view, KumaVersion.parse(version), materials(view, refs))


def with_version(spec: dict[str, Any], lo: str = "TLS12", hi: str = "TLS13") -> dict[str, Any]:
    spec["tls"]["version"] = {"min": lo, "max": hi}
    return spec


# mode -> (ca, fallback, client cert, sni, sni source, validation, hostname check, matchers, versions applied)
MODE_TABLE = {
    "Secured": ("inline", True, True, "srv.example.com", "serverName", True, True,
                ("Exact:srv.example.com", "Exact:alt.example.com", "Prefix:api-"), True),
    "SkipSAN": ("inline", True, True, "api.example.com", "first-endpoint", True, False, (), True),
    "SkipCA": (None, False, True, "srv.example.com", "serverName", False, False, (), False),
    "SkipAll": (None, False, False, "api.example.com", "first-endpoint", False, False, (), False),
}


@pytest.mark.parametrize("version", ["2.9", "2.10", "2.14", "3.0"])
@pytest.mark.parametrize("mode", list(MODE_TABLE))
def test_every_mode_with_full_material(mode: str, version: str) -> None:
    tls = compute(with_version(tls_spec(endpoints=ENDPOINTS, mode=mode, **FULL)), version)
    assert tls is not None
    ca, fallback, client, sni, source, validation, hostname, matchers, applied = MODE_TABLE[mode]
    got = (tls.ca, tls.system_ca_fallback, tls.client_certificate, tls.sni, tls.sni_source,
           tls.validation_context, tls.hostname_verification, tls.san_matchers, tls.versions_applied)
    assert got == (ca, fallback, client, sni, source, validation, hostname, matchers, applied)
    assert tls.mode == mode and (tls.min_version, tls.max_version) == ("TLS12", "TLS13")


@pytest.mark.parametrize(("version", "ca", "validation", "applied"), [
    ("2.9", None, False, False),  # broken egress system CA path: nothing verified, versions ignored
    ("2.10", "system", True, True),
    ("3.0", "system", True, True),
])
def test_secured_without_ca(version: str, ca: str | None, validation: bool, applied: bool) -> None:
    tls = compute(with_version(tls_spec(serverName="srv.example.com")), version)
    assert tls is not None
    assert (tls.ca, tls.validation_context, tls.versions_applied) == (ca, validation, applied)
    assert tls.san_matchers == (("Exact:srv.example.com",) if validation else ())


@pytest.mark.parametrize(("version", "read", "applied"), [("2.9", False, False), ("2.10", True, True)])
def test_versions_without_verification(version: str, read: bool, applied: bool) -> None:
    tls = compute(with_version(tls_spec(verification=None)), version)
    assert tls is not None and tls.mode == "Secured"
    assert (tls.min_version == "TLS12") is read and tls.versions_applied is applied


@pytest.mark.parametrize(("endpoints", "verification", "sni", "source", "matcher"), [
    ([{"address": "api.example.com", "port": 443}], {"serverName": "srv.example.com"}, "srv.example.com",
     "serverName", "Exact:srv.example.com"),
    ([{"address": "api.example.com", "port": 443}, {"address": "b.example.com", "port": 443}], {},
     "api.example.com", "first-endpoint", "Exact:api.example.com"),
    ([{"address": "10.0.0.1", "port": 443}, {"address": "api.example.com", "port": 443}], {}, None, None,
     "Exact:10.0.0.1"),
    ([{"address": "api.example.com", "port": 443}], {"serverName": "srv.example.com", "mode": "SkipSAN"},
     "api.example.com", "first-endpoint", None),
    ([{"address": "10.0.0.1", "port": 443}], {"serverName": "srv.example.com", "mode": "SkipAll"}, None, None,
     None),
])
def test_sni_fallback(endpoints, verification, sni, source, matcher) -> None:
    tls = compute(tls_spec(endpoints=endpoints, **verification), "2.14")
    assert tls is not None and (tls.sni, tls.sni_source) == (sni, source)
    assert (tls.san_matchers[0] if tls.san_matchers else None) == matcher


def test_no_tls_when_not_enabled() -> None:
    assert compute(tls_spec(enabled=False, **FULL)) is None
    assert compute({"match": {"port": 80}, "tls": {"enabled": "true"}}) is None  # a string is not true
    assert compute({"match": {"port": 80}}) is None


def test_client_certificate_needs_both_with_bytes() -> None:
    r = mes("m", tls_spec(**FULL))
    assert compute(tls_spec(clientCert={"secret": "crt"})).client_certificate is False
    no_key_bytes = (ref(r, "clientCert", "crt"), ref(r, "clientKey", "key", ReferenceStatus.NO_VALUE_KEY))
    assert compute(tls_spec(**FULL), refs=no_key_bytes).client_certificate is False
    assert compute(tls_spec(clientCert={}, clientKey={})).client_certificate is False  # legacy {} loads nothing


@pytest.mark.parametrize(("status", "source", "ca"), [
    (ReferenceStatus.OK, "secret", "inline"),
    (ReferenceStatus.NOT_CHECKED, "secret", "inline"),
    (ReferenceStatus.EMPTY_VALUE, "secret", "inline"),  # empty but non-nil bytes reach Envoy
    (ReferenceStatus.NO_VALUE_KEY, "secret", "system"),  # nil bytes: system-CA fallback
    (ReferenceStatus.OK, "empty", "system"),  # legacy `caCert: {}`
])
def test_ca_bytes_from_reference_status(status: ReferenceStatus, source: str, ca: str) -> None:
    r = mes("m", tls_spec(caCert={"secret": "ca"}))
    assert compute(tls_spec(caCert={"secret": "ca"}), "2.10", (ref(r, "caCert", "ca", status, source),)).ca == ca


def test_failing_material_order_and_skip_modes_still_load() -> None:
    r = mes("m")
    refs = (ref(r, "caCert", "ca"), ref(r, "clientCert", "crt", ReferenceStatus.NOT_FOUND),
            ref(r, "clientKey", "key", ReferenceStatus.NOT_FOUND))
    view = read_spec(tls_spec(mode="SkipAll", **FULL))
    loaded = materials(view, refs)
    assert [f for f, m in loaded.items() if m.fails] == ["clientCert", "clientKey"]
    # only clientCert without clientKey: kuma-cp does not even try to load it
    assert "clientCert" not in materials(read_spec(tls_spec(clientCert={"secret": "crt"})), refs)


def test_garbage_tls_does_not_raise() -> None:
    for spec in ({"tls": "yes"}, {"tls": {"enabled": True, "verification": []}},
                 {"tls": {"enabled": True, "verification": {"mode": 5, "subjectAltNames": "x", "serverName": 3}}},
                 {"tls": {"enabled": True, "version": "TLS13"}, "endpoints": [None, {"address": 7}, "x"]}):
        tls = compute(spec)
        assert tls is None or tls.mode in ("Secured", "SkipSAN", "SkipCA", "SkipAll")
