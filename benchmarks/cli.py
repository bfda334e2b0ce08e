"""`make bench`, the command line as users run it: `mesdoctor check` as a whole process against the floor process.

For each flavour, naming scheme (`plain`: today's synthetic workload; `lookalike`: numbered services whose
Secrets are `<service>-ca/-cert/-key`, about one reference in twenty a near miss) and size, the workload is
written once; then, alternately and `--repeat` times each, in fresh processes measured from the outside
(`benchmarks.process`: start to exit, start-up and imports included):

* `mesdoctor check DIR --format json -o FILE` and the same with `--format table`: start to report written;
* the floor process, `python -m benchmarks.floor DIR`: an interpreter that imports only PyYAML and cryptography,
  parses every file with PyYAML's C loader and loads each distinct certificate and key once.

Wall time is the best of the repeats; peak memory is the highest `ru_maxrss` of the command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import synthetic

SIZES = (1_000, 3_000, 10_000)
RATIO_SIZES = (3_000, 10_000)  # the ratio target holds at these sizes
FORMATS = ("json", "table")
NAMES = (synthetic.PLAIN, synthetic.LOOKALIKE)
RATIO_TARGET = 1.5
GROWTH_TARGET = 11.0
MEMORY_TARGET_MIB = 1024.0
NOW = synthetic.NOW.isoformat().replace("+00:00", "Z")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CliRow:
    flavour: str
    names: str
    n: int
    mib: float
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "floor", "json", "table" -> runs

    def best(self, what: str, clock: str = "seconds") -> float:
        return min(r[clock] for r in self.runs[what])

    def peak(self, what: str) -> float:
        return max(r["peak_mib"] for r in self.runs[what])

    def ratio(self, fmt: str, clock: str = "seconds") -> float:
        return self.best(fmt, clock) / self.best("floor", clock)


def _environment() -> dict[str, str]:
    """The children's environment: bytecode caching on (an installed package has its .pyc files; a developer
    setting of PYTHONDONTWRITEBYTECODE would make every run compile the whole engine again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONHASHSEED"] = "0"
    return env


def _mesdoctor() -> list[str]:
    script = Path(sys.executable).parent / "mesdoctor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "core"]


def command(what: str, directory: Path) -> list[str]:
    if what == "floor":
        return [sys.executable, "-m", "benchmarks.floor", str(directory)]
    return [*_mesdoctor(), "check", str(directory), "--format", what, "--now", NOW, "--no-config"]


def run_process(what: str, directory: Path, output: Path) -> dict[str, Any]:
    """One measured process (see `benchmarks.process`)."""
    target = "-" if what == "floor" else str(output)
    done = subprocess.run([sys.executable, "-m", "benchmarks.process", target, "--", *command(what, directory)],
                          cwd=ROOT, env=_environment(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring {what} on {directory} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["exit"] not in (0, 1):  # 1: findings at the --fail-on threshold, as the workloads plant
        raise SystemExit(f"{' '.join(command(what, directory))} exited {result['exit']}:\n{result['stderr']}")
    return result


def warm_up(directory: Path, output: Path) -> None:
    """One untimed run of each command: bytecode written, files in the page cache, like every later run."""
    for what in ("floor", *FORMATS):
        run_process(what, directory, output)


def measure(tmp: Path, flavours: list[str], sizes: list[int], repeat: int, log: Any) -> list[CliRow]:
    rows: list[CliRow] = []
    output = tmp / "report.out"
    warmed = False
    for flavour in flavours:
        for names in NAMES:
            for n in sizes:
                directory = tmp / f"cli-{flavour}-{names}-{n}"
                work = synthetic.workload(n, flavour, names=names)
                work.write(directory)
                del work.files
                if not warmed:
                    warm_up(directory, output)
                    warmed = True
                row = CliRow(flavour, names, n, sum(p.stat().st_size for p in directory.iterdir()) / 1e6)
                for _ in range(repeat):
                    for what in ("floor", *FORMATS):
                        row.runs.setdefault(what, []).append(run_process(what, directory, output))
                rows.append(row)
                log(f"  measured CLI {flavour}/{names} N={n:,}: floor {row.best('floor'):.2f}s, "
                    + ", ".join(f"{fmt} {row.best(fmt):.2f}s ({row.ratio(fmt):.2f}x)" for fmt in FORMATS))
                for path in directory.iterdir():
                    path.unlink()
                directory.rmdir()
    return rows


def table(rows: list[CliRow]) -> list[str]:
    head = (f"{'flavour':<11} {'names':<9} {'MES':>7} {'input':>8} {'floor':>7} {'json':>7} {'ratio':>6} "
            f"{'table':>7} {'ratio':>6} {'cpu j/t':>11} {'growth j/t':>11} {'peak MiB f/j/t':>15}")
    out = [head, "-" * len(head)]
    first: dict[tuple[str, str], CliRow] = {}
    for row in rows:
        base = first.setdefault((row.flavour, row.names), row)
        growth = ""
        if row is not base:
            growth = f"{row.best('json') / base.best('json'):.1f}/{row.best('table') / base.best('table'):.1f}x"
        cpu = f"{row.ratio('json', 'cpu_seconds'):.2f}/{row.ratio('table', 'cpu_seconds'):.2f}x"
        peaks = f"{row.peak('floor'):.0f}/{row.peak('json'):.0f}/{row.peak('table'):.0f}"
        out.append(f"{row.flavour:<11} {row.names:<9} {row.n:>7,} {row.mib:>6.1f}MB {row.best('floor'):>6.2f}s "
                   f"{row.best('json'):>6.2f}s {row.ratio('json'):>5.2f}x {row.best('table'):>6.2f}s "
                   f"{row.ratio('table'):>5.2f}x {cpu:>11} {growth:>11} {peaks:>15}")
    return out


def verdicts(rows: list[CliRow]) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    for flavour in dict.fromkeys(r.flavour for r in rows):
        for names in NAMES:
            mine = {r.n: r for r in rows if r.flavour == flavour and r.names == names}
            if not mine:
                continue
            for fmt in FORMATS:
                for n in RATIO_SIZES:
                    if n in mine:
                        row = mine[n]
                        out.append((row.ratio(fmt) <= RATIO_TARGET,
                                    f"CLI --format {fmt} within {RATIO_TARGET}x of the floor process at N={n:,} "
                                    f"({flavour}, {names} names): {row.ratio(fmt):.2f}x wall time "
                                    f"({row.best(fmt):.2f}s against {row.best('floor'):.2f}s; CPU time: "
                                    f"{row.ratio(fmt, 'cpu_seconds'):.2f}x)"))
                largest, smallest = max(mine), min(mine)
                if largest >= 10 * smallest:
                    growth = mine[largest].best(fmt) / mine[smallest].best(fmt)
                    out.append((growth <= GROWTH_TARGET,
                                f"CLI --format {fmt} growth {smallest:,} -> {largest:,} no worse than "
                                f"{GROWTH_TARGET:g}x ({flavour}, {names} names): {growth:.1f}x (floor process: "
                                f"{mine[largest].best('floor') / mine[smallest].best('floor'):.1f}x)"))
            largest = max(mine)
            if largest >= 10_000:
                peak = max(mine[largest].peak(fmt) for fmt in FORMATS)
                out.append((peak < MEMORY_TARGET_MIB,
                            f"CLI peak memory at N={largest:,} below {MEMORY_TARGET_MIB / 1024:g} GiB ({flavour}, "
                            f"{names} names): {peak:.0f} MiB"))
    return out
