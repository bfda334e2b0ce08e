"""Run a command and report its peak resident memory: `python -m tests.tools.peak COMMAND...` prints one JSON
line `{"returncode": N, "peak_mib": M, "cpu_seconds": S}`.

The peak is `getrusage(RUSAGE_CHILDREN).ru_maxrss` of this small launcher, whose only child is the command.
Linux carries a parent's peak over a fork + exec into the child, so measuring from a large process (pytest
with the dashboard loaded, several hundred MiB) would report that process's peak for every command: this
launcher imports next to nothing, so what it passes on is a few MiB.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m tests.tools.peak COMMAND [ARG...]\n")
        return 2
    code = subprocess.run(argv, check=False).returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"returncode": code, "peak_mib": usage.ru_maxrss / 1024,
                      "cpu_seconds": usage.ru_utime + usage.ru_stime}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
