"""The names of the bundled samples (`core.sample` generates them; importing this costs nothing)."""

from __future__ import annotations

SAMPLES = ("incident", "gallery")
DEFAULT_SAMPLE = SAMPLES[0]
