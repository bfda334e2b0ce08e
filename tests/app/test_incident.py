"""Issue #13 in the dashboard, through AppTest on the default (incident) sample: the incident card naming every
root cause with its fix and victims, the wrong-zone banner with its one-click switch, the version question,
cause vs effect in the tables and the detail, what-if layers with the baseline toggle and the delta, the
snapshot round trip, the Checks default, and the tables that show the reason."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
import yaml

from core.report.cascade import cascade_summary
from core.report.diff import diff_reports
from core.report.json_report import report_dict
from core.report.snapshot import to_snapshot
from core.report.verdict import overall_verdict
from core.sample_incident import CULPRIT, INTENDED_SECRET, LATENT_CULPRIT, TYPO_SECRET, ZONE
from tests.app.conftest import PAGES, assert_clean, new_app, report_of, texts, unescape
from tests.incident import mes, mesh, secret
from ui import page, snapshot, state, whatif

INCIDENT = f"default/{CULPRIT}.kuma-system"


def shown(at: Any) -> str:
    """All a user reads on the page, without Markdown emphasis and code spans."""
    return texts(at).replace("**", "").replace("`", "")


def links(at: Any) -> list[tuple[str, str]]:
    """(label as read, ?query) of every page link of the page (the sidebar's have no query)."""
    return [(unescape(str(p.proto.label)), str(p.proto.query_string)) for p in at.get("page_link")]


def service_links(at: Any) -> dict[str, str]:
    """Links to a service's detail: label -> `<mesh>/<core name>`."""
    out = {}
    for label, query in links(at):
        if query.startswith("service="):
            out[label] = query.removeprefix("service=").replace("%2F", "/")
    return out


@pytest.fixture
def app() -> Any:
    at = new_app()
    at.run()
    assert_clean(at)
    return at


# --- the incident card -------------------------------------------------------------------------------------------


def test_the_card_names_every_root_cause_in_loop_order_with_cause_fix_and_victims(app):
    report = report_of(app)
    summary = cascade_summary(report)
    culprits = summary.culprits
    assert [(c.name, c.role) for c in culprits] == [(CULPRIT, "culprit"), (LATENT_CULPRIT, "latent-culprit")]
    text = shown(app)
    assert text.index("1. 💥 root cause") < text.index("2. ⏳ latent root cause")
    for c in culprits:
        assert f"Cause: {c.cause}" in text and f"Fix: {c.fix}" in text
    # the near miss is the first thing to try, and the command is one click away (in the card's popover)
    assert f'Point spec.tls.verification.clientCert.secret at the existing Secret "{INTENDED_SECRET}"' in text
    assert any(code.value.startswith(f"kubectl patch meshexternalservice {CULPRIT}") for code in app.code)
    # every name links to its detail, victims with their upstream host
    by_label = service_links(app)
    assert by_label[f"**{CULPRIT} → api.fraudshield.example**"] == INCIDENT
    for c in culprits:
        for v in c.takes_down:
            host = v.destination.endpoints[0].address if v.destination else ""
            assert by_label[f"{v.resource.name} → {host}"] == f"default/{v.resource.core_name}"
    # how many each takes down: the root cause drops the rest of the loop, its fix brings back its own victims
    first = culprits[0]
    assert f"Stops the loop: {first.drops_now - 1} MES dropped behind it (and root cause #2). Fixing it brings " \
           f"back {len(first.takes_down)}" in text
    assert f"fixing it too brings back {len(culprits[1].takes_down)}" in text
    # grouped by the owner label
    assert "team checkout:" in text


def test_the_verdict_leads_and_is_never_an_all_clear_here(app):
    verdict = overall_verdict(report_of(app))
    assert verdict.level == "error"
    assert unescape(str(app.error[0].value)).split("  \n")[0] == f"**{verdict.headline}**"
    assert not app.success


def test_on_another_target_the_card_says_what_2_9_would_drop(app):
    app.selectbox(key=page.SIDEBAR_VERSION_KEY).set_value("2.14").run()
    assert_clean(app)
    report = report_of(app)
    headline = cascade_summary(report).headline()
    assert headline.startswith("On a 2.9.x control plane")
    assert any(unescape(str(w.value)) == headline for w in app.warning), "visible, not in a collapsed expander"
    assert "1. 💥 root cause" in shown(app)


def test_without_a_culprit_the_2_9_line_stays(app):
    at = _paste(new_app(), "---\n".join([mesh(), mes("billing", ca="billing-ca"), secret("billing-ca")]))
    at.switch_page("app.py").run()
    assert "No MES stops the 2.9 MES loop" in shown(at)
    assert any("nothing to fix" in str(s.value) for s in at.success), [str(e.value) for e in at.error + at.warning]


def test_a_victim_points_to_its_root_cause_and_does_not_repeat_its_fix(app):
    summary = cascade_summary(report_of(app))
    victim = summary.culprits[0].takes_down[0]
    app.query_params["service"] = f"default/{victim.resource.core_name}"
    app.switch_page("pages/2_Services.py").run()
    assert_clean(app)
    text = shown(app)
    assert f"Dropped by {CULPRIT}.kuma-system (2.9 cascade): nothing wrong with it" in text
    assert f"the fix is on {CULPRIT}" in text
    assert not any("kubectl patch" in str(c.value) for c in app.code), "the culprit's fix is printed on the culprit"
    assert ("1. " + CULPRIT) in service_links(app)


def test_a_root_cause_detail_says_what_it_takes_down_and_lists_it(app):
    app.query_params["service"] = INCIDENT
    app.switch_page("pages/2_Services.py").run()
    assert_clean(app)
    culprit = cascade_summary(report_of(app)).culprits[0]
    text = shown(app)
    assert f"Root cause #1 of the 2.9 cascade in mesh default. Stops the loop: {culprit.drops_now - 1} MES dropped " \
           f"behind it (and root cause #2). Fixing it brings back {len(culprit.takes_down)}" in text
    assert f"it takes down {culprit.drops_now} other MES" in text, "the verdict: everything it drops now"
    dropped = [v.resource.name for v in culprit.takes_down] + [
        s.resource.name for c in cascade_summary(report_of(app)).culprits[1:] for s in (c.service, *c.takes_down)]
    assert len(dropped) == culprit.drops_now, "every MES it drops now is listed"
    for name in dropped:
        assert any(label.startswith(name + " →") for label in service_links(app)), name
    assert "added 3 h ago" in text


def test_attention_list_is_by_impact(app):
    table = app.dataframe[0].value
    assert list(table["name"][:2]) == [CULPRIT, LATENT_CULPRIT]
    assert list(table["role_look"][:2]) == ["💥 root cause", "⏳ latent root cause"]
    assert table["role_look"].iloc[-1] == "" or not table["role_look"].iloc[-1].startswith("💥")
    assert "🆕 added 3 h ago" in set(table["changed"])


# --- zone and version -------------------------------------------------------------------------------------------


def test_the_wrong_zone_is_a_warning_with_a_one_click_switch():
    at = new_app(zone="default")  # chosen by hand: every MES of the export belongs to eu-west-1
    at.run()
    assert_clean(at)
    assert report_of(at).zone == "default"
    warning = next(str(w.value) for w in at.warning if "MES" in str(w.value) and ZONE in str(w.value))
    assert "default" in warning
    switch = next(b for b in at.button if str(b.label) == f"Analyse zone {ZONE}")
    switch.click().run()
    assert_clean(at)
    assert report_of(at).zone == ZONE
    assert not any(f"Analyse zone {ZONE}" == str(b.label) for b in at.button)
    assert "1. 💥 root cause" in shown(at)


def _paste(at: Any, text: str, overlay: bool = False) -> Any:
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.text_area(key="w.sources.paste").set_value(text)
    at.checkbox(key="w.sources.paste_overlay").set_value(overlay)
    next(b for b in at.button if "Analyse pasted text" in str(b.label)).click().run()
    assert_clean(at)
    return at


def test_an_export_without_the_control_plane_asks_for_the_version_right_away():
    at = _paste(new_app(), "---\n".join([mesh(), mes("billing", ca="billing-ca")]))
    question = "Which kuma-cp version runs this zone?"
    assert question in shown(at), "on Sources, right after the upload"
    at.switch_page("app.py").run()
    assert question in shown(at)
    at.segmented_control(key="w.overview.version_question").set_value("2.9").run()
    assert at.session_state[state.PREFIX + "options"].kuma_version == "2.9"
    assert report_of(at).kuma_version == "2.9"
    assert question not in shown(at)
    # "not sure" puts the question aside for this input
    options = at.session_state[state.PREFIX + "options"]
    at.session_state[state.PREFIX + "options"] = replace(options, kuma_version="auto")
    at.run()
    assert question in shown(at)
    at.segmented_control(key="w.overview.version_question").set_value(page.DONT_KNOW).run()
    assert question not in shown(at)


def test_a_detected_version_asks_nothing(app):
    assert report_of(app).version_detected
    assert "Which kuma-cp version" not in shown(app)


# --- what-if ------------------------------------------------------------------------------------------------------


def _fixed_culprit(at: Any) -> str:
    """fraud-scoring's manifest with the reference pointed at the Secret that exists (the `kubectl patch` fix)."""
    data = at.session_state[state.PREFIX + "input"]
    text = data.sources[0].data.decode()
    listing = next(d for d in yaml.safe_load_all(text) if d and d.get("kind") == "List")
    doc = next(i for i in listing["items"] if i["kind"] == "MeshExternalService" and i["metadata"]["name"] == CULPRIT)
    verification = doc["spec"]["tls"]["verification"]
    assert verification["clientCert"]["secret"] == TYPO_SECRET
    verification["clientCert"]["secret"] = INTENDED_SECRET
    return yaml.safe_dump(doc)


def test_pasting_the_fix_shows_the_delta_and_the_next_root_cause(app):
    _paste(app, _fixed_culprit(app), overlay=True)
    assert [layer.title for layer in app.session_state[whatif.LAYERS]] == ["pasted-1.yaml"]
    app.switch_page("app.py").run()
    assert_clean(app)
    after, before = report_of(app), report_of(app, baseline=True)
    assert cascade_summary(after).culprits[0].name == LATENT_CULPRIT, "the next in line is the root cause now"
    diff = diff_reports(report_dict(before), report_dict(after))
    restored = {c.name for c in diff.restored_on_29}
    assert restored == {v.resource.name for v in cascade_summary(before).culprits[0].takes_down} | {CULPRIT}
    assert [c.name for c in diff.new_culprits] == [LATENT_CULPRIT]
    text = shown(app)
    assert "What the what-if changes" in text
    assert f"restored {len(restored)}" in text, "the 2.9 target: restored to its map"
    assert f"New root cause: {LATENT_CULPRIT}" in text and "it was next in line" in text
    # every page says the what-if is active; the baseline is one click away and shows the old numbers
    for path in PAGES:
        app.switch_page(path).run()
        assert_clean(app)
        assert "What-if active" in shown(app) and "Δ vs baseline" in shown(app)
    app.switch_page("app.py").run()
    app.segmented_control(key=whatif.VIEW_KEY).set_value(whatif.BASELINE).run()
    assert cascade_summary(report_of(app)).culprits[0].name == CULPRIT
    assert f'Cause: clientCert: no Secret "{TYPO_SECRET}"' in shown(app), "the baseline's root cause is back"


def test_stub_this_secret_simulates_the_fix_without_key_material(app):
    next(b for b in app.button if str(b.label) == "Stub the Secret").click().run()
    assert_clean(app)
    [layer] = app.session_state[whatif.LAYERS]
    assert (layer.kind, layer.title) == ("stub", f"stub Secret {TYPO_SECRET} (mesh default)")
    stub = layer.sources[0].data.decode()
    assert "PRIVATE KEY" not in stub and "BEGIN" not in stub
    report = report_of(app)
    assert cascade_summary(report).culprits[0].name == LATENT_CULPRIT
    culprit = report.service("default", CULPRIT)
    assert "MES301" in {f.code for f in culprit.findings}, "the placeholder is not a certificate, and says so"
    assert f"🧩 stub Secret {TYPO_SECRET} (mesh default) ✕" in [str(b.label) for b in app.button]
    # removable from the banner
    next(b for b in app.button if str(b.label).startswith("🧩 stub Secret")).click().run()
    assert app.session_state[whatif.LAYERS] == []
    assert cascade_summary(report_of(app)).culprits[0].name == CULPRIT


def test_layers_belong_to_their_input(app):
    _paste(app, _fixed_culprit(app), overlay=True)
    assert app.session_state[whatif.LAYERS]
    _paste(app, "---\n".join([mesh(), mes("billing")]))  # a new input
    app.switch_page("app.py").run()
    assert "What-if active" not in shown(app)


# --- snapshot ------------------------------------------------------------------------------------------------------


def test_a_snapshot_opens_to_the_same_pages_and_its_service_links_work(app):
    report = report_of(app)
    options = app.session_state[state.PREFIX + "options"]
    data = to_snapshot(report, options)
    before = {path: _page_text(app, path) for path in ("app.py", "pages/3_Secrets_and_certificates.py")}
    fresh = new_app()
    fresh.run()
    fresh.switch_page("pages/1_Sources.py").run()
    fresh.file_uploader(key=snapshot.UPLOAD_KEY).set_value(("incident.json", data, "application/json")).run()
    assert_clean(fresh)
    opened = fresh.session_state[state.PREFIX + "input"]
    assert opened.is_snapshot and opened.label == "Snapshot incident.json"
    for path, text in before.items():
        assert _page_text(fresh, path) == text, path
    fresh.query_params["service"] = INCIDENT
    fresh.switch_page("pages/2_Services.py").run()
    assert_clean(fresh)
    assert "default / fraud-scoring" in texts(fresh)
    # a snapshot is read only: no version switch, no what-if
    assert fresh.selectbox(key=page.SIDEBAR_VERSION_KEY).disabled
    assert not any(str(b.label).startswith("Stub") for b in fresh.button)


def _page_text(at: Any, path: str) -> str:
    at.switch_page(path).run()
    assert_clean(at)
    text = texts(at)
    # the sidebar says which input it is; the sample notice is not in a snapshot
    return re.sub(r"(?mi)^(?:(?:🧪|📦) .*|.*bundled sample data.*)\n?", "", text)


def test_a_file_that_is_not_a_snapshot_says_why(app):
    app.switch_page("pages/1_Sources.py").run()
    app.file_uploader(key=snapshot.UPLOAD_KEY).set_value(("notes.json", b'{"hello": 1}', "application/json")).run()
    assert_clean(app)
    assert any("Could not open notes.json" in unescape(str(e.value)) for e in app.error)
    assert app.session_state[state.PREFIX + "input"].is_sample


# --- tables -------------------------------------------------------------------------------------------------------


def test_services_show_the_reason_and_hide_constant_columns(app):
    app.switch_page("pages/2_Services.py").run()
    table = app.dataframe[0].value
    columns = list(table.columns)
    assert columns[:4] == ["look", "role_look", "name", "top_finding"]
    assert "namespace" not in columns and "mesh" not in columns, "one mesh, one namespace"
    assert not any(w.label in ("Mesh", "Namespace") for w in app.multiselect)


def test_certificates_are_unique_with_key_pair_and_the_days_left_rule(app):
    app.switch_page("pages/3_Secrets_and_certificates.py").run()
    report = report_of(app)
    certs = app.dataframe[1].value
    assert len(certs) == len({c.sha256 for c in report.certificates})
    assert "🔴 mismatch" in set(certs["key_pair_look"])
    expired = next(c for c in report.certificates if c.status.value == "expired")
    assert expired.days_left == -6  # expired 6 days and 7 hours ago
    assert -6 in set(certs["days_left"])
    assert "with a key that does not match" in shown(app)


def test_checks_open_on_the_codes_of_this_input(app):
    app.switch_page("pages/5_Checks.py").run()
    table = app.dataframe[0].value
    assert set(table["code"]) == {f.code for f in report_of(app).findings}
    app.toggle(key="w.checks.found").set_value(False).run()
    assert len(app.dataframe[0].value) > len(table)


def test_the_gallery_sample_is_one_click_away(app):
    app.switch_page("pages/1_Sources.py").run()
    next(b for b in app.button if "Use the gallery" in str(b.label)).click().run()
    assert_clean(app)
    data = app.session_state[state.PREFIX + "input"]
    assert data.is_sample and "gallery" in data.label
    next(b for b in app.button if "Use the incident" in str(b.label)).click().run()
    assert "gallery" not in app.session_state[state.PREFIX + "input"].label


def test_the_delta_is_kept_per_layer_set(app):
    """The diff is computed once per (baseline, what-if) pair and recomputed when a layer changes."""
    _paste(app, _fixed_culprit(app), overlay=True)
    app.switch_page("app.py").run()
    first = app.session_state[whatif.DELTA]
    app.switch_page("pages/2_Services.py").run()
    assert app.session_state[whatif.DELTA] is first
    layers = app.session_state[whatif.LAYERS]
    app.session_state[whatif.LAYERS] = [replace(layers[0], id="other")]
    app.switch_page("app.py").run()
    assert app.session_state[whatif.DELTA] is first, "same sources: same reports, same diff"
