"""Every input form the loader accepts, each read from a small fixture in tests/data/forms/."""

from __future__ import annotations

import json

import pytest

from core.loading import load
from core.model import DocumentStatus, Flavour, Kind, SecretPayload
from core.options import Limits
from core.sources import Source

from .helpers import FORMS, codes, load_bytes, load_form


def only(result, kind: Kind | None = None):
    assert not result.findings, [f.message for f in result.findings]
    resources = [r for r in result.resources if kind is None or r.kind is kind]
    assert len(resources) == 1, resources
    return resources[0]


def test_kubernetes_mes() -> None:
    r = only(load_form("k8s-mes.yaml"))
    assert (r.kind, r.flavour, r.name, r.namespace, r.mesh) == (
        Kind.MESH_EXTERNAL_SERVICE, Flavour.KUBERNETES, "httpbin", "kuma-system", "payments")
    assert r.core_name == "httpbin.kuma-system"
    assert r.api_version == "kuma.io/v1alpha1"
    assert r.labels == {"kuma.io/mesh": "payments", "kuma.io/origin": "zone"}
    assert r.annotations == {"kuma.io/display-name": "httpbin-display"}
    assert r.display_name == "httpbin-display"
    assert r.spec["endpoints"][1] == {"address": "198.51.100.7", "port": 8443}
    assert r.spec["tls"]["verification"]["clientCert"] == {"secret": "httpbin-cert"}
    assert r.status == {"vip": {"ip": "242.0.0.5"}}
    assert r.raw["kind"] == "MeshExternalService"
    assert r.origin.line == 2 and r.origin.document == 0 and r.origin.file == "k8s-mes.yaml"
    assert r.payload is None


def test_kubernetes_mes_field_lines() -> None:
    r = only(load_form("k8s-mes.yaml"))
    lines = (FORMS / "k8s-mes.yaml").read_text().splitlines()

    def line_of(path: str) -> str:
        return lines[r.line_of(path) - 1].strip()

    assert line_of("metadata.name") == "name: httpbin"
    assert line_of('metadata.labels["kuma.io/origin"]') == "kuma.io/origin: zone"
    assert line_of('metadata.annotations["kuma.io/display-name"]') == "kuma.io/display-name: httpbin-display"
    assert line_of("spec.match.port") == "port: 80"
    assert line_of("spec.endpoints[1]") == "- address: 198.51.100.7"
    assert line_of("spec.endpoints[1].address") == "- address: 198.51.100.7"
    assert line_of("spec.endpoints[1].port") == "port: 8443"
    assert line_of("spec.tls.verification.clientCert") == "clientCert:"
    assert line_of("spec.tls.verification.clientCert.secret") == "secret: httpbin-cert"
    # an unknown child falls back to its closest known parent
    assert line_of("spec.tls.verification.subjectAltNames[0].value") == "verification:"


def test_kubernetes_secret_with_data_keeps_base64_as_written() -> None:
    r = only(load_form("k8s-secret-data.yaml"))
    assert (r.kind, r.name, r.namespace, r.mesh) == (Kind.SECRET, "httpbin-ca", "kuma-system", "payments")
    assert r.payload == SecretPayload("system.kuma.io/secret", {"value": "bm90LWEtcmVhbC1jZXJ0aWZpY2F0ZQ=="}, None)
    assert r.spec == {}
    assert "bm90" not in repr(r.payload)


def test_kubernetes_secret_with_string_data_gets_the_default_namespace() -> None:
    result = load_form("k8s-secret-stringdata.yaml", namespace="kong-mesh-system")
    r = only(result)
    assert r.namespace == "kong-mesh-system"
    assert r.payload is not None and r.payload.data is None
    assert r.payload.string_data == {"value": "not a real key\n"}
    assert r.payload.keys() == ["value"]


def test_kubernetes_global_secret() -> None:
    r = only(load_form("k8s-global-secret.yaml"))
    assert r.kind is Kind.GLOBAL_SECRET and r.flavour is Flavour.KUBERNETES
    assert r.payload is not None and r.payload.secret_type == "system.kuma.io/global-secret"
    assert r.key == "GlobalSecret/-/admin-user-token.kuma-system"


def test_kubernetes_secret_without_mesh_label_is_in_mesh_default_but_keeps_labels_as_written() -> None:
    data = b"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\ndata: {value: YQ==}\n"
    r = only(load_bytes("s.yaml", data))
    assert (r.kind, r.mesh, r.labels, r.payload.secret_type) == (Kind.SECRET, "default", {}, "Opaque")


