"""Field paths in Kuma's syntax: `spec.endpoints[1].port`, `metadata.labels["kuma.io/mesh"]`."""

from __future__ import annotations

import re
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_CACHE: dict[str, str] = {}
_CACHE_MAX = 4096

# mappings whose keys are data (label names), written as `["key"]` like Kuma's validators do
KEYED_MAPS = ("labels", "annotations")


def is_keyed_map(path: str) -> bool:
    return path.endswith(KEYED_MAPS) and (path in KEYED_MAPS or path.endswith((".labels", ".annotations")))


def segment(key: Any, keyed: bool) -> str:
    """The path segment for a mapping key, with a leading `.` when it is a plain name."""
    if keyed or not isinstance(key, str):
        return f'["{key}"]'
    cached = _CACHE.get(key)
    if cached is None:
        cached = f".{key}" if _IDENTIFIER.match(key) else f'["{key}"]'
        if len(_CACHE) < _CACHE_MAX and len(key) < 64:
            _CACHE[key] = cached
    return cached


def join(path: str, key: Any, keyed: bool = False) -> str:
    seg = segment(key, keyed)
    if not path:
        return seg[1:] if seg[0] == "." else seg
    return path + seg
