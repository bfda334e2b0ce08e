"""A violation before it becomes a `Finding`: code, Kuma-style path and exact message."""

from __future__ import annotations

from typing import Any

from core.records import record


@record
class Violation:
    """`rule` is the reference rule id (N1, M2, D6...) or the schema keyword
    (`required`, `type`, `minimum`, `maximum`, `minLength`, `enum`, `byte`, `unknown`).
    `value` is the offending value (for hints; never shown when it could be key material) and
    `allowed` the accepted values or the expected type."""

    code: str
    path: str
    message: str
    rule: str
    value: Any = None
    allowed: tuple[str, ...] = ()


def is_under(path: str, parent: str) -> bool:
    """`spec.match.port` is under `spec.match`; `spec.endpoints[0]` is under `spec.endpoints`."""
    return path.startswith(parent) and len(path) > len(parent) and path[len(parent)] in ".["
