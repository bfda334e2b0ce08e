"""core.worker: the dashboard's analyses in worker processes (memory cap, time limit, a line of waiting ones)."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from core import loading, worker
from core.analysis import analyse
from core.options import AnalysisOptions
from core.report.json_report import to_json
from core.settings import SettingsError
from core.sources import Source
from tests.core.hardening.corpus import baseline_source
from tests.data.hostile.large import flow_sequence, mes
from tests.factories import NOW

OPTIONS = AnalysisOptions(kuma_version="2.14", now=NOW)
MIB = 1024 * 1024


def mes_manifest(name: str) -> bytes:
    return mes(name).encode()


def summary(report: Any) -> tuple[Any, ...]:
    return (sorted((s.resource.key, s.status.value, s.included) for s in report.services),
            sorted((f.code, f.message) for f in report.findings))


# --- settings ---------------------------------------------------------------------------------------------


def test_defaults_follow_the_mode() -> None:
    assert worker.worker_settings({}) == worker.WorkerSettings(0, None, 300.0)
    assert worker.worker_settings({"MESDOCTOR_MODE": "shared"}).workers == worker.SHARED_WORKERS


def test_settings_from_the_environment() -> None:
    env = {"MESDOCTOR_ANALYSIS_WORKERS": "3", "MESDOCTOR_ANALYSIS_MEMORY_MB": "2048",
           "MESDOCTOR_ANALYSIS_TIMEOUT": "90"}
    assert worker.worker_settings(env) == worker.WorkerSettings(3, 2048, 90.0)
    assert worker.worker_settings({"MESDOCTOR_MODE": "shared", "MESDOCTOR_ANALYSIS_WORKERS": "0"}).workers == 0


BAD = [("MESDOCTOR_ANALYSIS_WORKERS", "two"), ("MESDOCTOR_ANALYSIS_WORKERS", "-1"),
       ("MESDOCTOR_ANALYSIS_MEMORY_MB", "-5"), ("MESDOCTOR_ANALYSIS_TIMEOUT", "0"),
       ("MESDOCTOR_ANALYSIS_TIMEOUT", "nan")]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        worker.worker_settings({name: value})


def test_memory_cap_is_the_documented_target_unless_set() -> None:
    job = worker.Job([Source("u", "a.yaml", b"x" * MIB)], OPTIONS)
    assert worker.memory_cap(job, worker.WorkerSettings(1)) == 20 * MIB + 300 * MIB
    assert worker.memory_cap(job, worker.WorkerSettings(1, memory_mib=512)) == 512 * MIB
    assert worker.memory_cap(job, worker.WorkerSettings(1, memory_mib=0)) is None


# --- running ------------------------------------------------------------------------------------------------


def test_in_process_and_in_a_worker_give_the_same_report() -> None:
    sources = [baseline_source()]
    stages: list[str] = []
    outcome = worker.run(worker.Job(sources, OPTIONS), worker.WorkerSettings(workers=1),
                         progress=lambda label, _fraction: stages.append(label))
    assert outcome.failure == "" and outcome.peak_mib is not None and outcome.peak_mib > 0
    assert summary(outcome.report) == summary(analyse(sources, OPTIONS))
    assert stages[0] == "Loading manifests" and stages[-1] == "Writing the report"
    local = worker.run(worker.Job(sources, OPTIONS), worker.WorkerSettings(workers=0))
    assert summary(local.report) == summary(outcome.report) and local.peak_mib is None


def test_live_state_with_a_what_if_overlay_gives_the_same_report_in_a_worker() -> None:
    """What the dashboard's `state.report_for` analyses: preloaded (live) state, files on top of it (what-if
    layers, a live overlay): the worker's report is the in-process one, to the last key of the JSON report."""
    live = loading.load([baseline_source()], OPTIONS.limits, OPTIONS.system_namespace)
    overlay = [Source("paste", "what-if.yaml", mes_manifest("zz-what-if"))]
    job = worker.Job(overlay, OPTIONS, live)
    outcome = worker.run(job, worker.WorkerSettings(workers=1))
    assert outcome.failure == ""
    here = analyse(overlay, OPTIONS, preloaded=live)
    assert to_json(outcome.report) == to_json(here)
    assert "zz-what-if" in {s.resource.name for s in outcome.report.services}
    assert outcome.report.inputs_digest == here.inputs_digest


def test_a_document_over_the_memory_cap_is_a_finding_and_the_others_stay() -> None:
    """40 MiB of address space for a document whose nodes need hundreds: MES003, the baseline analysed."""
    sources = [Source("u", "flow.yaml", flow_sequence(6 * MIB)), baseline_source()]
    outcome = worker.run(worker.Job(sources, OPTIONS), worker.WorkerSettings(workers=1, memory_mib=40))
    assert outcome.failure == ""
    stops = [f for f in outcome.report.findings if f.code == "MES003"]
    assert stops and "more memory than the analysis may use" in stops[0].message
    assert {"aa-partner", "aa-plain", "aa-inline"} <= {s.resource.name for s in outcome.report.services}


def test_an_analysis_over_its_time_is_stopped_and_says_so() -> None:
    sources = [Source("u", "flow.yaml", flow_sequence(6 * MIB))]
    outcome = worker.run(worker.Job(sources, OPTIONS), worker.WorkerSettings(workers=1, timeout=0.01))
    assert "longer than the 0.01 s" in outcome.failure
    assert [f.code for f in outcome.report.findings if f.code < "MES9"] == ["MES003"]
    assert "flow.yaml was not analysed" in outcome.report.findings[0].message


class _Crash:
    """Unpickled in the worker, it ends the worker at once (as the kernel's OOM killer would)."""

    label, name, data = "u", "crash.yaml", b""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))


def test_a_worker_that_dies_is_a_finding_not_a_crash() -> None:
    outcome = worker.run(worker.Job([_Crash()], OPTIONS), worker.WorkerSettings(workers=1))  # type: ignore[list-item]
    assert "ended before it finished" in outcome.failure
    assert any(f.code == "MES003" and "crash.yaml was not analysed" in f.message for f in outcome.report.findings)
    again = worker.run(worker.Job([baseline_source()], OPTIONS), worker.WorkerSettings(workers=1))
    assert again.failure == "" and len(again.report.services) == 3  # the helper still forks workers


# --- the line ------------------------------------------------------------------------------------------------


def test_analyses_wait_in_line_and_are_told_how_many_are_ahead() -> None:
    line = worker._Line()
    line.enter(1, None)  # the only slot is taken
    seen: list[tuple[int, int]] = []
    entered = threading.Event()

    def second() -> None:
        line.enter(1, lambda ahead, running: seen.append((ahead, running)))
        entered.set()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.2)
    assert not entered.is_set() and seen and seen[0] == (0, 1)
    assert line.status() == (1, 1)
    line.leave()
    assert entered.wait(10)
    thread.join()
    assert line.status() == (0, 1)
    line.leave()
    assert line.status() == (0, 0)


def test_a_waiting_analysis_that_is_abandoned_leaves_the_line() -> None:
    line = worker._Line()
    line.enter(1, None)

    def give_up(_ahead: int, _running: int) -> None:
        raise KeyboardInterrupt  # what a page left while waiting looks like to the line (an exception)

    with pytest.raises(KeyboardInterrupt):
        line.enter(1, give_up)
    assert line.status() == (0, 1)
    line.leave()
