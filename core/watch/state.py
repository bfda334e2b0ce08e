"""What the watcher knows between two analyses: the last good analysis (served until a newer one succeeds) and
the history of reads, shared by the analysis loop (the writer) and the HTTP server's threads (readers)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from core.model import Report
from core.options import AnalysisOptions


@dataclass(frozen=True, slots=True)
class Analysis:
    """One successful analysis, with what the endpoints serve made once (not per request)."""

    report: Report
    options: AnalysisOptions
    finished_at: datetime  # wall clock (UTC)
    seconds: float  # read + analysis
    read_seconds: float
    report_json: bytes = field(repr=False)  # /report.json: the public JSON report
    snapshot: bytes = field(repr=False)  # /snapshot.json: the report plus what the dashboard's pages need
    notes: tuple[str, ...] = ()  # the live source's notes (parts it could not read)
    server: str = ""  # what answered, e.g. "Kuma 2.9.3 (kuma-cp-0)"


@dataclass(frozen=True, slots=True)
class View:
    """A consistent copy of the state for one scrape or request."""

    last: Analysis | None
    analyses_ok: int
    analyses_failed: int
    source_errors: int
    last_attempt_at: datetime | None
    last_attempt_ok: bool | None
    last_error: str
    last_error_at: datetime | None
    running_for: float | None  # seconds the current cycle has been running (None: between cycles)

    @property
    def stale(self) -> bool:
        """The last attempt failed: what is served is an older, good analysis."""
        return self.last is not None and self.last_attempt_ok is False


class WatchState:
    """Thread-safe holder of the watcher's state."""

    def __init__(self, *, source: str, interval: float, dashboard_link: str = "") -> None:
        self.source = source  # what is watched (labels of the live sources and inputs), for info and logs
        self.interval = interval
        self.dashboard_link = dashboard_link  # prefix of a service's deep link in the dashboard ("" : none)
        self._lock = threading.Lock()
        self._last: Analysis | None = None
        self._ok = 0
        self._failed = 0
        self._source_errors = 0
        self._attempt_at: datetime | None = None
        self._attempt_ok: bool | None = None
        self._error = ""
        self._error_at: datetime | None = None
        self._cycle_started: float | None = None

    def cycle_started(self) -> None:
        with self._lock:
            self._cycle_started = time.monotonic()

    def succeeded(self, analysis: Analysis) -> None:
        with self._lock:
            self._last = analysis
            self._ok += 1
            self._attempt_at = analysis.finished_at
            self._attempt_ok = True
            self._cycle_started = None

    def failed(self, message: str, at: datetime, *, source_error: bool) -> None:
        """A cycle failed: the last good analysis stays what is served (`View.stale` says so)."""
        with self._lock:
            self._failed += 1
            if source_error:
                self._source_errors += 1
            self._attempt_at = at
            self._attempt_ok = False
            self._error = message
            self._error_at = at
            self._cycle_started = None

    def view(self) -> View:
        with self._lock:
            running = None if self._cycle_started is None else time.monotonic() - self._cycle_started
            return View(self._last, self._ok, self._failed, self._source_errors, self._attempt_at,
                        self._attempt_ok, self._error, self._error_at, running)
