"""MeshHTTPRoute / MeshTCPRoute refs of kind MeshExternalService (MES601-MES604), per version.

Behaviour read from <branch>:pkg/core/resources/apis/mesh/validators.go (`ValidateTargetRef`, MES case),
<branch>:pkg/plugins/policies/meshhttproute/api/v1alpha1/validation.go, release-2.14:pkg/plugins/policies/core/
rules/resolve/backendref.go, release-2.14:pkg/plugins/policies/core/xds/meshroute/listeners.go
(`MakeHTTPSplit` / `MakeTCPSplit`), master:api/common/v1alpha1/targetref.go (`realResourceSelector`).
"""

from __future__ import annotations

import pytest

from tests.core.neighbours.helpers import MES_HTTPBIN, codes, found, run

TCP_MES = """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: postgres, namespace: kuma-system}
spec:
  match: {port: 5432, protocol: tcp}
  endpoints: [{address: db.example.com, port: 5432}]
"""


def http_route(backend: str, namespace: str = "kuma-system", extra: str = "") -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: {{name: route, namespace: {namespace}, labels: {{kuma.io/mesh: default}}}}
spec:
  to:
    - targetRef: {{kind: MeshService, name: web}}
      rules:
        - matches: [{{path: {{type: PathPrefix, value: /}}}}]
          default:
            {extra}backendRefs: [{backend}]
"""


def tcp_route(backend: str) -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshTCPRoute
metadata: {{name: tcp-route, namespace: kuma-system, labels: {{kuma.io/mesh: default}}}}
spec:
  to:
    - targetRef: {{kind: MeshService, name: web}}
      rules:
        - default:
            backendRefs: [{backend}]
"""


BY_NAME = "{kind: MeshExternalService, name: httpbin, namespace: kuma-system}"


@pytest.mark.parametrize("version", ["2.9", "2.13", "2.14"])
def test_name_ref_in_the_system_namespace_resolves(version):
    report = run(http_route(BY_NAME), MES_HTTPBIN, version=version)
    assert codes(report).isdisjoint({"MES601", "MES602", "MES603", "MES604"})


def test_name_ref_from_another_namespace_looks_there():
    backend = "{kind: MeshExternalService, name: httpbin}"
    report = run(http_route(backend, namespace="shop"), MES_HTTPBIN, version="2.14")
    [finding] = found(report, "MES601")
    assert "name httpbin in namespace shop" in finding.message and "split is dropped silently" in finding.message
    assert "namespace: kuma-system" in finding.hint
    assert finding.resource is not None and finding.resource.kind.value == "MeshHTTPRoute"
    assert finding.path == "spec.to[0].rules[0].default.backendRefs[0]"


@pytest.mark.parametrize(("version", "effect"), [
    ("2.9", "split is dropped silently"),
    ("2.14", "selector is skipped silently"),
    ("3.0", "HTTP 500"),
])
def test_label_ref_matching_nothing_per_version(version, effect):
    backend = "{kind: MeshExternalService, labels: {kuma.io/display-name: httpbn}}"
    report = run(http_route(backend), MES_HTTPBIN, version=version)
    [finding] = found(report, "MES601")
    assert effect in finding.message


def test_3_0_adds_the_route_namespace_to_a_display_name_selector():
    backend = "{kind: MeshExternalService, labels: {kuma.io/display-name: httpbin}}"
    in_shop = run(http_route(backend, namespace="shop"), MES_HTTPBIN, version="3.0")
    [finding] = found(in_shop, "MES601")
    assert "k8s.kuma.io/namespace: shop" in finding.message
    fixed = backend.replace("httpbin}", "httpbin, k8s.kuma.io/namespace: kuma-system}")
    assert "MES601" not in codes(run(http_route(fixed, namespace="shop"), MES_HTTPBIN, version="3.0"))
    assert "MES601" not in codes(run(http_route(backend), MES_HTTPBIN, version="3.0"))  # own namespace


@pytest.mark.parametrize(("version", "path", "message"), [
    ("2.9", "spec.to[0].rules[0].default.backendRefs[0].name", "must be set with kind MeshExternalService"),
    ("2.13", "spec.to[0].rules[0].default.backendRefs[0].name", "must be set with kind MeshExternalService"),
    ("2.14", "spec.to[0].rules[0].default.backendRefs[0]",
     "name or labels must be set when kind is MeshExternalService"),
    ("3.0", "spec.to[0].rules[0].default.backendRefs[0].labels", "must be set when kind is MeshExternalService"),
])
def test_ref_without_name_or_labels(version, path, message):
    report = run(http_route("{kind: MeshExternalService, weight: 1}"), MES_HTTPBIN, version=version)
    [finding] = found(report, "MES603")
    assert (finding.path, f"`{path}: {message}`" in finding.message) == (path, True)
    assert "MES601" not in codes(report)  # rejected: nothing to resolve


