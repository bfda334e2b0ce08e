"""Loading your own input: uploads (files and archives), paste, what-if overlay, back to the sample;
the motivating two-MES incident end to end through every page, and no key material anywhere."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import zipfile
from types import SimpleNamespace

import pytest

from core import pki
from tests.app.conftest import PAGES, assert_clean, metric, new_app, report_of, texts, unescape
from tests.factories import NOW
from tests.incident import mes as mes_doc
from tests.incident import mesh, zone_egress
from tests.scenarios import key_fragments, motivating_case
from ui import page, whatif
from ui.inputs import describe_sources, human_size, source_from_paste, sources_from_uploads, upload_label

UPLOAD_KEY = "w.sources.upload"


# --- the pure upload / paste handling -----------------------------------------------------------


def test_sources_from_uploads_keeps_names_bytes_and_order():
    files = [SimpleNamespace(name="b.yaml", getvalue=lambda: b"kind: Mesh"), ("a.tar.gz", b"\x1f\x8b")]
    sources = sources_from_uploads(files)
    assert [(s.label, s.name, s.data) for s in sources] == [
        ("upload", "b.yaml", b"kind: Mesh"),
        ("upload", "a.tar.gz", b"\x1f\x8b"),
    ]
    assert sources[1].is_archive
    assert upload_label(sources) == "2 uploaded files"
    assert upload_label(sources[:1]) == "Uploaded file b.yaml"
    assert describe_sources(sources) == "2 files (1 archive): b.yaml, a.tar.gz"


def test_source_from_paste_ignores_blank_text():
    assert source_from_paste(None) is None
    assert source_from_paste(" \n\t ") is None
    pasted = source_from_paste("kind: Mesh\n")
    assert pasted is not None and (pasted.label, pasted.name, pasted.data) == ("paste", "pasted.yaml", b"kind: Mesh\n")


def test_describe_and_sizes():
    many = sources_from_uploads([(f"f{i}.yaml", b"x" * 10) for i in range(5)])
    assert describe_sources(many) == "5 files: f0.yaml, f1.yaml, f2.yaml and 2 more"
    assert describe_sources([]) == "no files"
    assert human_size(512) == "512 bytes"
    assert human_size(3 * 1024 * 1024) == "3.0 MiB"


# --- through the app ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case():
    return motivating_case(NOW)


def _paste(at, text: str, overlay: bool = False):
    at.switch_page("pages/1_Sources.py").run()
    at.text_area(key="w.sources.paste").set_value(text)
    if overlay:
        at.checkbox(key="w.sources.paste_overlay").check()
    next(b for b in at.button if "Analyse pasted text" in str(b.label)).click().run()
    assert_clean(at)
    return at


def test_pasted_incident_shows_one_healthy_and_one_broken(case):
    at = _paste(new_app(), case.yaml)
    at.switch_page("app.py").run()
    assert_clean(at)
    assert not any("bundled sample data" in str(i.value) for i in at.info), "no sample banner on your own data"
    assert metric(at, "Broken") == "1"
    assert metric(at, "Healthy") == "1"
    assert metric(at, "Failing secret references") == "2 of 4"
    shown = texts(at)
    assert case.broken in shown
    assert f"{case.cert_not_after:%Y-%m-%d}" in shown  # the earliest expiry is the client certificate


def test_incident_on_2_9_drops_the_healthy_one(case):
    at = _paste(new_app(), case.yaml)
    at.selectbox(key=page.SIDEBAR_VERSION_KEY).set_value("2.9").run()
    at.switch_page("app.py").run()
    assert metric(at, "In the endpoint map") == "0 of 2"
    verdict = unescape(str(at.error[0].value))
    assert f"{case.broken}.kuma-system stops the MES loop and 1 other MES is dropped" in verdict
    # the healthy one is named in the incident card, with its upstream host, as a link to its detail
    labels = {unescape(str(p.proto.label)): str(p.proto.query_string) for p in at.get("page_link")}
    assert labels[f"{case.healthy} → {case.healthy}.partner.example"] == (
        f"service=default%2F{case.healthy}.kuma-system")


def test_deep_link_opens_the_broken_service_detail(case):
    at = _paste(new_app(), case.yaml)
    at.query_params["service"] = f"default/{case.broken}"
    at.switch_page("pages/2_Services.py").run()
    assert_clean(at)
    shown = texts(at)
    assert f"default / {case.broken}" in shown
    for missing in ("kuma-cert", "kuma-key"):
        assert f'Secret "{missing}"' in shown
    assert "MES201" in shown and "MES501" in shown
    assert "unable to create MeshExternalService endpoint" in shown  # the predicted kuma-cp log line
    assert "kind: MeshExternalService" in shown  # the manifest


def test_deep_link_to_a_healthy_service_shows_its_certificate(case):
    at = _paste(new_app(), case.yaml)
    at.query_params["service"] = f"default/{case.healthy}"
    at.switch_page("pages/2_Services.py").run()
    shown = texts(at)
    assert "CN=mesh-client" in shown
    assert f"{case.cert_not_after:%Y-%m-%d}" in shown
    assert "In the endpoint map: nothing to fix." in shown


def test_deep_link_to_an_unknown_service_says_so(case):
    at = _paste(new_app(), case.yaml)
    at.query_params["service"] = "default/nope"
    at.switch_page("pages/2_Services.py").run()
    assert_clean(at)
    assert any("No MeshExternalService" in str(w.value) for w in at.warning)


def test_no_key_material_on_any_page(case):
    at = _paste(new_app(), case.yaml)
    fragments = key_fragments(case.key_pem)
    for service in (case.broken, case.healthy, ""):
        at.query_params["service"] = f"default/{service}" if service else ""
        for path in ["app.py", *PAGES]:
            at.switch_page(path).run()
            shown = texts(at)
            assert "PRIVATE KEY" not in shown, path
            for fragment in fragments:
                assert fragment not in shown, (path, fragment[:8])


def test_upload_several_files_and_archives(case):
    yaml_docs = case.yaml.split("---\n")
    manifests = "---\n".join(yaml_docs[:3]).encode()
    secrets = "---\n".join(yaml_docs[3:]).encode()
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tar:
        info = tarfile.TarInfo("dump/secrets.yaml")
        info.size = len(secrets)
        tar.addfile(info, io.BytesIO(secrets))
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value([
        ("manifests.yaml", manifests, "application/x-yaml"),
        ("secrets.tar.gz", tgz.getvalue(), "application/gzip"),
    ]).run()
    assert_clean(at)
    data = at.session_state["mesdoctor.input"]
    assert data.label == "2 uploaded files"
    report = report_of(at)
    assert sorted(s.status.value for s in report.services) == ["broken", "healthy"]
    shown = texts(at)
    assert "dump/secrets.yaml" in shown  # archive members are listed by name
    assert metric(at, "Loaded documents") == "5"

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("all.yaml", case.yaml)
    at.file_uploader(key=UPLOAD_KEY).set_value(("incident.zip", zipped.getvalue(), "application/zip")).run()
    assert at.session_state["mesdoctor.input"].label == "Uploaded file incident.zip"
    assert len(report_of(at).services) == 2

    at.file_uploader(key=UPLOAD_KEY).set_value(None).run()
    assert at.session_state["mesdoctor.input"].is_sample, "removing every file goes back to the sample"


def test_parse_failures_are_listed_with_file_and_line(case):
    broken_yaml = "kind: Mesh\nmetadata: {name: x\n"
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value([
        ("good.yaml", case.yaml.encode(), "application/x-yaml"),
        ("bad.yaml", broken_yaml.encode(), "application/x-yaml"),
        ("deploy.yaml", b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n", "application/x-yaml"),
    ]).run()
    assert_clean(at)
    assert metric(at, "Failed to parse") == "1"
    assert metric(at, "Ignored") == "1"
    assert metric(at, "Loaded documents") == "5"
    shown = texts(at)
    assert "MES001" in shown
    assert "bad.yaml:2" in shown or "bad.yaml:1" in shown
    assert "Deployment" in shown
    assert len(report_of(at).services) == 2, "the good file is still analysed"


def test_paste_overlay_fixes_the_missing_secrets(case):
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value(("case.yaml", case.yaml.encode(), "application/x-yaml")).run()
    ca = pki.make_ca("Fix CA", NOW)
    client = pki.make_client(ca, "fixed", NOW)
    fix = "---\n".join(
        "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n"
        f"  name: {name}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\n"
        f"data:\n  value: {base64.b64encode(pem).decode()}\n"
        for name, pem in (("kuma-cert", client.cert_pem), ("kuma-key", client.key_pem()))
    )
    _paste(at, fix, overlay=True)
    data = at.session_state["mesdoctor.input"]
    assert [s.name for s in data.sources] == ["case.yaml"], "the input stays; the paste is a what-if layer on top"
    assert data.label == "Uploaded file case.yaml"
    [layer] = at.session_state[whatif.LAYERS]
    assert (layer.kind, layer.title, [s.name for s in layer.sources]) == ("paste", "pasted-1.yaml", ["pasted-1.yaml"])
    assert {s.status.value for s in report_of(at).services} == {"healthy"}
    assert {s.status.value for s in report_of(at, baseline=True).services} == {"healthy", "broken"}
    # every page names the layer, and the baseline is one click away
    for path in PAGES:
        at.switch_page(path).run()
        assert_clean(at)
        assert "What-if active" in texts(at) and "pasted-1.yaml" in " ".join(str(b.label) for b in at.button)
    at.segmented_control(key=whatif.VIEW_KEY).set_value(whatif.BASELINE).run()
    assert "showing **the baseline**" in " ".join(str(m.value) for m in at.markdown)
    at.switch_page("app.py").run()
    assert metric(at, "Broken") == "1", "the baseline: the missing Secrets are missing again"
    # removing the layer brings back the input alone
    next(b for b in at.button if "pasted-1.yaml" in str(b.label)).click().run()
    assert at.session_state[whatif.LAYERS] == []
    assert "What-if active" not in texts(at)


def test_sample_tab_brings_the_sample_back(case):
    at = _paste(new_app(), case.yaml)
    assert not at.session_state["mesdoctor.input"].is_sample
    next(b for b in at.button if "Use the incident sample" in str(b.label)).click().run()
    assert at.session_state["mesdoctor.input"].is_sample


def test_endpoint_map_page_shows_what_differs(case):
    at = _paste(new_app(), case.yaml)
    at.switch_page("pages/4_Endpoint_map.py").run()
    assert_clean(at)
    tables = [df.value for df in at.dataframe]
    differs = tables[0]
    assert list(differs["name"]) == [case.healthy]
    assert list(differs["kuma29"]) == ["⛔ dropped by the 2.9 cascade"] and list(differs["culprit"]) == [case.broken]
    target, legacy = tables[1], tables[2]
    assert dict(zip(target["name"], target["Δ"])) == {case.healthy: "⚠️", case.broken: ""}
    assert set(legacy["state"]) == {"⛔ own TLS material fails to load", "⛔ dropped by the 2.9 cascade"}
    assert len(at.get("plotly_chart")) == 2  # per-mesh outcome and culprit → victims


def test_endpoint_map_on_a_2_9_target_compares_with_the_isolated_builder(case):
    """Target 2.9: the 2.14 map (isolated per MES) next to the 2.9.x one, differences marked, the chart has both."""
    at = _paste(new_app(), case.yaml)
    at.switch_page("pages/4_Endpoint_map.py").run()
    at.selectbox(key=page.SIDEBAR_VERSION_KEY).set_value("2.9").run()
    assert_clean(at)
    assert any("What differs between Kuma 2.14 (isolated per MES) and Kuma 2.9.x (target) · 1 MES" in str(s.value)
               for s in at.subheader)
    differs, isolated, target = (df.value for df in at.dataframe)
    assert list(differs["name"]) == [case.healthy]
    assert list(differs["isolated"]) == ["✅ included"] and list(differs["kuma29"]) == ["⛔ dropped by the 2.9 cascade"]
    shown = texts(at).replace("**", "")
    assert "Kuma 2.14 (isolated per MES) · 1 of 2 in the map" in shown
    assert "Kuma 2.9.x (target) · 0 of 2 in the map" in shown
    for table in (isolated, target):
        assert dict(zip(table["name"], table["Δ"])) == {case.healthy: "⚠️", case.broken: ""}
    assert set(isolated["state"]) == {"✅ included", "⛔ own TLS material fails to load"}
    assert set(target["state"]) == {"⛔ own TLS material fails to load", "⛔ dropped by the 2.9 cascade"}
    blast = at.get("plotly_chart")[0]
    bars = {y for trace in json.loads(blast.proto.spec)["data"] for y in trace["y"]}
    assert bars == {"default · 2.14 isolated", "default · 2.9.x target"}


def test_endpoint_map_hides_the_delta_column_when_nothing_differs(case):
    healthy_only = "---\n".join(d for d in case.yaml.split("---\n") if f"name: {case.broken}\n" not in d)
    at = _paste(new_app(), healthy_only)
    at.switch_page("pages/4_Endpoint_map.py").run()
    assert_clean(at)
    assert any("Both control planes build the same endpoint map" in str(s.value) for s in at.success)
    assert all("Δ" not in df.value.columns for df in at.dataframe)


def test_secrets_page_lists_failing_references_first(case):
    at = _paste(new_app(), case.yaml)
    at.switch_page("pages/3_Secrets_and_certificates.py").run()
    assert_clean(at)
    refs = at.dataframe[0].value
    assert list(refs["secret"]) == ["kuma-cert", "kuma-key"], "only the failing ones by default"
    at.segmented_control(key="w.secrets.ref_status").set_value("all").run()
    refs = at.dataframe[0].value
    assert list(refs["look"]) == ["🔴 not-found", "🔴 not-found", "🟢 ok", "🟢 ok"]
    certs = at.dataframe[1].value
    assert list(certs["days_left"]) == [(case.cert_not_after - NOW).days]
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.parametrize(
    "name,data",
    [
        ("deployments.yaml", b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"),
        ("garbage.yaml", bytes(range(256)) * 4),
        ("empty.yaml", b""),
        ("broken.tar.gz", b"\x1f\x8b\x08\x00not really gzip"),
    ],
)
def test_inputs_without_any_mes_render_every_page(name, data):
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value((name, data, "application/octet-stream")).run()
    assert not at.session_state["mesdoctor.input"].is_sample
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert_clean(at)
    at.switch_page("app.py").run()
    assert any("no MeshExternalService" in str(i.value) for i in at.info)


def test_the_zone_is_detected_from_a_pasted_export_and_an_explicit_zone_wins():
    labels = {"kuma.io/origin": "zone", "kuma.io/zone": "eu-west-1"}
    text = "---\n".join([mesh(), zone_egress(label="eu-west-1"), mes_doc("billing", labels=labels)])
    at = _paste(new_app(), text)
    report = report_of(at)
    assert (report.zone, report.zone_reason) == ("eu-west-1", "auto: ZoneEgress kuma-system/zone-egress is in zone "
                                                              "eu-west-1 (label kuma.io/zone)")
    zone_input = at.text_input(key="w.sources.zone")
    assert zone_input.value == "" and zone_input.placeholder == "auto: eu-west-1"
    assert "ZoneEgress kuma-system/zone-egress is in zone eu-west-1" in texts(at)
    assert report.service("default", "billing").included
    zone_input.set_value("default").run()
    assert (report_of(at).zone, report_of(at).zone_reason) == ("default", "chosen: zone default")
    assert not report_of(at).service("default", "billing").included
    at.text_input(key="w.sources.zone").set_value("  ").run()  # cleared: detect again
    assert report_of(at).zone == "eu-west-1"
