"""Peak memory and report size of a fresh `python -m core check` per hostile input and output format.

The documented target (docs/deploy.md, "Memory and time limits"): no input within the size limits makes the
CLI (or the dashboard's analysis) take more than 20 times its size plus 300 MiB of memory, whatever the
format. Each large input of tests/data/hostile/large.py is checked in every format, after being written next
to the baseline (read after it: a limit of the hostile file must not stop the files after it); the small
corpus files of tests/data/hostile/ are checked together, once per format. The peak is the resident-set
high-water mark of the command (tests/tools/peak.py measures it from a small launcher: Linux would pass
pytest's own peak on to a child).

These are memory and size assertions, not speed ones: the time the runs take is never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.data.hostile.large import EXPECTED, LARGE
from tests.factories import NOW

from .corpus import ROOT, write_hostile_inputs

MIB = 1024 * 1024
FORMATS = ("table", "json", "markdown", "sarif", "junit", "codequality")
MEMORY_FACTOR = 20  # peak < 20 x input + 300 MiB
MEMORY_ALLOWANCE_MIB = 300
REPORT_LIMIT = 1 * MIB  # the largest report of the large inputs; before the finding cap one was 265 MB
# the small corpus repeats some of its input (a 300,000-character label value is a service's tag and a tag of its
# destination on both control-plane versions): its reports stay within twice the input plus REPORT_LIMIT
REPORT_FACTOR = 2

@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hostile_inputs(tmp_path_factory.mktemp("hostile-large"))


def check(paths: list[Path], fmt: str, out: Path) -> tuple[dict[str, Any], str]:
    """`python -m core check PATHS --format FMT -o OUT`, measured; returns the measurement and stderr."""
    command = [sys.executable, "-m", "tests.tools.peak", sys.executable, "-m", "core", "check", *map(str, paths),
               "--format", fmt, "-o", str(out), "--now", NOW.isoformat(), "--kuma-version", "2.14",
               "--fail-on", "never"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-2000:]
    return json.loads(lines[-1]), done.stderr


def size_of(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def assert_within_target(measured: dict[str, Any], stderr: str, input_bytes: int, report: Path,
                         report_limit: int = REPORT_LIMIT) -> None:
    assert measured["returncode"] == 0, stderr[-2000:]
    assert "Traceback" not in stderr and "MemoryError" not in stderr, stderr[-2000:]
    budget = MEMORY_FACTOR * input_bytes / MIB + MEMORY_ALLOWANCE_MIB
    assert measured["peak_mib"] < budget, f"peak {measured['peak_mib']:.0f} MiB, target {budget:.0f} MiB"
    assert report.stat().st_size < report_limit, f"a report of {report.stat().st_size:,} bytes"


@cache
def _baseline_alone(folder: str) -> dict[str, Any]:
    out = Path(folder) / "baseline-alone.json"
    measured, stderr = check([Path(folder) / "zz-baseline.yaml"], "json", out)
    assert measured["returncode"] == 0, stderr
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _services(report: dict[str, Any]) -> dict[str, tuple[str, bool, list[str]]]:
    return {s["name"]: (s["status"], s["included"], sorted(f["code"] for f in s["findings"]))
            for s in report["services"]}


def _finding_keys(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["code"], f["message"]) for f in report["findings"]}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(LARGE))
def test_large_hostile_input_stays_within_the_memory_target(name: str, fmt: str, inputs: Path,
                                                            tmp_path: Path) -> None:
    paths = [inputs / name, inputs / "zz-baseline.yaml"]  # the baseline after it: it must still be read
    out = tmp_path / f"report.{fmt}"
    measured, stderr = check(paths, fmt, out)
    assert_within_target(measured, stderr, size_of(paths), out)
    text = out.read_text()
    expected = EXPECTED[name]
    alone = _baseline_alone(str(inputs))
    if fmt == "json":
        report = json.loads(text)
        services = _services(report)
        baseline = _services(alone)
        assert {k: services.get(k) for k in baseline} == baseline  # the neighbour's result is unchanged
        assert set(services) - set(baseline) == expected["services"]
        added = _finding_keys(report) - _finding_keys(alone)
        assert {code for code, _ in added} == expected["codes"], sorted(added)[:5]
        if "message" in expected:
            assert any(expected["message"] in message for _, message in added), sorted(added)[:5]
    elif fmt == "sarif":
        rules = {r["ruleId"] for run in json.loads(text)["runs"] for r in run["results"]}
        assert expected["codes"] <= rules
    elif fmt == "codequality":  # findings only: the expected codes, and the baseline's own findings still there
        issues = json.loads(text)
        assert expected["codes"] | {f["code"] for f in alone["findings"]} <= {i["check_name"] for i in issues}
    elif fmt == "markdown":  # the incident report names the MES with problems; its summary counts them all
        count = len(alone["services"]) + len(expected["services"])
        assert f"**{count}** MeshExternalServices" in text
    else:
        for service in {s["name"] for s in alone["services"]} | expected["services"]:
            assert service in text, f"{service} missing from the {fmt} report"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_small_corpus_stays_within_the_memory_target(fmt: str, inputs: Path, tmp_path: Path) -> None:
    """Every small file of the corpus (tests/data/hostile/, archives built) in one run per format."""
    paths = [*sorted((inputs / "small").iterdir()), inputs / "zz-baseline.yaml"]
    out = tmp_path / f"report.{fmt}"
    measured, stderr = check(paths, fmt, out)
    assert_within_target(measured, stderr, size_of(paths), out, REPORT_LIMIT + REPORT_FACTOR * size_of(paths))
    if fmt == "json":
        names = {s["name"] for s in json.loads(out.read_text())["services"]}
        assert {s["name"] for s in _baseline_alone(str(inputs))["services"]} <= names


def test_every_large_input_has_an_expectation_and_the_hostile_table_knows_none() -> None:
    assert set(EXPECTED) == set(LARGE)
    table = yaml.safe_load((ROOT / "tests" / "data" / "hostile" / "expected.yaml").read_text())
    assert not set(table) & set(LARGE)


def test_the_launcher_reports_the_peak_of_its_child() -> None:
    """The measuring tool itself: a child that holds 200 MiB is seen as holding about that much."""
    done = subprocess.run([sys.executable, "-m", "tests.tools.peak", sys.executable, "-c",
                           "x = bytearray(200 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["returncode"] == 0
    assert 200 <= measured["peak_mib"] < 300


@pytest.mark.slow
def test_a_dense_json_snapshot_is_refused_within_the_memory_target(tmp_path: Path) -> None:
    """The dashboard's Sources → Snapshot uploader takes any JSON file up to the upload limit: 24 MB of `{},` would
    take about 700 MiB to parse; it is refused first, within the target."""
    path = tmp_path / "dense-snapshot.json"
    path.write_bytes(('{"snapshotVersion": 1, "x": [' + "{}," * (8 * MIB) + "{}]}").encode())
    script = ("import sys; from core.report.snapshot import SnapshotError, from_snapshot\n"
              "try:\n    from_snapshot(open(sys.argv[1], 'rb').read())\n"
              "except SnapshotError as exc:\n    print(exc, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-m", "tests.tools.peak", sys.executable, "-c", script, str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert "far more than a snapshot of that size holds" in done.stderr, done.stderr[-2000:]
    budget = MEMORY_FACTOR * path.stat().st_size / MIB + MEMORY_ALLOWANCE_MIB
    assert measured["peak_mib"] < budget and measured["peak_mib"] < 200, measured


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ("table", "json", "markdown"))
@pytest.mark.parametrize("name", ["flow-sequence-24mb.yaml", "duplicate-keys-flood-12mb.yaml",
                                  "aliased-large-scalar.yaml", "tar-gzip-bomb.tar.gz"])
def test_mesdoctor_diff_of_a_large_hostile_input_stays_within_the_memory_target(name: str, fmt: str, inputs: Path,
                                                                                  tmp_path: Path) -> None:
    """`mesdoctor diff BEFORE AFTER` analyses both: the baseline before, the hostile input after."""
    before, after = inputs / "zz-baseline.yaml", inputs / name
    out = tmp_path / f"diff.{fmt}"
    command = [sys.executable, "-m", "tests.tools.peak", sys.executable, "-m", "core", "diff", str(before), str(after),
               "--format", fmt, "-o", str(out), "--now", NOW.isoformat(), "--kuma-version", "2.14",
               "--fail-on", "never"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert_within_target(measured, done.stderr, size_of([before, after]), out)
    if fmt == "json":
        assert json.loads(out.read_text())
