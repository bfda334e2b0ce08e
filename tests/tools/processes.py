"""Stopping the servers a test started (Streamlit, Prometheus, the watcher image's entry point)."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 20) -> None:
    """SIGTERM, then SIGKILL when the process has not exited after `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