def test_kubernetes_mesh_is_cluster_scoped() -> None:
    r = only(load_form("k8s-mesh.yaml"))
    assert (r.kind, r.name, r.namespace, r.core_name) == (Kind.MESH, "payments", None, "payments")
    assert r.spec["mtls"]["enabledBackend"] == "ca-1"
    text = (FORMS / "k8s-mesh.yaml").read_text().splitlines()
    assert text[r.line_of("spec.mtls.backends[0].type") - 1].strip() == "type: builtin"


def test_kind_list_items_are_loaded_or_ignored_one_by_one() -> None:
    result = load_form("k8s-list.yaml")
    assert not result.findings
    assert [(r.kind, r.name) for r in result.resources] == [
        (Kind.MESH_EXTERNAL_SERVICE, "listed-a"), (Kind.SECRET, "listed-ca")]
    statuses = [(d.status, d.kind, d.origin.line) for d in result.documents]
    assert statuses == [(DocumentStatus.LOADED, "MeshExternalService", 7),
                        (DocumentStatus.LOADED, "Secret", 18),
                        (DocumentStatus.IGNORED, "ConfigMap", 28)]
    mes = result.resources[0]
    assert mes.origin.line == 7
    lines = (FORMS / "k8s-list.yaml").read_text().splitlines()
    assert lines[mes.line_of("spec.endpoints[0].address") - 1].strip().startswith("- {address: a.example.com")
    assert mes.line_of("metadata.name") == 10


def test_typed_list_items_inherit_kind_and_api_version() -> None:
    result = load_form("k8s-mes-list.yaml")
    assert not result.findings
    assert [(r.kind, r.name, r.api_version) for r in result.resources] == [
        (Kind.MESH_EXTERNAL_SERVICE, "api-a", "kuma.io/v1alpha1"),
        (Kind.MESH_EXTERNAL_SERVICE, "api-b", "kuma.io/v1alpha1")]
    assert result.resources[1].origin.line == 14
    assert result.resources[1].line_of("spec.endpoints[0]") == 20


def test_secret_list() -> None:
    r = only(load_form("k8s-secret-list.yaml"))
    assert (r.kind, r.name, r.mesh, r.api_version) == (Kind.SECRET, "from-list", "default", "v1")
    assert r.payload.data == {"value": "YQ=="}


def test_universal_mes() -> None:
    r = only(load_form("universal-mes.yaml"))
    assert (r.kind, r.flavour, r.name, r.mesh, r.namespace) == (
        Kind.MESH_EXTERNAL_SERVICE, Flavour.UNIVERSAL, "httpbin", "default", None)
    assert r.labels["kuma.io/display-name"] == "httpbin"
    assert r.annotations == {}
    assert r.spec["tls"]["verification"]["caCert"]["secretRef"]["name"] == "httpbin-ca"
    assert r.line_of("name") == 2
    assert r.line_of('labels["kuma.io/origin"]') == 5
    assert r.line_of("spec.endpoints[0].priority") == 14
    assert r.line_of("spec.tls.verification.caCert.secretRef.name") == 22


def test_universal_mes_without_mesh_is_in_default() -> None:
    data = b"type: MeshExternalService\nname: x\nspec:\n  match: {port: 80}\n"
    assert only(load_bytes("u.yaml", data)).mesh == "default"


@pytest.mark.parametrize(("name", "kind"), [("universal-secret.yaml", Kind.SECRET),
                                             ("universal-global-secret.yaml", Kind.GLOBAL_SECRET)])
def test_universal_secrets_keep_the_single_base64_string(name: str, kind: Kind) -> None:
    r = only(load_form(name))
    assert r.kind is kind and r.flavour is Flavour.UNIVERSAL
    assert r.payload is not None and r.payload.secret_type is None
    assert isinstance(r.payload.data, str) and r.payload.string_data is None


def test_universal_mesh_inlines_its_spec() -> None:
    r = only(load_form("universal-mesh.yaml"))
    assert r.kind is Kind.MESH and r.labels == {"team": "platform"}
    assert r.spec == {"mtls": {"enabledBackend": "ca-1", "backends": [{"name": "ca-1", "type": "builtin"}]},
                      "routing": {"defaultForbidMeshExternalServiceAccess": True}}
    assert r.line_of("spec.mtls") == 5
    assert r.line_of("spec.mtls.enabledBackend") == 6
    assert r.line_of("spec.routing.defaultForbidMeshExternalServiceAccess") == 11
    assert r.line_of("name") == 2 and r.line_of('labels["team"]') == 4


