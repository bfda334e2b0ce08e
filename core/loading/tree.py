"""Plain Python objects from a composed YAML node tree, with line numbers and limits.

PyYAML's C composer gives nodes with marks; constructing the values ourselves (instead of
`SafeConstructor`) is faster and lets one pass record the line of every field, detect duplicate
keys, reject tags a safe loader must not construct, and bound nesting depth and alias expansion.

Value rules follow YAML 1.1 as PyYAML resolves it, except that timestamps and `!!binary` stay
the strings as written (Kubernetes reads both as strings too).
"""

from __future__ import annotations

import copy
import json
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core.keymaterial import holds_key
from core.loading import paths
from core.loading.scrub import SECRET_PAYLOADS, KeyLines, is_secret_document, payload_field, scrub_object
from core.model import REDACTED_KEYS, Redaction, redaction_marker
from core.records import record

_P = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _P + "str", _P + "int", _P + "float", _P + "bool", _P + "null"
TIMESTAMP, BINARY, MERGE, MAP, SEQ = _P + "timestamp", _P + "binary", _P + "merge", _P + "map", _P + "seq"
_AS_TEXT = frozenset({TIMESTAMP, BINARY, MERGE})
_TRUE = frozenset({"yes", "true", "on"})

# kinds whose every field line is recorded; other objects get the lines of their first two levels
LINED_KINDS = frozenset({"MeshExternalService", "Mesh"})
_ALL_LEVELS = 1 << 30
_NO_REDACTED_KEY = -1
_ALIASED = 1 << 30
_SHALLOW = 2
_PEEK = frozenset({"kind", "type", "items", "total", "next", "apiVersion"})
_intern = sys.intern


