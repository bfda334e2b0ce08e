"""Pause Python's cyclic garbage collector while an analysis runs.

An analysis allocates millions of small objects (the parsed manifests, the indexes, the report)
and keeps nearly all of them until it ends. The collector's full passes scan every tracked object
and, during an analysis, find nothing to free: at 10,000 MES they cost about a fifth of the run
time. The pipeline creates no reference cycles (a test checks that an analysis leaves no cyclic
garbage behind), so everything it drops is still freed at once by reference counting; only the
futile scans are skipped.

Analyses may overlap (the dashboard runs sessions in threads) or nest: they share one pause, the
collector is re-enabled when the last one ends, and only if it was enabled when the first began.

Everything allocated during the pause is still in the youngest generation when it ends, so the
collector's next (young) collection would scan every object the analysis keeps (the report, the
loaded input: millions at 10,000 MES, about half a second) and the next ones would scan them
again on their way to the oldest generation. Instead they are moved to the oldest generation
at once (`gc.freeze()` + `gc.unfreeze()`, a list splice, nothing scanned), where only full
collections look at them, as they would once promoted. This is skipped when the program keeps
objects frozen itself (`gc.get_freeze_count()`), so its frozen set is never released.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                _promote_survivors()
                gc.enable()


def _promote_survivors() -> None:
    """Move every tracked object to the oldest generation without scanning it (see the module docstring)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def during(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: the collector is paused while `func` runs (for functions that build large results)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return func(*args, **kwargs)

    return wrapper
