"""The one exception live sources raise: a user-facing, one-line explanation.

Every transport or protocol failure (DNS, refused connection, timeout, TLS, HTTP status,
malformed or truncated response) is turned into a `LiveSourceError` whose text can be shown
as-is by the CLI and the dashboard. Messages are built from host names, API paths and server
replies only: request headers (and so tokens) never reach them, and whatever a server writes
back is scrubbed of credentials (`scrub_secrets`): a server that echoes the request's
`Authorization` header, a bearer token or a JWT in its error body does not get it shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.report.text import printable

_SPACE = re.compile(r"\s+")
MAX_MESSAGE = 400
REDACTED = "<redacted>"
_TOKEN_CHARS = r"[A-Za-z0-9\-._~+/=%]"
_SECRET_PATTERNS = (
    # an echoed header: `Authorization: Bearer abc`, `"authorization": "Basic abc"`, `Proxy-Authorization=...`
    re.compile(r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token|negotiate|digest)"
               r"\s+)?[^\s\"',;]+"),
    # a credential in prose: `Bearer abc`, `basic dXNlcjpwdw==`
    re.compile(r"(?i)\b((?:bearer|basic)\s+)" + _TOKEN_CHARS + "{4,}"),
    # a JSON Web Token anywhere (Kuma user tokens, Kubernetes service-account tokens)
    re.compile(r"()\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    # `token=...`, `"access_token": "..."`, `id-token: ...`
    re.compile(r"(?i)((?:access|id|refresh|api|bearer|auth)?[-_]?token[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]{4,}"),
)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Collapse whitespace (server messages may hold newlines) and cap the length."""
    flat = _SPACE.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def scrub_secrets(text: str, known: Iterable[str | None] = ()) -> str:
    """`text` without credentials: the `known` secrets (the token sent, wherever it appears), echoed
    `Authorization` values, `Bearer`/`Basic` credentials, JWTs and `token=` values, and every other
    occurrence of a credential found that way (a body that repeats the token bare after quoting the header)."""
    secrets = {s.strip() for s in known if isinstance(s, str) and len(s.strip()) >= 4}
    for pattern in _SECRET_PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0)[len(match.group(1)):].strip(" \"'")
            if len(value) >= 8:  # a credential, not a word such as `none` repeated elsewhere in the text
                secrets.add(value)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


EXCERPT_CHARS = 160


def excerpt(body: bytes | str, known: Iterable[str | None] = (), limit: int = EXCERPT_CHARS) -> str:
    """A short, one-line, printable and credential-free excerpt of a server's error body ("" for an empty
    body or an HTML page). Used in `local` mode only; a shared dashboard quotes no foreign body at all."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = text[: limit * 8].strip()
    if not text or text.startswith("<"):
        return ""
    return one_line(printable(scrub_secrets(one_line(text, limit * 4), known)), limit)


class LiveSourceError(Exception):
    """A live source could not be read. `str(error)` is a complete one-line message.

    `source` is the display label of the source (`kube:<context>`, a base URL, a URL without
    its query), `reason` the explanation without that label.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = one_line(source, 200)
        self.reason = one_line(scrub_secrets(reason))
        super().__init__(f"{self.source}: {self.reason}" if self.source else self.reason)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def scrubbed(self, known: Iterable[str | None]) -> LiveSourceError:
        """This error with the `known` secrets removed from its text (same type and attributes)."""
        reason = scrub_secrets(self.reason, known)
        if reason == self.reason:
            return self
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.reason = reason
        clone.args = (f"{self.source}: {reason}" if self.source else reason,)
        return clone


class ServerFileError(LiveSourceError):
    """A live source failed because of a file on the server (a kubeconfig, a CA file, a credential plugin, the
    service-account files). Its text may say which files exist and where a YAML error sits: a shared dashboard
    shows its visitors a generic message instead and writes this one to the server log."""
