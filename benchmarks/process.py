"""One process measured from the outside, run by `benchmarks.run` in a fresh interpreter: prints one JSON line.

    python -m benchmarks.process OUTPUT -- COMMAND...

runs COMMAND (its standard output to the file OUTPUT, or discarded for `-`) and reports its wall time from start
to exit (interpreter start-up and imports included: what a CI job or an operator waits for), its CPU time (user +
system) and its peak resident set (`ru_maxrss` of the child from `wait4`). This small process is the child's
parent so that the child's peak is its own: Linux carries a parent's peak over a fork + exec into the child, and
the benchmark's own process holds whole workloads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time


def main(argv: list[str]) -> int:
    output, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit("usage: python -m benchmarks.process OUTPUT -- COMMAND...")
    with open(os.devnull if output == "-" else output, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        errors = err.read().decode(errors="replace")
    print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                      "peak_mib": usage.ru_maxrss / 1024, "exit": child.returncode, "stderr": errors[-2000:]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
