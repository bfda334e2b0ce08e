"""The Live tab's pure helpers: fields to specs, the kept token, refresh bookkeeping."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.live import KubeSpec, KumaApiSpec, LiveResult, UrlSpec
from core.model import LoadResult
from core.sources import Source
from tests.factories import NOW
from ui.live_specs import (
    SpecError,
    failed_refresh,
    kept_token,
    kind_of,
    kube_spec,
    kuma_spec,
    live_input,
    parse_meshes,
    refresh_label,
    refreshed,
    same_endpoint,
    scrub,
    url_spec,
    with_overlay,
)
from ui.state import Input

TOKEN = "tok-3f9a"


def result(digest: str = "d1", label: str = "http://cp:5681") -> LiveResult:
    return LiveResult(label, LoadResult(), digest, NOW, ["GlobalSecrets refused"], {"MeshExternalService": 2},
                      "Kuma 2.9.3 (cp-0)")


def test_meshes_are_split_on_commas_and_spaces_without_blanks_or_repeats():
    assert parse_meshes(" default, payments  default,,\tother ") == ("default", "payments", "other")
    assert parse_meshes("") == () and parse_meshes(None) == ()


def test_kuma_fields_make_a_spec_and_insecure_drops_the_ca_file():
    spec = kuma_spec(url=" https://cp:5682/ ", token=f" {TOKEN} ", ca_file=" /ca.pem ", insecure=False,
                     meshes="default", timeout=5)
    assert spec == KumaApiSpec("https://cp:5682/", token=TOKEN, ca_file="/ca.pem", meshes=("default",), timeout=5.0)
    assert TOKEN not in repr(spec)
    loose = kuma_spec(url="https://cp:5682", token="  ", ca_file="/ca.pem", insecure=True, meshes="", timeout=5)
    assert loose.token is None and loose.ca_file is None and loose.insecure


@pytest.mark.parametrize("url, message", [("", "Enter the control plane"), ("   ", "Enter the control plane"),
                                          ("kuma-cp:5681", "needs a scheme")])
def test_missing_or_schemeless_urls_are_refused_before_connecting(url, message):
    with pytest.raises(SpecError, match=message):
        kuma_spec(url=url, token=None, ca_file=None, insecure=False, meshes=None, timeout=10)


def test_bad_timeouts_fall_back_to_the_default():
    for bad in (0, -1, 10_000, True, "5", None, float("nan")):
        assert url_spec(url="https://x/m.yaml", timeout=bad).timeout == 10.0  # type: ignore[arg-type]


def test_kube_fields_in_cluster_ignores_kubeconfig_and_context():
    spec = kube_spec(kubeconfig=" /kc ", context="prod", in_cluster=False, search_other_namespaces=False,
                     system_namespace="kuma", timeout=3)
    assert spec == KubeSpec(context="prod", kubeconfig="/kc", system_namespace="kuma", timeout=3.0,
                            search_other_namespaces=False)
    pod = kube_spec(kubeconfig="/kc", context="prod", in_cluster=True, search_other_namespaces=True,
                    system_namespace="kuma-system", timeout=3)
    assert pod.in_cluster and pod.context is None and pod.kubeconfig is None
    assert kube_spec(kubeconfig="", context="", in_cluster=False, search_other_namespaces=True,
                     system_namespace="kuma-system", timeout=3).kubeconfig is None


def test_kinds():
    assert [kind_of(s) for s in (KubeSpec(), KumaApiSpec("http://cp"), UrlSpec("http://x"))] == [
        "kube", "kuma-api", "url"]
    assert [refresh_label(s) for s in (0, 30, 60, 300)] == ["off", "every 30 s", "every 1 min", "every 5 min"]


def test_a_kept_token_goes_back_only_to_the_same_base_url():
    spec = KumaApiSpec("https://cp:5682", token=TOKEN)
    data = live_input(result(), spec)
    assert kept_token(data, "https://cp:5682/") == TOKEN
    assert kept_token(data, " https://cp:5682 ") == TOKEN
    for other in ("https://cp:5683", "http://cp:5682", "https://evil:5682", "", None):
        assert kept_token(data, other) is None, other
    assert kept_token(live_input(result(), KumaApiSpec("https://cp:5682")), "https://cp:5682") is None
    assert kept_token(Input(kind="sample"), "https://cp:5682") is None
    assert not same_endpoint("https://cp:5682", None)


def test_live_input_carries_the_spec_server_notes_and_overlay():
    spec = KumaApiSpec("http://cp:5681", token=TOKEN)
    overlay = [Source("upload", "fix.yaml", b"kind: Secret")]
    data = live_input(result(), spec, overlay)
    assert (data.kind, data.label, data.live_digest, data.loaded_at) == ("kuma-api", "http://cp:5681", "d1", NOW)
    assert data.is_live and data.sources == overlay
    assert data.live_info.server == "Kuma 2.9.3 (cp-0)" and data.live_info.notes == ("GlobalSecrets refused",)
    assert data.digest.startswith("kuma-api:d1:")
    assert TOKEN not in repr(data) and TOKEN not in data.digest


def test_refresh_keeps_the_state_when_the_digest_is_the_same_and_replaces_it_otherwise():
    spec = UrlSpec("http://x/m.yaml")
    overlay = [Source("paste", "what-if.yaml", b"kind: Mesh")]
    data = live_input(result(), spec, overlay)
    later = replace(result(), fetched_at=NOW.replace(hour=13))
    same, changed = refreshed(data, later)
    assert not changed and same.live is data.live and same.loaded_at == NOW
    assert same.live_info.checked_at == NOW.replace(hour=13) and same.digest == data.digest
    new, changed = refreshed(data, replace(later, digest="d2"))
    assert changed and new.live_digest == "d2" and new.loaded_at == NOW.replace(hour=13)
    assert new.sources == overlay and new.live_info.spec is spec
    failed = failed_refresh(new, "x: timed out")
    assert failed.live_info.error == "x: timed out" and failed.live is new.live
    assert refreshed(failed, replace(later, digest="d2"))[0].live_info.error == ""
    assert with_overlay(failed, []).sources == []


def test_scrub_removes_a_token_from_unexpected_text():
    spec = KumaApiSpec("http://cp", token=TOKEN)
    assert scrub(f"boom {TOKEN} boom", spec) == "boom <redacted> boom"
    assert scrub("plain", UrlSpec("http://x")) == "plain"
