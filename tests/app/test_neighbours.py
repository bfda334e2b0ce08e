"""The dashboard parts of the resources around an MES: the `complete` option on Sources and the
ExternalService migration on Services."""

from __future__ import annotations

from tests.app.conftest import assert_clean, new_app, texts
from tests.app.test_isolation import deliveries
from ui import state

EXTERNAL = """\
apiVersion: kuma.io/v1alpha1
kind: ExternalService
mesh: default
metadata: {name: httpbin}
spec:
  tags: {kuma.io/service: httpbin, kuma.io/protocol: http}
  networking:
    address: httpbin.org:443
    tls: {enabled: true, caCert: {inline: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: other, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: example.com, port: 80}]
"""


def _paste(at, text: str):
    at.switch_page("pages/1_Sources.py").run()
    at.text_area(key="w.sources.paste").set_value(text)
    next(b for b in at.button if "Analyse pasted text" in str(b.label)).click().run()
    assert_clean(at)
    return at


def options_of(at):
    return at.session_state[state.PREFIX + "options"]


def test_complete_checkbox_turns_the_zone_egress_note_into_a_finding():
    at = _paste(new_app(), EXTERNAL)
    at.selectbox(key="w.sources.kuma_version").set_value("2.14").run()
    assert not options_of(at).complete
    at.checkbox(key="w.sources.complete").check().run()
    assert_clean(at)
    assert options_of(at).complete
    at.switch_page("pages/5_Checks.py").run()
    assert_clean(at)
    assert "MES404" in texts(at)


def test_services_page_migrates_the_external_services():
    at = _paste(new_app(), EXTERNAL)
    at.switch_page("pages/2_Services.py").run()
    assert_clean(at)
    assert any("Legacy ExternalService (1)" in str(e.label) for e in at.expander)
    next(b for b in at.button if "Write MeshExternalService YAML" in str(b.label)).click().run()
    assert_clean(at)
    yaml_text = "\n".join(str(c.value) for c in at.code)
    assert "kind: MeshExternalService" in yaml_text and "name: httpbin" in yaml_text
    assert "secretRef:\n          kind: Secret\n          name: httpbin-ca-cert" in yaml_text
    assert "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" not in texts(at)  # inline material is never copied
    assert "`caCert` was inline" in texts(at)
    assert deliveries(at) == []
    at.button(key="services.migrate_download").click().run()
    assert_clean(at)
    (sent,) = deliveries(at)  # to this tab only, like the report exports (no media store, no server URL)
    assert sent["name"] == "meshexternalservices-3.0.yaml" and sent["mime"] == "application/yaml"
    assert "kind: MeshExternalService" in sent["text"] and "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" not in sent["text"]
