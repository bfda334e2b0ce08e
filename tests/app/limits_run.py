"""Input files through every dashboard page and every download, in a fresh process, for tests/app/test_limits.py
(which measures the peak memory of this process with tests/tools/peak.py).

    python -m tests.app.limits_run FILE [FILE...]

prints one JSON line: the exceptions and error alerts of every page, the text every page shows, the finding
codes and services of the report, the size of every download, and the peak memory of each worker process the
analysis ran in (core.worker: set MESDOCTOR_ANALYSIS_WORKERS to run it in one).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from core import worker
from core.sources import Source
from tests.app.conftest import APP, PAGES, new_app, report_of, texts
from ui import state
from ui.exports import KEYS

TIMEOUT = 600


def main(paths: list[str]) -> dict[str, Any]:
    outcomes: list[worker.Outcome] = []
    original = worker.run

    def recording(*args: Any, **kwargs: Any) -> worker.Outcome:
        outcome = original(*args, **kwargs)
        outcomes.append(outcome)
        return outcome

    worker.run = recording  # type: ignore[assignment]
    sources = [Source("upload", Path(p).name, Path(p).read_bytes()) for p in paths]
    at = new_app()
    at.session_state[state.PREFIX + "input"] = state.Input(kind="files", sources=sources, label="upload")
    shown: dict[str, str] = {}
    problems: list[str] = []
    downloads: dict[str, int] = {}
    for path in [str(APP.relative_to(APP.parent)), *PAGES]:
        if path == "app.py":
            at.run(timeout=TIMEOUT)
        else:
            at.switch_page(path).run(timeout=TIMEOUT)
        _collect(at, problems)
        shown[path] = texts(at)
        for name, key in KEYS.items():  # every export button of the page, clicked: the file the browser gets
            if not any(b.key == key for b in at.button):
                continue
            at.button(key=key).click().run(timeout=TIMEOUT)
            _collect(at, problems)
            problems += [f"{key}: {e.value}" for e in at.error if "too large to download" in str(e.value)]
            for sent in (json.loads(e.proto.json) for e in at.get("bidi_component")):
                downloads[f"{path}:{name}"] = len(sent["text"].encode())
    report = report_of(at)
    return {
        "problems": problems,
        "shown": shown,
        "codes": sorted({f.code for f in report.findings}),
        "messages": [f.message for f in report.findings if f.code < "MES1"],
        "services": sorted(s.resource.name for s in report.services),
        "downloads": downloads,
        "worker_peaks_mib": [o.peak_mib for o in outcomes],
        "worker_failures": [o.failure for o in outcomes],
        "file_backed_mib": file_backed_mib(),
    }


def file_backed_mib() -> float:
    """The file-backed part of this process's resident memory now (`RssFile`: the text of Python, numpy, pyarrow,
    pandas...). Its size depends on the page cache, not on the input: the same binaries map about 35 MiB more
    when freshly installed (a CI run's new venv) than long after."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _collect(at: Any, problems: list[str]) -> None:
    problems += [str(e.value) for e in at.exception]
    problems += [str(e.value) for e in at.error if "could not render" in str(e.value)]


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
