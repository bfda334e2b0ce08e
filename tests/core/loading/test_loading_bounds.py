"""The loader's memory bounds: nodes per document, alias text, repeated keys, names, streamed archives, findings
per code (MES003, MES007, MES010); each ends one document or file and keeps the rest."""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib

import pytest
import yaml

from core.analysis import analyse
from core.finding_cap import FindingCap, cap_findings
from core.loading import load
from core.loading.archives import _GzipProblem, _Inflated
from core.loading.composer import CountingLoader, Loader, NodeLimitError, could_exceed
from core.model import Kind
from core.options import AnalysisOptions, Limits
from core.report.json_report import to_json, write_json
from core.sources import Source
from tests.factories import NOW

from .helpers import FORMS, codes, load_bytes

MES = (FORMS / "k8s-mes.yaml").read_bytes()
SMALL = Limits(max_document_nodes=1_000, node_allowance_bytes=10**9)  # 1,000 nodes a document, whatever the size


def mes(name: str, extra: str = "") -> bytes:
    return (f"apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata: {{name: {name}, namespace: ns}}\n"
            f"spec:\n  match: {{port: 443, protocol: tcp}}\n  endpoints: [{{address: {name}.example.com, port: 443}}]\n"
            + extra).encode()


# --- nodes per document ---------------------------------------------------------------------------------


def test_the_node_limit_grows_with_the_file() -> None:
    limits = Limits()
    assert limits.document_nodes(0) == 250_000
    assert limits.document_nodes(24 * 1_000_000) == 1_250_000


@pytest.mark.parametrize("shape", ["flow", "block", "mapping", "json"])
def test_a_document_with_too_many_nodes_is_not_read_and_the_next_one_is(shape: str) -> None:
    body = {
        "flow": "a: [" + ", ".join(["1"] * 2000) + "]\n",
        "block": "a:\n" + "- 1\n" * 2000,
        "mapping": "a: {" + ", ".join(f"k{i}: 1" for i in range(1000)) + "}\n",
        "json": '{"a": [' + ", ".join(["1"] * 2000) + "]}\n",
    }[shape]
    result = load_bytes("n.yaml", mes("before") + b"---\n" + body.encode() + b"---\n" + mes("after"), SMALL)
    assert codes(result) == ["MES003"]
    assert "more than 1,000 YAML nodes" in result.findings[0].message
    assert [r.name for r in result.resources] == ["before", "after"]


def test_documents_within_the_node_limit_load_as_before() -> None:
    body = ("a: [" + ", ".join(["1"] * 400) + "]\n").encode()
    assert load_bytes("n.yaml", body, SMALL).findings == []
    assert load_bytes("n.yaml", body, Limits()).documents == load_bytes("n.yaml", body, SMALL).documents


def test_the_counting_composer_counts_every_node_and_resets_per_document() -> None:
    text = "a: [1, 2, 3]\n---\nb: {c: d}\n"  # 6 nodes, then 5
    loader = CountingLoader(text, 6)
    try:
        assert loader.check_node()
        first = loader.get_node()
        assert loader.check_node()
        second = loader.get_node()
    finally:
        loader.dispose()
    plain = list(yaml.compose_all(text, Loader=Loader))
    assert [first.value[0][0].value, second.value[0][0].value] == [plain[0].value[0][0].value, "b"]
    loader = CountingLoader(text, 5)
    try:
        assert loader.check_node()
        with pytest.raises(NodeLimitError):
            loader.get_node()
    finally:
        loader.dispose()


def test_a_short_text_never_needs_counting() -> None:
    assert not could_exceed("a: [1, 1]", 20) and could_exceed("a: [" + "1," * 20 + "]", 20)
    # 2n + 1 is an upper bound of the nodes of any text of n characters
    for text in ("a", "[a, b]", "{a, b}", "{a: }", "- \n- \n", "a:\n  b: c\n", "? a\n: b\n", "[[[[]]]]"):
        nodes = _count(yaml.compose(text, Loader=yaml.SafeLoader))
        assert nodes <= 2 * len(text) + 1, text


