"""Private-key material outside a Secret's payload and the inline TLS fields is replaced by its marker as the
manifest is read (`core.loading.scrub`), whatever field or shape holds it, on every reading path (the simple
reader, libyaml, JSON with and without line numbers, live objects); MES020 says where. The payloads stay for the
analysis. Values are never quoted in a tag error. Keys are generated at test time."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

import pytest
import yaml

from core import pki
from core.live.result import Listing, normalise
from core.loading import stream
from core.loading.simple import read_simple
from core.model import Kind, LoadResult, Resource, redaction_marker
from core.options import Limits
from tests.core.hardening.outputs import key_fragments
from tests.core.loading.helpers import load_bytes
from tests.factories import NOW


class Material:
    def __init__(self) -> None:
        ca = pki.make_ca("Scrub Test CA", NOW)
        self.ec = pki.make_client(ca, "scrub-ec", NOW)
        self.rsa = pki.make_client(ca, "scrub-rsa", NOW, key_type="rsa")
        self.pem = self.ec.key_pem().decode()  # PKCS#8 PEM text
        self.pem_b64 = base64.b64encode(self.ec.key_pem()).decode()  # as a Secret holds it
        self.der_b64 = base64.b64encode(self.rsa.key_der()).decode()  # DER, no PEM label at all
        self.encrypted = self.rsa.key_pem(password=b"pw").decode()
        self.cert_b64 = base64.b64encode(self.ec.cert_pem).decode()  # not a secret: kept

    def fragments(self) -> list[str]:
        return key_fragments(self.ec.key_pem(), self.ec.key_der()) + key_fragments(self.rsa.key_pem(),
                                                                                   self.rsa.key_der())


@cache
def material() -> Material:
    return Material()


def leaks(value: Any) -> list[str]:
    text = repr(value)
    found = [f[:12] for f in material().fragments() if f in text]
    return found + (["PEM label"] if "PRIVATE KEY" in text else [])


def mes(name: str = "zz-mes") -> dict[str, Any]:
    return {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
            "metadata": {"name": name, "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"}},
            "spec": {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
                     "endpoints": [{"address": "a.example.com", "port": 443}],
                     "tls": {"enabled": True, "verification": {"mode": "SkipCA"}}}}


def secret(name: str, value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "system.kuma.io/secret",
            "metadata": {"name": name, "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"}},
            "data": {"value": value}}


def everything(result: LoadResult) -> list[Any]:
    """What later stages can read of the loaded resources, the payloads aside."""
    out: list[Any] = [[(f.code, f.path, f.message, f.hint, f.fix) for f in result.findings],
                      [(d.kind, d.name, d.reason) for d in result.documents]]
    for r in result.resources:
        raw = dict(r.raw)
        if r.kind in (Kind.SECRET, Kind.GLOBAL_SECRET):
            raw.pop("data", None)
            raw.pop("stringData", None)
        out += [r.name, r.mesh, r.labels, r.annotations, r.spec if r.kind is not Kind.SECRET else {}, raw,
                list(r.field_lines), r.redacted_manifest()]
    return out


def placements() -> dict[str, tuple[dict[str, Any], str]]:
    """Where a key is pasted -> (the document, the MES020 path)."""
    m = material()
    out: dict[str, tuple[dict[str, Any], str]] = {}

    def add(label: str, path: str, change: Any) -> None:
        doc = mes()
        change(doc)
        out[label] = (doc, path)

    add("annotation", 'metadata.annotations["team/key"]',
        lambda d: d["metadata"].__setitem__("annotations", {"team/key": m.pem}))
    add("label", 'metadata.labels["team/key"]', lambda d: d["metadata"]["labels"].__setitem__("team/key", m.der_b64))
    add("annotation key", f'metadata.annotations["{redaction_marker(m.pem_b64)}"]',
        lambda d: d["metadata"].__setitem__("annotations", {m.pem_b64: "x"}))
    add("misspelt field", "spec.tls.verificaton.clientKey",
        lambda d: d["spec"]["tls"].__setitem__("verificaton", {"clientKey": m.encrypted}))
    add("unknown top-level field", "notes", lambda d: d.__setitem__("notes", m.pem))
    add("extension.config", "spec.extension.config.credentials.key",
        lambda d: d["spec"].__setitem__("extension", {"type": "Lambda", "config": {"credentials": {"key": m.pem}}}))
    add("list item", "spec.extension.config.keys[1]",
        lambda d: d["spec"].__setitem__("extension", {"type": "Lambda", "config": {"keys": ["a", m.der_b64]}}))
    add("insecureInline as a string", "spec.tls.verification.clientKey.insecureInline",
        lambda d: d["spec"]["tls"]["verification"].__setitem__(
            "clientKey", {"type": "InsecureInline", "insecureInline": m.pem}))
    add("secret reference name", "spec.tls.verification.clientKey.secret",
        lambda d: d["spec"]["tls"]["verification"].__setitem__("clientKey", {"secret": m.pem_b64}))
    add("3.0 secretRef name", "spec.tls.verification.clientKey.secretRef.name",
        lambda d: d["spec"]["tls"]["verification"].__setitem__(
            "clientKey", {"type": "Secret", "secretRef": {"kind": "Secret", "name": m.der_b64}}))
    add("resource name", "metadata.name", lambda d: d["metadata"].__setitem__("name", m.pem))
    add("mesh name", 'metadata.labels["kuma.io/mesh"]', lambda d: d["metadata"]["labels"].__setitem__(
        "kuma.io/mesh", m.der_b64))
    add("SAN value", "spec.tls.verification.subjectAltNames[0].value",
        lambda d: d["spec"]["tls"]["verification"].__setitem__("subjectAltNames", [{"type": "Exact",
                                                                                     "value": m.pem}]))
    add("inline under metadata", 'metadata.annotations["inline"]',
        lambda d: d["metadata"].__setitem__("annotations", {"inline": m.pem}))
    return out


def as_block_yaml(doc: dict[str, Any]) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, width=1000).encode()


READERS = {
    "yaml": as_block_yaml,
    "json": lambda doc: json.dumps(doc, indent=2).encode(),
    "json in a list": lambda doc: json.dumps({"apiVersion": "v1", "kind": "List", "items": [doc]}).encode(),
    "yaml list": lambda doc: as_block_yaml({"apiVersion": "v1", "kind": "List", "items": [doc]}),
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("where", list(placements()))
def test_key_material_is_replaced_wherever_it_is_pasted(where: str, reader: str) -> None:
    doc, path = placements()[where]
    result = load_bytes("keys.yaml", READERS[reader](doc))
    assert len(result.resources) == 1, [f.message for f in result.findings]
    assert not leaks(everything(result)), where
    (warning,) = [f for f in result.findings if f.code == "MES020"]
    assert warning.path == path and warning.resource == result.resources[0].ref
    assert warning.origin is not None and warning.origin.line is not None
    assert "<redacted:" in repr(result.resources[0].raw)


def test_the_marker_describes_the_pasted_string_once() -> None:
    doc, _ = placements()["annotation"]
    (resource,) = load_bytes("k.yaml", as_block_yaml(doc)).resources
    expected = redaction_marker(material().pem)
    assert resource.annotations["team/key"] == expected
    assert resource.redacted().redacted_manifest()["metadata"]["annotations"]["team/key"] == expected


def test_payloads_stay_for_the_analysis_and_certificates_are_kept() -> None:
    m = material()
    inline = mes("zz-inline")
    inline["spec"]["tls"]["verification"]["clientKey"] = {"inlineString": m.pem}
    inline["spec"]["tls"]["verification"]["caCert"] = {"inline": m.cert_b64}
    insecure = mes("zz-insecure")
    insecure["spec"]["tls"]["verification"]["clientKey"] = {"type": "InsecureInline",
                                                            "insecureInline": {"value": m.encrypted}}
    universal = {"type": "Secret", "name": "u-key", "mesh": "default", "data": m.pem_b64}
    noted = mes("zz-cert-note")
    noted["metadata"]["annotations"] = {"ca": m.cert_b64}
    docs = [inline, insecure, secret("k-key", m.pem_b64), universal, noted]
    result = load_bytes("payloads.yaml", yaml.safe_dump_all(docs).encode())
    assert [f for f in result.findings if f.code == "MES020"] == []
    by = {r.name: r for r in result.resources}
    assert by["zz-inline"].spec["tls"]["verification"]["clientKey"]["inlineString"] == m.pem
    assert by["zz-insecure"].spec["tls"]["verification"]["clientKey"]["insecureInline"]["value"] == m.encrypted
    assert by["k-key"].payload is not None and by["k-key"].payload.data == {"value": m.pem_b64}
    assert by["u-key"].payload is not None and by["u-key"].payload.data == m.pem_b64
    assert by["zz-cert-note"].annotations == {"ca": m.cert_b64}  # a certificate is no secret
    for r in result.resources:
        assert not leaks([r.redacted_manifest(), r.redacted().raw, r.redacted().spec]), r.name


def test_a_secret_with_a_key_in_its_data_is_still_read_by_the_simple_reader() -> None:
    m = material()
    text = as_block_yaml(secret("k-key", m.pem_b64)).decode()
    lines = text.split("\n")
    keys = stream.KeyLines(text, 0)
    assert keys.lines  # the base64 of the PEM label is seen...
    parsed = read_simple(lines, 0, len(lines), 0, 64, keys.within(0, len(lines)))
    assert parsed is not None and parsed.keys_at == ()  # ...and it is the payload: nothing to replace
    annotated = secret("k-key", m.pem_b64)
    annotated["metadata"]["annotations"] = {"note": m.der_b64}
    text = as_block_yaml(annotated).decode()
    lines = text.split("\n")
    assert read_simple(lines, 0, len(lines), 0, 64, stream.KeyLines(text, 0).within(0, len(lines))) is None
    (loaded,) = load_bytes("s.yaml", text.encode()).resources  # the libyaml path replaces the annotation only
    assert loaded.annotations["note"] == redaction_marker(m.der_b64)
    assert loaded.payload is not None and loaded.payload.data == {"value": m.pem_b64}


def test_aliases_and_merges_cannot_carry_a_payload_elsewhere() -> None:
    m = material()
    text = f"""\
