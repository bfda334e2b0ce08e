"""The dashboard's report cache: per session, under one global memory bound.

Why per session (and not content-addressed across sessions): a report, and every value derived from it (rows,
data frames), is reachable only by the session that computed it. Keys are (session, report key), where the
session part is a random token kept in that session's state; no other session can name it, so nothing one visitor
uploaded, pasted, fetched live or tried as a what-if can be served to another, and no visitor can learn from a
fast answer that someone else analysed the same bytes. The price is that two visitors with identical input
analyse it twice, which the bound below and the analysis' own limits keep affordable.

The bound: the estimated size of all entries of all sessions stays under `max_bytes` (least recently used
entries go first, whichever session they belong to); each session keeps at most `per_session` reports (its
current one and a few it may switch back to: another target version, the input before a what-if); an entry not
used for `idle_seconds` goes (its session has probably ended). The entry a session is using right now is never
evicted for it, so the cache may exceed the bound by that one report: evicting it would analyse again on every
rerun. Pure Python (no Streamlit): `ui/state.py` holds the one instance.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

SAMPLE = 48  # items measured per large collection (the rest is extrapolated)
MAX_DEPTH = 64
_ATOMS = (str, bytes, bytearray, int, float, complex, bool, type(None), range)


def estimate_size(value: object) -> int:
    """The approximate memory of `value` and everything it references, in bytes.

    A deep `sys.getsizeof` walk that counts each object once; collections longer than `SAMPLE` are measured on
    `SAMPLE` evenly spaced items and extrapolated, so a report of 10,000 services is sized in milliseconds.
    pandas objects report their own deep memory usage.
    """
    seen: set[int] = set()

    def walk(obj: object, depth: int) -> float:
        if id(obj) in seen:
            return 0.0
        seen.add(id(obj))
        own = float(sys.getsizeof(obj, 64))
        if isinstance(obj, _ATOMS) or depth > MAX_DEPTH:
            return own
        usage = getattr(obj, "memory_usage", None)
        if usage is not None and type(obj).__module__.startswith("pandas"):
            try:
                measured = usage(deep=True)
                return own + float(measured.sum() if hasattr(measured, "sum") else measured)
            except (TypeError, ValueError):
                return own
        children: list[object]
        if isinstance(obj, dict):
            children = [item for pair in obj.items() for item in pair]
        elif isinstance(obj, list | tuple | set | frozenset):
            children = list(obj)
        elif is_dataclass(obj) and not isinstance(obj, type):
            children = [getattr(obj, f.name, None) for f in fields(obj)]
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            children = list(vars(obj).values())
        elif slots := _slot_names(type(obj)):
            children = [getattr(obj, n, None) for n in slots]
        else:
            return own
        if len(children) <= SAMPLE:
            return own + sum(walk(c, depth + 1) for c in children)
        step = len(children) / SAMPLE
        picked = [children[int(i * step)] for i in range(SAMPLE)]
        return own + sum(walk(c, depth + 1) for c in picked) * (len(children) / SAMPLE)

    return int(walk(value, 0))


def _slot_names(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        declared = getattr(klass, "__slots__", ())
        names.extend([declared] if isinstance(declared, str) else [n for n in declared if isinstance(n, str)])
    return [n for n in names if n not in ("__weakref__", "__dict__")]


@dataclass(slots=True)
class _Entry:
    report: Any
    report_size: int
    used: float
    derived: dict[str, tuple[Any, int]] = field(default_factory=dict)  # name -> (value, its size)

    @property
    def size(self) -> int:
        return self.report_size + sum(size for _, size in self.derived.values())


class ReportCache:
    """Reports and the values derived from them, keyed by (session, key), bounded in estimated bytes."""

    def __init__(
        self,
        max_bytes: int,
        per_session: int = 4,
        idle_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        sizer: Callable[[object], int] = estimate_size,
    ) -> None:
        self.max_bytes = max_bytes
        self.per_session = per_session
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.sizer = sizer
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------------------

    def get(self, session: str, key: str) -> Any:
        with self._lock:
            entry = self._touch(session, key)
            return None if entry is None else entry.report

    def get_derived(self, session: str, key: str, name: str) -> Any:
        with self._lock:
            entry = self._touch(session, key)
            found = None if entry is None else entry.derived.get(name)
            return None if found is None else found[0]

    def keys(self, session: str) -> list[str]:
        """This session's report keys, least recently used first."""
        with self._lock:
            return [k for s, k in self._entries if s == session]

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return sum(e.size for e in self._entries.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    # --- writing -----------------------------------------------------------------------------------

    def put(self, session: str, key: str, report: Any) -> None:
        size = self.sizer(report)  # outside the lock: other sessions go on meanwhile
        with self._lock:
            self._entries[(session, key)] = _Entry(report=report, report_size=size, used=self.clock())
            self._entries.move_to_end((session, key))
            self._evict(keep=(session, key))

    def put_derived(self, session: str, key: str, name: str, value: Any) -> None:
        """Keep `value` with the report (if that is still cached); its size counts towards the bound."""
        size = self.sizer(value)
        with self._lock:
            entry = self._touch(session, key)
            if entry is None:
                return
            entry.derived[name] = (value, size)  # (again: replaces, never counts twice)
            self._evict(keep=(session, key))

    def drop_session(self, session: str) -> None:
        with self._lock:
            for k in [k for k in self._entries if k[0] == session]:
                del self._entries[k]

    # --- internals (the lock is held) --------------------------------------------------------------

    def _touch(self, session: str, key: str) -> _Entry | None:
        entry = self._entries.get((session, key))
        if entry is not None:
            entry.used = self.clock()
            self._entries.move_to_end((session, key))
        return entry

    def _evict(self, keep: tuple[str, str]) -> None:
        now = self.clock()
        for k, entry in list(self._entries.items()):
            if k != keep and now - entry.used > self.idle_seconds:
                del self._entries[k]
        mine = [k for k in self._entries if k[0] == keep[0] and k != keep]
        while len(mine) + 1 > self.per_session:
            del self._entries[mine.pop(0)]
        total = sum(e.size for e in self._entries.values())
        for k in list(self._entries):
            if total <= self.max_bytes:
                break
            if k != keep:
                total -= self._entries.pop(k).size