class TreeError(Exception):
    """The document cannot be turned into objects: `code` is the finding code to report."""

    def __init__(self, code: str, message: str, line: int | None, path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.path = path


@record
class Dup:
    path: str
    line: int | None
    first_line: int | None


@dataclass(slots=True)
class Parsed:
    """One document (or list item) as plain objects, with its 1-based start line.

    `lines` maps field paths relative to this object (`spec.endpoints[1].port`) to the line of
    the key. `items` is set for list wrappers (`kind: List`, `*List`, REST lists, top-level
    sequences): the wrapper's members, each a Parsed of its own. `redaction` is known for a
    document built here (no key `redact_document` acts on: NONE; only among its top-level keys:
    TOP); anything else (list members, JSON documents) is DEEP. `keys_at` lists the field paths
    where a string holding private-key material was replaced by its redaction marker (outside
    Secret payloads and inline TLS fields, see `core.loading.scrub`); None means the object was
    not checked yet (a plain object from a live source): the normaliser checks it.
    """

    obj: Any
    line: int | None
    document: int = 0
    lines: dict[str, int] | None = None
    dups: list[Dup] = field(default_factory=list)
    items: list[Parsed] | None = None
    redaction: Redaction = Redaction.DEEP  # where `redact_document` may have something to do in `obj`
    keys_at: tuple[str, ...] | None = None


def tag_label(tag: str) -> str:
    return "!!" + tag[len(_P):] if tag.startswith(_P) else tag


def is_list_wrapper(kind: Any, keys: Any) -> bool:
    """Kubernetes `List` / `<Kind>List`, or a Kuma REST list `{total, items, next}`."""
    if isinstance(kind, str) and kind.endswith("List"):
        return True
    return "total" in keys or "next" in keys


class Builder:
    """Builds one document. Not reusable across documents (alias bookkeeping is per document)."""

    def __init__(
        self,
        *,
        line_offset: int,
        max_depth: int,
        max_alias_nodes: int,
        track_aliases: bool,
        json_numbers: bool = False,
        keys: KeyLines | None = None,
    ) -> None:
        self.off = line_offset + 1  # 0-based mark line -> 1-based file line
        self.max_depth = max_depth
        self.alias_budget = max_alias_nodes
        self.json_numbers = json_numbers
        self.memo: dict[int, Any] | None = {} if track_aliases else None
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()
        self.count = 0
        self.alias_nodes = 0
        self.fast = not track_aliases and not json_numbers
        self.lines: dict[str, int] = {}
        self.line_depth = _SHALLOW
        self.dups: list[Dup] = []
        self.redacted_depth = _NO_REDACTED_KEY  # the deepest mapping holding a key `redact_document` acts on
        # `keys`: the lines of the text where key material may be (None: the text was not scanned). `scrub` is
        # `keys` while an object with such a line is built, else None: then every string of a scalar node on
        # such a line is checked, and one that holds key material is replaced by its marker (`_scrub_value`)
        self.keys = keys
        self.scrub: KeyLines | None = None
        self.found: list[str] = []  # the paths replaced (relative to the object being built)
        self.secret = False  # the object being built is a Secret: its payload is kept (redacted when shown)
        self.top = 0  # the depth of the object being built

    # --- documents and wrappers -----------------------------------------------------------------

    def root(self, node: Node, document: int, depth: int = 0, list_kind: str | None = None) -> Parsed:
        """Build a document; `list_kind` is the item kind a typed `<Kind>List` implies."""
        line = node.start_mark.line + self.off
        cls = type(node)
        deep = False
        self.secret, self.top = False, depth
        found = len(self.found)
        keys = self.keys
        self.scrub = keys if keys is not None and keys.any(self.off - 1 + node.start_mark.line,
                                                           self.off - 1 + node.end_mark.line) else None
        if cls is SequenceNode and depth == 0 and node.tag == SEQ:
            items = [self.root(child, document, depth + 1) for child in node.value]
            return Parsed([p.obj for p in items], line, document, {}, [], items, keys_at=())
        if cls is MappingNode and node.tag == MAP:
            peek = _peek(node)
            items_node = peek.get("items")
            kind = _scalar_text(peek.get("kind"))
            if type(items_node) is SequenceNode and is_list_wrapper(kind, peek):
                lines, dups = self._begin(_SHALLOW)
                obj = self.mapping(node, "", depth, skip="items")
                own = tuple(self.found[found:])
                implied = kind[: -len("List")] if kind and kind.endswith("List") and kind != "List" else None
                items = [self.root(child, document, depth + 2, implied) for child in items_node.value]
                obj["items"] = [p.obj for p in items]
                return Parsed(obj, line, document, lines, dups, items, keys_at=own)
            kind = kind or (list_kind if "kind" not in peek else None)
            type_ = _scalar_text(peek.get("type"))
            deep = kind in LINED_KINDS or type_ in LINED_KINDS
            self.secret = is_secret_document(kind, type_)
        lines, dups = self._begin(_ALL_LEVELS if deep else _SHALLOW)
        self.redacted_depth = _NO_REDACTED_KEY
        obj = self.build(node, "", depth)
        keys_at = tuple(self.found[found:])
        if depth:
            return Parsed(obj, line, document, lines, dups, keys_at=keys_at)
        redaction = (Redaction.NONE if self.redacted_depth == _NO_REDACTED_KEY
                     else Redaction.TOP if self.redacted_depth == 0 else Redaction.DEEP)
        return Parsed(obj, line, document, lines, dups, redaction=redaction, keys_at=keys_at)

    def _begin(self, line_depth: int) -> tuple[dict[str, int], list[Dup]]:
        self.lines, self.dups, self.line_depth = {}, [], line_depth
        return self.lines, self.dups

    # --- values ---------------------------------------------------------------------------------

    def build(self, node: Node, path: str, depth: int) -> Any:
        memo = self.memo
        if memo is None:
            cls = type(node)
            if cls is ScalarNode:
                try:
                    return self.scalar(node)
                except TreeError as exc:
                    exc.path = exc.path or path  # where the value is (never what it is)
                    raise
            if cls is MappingNode:
                return self.mapping(node, path, depth)
            return self.sequence(node, path, depth)
        nid = id(node)
        if nid in memo:
            return self._alias(nid, node, path)
        if nid in self.active:
            raise TreeError("MES003", "recursive alias: a node contains itself", self._line(node), path)
        self.active.add(nid)
        start = self.count
        self.count += 1
        cls = type(node)
        if cls is ScalarNode:
            try:
                value = self.scalar(node)
            except TreeError as exc:
                exc.path = exc.path or path
                raise
        elif cls is MappingNode:
            value = self.mapping(node, path, depth)
        else:
            value = self.sequence(node, path, depth)
        self.active.discard(nid)
        memo[nid] = value
        self.sizes[nid] = self.count - start
        return value

    def _alias(self, nid: int, node: Node, path: str) -> Any:
        self.redacted_depth = _ALIASED  # the copy's keys are not seen again: assume it holds anything
        size = self.sizes[nid]
        self.alias_nodes += size
        self.count += size
        if self.alias_nodes > self.alias_budget:
            raise TreeError(
                "MES003",
                f"aliases expand to more than {self.alias_budget} nodes (an alias-expansion bomb?)",
                self._line(node),
            )
        value = self.memo[nid]  # type: ignore[index]
        if not isinstance(value, dict | list):
            return value  # (a string is checked by the mapping or sequence it lands in)
        value = copy.deepcopy(value)
        if self.scrub is not None and self._flagged(node):  # the anchor may sit where a payload is kept (a
            value, found = scrub_object(value, path)  # Secret's data): not its alias
            self.found.extend(found)
        return value

    def mapping(self, node: Node, path: str, depth: int, skip: str | None = None) -> dict[Any, Any]:
        if node.tag != MAP:
            raise self._tag_error(node, path)
        if depth >= self.max_depth:
            raise self._depth_error(node, path)
        out: dict[Any, Any] = {}
        record = depth < self.line_depth
        keyed = bool(path) and paths.is_keyed_map(path)
        lines = self.lines
        off = self.off
        fast = self.fast
        scrub = self.scrub
        merges: list[tuple[Node, int]] = []
        children = _child_paths(path)
        for knode, vnode in node.value:
            if type(knode) is not ScalarNode:
                raise TreeError("MES001", "a mapping key is itself a mapping or list (complex keys are not supported)",
                                self._line(knode), path)
            if knode.tag == STR:
                key = knode.value
                if scrub is not None and self._flagged(knode) and holds_key(key):
                    key, p = self._scrubbed_key(key, path, keyed)
                else:
                    p = children.get(key) or new_child_path(children, path, key, keyed)
            elif knode.tag == MERGE:
                merges.append((vnode, knode.start_mark.line + off))
                continue
            else:
                key = self.scalar(knode)
                if scrub is not None and type(key) is str and self._flagged(knode) and holds_key(key):
                    key, p = self._scrubbed_key(key, path, keyed)
                else:
                    p = _intern(paths.join(path, key, keyed))
            if key in out:
                self._duplicate(node, knode, key, p)
            if key in REDACTED_KEYS and depth > self.redacted_depth:
                self.redacted_depth = depth
            if record:
                lines[p] = knode.start_mark.line + off
            if key == skip:
                out[key] = None
            elif fast and type(vnode) is ScalarNode and vnode.tag == STR:
                out[key] = vnode.value
            else:
                out[key] = self.build(vnode, p, depth + 1)
            if scrub is not None and type(vnode) is ScalarNode and self._flagged(vnode):
                self._scrub_value(out, key, p, path, depth, keyed)
        if merges:  # (a merged mapping was built, and checked, at this path)
            self._merge(out, merges, path, depth, keyed, record)
        return out

    def _flagged(self, node: Node) -> bool:
        """Whether the node's text spans a line where key material may be (`self.scrub` is set)."""
        first = self.off - 1
        return self.scrub.any(first + node.start_mark.line, first + node.end_mark.line)  # type: ignore[union-attr]

    def _scrubbed_key(self, key: str, path: str, keyed: bool) -> tuple[str, str]:
        key = redaction_marker(key)
        p = _intern(paths.join(path, key, keyed))
        self.found.append(p)
        return key, p

    def _scrub_value(self, out: dict[Any, Any], key: Any, p: str, path: str, depth: int, keyed: bool) -> None:
        """Replace `out[key]` by its marker when it is a string that holds key material, except payloads: a
        Secret's `data` / `stringData` and the inline TLS data sources (`core.loading.scrub`), which are kept for
        the analysis and redacted whole wherever they are shown."""
        value = out[key]
        if type(value) is not str:
            return
        level = depth - self.top
        if self.secret and ((level == 0 and key in SECRET_PAYLOADS) or (level == 1 and path in SECRET_PAYLOADS)):
            return
        if not payload_field(path, key, keyed) and holds_key(value):
            out[key] = redaction_marker(value)
            self.found.append(p)

    def sequence(self, node: Node, path: str, depth: int) -> list[Any]:
        if node.tag != SEQ:
            raise self._tag_error(node, path)
        if depth >= self.max_depth:
            raise self._depth_error(node, path)
        out: list[Any] = []
        record = depth < self.line_depth
        lines = self.lines
        off = self.off
        fast = self.fast
        scrub = self.scrub
        for i, item in enumerate(node.value):
            p = _intern(f"{path}[{i}]")
            if record:
                lines[p] = item.start_mark.line + off
            if fast and type(item) is ScalarNode and item.tag == STR:
                out.append(item.value)
            else:
                out.append(self.build(item, p, depth + 1))
            if (scrub is not None and type(item) is ScalarNode and type(out[-1]) is str and self._flagged(item)
                    and holds_key(out[-1])):
                out[-1] = redaction_marker(out[-1])
                self.found.append(p)
        return out

    def scalar(self, node: Node) -> Any:
        tag = node.tag
        value = node.value
        if tag == STR:
            if self.json_numbers and node.style is None:
                return _json_literal(value)
            return value
        try:
            if tag == INT:
                return _to_int(value)
            if tag == BOOL:
                return value.lower() in _TRUE
            if tag == NULL:
                return None
            if tag == FLOAT:
                return _to_float(value)
        except ValueError as exc:
            # (the value itself is never quoted: it may be a Secret's payload)
            if "digits" in str(exc):  # Python's guard against huge int conversions: a limit, not a syntax error
                raise TreeError("MES003", f"a number of {len(value)} characters is more than the 4300 digits "
                                "MES Doctor reads", self._line(node)) from None
            short = tag.rsplit(":", 1)[-1]
            raise TreeError("MES001", f"a value of {len(value)} characters is tagged `!!{short}` but is not one "
                            "(the value is not shown: it may be secret)", self._line(node)) from None
        if tag in _AS_TEXT:
            return value
        raise self._tag_error(node, "")

    def _merge(
        self, out: dict[Any, Any], merges: list[tuple[Node, int]], path: str, depth: int, keyed: bool, record: bool
    ) -> None:
        """`<<:` merge keys: keys written in the mapping win over merged ones; earlier merges win."""
        for vnode, line in merges:
            value = self.build(vnode, path, depth)
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise TreeError("MES001", "a merge key (`<<`) must refer to a mapping or a list of mappings",
                                    line, path)
                for key, item in source.items():
                    if key not in out:
                        out[key] = item
                        if record:
                            self.lines.setdefault(paths.join(path, key, keyed), line)

    def _duplicate(self, node: Node, knode: Node, key: Any, path: str) -> None:
        first = next((k for k, _ in node.value if type(k) is ScalarNode and k.value == knode.value), None)
        first_line = first.start_mark.line + self.off if first is not None else None
        self.dups.append(Dup(path, knode.start_mark.line + self.off, first_line))

    def _line(self, node: Node) -> int:
        return node.start_mark.line + self.off

    def _tag_error(self, node: Node, path: str) -> TreeError:
        label = tag_label(node.tag)
        unsafe = label.startswith("!!python/")
        why = "a safe loader never constructs Python objects" if unsafe else "this tag is not supported"
        return TreeError("MES004", f"YAML tag `{label}` cannot be loaded ({why})", self._line(node), path)

    def _depth_error(self, node: Node, path: str) -> TreeError:
        return TreeError("MES003", f"nesting is deeper than {self.max_depth} levels", self._line(node), path)


# field path of a string key under a parent path: parent -> key -> path. The same few hundred
# paths recur in every resource, and computing one means a regex match, a join and an intern.
_CHILD_PATHS: dict[str, dict[str, str]] = {}
_MAX_PARENTS = 1000
_MAX_CHILDREN = 128
_MAX_KEY = 64


def new_child_path(children: dict[str, str], parent: str, key: str, keyed: bool) -> str:
    """The path of string key `key` under `parent`, remembered in `children` (`_child_paths(parent)`)
    while it is short and the parent has few keys: the same paths recur in every resource."""
    path = _intern(paths.join(parent, key, keyed))
    if len(key) <= _MAX_KEY and len(children) < _MAX_CHILDREN:
        children[key] = path
    return path


def _child_paths(parent: str) -> dict[str, str]:
    children = _CHILD_PATHS.get(parent)
    if children is None:
        children = {}
        if len(_CHILD_PATHS) < _MAX_PARENTS:
            _CHILD_PATHS[parent] = children
    return children


def _peek(node: Node) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for knode, vnode in node.value:
        if type(knode) is ScalarNode and knode.value in _PEEK:
            found[knode.value] = vnode
    return found


def _scalar_text(node: Node | None) -> str | None:
    return node.value if type(node) is ScalarNode and isinstance(node.value, str) else None


def _to_int(text: str) -> int:
    if text.isdigit() and (text[0] != "0" or len(text) == 1):
        return int(text)
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    if digits[:1] in ("+", "-"):
        digits = digits[1:]
    if digits.startswith("0b"):
        return sign * int(digits[2:], 2)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    if ":" in digits:
        total = 0
        for part in digits.split(":"):
            total = total * 60 + int(part)
        return sign * total
    if digits.startswith("0") and len(digits) > 1:
        return sign * int(digits, 8)
    return sign * int(digits)


def _to_float(text: str) -> float:
    lowered = text.replace("_", "").lower()
    if lowered in (".inf", "+.inf"):
        return math.inf
    if lowered == "-.inf":
        return -math.inf
    if lowered == ".nan":
        return math.nan
    if ":" in lowered:
        sign = -1.0 if lowered.startswith("-") else 1.0
        total = 0.0
        for part in lowered.lstrip("+-").split(":"):
            total = total * 60 + float(part)
        return sign * total
    return float(lowered)


def _json_literal(text: str) -> Any:
    """A plain scalar in a JSON document is a number, `true`, `false` or `null` (JSON rules)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def depth_of(value: Any, limit: int) -> int:
    """Nesting depth of plain objects, counting no further than `limit + 1` (iterative)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest
