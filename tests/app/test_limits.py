"""The dashboard's pages and downloads stay within the memory target for the large hostile inputs.

Each input (tests/data/hostile/large.py), with the hostile corpus' baseline after it, goes through the Overview,
every page and every download button of every page, clicked (JSON, Markdown, the four CSV files, the snapshot: the
text the browser tab receives) in a fresh process (tests/app/limits_run.py), whose peak memory is measured
(tests/tools/peak.py, less the file-backed pages of the loaded libraries, which the input does not change and whose
resident size follows the page cache's state): once with the analysis in the dashboard's own process (the `local`
mode default) and, for a few, in a worker process (core.worker, the `shared` mode default), whose own peak is
checked as well. No page may show an exception, the limit must be shown as its finding, the baseline's MES must
still be analysed, and no download may exceed 1 MiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.core.hardening.corpus import ROOT, write_hostile_inputs
from tests.data.hostile.large import EXPECTED, LARGE
from ui.exports import KEYS

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
MEMORY_FACTOR = 20
MEMORY_ALLOWANCE_MIB = 300
DOWNLOAD_LIMIT = MIB
BASELINE_MES = {"aa-partner", "aa-plain", "aa-inline"}
# the finding each input must show, on the Overview or the Sources page
SHOWN = {
    "flow-sequence-6mb.yaml": "MES003",
    "flow-sequence-24mb.yaml": "MES003",
    "aliased-large-scalar.yaml": "MES003",
    "duplicate-keys-flood-2mb.yaml": "MES010",
    "duplicate-keys-flood-12mb.yaml": "MES010",
    "duplicate-keys-one-document.yaml": "MES003",
    "many-empty-documents.yaml": None,
    "many-empty-documents.json": None,
    "tar-gzip-bomb.tar.gz": "MES003",
}
IN_WORKERS = ("flow-sequence-6mb.yaml", "duplicate-keys-flood-12mb.yaml", "tar-gzip-bomb.tar.gz")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hostile_inputs(tmp_path_factory.mktemp("dashboard-large"))


def own_peak_mib(result: dict[str, Any], measured: dict[str, Any]) -> float:
    """The dashboard process's peak resident memory less its file-backed pages (`limits_run.file_backed_mib`)."""
    return float(measured["peak_mib"] - result["file_backed_mib"])


def through_the_dashboard(paths: list[Path], workers: int) -> tuple[dict[str, Any], dict[str, Any]]:
    env = dict(os.environ, MESDOCTOR_ANALYSIS_WORKERS=str(workers))
    done = subprocess.run([sys.executable, "-m", "tests.tools.peak", sys.executable, "-m", "tests.app.limits_run",
                           *map(str, paths)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    lines = done.stdout.strip().splitlines()
    assert len(lines) >= 2, done.stderr[-3000:]
    return json.loads(lines[-2]), json.loads(lines[-1])


@pytest.mark.parametrize(("name", "workers"), [*((n, 0) for n in LARGE), *((n, 1) for n in IN_WORKERS)])
def test_pages_and_downloads_stay_within_the_memory_target(name: str, workers: int, inputs: Path) -> None:
    paths = [inputs / name, inputs / "zz-baseline.yaml"]
    result, measured = through_the_dashboard(paths, workers)
    assert measured["returncode"] == 0
    assert result["problems"] == []
    budget = MEMORY_FACTOR * sum(p.stat().st_size for p in paths) / MIB + MEMORY_ALLOWANCE_MIB
    assert own_peak_mib(result, measured) < budget, f"dashboard peak {own_peak_mib(result, measured):.0f} MiB, " \
        f"target {budget:.0f} MiB"
    if workers:
        assert result["worker_failures"] == [""]
        assert all(peak is not None and peak < budget for peak in result["worker_peaks_mib"]), result
    else:
        assert result["worker_peaks_mib"] == []
    assert set(result["services"]) == BASELINE_MES | EXPECTED[name]["services"]
    code = SHOWN[name]
    if code is not None:
        assert code in result["codes"]
        assert any(code in result["shown"][page] for page in ("app.py", "pages/1_Sources.py")), code
    assert {key.rsplit(":", 1)[1] for key in result["downloads"]} == set(KEYS), result["downloads"]
    big = {k: v for k, v in result["downloads"].items() if v >= DOWNLOAD_LIMIT}
    assert not big, big


def test_the_small_corpus_in_the_dashboard_stays_within_the_memory_target(inputs: Path) -> None:
    """Every small file of the hostile corpus (tests/data/hostile/, archives built) uploaded together."""
    paths = [*sorted((inputs / "small").iterdir()), inputs / "zz-baseline.yaml"]
    size = sum(p.stat().st_size for p in paths)
    result, measured = through_the_dashboard(paths, 0)
    assert measured["returncode"] == 0
    assert result["problems"] == []
    budget = MEMORY_FACTOR * size / MIB + MEMORY_ALLOWANCE_MIB
    assert own_peak_mib(result, measured) < budget, f"dashboard peak {own_peak_mib(result, measured):.0f} MiB, " \
        f"target {budget:.0f} MiB"
    assert set(result["services"]) >= BASELINE_MES
    assert {key.rsplit(":", 1)[1] for key in result["downloads"]} == set(KEYS), result["downloads"]
    # proportional to the input (a 300,000-character label value is repeated in a service's tags and its
    # destinations'); the snapshot holds the report twice (the JSON report, and its own encoding with the manifests)
    big = {k: v for k, v in result["downloads"].items()
           if v >= DOWNLOAD_LIMIT + (6 if k.endswith(":snapshot") else 2) * size}
    assert not big, big
