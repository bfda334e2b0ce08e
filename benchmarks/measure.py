"""One measurement, run in a fresh process by `benchmarks.run`: prints one JSON line.

    python -m benchmarks.measure analysis|floor|outputs DIR

Wall time is `time.perf_counter` around the work; CPU time (user + system, from getrusage) is
reported beside it because on a shared machine it is less disturbed by other processes.

Every measurement starts cold (no certificate cache, no warmed allocator). Memory is the peak
resident set size of the whole process (interpreter, imported modules, input bytes, libyaml and
OpenSSL allocations included), which is what an operator's machine has to provide: `VmHWM` from
`/proc/self/status` (Linux carries the parent's `ru_maxrss` over a fork + exec into the child),
else `getrusage(RUSAGE_SELF).ru_maxrss`. tracemalloc was not used: it sees only Python
allocations and slows the run down several times.

Both `analysis` and `floor` import the same modules before the clock starts, so their baseline
memory is the same and the difference is the work itself.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import yaml  # noqa: F401  (imported before the clock starts, as the floor needs it)
from cryptography import x509  # noqa: F401
from cryptography.hazmat.primitives import serialization  # noqa: F401

from benchmarks.floor import floor as floor_of
from core import synthetic
from core.analysis import analyse
from core.options import AnalysisOptions
from core.report import rows
from core.report.json_report import to_json
from core.sources import Source, sources_from_paths


def _rss_mib() -> float:
    """Peak resident set of this process so far: `VmHWM` (Linux), else `ru_maxrss`. `ru_maxrss`
    alone would do, but Linux carries the parent's peak over a fork + exec into it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _options() -> AnalysisOptions:
    return AnalysisOptions(now=synthetic.NOW)


def analysis(sources: list[Source]) -> dict[str, Any]:
    report = analyse(sources, _options())
    return {"services": len(report.services), "findings": len(report.findings)}


def floor(sources: list[Source]) -> dict[str, Any]:
    """The least any analysis must do (`benchmarks.floor`): parse every document (libyaml, PyYAML's C loader) and
    load each distinct certificate and key once with `cryptography`."""
    return floor_of([source.data for source in sources])


def outputs(sources: list[Source]) -> dict[str, Any]:
    """After an (untimed) analysis: the JSON report, and the dashboard's table data as DataFrames."""
    import pandas as pd  # only here: the other measurements do not load it

    report = analyse(sources, _options())
    start = time.perf_counter()
    text = to_json(report)
    json_seconds = time.perf_counter() - start
    start = time.perf_counter()
    frames = [pd.DataFrame(rows.service_rows(report)), pd.DataFrame(rows.reference_rows(report)),
              pd.DataFrame(rows.certificate_rows(report))]
    table_seconds = time.perf_counter() - start
    return {"json_seconds": json_seconds, "json_mib": len(text) / 2**20, "tables_seconds": table_seconds,
            "table_rows": [len(f) for f in frames]}


MEASUREMENTS = {"analysis": analysis, "floor": floor, "outputs": outputs}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    what, directory = argv
    sources = sources_from_paths([str(Path(directory))])
    base = _rss_mib()
    cpu = _cpu_seconds()
    start = time.perf_counter()
    facts = MEASUREMENTS[what](sources)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mib": _rss_mib(), "base_mib": base, **facts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
