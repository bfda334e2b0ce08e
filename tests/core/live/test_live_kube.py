"""The Kubernetes source through the real `kubernetes` client against a loopback API server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.live import KubeSpec, LiveSourceError, fetch, kube_contexts, kubeconfig_path
from core.model import Flavour, Kind, SecretsCoverage
from tests.core.live.conftest import FAST, Tls, fetch_in_cluster, fill_kube, write_kubeconfig
from tests.core.live.servers import KubeApi, LoopbackServer, Reply, json_reply, k8s_status
from tests.factories import NOW


def spec_for(path: Path, **kwargs: object) -> KubeSpec:
    return KubeSpec(kubeconfig=str(path), timeout=FAST, **kwargs)  # type: ignore[arg-type]


def test_reads_services_meshes_and_kuma_secrets_with_provenance(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    result = fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    assert result.label == "kube:fake"
    assert result.server == "Kubernetes v1.31.2"
    assert result.counts == {"MeshExternalService": 2, "Mesh": 1, "Secret": 2, "ZoneEgress": 1,
                             "HostnameGenerator": 1}
    assert result.load.secrets is SecretsCoverage.PRESENT
    # every kind listed in full is known: finding none of it is a fact for the analysis
    assert {k.value for k in result.load.listed_kinds} >= {"Secret", "ZoneEgress", "MeshIdentity", "Dataplane",
                                                            "MeshTrafficPermission", "ExternalService"}
    mes = {r.name: r for r in result.load.resources if r.kind is Kind.MESH_EXTERNAL_SERVICE}
    assert set(mes) == {"payments", "billing"}
    payments = mes["payments"]
    assert payments.flavour is Flavour.KUBERNETES and payments.namespace == "kuma-system"
    assert payments.origin.source == "kube:fake"
    assert payments.origin.file == "meshexternalservices (all namespaces)"
    assert payments.origin.fetched_at == NOW and payments.origin.line is None
    secret = next(r for r in result.load.resources if r.kind is Kind.SECRET)
    assert secret.origin.file == "secrets in kuma-system (type=system.kuma.io/secret)"
    assert secret.payload is not None and secret.payload.secret_type == "system.kuma.io/secret"
    # the Helm release Secret of the same namespace is never downloaded
    assert all(r.name != "sh.helm.release.v1.kuma.v1" for r in result.load.resources)
    assert {r.method for r in server.requests} == {"GET"}


def test_follows_continue_tokens(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    for i in range(1203):  # three pages of 500
        api.objects["meshexternalservices"].append({
            "apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
            "metadata": {"name": f"svc-{i:04d}", "namespace": "kuma-system"},
            "spec": {"match": {"type": "HostnameGenerator", "port": 80, "protocol": "http"},
                     "endpoints": [{"address": "example.com", "port": 80}]}})
    result = fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    assert result.counts["MeshExternalService"] == 1205
    pages = [r for r in server.requests if r.path.endswith("/meshexternalservices")]
    assert len(pages) == 3
    assert [p.param("continue") is not None for p in pages] == [False, True, True]
    documents = [r.origin.document for r in result.load.resources if r.kind is Kind.MESH_EXTERNAL_SERVICE]
    assert documents == list(range(1205))


def test_a_continue_token_that_repeats_is_an_error_not_a_loop(kube, tmp_path):
    api, server = kube
    api.overrides["/apis/kuma.io/v1alpha1/meshexternalservices"] = json_reply(
        {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalServiceList", "metadata": {"continue": "same"},
         "items": []})
    with pytest.raises(LiveSourceError, match="does not advance"):
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)


def test_secrets_forbidden_degrades_to_denied_with_the_reason(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    api.forbidden.add(("secrets", "kuma-system"))
    result = fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    assert result.load.secrets is SecretsCoverage.DENIED
    note = result.load.secrets_note
    assert "kuma-system" in note and "403 Forbidden" in note
    assert 'User "system:serviceaccount:ops:mes-doctor" cannot list resource "secrets"' in note
    assert result.counts == {"MeshExternalService": 2, "Mesh": 1, "ZoneEgress": 1, "HostnameGenerator": 1}
    assert Kind.SECRET not in result.load.listed_kinds
    # after the denial, no other Secret listing is tried
    assert not [r for r in server.requests if r.path == "/api/v1/secrets"]


def test_referenced_secret_in_another_namespace_is_found_by_name(kube, tmp_path):
    api, server = kube
    case = fill_kube(api)
    misplaced = next(o for o in api.objects["secrets"] if o["metadata"]["name"] == "kuma-cert-1")
    copy = {**misplaced, "metadata": {**misplaced["metadata"], "name": "kuma-cert", "namespace": "billing"}}
    api.objects["secrets"].append(copy)
    result = fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    found = [r for r in result.load.resources if r.name == "kuma-cert"]
    assert [(r.namespace, r.origin.file) for r in found] == [("billing", "secrets named kuma-cert (all namespaces)")]
    searched = sorted(r.param("fieldSelector") for r in server.requests if r.path == "/api/v1/secrets")
    assert searched == ["metadata.name=kuma-cert", "metadata.name=kuma-key"]
    assert case.broken == "billing"


def test_wrong_type_secret_in_the_system_namespace_is_found_by_name(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    api.objects["secrets"].append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                   "metadata": {"name": "kuma-key", "namespace": "kuma-system",
                                                "labels": {"kuma.io/mesh": "default"}},
                                   "data": {"value": "Zm9v"}})
    api.forbidden.add(("secrets", "*"))  # cluster-wide search refused: falls back to the namespace
    result = fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    found = [r for r in result.load.resources if r.name == "kuma-key"]
    assert [(r.namespace, r.payload.secret_type) for r in found] == [("kuma-system", "Opaque")]
    assert any("Secrets outside kuma-system were not searched" in n and "403 Forbidden" in n for n in result.notes)
    assert result.load.secrets is SecretsCoverage.PRESENT


def test_optional_kinds_forbidden_are_notes(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    api.forbidden.add(("meshes", "*"))
    api.installed.discard("zoneegresses")
    result = fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    assert "Mesh" not in result.counts
    assert any(n.startswith("Mesh resources not read: 403 Forbidden") for n in result.notes)
    assert not any("ZoneEgress" in n for n in result.notes)  # a CRD that is not installed is no news


@pytest.mark.parametrize("group_exists", [True, False])
def test_missing_crd_means_kuma_not_installed(kube, tmp_path, group_exists):
    api, server = kube
    api.kuma_group = group_exists
    api.installed.discard("meshexternalservices")
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    message = str(caught.value)
    assert message.startswith("kube:fake: no MeshExternalService resource type")
    assert "Kuma is not installed" in message and "wrong cluster" in message
    assert "\n" not in message


def test_services_forbidden_is_an_error_pointing_at_the_rbac_docs(kube, tmp_path):
    api, server = kube
    api.forbidden.add(("meshexternalservices", "*"))
    with pytest.raises(LiveSourceError, match=r"cannot list MeshExternalServices: 403 Forbidden: .*docs/rbac/"):
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)


def test_wrong_credentials_are_a_401(kube, tmp_path):
    _, server = kube
    path = write_kubeconfig(tmp_path / "kc", server.url, token="not-the-token-Xy7")
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec_for(path), now=NOW)
    assert "401 Unauthorized" in str(caught.value) and "rejected the credentials" in str(caught.value)
    assert "not-the-token-Xy7" not in str(caught.value) and "not-the-token-Xy7" not in repr(caught.value)


@pytest.mark.parametrize(("reply", "expected"), [
    (Reply(200, b'{"kind": "MeshExternalServiceList", "items": [', {"Content-Type": "application/json"}),
     "not valid JSON"),
    (Reply(200, b'{"kind": "MeshExternalServiceList", "items": []}', {"Content-Type": "application/json"},
           declared_length=4000), "cut off"),
    (k8s_status(500, "InternalError", "etcdserver: request timed out"),
     "the API server failed with 500 InternalError: etcdserver: request timed out"),
    (Reply(200, b"[1, 2]", {"Content-Type": "application/json"}), "not a Kubernetes list"),
    (json_reply({"kind": "List", "items": {"a": 1}}), "`items` of the answer is not a list"),
    (k8s_status(410, "Expired", "The provided continue parameter is too old"), "try again"),
])
def test_broken_answers_are_one_line_errors(kube, tmp_path, reply, expected):
    api, server = kube
    api.overrides["/apis/kuma.io/v1alpha1/meshexternalservices"] = reply
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("kube:fake: listing meshexternalservices (all namespaces): ")
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)


def test_slow_answer_times_out(kube, tmp_path):
    api, server = kube
    api.overrides["/apis/kuma.io/v1alpha1/meshexternalservices"] = Reply(200, b"{}", delay=3)
    with pytest.raises(LiveSourceError, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.5 s \(timed out"):
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW)


def test_oversized_answer_is_refused(kube, tmp_path):
    from core.options import Limits

    api, server = kube
    fill_kube(api)
    with pytest.raises(LiveSourceError, match="larger than the limit of 1000 bytes"):
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", server.url)), now=NOW, limits=Limits(max_file_bytes=1000))


def test_connection_refused_names_the_address(tmp_path):
    with LoopbackServer(KubeApi()) as server:
        url = server.url
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec_for(write_kubeconfig(tmp_path / "kc", url)), now=NOW)
    assert "refused" in str(caught.value) and url.removeprefix("http://") in str(caught.value)


def test_contexts_for_a_picker_and_kubeconfig_from_the_environment(kube, tmp_path, monkeypatch):
    api, server = kube
    fill_kube(api)
    path = write_kubeconfig(tmp_path / "kc", server.url)
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'absent'}:{path}")
    contexts = kube_contexts()
    assert contexts.names == ("fake", "unreachable") and contexts.current == "fake"
    assert kubeconfig_path() == f"{tmp_path / 'absent'}:{path}"
    result = fetch(KubeSpec(timeout=FAST), now=NOW)  # $KUBECONFIG, current context
    assert result.label == "kube:fake" and result.counts["MeshExternalService"] == 2
    with pytest.raises(LiveSourceError, match=r"kube:unreachable: .*refused"):
        fetch(KubeSpec(context="unreachable", timeout=FAST), now=NOW)
    with pytest.raises(LiveSourceError, match=r"no context 'staging' in .* \(contexts: fake, unreachable\)"):
        fetch(KubeSpec(context="staging", timeout=FAST), now=NOW)


def test_missing_or_broken_kubeconfig(tmp_path):
    with pytest.raises(LiveSourceError, match="no kubeconfig at"):
        kube_contexts(str(tmp_path / "nope"))
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    with pytest.raises(LiveSourceError, match="cannot read"):
        fetch(KubeSpec(kubeconfig=str(broken)), now=NOW)


def test_tls_cluster_verified_with_the_kubeconfig_ca(tmp_path):
    tls = Tls(tmp_path)
    api = KubeApi()
    fill_kube(api)
    with LoopbackServer(api, tls.context) as server:
        good = write_kubeconfig(tmp_path / "good", server.url, ca_pem=tls.ca.cert_pem)
        assert fetch(spec_for(good), now=NOW).counts["MeshExternalService"] == 2
        (tmp_path / "other").mkdir()
        other_ca = Tls(tmp_path / "other")
        bad = write_kubeconfig(tmp_path / "bad", server.url, ca_pem=other_ca.ca.cert_pem)
        with pytest.raises(LiveSourceError, match=r"TLS certificate of 127\.0\.0\.1:.* could not be verified"):
            fetch(spec_for(bad), now=NOW)


def test_insecure_skip_tls_verify_in_the_kubeconfig_is_honoured(tmp_path, recwarn):
    import yaml

    tls = Tls(tmp_path)
    api = KubeApi()
    fill_kube(api)
    with LoopbackServer(api, tls.context) as server:
        config = yaml.safe_load(write_kubeconfig(tmp_path / "kc", server.url).read_text())
        config["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
        (tmp_path / "kc").write_text(yaml.safe_dump(config))
        assert fetch(spec_for(tmp_path / "kc"), now=NOW).counts["MeshExternalService"] == 2
    assert not [w for w in recwarn if "Unverified HTTPS" in str(w.message)]


def test_in_cluster_configuration_uses_the_service_account(tmp_path, monkeypatch):
    result = fetch_in_cluster(tmp_path, monkeypatch)
    assert result.label == "kube:in-cluster" and result.counts["MeshExternalService"] == 2


def test_in_cluster_outside_a_pod_says_so(monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(LiveSourceError, match=r"^kube:in-cluster: no in-cluster configuration"):
        fetch(KubeSpec(in_cluster=True), now=NOW)


def test_missing_kubernetes_package_is_explained(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "kubernetes" or m.startswith("kubernetes.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "kubernetes", None)  # import kubernetes -> ImportError
    with pytest.raises(LiveSourceError, match=r"pip install 'mes-doctor\[kubernetes\]'"):
        fetch(KubeSpec(kubeconfig=str(tmp_path / "kc")), now=NOW)
    with pytest.raises(LiveSourceError, match="needs the `kubernetes` Python package"):
        kube_contexts()
