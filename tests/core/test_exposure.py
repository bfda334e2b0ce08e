"""Local mode stays local: loopback detection, the opt-in, the start-up check of `make run`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.exposure import EXPOSE_VARIABLE, exposure_problem, exposure_warning, is_loopback, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("address", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_addresses(address):
    assert is_loopback(address)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "myhost", "::ffff:0:0"])
def test_not_loopback(address):
    assert not is_loopback(address)


def test_local_mode_on_a_network_address_is_refused_unless_opted_in():
    problem = exposure_problem(False, "0.0.0.0", {})
    assert problem and "local mode" in problem and "0.0.0.0" in problem and EXPOSE_VARIABLE in problem
    assert "every network interface" in exposure_problem(False, None, {})
    assert exposure_problem(False, "127.0.0.1", {}) is None
    assert exposure_problem(True, "0.0.0.0", {}) is None  # shared mode may listen anywhere
    assert exposure_problem(False, "0.0.0.0", {EXPOSE_VARIABLE: "yes"}) is None
    assert exposure_problem(False, "0.0.0.0", {EXPOSE_VARIABLE: "1"}) is not None  # only the word says it


def test_an_exposed_local_mode_is_announced():
    assert "local mode" in exposure_warning(False, "0.0.0.0", {EXPOSE_VARIABLE: "yes"})
    assert exposure_warning(False, "127.0.0.1", {EXPOSE_VARIABLE: "yes"}) is None
    assert exposure_warning(True, "0.0.0.0", {EXPOSE_VARIABLE: "yes"}) is None


def test_the_start_up_check(monkeypatch, capsys):
    for name in ("MESDOCTOR_MODE", "MESDOCTOR_CONFIG", EXPOSE_VARIABLE, "MESDOCTOR_ALLOW_LINK_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["127.0.0.1"]) == 0
    assert main(["0.0.0.0"]) == 2 and "refusing to start" in capsys.readouterr().err
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    assert main(["0.0.0.0"]) == 0
    monkeypatch.setenv("MESDOCTOR_MODE", "public")
    assert main(["127.0.0.1"]) == 2 and "invalid server settings: MESDOCTOR_MODE" in capsys.readouterr().err


def test_make_run_binds_loopback_and_checks_first():
    makefile = (ROOT / "Makefile").read_text()
    assert "ADDRESS ?= 127.0.0.1" in makefile
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m core.exposure $(ADDRESS)" in run and "--server.address $(ADDRESS)" in run
    assert run.index("core.exposure") < run.index("streamlit run")
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"  # `streamlit run app.py` alone stays local too


def test_make_run_refuses_an_exposed_local_mode():
    result = subprocess.run(["make", "-n", "run", "ADDRESS=0.0.0.0"], cwd=ROOT, capture_output=True, text=True)
    assert "core.exposure 0.0.0.0" in result.stdout  # the check runs with the chosen address
    check = subprocess.run([sys.executable, "-m", "core.exposure", "0.0.0.0"], cwd=ROOT, capture_output=True,
                           text=True, env={"PATH": "/usr/bin:/bin"})
    assert check.returncode == 2 and "MESDOCTOR_EXPOSE_LOCAL_MODE=yes" in check.stderr
    opted_in = subprocess.run([sys.executable, "-m", "core.exposure", "0.0.0.0"], cwd=ROOT, capture_output=True,
                              text=True, env={"PATH": "/usr/bin:/bin", "MESDOCTOR_EXPOSE_LOCAL_MODE": "yes"})
    assert opted_in.returncode == 0 and "local mode, listening on 0.0.0.0" in opted_in.stdout
