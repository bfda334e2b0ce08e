"""Indented JSON text with orjson: byte for byte what `json.dumps(value, indent=2, ensure_ascii=False)` writes.

orjson's `OPT_INDENT_2` output is the standard library's indented text (the same separators, the same string
escapes with non-ASCII characters kept, the same text for every integer and for every float between 1e-4 and
1e16 and beyond), in C, about ten times faster than `json.dumps` with `indent` (which leaves its C encoder for a
pure-Python generator). Where the two would differ, `json.dumps` writes the value, so the text never changes:

* orjson refuses what it cannot encode the same way: strings with lone surrogates, integers beyond 64 bits,
  non-string keys (the standard library turns them into strings), nesting deeper than 255, objects that need
  `default`; dataclasses and datetimes are passed through (made to refuse) rather than encoded;
* floats are the one thing orjson writes differently without refusing: `0.00001` and `1e-6` for `1e-05` and
  `1e-06` (caught: a piece whose text holds `0.0000` or a digit before `e-` is looked at, and one with such a
  float goes to `json.dumps`) and `null` for `NaN` and the infinities (which `json.dumps` writes as `NaN`, not
  JSON at all).
  The report's numbers are integers made by the engine; the one part that carries numbers read from the user's
  files as they are (the gate's baseline, a previous report read with `json.load`, which accepts `NaN`) is
  `Untyped` and always written by `json.dumps`.

`write_indented` (and `write_indented_bytes`, for a binary stream) writes a value whose long lists are `Lazy` a
few hundred items at a time (one orjson call per chunk, its lines indented to their depth with one
`bytes.replace`), so a large report is never in memory as a whole, neither as dicts nor as text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from json.encoder import encode_basestring
from typing import Any

import orjson

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_SMALLEST_SAME = 1e-4  # from here up, orjson's float text is `float.__repr__`'s


class Lazy:
    """A list made one item at a time (`make(item)` for each of `items`): `write_indented` writes it without
    holding more than one item, `materialise` turns it into the list."""

    def __init__(self, make: Callable[[Any], Any], items: Iterable[Any]) -> None:
        self.make = make
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        make = self.make
        return (make(item) for item in self.items)


class Untyped:
    """A value read from the user's files as it is (any JSON number, `NaN` included): written by `json.dumps`."""

    def __init__(self, value: Any) -> None:
        self.value = value


def materialise(value: Any) -> Any:
    """`value` with its `Lazy` lists (in nested dicts too) made into lists and its `Untyped` values unwrapped."""
    if isinstance(value, Lazy):
        return list(value)
    if isinstance(value, Untyped):
        return value.value
    if isinstance(value, dict):
        return {key: materialise(item) for key, item in value.items()}
    return value


def dumps_indented(value: Any, indent: int = 2) -> str:
    """`json.dumps(value, indent=indent, ensure_ascii=False)`: orjson's text where it is the same."""
    if indent == 2:
        text = _orjson_text(value)
        if text is not None:
            return text
    return json.dumps(value, indent=indent, ensure_ascii=False)


def write_indented(value: Any, write: Callable[[str], object]) -> None:
    """`write` the text of `dumps_indented(materialise(value))` in pieces: a few hundred items of each `Lazy` list
    at a time, so the whole text (and the whole value) is never in memory at once."""
    write_indented_bytes(value, lambda data: write(data.decode("utf-8", "surrogatepass")))


def write_indented_bytes(value: Any, write: Callable[[bytes], object]) -> None:
    """`write_indented` as UTF-8 bytes, which is what orjson makes: written to a binary stream as they are (no
    decoding to text and encoding back, no text layer). A lone surrogate, which only `json.dumps` writes (no input
    can hold one: the loader refuses text that is not UTF-8), is encoded as it is ("surrogatepass")."""
    _stream(value, 0, write)


CHUNK = 256  # items of a `Lazy` list made and encoded at once: one orjson call each, a few MB of text at most


