"""What `mesdoctor` writes: a report in each `--format` (`render`, and `emit` to a stream: the JSON report in
pieces, as UTF-8 bytes where the stream has a binary layer) and the catalogue of codes (`mesdoctor codes`)."""

from __future__ import annotations

import codecs
import os
from typing import BinaryIO, TextIO

from core.catalogue import CATALOGUE
from core.model import Report


def emit(report: Report, fmt: str, stream: TextIO, *, colour: bool = False) -> None:
    """Write the report in `fmt` to `stream`: the JSON report piece by piece (`json_report.write_json`: its text
    is ten times an input of small MES, and never all in memory), the other formats as `render` makes them."""
    if fmt == "json":
        from core.report.json_report import write_json, write_json_bytes

        binary = _utf8_buffer(stream)
        if binary is not None:
            stream.flush()
            write_json_bytes(report, binary.write)
            binary.flush()
        else:
            write_json(report, stream.write)
    else:
        stream.write(render(report, fmt, colour=colour))


def _utf8_buffer(stream: TextIO) -> BinaryIO | None:
    """The binary stream under a UTF-8 text stream (a file, standard output), to write orjson's bytes to as they
    are; None for a text-only stream (a StringIO) or another encoding."""
    binary = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None)
    if binary is None or not encoding:
        return None
    try:
        return binary if codecs.lookup(encoding).name == "utf-8" else None  # type: ignore[no-any-return]
    except LookupError:
        return None


def render(report: Report, fmt: str, *, colour: bool = False) -> str:
    if fmt == "json":
        from core.report.json_report import to_json

        return to_json(report) + "\n"
    if fmt == "markdown":
        from core.report.markdown import to_markdown

        return to_markdown(report)
    if fmt == "sarif":
        from core.report.sarif import to_sarif

        return to_sarif(report) + "\n"
    if fmt == "junit":
        from core.report.junit import to_junit

        return to_junit(report)
    if fmt == "codequality":
        from core.report.codequality import to_codequality

        return to_codequality(report)
    from core.report.table import to_table

    return to_table(report, colour=colour, width=_terminal_width())


def render_codes(fmt: str) -> str:
    entries = list(CATALOGUE.values())
    if fmt == "json":
        import json

        return json.dumps([
            {"code": c.code, "title": c.title, "severity": c.severity.value, "stage": c.stage.value,
             "category": c.category, "versions": c.versions, "explanation": c.explanation, "example": c.example,
             "exampleComplete": c.example_complete}
            for c in entries
        ], indent=2) + "\n"
    if fmt == "markdown":
        from core.report.text import md

        lines = ["| Code | Severity | Stage | Title | Versions |", "|---|---|---|---|---|"]
        lines += [
            f"| {c.code} | {c.severity.value} | {c.stage.value} | {md(c.title)} | {c.versions} |" for c in entries
        ]
        return "\n".join(lines) + "\n"
    return "".join(f"{c.code}  {c.severity.value:<7}  {c.stage.value:<13}  {c.title}\n" for c in entries)


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("NO_COLOR") is None
    except (AttributeError, ValueError):
        return False


def _terminal_width() -> int:
    try:
        return max(100, os.get_terminal_size().columns)
    except OSError:
        return 160
