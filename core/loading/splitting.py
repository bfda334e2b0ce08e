"""Split a YAML stream into documents at `---` / `...` marker lines, keeping line offsets.

Used after the parser aborted: every piece is parsed on its own so a broken document loses
only itself. A marker line is valid YAML only at column 0, and there it always ends the
previous document (even inside a block scalar), so splitting there is exact for valid YAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\n]|$)", re.MULTILINE)
_MARKER_BYTES = re.compile(rb"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.MULTILINE)


def split_text(text: str, from_line: int = 0) -> Iterator[tuple[str, int]]:
    """Pieces `(text, 0-based line offset)` of `text`; pieces starting before `from_line` are skipped."""
    starts = [0, *(m.start() for m in _MARKER.finditer(text) if m.start() > 0)]
    line = 0
    previous = 0
    for i, start in enumerate(starts):
        line += text.count("\n", previous, start)
        previous = start
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        if line >= from_line and start < end:
            yield text[start:end], line


def split_bytes(data: bytes) -> Iterator[tuple[bytes, int]]:
    starts = [0, *(m.start() for m in _MARKER_BYTES.finditer(data) if m.start() > 0)]
    line = 0
    previous = 0
    for i, start in enumerate(starts):
        line += data.count(b"\n", previous, start)
        previous = start
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        if start < end:
            yield data[start:end], line
