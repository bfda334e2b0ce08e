"""Session state shared by every page: the current input, the analysis options, the report.

Streamlit drops the state of widgets that are not rendered on the current page, so the chosen
values live under permanent keys (`mesdoctor.*`) and widgets copy into them on change.
The report is computed once per (input digest, options digest) and kept in the report cache
(`ui/report_cache.py`) under this session's random token: one process-wide, memory-bounded cache whose
entries only the session that computed them can name, so no visitor ever sees another's report. The
cache never receives input bytes and the report itself is redacted, so no Secret payload or key material
is cached. Every real analysis (not a cache hit) writes one audit line (`ui/audit.py`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import streamlit as st

from core import worker
from core.analysis import analyse
from core.live import LiveSpec
from core.model import LoadResult, Report
from core.options import (
    DEFAULT_EXPIRY_WARNING_DAYS,
    DEFAULT_SYSTEM_NAMESPACE,
    AnalysisOptions,
    Limits,
)
from core.sample_names import DEFAULT_SAMPLE
from core.settings import DEFAULT_REPORT_CACHE_MB, SettingsError, load_settings
from core.sources import Source, inputs_digest
from ui import audit
from ui.report_cache import ReportCache

T = TypeVar("T")

PREFIX = "mesdoctor."
VERSION_CHOICES = ["auto", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "3.0"]


LIVE_KINDS = ("kube", "kuma-api", "url")


@dataclass(frozen=True, slots=True)
class LiveInfo:
    """What the dashboard keeps about a live read besides the loaded state itself.

    `spec` is what Refresh reads again; a Kuma API token inside it lives only in this session's
    memory (the spec's repr hides it, and nothing derived from it keys a cache or reaches the URL).
    `checked_at` is the last refresh that found the same content (the state stays the one fetched
    at `Input.loaded_at`); `error` is the last refresh that failed (the previous state is kept).
    """

    spec: LiveSpec
    server: str = ""
    notes: tuple[str, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    checked_at: datetime | None = None
    error: str = ""


@dataclass(slots=True)
class Input:
    """What is being analysed: local files (uploads, paste, sample) and optional live state."""

    kind: str  # "sample", "files", or a live source kind ("kube", "kuma-api", "url")
    sources: list[Source] = field(default_factory=list)
    label: str = "Bundled sample data"
    live: LoadResult | None = None  # fetched state; `sources` are then a what-if overlay
    live_digest: str = ""
    loaded_at: datetime | None = None
    live_info: LiveInfo | None = None  # set with `live`: the spec to refresh, server, notes
    # an opened snapshot (core.report.snapshot): the report itself, shown as it is (never analysed again)
    snapshot: Report | None = None
    snapshot_options: AnalysisOptions | None = None
    snapshot_digest: str = ""
    watcher: Any = None  # a watcher's report (ui/watcher.py WatcherInfo): `snapshot` is its report

    @property
    def digest(self) -> str:
        return f"{self.kind}:{self.live_digest}{self.snapshot_digest}:{inputs_digest(self.sources)}"

    @property
    def is_snapshot(self) -> bool:
        return self.snapshot is not None

    @property
    def is_sample(self) -> bool:
        return self.kind == "sample"

    @property
    def is_live(self) -> bool:
        return self.live is not None


def sample_name(data: Input) -> str | None:
    """Which bundled sample (`core.sample_names.SAMPLES`) an input is, from its label; None for other inputs."""
    if not data.is_sample:
        return None
    from core.sample_names import DEFAULT_SAMPLE, SAMPLES

    return next((name for name in SAMPLES if data.label.endswith(f"({name})")), DEFAULT_SAMPLE)


def _get(name: str, default: Any) -> Any:
    key = PREFIX + name
    if key not in st.session_state:
        st.session_state[key] = default() if callable(default) else default
    return st.session_state[key]


def _set(name: str, value: Any) -> None:
    st.session_state[PREFIX + name] = value


def current_input() -> Input:
    return _get("input", _sample_input)


def set_input(value: Input) -> None:
    _set("input", value)


def use_sample(name: str = DEFAULT_SAMPLE) -> None:
    """Analyse the bundled sample `name` (`core.sample_names.SAMPLES`) from now on."""
    set_input(_sample_input(name))


def _sample_input(name: str = DEFAULT_SAMPLE) -> Input:
    """Sample `name` with its certificates and timestamps made relative to the start of the current hour
    (or to the analysis clock, when the options fix one), so "added 3 h ago" reads right all day.

    Generated per session (about 0.1 s) and kept in session state like an upload, never in a
    Streamlit cache: the sample's Secrets hold (demo) private keys, and caches hold no key material.
    """
    from core.sample import sample_sources  # imported late: the sample module generates a PKI

    now = datetime.now(UTC)
    fixed = current_options().now
    start = fixed if fixed is not None else now.replace(minute=0, second=0, microsecond=0)
    label = "Bundled sample data" if name == DEFAULT_SAMPLE else f"Bundled sample data ({name})"
    return Input(kind="sample", sources=sample_sources(start, name), label=label, loaded_at=now)


def set_files(sources: list[Source], label: str) -> None:
    """Analyse these files (uploads and/or pasted text) from now on."""
    set_input(Input(kind="files", sources=list(sources), label=label, loaded_at=datetime.now(UTC)))


def add_files(sources: list[Source], label: str) -> None:
    """Add files on top of the current input (a what-if overlay: later resources replace earlier ones)."""
    data = current_input()
    merged = [*data.sources, *sources]
    if data.is_live:  # the live label, fetch time and spec stay; the overlay is shown as such
        set_input(replace(data, sources=merged))
        return
    what = label if data.is_sample else f"{data.label} + {label}"
    set_input(Input(kind="files", sources=merged, label=what, loaded_at=datetime.now(UTC)))


def current_options() -> AnalysisOptions:
    return _get(
        "options",
        lambda: AnalysisOptions(
            kuma_version="auto",
            zone=None,  # detected from the input (core.zone_choice)
            system_namespace=DEFAULT_SYSTEM_NAMESPACE,
            expiry_warning_days=DEFAULT_EXPIRY_WARNING_DAYS,
            limits=dashboard_limits(),
        ),
    )


MIB = 1024 * 1024


def dashboard_limits() -> Limits:
    """The loader's limits, agreeing with Streamlit's upload limit (`server.maxUploadSize`, MiB per file).

    Whatever the uploader admits, the loader reads: a file as large as the upload limit is never an MES003
    finding. The total input and an archive's expanded size grow with it when it exceeds their defaults
    (one upload of the maximum size must fit); the other limits stay the CLI's.
    """
    default = Limits()
    try:
        mib = float(st.get_option("server.maxUploadSize"))
    except (TypeError, ValueError):
        return default
    if not 0 < mib < float("inf"):  # not a usable upload limit (Streamlit would not start): the CLI's defaults
        return default
    file_bytes = int(mib * MIB)
    return replace(
        default,
        max_file_bytes=file_bytes,
        max_total_bytes=max(default.max_total_bytes, file_bytes),
        max_archive_total_bytes=max(default.max_archive_total_bytes, file_bytes),
    )


def update_options(**changes: Any) -> None:
    _set("options", replace(current_options(), **changes))


def bind(widget_key: str, option: str, convert: Callable[[Any], Any] = lambda v: v) -> Callable[[], None]:
    """on_change callback copying a widget's value into the permanent options."""

    def callback() -> None:
        update_options(**{option: convert(st.session_state[widget_key])})

    return callback


def analysed_input() -> Input:
    """The input the pages show: the current input with its what-if layers (`ui.whatif`), or without
    them while the baseline is shown."""
    from ui import whatif  # whatif builds on this module

    return whatif.shown_input(current_input())


def report_key(data: Input | None = None) -> str:
    """Identity of a report (the shown one by default): input digest, options digest and the day (for days-left)."""
    data = data or analysed_input()
    # `now` is the wall clock, fixed per day so days-left stay right and the cache is reused
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return f"{data.digest}|{current_options().digest()}|{day:%Y-%m-%d}"


def session_token() -> str:
    """This session's random token: its part of every report-cache key (no other session can name it)."""
    return _get("session", lambda: secrets.token_hex(16))  # type: ignore[no-any-return]


def current_report() -> Report:
    """The report for the current input and options, analysed at most once per change."""
    return report_for(analysed_input())


def report_for(data: Input) -> Report:
    """The report of `data` with the current options (e.g. the what-if baseline), from the shared cache."""
    key = report_key(data)
    cache = _report_cache()
    report = cache.get(session_token(), key)
    if report is None:
        if data.snapshot is not None:  # an opened snapshot's report is shown as it was saved (no key material)
            report = data.snapshot
            cache.put(session_token(), key, report)
            return report
        started = time.monotonic()
        try:
            report = _analyse_with_progress(data, current_options())
        except Exception as exc:
            audit.analysis(data, None, time.monotonic() - started, exc)
            raise
        audit.analysis(data, report, time.monotonic() - started)
        cache.put(session_token(), key, report)
    return report


def derived(name: str, build: Callable[[Report], T]) -> T:
    """A value computed from the current report (rows, data frames), built once per report.

    Lives next to the report in this session's cache entry and goes with it; callers must not mutate it.
    """
    key = report_key()
    cache = _report_cache()
    found = cache.get_derived(session_token(), key, name)
    if found is None:
        found = build(current_report())
        cache.put_derived(session_token(), key, name, found)
    return found  # type: ignore[no-any-return]


@st.cache_resource(show_spinner=False)
def _report_cache() -> ReportCache:
    """The one report cache of this server process (all sessions; entries per session)."""
    try:
        megabytes = load_settings().report_cache_mb
    except SettingsError:  # the page gate shows the problem; the cache still needs a bound
        megabytes = DEFAULT_REPORT_CACHE_MB
    return ReportCache(max_bytes=megabytes * MIB)


def _analyse_with_progress(data: Input, options: AnalysisOptions) -> Report:
    """Analyse, in a worker process when the server is set up for it (core.worker: a memory cap, a time limit, at
    most N at once; the default in `shared` mode), telling the visitor how many analyses are ahead while theirs
    waits; with a progress bar for a large input. A failed analysis (memory, time) is a report whose MES003
    finding says why."""
    try:
        settings = worker.worker_settings()
    except SettingsError as exc:  # the operator's setting, not the visitor's doing: say which, analyse nothing
        st.error(f"The server's analysis settings cannot be used: {exc}", icon="⚙️")
        st.stop()
    large = sum(len(s.data) for s in data.sources) > 256 * 1024 or (
        data.live is not None and len(data.live.resources) > 200
    )
    if not settings.workers and not large:
        return analyse(list(data.sources), options, preloaded=data.live)
    queued = st.empty() if settings.workers else None
    bar = st.progress(0.0, text="Analysing…") if large else None

    def waiting(ahead: int, running: int) -> None:
        total = ahead + running
        if queued is not None:
            queued.info(f"**Queued:** {total} analys{'is' if total == 1 else 'es'} ahead of yours ({running} "
                        "running). It starts as soon as a worker is free.", icon="⏳")

    def progress(label: str, fraction: float) -> None:
        if bar is not None:
            bar.progress(min(1.0, fraction), text=label)

    try:
        if not settings.workers:
            return analyse(list(data.sources), options, preloaded=data.live, progress=progress)
        job = worker.Job(list(data.sources), options, data.live)
        return worker.run(job, settings, waiting=waiting, progress=progress).report
    finally:
        if queued is not None:
            queued.empty()
        if bar is not None:
            bar.empty()
