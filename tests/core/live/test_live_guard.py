"""The network guard for every live source kind (Kuma API, URL, kubeconfig, in-cluster): a link-local or
cloud-metadata target is refused when written as an address, when a host name resolves to one (a loopback
resolver stub stands in for DNS), and when a redirect points at one; host names that resolve to loopback are
really connected through the guard."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.live import KubeSpec, KumaApiSpec, LiveSourceError, UrlSpec, fetch
from core.live.guard import BlockedTarget, NetworkGuard
from core.live.policy import ReadPolicy
from tests.core.live.conftest import FAST, Tls, fill_kube, fill_kuma, write_kubeconfig
from tests.core.live.servers import KubeApi, LoopbackServer, Reply
from tests.factories import NOW

MANIFEST = b"""apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: from-url, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  match: {type: HostnameGenerator, port: 80, protocol: http}
  endpoints: [{address: example.com, port: 80}]
"""
LINK_LOCAL = "link-local / cloud metadata address"


class Stub:
    """A loopback resolver stub: names of the `.test` domain resolve to what the test says."""

    def __init__(self, **answers: Sequence[str]) -> None:
        self.answers = {name.replace("_", "-") + ".test": list(v) for name, v in answers.items()}
        self.calls: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


def policy(stub: Stub, **kwargs: object) -> ReadPolicy:
    return ReadPolicy(guard=NetworkGuard(resolver=stub), **kwargs)  # type: ignore[arg-type]


STUB = dict(cp=["127.0.0.1"], meta=["169.254.169.254"], mapped=["::ffff:169.254.169.254"], aws6=["fd00:ec2::254"],
            alibaba=["100.100.100.200"])


@pytest.fixture
def files():
    def app(request):
        if request.path == "/mes.yaml":
            return Reply(200, MANIFEST, {"Content-Type": "application/yaml"})
        if request.path.startswith("/to/"):
            return Reply(302, b"", {"Location": request.path.removeprefix("/to")[1:].replace("|", "/")})
        return Reply(404, b"not here")

    with LoopbackServer(app) as server:
        yield server


# --- URL ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/",
                                 "http://[::ffff:169.254.169.254]/", "http://0xa9fea9fe/", "http://2852039166/",
                                 "http://metadata.google.internal/computeMetadata/v1/", "http://100.100.100.200/",
                                 "https://[fe80::1%25eth0]:8443/x"])
def test_url_to_a_metadata_address_is_refused_before_connecting(url):
    stub = Stub(**STUB)
    with pytest.raises(BlockedTarget) as caught:
        fetch(UrlSpec(url, timeout=FAST), now=NOW, policy=policy(stub))
    assert LINK_LOCAL in str(caught.value)
    assert stub.calls == [], "refused as written, before any lookup"


@pytest.mark.parametrize(("name", "address"), [("meta", "169.254.169.254"), ("mapped", "169.254.169.254"),
                                               ("aws6", "fd00:ec2::254"), ("alibaba", "100.100.100.200")])
def test_url_whose_host_resolves_to_a_metadata_address_is_refused(files, name, address):
    stub = Stub(**STUB)
    with pytest.raises(BlockedTarget) as caught:
        fetch(UrlSpec(f"http://{name}.test:{files.port}/mes.yaml", timeout=FAST), now=NOW, policy=policy(stub))
    assert f"{name}.test resolves to {address}, a {LINK_LOCAL}" in str(caught.value)
    assert files.requests == []


def test_url_whose_host_resolves_to_loopback_is_read_through_the_guard(files):
    stub = Stub(**STUB)
    result = fetch(UrlSpec(f"http://cp.test:{files.port}/mes.yaml", timeout=FAST), now=NOW, policy=policy(stub))
    assert result.counts == {"MeshExternalService": 1}
    assert stub.calls == ["cp.test"], "one resolution, and the connection went to the answer (cp.test is not DNS)"
    assert files.requests[0].headers["host"] == f"cp.test:{files.port}"  # the URL's own host name is sent


@pytest.mark.parametrize("target", ["http:||169.254.169.254|latest|meta-data|", "http:||meta.test|x",
                                    "http:||[::ffff:a9fe:a9fe]|", "http:||metadata.google.internal|"])
def test_url_redirected_to_a_metadata_address_is_refused(files, target):
    stub = Stub(**STUB)
    with pytest.raises(BlockedTarget) as caught:
        fetch(UrlSpec(f"{files.url}/to/{target}", timeout=FAST), now=NOW, policy=policy(stub))
    assert LINK_LOCAL in str(caught.value)
    assert len(files.requests) == 1  # the redirect was answered, its target never contacted


def test_url_redirect_chain_is_checked_at_every_hop(files):
    stub = Stub(**STUB)
    second = f"http:||cp.test:{files.port}|to|http:||meta.test|x"
    with pytest.raises(BlockedTarget, match=r"meta\.test resolves to 169\.254\.169\.254"):
        fetch(UrlSpec(f"{files.url}/to/{second}", timeout=FAST), now=NOW, policy=policy(stub))
    assert len(files.requests) == 2


def test_the_operator_can_allow_link_local_targets(files):
    allow = ReadPolicy(guard=NetworkGuard(allow_link_local=True, resolver=Stub(**STUB)))
    with pytest.raises(LiveSourceError) as caught:  # let through: it connects (nothing answers there)
        fetch(UrlSpec(f"http://meta.test:{files.port}/mes.yaml", timeout=FAST), now=NOW, policy=allow)
    assert not isinstance(caught.value, BlockedTarget) and LINK_LOCAL not in str(caught.value)
    assert "169.254.169.254" in str(caught.value) or "meta.test" in str(caught.value)


@pytest.fixture
def proxy(monkeypatch):
    """An HTTP proxy on loopback answering every proxied GET with the manifest."""
    def app(request):
        return Reply(200, MANIFEST, {"Content-Type": "application/yaml"})

    with LoopbackServer(app) as server:
        monkeypatch.setenv("http_proxy", server.url)
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        yield server


def test_through_a_proxy_the_target_is_checked_by_name_and_by_address_when_known(proxy):
    stub = Stub(**STUB)
    with pytest.raises(BlockedTarget):
        fetch(UrlSpec("http://meta.test/x.yaml", timeout=FAST), now=NOW, policy=policy(stub))
    with pytest.raises(BlockedTarget):
        fetch(UrlSpec("http://metadata.google.internal/x.yaml", timeout=FAST), now=NOW, policy=policy(stub))
    assert proxy.requests == []
    # a name this machine cannot resolve is the proxy's to resolve
    result = fetch(UrlSpec("http://only-the-proxy-knows.test/x.yaml", timeout=FAST), now=NOW, policy=policy(stub))
    assert result.counts == {"MeshExternalService": 1} and len(proxy.requests) == 1


# --- Kuma API -----------------------------------------------------------------------------------------


def test_kuma_api_at_a_metadata_address_or_name_is_refused(kuma):
    api, server = kuma
    fill_kuma(api)
    stub = Stub(**STUB)
    for url in ("http://169.254.169.254:5681", "http://[::ffff:169.254.169.254]:5681",
                f"http://meta.test:{server.port}", f"http://mapped.test:{server.port}"):
        with pytest.raises(BlockedTarget):
            fetch(KumaApiSpec(url, token="admin-token-Zq9", timeout=FAST), now=NOW, policy=policy(stub))
    assert server.requests == []
    result = fetch(KumaApiSpec(f"http://cp.test:{server.port}", token="admin-token-Zq9", timeout=FAST), now=NOW,
                   policy=policy(stub))
    assert result.counts["MeshExternalService"] == 2


def test_kuma_api_never_follows_a_redirect_not_even_to_check_it(kuma):
    api, server = kuma
    api.overrides["/"] = Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(LiveSourceError) as caught:
        fetch(KumaApiSpec(server.url, timeout=FAST), now=NOW)
    assert "was redirected (HTTP 302) to http://169.254.169.254/latest/meta-data/" in str(caught.value)
    assert len(server.requests) == 1


# --- Kubernetes ---------------------------------------------------------------------------------------


def test_kubeconfig_server_at_a_metadata_address_or_name_is_refused(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    stub = Stub(**STUB)
    for i, url in enumerate(("https://169.254.169.254:6443", "https://[fe80::1]:6443",
                             f"http://meta.test:{server.port}", f"http://aws6.test:{server.port}")):
        path = write_kubeconfig(tmp_path / f"kc{i}", url)
        with pytest.raises(BlockedTarget) as caught:
            fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW, policy=policy(stub))
        assert str(caught.value).startswith("kube:fake: ") and LINK_LOCAL in str(caught.value)
    assert server.requests == []


def test_kubeconfig_server_name_is_connected_through_the_guard(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    stub = Stub(**STUB)
    path = write_kubeconfig(tmp_path / "kc", f"http://cp.test:{server.port}")
    result = fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW, policy=policy(stub))
    assert result.counts["MeshExternalService"] == 2
    assert set(stub.calls) == {"cp.test"}  # cp.test is not in DNS: every connection went through the stub


def test_kube_api_server_redirects_are_never_followed(kube, tmp_path):
    api, server = kube
    api.overrides["/version/"] = Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    api.overrides["/apis/kuma.io/v1alpha1/meshexternalservices"] = Reply(
        301, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    path = write_kubeconfig(tmp_path / "kc", server.url)
    with pytest.raises(LiveSourceError, match="301"):
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)
    assert {r.path for r in server.requests} == {"/version/", "/apis/kuma.io/v1alpha1/meshexternalservices"}


def _in_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, port: int) -> None:
    from kubernetes.config import incluster_config

    tls = Tls(tmp_path)
    token = tmp_path / "token"
    token.write_text("sa-token-Mm3")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(tls.ca_file))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(port))


@pytest.mark.parametrize("host", ["169.254.169.254", "fd00:ec2::254", "meta.test"])
def test_in_cluster_api_server_at_a_metadata_address_is_refused(tmp_path, monkeypatch, host):
    api = KubeApi(token="sa-token-Mm3")
    with LoopbackServer(api) as server:
        _in_cluster(tmp_path, monkeypatch, host, server.port)
        with pytest.raises(BlockedTarget) as caught:
            fetch(KubeSpec(in_cluster=True, timeout=FAST), now=NOW, policy=policy(Stub(**STUB)))
    assert str(caught.value).startswith("kube:in-cluster: ") and LINK_LOCAL in str(caught.value)
    assert server.requests == []
