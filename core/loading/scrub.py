"""Private-key material outside its places is replaced by its redaction marker as the manifest is read.

A key belongs in a Secret's payload (`data` / `stringData`) and in the inline TLS data sources
(`inline`, `inlineString`, `insecureInline.value`, outside `metadata` and labels); those strings are kept,
for the analysis, and redacted whole wherever a manifest is shown or exported
(`core.model.redact_document`).
Anywhere else (annotations, labels, names, `secret:` reference names, unknown or misspelt fields,
`extension.config`, list items, mapping keys) a string that holds key material
(`core.keymaterial.holds_key`) is replaced by `core.model.redaction_marker` of itself when it is read,
so no later stage, message, log line, table or export can carry it. kubectl's last-applied annotation
is a copy of the whole object: it is kept as it is here and redacted whole when shown.

`tree.Builder` does this while it builds a document whose text may hold a key; `scrub_document` does it
for a plain object (a live source's listing, a JSON value read without line numbers).
"""

from __future__ import annotations

import bisect
from typing import Any

from core.keymaterial import candidate_positions, holds_key
from core.loading import paths
from core.model import LAST_APPLIED, redaction_marker

SECRET_PAYLOADS = frozenset({"data", "stringData"})  # a Secret's top-level payload fields
_INLINE = frozenset({"inline", "inlineString"})


def payload_field(path: str, key: Any, keyed: bool) -> bool:
    """Whether the string value of `key` in the mapping at `path` is a payload kept as it is: an inline TLS
    data source (anywhere but in `metadata` and labels) or kubectl's last-applied annotation."""
    if key == LAST_APPLIED:
        return path == "metadata.annotations"
    if keyed or path.startswith("metadata"):
        return False
    return key in _INLINE or (key == "value" and path.endswith("insecureInline"))


class KeyLines:
    """The lines of a text where private-key material may be (`core.keymaterial.candidate_positions`, one
    scan of the whole text), 0-based and counted in the file: a document none of whose lines is here holds
    no key, and is read as fast as ever; the strings of the others are checked (`core.loading.scrub`)."""

    __slots__ = ("lines",)

    def __init__(self, text: str, offset: int) -> None:
        lines: list[int] = []
        line, previous = offset, 0
        for position in candidate_positions(text):
            line += text.count("\n", previous, position)
            previous = position
            if not lines or lines[-1] != line:
                lines.append(line)
        self.lines = lines

    def within(self, first: int, last: int) -> list[int]:
        """The lines from `first` to `last` (both included)."""
        lines = self.lines
        if not lines or first > lines[-1]:
            return []
        start = bisect.bisect_left(lines, first)
        return lines[start:bisect.bisect_right(lines, last, start)]

    def any(self, first: int, last: int) -> bool:
        lines = self.lines
        if not lines or first > lines[-1]:
            return False
        i = bisect.bisect_left(lines, first)
        return i < len(lines) and lines[i] <= last


def is_secret_document(kind: Any, type_: Any) -> bool:
    """The rule `core.model.redact_document` uses to know a Secret (Kubernetes `kind`, Universal `type`)."""
    return kind == "Secret" or type_ in ("Secret", "GlobalSecret")


def scrub_document(obj: Any) -> tuple[Any, tuple[str, ...]]:
    """`obj` with key material replaced outside its places, and the paths replaced; `obj` itself when
    nothing is (parts of it are shared with the result: it is never modified)."""
    found: list[str] = []
    if isinstance(obj, dict):
        secret = is_secret_document(obj.get("kind"), obj.get("type"))
        out = _mapping(obj, "", found, secret)
    else:
        out = _value(obj, "", found)
    return out, tuple(found)


def scrub_object(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """Like `scrub_document`, with no place exempt (a copy made by a YAML alias, put anywhere)."""
    found: list[str] = []
    return _value(value, path, found, exempt=False), found


def _value(value: Any, path: str, found: list[str], exempt: bool = True) -> Any:
    if isinstance(value, dict):
        return _mapping(value, path, found, False, exempt)
    if isinstance(value, list):
        out = value
        for i, item in enumerate(value):
            new = _value(item, f"{path}[{i}]", found, exempt)
            if new is not item:
                out = list(value) if out is value else out
                out[i] = new
        return out
    if type(value) is str and holds_key(value):
        found.append(path)
        return redaction_marker(value)
    return value


def _mapping(value: dict[Any, Any], path: str, found: list[str], secret: bool, exempt: bool = True) -> dict[Any, Any]:
    keyed = bool(path) and paths.is_keyed_map(path)
    changed = False
    out: dict[Any, Any] = {}
    for key, item in value.items():
        new_key = _key(key, path, keyed, found)
        child = paths.join(path, new_key, keyed)
        if exempt and type(item) is str and ((secret and key in SECRET_PAYLOADS) or payload_field(path, key, keyed)):
            new = item
        elif exempt and secret and key in SECRET_PAYLOADS and isinstance(item, dict):
            new = _payload(item, child, found)
        else:
            new = _value(item, child, found, exempt)
        changed = changed or new is not item or new_key is not key
        out[new_key] = new
    return out if changed else value


def _payload(value: dict[Any, Any], path: str, found: list[str]) -> dict[Any, Any]:
    """A Secret's `data` / `stringData`: the string values are the payload (kept); keys are checked."""
    changed = False
    out: dict[Any, Any] = {}
    for key, item in value.items():
        new_key = _key(key, path, False, found)
        new = item if type(item) is str else _value(item, paths.join(path, new_key), found)
        changed = changed or new is not item or new_key is not key
        out[new_key] = new
    return out if changed else value


def _key(key: Any, path: str, keyed: bool, found: list[str]) -> Any:
    if type(key) is str and holds_key(key):
        key = redaction_marker(key)
        found.append(paths.join(path, key, keyed))
    return key
