"""Fixtures for the live-source tests: loopback Kubernetes / Kuma API servers with the
motivating incident (one healthy MES, one whose Secrets are missing) loaded into them."""

from __future__ import annotations

import datetime as dt
import functools
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import pki
from tests.core.live.servers import KubeApi, KumaApi, LoopbackServer, clear_proxies, kubeconfig
from tests.factories import NOW
from tests.scenarios import motivating_case

FAST = 0.5  # seconds: every timeout in these tests


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@functools.cache
def _case(flavour: str) -> Any:
    return motivating_case(NOW, flavour=flavour)  # RSA keys: made once per test session


def motivating_objects(flavour: str) -> tuple[list[dict[str, Any]], Any]:
    case = _case(flavour)
    return [d for d in yaml.safe_load_all(case.yaml) if d], case


def fill_kube(api: KubeApi) -> Any:
    """The motivating incident as cluster state: Mesh, two MES, two Secrets (+ noise)."""
    docs, case = motivating_objects("kubernetes")
    for doc in docs:
        kind = doc["kind"]
        if kind == "Secret":
            api.objects["secrets"].append(doc)
        elif kind == "Mesh":
            api.objects["meshes"].append(doc)
        else:
            api.objects["meshexternalservices"].append(doc)
    # the zone's egress: the reader lists ZoneEgresses in full, so a cluster without one would be a finding (MES404)
    api.objects["zoneegresses"].append({"apiVersion": "kuma.io/v1alpha1", "kind": "ZoneEgress",
                                        "metadata": {"name": "zone-egress", "namespace": "kuma-system"},
                                        "spec": {"networking": {"address": "10.0.0.9", "port": 10002}}})
    # the zone's default HostnameGenerator: they are listed in full too (MES645 when none selects an MES)
    api.objects["hostnamegenerators"].append({
        "apiVersion": "kuma.io/v1alpha1", "kind": "HostnameGenerator",
        "metadata": {"name": "local-mesh-external-service", "namespace": "kuma-system",
                     "labels": {"kuma.io/origin": "zone"}},
        "spec": {"selector": {"meshExternalService": {"matchLabels": {"kuma.io/origin": "zone"}}},
                 "template": "{{ .DisplayName }}.extsvc.mesh.local"}})
    # a Helm release Secret and an Opaque Secret in the system namespace: never downloaded
    api.objects["secrets"].append({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
                                   "metadata": {"name": "sh.helm.release.v1.kuma.v1", "namespace": "kuma-system"},
                                   "data": {"release": "SDRzSUFBQUFBQUFD"}})
    return case


def fill_kuma(api: KumaApi) -> Any:
    docs, case = motivating_objects("universal")
    api.load(docs)
    api.global_items["zoneegresses"].append({"type": "ZoneEgress", "name": "zone-egress",
                                             "networking": {"address": "10.0.0.9", "port": 10002}})
    return case


@pytest.fixture
def kube() -> Iterator[tuple[KubeApi, LoopbackServer]]:
    api = KubeApi()
    with LoopbackServer(api) as server:
        yield api, server


@pytest.fixture
def kuma() -> Iterator[tuple[KumaApi, LoopbackServer]]:
    api = KumaApi()
    with LoopbackServer(api) as server:
        yield api, server


def write_kubeconfig(path: Path, server: str, **kwargs: Any) -> Path:
    path.write_text(yaml.safe_dump(kubeconfig(server, **kwargs)))
    return path


class Tls:
    """A CA and a server certificate for 127.0.0.1, valid around the real clock (TLS handshakes
    check the wall clock; nothing asserted depends on it)."""

    def __init__(self, tmp: Path) -> None:
        now = dt.datetime.now(dt.UTC)
        self.ca = pki.make_ca("Loopback Test CA", now - dt.timedelta(hours=1), days=2)
        leaf = pki.make_server(self.ca, "127.0.0.1", now - dt.timedelta(hours=1), days=2,
                               sans=("127.0.0.1", "localhost"))
        self.ca_file = tmp / "ca.pem"
        self.ca_file.write_bytes(self.ca.cert_pem)
        cert, key = tmp / "server.pem", tmp / "server-key.pem"
        cert.write_bytes(leaf.cert_pem)
        key.write_bytes(leaf.key_pem())
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)


@pytest.fixture
def tls(tmp_path: Path) -> Tls:
    return Tls(tmp_path)


def fetch_in_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Read a loopback API server over TLS as a pod would: service-account token and CA files,
    KUBERNETES_SERVICE_HOST/PORT in the environment."""
    from kubernetes.config import incluster_config

    from core.live import KubeSpec, fetch

    tls = Tls(tmp_path)
    api = KubeApi(token="sa-token-Mm3")
    fill_kube(api)
    token = tmp_path / "token"
    token.write_text("sa-token-Mm3")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(tls.ca_file))
    with LoopbackServer(api, tls.context) as server:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.port))
        return fetch(KubeSpec(in_cluster=True, timeout=FAST), now=NOW)
