"""When the pause ends, what the analysis keeps goes to the oldest generation unscanned, and a
program's own frozen objects stay frozen."""

from __future__ import annotations

import gc

import pytest

from core import gc_pause


@pytest.fixture(autouse=True)
def _collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


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
