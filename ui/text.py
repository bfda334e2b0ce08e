"""User-provided text inside Streamlit Markdown (alerts, captions, labels, tooltips) stays plain text.

Streamlit renders Markdown in `st.markdown`, `st.caption`, alerts, toasts, titles, and in the labels and `help`
tooltips of metrics, expanders, tabs, page links and buttons. `core.report.text.md` escapes CommonMark and `$`
(math), and breaks GFM autolinks (`https://…`, `www.…`, `a@b.c`), emoji shortcodes (`:smile:`) and Streamlit's
icon codes (`:material/…:`) with an invisible word joiner, because those are found in the text after the
escapes are read; `safe` also escapes `:` (Streamlit's `:red[…]` directives). Inline code spans (`code`) are
literal in Streamlit, except that it rewrites `:material/` to `:material_` in the whole source first: that is
broken too, so a name shows exactly as written. Prefer `st.text`, `st.code` and `st.dataframe` for user data;
use these helpers for every input-derived string inside Markdown.
"""

from __future__ import annotations

import re

from core.report.text import WORD_JOINER, md, md_code, printable

_ICON_CODE = re.compile(r"(?<=:)(?=material/)")


def safe(text: object) -> str:
    """Escape for Streamlit Markdown prose: no links, emphasis, HTML, LaTeX, directives, emoji or icon codes."""
    return md(text).replace(":", "\\:")


def code(text: object) -> str:
    """Inline code span (`name`) that cannot be broken out of; nothing inside is interpreted."""
    return md_code(_ICON_CODE.sub(WORD_JOINER, printable(text)))


def plain(text: object) -> str:
    """For widgets that render text as-is (st.text, dataframe cells, chart labels): no control characters."""
    return printable(text)


def chart(text: object) -> str:
    """For plotly labels and hover texts, which read a small HTML subset (`<b>`, `<a href>`): escaped."""
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def prose(text: object) -> str:
    """Escape like `safe`, but keep `backtick` spans of core-written messages as inline code."""
    parts = printable(text).split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: no code spans
        return safe(text)
    return "".join(safe(p) if i % 2 == 0 else (code(p) if p else "") for i, p in enumerate(parts))
