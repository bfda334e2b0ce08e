"""A fast reader for the plainest YAML documents, with the very result the libyaml path gives.

Most of a large input is Secrets: a few short lines (`name: …`, `mesh: …`, labels) and one long
base64 value. libyaml scans that value character by character through its scanner and the
composer builds a node with two marks per scalar, so Secrets are most of the parse time. A
document made only of block mappings of plain keys and one-line scalars needs none of that: one
regular expression per line reads it at string-search speed.

`read_simple` accepts a document only when it is a block mapping at column 0 and every content
line is a mapping entry `<key>:` / `<key>: <value>` or a sequence item `- <value>` /
`- <key>:` / `- <key>: <value>`, where a key is a plain word and a value a plain word or a
one-line quoted string without escapes (printable ASCII); indentation is spaces and consistent
(sequences indented or not), keys are not repeated, and every scalar resolves (PyYAML's implicit
resolver, as the composer resolves it) to a string, null, integer, boolean or timestamp. Blank
lines and full-line comments are skipped. Anything else — flow collections, anchors, tags,
multi-line scalars, spaces in plain values, trailing comments, tabs, duplicate keys, nesting
deeper than the limit, list wrappers — returns None, and the caller hands the document to
libyaml, which reads (or reports) it as before. Documents made mostly of these lines (Secrets,
most MeshExternalServices) are read several times faster. On what it accepts, the result (objects,
field paths and lines, document line, redaction scope) is the one `tree.Builder` builds from the
composed nodes; tests/core/loading/test_simple.py checks that differentially.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import ScalarNode

from core.loading import paths
from core.loading.composer import Loader
from core.loading.tree import (
    _MAX_CHILDREN,
    _MAX_KEY,
    _NO_REDACTED_KEY,
    _SHALLOW,
    _TRUE,
    BOOL,
    INT,
    LINED_KINDS,
    NULL,
    STR,
    TIMESTAMP,
    Parsed,
    _child_paths,
    _intern,
    _to_int,
)
from core.model import REDACTED_KEYS, Redaction

_VALUE = r"(?:([A-Za-z0-9_./+=][A-Za-z0-9_./+=-]*)|'([ -&(-~]*)'|\"([ !#-\[\]-~]*)\")"
# <indent>[- ]<key>:[ <value>]: libyaml allows 1,024 characters before an implicit key's `:`
_ENTRY = re.compile(r"( *)(- +)?([A-Za-z0-9_][A-Za-z0-9_./-]{0,255}):(?: +" + _VALUE + r")? *")
_ITEM = re.compile(r"( *)- +" + _VALUE + r" *")  # <indent>- <value>
_SKIPPED = re.compile(r" *(?:#.*)?")  # a blank line or a full-line comment
_resolver = Loader("")  # only its `resolve`: the composer's own tag resolution
_resolve = _resolver.resolve
_resolver.dispose()
_PLAIN = (True, False)  # the `implicit` flags libyaml passes for a plain scalar
_DECLINE = object()


def _tag(text: str) -> str:
    return _resolve(ScalarNode, text, _PLAIN)  # type: ignore[no-any-return]


_STRING_KEYS: dict[str, bool] = {}  # key -> whether it resolves to a string (keys repeat in every document)


def _string_key(key: str) -> bool:
    known = _STRING_KEYS.get(key)
    if known is None:
        known = _tag(key) == STR
        if len(_STRING_KEYS) < 10_000:
            _STRING_KEYS[key] = known
    return known


def _scalar(plain: str | None, single: str | None, double: str | None) -> Any:
    """A value as `Builder.scalar` constructs it, or `_DECLINE`."""
    if plain is None:
        return single if single is not None else double
    tag = _tag(plain)
    if tag in (STR, TIMESTAMP):
        return plain
    if tag == NULL:
        return None
    if tag == BOOL:
        return plain.lower() in _TRUE
    if tag == INT:
        try:
            return _to_int(plain)
        except ValueError:
            return _DECLINE  # e.g. more digits than Python converts: the Builder reports it
    return _DECLINE


class _Frame:
    """An open collection: a mapping (`indent` = its keys' column) or a sequence (its dashes' column)."""

    __slots__ = ("children", "depth", "indent", "keyed", "obj", "path")

    def __init__(self, indent: int, obj: dict[str, Any] | list[Any], path: str, depth: int) -> None:
        self.indent = indent
        self.obj = obj
        self.path = path
        self.depth = depth
        is_map = type(obj) is dict
        self.keyed = is_map and bool(path) and paths.is_keyed_map(path)
        self.children = _child_paths(path) if is_map else {}


class _Reader:
    __slots__ = ("deep_paths", "field_lines", "max_depth", "off", "pending", "redacted_depth", "stack")

    def __init__(self, off: int, max_depth: int) -> None:
        self.off = off
        self.max_depth = max_depth
        self.stack: list[_Frame] = []
        self.field_lines: dict[str, int] = {}
        self.deep_paths: list[str] = []  # kept only for the kinds whose every field line is recorded
        self.redacted_depth = _NO_REDACTED_KEY
        self.pending: tuple[_Frame, str, str] | None = None  # a `key:` whose value is on the next lines

    def record(self, path: str, depth: int, line: int) -> None:
        self.field_lines[path] = line + self.off
        if depth >= _SHALLOW:
            self.deep_paths.append(path)

    def open(self, indent: int, dash: bool) -> bool:
        """Give the pending key its value: a collection starting on this line, else null."""
        parent, key, path = self.pending  # type: ignore[misc]
        self.pending = None
        if indent > parent.indent or (dash and indent == parent.indent):
            depth = parent.depth + 1
            if depth >= self.max_depth:
                return False
            child: dict[str, Any] | list[Any] = [] if dash else {}
            parent.obj[key] = child  # type: ignore[call-overload]
            self.stack.append(_Frame(indent, child, path, depth))
        else:
            parent.obj[key] = None  # type: ignore[call-overload]
        return True

    def close(self, indent: int, dash: bool) -> _Frame:
        """Close the collections this line is not part of; the innermost open one remains."""
        stack = self.stack
        while len(stack) > 1:
            top = stack[-1]
            if type(top.obj) is list:
                if indent < top.indent or (indent == top.indent and not dash):
                    stack.pop()  # a key at the dashes' column ends an unindented sequence
                    continue
            elif indent < top.indent:
                stack.pop()
                continue
            break
        return stack[-1]

    def entry(self, frame: _Frame, key: str, value: Any, has_value: bool, line: int) -> bool:
        mapping: dict[str, Any] = frame.obj  # type: ignore[assignment]
        if key in mapping or not _string_key(key):
            return False
        path = frame.children.get(key)
        if path is None:
            path = _intern(paths.join(frame.path, key, frame.keyed))
            if len(key) <= _MAX_KEY and len(frame.children) < _MAX_CHILDREN:
                frame.children[key] = path
        depth = frame.depth
        if key in REDACTED_KEYS and depth > self.redacted_depth:
            self.redacted_depth = depth
        self.record(path, depth, line)
        if has_value:
            mapping[key] = value
        else:
            self.pending = (frame, key, path)
        return True

    def line(self, text: str, line: int) -> bool:
        """Read one line; False when the document is not one `read_simple` reads."""
        m = _ENTRY.fullmatch(text)
        if m is not None:
            indent_text, dash_text, key, plain, single, double = m.groups()
            has_value = plain is not None or single is not None or double is not None
            value = _scalar(plain, single, double) if has_value else None
            if value is _DECLINE:
                return False
        else:
            m = _ITEM.fullmatch(text)
            if m is None:
                return _SKIPPED.fullmatch(text) is not None
            indent_text, plain, single, double = m.groups()
            dash_text, key, has_value = "-", None, True
            value = _scalar(plain, single, double)
            if value is _DECLINE:
                return False
        indent = len(indent_text)
        dash = dash_text is not None
        stack = self.stack
        if not dash and self.pending is None and stack:
            top = stack[-1]
            if top.indent == indent and type(top.obj) is dict:
                return self.entry(top, key, value, has_value, line)  # the next key of the open mapping
        if not stack:
            if indent or dash:
                return False  # a document that is not a block mapping at column 0
            stack.append(_Frame(0, {}, "", 0))
        if self.pending is not None and not self.open(indent, dash):
            return False
        frame = self.close(indent, dash)
        if frame.indent != indent or (type(frame.obj) is list) != dash:
            return False
        if not dash:
            return self.entry(frame, key, value, has_value, line)  # type: ignore[arg-type]
        items: list[Any] = frame.obj  # type: ignore[assignment]
        item_path = _intern(f"{frame.path}[{len(items)}]")
        self.record(item_path, frame.depth, line)
        if key is None:
            items.append(value)
            return True
        depth = frame.depth + 1
        if depth >= self.max_depth:
            return False
        mapping: dict[str, Any] = {}
        items.append(mapping)
        item = _Frame(indent + len(dash_text), mapping, item_path, depth)
        stack.append(item)
        return self.entry(item, key, value, has_value, line)


def read_simple(lines: list[str], start: int, end: int, line_offset: int, max_depth: int) -> Parsed | None:
    """`lines[start:end]` (one document, no marker line) as the Builder reads it, or None.

    `line_offset` is the 0-based file line of `lines[0]`; the caller numbers the document.
    """
    if max_depth <= 0:
        return None
    reader = _Reader(line_offset + 1, max_depth)
    first_line = -1
    for i in range(start, end):
        if not reader.line(lines[i], i):
            return None
        if first_line < 0 and reader.stack:
            first_line = i
    if not reader.stack:
        return None  # no content: an empty document is libyaml's to report
    if reader.pending is not None:
        frame, key, _path = reader.pending
        frame.obj[key] = None  # type: ignore[call-overload]
    root: dict[str, Any] = reader.stack[0].obj  # type: ignore[assignment]
    if isinstance(root.get("items"), list):
        return None  # possibly a list wrapper: the Builder reads its items as documents
    field_lines = reader.field_lines
    if reader.deep_paths and root.get("kind") not in LINED_KINDS and root.get("type") not in LINED_KINDS:
        for path in reader.deep_paths:  # other kinds keep the lines of their first two levels only
            del field_lines[path]
    depth = reader.redacted_depth
    redaction = Redaction.NONE if depth == _NO_REDACTED_KEY else Redaction.TOP if depth == 0 else Redaction.DEEP
    return Parsed(root, first_line + reader.off, 0, field_lines, [], redaction=redaction)
