"""A file's text to documents: fast streaming parse, per-document recovery, JSON.

The whole stream is first composed in one go with PyYAML's C composer. When the parser aborts,
the rest of the stream (from the end of the last good document) is split at `---` lines and
every piece is parsed on its own, so a broken document loses only itself. Text that starts
with `{` or `[` is read as JSON first (strict, like kubectl), with line numbers recovered from
a YAML composition of the same text when that succeeds.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode

from core.keymaterial import holds_key
from core.loading import text as textmod
from core.loading.composer import Loader
from core.loading.scrub import KeyLines
from core.loading.simple import read_simple, skippable
from core.loading.splitting import split_text
from core.loading.tree import NULL, Builder, Dup, Parsed, TreeError, depth_of, is_list_wrapper
from core.model import redaction_marker
from core.options import Limits
from core.records import record

# an anchor (`&name` after a space, a bracket, a comma or at a line start); only documents with one
# need alias bookkeeping. False positives (`a &b` in a plain scalar) only cost a little speed.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s]", re.MULTILINE)


@record
class Problem:
    """A document that could not be read: `code` is the finding code, `line` 1-based in the file."""

    code: str
    message: str
    line: int | None
    document: int
    path: str = ""


Item = Parsed | Problem


class Counter:
    """Document numbering across all pieces of one file."""

    def __init__(self) -> None:
        self._next = itertools.count()

    def take(self) -> int:
        return next(self._next)


def parse_file(decoded: textmod.Decoded, limits: Limits) -> Iterator[Item]:
    counter = Counter()
    whole = decoded.whole
    if whole is not None:
        yield from parse_stream(whole, 0, limits, counter)
        return
    for seg in decoded.segments:
        if seg.text is None:
            yield Problem("MES005", seg.error, seg.error_line, counter.take())
        else:
            keys = KeyLines(seg.text, seg.line_offset)
            yield from _parse_pieces(seg.text, seg.line_offset, limits, counter, 0, keys)


def parse_stream(text: str, offset: int, limits: Limits, counter: Counter) -> Iterator[Item]:
    keys = KeyLines(text, offset)
    if _looks_like_json(text):
        yield from parse_json(text, offset, limits, counter, keys)
    else:
        yield from _parse_yaml_documents(text, offset, limits, counter, keys)


def _parse_yaml_documents(text: str, offset: int, limits: Limits, counter: Counter,
                          keys: KeyLines) -> Iterator[Item]:
    """A YAML stream: the plainest documents read by `simple.read_simple`, the others by libyaml.

    Consecutive documents the simple reader declines go to libyaml together, as one stream with
    its line offset, so they are parsed (and recovered from errors) as in a whole-stream parse.
    A stream with directives, `...` markers, markers followed by content, a BOM or carriage
    returns goes to libyaml whole.
    """
    lines = text.split("\n")
    markers = _marker_lines(text, lines)
    if markers is None:
        yield from _parse_yaml(text, offset, limits, counter, keys)
        return
    total = len(lines)
    # (first line handed to libyaml, first content line, end) of each document
    documents: list[tuple[int, int, int]] = []
    first_marker = markers[0] if markers else total
    if first_marker > 0 and not skippable(lines, 0, first_marker):
        documents.append((0, 0, first_marker))  # content before the first marker: an implicit document
    for i, marker in enumerate(markers):
        documents.append((marker, marker + 1, markers[i + 1] if i + 1 < len(markers) else total))
    run_start: int | None = None  # first line of the documents waiting for libyaml
    for begin, content, end in documents:
        flagged = keys.within(offset + content, offset + end - 1)
        parsed = read_simple(lines, content, end, offset, limits.max_depth, flagged)
        if parsed is None:
            if run_start is None:
                run_start = begin
            continue
        if run_start is not None:
            yield from _parse_yaml(_lines_text(lines, run_start, begin), offset + run_start, limits, counter, keys)
            run_start = None
        parsed.document = counter.take()
        yield parsed
    if run_start is not None:
        yield from _parse_yaml(_lines_text(lines, run_start, total), offset + run_start, limits, counter, keys)


def _marker_lines(text: str, lines: list[str]) -> list[int] | None:
    """Indexes of the `---` lines, or None when `read_simple` must not read this stream at all:
    a directive, a `...` document end, a marker line with more on it (`--- x`), a BOM or a
    carriage return (libyaml then reads the whole stream, as before)."""
    if "\r" in text or text.startswith("\ufeff"):
        return None
    found: list[int] = []
    for i, line in enumerate(lines):
        if line[:1] not in _LINE_STARTS:
            continue  # almost every line: one slice and one lookup
        if line == "---":
            found.append(i)
        elif line[0] == "%" or (line[:3] in ("---", "...") and line[3:4] in ("", " ", "\t")):
            return None
    return found


_LINE_STARTS = frozenset("-.%")


def _lines_text(lines: list[str], start: int, end: int) -> str:
    """The text of `lines[start:end]` as it was in the stream (`lines` = the stream split at newlines)."""
    return "\n".join(lines[start:end]) + ("\n" if end < len(lines) else "")


def _parse_yaml(text: str, offset: int, limits: Limits, counter: Counter,
                keys: KeyLines | None = None) -> Iterator[Item]:
    keys = keys or KeyLines(text, offset)
    anchors = _has_anchor(text)
    resume_line = 0
    loader = None
    tail: Problem | None = None
    try:
        loader = Loader(text)
        while loader.check_node():
            node = loader.get_node()
            document = counter.take()
            end = node.end_mark
            resume_line = end.line + (1 if end.column > 0 else 0)
            start = max(node.start_mark.index - 1, 0)
            track = anchors and _ANCHOR.search(text, start, end.index + 1) is not None
            item = _build(node, offset, limits, document, track, keys)
            if item is not None:
                yield item
        return
    except (yaml.YAMLError, RecursionError, MemoryError) as exc:
        tail = _tail_problem(exc, text, offset, resume_line, counter)  # (the exception is not kept: its
        # traceback holds this frame, a cycle only the collector would free)
    finally:
        if loader is not None:
            loader.dispose()
    if tail is not None:
        yield tail
    # the parser aborted: everything from the next marker line on, piece by piece
    yield from _parse_pieces(text, offset, limits, counter, resume_line, keys)


def _tail_problem(exc: BaseException, text: str, offset: int, resume_line: int, counter: Counter) -> Problem | None:
    """The problem of an error after the last good document but before the next marker line (`a: 1`
    then text at a lower indentation): that piece is not parsed again, so it is reported here."""
    mark = getattr(exc, "problem_mark", None)
    if resume_line == 0 or mark is None or mark.line < resume_line:
        return None
    next_piece = next(split_text(text, resume_line), None)
    if next_piece is not None and mark.line >= next_piece[1]:
        return None  # in a later piece, which reports it itself
    return _problem(exc, text, offset, counter.take())


def _parse_pieces(text: str, offset: int, limits: Limits, counter: Counter, from_line: int,
                  keys: KeyLines) -> Iterator[Item]:
    for piece, piece_offset in split_text(text, from_line):
        yield from _parse_piece(piece, offset + piece_offset, limits, counter, keys)


def _parse_piece(piece: str, offset: int, limits: Limits, counter: Counter, keys: KeyLines) -> Iterator[Item]:
    track = _has_anchor(piece)
    loader = None
    read = 0
    try:
        loader = Loader(piece)
        while loader.check_node():
            item = _build(loader.get_node(), offset, limits, counter.take(), track, keys)
            read += 1
            if item is not None:
                yield item
    except (yaml.YAMLError, RecursionError, MemoryError) as exc:
        body, body_offset = _strip_marker(piece, offset)
        if not read and _looks_like_json(body):
            yield from parse_json(body, body_offset, limits, counter, keys)
        else:
            yield _problem(exc, piece, offset, counter.take())
    finally:
        if loader is not None:
            loader.dispose()


def _has_anchor(text: str) -> bool:
    return "&" in text and _ANCHOR.search(text) is not None  # the plain test is far cheaper than the regex


def _build(node: Node, offset: int, limits: Limits, document: int, track: bool, keys: KeyLines) -> Item | None:
    if type(node) is ScalarNode and node.tag == NULL and not node.value:
        return None  # an empty document (`---` followed by nothing or comments only)
    builder = Builder(
        line_offset=offset,
        max_depth=limits.max_depth,
        max_alias_nodes=limits.max_alias_nodes,
        track_aliases=track,
        keys=keys,
    )
    try:
        return builder.root(node, document)
    except TreeError as exc:
        return Problem(exc.code, exc.message, exc.line, document, exc.path)
    except (RecursionError, MemoryError):
        return Problem("MES003", f"the document is nested too deeply or too large (limit {limits.max_depth} levels)",
                       node.start_mark.line + offset + 1, document)


def _problem(exc: BaseException, piece: str, offset: int, document: int) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        line, what = textmod.first_unprintable_line(piece, offset)
        what = what or "a character YAML does not allow"
        return Problem("MES005", f"the document contains a {what}; it is not a text manifest", line, document)
    if isinstance(exc, RecursionError | MemoryError):
        return Problem("MES003", "the document is nested too deeply to parse", offset + 1, document)
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or "syntax error"
        context = exc.context or ""
        mark = exc.problem_mark
        line = mark.line if mark is not None else 0
        if exc.context_mark is not None and (mark is None or "flow" in context or "quoted" in context):
            line = exc.context_mark.line  # an unclosed bracket or quote: point where it was opened
        line = min(line, piece.rstrip("\n").count("\n"))  # never past the piece's last line
        if "maximum nesting depth" in problem:
            return Problem("MES003", "nesting is deeper than the YAML parser allows (1000 levels)",
                           offset + line + 1, document)
        message = f"{context}: {problem}" if context else problem
        return Problem("MES001", f"YAML syntax error: {message}", offset + line + 1, document)
    return Problem("MES001", f"YAML syntax error: {exc}", offset + 1, document)


# --- JSON -------------------------------------------------------------------------------------


def parse_json(text: str, offset: int, limits: Limits, counter: Counter,
               keys: KeyLines | None = None) -> Iterator[Item]:
    """One or more JSON values (concatenated / JSON Lines); a broken value is skipped."""
    keys = keys or KeyLines(text, offset)
    dups: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                dups.append(key)
            out[key] = value
        return out

    decoder = json.JSONDecoder(object_pairs_hook=pairs)
    pos = _skip_space(text, 0)
    last_end = 0  # where the last JSON value ended: what is handed to YAML must start after it
    while pos < len(text):
        if text[pos] not in "{[":  # YAML documents after the JSON ones: hand the rest over
            line_start = text.rfind("\n", 0, pos) + 1
            if line_start < last_end:  # text on the line of a JSON value (`{}x: 1`): skip that line, never re-read it
                yield Problem("MES001", "unexpected text after a JSON value on the same line",
                              offset + text.count("\n", 0, pos) + 1, counter.take())
                line_start = text.find("\n", pos) + 1
                if line_start == 0:
                    return
            yield from _parse_yaml(text[line_start:], offset + text.count("\n", 0, line_start), limits, counter, keys)
            return
        document = counter.take()
        dups.clear()
        start_line = offset + text.count("\n", 0, pos) + 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield Problem("MES001", f"invalid JSON: {exc.msg} (column {exc.colno}); a document that starts with "
                          "`{` or `[` is read as JSON, as kubectl does", offset + exc.lineno, document)
            resume = _next_value_start(text, exc.pos)
            if resume < 0:
                return
            pos = resume
            continue
        except RecursionError:
            yield Problem("MES003", f"nesting is deeper than {limits.max_depth} levels", start_line, document)
            return
        except ValueError as exc:  # e.g. an integer with more digits than Python converts
            yield Problem("MES003", f"a value cannot be read: {exc}", start_line, document)
            return
        yield _json_item(text[pos:end], value, start_line, document, list(dups), limits, keys)
        last_end = end
        pos = _skip_space(text, end)


def _json_item(chunk: str, value: Any, line: int, document: int, dups: list[str], limits: Limits,
               keys: KeyLines) -> Item:
    if depth_of(value, limits.max_depth) > limits.max_depth:
        return Problem("MES003", f"nesting is deeper than {limits.max_depth} levels", line, document)
    lined = _json_lines(chunk, value, line, document, limits, keys)
    if lined is not None:
        return lined
    scrub = keys.any(line - 1, line - 1 + chunk.count("\n"))
    parsed = _json_parsed(value, line, document, None if scrub else ())  # (None: the normaliser checks it)
    parsed.dups = [Dup(redaction_marker(key) if scrub and holds_key(key) else key, line, None) for key in dups]
    return parsed


def _json_lines(chunk: str, value: Any, line: int, document: int, limits: Limits, keys: KeyLines) -> Parsed | None:
    """The same value composed as YAML, for line numbers; None when YAML reads it differently. (Key material is
    replaced as it is built: when some was, the comparison is made with a second build that keeps it.)"""
    loader = None
    try:
        loader = Loader(chunk)
        node = loader.get_single_node()
        if node is None:
            return None
        builder = Builder(line_offset=line - 1, max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes,
                          track_aliases=False, json_numbers=True, keys=keys)
        parsed = builder.root(node, document)
        read = parsed.obj
        if builder.found:
            read = Builder(line_offset=line - 1, max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes,
                           track_aliases=False, json_numbers=True).root(node, document).obj
    except (yaml.YAMLError, TreeError, RecursionError, ValueError):
        return None
    finally:
        if loader is not None:
            loader.dispose()
    return parsed if read == value else None


def _json_parsed(value: Any, line: int, document: int, keys_at: tuple[str, ...] | None, depth: int = 0) -> Parsed:
    if isinstance(value, list) and depth == 0:
        items = [_json_parsed(v, line, document, keys_at, depth + 1) for v in value]
        return Parsed(value, line, document, None, [], items, keys_at=())
    if isinstance(value, dict) and isinstance(value.get("items"), list) and is_list_wrapper(value.get("kind"), value):
        items = [_json_parsed(v, line, document, keys_at, depth + 2) for v in value["items"]]
        return Parsed(value, line, document, None, [], items, keys_at=keys_at)
    return Parsed(value, line, document, keys_at=keys_at)


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip(" \t\n\ufeff")
    return stripped[:1] in ("{", "[")


def _strip_marker(piece: str, offset: int) -> tuple[str, int]:
    """The piece without its leading `---` line (for the JSON fallback)."""
    if piece.startswith("---"):
        newline = piece.find("\n")
        head = piece[3:newline] if newline >= 0 else piece[3:]
        if head.strip() == "":
            return (piece[newline + 1:] if newline >= 0 else ""), offset + 1
    return piece, offset


def _skip_space(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _next_value_start(text: str, pos: int) -> int:
    """After a JSON error: the next line that starts a new value (`{`, `[` or `---` in column 0)."""
    candidates = [i for i in (text.find("\n{", pos), text.find("\n[", pos), text.find("\n---", pos)) if i >= 0]
    return min(candidates) + 1 if candidates else -1
