"""Limits across sources, the inventory, and robustness against arbitrary bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.loading import load
from core.model import DocumentStatus
from core.options import Limits
from core.sources import Source
from tests.factories import NOW

from .helpers import FORMS, codes, load_bytes

MES = (FORMS / "universal-mes.yaml").read_bytes()


def named(i: int) -> bytes:
    return MES.replace(b"name: httpbin", f"name: svc-{i}".encode())


def test_total_bytes_limit_skips_the_files_that_do_not_fit_and_reads_the_others() -> None:
    sources = [Source("dir", f"f{i}.yaml", named(i)) for i in range(4)]
    tiny = b"type: Mesh\nname: m\n"
    result = load([*sources, Source("dir", "tiny.yaml", tiny)], Limits(max_total_bytes=len(MES) * 2 + len(tiny)))
    assert codes(result) == ["MES003", "MES003"]
    assert [r.name for r in result.resources] == ["svc-0", "svc-1", "m"]  # the small file after them still fits
    failed = [d.origin.file for d in result.documents if d.status is DocumentStatus.FAILED]
    assert failed == ["f2.yaml", "f3.yaml"]
    assert "f2.yaml is not read" in result.findings[0].message and "in total" in result.findings[0].message


def test_oversized_file_is_not_parsed_but_the_others_are() -> None:
    sources = [Source("d", "big.yaml", named(0) + b"#" * 5000), Source("d", "small.yaml", named(1))]
    result = load(sources, Limits(max_file_bytes=4000))
    assert codes(result) == ["MES003"] and result.findings[0].origin.file == "big.yaml"
    assert [r.name for r in result.resources] == ["svc-1"]


def test_document_limit_ends_that_file_only_and_keeps_what_was_read() -> None:
    sources = [Source("d", f"f{i}.yaml", b"---\n".join(named(i * 10 + j) for j in range(3))) for i in range(2)]
    result = load(sources, Limits(max_documents=2))
    assert codes(result) == ["MES003", "MES003"]
    assert [r.name for r in result.resources] == ["svc-0", "svc-1", "svc-10", "svc-11"]
    assert [f.origin.file for f in result.findings] == ["f0.yaml", "f1.yaml"]
    assert "more than 2 documents" in result.findings[0].message


def test_empty_documents_neither_count_nor_stop_the_file() -> None:
    empties = b"---\n{}\n---\n[]\n---\n~\n---\n" * 5
    data = empties + named(1) + b"---\n" + empties + named(2)
    result = load([Source("d", "e.yaml", data), Source("d", "f.json", b"{}\n[]\n" * 10)], Limits(max_documents=2))
    assert codes(result) == []
    assert [r.name for r in result.resources] == ["svc-1", "svc-2"]
    assert [(d.origin.file, d.status, d.reason) for d in result.documents] == [
        ("e.yaml", DocumentStatus.LOADED, ""), ("e.yaml", DocumentStatus.LOADED, ""),
        ("f.json", DocumentStatus.IGNORED, "empty file (no documents)")]


def test_parse_time_limit_ends_that_file_only() -> None:
    sources = [Source("d", "a.yaml", b"---\n".join(named(j) for j in range(3))), Source("d", "b.yaml", named(9))]
    result = load(sources, Limits(max_parse_seconds=0))
    assert codes(result) == ["MES003"] and "longer than" in result.findings[0].message
    assert result.findings[0].origin.file == "a.yaml"
    assert [r.name for r in result.resources] == ["svc-0", "svc-9"]  # b.yaml's only document ends in time


def test_origin_carries_source_label_and_fetch_time() -> None:
    result = load([Source("kube:prod", "meshexternalservices", named(1), fetched_at=NOW)], Limits())
    origin = result.resources[0].origin
    assert (origin.source, origin.file, origin.fetched_at, origin.document) == (
        "kube:prod", "meshexternalservices", NOW, 0)


def test_no_sources_is_an_empty_result() -> None:
    result = load([], Limits())
    assert (result.resources, result.documents, result.findings) == ([], [], [])


def test_a_secret_payload_never_reaches_a_finding_or_record() -> None:
    secret = b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels: [x]\ndata:\n  value: c2VjcmV0LWJ5dGVz\n"
    dup = (b"apiVersion: v1\nkind: Secret\nmetadata: {name: t}\n"
           b"data: {value: c2VjcmV0LWJ5dGVz, value: c2VjcmV0LWJ5dGVz}\n")
    result = load_bytes("s.yaml", secret + b"---\n" + dup)
    text = repr(result.findings) + repr(result.documents) + repr(result.resources)
    assert "c2VjcmV0LWJ5dGVz" not in text and "secret-bytes" not in text
    assert codes(result) == ["MES002", "MES007"]


yamlish = st.lists(st.sampled_from([
    "---\n", "apiVersion: kuma.io/v1alpha1\n", "kind: MeshExternalService\n", "kind: List\n", "items:\n", "- ",
    "metadata:\n", "  name: a\n", "spec:\n", "  match: {port: 80\n", "  ", "\t", "[", "]", "{", "}", "&a ", "*a ",
    "!!python/object:x ", "!t ", "<<: ", '"', "'", "\x00", "é", "\r\n", "type: Secret\n", "data: [1]\n", "name: 5\n",
    '{"type": "Mesh", "name": "m", ', "}\n", "labels: {a: [1]}\n", "? ", ": ", "...\n", "#", "\n",
]), max_size=40).map("".join)


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yamlish)
def test_yaml_like_text_never_raises(text: str) -> None:
    result = load_bytes("fuzz.yaml", text.encode("utf-8"), Limits(max_alias_nodes=50, max_depth=20))
    for document in result.documents:
        assert document.origin.file == "fuzz.yaml"
    for finding in result.findings:
        assert finding.code.startswith("MES0") and finding.message


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["x.yaml", "x.json", "x.zip", "x.tgz", "x.tar"]))
def test_arbitrary_bytes_never_raise(data: bytes, name: str) -> None:
    result = load_bytes(name, data)
    assert all(f.code.startswith("MES00") for f in result.findings)


def test_broken_documents_count_towards_the_document_limit() -> None:
    data = b"---\na: [\n" * 5 + b"---\n" + named(1)
    result = load([Source("d", "b.yaml", data), Source("d", "c.yaml", named(2))], Limits(max_documents=3))
    assert codes(result) == ["MES001", "MES001", "MES001", "MES003"]
    assert [r.name for r in result.resources] == ["svc-2"]
