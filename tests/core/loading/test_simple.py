"""The simple-document reader gives exactly what the libyaml path gives, or declines.

Differential: every text is read by the stream reader (simple documents by `read_simple`, the
rest by libyaml) and by the libyaml path alone; objects (with their types), document numbers,
lines, field lines, duplicate keys, redaction scope and problems must be identical.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.loading import load, simple, stream
from core.loading.stream import Counter, Problem
from core.loading.tree import Parsed
from core.model import Redaction
from core.options import Limits
from core.sources import Source

LIMITS = Limits()
DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"


def _typed(value: Any) -> Any:
    """`value` with every scalar's type made part of it (True and 1 compare equal otherwise)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _snapshot(item: Parsed | Problem) -> Any:
    if isinstance(item, Problem):
        return ("problem", item)
    return ("parsed", _typed(item.obj), item.line, item.document, list((item.lines or {}).items()), item.dups,
            None if item.items is None else [_snapshot(i) for i in item.items], item.redaction)


def _both(text: str, limits: Limits = LIMITS) -> tuple[list[Any], list[Any]]:
    mixed = [_snapshot(i) for i in stream.parse_stream(text, 0, limits, Counter())]
    plain = [_snapshot(i) for i in stream._parse_yaml(text, 0, limits, Counter())]
    return mixed, plain


def _simple_count(text: str) -> int:
    """How many documents of `text` the simple reader accepts."""
    lines = text.split("\n")
    markers = stream._marker_lines(text, lines)
    if markers is None:
        return 0
    bounds = [0, *markers, len(lines)] if not markers or markers[0] else [*markers, len(lines)]
    count = 0
    for start, end in itertools.pairwise(bounds):
        content = start + 1 if start in markers else start
        count += simple.read_simple(lines, content, end, 0, LIMITS.max_depth) is not None
    return count


# --- hand-picked cases ----------------------------------------------------------------------------

UNIVERSAL_SECRET = "type: Secret\nname: ca-1\nmesh: payments\ndata: TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0\n"
KUBERNETES_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ca-1\n  namespace: kuma-system\n  labels:\n"
    "    kuma.io/mesh: payments\n  creationTimestamp: null\ntype: system.kuma.io/secret\ndata:\n  value: QUJD\n"
)

