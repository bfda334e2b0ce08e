"""Start the dashboard with `streamlit run app.py` on a free localhost port (the browser tests' server, and
the screenshot script's)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.tools.processes import stop

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


class ServerFailed(RuntimeError):
    """The dashboard exited or did not become healthy; the message ends with its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dashboard(log: Path, *extra: str, env: dict[str, str] | None = None, port: int | None = None) -> Iterator[str]:
    """The dashboard in a child process (the repository's .streamlit/config.toml applies, plus `extra`
    command-line options, e.g. `--secrets.files PATH`); `env` adds to (or, with an empty value, removes from) the
    environment, e.g. `MESDOCTOR_MODE`; `port` is a free one unless given (a test that must write the URL into a
    configuration first picks it with `free_port()`). Yields its base URL and stops it afterwards."""
    port = free_port() if port is None else port
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MESDOCTOR_")}  # the test decides
    for name, value in (env or {}).items():
        if value:
            child_env[name] = value
        else:
            child_env.pop(name, None)
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *extra,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=child_env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy("streamlit", proc, base, log, STARTUP_SECONDS)
        yield base
    finally:
        stop(proc, grace=10)


def wait_healthy(name: str, proc: subprocess.Popen[bytes], base: str, log: Path, seconds: float) -> None:
    """Until `base` answers Streamlit's health check (directly or through a proxy in front); ServerFailed with the
    end of `log` when the process `name` exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise ServerFailed(f"{name} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerFailed(f"{name} did not become healthy at {base} in {seconds:g}s:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)
