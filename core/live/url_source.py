"""A manifest file or archive fetched over http(s), then read by the ordinary loader."""

from __future__ import annotations

import hashlib
import posixpath
from datetime import datetime
from urllib.parse import unquote, urlsplit

from core.live.errors import LiveSourceError
from core.live.http import HttpClient, check_scheme, error_detail, ssl_context
from core.live.policy import ReadPolicy
from core.live.result import LiveResult
from core.live.specs import UrlSpec, display_url
from core.loading import load
from core.options import Limits
from core.sources import ARCHIVE_SUFFIXES, MANIFEST_SUFFIXES, Source

MAX_REDIRECTS = 10


def fetch_url(spec: UrlSpec, limits: Limits, now: datetime, default_namespace: str,
              policy: ReadPolicy | None = None) -> LiveResult:
    policy = policy or ReadPolicy()
    if not isinstance(spec.url, str) or not spec.url.strip():
        raise LiveSourceError("url", "no URL given")
    url = spec.url.strip()
    label = display_url(url)
    check_scheme(url, label)
    redirects = spec.max_redirects if isinstance(spec.max_redirects, int) else 3
    redirects = max(0, min(redirects, MAX_REDIRECTS))
    client = HttpClient(label, timeout=spec.timeout, context=ssl_context(None, False, label), guard=policy.guard,
                        hosts=policy.url_hosts)
    response = client.get(url, max_bytes=limits.max_file_bytes, redirects=redirects)
    if not response.ok:
        if response.status in (301, 302, 303, 307, 308):
            raise LiveSourceError(label, f"HTTP {response.status} redirect, and redirects are not followed")
        detail = error_detail(response.body, echo=policy.echo_bodies)  # any server: an excerpt at most
        raise LiveSourceError(label, f"HTTP {response.status}{_reason(response.status)}"
                                     + (f": {detail}" if detail else ""))
    name = file_name(response.url, response.body)
    source = Source(label=label, name=name, data=response.body, fetched_at=now)
    result = load([source], limits, default_namespace)
    counts: dict[str, int] = {}
    for resource in result.resources:
        counts[resource.kind.value] = counts.get(resource.kind.value, 0) + 1
    digest = hashlib.sha256(label.encode() + b"\0" + name.encode() + b"\0" + response.body).hexdigest()
    notes = [] if response.url == url else [f"redirected to {display_url(response.url)}"]
    return LiveResult(label, result, digest, now, notes, counts)


def file_name(url: str, data: bytes) -> str:
    """The file name the loader sees: the last path segment, with a suffix from the content's
    magic bytes when the URL has none (so an archive served as `/download?id=1` is expanded)."""
    path = unquote(urlsplit(url).path)
    name = posixpath.basename(path.rstrip("/")) or "index"
    if name.lower().endswith(MANIFEST_SUFFIXES + ARCHIVE_SUFFIXES):
        return name
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return name + ".zip"
    if data[:2] == b"\x1f\x8b":
        return name + ".tar.gz"
    if len(data) >= 262 and data[257:262] == b"ustar":
        return name + ".tar"
    return name


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def _reason(status: int) -> str:
    text = _REASONS.get(status)
    return f" {text}" if text else ""

