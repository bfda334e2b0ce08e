"""Property-based: arbitrary YAML-shaped documents, raw text mutations and mutated valid manifests never make
the analysis raise, and always give a well-formed report (the JSON valid against its schema, every other
format rendered). Deterministic (derandomize) and small, so the suite stays fast."""

from __future__ import annotations

import copy
import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.sources import Source

from .corpus import HOSTILE, baseline_source, render_bytes, run
from .outputs import render_all

# MES_DOCTOR_FUZZ_EXAMPLES raises the count for a longer local exploration; the suite uses the default
SETTINGS = settings(max_examples=int(os.environ.get("MES_DOCTOR_FUZZ_EXAMPLES", "60")), derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FIELDS = ["apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "mesh", "type", "spec",
          "match", "port", "protocol", "endpoints", "address", "priority", "tls", "enabled", "version", "min",
          "max", "verification", "mode", "serverName", "subjectAltNames", "value", "caCert", "clientCert",
          "clientKey", "secret", "inline", "inlineString", "secretRef", "insecureInline", "extension", "config",
          "data", "stringData", "items", "kuma.io/mesh", "mtls", "backends", "enabledBackend"]
WORDS = ["MeshExternalService", "Secret", "Mesh", "kuma.io/v1alpha1", "v1", "List", "default", "kuma-system",
         "HostnameGenerator", "tcp", "http", "grpc", "Secured", "SkipAll", "TLS12", "TLS13", "Exact", "Prefix",
         "InsecureInline", "system.kuma.io/secret", "aGVsbG8=", "-----BEGIN CERTIFICATE-----", "<script>", "[x](y)"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS), st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=8))
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)
kinds = st.sampled_from(["MeshExternalService", "Secret", "Mesh", "ZoneEgress", "List", "HostnameGenerator"])


def _dump(docs: list[Any]) -> bytes:
    return yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


def _check(*sources: Source) -> None:
    report = run(list(sources))
    render_all(report)


@st.composite
def kuma_shaped(draw: st.DrawFn) -> dict[str, Any]:
    """A document that looks enough like a Kuma object to reach the validators."""
    kind = draw(kinds)
    if draw(st.booleans()):
        doc: dict[str, Any] = {"apiVersion": draw(st.sampled_from(["kuma.io/v1alpha1", "v1", 5])), "kind": kind,
                               "metadata": draw(st.one_of(trees, st.fixed_dictionaries(
                                   {"name": st.sampled_from(["x", "y-1", ""]), "namespace": trees,
                                    "labels": trees})))}
    else:
        doc = {"type": kind, "name": draw(st.one_of(st.sampled_from(["u", "v"]), trees)), "mesh": draw(trees)}
    doc["spec"] = draw(trees)
    if kind == "Secret":
        doc["data"] = draw(trees)
    if kind == "List":
        doc["items"] = draw(st.lists(trees, max_size=3))
    return doc


@SETTINGS
@given(st.lists(st.one_of(trees, kuma_shaped()), min_size=1, max_size=4))
def test_arbitrary_yaml_shaped_documents(docs: list[Any]) -> None:
    _check(baseline_source(), Source("fuzz", "fuzz.yaml", _dump(docs)))


@SETTINGS
@given(st.lists(kuma_shaped(), min_size=1, max_size=3), st.data())
def test_raw_text_mutations(docs: list[Any], data: st.DataObject) -> None:
    text = _dump(docs).decode("utf-8", "surrogatepass")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(["{", "}", "[", "]", ":", "- ", "\t", "\n", "'", '"', "&a ", "*a", "!!x ",
                                           "---\n", "\x00", "\x1b[31m", "é", "  ", "#", "? ", "<<: *a\n"]))
        if op == "insert":
            text = text[:at] + piece + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + len(piece):]
        else:
            text = text[:at] + piece + text[at + 1:]
    _check(Source("fuzz", "mutated.yaml", text.encode("utf-8", "surrogatepass")), baseline_source())


def _baseline_docs() -> list[Any]:
    return list(yaml.safe_load_all(render_bytes((HOSTILE / "baseline.yaml").read_bytes())))


BASELINE_DOCS = _baseline_docs()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@SETTINGS
@given(st.data())
def test_mutated_valid_manifests(data: st.DataObject) -> None:
    docs = copy.deepcopy(BASELINE_DOCS)
    for _ in range(data.draw(st.integers(1, 5))):
        index = data.draw(st.integers(0, len(docs) - 1))
        paths = [p for p in _paths(docs[index]) if p]
        if not paths:  # everything of this document was dropped already
            continue
        path = data.draw(st.sampled_from(paths))
        parent = _parent(docs[index], path)
        op = data.draw(st.sampled_from(["drop", "retype", "garbage"]))
        if op == "drop":
            del parent[path[-1]]
        elif op == "retype":
            parent[path[-1]] = data.draw(st.sampled_from(["text", 7, -1, 2**64, 1.5, True, None, [], {}, [None],
                                                          {"a": [1]}]))
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["zz", "spec", "match", "\x00", "<b>"]))] = data.draw(trees)
        else:
            parent.insert(path[-1], data.draw(trees))
    _check(Source("fuzz", "mutated-baseline.yaml", _dump(docs)))
