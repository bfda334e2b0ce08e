"""Reading a watcher's last report: the dashboard's "MES Doctor watcher URL" source and `mesdoctor check
--report-url`. The watcher serves it as a snapshot (`/snapshot.json`, core/report/snapshot.py), which rebuilds the
whole Report, so the pages and every CLI format show it as the watcher analysed it; nothing is analysed again and no
cluster credential is needed by whoever reads it.

The read is a live read like the others: GET only, through the network guard (core/live/guard.py), size-capped,
under the caller's `ReadPolicy` (a shared dashboard quotes no foreign error body); redirects are not followed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from core.live.errors import LiveSourceError
from core.live.http import HttpClient, check_scheme, error_detail, ssl_context
from core.live.policy import ReadPolicy
from core.live.specs import DEFAULT_TIMEOUT, display_url
from core.model import Report
from core.options import AnalysisOptions
from core.report.snapshot import MAX_SNAPSHOT_BYTES, SnapshotError, from_snapshot

SNAPSHOT_PATH = "/snapshot.json"


@dataclass(frozen=True, slots=True)
class WatcherSpec:
    """A watcher's base URL (`http://mesdoctor-watcher.mes-doctor:9469`), or the URL of a snapshot file
    (a path ending in `.json`), read as is."""

    url: str
    timeout: float = DEFAULT_TIMEOUT

    @property
    def label(self) -> str:
        return display_url(self.url.rstrip("/")) if isinstance(self.url, str) else "watcher"

    @property
    def snapshot_url(self) -> str:
        parts = urlsplit(self.url.strip())
        if parts.path.lower().endswith(".json"):
            return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + SNAPSHOT_PATH, "", ""))


@dataclass(frozen=True, slots=True)
class WatcherReport:
    """A watcher's report: the Report and the options it was analysed with, when the watcher finished it
    (`analysed_at`, from its header; None when not said), whether the watcher's last read failed (`stale`: this is
    its last good analysis), when it was fetched, and a digest of the bytes (a cache key)."""

    label: str
    report: Report = field(repr=False)
    options: AnalysisOptions = field(repr=False)
    digest: str
    fetched_at: datetime
    analysed_at: datetime | None = None
    stale: bool = False
    size: int = 0


def fetch_report(spec: WatcherSpec, *, policy: ReadPolicy | None = None, max_bytes: int = MAX_SNAPSHOT_BYTES,
                 now: datetime | None = None) -> WatcherReport:
    """GET the watcher's snapshot and open it. Raises only LiveSourceError (one line, ready to show)."""
    policy = policy or ReadPolicy()
    if not isinstance(spec.url, str) or not spec.url.strip():
        raise LiveSourceError("watcher", "no watcher URL given")
    label = spec.label
    url = spec.snapshot_url
    check_scheme(url, label)
    client = HttpClient(label, timeout=spec.timeout, context=ssl_context(None, False, label), guard=policy.guard,
                        hosts=policy.url_hosts)
    try:
        response = client.get(url, max_bytes=max_bytes, redirects=0)
    except LiveSourceError:
        raise
    except Exception as exc:  # HttpClient promises LiveSourceError; never a traceback regardless
        raise LiveSourceError(label, f"unexpected failure ({type(exc).__name__})") from None
    if response.status == 503:
        raise LiveSourceError(label, "the watcher has no report yet (its first analysis is running or failed; its "
                                     "log and /readyz say which)")
    if response.status in (301, 302, 303, 307, 308):
        raise LiveSourceError(label, f"HTTP {response.status} redirect, and redirects are not followed: give the "
                                     "watcher's own URL")
    if not response.ok:
        detail = error_detail(response.body, echo=policy.echo_bodies)
        hint = " (is this a MES Doctor watcher? it serves /snapshot.json)" if response.status == 404 else ""
        raise LiveSourceError(label, f"HTTP {response.status}{hint}" + (f": {detail}" if detail else ""))
    try:
        report, options = from_snapshot(response.body, max_bytes=max_bytes)
    except SnapshotError as exc:
        raise LiveSourceError(label, f"not a MES Doctor watcher's report: {exc}") from None
    return WatcherReport(
        label=label, report=report, options=options, digest=hashlib.sha256(response.body).hexdigest(),
        fetched_at=now or datetime.now(UTC), analysed_at=_moment(response.headers.get("x-mesdoctor-analysed-at")),
        stale=(response.headers.get("x-mesdoctor-stale") or "").strip().lower() == "true", size=len(response.body),
    )


def _moment(text: str | None) -> datetime | None:
    if not text or len(text) > 64:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