def test_universal_zone_egress_inlines_its_spec() -> None:
    r = only(load_form("universal-zoneegress.yaml"))
    assert r.kind is Kind.ZONE_EGRESS
    assert r.spec == {"zone": "zone-1", "networking": {"address": "192.0.2.10", "port": 10002}}


def test_rest_list_response() -> None:
    result = load_form("rest-list.json")
    assert not result.findings
    a, b = result.resources
    assert (a.name, a.mesh, a.flavour, b.name, b.mesh) == ("rest-a", "default", Flavour.UNIVERSAL, "rest-b", "other")
    assert a.status["vip"] == {"ip": "242.0.0.1"}
    assert b.status is None
    assert a.spec["match"]["port"] == 80
    assert "kri" not in a.spec and a.raw["kri"] == "kri_extsvc_default_zone-1__rest-a_"
    assert a.origin.line == 4 and b.origin.line == 25
    assert a.line_of("spec.endpoints[0].port") == 18
    assert a.line_of('labels["kuma.io/zone"]') == 12


def test_rest_single_item() -> None:
    r = only(load_form("rest-item.json"))
    assert (r.name, r.mesh, r.status) == ("rest-single", "default", {"vip": {"ip": "242.0.0.9"}})
    assert r.line_of("spec.endpoints[1].address") == 13


def test_format_k8s_output() -> None:
    r = only(load_form("format-k8s.json"))
    assert (r.flavour, r.name, r.namespace, r.mesh) == (Flavour.KUBERNETES, "k8s-form", "kuma-system", "default")
    assert r.line_of("spec.match.protocol") == 11


def test_tab_indented_json_falls_back_to_json() -> None:
    r = only(load_form("tab-indented.json"))
    assert r.name == "tabbed" and r.spec["endpoints"][0]["port"] == 443
    assert r.origin.line == 1


@pytest.mark.parametrize("name", ["bom-utf8.yaml", "utf16.yaml", "crlf.yaml"])
def test_encodings_and_line_endings(name: str) -> None:
    result = load_form(name)
    assert not result.findings
    first = result.resources[0]
    assert first.annotations["kuma.io/display-name"] == "café ☕"
    assert first.line_of("spec.endpoints[0].port") == 14
    assert first.spec["endpoints"][0]["address"].endswith(".example.com")


def test_crlf_multi_document_lines() -> None:
    result = load_form("crlf.yaml")
    assert [r.name for r in result.resources] == ["crlf", "crlf-2"]
    assert result.resources[1].origin.line == 16
    assert result.resources[1].line_of("spec.endpoints[0].port") == 29


def test_comments_are_ignored_and_lines_kept() -> None:
    result = load_form("comments.yaml")
    r = only(result)
    assert r.name == "commented" and r.spec["match"] == {"port": 80, "protocol": "http"}
    assert r.origin.line == 4
    assert r.line_of("spec.endpoints[0].address") == 15
    assert len(result.documents) == 1  # comment-only documents are not documents


def test_multi_document_mixed() -> None:
    result = load_form("multi-doc-mixed.yaml")
    assert not result.findings
    loaded = [(r.kind, r.name, r.flavour) for r in result.resources]
    assert loaded == [
        (Kind.MESH_EXTERNAL_SERVICE, "mixed-k8s", Flavour.KUBERNETES),
        (Kind.MESH_EXTERNAL_SERVICE, "mixed-json", Flavour.UNIVERSAL),
        (Kind.SECRET, "mixed-secret", Flavour.UNIVERSAL),
        (Kind.HOSTNAME_GENERATOR, "local-mesh-external-service", Flavour.KUBERNETES),
        (Kind.ZONE_EGRESS, "zone-egress", Flavour.KUBERNETES),
        (Kind.MESH_TRAFFIC_PERMISSION, "allow-egress", Flavour.KUBERNETES),
        (Kind.MESH_IDENTITY, "identity", Flavour.KUBERNETES),
        (Kind.DATAPLANE, "dp-1", Flavour.UNIVERSAL),
    ]
    ignored = [(d.kind, d.origin.document, d.origin.line) for d in result.documents
               if d.status is DocumentStatus.IGNORED]
    assert ignored == [("Deployment", 0, 1), ("ConfigMap", 4, 28), ("MeshService", 5, 35), (None, 11, 84)]
    assert all(d.reason for d in result.documents if d.status is DocumentStatus.IGNORED)
    k8s = result.resources[0]
    assert k8s.line_of("spec.endpoints[1].port") == 19
    assert result.resources[1].origin.document == 2 and result.resources[1].origin.line == 21
    assert result.resources[7].spec == {"networking": {"address": "10.0.0.6"}}


