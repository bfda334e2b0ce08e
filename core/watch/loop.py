"""One analysis cycle, the timer around it, and the structured log lines (one JSON object per line on stderr).

A cycle reads the inputs (the live sources, local files, the bundled sample), analyses them and makes what the
endpoints serve. A failed read keeps the last good analysis (served, and counted in the metrics as stale) and says
so in the log; the next cycle tries again. The timer counts from the start of a cycle, so a slow read does not
drift the schedule; a cycle longer than the interval is followed at once by the next.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core import __version__
from core.analysis import analyse
from core.audit import severity_counts
from core.live import LiveSourceError, LiveSpec, ReadPolicy, fetch_all
from core.model import Report
from core.options import AnalysisOptions
from core.report.json_report import summary_dict, to_json
from core.report.snapshot import to_snapshot
from core.report.text import one_line
from core.sources import Source, UnreadablePath, sources_from_paths
from core.watch.state import Analysis, WatchState

Emit = Callable[[str], None]
ERROR_LIMIT = 500


@dataclass(slots=True)
class WatchInputs:
    """What each cycle reads: live sources (in order), local paths laid on top, the bundled sample."""

    specs: Sequence[LiveSpec] = ()
    policy: ReadPolicy = field(default_factory=ReadPolicy)
    paths: Sequence[str] = ()
    sample: str | None = None

    def describe(self) -> str:
        parts = [str(getattr(s, "label", "live")) for s in self.specs]
        if self.sample:
            parts.append(f"sample:{self.sample}")
        parts.extend(self.paths)
        return " + ".join(parts) or "(nothing)"


class Watcher:
    """Runs cycles into a `WatchState` and emits one log line per cycle."""

    def __init__(self, inputs: WatchInputs, options: AnalysisOptions, state: WatchState, emit: Emit) -> None:
        self.inputs = inputs
        self.options = options
        self.state = state
        self.emit = emit

    def cycle(self) -> bool:
        """Read and analyse once; True when it succeeded."""
        self.state.cycle_started()
        started = time.monotonic()
        try:
            sources, live, notes, server = self._read()
        except (LiveSourceError, UnreadablePath, OSError) as exc:
            self._failed("read", exc, started, source_error=True)
            return False
        read_seconds = time.monotonic() - started
        try:
            report = analyse(sources, self.options, preloaded=live)
            report_json = to_json(report).encode("utf-8")
            snapshot = to_snapshot(report, self.options)
        except Exception as exc:  # a bug or an exhausted resource: keep serving the last good analysis
            self._failed("analysis", exc, started, source_error=False)
            return False
        finished = datetime.now(UTC)
        seconds = time.monotonic() - started
        self.state.succeeded(Analysis(report, self.options, finished, seconds, read_seconds, report_json, snapshot,
                                      notes, server))
        self.emit(analysis_line(report, seconds=seconds, read_seconds=read_seconds, at=finished,
                                source=self.state.source, notes=notes))
        return True

    def _read(self) -> tuple[list[Source], Any, tuple[str, ...], str]:
        limits = self.options.limits
        sources: list[Source] = []
        if self.inputs.sample:
            from core.sample import sample_sources

            sources.extend(sample_sources(self.options.resolved_now(), self.inputs.sample))
        if self.inputs.paths:
            sources.extend(sources_from_paths(list(self.inputs.paths), max_file_bytes=limits.max_file_bytes))
        if not self.inputs.specs:
            return sources, None, (), ""
        result = fetch_all(list(self.inputs.specs), limits=limits, system_namespace=self.options.system_namespace,
                           policy=self.inputs.policy)
        return sources, result.load, tuple(result.notes), result.server

    def _failed(self, stage: str, exc: BaseException, started: float, *, source_error: bool) -> None:
        at = datetime.now(UTC)
        message = one_line(str(exc) or type(exc).__name__)[:ERROR_LIMIT]
        if stage == "analysis":
            message = f"{type(exc).__name__}: {message}"
        self.state.failed(message, at, source_error=source_error)
        view = self.state.view()
        kept = view.last.finished_at if view.last is not None else None
        self.emit(line("analysis", at, outcome="failed", stage=stage, source=self.state.source,
                       seconds=round(time.monotonic() - started, 3), error=message,
                       served=_time(kept) if kept else None))

    def run(self, stop: threading.Event) -> None:
        """Cycle every `state.interval` seconds (from the start of a cycle) until `stop` is set."""
        while not stop.is_set():
            started = time.monotonic()
            self.cycle()
            stop.wait(max(0.0, self.state.interval - (time.monotonic() - started)))


def analysis_line(report: Report, *, seconds: float, read_seconds: float, at: datetime, source: str,
                  notes: Sequence[str] = ()) -> str:
    """The log line of a successful analysis: counts and durations, never names of secrets or key material."""
    summary = summary_dict(report)
    fields: dict[str, Any] = {
        "outcome": "ok", "source": source, "seconds": round(seconds, 3), "readSeconds": round(read_seconds, 3),
        "kumaVersion": report.kuma_version, "zone": report.zone,
        "mes": summary.get("services", 0), "healthy": summary.get("healthy", 0),
        "warning": summary.get("warning", 0), "broken": summary.get("broken", 0),
        "included": summary.get("included", 0), "includedOn29": summary.get("includedOn29", 0),
        "culprits": sum(1 for s in report.services if s.cascade_role == "culprit"),
        "failingSecretReferences": summary.get("failingSecretReferences", 0),
        "certificatesExpiring": summary.get("certificatesExpiring", 0),
        "certificatesExpired": summary.get("certificatesExpired", 0),
        "findings": severity_counts(report),
    }
    if notes:
        fields["notes"] = [one_line(n)[:ERROR_LIMIT] for n in notes]
    return line("analysis", at, **fields)


def line(event: str, at: datetime, **fields: Any) -> str:
    """One structured log line: a JSON object with `event` and `time` first (ASCII: one physical line)."""
    return json.dumps({"event": event, "time": _time(at), **fields}, ensure_ascii=True, separators=(", ", ": "))


def start_line(at: datetime, *, listen: str, interval: float, source: str) -> str:
    return line("start", at, version=__version__, listen=listen, interval=interval, source=source)


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
