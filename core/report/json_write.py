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

`write_indented` writes a value whose long lists are `Lazy` one item at a time (orjson per item, indented to its
depth), so a large report is never in memory as a whole, neither as dicts nor as text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
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
    """`write` the text of `dumps_indented(materialise(value))` in pieces: one piece per item of each `Lazy`
    list, so the whole text (and the whole value) is never in memory at once."""
    _stream(value, "\n", write)


def _stream(value: Any, newline: str, write: Callable[[str], object]) -> None:
    inner = newline + "  "
    if isinstance(value, Lazy):
        first = True
        for item in value:
            write(("[" if first else ",") + inner + _at(dumps_indented(item), inner))
            first = False
        write("[]" if first else newline + "]")
    elif isinstance(value, dict) and value and all(isinstance(key, str) for key in value):
        first = True
        for key, item in value.items():
            write(("{" if first else ",") + inner + encode_basestring(key) + ": ")
            first = False
            _stream(item, inner, write)
        write(newline + "}")
    elif isinstance(value, Untyped):
        write(_at(json.dumps(value.value, indent=2, ensure_ascii=False), newline))
    else:
        write(_at(dumps_indented(value), newline))


def _at(text: str, newline: str) -> str:
    """Indented `text` written at the level whose line breaks are `newline` (a JSON string never holds a raw line
    break: it is escaped)."""
    return text if newline == "\n" else text.replace("\n", newline)


def _orjson_text(value: Any) -> str | None:
    """orjson's indented text of `value`, or None where it would not be `json.dumps`' text."""
    try:
        data = orjson.dumps(value, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):  # JSONEncodeError is a TypeError; both named for clarity
        return None
    if _may_hold_small_float(data) and _has_small_float(value):
        return None
    return data.decode("utf-8")


def _may_hold_small_float(data: bytes) -> bool:
    """Whether orjson's `data` may hold the text of a float below 1e-4 (`0.00001`, `1e-6`, `1.5e-10`): `0.0000`, or
    a digit before `e-` (both rare in the report's strings; a literal search, then a look at each `e-`)."""
    if b"0.0000" in data:
        return True
    at = data.find(b"e-")
    while at > 0:
        if 48 <= data[at - 1] <= 57:  # a digit
            return True
        at = data.find(b"e-", at + 2)
    return False


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
