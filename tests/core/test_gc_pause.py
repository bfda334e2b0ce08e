"""The collector pause around an analysis: restored afterwards, shared by nested/overlapping
analyses, and safe because an analysis leaves no cyclic garbage behind. When the pause ends, what
the analysis keeps goes to the oldest generation unscanned, and a program's own frozen objects
stay frozen."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core import gc_pause
from core.analysis import analyse
from core.options import AnalysisOptions
from core.sample import sample_sources
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_paused_inside_and_restored_after():
    with gc_pause.paused():
        assert not gc.isenabled()
        with gc_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_restored_after_an_exception():
    with pytest.raises(RuntimeError), gc_pause.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with gc_pause.paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_last():
    entered, release = threading.Barrier(3), threading.Event()

    def analysis() -> None:
        with gc_pause.paused():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=analysis) for _ in range(2)]
    for t in threads:
        t.start()
    entered.wait()
    assert not gc.isenabled()
    release.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_analyse_restores_the_collector():
    analyse(sample_sources(NOW), AnalysisOptions(now=NOW))
    assert gc.isenabled()


_NO_CYCLES = """
import gc
from core import synthetic
from core.analysis import analyse
from core.options import AnalysisOptions
from core.sample import sample_sources
from core.sources import Source
from tests.factories import NOW

inputs = {
    "sample": sample_sources(NOW),
    "synthetic": synthetic.workload(200, "universal").sources(),
    "broken": [Source("t", "bad.yaml", b"a: [1\\n---\\nkind: Secret\\nmetadata: 5\\n---\\n\\x00binary")],
}
for name, sources in inputs.items():
    gc.collect()
    report = analyse(sources, AnalysisOptions(now=NOW))
    del report
    print(name, gc.collect())
"""


def test_an_analysis_leaves_no_cyclic_garbage():
    """What makes the pause safe: everything an analysis drops is freed by reference counting.
    (Only an input that is itself cyclic, a YAML alias inside its own anchor, leaves a few nodes.)
    Run in a fresh interpreter, so no other test's leftovers are counted."""
    done = subprocess.run([sys.executable, "-c", _NO_CYCLES], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["sample", "0", "synthetic", "0", "broken", "0"]


def test_during_pauses_only_while_the_function_runs():
    @gc_pause.during
    def inside() -> bool:
        return gc.isenabled()

    assert inside() is False
    assert gc.isenabled()
    assert inside.__name__ == "inside"


# --- promotion when the pause ends ---------------------------------------------------------------


def test_survivors_leave_the_young_generations():
    with gc_pause.paused():
        kept = [[i] for i in range(50_000)]
    young = gc.get_objects(generation=0) + gc.get_objects(generation=1)
    assert not any(item is kept for item in young)
    assert any(item is kept for item in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_a_programs_frozen_objects_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with gc_pause.paused():
            kept = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen  # not released into the generations
        assert kept
    finally:
        gc.unfreeze()
