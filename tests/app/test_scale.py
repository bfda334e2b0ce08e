"""5,000 MeshExternalServices: analysed once, then filtering, paging and deep links only read the report."""

from __future__ import annotations

import pytest

from tests.app.conftest import PAGES, assert_clean, count_analyses, metric, new_app
from tests.app.many import write_many_mes
from ui.frames import filter_services, services_frame

pytestmark = pytest.mark.slow
N = 5000


@pytest.fixture(scope="module")
def many_file(tmp_path_factory):
    return write_many_mes(tmp_path_factory.mktemp("many"), N)


def test_five_thousand_services_analysed_once(many_file, monkeypatch):
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    calls = count_analyses(monkeypatch)  # from here on: the sample is analysed already
    at.file_uploader(key="w.sources.upload").set_value((many_file.name, many_file.read_bytes(), "text/yaml")).run()
    assert_clean(at)
    assert calls() == 1
    at.switch_page("app.py").run()
    assert metric(at, "Broken") == str(len(range(0, N, 97)))
    at.switch_page("pages/2_Services.py").run()
    assert len(at.dataframe[0].value) == N
    at.text_input(key="w.services.text").set_value("svc-0123").run()
    assert sorted(at.dataframe[0].value["name"]) == [f"svc-0{i}" for i in range(1230, 1240)]
    at.pills(key="w.services.statuses").set_value(["broken"]).run()
    at.text_input(key="w.services.text").set_value("").run()
    assert len(at.dataframe[0].value) == len(range(0, N, 97))
    at.multiselect(key="w.services.meshes").set_value(["mesh-0"]).run()
    assert set(at.dataframe[0].value["mesh"]) == {"mesh-0"}
    at.query_params["service"] = "mesh-0/svc-00000"
    at.run()
    assert_clean(at)
    for path in PAGES:
        at.switch_page(path).run()
        assert_clean(at)
    assert calls() == 1, "filters, deep links and page changes must not analyse again"


def test_filter_services_combines_filters(many_file):
    from core.analysis import analyse
    from core.options import AnalysisOptions
    from core.sources import Source
    from tests.factories import NOW

    report = analyse([Source("upload", many_file.name, many_file.read_bytes())], AnalysisOptions(now=NOW))
    df = services_frame(report)
    assert list(df["status_key"][: len(range(0, N, 97))]) == ["broken"] * len(range(0, N, 97)), "broken first"
    assert len(filter_services(df)) == N
    assert len(filter_services(df, meshes=["mesh-1"])) == N // 5
    assert len(filter_services(df, included="excluded")) == len(range(0, N, 97))
    assert len(filter_services(df, statuses=["healthy"], included="excluded")) == 0
    assert list(filter_services(df, text="SVC-04999 example")["name"]) == ["svc-04999"]
    assert len(filter_services(df, text="no-such-thing")) == 0
    assert len(filter_services(df, namespaces=["kuma-system"], statuses=["broken", "healthy"])) == N
