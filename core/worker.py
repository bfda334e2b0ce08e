"""Analyses in worker processes: a memory cap and a time limit per analysis, a bounded number at once, and the
CPU-heavy work off the dashboard's script threads.

The loader's own limits (core.options.Limits) keep every input within the documented memory target; this is
the safety net of a dashboard shared by a team, where one visitor's analysis must neither exhaust the server
nor slow the others' pages down:

* each analysis runs in a fresh process forked from a small helper process that has the engine imported
  (`python -m core.worker`, started with the first analysis: a fork of it starts in milliseconds and copies
  nothing of the dashboard), with `RLIMIT_AS` set to what the analysis may use on top of that: 20 times the
  input plus 300 MiB by default (`MESDOCTOR_ANALYSIS_MEMORY_MB` sets a fixed cap, 0 none). Hitting it is a
  MemoryError in the worker, reported as an MES003 finding, never a crash of the server;
* it is stopped after `MESDOCTOR_ANALYSIS_TIMEOUT` seconds (300 by default);
* at most `MESDOCTOR_ANALYSIS_WORKERS` analyses run at once (2 by default in `shared` mode; in `local` mode the
  default 0 analyses in the dashboard's own process, as before: one user, and no copy of the report between
  processes); the others wait in line, and `run` tells them how many are ahead.

The report comes back pickled over a Unix socket in a private directory; progress messages come back as the
analysis reaches each stage. (Not multiprocessing's own fork server: its workers import the parent's main
module first, which in the dashboard is Streamlit's command line, a second or more per analysis.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core import gc_pause
from core.analysis import analyse, analyse_loaded
from core.catalogue import finding
from core.model import DocumentRecord, DocumentStatus, LoadResult, Origin, Report
from core.options import AnalysisOptions
from core.settings import MODE_VARIABLE, Mode, SettingsError
from core.sources import Source

log = logging.getLogger(__name__)

WORKERS_VARIABLE = "MESDOCTOR_ANALYSIS_WORKERS"
MEMORY_VARIABLE = "MESDOCTOR_ANALYSIS_MEMORY_MB"
TIMEOUT_VARIABLE = "MESDOCTOR_ANALYSIS_TIMEOUT"
SHARED_WORKERS = 2
DEFAULT_TIMEOUT = 300.0
MIB = 1024 * 1024
MEMORY_FACTOR = 20  # the documented target: 20 x the input + 300 MiB
MEMORY_ALLOWANCE = 300 * MIB
LIVE_RESOURCE_BYTES = 4096  # a live resource counts as this much input (its manifest is not kept as bytes)
_POLL = 0.25

Progress = Callable[[str, float], None]
Waiting = Callable[[int, int], None]  # (analyses waiting ahead, analyses running)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    workers: int = 0  # analyses at once in worker processes; 0: in the calling process
    memory_mib: int | None = None  # None: MEMORY_FACTOR x input + MEMORY_ALLOWANCE; 0: no cap
    timeout: float = DEFAULT_TIMEOUT


def worker_settings(environ: Mapping[str, str] | None = None) -> WorkerSettings:
    """The settings from `MESDOCTOR_ANALYSIS_*` (and the mode, for the number of workers); `SettingsError` on a
    value that cannot be used."""
    env = os.environ if environ is None else environ
    # only the mode is read here (an invalid one, or other settings that cannot be used, the page gate shows)
    shared = (env.get(MODE_VARIABLE) or "").strip().lower() == Mode.SHARED.value
    workers = _number(env, WORKERS_VARIABLE, SHARED_WORKERS if shared else 0, int)
    memory = _number(env, MEMORY_VARIABLE, None, int)
    timeout = _number(env, TIMEOUT_VARIABLE, DEFAULT_TIMEOUT, float)
    if not 0 <= workers <= 64:
        raise SettingsError(f"{WORKERS_VARIABLE}={workers} must be between 0 and 64")
    if memory is not None and memory < 0:
        raise SettingsError(f"{MEMORY_VARIABLE}={memory} must be 0 (no cap) or a number of MiB")
    if not 0 < timeout < 10**6:
        raise SettingsError(f"{TIMEOUT_VARIABLE}={timeout:g} must be a positive number of seconds")
    return WorkerSettings(workers, memory, timeout)


def _number(env: Mapping[str, str], name: str, default: Any, kind: Callable[[str], Any]) -> Any:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


@dataclass(frozen=True, slots=True)
class Job:
    sources: Sequence[Source]
    options: AnalysisOptions
    preloaded: LoadResult | None = None

    @property
    def input_bytes(self) -> int:
        live = len(self.preloaded.resources) * LIVE_RESOURCE_BYTES if self.preloaded is not None else 0
        return sum(len(s.data) for s in self.sources) + live


@dataclass(frozen=True, slots=True)
class Outcome:
    report: Report
    failure: str = ""  # why the analysis did not finish ("" when it did): the report then holds an MES003
    peak_mib: float | None = None  # the worker's peak resident memory
    seconds: float = 0.0


def memory_cap(job: Job, settings: WorkerSettings) -> int | None:
    """Bytes of address space an analysis may add to its worker's start; None: no cap."""
    if settings.memory_mib == 0:
        return None
    if settings.memory_mib is not None:
        return settings.memory_mib * MIB
    return MEMORY_FACTOR * job.input_bytes + MEMORY_ALLOWANCE


