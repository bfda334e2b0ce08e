"""Escaping helpers for text formats: user-provided strings never become markup, links or pictures."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
# C0 but tab/LF, DEL, C1 (8-bit CSI...), line/paragraph separators, bidi embeddings/overrides/isolates
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What Markdown renderers turn into a link or a picture from the text itself, after the backslash escapes
# are read (escaping cannot stop them): GFM autolink literals (`https://…`, `www.…`, `user@host.tld`), emoji
# shortcodes (`:smile:`, GitHub and Streamlit) and Streamlit's icon codes (`:material/bolt:`). One invisible
# WORD JOINER (U+2060, no line break either) inside each pattern breaks it; the text reads the same.
WORD_JOINER = "\u2060"
_LIVE = re.compile(r"(?<=:)(?=//)|(?<=:)(?=[\w+-]+:)|(?<=:)(?=material[/_])|(?<=[wW]{3})(?=\.)|(?<=@)(?=[\w.+-])")


def printable(text: object) -> str:
    """Replace control characters (terminal escapes, NUL...) with visible `\\xNN` markers."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def one_line(text: object) -> str:
    """`printable`, with line breaks and tabs shown as `\\n` / `\\t` too: one table cell, one line."""
    if type(text) is str and text.isprintable():  # the common case: nothing _CONTROL matches, no \n or \t
        return text
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def defuse(text: str) -> str:
    """Break autolink, emoji and icon patterns with a word joiner (see `_LIVE`); nothing else changes."""
    return _LIVE.sub(WORD_JOINER, text)


def md(text: object) -> str:
    """Escape for Markdown prose / table cells: no links, autolinks, emphasis, HTML, math, emoji or table breaks."""
    return _MD_SPECIAL.sub(r"\\\1", defuse(printable(text))).replace("\n", " ")


def md_code(text: object) -> str:
    """Inline code span that cannot be broken out of."""
    t = printable(text).replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", t)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if t.startswith("`") or t.endswith("`") or not t else ""
    return f"{fence}{pad}{t}{pad}{fence}"


def md_block(text: str, lang: str = "") -> str:
    """Fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{printable_block(text)}\n{fence}"


def printable_block(text: str) -> str:
    return "\n".join(printable(line) for line in text.split("\n"))
