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
libyaml, which reads (or reports) it as before. So does a document with a line that may hold
private-key material (`flagged`, from `core.keymaterial`) anywhere but in a Secret's payload
values: the Builder replaces it there (`core.loading.scrub`); a Secret's payload is kept.
Secrets read this way take about half the time, plain MeshExternalServices about two thirds.
On what it accepts, the result (objects, field paths and lines, document line, redaction scope)
is the one `tree.Builder` builds from the composed nodes; tests/core/loading/test_simple.py checks that differentially.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import ScalarNode

from core.keymaterial import holds_key
from core.loading import paths
from core.loading.composer import RESOLVED_FIRST, Loader
from core.loading.scrub import SECRET_PAYLOADS, is_secret_document
from core.loading.tree import (
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
    new_child_path,
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
    if plain[0] not in RESOLVED_FIRST:
        return plain  # no implicit resolver starts with this character: a string (see core.loading.composer)
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


# An open collection while reading, as a tuple (read by index: this loop runs once per line of
# most of the input): a mapping's column is its keys', a sequence's its dashes'.
_INDENT, _OBJ, _PATH, _DEPTH, _KEYED, _CHILDREN, _IS_LIST = range(7)
Frame = tuple[int, Any, str, int, bool, dict[str, str], bool]


def _mapping_frame(indent: int, path: str, depth: int) -> Frame:
    return (indent, {}, path, depth, bool(path) and paths.is_keyed_map(path), _child_paths(path), False)


def skippable(lines: list[str], start: int, end: int) -> bool:
    """Whether `lines[start:end]` are all blank lines or full-line comments (no content)."""
    return all(_SKIPPED.fullmatch(lines[i]) is not None for i in range(start, end))


def read_simple(lines: list[str], start: int, end: int, line_offset: int, max_depth: int,
                flagged: list[int] | None = None) -> Parsed | None:
    """`lines[start:end]` (one document, no marker line) as the Builder reads it, or None.

    `line_offset` is the 0-based file line of `lines[0]`; the caller numbers the document.
    `flagged`: the (0-based file) lines of the document that may hold key material.
    One function with local state, on purpose: it is the loader's inner loop.
    """
    if max_depth <= 0:
        return None
    off = line_offset + 1
    entry_match, item_match = _ENTRY.fullmatch, _ITEM.fullmatch
    stack: list[Frame] = []
    field_lines: dict[str, int] = {}
    deep_paths: list[str] = []  # kept only for the kinds whose every field line is recorded
    redacted_depth = _NO_REDACTED_KEY
    pending: tuple[Frame, str, str] | None = None  # a `key:` whose value starts on a later line
    first_line = -1
    for i in range(start, end):
        text = lines[i]
        m = entry_match(text)
        if m is not None:
            indent_text, dash_text, key, plain, single, double = m.groups()
            if plain is not None:
                value = plain if plain[0] not in RESOLVED_FIRST else _scalar(plain, None, None)
                if value is _DECLINE:
                    return None
                has_value = True
            elif single is not None or double is not None:
                value, has_value = single if single is not None else double, True
            else:
                value, has_value = None, False
        else:
            m = item_match(text)
            if m is None:
                if _SKIPPED.fullmatch(text) is not None:
                    continue
                return None
            indent_text, plain, single, double = m.groups()
            dash_text, key, has_value = "-", None, True
            value = _scalar(plain, single, double)
            if value is _DECLINE:
                return None
        indent = len(indent_text)
        dash = dash_text is not None
        if not stack:
            if indent or dash:
                return None  # a document that is not a block mapping at column 0
            stack.append(_mapping_frame(0, "", 0))
            first_line = i
        if pending is not None:  # the pending key's value: a collection starting here, else null
            parent, pending_key, pending_path = pending
            pending = None
            if indent > parent[_INDENT] or (dash and indent == parent[_INDENT]):
                depth = parent[_DEPTH] + 1
                if depth >= max_depth:
                    return None
                child = (indent, [], pending_path, depth, False, {}, True) if dash else (
                    _mapping_frame(indent, pending_path, depth))
                parent[_OBJ][pending_key] = child[_OBJ]
                stack.append(child)
            else:
                parent[_OBJ][pending_key] = None
        top = stack[-1]
        while len(stack) > 1:  # close the collections this line is not part of
            if top[_IS_LIST]:
                if not (indent < top[_INDENT] or (indent == top[_INDENT] and not dash)):
                    break  # (a key at the dashes' column ends an unindented sequence)
            elif indent >= top[_INDENT]:
                break
            stack.pop()
            top = stack[-1]
        if top[_INDENT] != indent or top[_IS_LIST] != dash:
            return None
        if dash:
            items = top[_OBJ]
            item_path = _intern(f"{top[_PATH]}[{len(items)}]")
            field_lines[item_path] = i + off
            if top[_DEPTH] >= _SHALLOW:
                deep_paths.append(item_path)
            if key is None:
                items.append(value)
                continue
            depth = top[_DEPTH] + 1
            if depth >= max_depth:
                return None
            top = _mapping_frame(indent + len(dash_text), item_path, depth)
            items.append(top[_OBJ])
            stack.append(top)
        mapping = top[_OBJ]
        if key in mapping or not (_STRING_KEYS.get(key) or _string_key(key)):
            return None
        children = top[_CHILDREN]
        path = children.get(key) or new_child_path(children, top[_PATH], key, top[_KEYED])
        depth = top[_DEPTH]
        if depth > redacted_depth and key in REDACTED_KEYS:
            redacted_depth = depth
        field_lines[path] = i + off
        if depth >= _SHALLOW:
            deep_paths.append(path)
        if has_value:
            mapping[key] = value
        else:
            pending = (top, key, path)
    if not stack:
        return None  # no content: an empty document is libyaml's to report
    if pending is not None:
        pending[0][_OBJ][pending[1]] = None
    root: dict[str, Any] = stack[0][_OBJ]
    if isinstance(root.get("items"), list):
        return None  # possibly a list wrapper: the Builder reads its items as documents
    if deep_paths and root.get("kind") not in LINED_KINDS and root.get("type") not in LINED_KINDS:
        for path in deep_paths:  # other kinds keep the lines of their first two levels only
            del field_lines[path]
    if flagged and not _payload_lines_only(root, field_lines, flagged):
        return None  # key material outside a Secret's payload: the Builder replaces it
    redaction = (Redaction.NONE if redacted_depth == _NO_REDACTED_KEY
                 else Redaction.TOP if redacted_depth == 0 else Redaction.DEEP)
    return Parsed(root, first_line + off, 0, field_lines, [], redaction=redaction, keys_at=())


def _payload_lines_only(root: dict[str, Any], field_lines: dict[str, int], flagged: list[int]) -> bool:
    """Whether every flagged line is a string value of a Secret's `data` / `stringData` (with a key
    that holds no key material): what the Builder would keep as it is."""
    if not is_secret_document(root.get("kind"), root.get("type")):
        return False
    payload: set[int | None] = set()
    for top in SECRET_PAYLOADS:
        value = root.get(top)
        if isinstance(value, str):
            payload.add(field_lines.get(top))
        elif isinstance(value, dict):
            for key, item in value.items():
                if holds_key(key):
                    return False
                if isinstance(item, str):
                    payload.add(field_lines.get(paths.join(top, key)))
    return all(line + 1 in payload for line in flagged)  # (field lines are 1-based)
