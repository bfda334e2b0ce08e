"""Shared helpers for the loader tests."""

from __future__ import annotations

from pathlib import Path

from core.loading import load
from core.model import LoadResult
from core.options import Limits
from core.sources import Source

DATA = Path(__file__).resolve().parents[2] / "data"
FORMS = DATA / "forms"
MALFORMED = DATA / "malformed"


def load_bytes(name: str, data: bytes, limits: Limits | None = None, namespace: str = "kuma-system") -> LoadResult:
    return load([Source("test", name, data)], limits or Limits(), namespace)


def load_form(name: str, limits: Limits | None = None, namespace: str = "kuma-system") -> LoadResult:
    return load_bytes(name, (FORMS / name).read_bytes(), limits, namespace)


def codes(result: LoadResult) -> list[str]:
    return sorted(f.code for f in result.findings)


def by_name(result: LoadResult) -> dict[str, object]:
    return {r.name: r for r in result.resources}
