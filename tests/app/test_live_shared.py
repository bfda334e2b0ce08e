"""The Live tab of a shared dashboard (MESDOCTOR_MODE=shared): only select boxes of the operator's named sources,
which work (a Kuma API with the token from the server's environment, a kubeconfig context), no free-form URL,
path, kubeconfig, CA or token field (a URL field only for allowed hosts), in-cluster never pre-selected, every
read checked against the configuration (Refresh too), no exec plugin of a context the operator did not name,
server-file details kept in the log; plus the network guard and the start-up checks every page makes."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.live import KubeSpec, guard
from core.live import config as config_module
from tests.app.conftest import assert_clean, clear_deployment, new_app, report_of, texts, unescape
from tests.core.live.conftest import fill_kube, fill_kuma, write_kubeconfig
from tests.core.live.servers import KubeApi, KumaApi, LoopbackServer, Reply
from ui import deployment, live, state

SOURCES = "pages/1_Sources.py"
TOKEN = "shared-admin-token-Rt5"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_deployment(monkeypatch)


@pytest.fixture
def kuma() -> Iterator[tuple[KumaApi, LoopbackServer]]:
    api = KumaApi(admin_token=TOKEN)
    fill_kuma(api)
    with LoopbackServer(api) as server:
        yield api, server


@pytest.fixture
def kube() -> Iterator[tuple[KubeApi, LoopbackServer]]:
    api = KubeApi()
    fill_kube(api)
    with LoopbackServer(api) as server:
        yield api, server


def shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config: str, **env: str) -> Path:
    path = tmp_path / "mesdoctor.yaml"
    path.write_text(textwrap.dedent(config))
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    monkeypatch.setenv("MESDOCTOR_CONFIG", str(path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return path


def live_tab(kind: str | None = None) -> Any:
    at = new_app()
    at.switch_page(SOURCES).run()
    assert_clean(at)
    if kind is not None:
        at.radio(key=live.KIND_KEY).set_value(kind).run()
        assert_clean(at)
    return at


def live_inputs(at: Any) -> list[str]:
    """Keys of every free-form input the Live tab draws (text, number, text area)."""
    keys = [str(w.key) for kind in ("text_input", "number_input", "text_area") for w in getattr(at, kind)]
    return sorted(k for k in keys if k.startswith(live.W) and not k.startswith(live.W + "overlay"))


def errors(at: Any) -> list[str]:
    return [unescape(str(e.value)) for e in at.error]


def current(at: Any) -> state.Input:
    return at.session_state[state.PREFIX + "input"]


def everything(tmp_path: Path, kube_url: str, kuma_url: str) -> str:
    kc = write_kubeconfig(tmp_path / "kubeconfig", kube_url)
    return f"""
        kubernetes:
          contexts:
            prod: {{kubeconfig: {kc}, context: fake}}
        kumaApis:
          global-cp: {{url: "{kuma_url}", tokenEnv: KUMA_ADMIN_TOKEN}}
        manifestUrls:
          payments: "{kuma_url}/payments.yaml"
        watchers:
          zone: "{kuma_url}/watcher"
    """


# --- no free-form fields ---------------------------------------------------------------------------------


def test_shared_mode_draws_only_select_boxes_of_the_named_sources(kube, kuma, tmp_path, monkeypatch):
    shared(monkeypatch, tmp_path, everything(tmp_path, kube[1].url, kuma[1].url), KUMA_ADMIN_TOKEN=TOKEN)
    at = live_tab()
    assert list(at.radio(key=live.KIND_KEY).options) == list(live.KIND_TITLES.values())
    expected = {"kube": ("w.live.shared.kube", ["prod"]), "kuma-api": ("w.live.shared.kuma", ["global-cp · " +
                                                                                              kuma[1].url]),
                "url": ("w.live.shared.url", ["payments · " + kuma[1].url + "/payments.yaml"])}
    for kind, (key, options) in expected.items():
        at.radio(key=live.KIND_KEY).set_value(kind).run()
        assert_clean(at)
        assert live_inputs(at) == [], f"a free-form field in the {kind} form"
        box = at.selectbox(key=key)
        assert list(box.options) == options and box.value is None, "nothing is pre-selected"
        assert at.button(key=f"w.live.fetch.{kind}").disabled or kind == "url"
        checkboxes = {str(c.key) for c in at.checkbox}
        assert not checkboxes & {"w.live.kube.in_cluster", "w.live.kuma.insecure"}
        assert "only the sources its operator configured" in unescape(texts(at))


def test_in_cluster_is_a_named_choice_never_pre_selected(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, "in_cluster_available", lambda: True)
    shared(monkeypatch, tmp_path, "kubernetes: {inCluster: true}\n")
    at = live_tab("kube")
    box = at.selectbox(key="w.live.shared.kube")
    assert list(box.options) == ["in-cluster (this pod's service account)"] and box.value is None
    assert at.button(key="w.live.fetch.kube").disabled
    assert list(at.radio(key=live.KIND_KEY).options) == [live.KIND_TITLES["kube"]]


def test_no_configured_sources_says_so(tmp_path, monkeypatch):
    shared(monkeypatch, tmp_path, "# nothing yet\n")
    at = live_tab()
    assert "configured no live sources" in unescape(texts(at)).replace("**", "")
    assert live_inputs(at) == [] and not [b for b in at.button if str(b.key).startswith("w.live.fetch")]


# --- named sources work --------------------------------------------------------------------------------------


def test_a_named_kuma_api_is_read_with_the_token_from_the_servers_environment(kuma, kube, tmp_path, monkeypatch):
    _api, server = kuma
    shared(monkeypatch, tmp_path, everything(tmp_path, kube[1].url, server.url), KUMA_ADMIN_TOKEN=TOKEN)
    at = live_tab("kuma-api")
    at.selectbox(key="w.live.shared.kuma").set_value("global-cp").run()
    at.button(key="w.live.fetch.kuma-api").click().run()
    assert_clean(at)
    assert errors(at) == []
    data = current(at)
    assert data.kind == "kuma-api" and data.label == server.url
    assert {s.resource.name for s in report_of(at).services} == {"payments", "billing"}
    assert server.requests and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert TOKEN not in texts(at) and TOKEN not in repr(current(at))
    assert not any(TOKEN in str(key) for key in at.session_state)
    # Refresh reads the same named source again (checked against the configuration first)
    before = len(server.requests)
    at.button(key="w.sources.live_refresh").click().run()
    assert_clean(at)
    assert len(server.requests) > before and not current(at).live_info.error


def test_a_named_kube_context_is_read(kube, kuma, tmp_path, monkeypatch):
    _, server = kube
    shared(monkeypatch, tmp_path, everything(tmp_path, server.url, kuma[1].url), KUMA_ADMIN_TOKEN=TOKEN)
    at = live_tab("kube")
    at.selectbox(key="w.live.shared.kube").set_value("prod").run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    assert errors(at) == [] and current(at).label == "kube:fake"
    assert report_of(at).service("default", "payments") is not None


# --- a URL field only for the allowed hosts ---------------------------------------------------------------------


MANIFEST = b"""type: Mesh
name: default
"""


@pytest.fixture
def files() -> Iterator[LoopbackServer]:
    def app(request):
        if request.path == "/mesh.yaml":
            return Reply(200, MANIFEST, {"Content-Type": "application/yaml"})
        if request.path == "/away":
            return Reply(302, b"", {"Location": "http://example.invalid/mesh.yaml"})
        return Reply(404, b"not here")

    with LoopbackServer(app) as server:
        yield server


def test_a_url_field_exists_only_for_allowed_hosts_and_holds_to_them(files, tmp_path, monkeypatch):
    shared(monkeypatch, tmp_path, f"urlHosts: ['127.0.0.1:{files.port}']\n")
    at = live_tab("url")
    assert live_inputs(at) == ["w.live.shared.url_free"]
    with pytest.raises(KeyError):
        at.selectbox(key="w.live.shared.url")  # no named manifest: the field alone

    def fetch_url(url: str) -> list[str]:
        at.text_input(key="w.live.shared.url_free").input(url).run()
        at.button(key="w.live.fetch.url").click().run()
        assert_clean(at)
        return errors(at)

    assert fetch_url(f"{files.url}/mesh.yaml") == [] and current(at).kind == "url"
    (error,) = fetch_url(f"http://localhost:{files.port}/mesh.yaml")
    assert "is not on a host the operator allows; allowed: 127.0.0.1:" in error
    (error,) = fetch_url(f"{files.url}/away")
    assert "was redirected to host example.invalid:80, which is not among the URL hosts the operator allows" in error
    (error,) = fetch_url("http://169.254.169.254/latest/meta-data/")
    assert "not on a host the operator allows" in error


# --- nothing the visitor names is read or run --------------------------------------------------------------------


def plugin_kubeconfig(tmp_path: Path, server: str, marker: Path) -> Path:
    import sys

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "hostile" / "live" /
                             "exec-plugin.kubeconfig.yaml").read_text()
                            .replace("{{SERVER}}", server).replace("{{PYTHON}}", sys.executable)
                            .replace("{{MARKER}}", str(marker)).replace("{{TOKEN}}", "kube-test-token"))
    path = tmp_path / "exec.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_an_exec_plugin_kubeconfig_the_operator_did_not_name_never_runs(kube, kuma, tmp_path, monkeypatch):
    _, server = kube
    marker = tmp_path / "plugin-ran"
    hostile = plugin_kubeconfig(tmp_path, server.url, marker)
    monkeypatch.setenv("KUBECONFIG", str(hostile))  # the server's default kubeconfig runs a plugin
    shared(monkeypatch, tmp_path, everything(tmp_path, server.url, kuma[1].url), KUMA_ADMIN_TOKEN=TOKEN)
    at = live_tab("kube")
    assert list(at.selectbox(key="w.live.shared.kube").options) == ["prod"]
    # a forged widget value (the local mode's kubeconfig field) is ignored: the spec comes from the configuration
    at.session_state["w.live.kube.kubeconfig"] = str(hostile)
    at.selectbox(key="w.live.shared.kube").set_value("prod").run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    assert errors(at) == [] and current(at).label == "kube:fake"
    # a forged live input pointing at the plugin's kubeconfig: Refresh refuses it before reading anything
    data = current(at)
    forged = KubeSpec(kubeconfig=str(hostile), context="plugin")
    at.session_state[state.PREFIX + "input"] = type(data)(**{**{f: getattr(data, f) for f in data.__slots__},
                                                             "live_info": data.live_info.__class__(spec=forged)})
    at.run()
    at.button(key="w.sources.live_refresh").click().run()
    assert_clean(at)
    assert "only the Kubernetes contexts the operator configured" in current(at).live_info.error
    assert not marker.exists(), "the credential plugin ran"


def test_a_named_context_with_a_plugin_runs_it(kube, tmp_path, monkeypatch):
    _, server = kube
    marker = tmp_path / "plugin-ran"
    hostile = plugin_kubeconfig(tmp_path, server.url, marker)
    shared(monkeypatch, tmp_path, f"kubernetes: {{contexts: {{eks: {{kubeconfig: {hostile}, context: plugin}}}}}}\n")
    at = live_tab("kube")
    at.selectbox(key="w.live.shared.kube").set_value("eks").run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    assert errors(at) == [] and marker.exists(), "the operator named this context: its plugin runs"


def test_server_file_problems_stay_in_the_server_log(kuma, tmp_path, monkeypatch, caplog):
    _, server = kuma
    bad_ca = tmp_path / "ca.pem"
    bad_ca.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    shared(monkeypatch, tmp_path, f"kumaApis: {{cp: {{url: '{server.url}', caFile: {bad_ca}}}}}\n")
    at = live_tab("kuma-api")
    at.selectbox(key="w.live.shared.kuma").set_value("cp").run()
    with caplog.at_level(logging.WARNING, logger="mesdoctor.deployment"):
        at.button(key="w.live.fetch.kuma-api").click().run()
    assert_clean(at)
    (error,) = errors(at)
    assert error == f"{server.url}: {live.SERVER_FILE_MESSAGE}"
    assert str(bad_ca) not in texts(at)
    assert any(str(bad_ca) in r.getMessage() and "cannot be used" in r.getMessage() for r in caplog.records)


# --- the network guard in the dashboard ------------------------------------------------------------------------


def test_local_mode_refuses_a_metadata_url():
    at = live_tab("url")
    at.text_input(key="w.live.url.url").input("http://169.254.169.254/latest/meta-data/").run()
    at.button(key="w.live.fetch.url").click().run()
    assert_clean(at)
    (error,) = errors(at)
    assert "169.254.169.254 is a link-local / cloud metadata address" in error
    assert "MESDOCTOR_ALLOW_LINK_LOCAL=yes" in error


def test_a_named_source_resolving_to_a_metadata_address_is_refused(kuma, tmp_path, monkeypatch):
    _, server = kuma
    monkeypatch.setattr(guard, "DEFAULT_RESOLVER", lambda host: ["169.254.169.254"])
    shared(monkeypatch, tmp_path, f"kumaApis: {{cp: 'http://cp.example.test:{server.port}'}}\n")
    at = live_tab("kuma-api")
    at.selectbox(key="w.live.shared.kuma").set_value("cp").run()
    at.button(key="w.live.fetch.kuma-api").click().run()
    assert_clean(at)
    (error,) = errors(at)
    assert "cp.example.test resolves to 169.254.169.254, a link-local / cloud metadata address" in error
    assert server.requests == []


# --- start-up checks -------------------------------------------------------------------------------------------


def test_invalid_settings_stop_every_page_with_details_only_in_local_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("MESDOCTOR_CONFIG", str(tmp_path / "missing.yaml"))
    at = new_app()
    at.run()
    shown = unescape(texts(at))
    assert "not configured correctly" in shown and "missing.yaml" in shown  # local: the visitor is the operator
    assert at.title[0].value == "🩺 MES Doctor" and not at.metric
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    at = new_app()
    at.run()
    shown = unescape(texts(at))
    assert "not configured correctly" in shown and "server's log" in shown and "missing.yaml" not in shown
    assert not at.title and not at.metric


def test_local_mode_on_a_network_address_refuses_to_draw(monkeypatch):
    monkeypatch.setattr(deployment, "server_address", lambda: "0.0.0.0")
    at = new_app()
    at.run()
    assert not at.title and "would listen on 0.0.0.0" in unescape(texts(at))
    monkeypatch.setenv("MESDOCTOR_EXPOSE_LOCAL_MODE", "yes")
    at = new_app()
    at.run()
    assert_clean(at)
    assert at.title and any("local mode" in str(w.value) for w in at.warning)
    monkeypatch.delenv("MESDOCTOR_EXPOSE_LOCAL_MODE")
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    at = new_app()
    at.run()
    assert_clean(at)
    assert at.title and not any("local mode" in str(w.value) for w in at.warning)