def test_every_form_in_one_call_with_several_sources() -> None:
    sources = [Source("dir", p.name, p.read_bytes()) for p in sorted(FORMS.iterdir()) if not p.name.startswith(".")]
    result = load(sources, Limits())
    # the same Universal secret / MES names appear in several fixtures: duplicates, never errors
    assert {f.code for f in result.findings} <= {"MES006"}
    files = {d.origin.file for d in result.documents}
    assert files == {s.name for s in sources}
    assert len(result.resources) >= 30


def test_kuma_api_version_other_than_v1alpha1_is_a_warning_and_still_loaded() -> None:
    data = b"apiVersion: kuma.io/v1beta1\nkind: MeshExternalService\nmetadata: {name: a}\nspec: {match: {port: 1}}\n"
    result = load_bytes("v.yaml", data)
    assert codes(result) == ["MES009"]
    assert result.findings[0].origin.line == 1 and result.findings[0].resource.name == "a"
    assert result.resources[0].api_version == "kuma.io/v1beta1"


def test_other_api_groups_with_a_kuma_kind_name_are_ignored() -> None:
    data = b"apiVersion: example.com/v1\nkind: Mesh\nmetadata: {name: a}\n"
    result = load_bytes("v.yaml", data)
    assert not result.resources and not result.findings
    assert result.documents[0].status is DocumentStatus.IGNORED


def test_duplicate_resource_is_a_warning_naming_both_locations_and_both_are_kept() -> None:
    first = b"type: MeshExternalService\nname: dup\nspec: {match: {port: 80}}\n"
    second = b"# again\ntype: MeshExternalService\nname: dup\nspec: {match: {port: 81}}\n"
    result = load([Source("a", "one.yaml", first), Source("b", "two.yaml", second)], Limits())
    assert codes(result) == ["MES006"]
    f = result.findings[0]
    assert "one.yaml:1" in f.message and "two.yaml:2" in f.message
    assert f.resource.origin.file == "two.yaml" and f.related[0].origin.file == "one.yaml"
    assert [r.spec["match"]["port"] for r in result.resources] == [80, 81]


def test_same_name_in_other_namespace_or_mesh_is_not_a_duplicate() -> None:
    docs = [
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: b}\n",
        "type: Secret\nname: s\nmesh: one\n",
        "type: Secret\nname: s\nmesh: two\n",
    ]
    result = load_bytes("s.yaml", "---\n".join(docs).encode())
    assert not result.findings and len(result.resources) == 4


def test_top_level_sequence_of_objects() -> None:
    data = json.dumps([{"type": "Secret", "name": "a", "data": "YQ=="},
                       {"type": "Secret", "name": "b", "data": "Yg=="}]).encode()
    result = load_bytes("arr.json", data)
    assert [r.name for r in result.resources] == ["a", "b"]


def test_concatenated_json_values() -> None:
    data = b'{"type": "Secret", "name": "a"}\n{"type": "Secret", "name": "b"}\n'
    result = load_bytes("lines.json", data)
    assert [(r.name, r.origin.document, r.origin.line) for r in result.resources] == [("a", 0, 1), ("b", 1, 2)]


def test_json_numbers_follow_json_rules() -> None:
    data = b'{"type": "MeshExternalService", "name": "n", "spec": {"match": {"port": 8e1}, "x": 1.5E2}}'
    r = only(load_bytes("n.json", data))
    assert r.spec["match"]["port"] == 80.0 and r.spec["x"] == 150.0


def test_spec_contents_are_kept_as_written_even_with_wrong_types() -> None:
    data = b"type: MeshExternalService\nname: w\nspec:\n  match: [1, 2]\n  endpoints: \"nope\"\n  tls: 7\n"
    r = only(load_bytes("w.yaml", data))
    assert r.spec == {"match": [1, 2], "endpoints": "nope", "tls": 7}


