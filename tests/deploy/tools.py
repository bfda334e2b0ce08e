"""External tools of the deployment tests (Debian's prometheus / promtool, kubectl): skipped locally when missing,
a failure in CI (`CI` set), like the browser tests."""

from __future__ import annotations

import os
import shutil

import pytest


def tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if found is None:
        reason = f"{name} is not installed (apt-get install {'kubectl' if name == 'kubectl' else 'prometheus'})"
        if os.environ.get("CI"):
            pytest.fail(f"deployment tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return found
