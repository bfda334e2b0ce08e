"""`make bench`: the analysis, the command line and the dashboard against their targets (docs/performance.md).

Three parts (`--parts`, all by default):

* `analysis`: the analysis in a process against the floor, 100 / 1,000 / 10,000 MES (below);
* `cli`: `mesdoctor check` as a whole process (`--format json` and `table`) against the floor process, on the
  plain and the look-alike-names workloads, 1,000 / 3,000 / 10,000 MES (`benchmarks.cli`);
* `browser`: the dashboard in headless Chromium, page switches at 5,000 MES and the server's memory with two
  sessions (`benchmarks.browser`).

For each flavour (Kubernetes, Universal) and size, a synthetic workload (`core.synthetic`, seed 0)
is written to a temporary directory once; then `core.analysis.analyse` and the floor (PyYAML's C
loader over the same bytes plus one `cryptography` load per distinct certificate and key) are each
measured `--repeat` times, alternately, every time in a fresh process (`benchmarks.measure`).
Wall time is the best of the repeats (the least disturbed run on a shared machine); peak memory
is the highest resident set seen. Ratios and growth factors are what to compare between
machines, not absolute times.

The targets are printed as PASS/FAIL lines; the exit code is 0 either way (use `--strict` to
exit 1 on a FAIL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import browser as browser_bench
from benchmarks import cli as cli_bench
from core import synthetic
from core.model import Flavour

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 1_000, 10_000)
RATIO_TARGET = 1.5
GROWTH_TARGET = 11.0
MEMORY_TARGET_MIB = 1024.0


@dataclass
class Row:
    flavour: str
    n: int
    mib: float  # input size
    analysis: list[dict[str, Any]] = field(default_factory=list)
    floor: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def best(runs: list[dict[str, Any]], clock: str = "seconds") -> float:
        return min(r[clock] for r in runs)

    @staticmethod
    def peak(runs: list[dict[str, Any]]) -> float:
        return max(r["peak_mib"] for r in runs)

    @property
    def ratio(self) -> float:
        return self.best(self.analysis) / self.best(self.floor)

    @property
    def cpu_ratio(self) -> float:
        return self.best(self.analysis, "cpu_seconds") / self.best(self.floor, "cpu_seconds")


def measure(what: str, directory: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: .pyc files
    env["PYTHONHASHSEED"] = "0"
    done = subprocess.run([sys.executable, "-m", "benchmarks.measure", what, str(directory)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement {what} {directory} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 2**20:.0f} GiB RAM"
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def _fmt_n(n: int) -> str:
    return f"{n:,}"


def table(rows: list[Row]) -> list[str]:
    head = (f"{'flavour':<11} {'MES':>7} {'input':>8} {'analysis':>9} {'floor':>8} {'ratio':>6} "
            f"{'growth a.':>9} {'growth f.':>9} {'cpu ratio':>9} {'peak MiB a.':>11} {'peak MiB f.':>11}")
    out = [head, "-" * len(head)]
    previous: dict[str, Row] = {}
    for row in rows:
        before = previous.get(row.flavour)
        growth_a = growth_f = ""
        if before is not None:
            growth_a = f"{row.best(row.analysis) / row.best(before.analysis):.1f}x"
            growth_f = f"{row.best(row.floor) / row.best(before.floor):.1f}x"
        out.append(f"{row.flavour:<11} {_fmt_n(row.n):>7} {row.mib:>6.1f}MB {row.best(row.analysis):>8.2f}s "
                   f"{row.best(row.floor):>7.2f}s {row.ratio:>5.2f}x {growth_a:>9} {growth_f:>9} "
                   f"{row.cpu_ratio:>8.2f}x {row.peak(row.analysis):>11.0f} {row.peak(row.floor):>11.0f}")
        previous[row.flavour] = row
    return out


def verdicts(rows: list[Row]) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    largest = max(r.n for r in rows)
    for flavour in dict.fromkeys(r.flavour for r in rows):
        mine = {r.n: r for r in rows if r.flavour == flavour}
        top = mine[largest]
        out.append((top.ratio <= RATIO_TARGET,
                    f"analysis within {RATIO_TARGET}x of the floor at N={_fmt_n(largest)} ({flavour}): "
                    f"{top.ratio:.2f}x wall time (CPU time: {top.cpu_ratio:.2f}x)"))
        smaller = largest // 10
        if smaller in mine:
            growth = top.best(top.analysis) / mine[smaller].best(mine[smaller].analysis)
            out.append((growth <= GROWTH_TARGET,
                        f"growth {_fmt_n(smaller)} -> {_fmt_n(largest)} no worse than {GROWTH_TARGET:g}x "
                        f"({flavour}): {growth:.1f}x"))
        peak = top.peak(top.analysis)
        out.append((peak < MEMORY_TARGET_MIB,
                    f"peak memory at N={_fmt_n(largest)} below {MEMORY_TARGET_MIB / 1024:g} GiB ({flavour}): "
                    f"{peak:.0f} MiB"))
    return out


def _log(text: str) -> None:
    print(text, flush=True)


def _analysis(tmp: Path, flavours: list[str], sizes: list[int], repeat: int,
              ) -> tuple[list[Row], dict[str, dict[str, Any]]]:
    rows: list[Row] = []
    outputs: dict[str, dict[str, Any]] = {}
    for flavour in flavours:
        for n in sizes:
            directory = tmp / f"{flavour}-{n}"
            work = synthetic.workload(n, flavour)
            work.write(directory)
            row = Row(flavour, n, work.size / 1e6)
            for _ in range(repeat):
                row.analysis.append(measure("analysis", directory))
                row.floor.append(measure("floor", directory))
            rows.append(row)
            _log(f"  measured {flavour} N={_fmt_n(n)}: analysis {row.best(row.analysis):.2f}s, "
                 f"floor {row.best(row.floor):.2f}s")
        outputs[flavour] = measure("outputs", tmp / f"{flavour}-{sizes[-1]}")
    return rows, outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES), help="comma-separated MES counts")
    parser.add_argument("--flavours", default="kubernetes,universal")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per size (best time is kept)")
    parser.add_argument("--cli-sizes", default=",".join(str(n) for n in cli_bench.SIZES),
                        help="comma-separated MES counts of the command-line part")
    parser.add_argument("--parts", default="analysis,cli,browser", help="which parts to run (analysis,cli,browser)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes.split(","))
    cli_sizes = sorted(int(n) for n in args.cli_sizes.split(","))
    flavours = [Flavour(f.strip()).value for f in args.flavours.split(",")]
    parts = {p.strip() for p in args.parts.split(",")}
    unknown = parts - {"analysis", "cli", "browser"}
    if unknown:
        parser.error(f"--parts: unknown part(s) {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    print(f"MES Doctor benchmark on {machine()}", flush=True)
    print(f"times: best of {args.repeat} fresh processes (ratio = wall time, cpu ratio = user+system time); "
          "memory: peak RSS (VmHWM)\n", flush=True)
    results: list[tuple[bool, str]] = []
    report: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mesdoctor-bench-") as tmp:
        if "analysis" in parts:
            rows, outputs = _analysis(Path(tmp), flavours, sizes, args.repeat)
            report += ["", *table(rows), f"\nreports at N={_fmt_n(sizes[-1])} (after the analysis):"]
            for flavour, o in outputs.items():
                report.append(f"  {flavour:<11} JSON report (to_json) {o['json_seconds']:.2f}s ({o['json_mib']:.0f} "
                              f"MiB); service/reference/certificate rows + DataFrames {o['tables_seconds']:.2f}s "
                              f"({' / '.join(_fmt_n(n) for n in o['table_rows'])} rows)")
            results += verdicts(rows)
        if "cli" in parts:
            cli_rows = cli_bench.measure(Path(tmp), flavours, cli_sizes, args.repeat, _log)
            report += ["", "the command line (start to report written) against the floor process:",
                       *cli_bench.table(cli_rows)]
            results += cli_bench.verdicts(cli_rows)
        if "browser" in parts:
            measured = browser_bench.measure(Path(tmp), _log)
            if not measured.error:
                report += ["", f"the dashboard with {browser_bench.N:,} MES per session (seconds):"]
                for label, pages in measured.pages.items():
                    report.append(f"  session {label}: upload + analysis {measured.uploads[label]:.1f}; "
                                  + ", ".join(f"{k} {v:.2f}" for k, v in pages.items()))
            results += browser_bench.verdicts(measured)
    for line in report:
        print(line)
    print()
    for ok, text in results:
        print(f"{'PASS' if ok else 'FAIL'} {text}")
    print(f"\n(benchmark took {time.perf_counter() - started:.0f}s)")
    return 1 if args.strict and not all(ok for ok, _ in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