def test_yaml_11_scalars() -> None:
    data = (b"type: MeshExternalService\nname: s\nspec:\n  a: 0x1F\n  b: 017\n  c: 1_000\n  d: yes\n  e: ~\n"
            b"  f: .inf\n  g: 2024-01-01\n  h: 1:30\n  i: !!str 5\n  j: -0b101\n  k: 1.5e+3\n")
    r = only(load_bytes("s.yaml", data))
    assert r.spec == {"a": 31, "b": 15, "c": 1000, "d": True, "e": None, "f": float("inf"), "g": "2024-01-01",
                      "h": 90, "i": "5", "j": -5, "k": 1500.0}


def test_anchors_and_merge_keys() -> None:
    data = (b"type: MeshExternalService\nname: m\nspec:\n  endpoints:\n    - &ep {address: a.example.com, port: 443}\n"
            b"    - <<: *ep\n      address: b.example.com\n  match: {port: 80}\n")
    r = only(load_bytes("m.yaml", data))
    assert r.spec["endpoints"] == [{"address": "a.example.com", "port": 443}, {"address": "b.example.com", "port": 443}]
    assert r.spec["endpoints"][0] is not r.spec["endpoints"][1]
    assert r.line_of("spec.endpoints[1].address") == 7
    assert r.line_of("spec.match.port") == 8


def test_empty_file_and_separators_only_are_recorded_not_errors() -> None:
    for data in (b"", b"---\n", b"# nothing\n---\n---\n...\n"):
        result = load_bytes("e.yaml", data)
        assert not result.findings and not result.resources
        assert [d.status for d in result.documents] == [DocumentStatus.IGNORED]


@pytest.fixture
def pure_python_yaml(monkeypatch):
    """The loader without libyaml (PyYAML's pure-Python SafeLoader), as on a machine without it."""
    import yaml

    import core.loading.stream

    monkeypatch.setattr(core.loading.stream, "Loader", yaml.SafeLoader)


@pytest.mark.parametrize("name", ["k8s-mes.yaml", "multi-doc-mixed.yaml", "rest-list.json", "crlf.yaml"])
def test_forms_load_the_same_without_libyaml(name: str, monkeypatch) -> None:
    fast = load_form(name)
    import yaml

    import core.loading.stream

    monkeypatch.setattr(core.loading.stream, "Loader", yaml.SafeLoader)
    slow = load_form(name)
    assert [(r.key, r.spec, r.field_lines, r.origin) for r in slow.resources] == [
        (r.key, r.spec, r.field_lines, r.origin) for r in fast.resources]
    assert slow.documents == fast.documents and slow.findings == fast.findings


def test_json_document_that_yaml_rejects_falls_back_to_json(pure_python_yaml) -> None:
    tabbed = (FORMS / "tab-indented.json").read_bytes()
    data = (FORMS / "universal-secret.yaml").read_bytes() + b"---\n" + tabbed + b"---\n" + (
        FORMS / "universal-mesh.yaml").read_bytes()
    result = load_bytes("mixed.yaml", data)
    assert not result.findings
    assert [(r.name, r.origin.document, r.origin.line) for r in result.resources] == [
        ("httpbin-ca", 0, 1), ("tabbed", 1, 6), ("default", 2, 21)]


def test_yaml_documents_after_a_leading_json_document() -> None:
    data = (b'{"type": "Secret", "name": "a", "data": "YQ=="}\n---\n' + (FORMS / "universal-mesh.yaml").read_bytes()
            + b"---\n" + (FORMS / "k8s-mes.yaml").read_bytes())
    result = load_bytes("mixed.yaml", data)
    assert not result.findings
    assert [(r.name, r.origin.document, r.origin.line) for r in result.resources] == [
        ("a", 0, 1), ("default", 1, 3), ("httpbin", 2, 16)]
    assert result.resources[2].line_of("spec.endpoints[1].port") == 35


def test_broken_leading_json_document_then_yaml() -> None:
    data = b'{"type": "Secret", "name": "a",}\n---\n' + (FORMS / "universal-mesh.yaml").read_bytes()
    result = load_bytes("mixed.yaml", data)
    assert codes(result) == ["MES001"] and "read as JSON" in result.findings[0].message
    assert [(r.name, r.origin.line) for r in result.resources] == [("default", 3)]
