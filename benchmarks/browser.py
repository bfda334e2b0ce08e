"""`make bench`, the dashboard in a real browser: page switches at 5,000 MES and the server's memory with two
sessions.

The dashboard is started as `make run` starts it (`streamlit run app.py`, local mode) with its analyses in worker
processes (`MESDOCTOR_ANALYSIS_WORKERS=2`, the shared mode's default), and driven by headless Chromium
(Playwright, Debian's /usr/bin/chromium as in tests/e2e):

* session A uploads a 5,000-MES workload (Kubernetes, plain names) on Sources, then opens every page once: the
  time from the navigation click to the page's heading shown with Streamlit no longer running
  (`tests.e2e.browser.rendered`, as the e2e scale report measures it) is a page switch's first render;
* session B, a second browser context, uploads another 5,000 MES (Kubernetes, look-alike names) while A is still
  open and opens every page too;
* all along, the resident memory of the server's process tree (the Streamlit server and every process it
  started: the analysis workers and their helper) is sampled every 0.2 s: the sum of the processes' resident
  sets (VmRSS: pages shared by forked workers counted in each, so an upper bound) and of their proportional sets
  (Pss, shared pages divided between their processes), and the peak of each sum is reported.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import synthetic

N = 5_000
PAGES = ("Overview", "Services", "Secrets & certificates", "Endpoint map", "Checks", "Sources")
PAGE_TARGET_SECONDS = 1.5
SERVER_TARGET_MIB = 2048.0
WORKERS = "2"


@dataclass
class BrowserResult:
    uploads: dict[str, float] = field(default_factory=dict)  # session -> upload + analysis seconds
    pages: dict[str, dict[str, float]] = field(default_factory=dict)  # session -> page -> first render seconds
    peak_rss_mib: float = 0.0
    peak_pss_mib: float = 0.0
    end_rss_mib: float = 0.0
    processes: int = 0
    error: str = ""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(root: int) -> list[int]:
    """`root` and every process below it."""
    tree = _children()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, ()))
    return out


def _field_kib(path: str, name: str) -> int:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(name):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory(root: int) -> tuple[float, float, int]:
    """(sum of VmRSS, sum of Pss, number of processes) of the tree under `root`, MiB."""
    pids = process_tree(root)
    rss = sum(_field_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
    pss = sum(_field_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return rss / 1024, pss / 1024, len(pids)


class Sampler(threading.Thread):
    def __init__(self, root: int, result: BrowserResult) -> None:
        super().__init__(daemon=True)
        self.root, self.result, self.stopped = root, result, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            rss, pss, count = tree_memory(self.root)
            r = self.result
            r.peak_rss_mib, r.peak_pss_mib = max(r.peak_rss_mib, rss), max(r.peak_pss_mib, pss)
            r.processes = max(r.processes, count)
            self.stopped.wait(0.2)


def _server_pid() -> int:
    """The Streamlit server this process started (its child whose command line runs streamlit)."""
    me = os.getpid()
    for pid in _children().get(me, []):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"streamlit" in fh.read():
                    return pid
        except OSError:
            continue
    raise RuntimeError("the dashboard's server process was not found")


def _session(browser: Any, base: str, files: dict[str, bytes], label: str, result: BrowserResult,
             log: Callable[[str], None]) -> Any:
    from tests.e2e.browser import rendered, settle, upload_manifests
    from tests.e2e.conftest import VIEWPORT

    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(180_000)
    page = context.new_page()
    page.goto(f"{base}/Sources")
    settle(page)
    result.uploads[label] = upload_manifests(page, files, timeout_ms=300_000)
    timings = result.pages.setdefault(label, {})
    for name in PAGES:
        page.locator('[data-testid="stSidebar"] a', has_text=name).first.click()
        timings[name] = rendered(page, "MES Doctor" if name == "Overview" else name)
        settle(page)
        shown = page.locator('[data-testid="stMain"]').inner_text()
        if name == "Overview" and f"{N} MeshExternalServices" not in shown:
            raise RuntimeError(f"session {label}: the Overview does not show the {N} MES")
    log(f"  measured dashboard session {label}: upload + analysis {result.uploads[label]:.1f}s, pages "
        + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
    return context


def measure(tmp: Path, log: Callable[[str], None]) -> BrowserResult:
    result = BrowserResult()
    try:
        from playwright.sync_api import sync_playwright

        from tests.e2e.conftest import CHROMIUM_ARGS, SYSTEM_CHROMIUM
        from tests.e2e.serve import dashboard
    except ImportError as exc:
        result.error = f"the browser measurement needs the test dependencies (playwright): {exc}"
        return result
    if not Path(SYSTEM_CHROMIUM).exists():
        result.error = f"no Chromium at {SYSTEM_CHROMIUM}"
        return result
    now = datetime.now(UTC)
    first = synthetic.workload(N, "kubernetes", now=now).files
    second = synthetic.workload(N, "kubernetes", now=now, seed=1, names=synthetic.LOOKALIKE).files
    second = {f"b-{name}": data for name, data in second.items()}
    with dashboard(tmp / "dashboard.log", env={"MESDOCTOR_ANALYSIS_WORKERS": WORKERS}) as base, \
            sync_playwright() as p:
        sampler = Sampler(_server_pid(), result)
        sampler.start()
        browser = p.chromium.launch(executable_path=SYSTEM_CHROMIUM, args=CHROMIUM_ARGS)
        try:
            a = _session(browser, base, first, "A", result, log)
            b = _session(browser, base, second, "B", result, log)
            time.sleep(1.0)  # one more sample with both sessions open and idle
            result.end_rss_mib = tree_memory(sampler.root)[0]
            a.close()
            b.close()
        finally:
            sampler.stopped.set()
            sampler.join()
            browser.close()
    return result


def verdicts(result: BrowserResult) -> list[tuple[bool, str]]:
    if result.error:
        return [(False, f"dashboard measurement not run: {result.error}")]
    out = []
    for label, pages in result.pages.items():
        worst = max(pages, key=lambda name: pages[name])
        out.append((pages[worst] <= PAGE_TARGET_SECONDS,
                    f"dashboard session {label}, {N:,} MES: every page switch/first render within "
                    f"{PAGE_TARGET_SECONDS} s: slowest {worst} {pages[worst]:.2f} s ("
                    + ", ".join(f"{k} {v:.2f}" for k, v in pages.items()) + ")"))
    out.append((result.peak_rss_mib < SERVER_TARGET_MIB,
                f"dashboard server with two sessions of {N:,} MES below {SERVER_TARGET_MIB / 1024:g} GiB resident "
                f"(server + analysis workers, {result.processes} processes): peak {result.peak_rss_mib:.0f} MiB "
                f"(sum of VmRSS; Pss {result.peak_pss_mib:.0f} MiB; {result.end_rss_mib:.0f} MiB with both idle)"))
    return out
