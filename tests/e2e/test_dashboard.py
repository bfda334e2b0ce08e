"""The motivating incident in a real browser: upload two MES (one with existing Secrets kuma-cert-1 /
kuma-key-1 holding real PEM, one pointing at missing kuma-cert / kuma-key), read the diagnosis, switch
to 2.9 and watch the healthy one drop, follow deep links — and never see key material."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.e2e.browser import grid_text, main_text, metric_value, nav, open_service, settle, upload_manifests
from tests.scenarios import key_fragments, motivating_case

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def case():
    # real certificates, made now: the dashboard evaluates them against the wall clock
    return motivating_case(datetime.now(UTC))


def upload_case(page, server, case) -> None:
    page.goto(f"{server}/Sources")
    settle(page)
    docs = case.yaml.split("---\n")
    upload_manifests(page, {"mesh-and-services.yaml": "---\n".join(docs[:3]).encode(),
                            "secrets.yaml": "---\n".join(docs[3:]).encode()})


def test_sample_opens_with_a_banner(page, server):
    page.goto(server)
    settle(page)
    text = main_text(page)
    assert "This is the bundled sample data, not your cluster" in text
    assert "Load your own manifests" in text
    assert page.title() == "MES Doctor"


def test_the_incident_end_to_end(page, server, case):
    upload_case(page, server, case)
    sources = main_text(page)
    assert "mesh-and-services.yaml" in sources and "secrets.yaml" in sources

    nav(page, "Overview")
    assert "bundled sample data" not in main_text(page)
    assert metric_value(page, "Broken") == "1"
    assert metric_value(page, "Healthy") == "1"
    assert metric_value(page, "Failing secret references") == "2 of 4"
    assert metric_value(page, "Earliest expiry") == f"{case.cert_not_after:%Y-%m-%d}"
    assert case.broken in grid_text(page)  # "What needs attention"
    # selecting a row there opens the service's detail on the Services page
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)
    page.wait_for_url(re.compile(rf"/Services\?service=default(%2F|/){case.broken}(\.|%2E)kuma-system$"))
    settle(page)
    assert f"default / {case.broken}" in main_text(page)

    nav(page, "Secrets & certificates")
    page.get_by_text("all", exact=True).first.click()  # show ok references too
    settle(page)
    refs = grid_text(page, 0)
    for name in ("kuma-cert", "kuma-key", "kuma-cert-1", "kuma-key-1"):
        assert re.search(rf"\b{re.escape(name)}\b", refs), name
    assert "not-found" in refs
    certs = grid_text(page, 1)
    assert f"{case.cert_not_after:%Y-%m-%d}" in certs
    assert "CN=mesh-client" in certs

    # the quick switch in the sidebar: a 2.9.x control plane drops the healthy one too
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="2.9.x").click()
    settle(page)
    nav(page, "Overview")
    alert = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert f"{case.broken}.kuma-system stops the MES loop and 1 other MES is dropped" in alert
    card = page.locator(".st-key-incident-card").inner_text()
    assert "1. 💥 root cause" in card and f"{case.broken} → {case.broken}.partner.example" in card
    assert f"{case.healthy} → {case.healthy}.partner.example" in card
    assert metric_value(page, "In the endpoint map") == "0 of 2"

    nav(page, "Endpoint map")
    text = main_text(page)
    assert "dropped by the 2.9 cascade" in grid_text(page, 0)
    assert "Blast radius" in text


def test_selecting_a_row_updates_the_url_and_the_detail(page, server, case):
    upload_case(page, server, case)
    nav(page, "Services")
    open_service(page, case.broken)
    text = main_text(page)
    assert f"default / {case.broken}" in text
    assert 'Secret "kuma-cert"' in text and 'Secret "kuma-key"' in text
    assert "unable to create MeshExternalService endpoint" in text  # the predicted kuma-cp log line


def test_deep_link_opens_a_service(page, server):
    # a new page load is a new session, so deep links work on what that session loads: the (incident) sample
    page.goto(f"{server}/Services?service=default/fraud-scoring")
    settle(page)
    text = main_text(page)
    assert "default / fraud-scoring" in text
    assert "MES201" in text and "fraud-scoring-client-cert" in text  # the missing Secret and its near miss


def test_no_key_material_anywhere(page, server, case):
    upload_case(page, server, case)
    seen = []
    for label in ("Overview", "Sources", "Secrets & certificates", "Endpoint map", "Checks", "Services"):
        nav(page, label)
        seen += [page.content(), main_text(page)]
    for name in (case.healthy, case.broken):
        open_service(page, name)
        for tab in ("Certificates", "Secret references", "Manifest"):
            page.get_by_role("tab", name=tab).click()
            seen += [page.content(), main_text(page)]
    everything = "\n".join(seen)
    assert "CN=mesh-client" in everything, "the certificate is shown (subject, dates)"
    assert "PRIVATE KEY" not in everything
    for fragment in key_fragments(case.key_pem):
        assert fragment not in everything


def test_hostile_names_stay_text(page, server):
    hostile = "<img src=x onerror=window.__pwned=1>**bold**"
    manifest = (
        f"type: MeshExternalService\nname: '{hostile}'\nmesh: default\n"
        "spec:\n  match: {port: 80, protocol: http}\n  endpoints: [{address: '<b>x</b>', port: 80}]\n"
    )
    page.goto(f"{server}/Sources")
    settle(page)
    page.get_by_role("tab", name="Paste").click()
    page.locator("textarea").first.fill(manifest)
    page.get_by_role("button", name="Analyse pasted text").click()
    page.get_by_text("Pasted YAML").first.wait_for()
    settle(page)
    nav(page, "Services")
    open_service(page, "img src", exact=False)
    text = main_text(page)
    assert hostile in text  # shown literally
    assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
    assert page.locator('[data-testid="stMain"] strong', has_text="bold").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