def run(job: Job, settings: WorkerSettings, *, waiting: Waiting | None = None,
        progress: Progress | None = None) -> Outcome:
    """Analyse `job` as the settings say: in this process (`workers` 0) or in a worker process once one of the
    `workers` slots is free (`waiting` is called about twice a second meanwhile). Always returns a report: one
    whose analysis failed (memory, time, a crash of the worker) holds an MES003 finding that says why."""
    started = time.monotonic()
    if settings.workers <= 0:
        report = analyse(list(job.sources), job.options, preloaded=job.preloaded, progress=progress)
        return Outcome(report, seconds=time.monotonic() - started)
    _LINE.enter(settings.workers, waiting)
    try:
        outcome = _in_worker(job, settings, progress)
    finally:
        _LINE.leave()
    log.info("analysis in a worker: %.1f s, peak %s MiB%s", time.monotonic() - started,
             f"{outcome.peak_mib:.0f}" if outcome.peak_mib is not None else "?",
             f", failed: {outcome.failure}" if outcome.failure else "")
    return outcome


# --- the line of analyses waiting for a worker ------------------------------------------------------


class _Line:
    """First come, first served: an analysis starts when it is first in line and a slot is free."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.line: deque[object] = deque()
        self.running = 0

    def enter(self, slots: int, waiting: Waiting | None) -> None:
        ticket = object()
        with self.cond:
            self.line.append(ticket)
        try:
            while True:
                with self.cond:
                    ahead = self.line.index(ticket)
                    if ahead == 0 and self.running < slots:
                        self.line.popleft()
                        self.running += 1
                        return
                    running = self.running
                if waiting is not None:
                    waiting(ahead, running)  # outside the lock: it may raise (a page left in the meantime)
                with self.cond:
                    self.cond.wait(0.5)
        except BaseException:
            with self.cond:
                if ticket in self.line:
                    self.line.remove(ticket)
                self.cond.notify_all()
            raise

    def leave(self) -> None:
        with self.cond:
            self.running -= 1
            self.cond.notify_all()

    def status(self) -> tuple[int, int]:
        """(analyses waiting, analyses running)."""
        with self.cond:
            return len(self.line), self.running


_LINE = _Line()


def queue_status() -> tuple[int, int]:
    return _LINE.status()


# --- the worker process -----------------------------------------------------------------------------


class _Helper:
    """The helper process workers are forked from (`serve`), started on first use and again if it died."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.path = ""

    def address(self) -> str:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            return self.path

    def _start(self) -> None:
        folder = tempfile.mkdtemp(prefix="mesdoctor-worker-")  # 0700: only this user can connect
        path = os.path.join(folder, "socket")
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        process = subprocess.Popen([sys.executable, "-m", "core.worker", path], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, cwd=root, env=env)
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"ready":
            process.kill()
            process.wait(5)
            raise RuntimeError("the analysis helper process did not start")
        self.process, self.path = process, path