apiVersion: v1
kind: Secret
type: system.kuma.io/secret
data: &data
  value: &payload {m.pem_b64}
metadata:
  name: zz-aliased
  namespace: kuma-system
  labels: {{kuma.io/mesh: default}}
  annotations:
    copy: *payload
    <<: *data
extra:
  all: *data
  items: [*payload]
"""
    result = load_bytes("alias.yaml", text.encode())
    (loaded,) = result.resources
    assert loaded.payload is not None and loaded.payload.data == {"value": m.pem_b64}
    assert not leaks(everything(result))
    (warning,) = [f for f in result.findings if f.code == "MES020"]
    assert "4 fields" in warning.message, warning.message


def test_live_objects_are_replaced_by_the_normaliser() -> None:
    m = material()
    doc, _ = placements()["annotation"]
    api = secret("live-key", m.pem_b64)
    api["metadata"]["annotations"] = {"n": m.encrypted}
    load = normalise([Listing("kube:test", [doc, api])], "kube:test", NOW, Limits(), "kuma-system")
    assert len(load.resources) == 2
    assert not leaks(everything(load))
    assert sorted(f.path for f in load.findings if f.code == "MES020") == [
        'metadata.annotations["n"]', 'metadata.annotations["team/key"]']
    secret_resource: Resource = next(r for r in load.resources if r.kind is Kind.SECRET)
    assert secret_resource.payload is not None and secret_resource.payload.data == {"value": m.pem_b64}


@pytest.mark.parametrize("tag", ["!!int", "!!float", "!!bool", "!!null", "!!timestamp"])
def test_a_tagged_secret_value_is_never_quoted(tag: str) -> None:
    m = material()
    text = (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: zz-tagged, namespace: kuma-system}}\n"
            f"data:\n  value: {tag} {m.pem_b64}\n")
    result = load_bytes("tagged.yaml", text.encode())
    assert not leaks(everything(result))
    shown = repr([(f.message, f.path) for f in result.findings]) + repr(result.documents)
    for size in (8, 12, 20):  # not even the start of the value (the start of every PEM's base64 is the same)
        assert m.pem_b64[:size] not in shown and m.pem_b64[-size - 2:-2] not in shown
    if tag in ("!!int", "!!float"):  # (`!!bool` and `!!null` read any text)
        (problem,) = [f for f in result.findings if f.code == "MES001"]
        assert problem.path == "data.value" and f"`{tag}`" in problem.message


def test_a_huge_tagged_number_is_not_quoted_either() -> None:
    digits = "7" * 5000
    text = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: n}}\ndata:\n  v: {digits}\n"
    result = load_bytes("n.yaml", text.encode())
    (problem,) = [f for f in result.findings if f.code == "MES003"]
    assert "7777777" not in problem.message and "5000 characters" in problem.message
