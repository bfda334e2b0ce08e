"""Every page over the bundled sample, through Streamlit's AppTest: renders, numbers, version switch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.report.blast import blast_radius
from core.report.cascade import cascade_summary
from core.report.json_report import summary_dict
from tests.app.conftest import (
    INCIDENT_ZONE,
    PAGES,
    assert_clean,
    count_analyses,
    metric,
    new_app,
    report_of,
    texts,
    unescape,
)
from ui import page, state


def test_overview_opens_on_the_sample_with_a_banner(app):
    assert_clean(app)
    assert any("bundled sample data" in str(i.value).lower() for i in app.info)
    assert "Load your own manifests" in [str(p.proto.label) for p in app.get("page_link")]
    assert app.title[0].value.endswith("MES Doctor")


def test_overview_numbers_are_the_report_summary(app):
    s = summary_dict(report_of(app))
    assert metric(app, "Broken") == str(s["broken"])
    assert metric(app, "Warning") == str(s["warning"])
    assert metric(app, "Healthy") == str(s["healthy"])
    assert metric(app, "In the endpoint map") == f"{s['included']} of {s['services']}"
    assert metric(app, "Failing secret references") == f"{s['failingSecretReferences']} of {s['secretReferences']}"
    assert metric(app, "Certificates expired") == str(s["certificatesExpired"])
    assert any(sub.value.startswith(f"{s['services']} MeshExternalService") for sub in app.subheader)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_on_the_sample(app, path):
    app.switch_page(path).run()
    assert_clean(app)
    assert app.title, "every page has a title"
    # the shared sidebar: navigation to every page and the version switch
    links = {str(p.proto.label) for p in app.get("page_link")}
    assert {p.title for p in page.PAGES} <= links
    assert app.selectbox(key=page.SIDEBAR_VERSION_KEY).value == "auto"


def test_sample_analysis_is_shared_between_pages(app, monkeypatch):
    calls = count_analyses(monkeypatch)
    for path in PAGES:
        app.switch_page(path).run()
    assert calls() == 0, "changing page must not analyse again"


@pytest.mark.parametrize(("sample", "zone"), [("incident", INCIDENT_ZONE), ("gallery", "default")])
def test_switching_to_2_9_shows_the_blast_radius_callout(sample, zone):
    app = new_app(sample=sample, zone=zone, kuma_version="2.14")
    app.run()
    # not 2.9: the incident card says, in a visible line (no collapsed expander), what 2.9.x would drop
    summary = cascade_summary(report_of(app))
    assert any(unescape(str(w.value)) == summary.headline() for w in app.warning)
    assert summary.headline().startswith("On a 2.9.x control plane")
    assert not any(e.label.startswith("💥") for e in app.expander)
    app.selectbox(key=page.SIDEBAR_VERSION_KEY).set_value("2.9").run()
    assert_clean(app)
    report = report_of(app)
    assert report.kuma_version == "2.9"
    radius = blast_radius(report)
    assert radius.culprits, "the sample has culprits"
    errors = [unescape(str(e.value)) for e in app.error]
    assert any("stop" in e and "the MES loop" in e for e in errors), errors
    shown = texts(app) + "\n".join(unescape(str(p.proto.label)) for p in app.get("page_link"))
    for culprit, victims in radius.culprits.items():
        assert culprit.name in shown
        for victim in victims[:3]:
            assert victim.name in shown
    for c in cascade_summary(report).culprits:  # every root cause is named, latent ones too
        assert c.name in shown
    if sample == "incident":
        assert [c.name for c in radius.culprits] == ["fraud-scoring"]
        assert "payments-psp" in {v.name for v in next(iter(radius.culprits.values()))}


def test_the_default_sample_is_the_incident_dated_to_the_analysis_clock(app):
    data = app.session_state[state.PREFIX + "input"]
    assert data.is_sample and [s.name for s in data.sources] == ["sample_data/incident/eu-west-1-export.yaml"]
    report = report_of(app)
    culprit = report.service("default", "fraud-scoring")
    assert culprit is not None and report.now - culprit.resource.created_at == timedelta(hours=3)
    assert {c.status.value for c in report.certificates} == {"valid", "expiring", "expired"}


def test_version_choice_follows_every_page(app):
    app.selectbox(key=page.SIDEBAR_VERSION_KEY).set_value("2.10").run()
    for path in PAGES:
        app.switch_page(path).run()
        assert_clean(app)
        assert app.selectbox(key=page.SIDEBAR_VERSION_KEY).value == "2.10"
        assert "Kuma **2.10**" in texts(app)
    app.switch_page("pages/1_Sources.py").run()
    assert app.selectbox(key="w.sources.kuma_version").value == "2.10"


def test_sources_page_options_change_the_report(app):
    app.switch_page("pages/1_Sources.py").run()
    app.text_input(key="w.sources.zone").set_value("zone-east").run()
    app.number_input(key="w.sources.expiry_warning_days").set_value(400).run()
    assert_clean(app)
    report = report_of(app)
    assert report.zone == "zone-east"
    assert report.expiry_warning_days == 400
    app.switch_page("app.py").run()
    assert "zone-east" in texts(app)
    assert "Expiring within 400 days" in [m.label.split(" ", 1)[1] for m in app.metric if "Expiring" in m.label]
    app.switch_page("pages/1_Sources.py").run()
    reset = next(b for b in app.button if "Reset options" in str(b.label))
    reset.click().run()
    # back to auto: the bundled incident sample is an export of zone eu-west-1 (its kuma-cp names it)
    assert report_of(app).zone == "eu-west-1"
    assert report_of(app).zone_reason.startswith("auto:")


def test_checks_page_counts_findings_per_code(app):
    app.switch_page("pages/5_Checks.py").run()
    table = app.dataframe[0].value
    report = report_of(app)
    counts = dict(zip(table["code"], table["in_input"]))
    for f in report.findings:
        assert counts[f.code] >= 1
    assert sum(counts.values()) == len(report.findings)


def test_checks_page_code_deep_link(app):
    app.query_params["code"] = "MES201"
    app.switch_page("pages/5_Checks.py").run()
    assert_clean(app)
    shown = texts(app)
    assert "MES201" in shown and "Referenced Secret not found" in shown
    assert any("In this input" in m.value for m in app.markdown)