_HELPER = _Helper()


def serve(path: str) -> None:
    """The helper process: fork one worker per connection; stop when the dashboard closes our stdin."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1024):
            break  # the dashboard is gone
        if listener in readable:
            client, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    _serve_one(Connection(client.detach()))
                finally:
                    os._exit(0)
            client.close()
    listener.close()
    with contextlib.suppress(OSError):
        os.unlink(path)
        os.rmdir(os.path.dirname(path))


def _serve_one(connection: Connection) -> None:
    job, cap = connection.recv()
    connection.send(("pid", os.getpid()))
    _work(connection, job, cap)


def _in_worker(job: Job, settings: WorkerSettings, progress: Progress | None) -> Outcome:
    started = time.monotonic()
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(_HELPER.address())
    connection = Connection(client.detach())
    pid = 0
    report: Report | None = None
    peak: float | None = None
    failure = ""
    try:
        connection.send((job, memory_cap(job, settings)))
        deadline = started + settings.timeout
        while True:
            if connection.poll(_POLL):
                try:
                    with gc_pause.paused():  # a large report is millions of objects, nothing to collect
                        message = connection.recv()
                except (EOFError, OSError):
                    failure = _ENDED
                    break
                kind = message[0]
                if kind == "pid":
                    pid = message[1]
                elif kind == "progress":
                    if progress is not None:
                        progress(message[1], message[2])
                elif kind == "report":
                    report = message[1]
                elif kind == "peak":
                    peak = message[1]
                    pid = 0  # done: nothing to stop
                    break
                else:  # "memory" or "error"
                    failure, peak = message[1], message[2]
                    break
            elif time.monotonic() > deadline:
                failure = (f"the analysis took longer than the {settings.timeout:g} s this server allows for one "
                           f"({TIMEOUT_VARIABLE}); it was stopped")
                break
    finally:
        connection.close()
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # timed out, or the page was left: the worker has no one to report to
    seconds = time.monotonic() - started
    if report is None or failure:
        return Outcome(failure_report(job, failure or _ENDED), failure or _ENDED, peak, seconds)
    return Outcome(report, "", peak, seconds)


_ENDED = ("the analysis process ended before it finished (out of memory?); the input may be too large for this "
          "server")


def _work(connection: Connection, job: Job, cap: int | None) -> None:
    """The worker process: analyse, send the report (or why there is none), then its peak memory."""
    try:
        if cap is not None:
            _limit_address_space(cap)
        report: Report | None = analyse(
            list(job.sources), job.options, preloaded=job.preloaded,
            progress=lambda label, fraction: connection.send(("progress", label, fraction)),
        )
        connection.send(("report", report))
        report = None
        connection.send(("peak", peak_mib()))
    except MemoryError:
        report = None
        limit = f"{cap / MIB:,.0f} MiB" if cap is not None else "the machine's memory"
        connection.send(("memory", f"the analysis needed more memory than this server allows for it ({limit} for "
                                   f"{job.input_bytes / MIB:,.1f} MiB of input, {MEMORY_VARIABLE}); it was stopped",
                         peak_mib()))
    except Exception as exc:  # a bug: say what, never a traceback
        connection.send(("error", f"the analysis failed ({type(exc).__name__}); please report it", peak_mib()))
    finally:
        connection.close()


def _limit_address_space(extra: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = _status_kib("VmSize") * 1024 + extra
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def peak_mib() -> float | None:
    """This process's peak resident memory (`VmHWM`), in MiB."""
    kib = _status_kib("VmHWM")
    return kib / 1024 if kib else None


def _status_kib(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def failure_report(job: Job, why: str) -> Report:
    """The report of an analysis that did not finish: no resources, one MES003 finding per input saying why."""
    load = LoadResult()
    names = [(s.label, s.name) for s in job.sources] or [("live", "live state")]
    for label, name in names:
        origin = Origin(label, name)
        load.findings.append(finding("MES003", f"{name} was not analysed: {why}", None, origin=origin))
        load.documents.append(DocumentRecord(origin, DocumentStatus.FAILED, reason=why))
    return analyse_loaded(load, job.options)


if __name__ == "__main__":
    serve(sys.argv[1])