def _count(node: yaml.Node) -> int:
    if isinstance(node, yaml.ScalarNode):
        return 1
    if isinstance(node, yaml.SequenceNode):
        return 1 + sum(_count(child) for child in node.value)
    return 1 + sum(_count(k) + _count(v) for k, v in node.value)


# --- aliases --------------------------------------------------------------------------------------------------


def test_aliases_are_budgeted_in_text_as_well_as_nodes() -> None:
    big = "x" * 2000
    bomb = f"kind: ConfigMap\nbig: &a {big}\nrefs: [{', '.join(['*a'] * 10)}]\n".encode()
    limits = Limits(max_alias_bytes=10_000)
    result = load_bytes("a.yaml", bomb + b"---\n" + mes("after"), limits)
    assert codes(result) == ["MES003"] and "more than 10,000 characters of text" in result.findings[0].message
    assert [r.name for r in result.resources] == ["after"]
    five = f"kind: ConfigMap\nbig: &a {big}\nrefs: [{', '.join(['*a'] * 5)}]\n".encode()
    assert load_bytes("a.yaml", five, limits).findings == []


def test_keys_of_aliased_mappings_count_as_text() -> None:
    keys = ", ".join(f"{'k' * 100}{i}: 1" for i in range(20))  # 2,000+ characters of keys, one-character values
    text = f"kind: ConfigMap\nm: &m {{{keys}}}\nrefs: [*m, *m, *m, *m, *m]\n".encode()
    assert codes(load_bytes("k.yaml", text, Limits(max_alias_bytes=10_000))) == ["MES003"]


# --- repeated keys and the finding cap -------------------------------------------------------------------------


def test_repeated_keys_beyond_the_cap_are_counted_in_one_note() -> None:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flood}\ndata:\n" + "  k: v\n" * 31
    data = ("---\n".join([doc] * 4)).encode()  # 4 x 30 repeats
    result = load_bytes("flood.yaml", data, Limits(max_findings_per_code=10))
    assert codes(result) == ["MES007"] * 10 + ["MES010"]
    note = next(f for f in result.findings if f.code == "MES010")
    assert note.message.startswith("110 more MES007 findings (duplicate mapping key) in flood.yaml not listed")
    assert note.severity.value == "info" and note.origin is not None and note.origin.file == "flood.yaml"


def test_repeated_json_keys_beyond_the_cap_are_counted() -> None:
    data = ('{"kind": "ConfigMap", ' + ", ".join(['"k": 1'] * 30) + ", \t}").encode()  # YAML refuses the tab
    result = load_bytes("flood.json", data, Limits(max_findings_per_code=5))
    assert codes(result) == ["MES001"]  # (a trailing comma: JSON refuses it too)
    data = ('{"kind": "ConfigMap", ' + ", ".join(['"k": 1'] * 30) + "}").encode()
    result = load_bytes("flood.json", data, Limits(max_findings_per_code=5))
    assert codes(result) == ["MES007"] * 5 + ["MES010"]
    assert "24 more MES007 findings" in result.findings[-1].message


def test_findings_of_a_resource_are_capped_per_resource_and_code() -> None:
    endpoints = "".join(f"  - {{address: 'not a host {i}', port: 443}}\n" for i in range(30))
    text = ("apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata: {name: many, namespace: ns}\n"
            "spec:\n  match: {port: 443, protocol: tcp}\n  endpoints:\n" + endpoints).encode()
    other = mes("other", "  # same file\n")
    options = AnalysisOptions(kuma_version="2.14", now=NOW, limits=Limits(max_findings_per_code=7))
    report = analyse([Source("u", "m.yaml", text + b"---\n" + other)], options)
    service = report.service("default", "many")
    assert service is not None
    own = [f.code for f in service.findings]
    assert own.count("MES116") == 7 and own.count("MES010") == 1
    note = next(f for f in service.findings if f.code == "MES010")
    assert note.message.startswith("23 more MES116 findings") and "MeshExternalService ns/many" in note.message
    assert service.status.value == "broken"  # statuses read the kept findings: the same severity
    assert report.service("default", "other") is not None