def test_3_0_name_only_ref_needs_labels():
    report = run(http_route(BY_NAME), MES_HTTPBIN, version="3.0")
    [finding] = found(report, "MES603")
    assert "labels: must be set when kind is MeshExternalService" in finding.message
    assert "`labels` only" in finding.hint


@pytest.mark.parametrize(("version", "message"), [
    ("2.9", "value is not supported"),
    ("2.12", None),
    ("2.13", None),
])
def test_request_mirror_to_mes(version, message):
    mirror = ("filters: [{type: RequestMirror, requestMirror: {backendRef: {kind: MeshExternalService, name: httpbin, "
              "namespace: kuma-system}}}]\n            ")
    report = run(http_route("{kind: MeshService, name: web}", extra=mirror), MES_HTTPBIN, version=version)
    if message is None:
        assert "MES603" not in codes(report)
        return
    [finding] = found(report, "MES603")
    assert finding.path == "spec.to[0].rules[0].default.filters[0].requestMirror.backendRef.kind"
    assert f": {message}`" in finding.message


def test_unsupported_kind_message_names_the_kind_from_2_13():
    """A MeshGateway top-level targetRef (2.x) accepts only `Mesh` in `to`: the MES destination is refused."""
    gateway = """\
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: {name: gw, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: MeshGateway, name: edge}
  to:
    - targetRef: {kind: MeshExternalService, name: httpbin}
      rules: []
"""
    old = found(run(gateway, MES_HTTPBIN, version="2.12"), "MES603")[0]
    new = found(run(gateway, MES_HTTPBIN, version="2.13"), "MES603")[0]
    assert "`spec.to[0].targetRef.kind: value is not supported`" in old.message
    assert "`spec.to[0].targetRef.kind: value 'MeshExternalService' is not supported`" in new.message


@pytest.mark.parametrize("field", ["sectionName: http", "mesh: other", "tags: {a: b}", "proxyTypes: [Sidecar]"])
def test_fields_not_allowed_on_an_mes_ref(field):
    backend = f"{{kind: MeshExternalService, name: httpbin, namespace: kuma-system, {field}}}"
    report = run(http_route(backend), MES_HTTPBIN, version="2.14")
    name = field.split(":")[0]
    assert any(f"{name}: must not be set with kind MeshExternalService" in f.message for f in found(report, "MES603"))


def test_labels_together_with_name():
    backend = "{kind: MeshExternalService, name: httpbin, labels: {team: a}}"
    [finding] = found(run(http_route(backend), MES_HTTPBIN, version="2.14"), "MES603")
    assert "labels: either labels or name must be specified" in finding.message


def test_http_route_to_a_tcp_mes_and_tcp_route_to_it():
    backend = "{kind: MeshExternalService, name: postgres, namespace: kuma-system}"
    report = run(http_route(backend), TCP_MES, version="2.14")
    [finding] = found(report, "MES602")
    assert "`tcp`" in finding.message and "dropped silently" in finding.message
    assert "MES602" not in codes(run(tcp_route(backend), TCP_MES, version="2.14"))
    by_labels = "{kind: MeshExternalService, labels: {kuma.io/display-name: postgres}}"
    [on_3_0] = found(run(http_route(by_labels), TCP_MES, version="3.0"), "MES602")
    assert "matching requests get HTTP 500" in on_3_0.message


def test_http_route_destination_that_is_a_tcp_mes():
    route = """\
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: {name: to-db, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  to:
    - targetRef: {kind: MeshExternalService, name: postgres}
      rules:
        - matches: [{path: {type: PathPrefix, value: /}}]
          default: {backendRefs: [{kind: MeshExternalService, name: postgres}]}
"""
    report = run(route, TCP_MES, version="2.14")
    messages = [f.message for f in found(report, "MES602")]
    assert any("TCP outbound listener" in m for m in messages)


def test_port_on_a_backend_ref_is_ignored():
    backend = "{kind: MeshExternalService, name: httpbin, namespace: kuma-system, port: 8080}"
    [finding] = found(run(tcp_route(backend), MES_HTTPBIN, version="2.14"), "MES604")
    assert "uses `spec.match.port` (80)" in finding.message
    same = backend.replace("8080", "80")
    assert "MES604" not in codes(run(tcp_route(same), MES_HTTPBIN, version="2.14"))


def test_mes_in_another_mesh_is_not_found():
    other = MES_HTTPBIN.replace("namespace: kuma-system}", "namespace: kuma-system, labels: {kuma.io/mesh: other}}")
    assert "MES601" in codes(run(http_route(BY_NAME), other, version="2.14"))
