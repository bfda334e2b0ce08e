"""Reading untrusted spec values the way Go's JSON decoding would, without ever raising.

A field can be absent, `null`, of the right JSON type, or of a wrong type. The Kuma validator
rules need the decoded value; when the type is wrong, the rule that needs it is skipped (the
schema check reports the wrong type instead).

The typed readers (`string`, `integer`...) look the member up themselves rather than through
`get`: they run hundreds of thousands of times in a large analysis, and the extra call showed.
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
from typing import Any


class _Invalid:
    """Present, but not decodable into the Go type (wrong JSON type)."""

    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


INVALID: Any = _Invalid()


EXACT_TYPES: dict[type, str] = {  # JSON type names of the plain types, by exact type
    type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string", dict: "object",
    list: "array",
}


def json_type(value: Any) -> str:
    """The JSON type name kube-openapi reports for a decoded YAML/JSON value."""
    exact = EXACT_TYPES.get(type(value))  # the common case, without the isinstance chain below
    if exact is not None:
        return exact
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str | bytes | _dt.date | _dt.datetime):
        return "string"  # YAML timestamps / binaries become strings on the way to JSON
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def described(value: Any, *, mapping: str = "a mapping") -> str:
    """What a value is, for a message ("a string", "null"): YAML says mapping, a JSON document says object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return mapping
    return type(value).__name__


def matches_type(value: Any, expected: str | None) -> bool:
    if expected is None:
        return True
    actual = json_type(value)
    if actual == expected or (expected == "number" and actual == "integer"):
        return True
    # kube-openapi accepts a whole float (`80.0`) where an integer is expected
    return expected == "integer" and isinstance(value, float) and math.isfinite(value) and value.is_integer()


def as_mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def get(container: Any, key: str) -> Any:
    """`container[key]` if container is a mapping and the key is set to non-null, else None."""
    if isinstance(container, dict):
        return container.get(key)
    return None


def present(container: Any, key: str) -> bool:
    """Go pointer semantics: the key is there and not `null`."""
    return isinstance(container, dict) and container.get(key) is not None


def string_value(value: Any) -> str:
    """The text of a value whose JSON type is string (YAML timestamps and binaries included)."""
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def string(container: Any, key: str) -> Any:
    """A string member: `None` if absent/null, `INVALID` if of another type."""
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return None
    if type(value) is str:
        return value  # the common case, without the type dispatch below
    if json_type(value) == "string":
        return string_value(value)
    return INVALID


def integer(container: Any, key: str) -> Any:
    """An integer member: `None` if absent/null, `INVALID` if not a JSON integer."""
    value = container.get(key) if isinstance(container, dict) else None
    if value is None or type(value) is int:
        return value  # absent, or the common case
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return INVALID


def boolean(container: Any, key: str) -> Any:
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return None
    return value if isinstance(value, bool) else INVALID


def mapping(container: Any, key: str) -> Any:
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return None
    return value if isinstance(value, dict) else INVALID


def sequence(container: Any, key: str) -> Any:
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return None
    return value if isinstance(value, list | tuple) else INVALID
