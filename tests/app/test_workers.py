"""The dashboard with its analyses in worker processes (core.worker), as a shared deployment runs it."""

from __future__ import annotations

import json

import pytest

from core import loading, worker
from core.options import DEFAULT_SYSTEM_NAMESPACE, Limits
from core.report.json_report import to_json
from core.sources import Source
from tests.app.conftest import PAGES, assert_clean, new_app, report_of, texts
from tests.core.hardening.corpus import baseline_source
from tests.data.hostile.large import MIB, flow_sequence, mes
from ui import state


def test_every_page_renders_with_the_analysis_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESDOCTOR_ANALYSIS_WORKERS", "1")
    runs: list[worker.Outcome] = []
    original = worker.run
    monkeypatch.setattr(worker, "run", lambda *a, **k: runs.append(original(*a, **k)) or runs[-1])
    at = new_app()
    unseen = Source("upload", "worker.yaml", baseline_source().data + b"# analysed in a worker\n")
    at.session_state[state.PREFIX + "input"] = state.Input(kind="files", sources=[unseen], label="worker.yaml")
    at.run()
    assert_clean(at)
    for path in PAGES:
        at.switch_page(path).run()
        assert_clean(at)
    assert len(runs) == 1 and runs[0].failure == "" and runs[0].peak_mib
    assert "MeshExternalServices" in texts(at.switch_page("app.py").run())


def test_an_analysis_over_the_cap_is_shown_as_a_finding_and_the_rest_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESDOCTOR_ANALYSIS_WORKERS", "1")
    monkeypatch.setenv("MESDOCTOR_ANALYSIS_MEMORY_MB", "40")
    at = new_app()
    sources = [Source("upload", "flow.yaml", flow_sequence(6 * MIB)), baseline_source()]
    at.session_state[state.PREFIX + "input"] = state.Input(kind="files", sources=sources, label="2 uploaded files")
    at.switch_page("pages/1_Sources.py").run()
    assert_clean(at)
    report = report_of(at)
    assert {"aa-partner", "aa-plain", "aa-inline"} <= {s.resource.name for s in report.services}
    assert "more memory than the analysis may use" in texts(at)


def test_unusable_worker_settings_are_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESDOCTOR_ANALYSIS_WORKERS", "two")
    at = new_app()
    unseen = Source("upload", "settings.yaml", baseline_source().data + b"# not analysed before\n")
    at.session_state[state.PREFIX + "input"] = state.Input(kind="files", sources=[unseen], label="settings.yaml")
    at.run()
    assert not at.exception
    assert any("MESDOCTOR_ANALYSIS_WORKERS" in str(e.value) for e in at.error)


def test_a_live_input_with_its_what_if_overlay_is_analysed_in_the_worker_as_in_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What `state.report_for` analyses (live state, the files layered on it; the baseline without them) is what
    the worker analyses: the same reports, key for key, as the dashboard's own process makes."""
    live = loading.load([baseline_source()], Limits(), DEFAULT_SYSTEM_NAMESPACE)
    overlay = Source("live-overlay", "what-if.yaml", mes("zz-what-if").encode())

    def reports(workers: int) -> tuple[str, str, list[worker.Outcome]]:
        monkeypatch.setenv("MESDOCTOR_ANALYSIS_WORKERS", str(workers))
        runs: list[worker.Outcome] = []
        original = worker.run
        monkeypatch.setattr(worker, "run", lambda *a, **k: runs.append(original(*a, **k)) or runs[-1])
        at = new_app()
        at.session_state[state.PREFIX + "input"] = state.Input(
            kind="kube", sources=[overlay], label=f"cluster {workers}", live=live, live_digest=f"live-{workers}")
        at.run()  # the Overview shows the what-if and its delta against the baseline: both are analysed
        assert_clean(at)
        monkeypatch.setattr(worker, "run", original)
        return to_json(report_of(at)), to_json(report_of(at, baseline=True)), runs

    in_process, in_process_baseline, none = reports(0)
    in_worker, in_worker_baseline, runs = reports(1)
    assert none == [] and len(runs) == 2 and all(r.failure == "" for r in runs)
    assert '"zz-what-if"' in in_worker and '"zz-what-if"' not in in_worker_baseline
    assert json.loads(in_worker) == json.loads(in_process)
    assert json.loads(in_worker_baseline) == json.loads(in_process_baseline)


def test_running_out_of_memory_in_the_dashboard_process_is_a_message_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Local mode analyses in the dashboard's own process: should the machine run out of memory anyway, every page
    says so in one message, with no details of a bug to report."""
    monkeypatch.setenv("MESDOCTOR_ANALYSIS_WORKERS", "0")

    def exhausted(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(state, "_analyse_with_progress", exhausted)
    at = new_app()
    unseen = Source("upload", "memory.yaml", baseline_source().data + b"# out of memory\n")
    at.session_state[state.PREFIX + "input"] = state.Input(kind="files", sources=[unseen], label="memory.yaml")
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert not at.exception
        errors = [str(e.value) for e in at.error]
        assert any("ran out of memory" in e for e in errors), (path, errors)
        assert not at.expander or all("Details" not in str(e.label) for e in at.expander)
        assert "MemoryError" not in texts(at)