def _stream(value: Any, depth: int, write: Callable[[bytes], object]) -> None:
    newline = _newline(depth)
    if isinstance(value, Lazy):
        first = True
        items = iter(value)
        while chunk := list(islice(items, CHUNK)):
            write((b"[" if first else b",") + _items_text(chunk, depth + 1))
            first = False
        write(b"[]" if first else newline + b"]")
    elif isinstance(value, dict) and value and all(isinstance(key, str) for key in value):
        inner = newline + b"  "
        first = True
        for key, item in value.items():
            write((b"{" if first else b",") + inner + encode_basestring(key).encode("utf-8", "surrogatepass") + b": ")
            first = False
            _stream(item, depth + 1, write)
        write(newline + b"}")
    elif isinstance(value, Untyped):
        write(_at(json.dumps(value.value, indent=2, ensure_ascii=False).encode("utf-8", "surrogatepass"), depth))
    else:
        write(_at(dumps_indented(value).encode("utf-8", "surrogatepass"), depth))


_NEWLINES = tuple(b"\n" + b"  " * depth for depth in range(16))


def _newline(depth: int) -> bytes:
    """A line break and the indentation of `depth`."""
    return _NEWLINES[depth] if depth < len(_NEWLINES) else b"\n" + b"  " * depth


def _items_text(items: list[Any], depth: int) -> bytes:
    """The items of a list at `depth`, each on its own line and separated by commas (the text between the list's
    brackets, its last line break excluded): one orjson call for all of them where its text is json.dumps', else
    one item at a time."""
    data = _orjson_bytes(items)
    if data is not None:
        return _at(data[1:-2], depth - 1)  # `[` ... `\n]` off: `\n  item,\n  item`, moved to `depth`
    texts = (dumps_indented(item).encode("utf-8", "surrogatepass") for item in items)
    return b",".join(_newline(depth) + _at(text, depth) for text in texts)


def _at(text: bytes, depth: int) -> bytes:
    """Indented `text` written at `depth` (a JSON string never holds a raw line break: it is escaped)."""
    if depth == 0:
        return text
    return text.replace(b"\n", _newline(depth))


def _orjson_text(value: Any) -> str | None:
    """orjson's indented text of `value`, or None where it would not be `json.dumps`' text."""
    data = _orjson_bytes(value)
    return None if data is None else data.decode("utf-8")


def _orjson_bytes(value: Any) -> bytes | None:
    """orjson's indented text of `value` (UTF-8), or None where it would not be `json.dumps`' text."""
    try:
        data = orjson.dumps(value, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):  # JSONEncodeError is a TypeError; both named for clarity
        return None
    if (b"0.0000" in data or _DIGIT_E_MINUS.search(data) is not None) and _has_small_float(value):
        return None
    return data


# where orjson's text may hold a float below 1e-4 (`0.00001`, `1e-6`, `1.5e-10`): `0.0000`, or a digit before `e-`
# (both rare in the report's strings). Each is a literal search in C: `e-` first (the regex engine's fast search
# for a literal prefix), then a look behind it for the digit: 0.1 s over 200 MB, where `[0-9]e-` takes 0.8 s.
_DIGIT_E_MINUS = re.compile(rb"e-(?<=[0-9]e-)")


def _has_small_float(value: Any) -> bool:
    """Whether `value` holds a float whose orjson text is not `float.__repr__`'s: non-zero and below 1e-4 in
    magnitude (or not finite). Only asked when the text has `0.0000` or `e-` somewhere, as every such float's has
    (text in strings too, so it is only a sieve)."""
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or kind is int or item is None or kind is bool:
            continue
        if isinstance(item, float):
            if not math.isfinite(item) or (item != 0.0 and abs(item) < _SMALLEST_SAME):
                return True
        elif isinstance(item, dict):
            push(item.values())
        elif isinstance(item, list | tuple):
            push(item)
    return False