CASES = {
    "universal secret": UNIVERSAL_SECRET,
    "kubernetes secret": KUBERNETES_SECRET,
    "several documents": f"---\n{UNIVERSAL_SECRET}---\n{KUBERNETES_SECRET}",
    "leading comment and blank lines": f"# exported\n\n---\n# a secret\n\n{UNIVERSAL_SECRET}\n# end\n",
    "implicit first document": f"{UNIVERSAL_SECRET}---\n{KUBERNETES_SECRET}",
    "mixed with a sequence document": f"---\n{UNIVERSAL_SECRET}---\nitems:\n- a\n- b\n---\n{KUBERNETES_SECRET}",
    "trailing marker": f"{UNIVERSAL_SECRET}---\n",
    "empty documents": f"---\n---\n{UNIVERSAL_SECRET}---\n\n---\n",
    "quoted values": "a: 'x y'\nb: \"it's\"\nc: ''\nd: \"\"\n",
    "resolved scalars": "a: 1\nb: true\nc: ~\nd: 2001-12-14\ne: 0x1F\nf: 'true'\ng: yes\nh: Off\ni: 0o17\nj: 017\n",
    "float and value tags decline": "a: 1.5\nb: =\n",
    "key resolving to a non-string": "true: 1\n",
    "duplicate key": "a: 1\na: 2\n",
    "null value then mapping": "a:\nb:\n  c: d\n  e:\nf: g\n",
    "bad indentation": "a:\n    b: 1\n  c: 2\n",
    "indented root": "  a: 1\n  b: 2\n",
    "tab": "a:\n\tb: 1\n",
    "trailing comment": "a: b # note\n",
    "plain value with spaces": "a: b c\n",
    "multi-line plain": "a: b\n  c\n",
    "anchor": "a: &x b\nc: *x\n",
    "tag": "a: !!str 1\n",
    "marker with content": "--- a: b\n",
    "document end": "a: b\n...\n",
    "directive": "%YAML 1.1\n---\na: b\n",
    "carriage returns": "a: b\r\nc: d\r\n",
    "mes kind keeps every line": "kind: MeshExternalService\nmetadata:\n  name: x\n  labels:\n    kuma.io/mesh: m\n"
                                 "spec:\n  match:\n    port: 443\n    protocol: tcp\n",
    "deep lines of other kinds are dropped": "kind: Secret\nmetadata:\n  labels:\n    a.b/c: d\n",
    "redaction scope top": "kind: Secret\ndata:\n  value: QUJD\n",
    "redaction scope deep": "spec:\n  tls:\n    inline: x\n",
    "keyed label paths": "labels:\n  kuma.io/mesh: m\n  \"q\": r\n",
    "huge integer": f"a: {'9' * 5000}\n",
    "long key": f"{'k' * 300}: v\n",
    "non-ascii quoted": "a: 'é'\n",
    "control character quoted": "a: '\x07'\n",
    "indented sequence of mappings": "spec:\n  endpoints:\n    - address: a.example.com\n      port: 443\n"
                                     "    - address: 10.0.0.1\n      port: 80\n  tls:\n    enabled: true\n",
    "unindented sequence": "a:\n- 1\n- x\n- 'q'\nb: 2\n",
    "sequence item mappings with nesting": "a:\n- b:\n    c: d\n  e:\n  - f\n- g: h\n",
    "wide dash": "a:\n  -   b: 1\n      c: 2\n",
    "sequence then dedent": "a:\n  b:\n    - 1\n    - 2\n  c: 3\nd: 4\n",
    "key after indented sequence at its column": "a:\n  - 1\n  b: 2\n",
    "item continuation too deep": "a:\n- b: 1\n   c: 2\n",
    "scalar item then mapping": "a:\n- x\n  b: 1\n",
    "nested sequence": "a:\n- - 1\n",
    "empty item": "a:\n-\n  b: 1\n",
    "root sequence": "- a\n- b\n",
    "list wrapper": "kind: SecretList\nitems:\n- kind: Secret\n  metadata:\n    name: x\n",
    "rest list": "total: 1\nitems:\n- type: Secret\n  name: x\nnext: null\n",
    "null before sequence item": "a:\n- b:\n- c\n",
    "text after a document": "---\n  a:\na:\n",
    "broken, simple, then text after a document": "\ta: b\n---\na:\n---\n  a:\na:\n",
    "universal mes": "type: MeshExternalService\nname: svc\nmesh: m\nlabels:\n  kuma.io/origin: zone\nspec:\n"
                     "  match:\n    type: HostnameGenerator\n    port: 80\n    protocol: http\n  endpoints:\n"
                     "    - address: svc.example.com\n      port: 443\n  tls:\n    enabled: true\n"
                     "    verification:\n      mode: Secured\n      caCert:\n        secret: svc-ca\n",
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_picked_documents_read_the_same(name: str) -> None:
    mixed, plain = _both(CASES[name])
    assert mixed == plain


def test_the_simple_reader_takes_secrets_and_plain_services() -> None:
    text = f"---\n{UNIVERSAL_SECRET}---\n{KUBERNETES_SECRET}---\n{CASES['universal mes']}"
    assert _simple_count(text) == 3
    for name in ("indented sequence of mappings", "unindented sequence", "sequence item mappings with nesting",
                 "wide dash", "sequence then dedent", "null before sequence item"):
        assert _simple_count(CASES[name]) == 1, name


@pytest.mark.parametrize("name", ["float and value tags decline", "key resolving to a non-string", "duplicate key",
                                  "bad indentation", "tab", "trailing comment", "anchor", "tag", "huge integer",
                                  "long key", "non-ascii quoted", "control character quoted",
                                  "key after indented sequence at its column", "item continuation too deep",
                                  "scalar item then mapping", "nested sequence", "empty item", "root sequence",
                                  "list wrapper", "rest list"])
def test_the_simple_reader_declines_what_it_does_not_read(name: str) -> None:
    assert _simple_count(CASES[name]) == 0


def test_text_after_a_good_document_is_reported_not_dropped() -> None:
    """libyaml composes `  a:` and then fails on `a:`: the failure is the piece's, not lost."""
    for text in (CASES["text after a document"], CASES["text after a document"] + "---\nb: 1\n"):
        items = list(stream._parse_yaml(text, 10, LIMITS, Counter()))
        problems = [i for i in items if isinstance(i, Problem)]
        assert [(p.code, p.line, p.document) for p in problems] == [("MES001", 13, 1)], items
        assert "document start" in problems[0].message


def test_depth_limit_is_left_to_the_builder() -> None:
    text = "a:\n  b:\n    c:\n      d: e\n"
    limits = Limits(max_depth=2)
    mixed, plain = _both(text, limits)
    assert mixed == plain
    assert mixed[0][0] == "problem"


def test_redaction_scope_is_the_builders() -> None:
    parsed = next(stream.parse_stream(CASES["redaction scope top"], 0, LIMITS, Counter()))
    assert isinstance(parsed, Parsed) and parsed.redaction is Redaction.TOP


# --- generated ------------------------------------------------------------------------------------

_KEYS = st.sampled_from(["a", "name", "data", "kind", "type", "labels", "value", "true", "null", "1", "on", "y",
                         "kuma.io/mesh", "ca.crt", "k_8", "spec", "inline", "items", "<<", "-a", "a b", "Mesh"])
_VALUES = st.sampled_from(["", " b", " QUJD==", " 1", " -1", " 0x1f", " 1.5", " .inf", " true", " Yes", " off",
                           " ~", " null", " 2001-12-14", " 'q'", " 'it''s'", ' "d"', ' "a\\"b"', " a b", " b # c",
                           " &x a", " *x", " !!str 1", " [1]", " {a: 1}", " |", " >", " -x", " a:b", " :", " @x",
                           " Secret", " MeshExternalService", " 'é'", " =", "  b  "])
_LINE = st.one_of(
    st.tuples(st.sampled_from([0, 0, 0, 2, 2, 4, 1, 3]), _KEYS, _VALUES).map(lambda t: " " * t[0] + t[1] + ":" + t[2]),
    st.sampled_from(["", "  ", "# c", "  # c", "- a", "  - b", "---", "--- x", "...", "\ta: b", "plain", "%YAML 1.1"]),
)
_TEXT = st.lists(_LINE, max_size=14).map(lambda lines: "\n".join(lines) + "\n")


@settings(max_examples=1500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_generated_streams_read_the_same(text: str) -> None:
    mixed, plain = _both(text)
    assert mixed == plain


_SCALARS = st.sampled_from(["a", "QUJD==", "1", "-1", "0x1f", "1.5", "true", "off", "~", "", "2001-12-14",
                            "a b", "x:y", "#x", "it's", 'q"', "é", "=", ".inf", "-", "null", "Mesh"])
_NAMES = st.sampled_from(["a", "b", "kind", "type", "data", "inline", "items", "labels", "kuma.io/zone", "1", "true"])
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=3)),
    max_leaves=12,
)


