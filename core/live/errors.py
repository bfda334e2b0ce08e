"""The one exception live sources raise: a user-facing, one-line explanation.

Every transport or protocol failure (DNS, refused connection, timeout, TLS, HTTP status,
malformed or truncated response) is turned into a `LiveSourceError` whose text can be shown
as-is by the CLI and the dashboard. Messages are built from host names, API paths and server
replies only: request headers (and so tokens) never reach them.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
MAX_MESSAGE = 400


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Collapse whitespace (server messages may hold newlines) and cap the length."""
    flat = _SPACE.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class LiveSourceError(Exception):
    """A live source could not be read. `str(error)` is a complete one-line message.

    `source` is the display label of the source (`kube:<context>`, a base URL, a URL without
    its query), `reason` the explanation without that label.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = one_line(source, 200)
        self.reason = one_line(reason)
        super().__init__(f"{self.source}: {self.reason}" if self.source else self.reason)

    def __repr__(self) -> str:
        return f"LiveSourceError({str(self)!r})"
