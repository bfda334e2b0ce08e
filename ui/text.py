"""User-provided text inside Streamlit Markdown (alerts, captions, labels) stays plain text.

`core.report.text.md` escapes CommonMark; Streamlit's Markdown additionally knows `$…$` (LaTeX),
`:colour[…]` / `:material/…:` directives and `:emoji:` shortcodes, so those characters are escaped
too. Prefer `st.text`, `st.code` and `st.dataframe` for user data; use these only inside prose.
"""

from __future__ import annotations

from core.report.text import md, md_code, printable


def safe(text: object) -> str:
    """Escape for Streamlit Markdown prose: no links, emphasis, HTML, LaTeX, directives or emoji codes."""
    return md(text).replace("$", "\\$").replace(":", "\\:")


def code(text: object) -> str:
    """Inline code span (`name`) that cannot be broken out of; nothing inside is interpreted."""
    return md_code(text)


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
