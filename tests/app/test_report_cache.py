"""The dashboard's report cache (ui/report_cache.py): entries per session, one global memory bound."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pandas as pd
import pytest

from core.analysis import analyse
from core.options import AnalysisOptions
from core.sample import sample_sources
from tests.factories import NOW
from ui import report_cache
from ui.report_cache import ReportCache, estimate_size


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sized(cache_bytes: int, **kwargs) -> ReportCache:
    """A cache whose entries weigh what their `size` attribute says (or 0)."""
    return ReportCache(cache_bytes, sizer=lambda v: getattr(v, "size", 0), **kwargs)


@dataclass
class Blob:
    name: str
    size: int


def test_a_session_reads_only_its_own_entries():
    cache = sized(10_000)
    cache.put("alice", "k", Blob("alice's report", 1))
    cache.put_derived("alice", "k", "frame", Blob("alice's frame", 1))
    assert cache.get("alice", "k").name == "alice's report"
    assert cache.get_derived("alice", "k", "frame").name == "alice's frame"
    # the same key (the same input digest) from another session: nothing
    assert cache.get("bob", "k") is None
    assert cache.get_derived("bob", "k", "frame") is None
    cache.put_derived("bob", "k", "frame", Blob("bob's frame", 1))  # no report of bob's: not kept
    assert cache.get_derived("bob", "k", "frame") is None
    cache.put("bob", "k", Blob("bob's report", 1))
    assert cache.get("bob", "k").name == "bob's report" and cache.get("alice", "k").name == "alice's report"
    assert cache.keys("alice") == ["k"] and cache.keys("carol") == []


def test_each_session_keeps_a_few_reports():
    cache = sized(10_000, per_session=3)
    for i in range(5):
        cache.put("alice", f"k{i}", Blob(str(i), 1))
    cache.put("bob", "k0", Blob("b", 1))
    assert cache.keys("alice") == ["k2", "k3", "k4"]
    cache.get("alice", "k2")  # used again: now the most recent
    cache.put("alice", "k5", Blob("5", 1))
    assert cache.keys("alice") == ["k4", "k2", "k5"]
    assert cache.keys("bob") == ["k0"]


def test_the_global_bound_evicts_the_least_recently_used_entries_of_any_session():
    cache = sized(100)
    cache.put("alice", "a", Blob("a", 40))
    cache.put("bob", "b", Blob("b", 40))
    cache.get("alice", "a")  # alice's is the more recent now
    cache.put("carol", "c", Blob("c", 40))
    assert cache.get("bob", "b") is None, "bob's was the least recently used"
    assert cache.get("alice", "a") is not None and cache.get("carol", "c") is not None
    assert cache.total_bytes == 80
    # derived values count too
    cache.put_derived("carol", "c", "frame", Blob("f", 30))
    assert cache.total_bytes <= 100
    assert cache.get("alice", "a") is None and cache.get_derived("carol", "c", "frame") is not None
    cache.put_derived("carol", "c", "frame", Blob("f again", 30))  # the same name again replaces it
    assert cache.total_bytes == 70 and cache.get_derived("carol", "c", "frame").name == "f again"


def test_the_entry_in_use_stays_even_when_it_alone_exceeds_the_bound():
    cache = sized(100)
    cache.put("alice", "a", Blob("a", 10))
    cache.put("bob", "big", Blob("big", 500))
    assert cache.get("bob", "big") is not None, "evicting it would analyse again on every rerun"
    assert cache.get("alice", "a") is None
    assert len(cache) == 1


def test_idle_entries_go():
    clock = Clock()
    cache = sized(10_000, idle_seconds=60, clock=clock)
    cache.put("alice", "a", Blob("a", 1))
    clock.now += 30
    cache.put("bob", "b", Blob("b", 1))
    clock.now += 40  # alice idle 70 s, bob 40 s
    cache.put("carol", "c", Blob("c", 1))
    assert cache.keys("alice") == [] and cache.keys("bob") == ["b"]
    cache.drop_session("bob")
    assert cache.keys("bob") == [] and cache.keys("carol") == ["c"]


def test_estimate_of_simple_values():
    strings = ["x" * 100 + str(i) for i in range(10_000)]
    exact = sys.getsizeof(strings) + sum(sys.getsizeof(s) for s in strings)
    assert 0.9 * exact <= estimate_size(strings) <= 1.1 * exact  # sampled and extrapolated

    @dataclass(slots=True)
    class Row:
        name: str
        data: bytes

    rows = [Row(f"r{i}", bytes([i % 256]) * 1000 + str(i).encode()) for i in range(500)]
    assert estimate_size(rows) >= 500 * 1000
    frame = pd.DataFrame({"name": [f"service-{i}" for i in range(5_000)], "n": range(5_000)})
    assert estimate_size(frame) >= int(frame.memory_usage(deep=True).sum())
    shared = "z" * 10_000
    assert estimate_size([shared, shared, shared]) < 2 * 10_000  # one object counted once
    cyclic: list[object] = []
    cyclic.append(cyclic)
    assert estimate_size(cyclic) > 0


def test_estimate_of_a_report_agrees_with_a_full_walk(monkeypatch: pytest.MonkeyPatch):
    report = analyse(sample_sources(NOW), AnalysisOptions(now=NOW))
    estimate = estimate_size(report)
    monkeypatch.setattr(report_cache, "SAMPLE", 10**9)  # measure every item
    full = estimate_size(report)
    assert full > sum(len(s.data) for s in sample_sources(NOW))  # the report holds copies of the manifests
    assert 0.6 * full <= estimate <= 1.6 * full, (estimate, full)