class _IndentedDumper(yaml.SafeDumper):
    """Sequences in mappings indented under their key (PyYAML's default writes them at the key's column)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(tree: Any, indent: int, indentless: bool) -> str:
    return yaml.dump({"kind": "Mesh", "spec": tree}, Dumper=yaml.SafeDumper if indentless else _IndentedDumper,
                     default_flow_style=False, indent=indent, allow_unicode=True, width=10_000)


@settings(max_examples=600, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES, st.sampled_from([2, 3, 4]), st.booleans(), st.integers(min_value=0, max_value=40), st.integers(0, 3))
def test_generated_documents_read_the_same(tree: Any, indent: int, indentless: bool, cut: int, mutation: int) -> None:
    text = _dump(tree, indent, indentless)
    lines = text.split("\n")
    if mutation and len(lines) > 2:  # a broken variant: a line indented, dedented or dropped
        i = cut % (len(lines) - 1)
        lines[i] = {1: " " + lines[i], 2: lines[i][1:], 3: ""}[mutation]
    text = "---\n" + "\n".join(lines) + "\n---\n" + UNIVERSAL_SECRET
    mixed, plain = _both(text)
    assert mixed == plain


def test_the_generated_documents_are_mostly_read_by_the_simple_reader() -> None:
    """The differential test above is only worth something if the simple reader takes part."""
    rng = random.Random(3)
    taken = 0
    for _ in range(200):
        tree = {f"k{j}": rng.choice(["a", "1", "true", {"x": "y", "z": ["p", {"q": "r"}]}]) for j in range(3)}
        taken += _simple_count(_dump(tree, rng.choice([2, 4]), rng.random() < 0.5)) == 1
    assert taken == 200


# --- whole inputs ---------------------------------------------------------------------------------


def _files() -> list[Path]:
    found = [p for p in sorted(DATA.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]
    return found + sorted(p for p in SAMPLE.rglob("*.yaml"))


def _loaded(path: Path, monkeypatch: pytest.MonkeyPatch | None) -> Any:
    source = Source(label="test", name=path.name, data=path.read_bytes())
    if monkeypatch is not None:
        monkeypatch.setattr(stream, "read_simple", lambda *_args: None)
    result = load([source], LIMITS)
    return ([(r.key, _typed(r.raw), r.origin, list(r.field_lines.items()), r.raw_redaction) for r in result.resources],
            result.documents, result.findings)


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_repository_inputs_load_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mixed = _loaded(path, None)
    plain = _loaded(path, monkeypatch)
    assert mixed == plain
