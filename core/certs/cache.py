"""A small process-wide LRU of parsed material, keyed by the sha256 of the bytes.

The same Secret referenced by many MES (or seen again in the next analysis of the same input) is
parsed once. Parsing does not depend on the clock, so the digest alone is the key; certificate
states are computed per analysis from the cached facts. Only `ParsedMaterial` (public facts) is
stored, never the bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from core.certs import parse
from core.certs.material import ParsedMaterial

MAX_ENTRIES = 2048


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0


_entries: OrderedDict[str, ParsedMaterial] = OrderedDict()
_lock = threading.Lock()
stats = CacheStats()


def parsed(digest: str, data: bytes) -> ParsedMaterial:
    with _lock:
        hit = _entries.get(digest)
        if hit is not None:
            _entries.move_to_end(digest)
            stats.hits += 1
            return hit
        stats.misses += 1
    result = parse.parse_material(data)
    with _lock:
        _entries[digest] = result
        _entries.move_to_end(digest)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return result


def used_again(digests: list[str], hits: int) -> None:
    """Account for material a caller parsed through `parsed` once and then used `hits` more times
    itself: count the hits and move `digests` (in order of last use) to the recent end, as that
    many calls to `parsed` would have."""
    with _lock:
        stats.hits += hits
        for digest in digests:
            if digest in _entries:
                _entries.move_to_end(digest)


def clear() -> None:
    with _lock:
        _entries.clear()
        stats.hits = stats.misses = 0