def test_the_cap_keeps_order_and_never_caps_its_own_notes() -> None:
    from core.catalogue import finding
    from core.model import Origin

    items = [finding("MES001", f"m{i}", origin=Origin("s", "f.yaml")) for i in range(5)]
    items += [finding("MES001", "g", origin=Origin("s", "g.yaml"))]
    kept = cap_findings(items, 2)
    assert [f.message for f in kept[:3]] == ["m0", "m1", "g"] and kept[3].code == "MES010"
    cap = FindingCap(1)
    assert all(cap.admit(finding("MES010", "note")) for _ in range(3))


def test_messages_quoting_huge_values_are_cut() -> None:
    from core.catalogue import MAX_MESSAGE_CHARS, finding

    item = finding("MES001", "x" * (MAX_MESSAGE_CHARS * 3))
    assert len(item.message) < MAX_MESSAGE_CHARS + 60 and "message cut: 12,288 characters" in item.message


# --- names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("where", "path"), [("name", "metadata.name"), ("namespace", "metadata.namespace")])
def test_overlong_identity_skips_the_object(where: str, path: str) -> None:
    long = "a" * 2000
    text = mes("x").replace(b"{name: x, namespace: ns}",
                            (f"{{name: {long if where == 'name' else 'x'}, "
                             f"namespace: {long if where == 'namespace' else 'ns'}}}").encode())
    result = load_bytes("n.yaml", text + b"---\n" + mes("kept"))
    assert codes(result) == ["MES003"] and f"`{path}` has 2,000 characters" in result.findings[0].message
    assert len(result.findings[0].message) < 400  # the name itself is not repeated in full
    assert [r.name for r in result.resources] == ["kept"]


def test_names_up_to_the_limit_reach_the_validators() -> None:
    result = load_bytes("n.yaml", mes("a" * 300))
    assert result.findings == [] and result.resources[0].kind is Kind.MESH_EXTERNAL_SERVICE


# --- empty documents, JSON streams ---------------------------------------------------------------------------


def test_many_small_json_values_keep_their_lines() -> None:
    data = b'{}\n[]\n{"type": "Mesh", "name": "m1"}\n' * 3
    result = load_bytes("j.json", data)
    assert [(r.name, r.origin.line) for r in result.resources] == [("m1", 3), ("m1", 6), ("m1", 9)]
    assert codes(result) == ["MES006", "MES006"]


# --- archives -----------------------------------------------------------------------------------------------


def _gz(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def test_the_inflater_reads_every_member_of_a_multi_member_gzip_stream() -> None:
    data = b"".join(_gz(bytes([i]) * 100_000) for i in range(5))
    stream = _Inflated(data, 10**9)
    read = b""
    while chunk := stream.read(7777):
        read += chunk
    assert read == gzip.decompress(data)


@pytest.mark.parametrize(("data", "code", "phrase"), [
    (_gz(b"x" * 100_000), "MES003", "expands to more than 50000 bytes"),
    (_gz(b"x" * 1000)[:-12], "MES005", "truncated"),
    (b"\x1f\x8b\x08\x00" + b"\xff" * 40, "MES005", "broken"),
])
def test_the_inflater_stops_at_its_cap_and_on_broken_streams(data: bytes, code: str, phrase: str) -> None:
    stream = _Inflated(data, 50_000)
    with pytest.raises(_GzipProblem) as caught:
        while stream.read(4096):
            pass
    assert caught.value.code == code and phrase in caught.value.reason


def test_a_streamed_tar_gz_keeps_the_members_before_the_cut() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in (("a.yaml", MES), ("b.yaml", b"# " + b"0" * 5_000_000), ("c.yaml", mes("late"))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    result = load([Source("t", "x.tgz", buf.getvalue())], Limits(max_archive_ratio=50))
    assert [r.name for r in result.resources] == ["httpbin"]
    assert codes(result) == ["MES003"] and result.findings[0].origin.file == "x.tgz!b.yaml"


# --- the JSON report, written in pieces ------------------------------------------------------------------------


def test_the_json_report_written_in_pieces_is_the_same_text() -> None:
    sources = [Source("u", "a.yaml", MES), Source("u", "b.yaml", mes("other") + b"---\n" + mes("third"))]
    report = analyse(sources, AnalysisOptions(now=NOW))
    pieces: list[str] = []
    write_json(report, pieces.append)
    assert "".join(pieces) == to_json(report) + "\n" and len(pieces) > 10
