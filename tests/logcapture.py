"""Capture every log record of every logger (at DEBUG) while a test runs: the hygiene tests prove
that no key material ever reaches a log. The `logs` fixture is registered in tests/conftest.py."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(f"{record.name}: {text}")


@pytest.fixture
def logs() -> Iterator[Collect]:
    """Every log record of every logger, at DEBUG, while the test runs."""
    handler = Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
