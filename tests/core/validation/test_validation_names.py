"""IP / DNS-name predicates and name rules, as Kuma (Go) evaluates them (reference 2.4, 2.5, 3.2)."""

from __future__ import annotations

import pytest

from core.model import Flavour
from core.validation.names import (
    dns1035_label_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    go_quote,
    is_dns_name,
    is_ip,
    kri_sni,
    kuma_core_name,
    kuma_display_name,
    sni_format_errors,
    sni_identity,
    suggest_dns1035_label,
    universal_name_error,
)
from tests.factories import mes

DNS1035_PATTERN = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


@pytest.mark.parametrize("text", ["1.1.1.1", "192.0.2.255", "::1", "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1"])
def test_is_ip_accepts_plain_literals(text: str) -> None:
    assert is_ip(text)


@pytest.mark.parametrize("text", ["", "1.1.1.256", "01.2.3.4", "1.2.3", "[::1]", "fe80::1%eth0", " 1.1.1.1",
                                  "1.1.1.1:80", "example.com", "١.١.١.١", None, 17])
def test_is_ip_rejects_everything_else(text: object) -> None:
    assert not is_ip(text)


@pytest.mark.parametrize("text", ["example.com", "localhost", "Example.COM", "_srv.example.com", "example.com.",
                                  "a-b.c_d", "1.1.1.256", "x" * 63, "xn--bcher-kva.example"])
def test_is_dns_name_accepts_govalidator_names(text: str) -> None:
    assert is_dns_name(text)


@pytest.mark.parametrize("text", ["", "*.example.com", "host:443", "https://x", "[::1]", "1.1.1.1", "::1",
                                  "-leading.example", "a..b", "x" * 64, "bad name", "not[]valid", "a.b\n",
                                  "ünicode.example", None, 443])
def test_is_dns_name_rejects(text: object) -> None:
    assert not is_dns_name(text)


def test_is_dns_name_limits_length_without_dots() -> None:
    labels = ["a" * 63] * 4  # 252 characters without the dots
    assert is_dns_name(".".join(labels))
    assert not is_dns_name(".".join([*labels, "abcd"]))  # 256 without the dots


def test_dns1035_messages_are_apimachinery_texts_in_order() -> None:
    assert dns1035_label_errors("my-service") == []
    assert dns1035_label_errors("1external.service") == [DNS1035_PATTERN]
    assert dns1035_label_errors("a" * 64) == ["must be no more than 63 characters"]
    assert dns1035_label_errors("A" * 64) == ["must be no more than 63 characters", DNS1035_PATTERN]


def test_dns1123_label_reports_dots_specially() -> None:
    assert dns1123_label_errors("mes.http") == ["must not contain dots"]
    assert dns1123_label_errors("123") == []
    assert dns1123_label_errors("Bad_Name") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
        "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_dns1123_subdomain() -> None:
    assert dns1123_subdomain_errors("httpbin.default.svc") == []
    assert dns1123_subdomain_errors("a" * 254)[0] == "must be no more than 253 characters"


def test_universal_name_error_uses_kuma_wording() -> None:
    assert universal_name_error("httpbin.v2") is None
    assert universal_name_error("") == "cannot be empty"
    assert universal_name_error("a" * 254) == "value length must less or equal 253"
    assert universal_name_error("My_Service") == (
        "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
        "'-' or '.', and must start and end with an alphanumeric character"
    )


def test_display_and_core_names_per_flavour() -> None:
    k8s = mes("httpbin", labels={"kuma.io/display-name": "from-label"}, annotations={"kuma.io/display-name": "ann"})
    assert kuma_display_name(k8s) == "ann"
    assert kuma_core_name(k8s) == "httpbin.kuma-system"
    # Kuma's Kubernetes meta adapter overwrites a display-name label with metadata.name
    assert kuma_display_name(mes("httpbin", labels={"kuma.io/display-name": "from-label"})) == "httpbin"
    uni = mes("httpbin", flavour=Flavour.UNIVERSAL, labels={"kuma.io/display-name": "shown"})
    assert kuma_display_name(uni) == "shown"
    assert kuma_core_name(uni) == "httpbin"


def test_kri_sni_adds_zone_and_namespace_like_the_zone_cp() -> None:
    k8s = mes("mes-tcp")
    assert kri_sni(sni_identity(k8s, 4242, "default")) == "sni.extsvc.default.default.kuma-system.mes-tcp.4242"
    uni = mes("mes-tcp", flavour=Flavour.UNIVERSAL)
    assert kri_sni(sni_identity(uni, 4242, "zone-1")) == "sni.extsvc.default.zone-1.mes-tcp.4242"
    synced = mes("mes-tcp", flavour=Flavour.UNIVERSAL, labels={"kuma.io/origin": "global"})
    assert kri_sni(sni_identity(synced, 80, "zone-1")) == "sni.extsvc.default.mes-tcp.80"


def test_sni_format_errors_in_kuma_order() -> None:
    identity = sni_identity(mes("mes.http", flavour=Flavour.UNIVERSAL, mesh="Mesh_1"), 80, "zone-1")
    fields = [field for field, _ in sni_format_errors(identity)]
    reasons = [reason for _, reason in sni_format_errors(identity)]
    assert fields == ["mesh", "name"]
    assert reasons[1] == 'name "mes.http" does not conform to RFC 1123: must not contain dots'
    # 3 + 1 + 6 + 1 + 4 x (63 + 1) + 2 = 269 characters > 253
    too_long = sni_identity(mes("n" * 63, namespace="s" * 63, mesh="m" * 63), 80, "z" * 63)
    assert sni_format_errors(too_long) == [
        ("length", "computed SNI is 269 characters which exceeds the DNS hostname limit (253)")
    ]
    assert sni_format_errors(sni_identity(mes("ok", mesh=""), 80, "z")) == [
        ("name", "mesh, name and sectionName must be non-empty")
    ]


def test_go_quote_and_suggestion() -> None:
    assert go_quote('a"b\n') == '"a\\"b\\n"'
    assert suggest_dns1035_label("My_Service.v2") == "my-service-v2"
    assert suggest_dns1035_label("123") == "external-service"
