"""The Dockerfile's install steps, run for real in a fresh virtual environment (images cannot be built on these
machines): its COPY instructions lay the tree out as in the image, its `pip install` RUN step installs it, and
both entry points work from the result — `mesdoctor` (check on the bundled sample; watch serving /metrics and
stopping on SIGTERM) and the dashboard (`streamlit run app.py`, healthy) — with the package imported from the
environment, not from the repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.tools.processes import stop

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
BOUND = 90.0

pytestmark = pytest.mark.slow


def instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_image_is_slim_and_runs_as_a_user():
    steps = instructions()
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.1[1-9]-slim", steps[0][1])
    users = [rest for word, rest in steps if word == "USER"]
    assert users and users[-1].isdigit() and int(users[-1]) >= 1000
    assert any(word == "RUN" and rest.startswith("pip install") for word, rest in steps)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the image's /app, the environment's bin directory) after the Dockerfile's steps."""
    base = tmp_path_factory.mktemp("image")
    workdir = base / "app"
    workdir.mkdir()
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=BOUND)
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MESDOCTOR_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    for word, rest in instructions():
        if word == "WORKDIR":
            assert rest == "/app"
        elif word == "COPY":
            *sources, target = rest.split()
            for source in sources:
                origin = ROOT / source
                destination = workdir / (target.removeprefix("./") if target not in ("./", ".") else "")
                if origin.is_dir():
                    shutil.copytree(origin, destination if target not in ("./", ".") else workdir / origin.name,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    destination.mkdir(parents=True, exist_ok=True) if target.endswith("/") else None
                    shutil.copy2(origin, destination / origin.name if target.endswith("/") else destination)
        elif word == "RUN" and rest.startswith("pip install"):
            done = subprocess.run(rest, shell=True, cwd=workdir, env=env, capture_output=True, text=True,
                                  timeout=900)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        elif word == "RUN":
            assert rest.startswith("useradd "), f"a RUN step this test does not know: {rest}"
    return workdir, bin_dir


def clean_env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MESDOCTOR_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_package_comes_from_the_environment(installed, tmp_path):
    _, bin_dir = installed
    done = subprocess.run([str(bin_dir / "python"), "-c", "import core, ui, prometheus_client, kubernetes, authlib;"
                           "print(core.__file__)"], cwd=tmp_path, capture_output=True, text=True, timeout=BOUND,
                          env=clean_env(bin_dir))
    assert done.returncode == 0, done.stderr
    assert "site-packages" in done.stdout and str(ROOT) not in done.stdout


def test_mesdoctor_check_and_watch_in_the_image(installed):
    workdir, bin_dir = installed
    env = clean_env(bin_dir)
    done = subprocess.run([str(bin_dir / "mesdoctor"), "check", "--sample", "--format", "json"], cwd=workdir,
                          capture_output=True, text=True, timeout=BOUND, env=env)
    assert done.returncode == 1, done.stderr  # the incident has errors
    assert json.loads(done.stdout)["zone"] == "eu-west-1"
    process = subprocess.Popen([str(bin_dir / "mesdoctor"), "watch", "--sample", "--listen", "127.0.0.1:0"],
                               cwd=workdir, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        start = json.loads(process.stderr.readline())
        url = f"http://{start['listen']}"
        deadline = time.monotonic() + BOUND
        while True:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.3)
        with urllib.request.urlopen(url + "/metrics", timeout=5) as answer:
            assert b'mesdoctor_service_status{' in answer.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=BOUND) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_the_dashboard_starts_in_the_image(installed):
    workdir, bin_dir = installed
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(bin_dir / "streamlit"), "run", "app.py", "--server.address", "127.0.0.1",
                                "--server.port", str(port), "--server.headless", "true"], cwd=workdir,
                               env=clean_env(bin_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + BOUND
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as answer:
                    assert answer.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.5)
    finally:
        stop(process)
