"""The dashboard with its analyses in worker processes (core.worker), as a shared deployment runs it."""

from __future__ import annotations

import pytest

from core import worker
from core.sources import Source
from tests.app.conftest import PAGES, assert_clean, new_app, report_of, texts
from tests.core.hardening.corpus import baseline_source
from tests.data.hostile.large import MIB, flow_sequence
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
