"""Pure pieces of the live sources: specs, labels, manifests, referenced names, limits, errors."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from core.live import KubeSpec, KumaApiSpec, LiveSourceError, UrlSpec, display_url, fetch
from core.live.errors import one_line
from core.live.kube_objects import is_object_name, plain_manifest, referenced_secret_names
from core.live.result import Collector, normalise
from core.model import DocumentStatus, Kind
from core.options import Limits
from tests.core.live.conftest import FAST, fill_kube, fill_kuma, write_kubeconfig
from tests.factories import NOW

TOKEN = "tok-3f9a-never-shown"


def test_spec_repr_never_shows_the_token_and_specs_are_hashable():
    spec = KumaApiSpec("https://cp:5682", token=TOKEN, meshes=["a", "b"])
    assert TOKEN not in repr(spec) and TOKEN not in str(spec) and TOKEN not in f"{spec}"
    assert spec.meshes == ("a", "b")
    assert {spec: 1}[KumaApiSpec("https://cp:5682", token=TOKEN, meshes=("a", "b"))] == 1
    assert pickle.loads(pickle.dumps(spec)) == spec  # session state may copy it
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.url = "x"  # type: ignore[misc]
    assert KubeSpec().label == "kube:(current context)" and KubeSpec(context="prod").label == "kube:prod"
    assert KubeSpec(in_cluster=True).label == "kube:in-cluster"


@pytest.mark.parametrize(("url", "shown"), [
    ("https://user:pw@cp.example:5682/api/?token=abc#frag", "https://cp.example:5682/api/"),
    ("http://[::1]:5681", "http://[::1]:5681"),
    ("http://h:notaport/x", "http://h/x"),
    ("https://cp.example", "https://cp.example"),
])
def test_display_url_drops_credentials_query_and_fragment(url, shown):
    assert display_url(url) == shown


def test_plain_manifest_trims_metadata_and_drops_last_applied():
    """managedFields keep who changed the object and when (the modification time), not the field sets."""
    last_applied = '{"data":{"value":"c2VjcmV0"}}'
    secret = {
        "metadata": {"name": "ca", "namespace": "kuma-system",
                     "managedFields": [{"manager": "kubectl", "operation": "Update", "time": "2026-05-01T10:00:00Z",
                                        "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:value": {}}}}],
                     "resourceVersion": "9", "labels": {"kuma.io/mesh": "default"},
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied,
                                     "team": "payments"}},
        "type": "system.kuma.io/secret", "data": {"value": "c2VjcmV0"}, "immutable": True,
    }
    plain = plain_manifest(secret, "v1", "Secret")
    assert plain == {"apiVersion": "v1", "kind": "Secret",
                     "metadata": {"name": "ca", "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"},
                                  "annotations": {"team": "payments"},
                                  "managedFields": [{"manager": "kubectl", "operation": "Update",
                                                     "time": "2026-05-01T10:00:00Z"}]},
                     "type": "system.kuma.io/secret", "data": {"value": "c2VjcmV0"}}
    assert plain_manifest("garbage", "v1", "Secret") == "garbage"
    assert plain_manifest({"apiVersion": "kuma.io/v1alpha1", "kind": "Mesh", "metadata": None}, "x", "y") == {
        "apiVersion": "kuma.io/v1alpha1", "kind": "Mesh", "metadata": None}


def test_last_applied_annotation_never_reaches_a_resource(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    for obj in api.objects["secrets"] + api.objects["meshexternalservices"]:
        obj["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = "X" * 50
    result = fetch(KubeSpec(kubeconfig=str(write_kubeconfig(tmp_path / "kc", server.url)), timeout=FAST), now=NOW)
    assert result.load.resources
    assert all("kubectl.kubernetes.io/last-applied-configuration" not in r.annotations for r in result.load.resources)
    assert "XXXXXXXXXX" not in repr([r.raw for r in result.load.resources])


def test_referenced_secret_names_both_shapes_and_garbage():
    services = [
        {"spec": {"tls": {"verification": {"caCert": {"secret": "ca"}, "clientCert": {"secret": ""},
                                           "clientKey": {"type": "Secret", "secretRef": {"kind": "Secret",
                                                                                       "name": "key"}}}}}},
        {"spec": {"tls": {"enabled": False, "verification": {"caCert": {"secret": "off-but-listed"}}}}},
        {"spec": {"tls": {"verification": {"caCert": "not-a-map", "clientCert": {"secret": 7}}}}},
        {"spec": {"tls": "nope"}}, {"spec": None}, "garbage", None, {"spec": {"tls": {"verification": []}}},
    ]
    assert referenced_secret_names(services) == ["ca", "key", "off-but-listed"]


@pytest.mark.parametrize(("name", "ok"), [("kuma-cert", True), ("a.b-c", True), ("Bad", False), ("a,b", False),
                                          ("x=y", False), ("-a", False), ("a" * 254, False), ("", False)])
def test_object_names_safe_for_field_selectors(name, ok):
    assert is_object_name(name) is ok


def test_normalise_records_garbage_and_too_deep_objects():
    deep: object = {}
    for _ in range(80):
        deep = {"a": deep}
    limits = Limits()
    collector = Collector("kube:x", limits, NOW)
    collector.add("meshes", ["text", None, 5, deep, {"apiVersion": "kuma.io/v1alpha1", "kind": "Mesh",
                                                     "metadata": {"name": "ok"}}, {"kind": "Mesh"}])
    load = normalise(collector.listings, "kube:x", NOW, limits, "kuma-system")
    assert [r.name for r in load.resources] == ["ok"] and load.resources[0].kind is Kind.MESH
    statuses = [(d.origin.document, d.status) for d in load.documents]
    assert (3, DocumentStatus.FAILED) in statuses and (5, DocumentStatus.FAILED) in statuses
    assert sorted(f.code for f in load.findings) == ["MES002", "MES003"]
    assert all(f.origin.source == "kube:x" and f.origin.file == "meshes" for f in load.findings)


def test_object_count_limit_is_an_error():
    collector = Collector("kube:x", Limits(max_documents=3), NOW)
    collector.add("a", [1, 2])
    with pytest.raises(LiveSourceError, match="more than 3 objects"):
        collector.add("b", [3, 4])


def test_errors_are_one_line_and_capped():
    error = LiveSourceError("kube:prod", "first line\nsecond\tline   " + "x" * 1000)
    assert "\n" not in str(error) and str(error).startswith("kube:prod: first line second line")
    assert len(error.reason) <= 400 and error.reason.endswith("…")
    assert one_line("  a \r\n b  ") == "a b"


def test_a_token_that_cannot_be_sent_is_not_echoed(kuma):
    api, server = kuma
    fill_kuma(api)
    for bad in (TOKEN + "\nX-Injected: 1", "ünïcode-" + TOKEN):
        with pytest.raises(LiveSourceError) as caught:
            fetch(KumaApiSpec(server.url, token=bad, timeout=FAST), now=NOW)
        assert "holds characters a header cannot carry" in str(caught.value)
        assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert not server.requests  # nothing was sent


@pytest.mark.parametrize("spec", [
    KumaApiSpec(None),  # type: ignore[arg-type]
    KumaApiSpec("http://127.0.0.1:9", timeout="soon"),  # type: ignore[arg-type]
    KumaApiSpec("http://127.0.0.1:9", timeout=-1),
    UrlSpec("http://127.0.0.1:9", timeout=float("nan")),
    KubeSpec(context=["a"]),  # type: ignore[arg-type]
    UrlSpec(["http://x"]),  # type: ignore[arg-type]
    UrlSpec("http://127.0.0.1:9", max_redirects="many"),  # type: ignore[arg-type]
    KubeSpec(kubeconfig=123),  # type: ignore[arg-type]
    "not a spec",
    None,
])
def test_wrong_types_in_a_spec_give_a_live_source_error(spec):
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec, now=NOW)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


def test_rbac_docs_are_read_only_and_cover_what_the_reader_lists():
    from pathlib import Path

    import yaml

    from core.live.kube import OPTIONAL_KINDS

    root = Path(__file__).resolve().parents[3] / "docs" / "rbac"
    rules = []
    for path in sorted(root.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc["kind"] in ("ClusterRole", "Role"):
                rules.extend((doc["kind"], doc["metadata"].get("namespace"), rule) for rule in doc["rules"])
    assert rules and all(set(rule["verbs"]) <= {"get", "list"} for _, _, rule in rules)
    kuma = {r for _, _, rule in rules if rule["apiGroups"] == ["kuma.io"] for r in rule["resources"]}
    assert kuma == {"meshexternalservices", "meshes", *(plural for plural, _ in OPTIONAL_KINDS)}
    secrets = {(kind, ns) for kind, ns, rule in rules if rule["resources"] == ["secrets"]}
    assert secrets == {("Role", "kuma-system"), ("ClusterRole", None)}


def test_the_system_namespace_of_the_analysis_is_where_secrets_are_listed(kube, tmp_path):
    api, server = kube
    fill_kube(api)
    for secret in api.objects["secrets"]:
        secret["metadata"]["namespace"] = "kong-mesh-system"
    config = str(write_kubeconfig(tmp_path / "kc", server.url))
    result = fetch(KubeSpec(kubeconfig=config, timeout=FAST), now=NOW, system_namespace="kong-mesh-system")
    assert result.counts["Secret"] == 2
    assert {r.namespace for r in result.load.resources if r.kind is Kind.SECRET} == {"kong-mesh-system"}
    assert not [d for d in result.load.documents if d.status is not DocumentStatus.LOADED]  # no noise
    path = "/api/v1/namespaces/kong-mesh-system/secrets"
    listed = {r.param("fieldSelector") for r in server.requests if r.path == path}
    assert listed == {"type=system.kuma.io/secret", "type=system.kuma.io/global-secret"}
