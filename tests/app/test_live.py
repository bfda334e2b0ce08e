"""The Live tab against loopback servers speaking the Kuma API and the Kubernetes API: fetch,
version detection, Secret coverage, one-line errors, Refresh / auto-refresh, the what-if overlay,
and the token that must never show up anywhere."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.live import LiveSourceError
from core.model import ReferenceStatus, ServiceStatus
from core.report.json_report import report_dict
from tests.app.conftest import PAGES, assert_clean, count_analyses, new_app, report_of, texts, unescape
from tests.core.live.conftest import fill_kube, fill_kuma, write_kubeconfig
from tests.core.live.servers import KubeApi, KumaApi, LoopbackServer, Reply, clear_proxies
from ui import live, state

ADMIN = "admin-token-Zq9"  # KumaApi's admin token
USER = "user-token-Kp2"  # a non-admin user (Secrets are refused)
SOURCES = "pages/1_Sources.py"
SERVICES = "pages/2_Services.py"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@pytest.fixture
def kuma() -> Iterator[tuple[KumaApi, LoopbackServer, Any]]:
    api = KumaApi()
    case = fill_kuma(api)
    with LoopbackServer(api) as server:
        yield api, server, case


@pytest.fixture
def kube() -> Iterator[tuple[KubeApi, LoopbackServer, Any]]:
    api = KubeApi()
    case = fill_kube(api)
    with LoopbackServer(api) as server:
        yield api, server, case


def open_live(at: Any, kind: str) -> Any:
    at.switch_page(SOURCES).run()
    at.radio(key=live.KIND_KEY).set_value(kind).run()
    assert_clean(at)
    return at


def connect_kuma(at: Any, url: str, token: str | None = ADMIN, meshes: str = "") -> Any:
    open_live(at, "kuma-api")
    at.text_input(key="w.live.kuma.url").input(url)
    if token:
        at.text_input(key=live.TOKEN_KEY).input(token)
    if meshes:
        at.text_input(key="w.live.kuma.meshes").input(meshes)
    at.button(key="w.live.fetch.kuma-api").click().run()
    assert_clean(at)
    return at


def current(at: Any) -> state.Input:
    return at.session_state[state.PREFIX + "input"]


def readable(at: Any) -> str:
    """The page's text as read: no Markdown emphasis or code ticks."""
    return texts(at).replace("**", "").replace("`", "")


def errors(at: Any) -> list[str]:
    """The error boxes as read (their Markdown escapes removed)."""
    return [unescape(str(e.value)) for e in at.error]


def universal_secrets(names: dict[str, str], api: KumaApi) -> list[dict[str, Any]]:
    """Copies of the server's Secrets under new names (old name → new name)."""
    found = {s["name"]: s for s in api.by_mesh["default"]["secrets"]}
    return [dict(copy.deepcopy(found[old]), name=new) for old, new in names.items()]


FIX = {"kuma-cert-1": "kuma-cert", "kuma-key-1": "kuma-key"}  # what the broken MES references


def repaired(report: Any, name: str) -> bool:
    """Every secret reference resolves and nothing breaks it (on 2.9 both MES keep a MES510 warning)."""
    outcome = report.service("default", name)
    return outcome.status is not ServiceStatus.BROKEN and {r.status for r in outcome.references} == {
        ReferenceStatus.OK}


# --- Kuma control plane API ---------------------------------------------------------------------


def test_kuma_api_fetch_shows_the_mes_the_server_and_follows_its_version(kuma):
    _api, server, case = kuma
    at = connect_kuma(new_app(), server.url)
    data = current(at)
    assert data.kind == "kuma-api" and data.is_live and data.label == server.url
    assert data.live_info is not None and data.live_info.server == "Kuma 2.9.3 (kuma-cp-0)"
    report = report_of(at)
    assert {s.resource.name for s in report.services} == {case.broken, case.healthy}
    assert report.kuma_version == "2.9" and "control plane reports Kuma 2.9.3" in report.version_reason

    at.switch_page(SERVICES).run()
    assert_clean(at)
    shown = readable(at)
    assert case.broken in shown and case.healthy in shown
    assert f"Live: Kuma API {server.url}" in shown and "Kuma 2.9.3 (kuma-cp-0)" in shown
    assert "Target version follows the control plane: Kuma 2.9" in shown
    assert "fetched " in shown
    assert any(str(t.value) == f"📡 {server.url}" for t in at.sidebar.text)

    # provenance: the detail's "defined in" line names the live source and the API path
    at.query_params["service"] = f"default/{case.broken}"
    at.switch_page(SERVICES).run()
    assert_clean(at)
    shown = readable(at)
    assert f"defined in {server.url} → /meshes/default/meshexternalservices (fetched " in shown

    # ... and the Sources inventory lists each document's source
    at.switch_page(SOURCES).run()
    docs = next(df.value for df in at.dataframe if "document" in df.value.columns)
    assert set(docs["source"]) == {server.url}


def test_an_explicit_target_version_that_differs_from_the_control_plane_is_called_out(kuma):
    _, server, _ = kuma
    at = connect_kuma(new_app(), server.url)
    at.selectbox(key="w.sidebar.kuma_version").set_value("2.14").run()
    assert report_of(at).kuma_version == "2.14"
    assert "The control plane reports Kuma 2.9.3, but the target version is set to 2.14" in readable(at)
    at.selectbox(key="w.sidebar.kuma_version").set_value("2.9").run()
    assert "Target version 2.9 matches the control plane (Kuma 2.9.3)" in readable(at)


def test_a_mesh_filter_reads_only_those_meshes(kuma):
    api, server, case = kuma
    api.meshes.append({"type": "Mesh", "name": "other"})
    api.add("other", "meshexternalservices", dict(copy.deepcopy(api.by_mesh["default"]["meshexternalservices"][0]),
                                                  name="elsewhere", mesh="other"))
    at = connect_kuma(new_app(), server.url, meshes="default")
    assert {s.resource.name for s in report_of(at).services} == {case.broken, case.healthy}
    assert not any("/meshes/other/" in r.path for r in server.requests)


def test_a_non_admin_token_shows_the_coverage_banner_on_every_page(kuma):
    _, server, case = kuma
    at = connect_kuma(new_app(), server.url, token=USER)
    report = report_of(at)
    assert {r.status for r in report.secret_references} == {ReferenceStatus.NOT_CHECKED}
    assert report.service("default", case.healthy).status is not ServiceStatus.BROKEN
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert_clean(at)
        banner = " ".join(str(w.value) for w in at.warning if "Secret checks were not possible" in str(w.value))
        assert banner, path
        assert 'cannot access the resource of type "Secret"' in banner.replace("\\", "")
        assert "admin token" in banner and "docs/live-sources.md" in banner
    at.switch_page("pages/3_Secrets_and_certificates.py").run()
    assert "not checked" in readable(at)


def test_connection_failures_are_one_line_errors_and_keep_the_input(kuma):
    _, server, _ = kuma
    at = new_app()
    at.run()
    connect_kuma(at, server.url, token="wrong-token-777")
    (error,) = errors(at)
    assert "the API token was rejected" in error and "\n" not in error
    assert "wrong-token-777" not in error
    assert current(at).is_sample, "a failed fetch leaves the input as it was"

    connect_kuma(at, "kuma-cp:5681", token=None)
    (error,) = errors(at)
    assert "needs a scheme" in error


def test_a_failing_url_shows_a_one_line_error(kuma):
    api, server, _ = kuma
    api.overrides["/broken.yaml"] = Reply(500, b"boom\nwith\nlines", {"Content-Type": "text/plain"})
    at = open_live(new_app(), "url")
    for url, expected in [
        (f"{server.url}/broken.yaml", "HTTP 500"),
        (f"{server.url}/missing.yaml", "HTTP 404"),
        ("ftp://files.example/mes.yaml", "only http:// and https:// URLs are read"),
        ("http://127.0.0.1:9/mes.yaml", "127.0.0.1:9"),  # nothing listens on the discard port
    ]:
        at.text_input(key="w.live.url.url").input(url)
        at.button(key="w.live.fetch.url").click().run()
        assert_clean(at)
        (error,) = errors(at)
        assert expected in error and "\n" not in error and "Traceback" not in error, error
    assert current(at).is_sample


def test_a_url_source_is_read_and_analysed(kuma):
    api, server, case = kuma
    manifests = yaml.safe_dump_all([api.meshes[0], *api.by_mesh["default"]["meshexternalservices"]]).encode()
    api.overrides["/mesh/mes.yaml"] = Reply(200, manifests, {"Content-Type": "application/yaml"})
    at = open_live(new_app(), "url")
    at.text_input(key="w.live.url.url").input(f"{server.url}/mesh/mes.yaml?signature=s3cr3t")
    at.button(key="w.live.fetch.url").click().run()
    assert_clean(at)
    data = current(at)
    assert data.kind == "url" and data.label == f"{server.url}/mesh/mes.yaml"  # no query in the label
    assert {s.resource.name for s in report_of(at).services} == {case.broken, case.healthy}
    assert "s3cr3t" not in readable(at)


# --- Refresh, auto-refresh, overlay -------------------------------------------------------------


def test_refresh_picks_up_a_changed_server_state_and_skips_unchanged_ones(kuma, monkeypatch):
    api, server, case = kuma
    at = connect_kuma(new_app(), server.url)
    assert report_of(at).service("default", case.broken).status is ServiceStatus.BROKEN
    first = current(at)
    analyses = count_analyses(monkeypatch)

    at.button(key="w.sidebar.live_refresh").click().run()  # nothing changed: same report, no analysis
    assert_clean(at)
    assert current(at).live_digest == first.live_digest and analyses() == 0
    assert current(at).live_info.checked_at is not None

    for secret in universal_secrets(FIX, api):
        api.add("default", "secrets", secret)
    at.button(key="w.sidebar.live_refresh").click().run()
    assert_clean(at)
    assert current(at).live_digest != first.live_digest and analyses() == 1
    assert repaired(report_of(at), case.broken)

    api.overrides["/"] = Reply(503, b"down for maintenance", {"Content-Type": "text/plain"})
    at.button(key="w.sidebar.live_refresh").click().run()
    assert_clean(at)
    assert "Refresh failed" in readable(at) and "503" in readable(at)
    assert repaired(report_of(at), case.broken)  # the last good state is kept


def test_auto_refresh_re_analyses_without_losing_filters_or_the_selection(kuma):
    api, server, case = kuma
    at = connect_kuma(new_app(), server.url)
    at.selectbox(key=live.SIDEBAR_EVERY_KEY).set_value(30).run()
    assert at.session_state[live.EVERY] == 30
    at.query_params["service"] = f"default/{case.broken}"
    at.switch_page(SERVICES).run()
    at.text_input(key="w.services.text").input("billing").run()
    assert_clean(at)
    assert "auto-refresh every 30 s" in readable(at)
    before = current(at).live_digest

    at.run()  # not due yet: nothing is read
    assert current(at).live_digest == before

    for secret in universal_secrets(FIX, api):
        api.add("default", "secrets", secret)
    reads = len(server.requests)
    at.session_state[live.POLLED] = 0.0  # the interval has passed
    at.run()
    assert_clean(at)
    assert len(server.requests) > reads and current(at).live_digest != before
    assert repaired(report_of(at), case.broken)
    assert at.text_input(key="w.services.text").value == "billing"
    assert at.query_params["service"] == [f"default/{case.broken}"] or at.query_params["service"] == \
        f"default/{case.broken}"
    detail = readable(at)  # the detail of the selected MES, re-analysed: its Secrets are found now
    assert f"default / {case.broken}" in detail and "MES201" not in detail

    at.selectbox(key=live.SIDEBAR_EVERY_KEY).set_value(0).run()
    at.session_state[live.POLLED] = 0.0
    reads = len(server.requests)
    at.run()
    assert len(server.requests) == reads, "off means off"


def test_an_overlay_fixes_the_broken_mes_and_can_be_cleared(kuma):
    api, server, case = kuma
    at = connect_kuma(new_app(), server.url)
    assert report_of(at).service("default", case.broken).status is ServiceStatus.BROKEN
    fixed = yaml.safe_dump_all(universal_secrets(FIX, api)).encode()
    at.file_uploader(key=live.W + "overlay.upload.0").set_value(("fixed-secrets.yaml", fixed, "application/yaml"))
    at.button(key="w.live.overlay.apply").click().run()
    assert_clean(at)
    data = current(at)
    assert data.is_live and [s.name for s in data.sources] == ["fixed-secrets.yaml"]
    assert repaired(report_of(at), case.broken)
    references = report_of(at).service("default", case.broken).references
    assert {r.matched.origin.source for r in references} == {"upload"}
    assert "What-if overlay active: 1 file: fixed-secrets.yaml" in readable(at)

    at.button(key="w.sidebar.live_refresh").click().run()  # Refresh keeps the overlay
    assert [s.name for s in current(at).sources] == ["fixed-secrets.yaml"]

    at.switch_page("app.py").run()
    assert "What-if overlay active" in readable(at)
    at.switch_page(SOURCES).run()
    at.button(key="w.live.overlay.clear").click().run()
    assert_clean(at)
    assert current(at).sources == [] and current(at).is_live
    assert report_of(at).service("default", case.broken).status is ServiceStatus.BROKEN


def test_pasted_overlay_on_top_of_a_live_state(kuma):
    api, server, case = kuma
    at = connect_kuma(new_app(), server.url)
    at.text_area(key=live.OVERLAY_PASTE_KEY).input(yaml.safe_dump_all(universal_secrets(FIX, api)))
    at.button(key="w.live.overlay.apply").click().run()
    assert_clean(at)
    assert [s.name for s in current(at).sources] == ["what-if.yaml"]
    assert repaired(report_of(at), case.broken)
    assert current(at).label == server.url  # still the live source


# --- the token ------------------------------------------------------------------------------------


def _all_element_text(at: Any) -> str:
    """Every element's protobuf (values, labels, help, placeholders) of the current page, sidebar included."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return "\n".join(out)


def test_the_token_never_appears_in_elements_state_keys_query_params_or_the_report(kuma):
    _api, server, case = kuma
    at = connect_kuma(new_app(), server.url)
    assert any(r.headers.get("authorization") == f"Bearer {ADMIN}" for r in server.requests)
    assert at.text_input(key=live.TOKEN_KEY).value == "", "the password field is emptied after a fetch"
    at.button(key="w.sidebar.live_refresh").click().run()  # refresh reuses the kept token
    assert current(at).live_info.error == ""
    at.query_params["service"] = f"default/{case.broken}"
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert_clean(at)
        everything = _all_element_text(at)
        assert "MES Doctor" in everything and str(server.port) in everything  # the walk does reach the elements
        assert ADMIN not in everything, path
        assert ADMIN not in readable(at), path
        for key in at.session_state:
            assert ADMIN not in str(key)
        assert ADMIN not in json.dumps(at.query_params.to_dict() if hasattr(at.query_params, "to_dict")
                                       else dict(at.query_params))
    report = report_of(at)
    assert ADMIN not in json.dumps(report_dict(report), default=str)
    assert ADMIN not in repr(current(at))
    for key in state._report_cache().keys(at.session_state[state.PREFIX + "session"]):
        assert ADMIN not in key


def test_a_kept_token_is_only_sent_back_to_the_same_control_plane(kuma):
    _api, server, _ = kuma
    at = connect_kuma(new_app(), server.url)
    with LoopbackServer(KumaApi()) as other:
        fill_kuma(other.app)  # type: ignore[arg-type]
        connect_kuma(at, other.url, token=None)
        sent = [r.headers.get("authorization") for r in other.requests]  # type: ignore[attr-defined]
        assert sent and not any(sent), "no token to another host"
        assert current(at).label == other.url
    # the same URL again (a trailing slash is the same base URL): the kept token is used
    at2 = connect_kuma(new_app(), server.url)
    before = len(server.requests)
    connect_kuma(at2, server.url + "/", token=None)
    assert all(r.headers.get("authorization") == f"Bearer {ADMIN}" for r in server.requests[before:])


# --- Kubernetes -----------------------------------------------------------------------------------


def test_kubernetes_fetch_with_a_generated_kubeconfig_from_KUBECONFIG(kube, tmp_path: Path, monkeypatch):
    _api, server, case = kube
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kc", server.url)))
    at = open_live(new_app(), "kube")
    picker = at.selectbox(key="w.live.kube.context")
    assert list(picker.options) == ["fake (current)", "unreachable"] and picker.value == "fake"
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    data = current(at)
    assert data.kind == "kube" and data.label == "kube:fake"
    assert data.live_info.server.startswith("Kubernetes v1.31.2")
    report = report_of(at)
    assert report.service("default", case.broken).status is ServiceStatus.BROKEN
    assert report.service("default", case.healthy).status is ServiceStatus.HEALTHY
    at.switch_page(SERVICES).run()
    shown = readable(at)
    assert case.broken in shown and "Live: Kubernetes kube:fake" in shown

    at.switch_page(SOURCES).run()
    at.selectbox(key="w.live.kube.context").set_value("unreachable").run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    (error,) = errors(at)
    assert error.startswith("kube:unreachable:") and "\n" not in error
    assert current(at).label == "kube:fake", "the last good state stays"


def test_kubernetes_403_on_secrets_shows_the_coverage_banner_and_not_checked(kube, tmp_path: Path):
    api, server, _case = kube
    api.forbidden.add(("secrets", "kuma-system"))
    api.forbidden.add(("secrets", "*"))
    at = open_live(new_app(), "kube")
    at.text_input(key="w.live.kube.kubeconfig").input(str(write_kubeconfig(tmp_path / "kc", server.url))).run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    report = report_of(at)
    assert {r.status for r in report.secret_references} == {ReferenceStatus.NOT_CHECKED}
    assert [f.code for f in report.coverage if f.code == "MES905"] == ["MES905"]
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert_clean(at)
        banner = [str(w.value) for w in at.warning if "Secret checks were not possible" in str(w.value)]
        assert banner and "docs/rbac/mes-doctor-reader.yaml" in banner[0], path
        assert "403 Forbidden" in banner[0].replace("\\", ""), path
    at.switch_page(SOURCES).run()
    assert any("mes-doctor-reader.yaml" in str(e.label) for e in at.expander)
    at.switch_page("pages/3_Secrets_and_certificates.py").run()
    assert "not checked" in readable(at)


def test_a_missing_kubernetes_package_is_said_plainly(monkeypatch):
    monkeypatch.setattr(live, "kubernetes_available", lambda: False)
    at = open_live(new_app(), "kube")
    assert any("kubernetes` Python package is not installed" in str(w.value).replace("\\", "") for w in at.warning)
    with pytest.raises(KeyError):
        at.button(key="w.live.fetch.kube")


def test_in_cluster_is_offered_in_a_pod_and_builds_an_in_cluster_spec(monkeypatch):
    seen = []

    def refuse(spec, **_kwargs):
        seen.append(spec)
        raise LiveSourceError(spec.label, "no service account token")

    monkeypatch.setattr(live, "in_cluster_available", lambda: True)
    monkeypatch.setattr(live, "fetch", refuse)
    at = open_live(new_app(), "kube")
    assert at.checkbox(key="w.live.kube.in_cluster").value is False  # offered in a pod, never pre-selected
    at.checkbox(key="w.live.kube.in_cluster").check().run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    assert errors(at) == ["kube:in-cluster: no service account token"]
    assert len(seen) == 1 and seen[0].in_cluster and seen[0].context is None


def test_an_unreadable_kubeconfig_is_explained_and_fetch_is_disabled(tmp_path: Path):
    bad = tmp_path / "kc"
    bad.write_text("contexts: [\n")
    at = open_live(new_app(), "kube")
    at.text_input(key="w.live.kube.kubeconfig").input(str(bad)).run()
    assert_clean(at)
    assert f"cannot read {bad}" in readable(at).replace("\\", "")
    assert at.button(key="w.live.fetch.kube").disabled


def test_a_connection_error_with_markup_is_shown_as_text(kuma):
    """The error names the user's URL and quotes the server: Markdown and HTML in them stay literal."""
    from tests.app.test_hygiene import LIVE_MARKUP, _markdown_prose

    api, server, _ = kuma
    path = "/[click](http://evil.example)/**x**.yaml"
    said = "**bold** [click me](http://evil.example) <img src=x onerror=alert(1)> $x$ :red[red]"
    api.overrides[path] = Reply(500, said.encode(), {"Content-Type": "text/plain"})
    at = open_live(new_app(), "url")
    at.text_input(key="w.live.url.url").input(server.url + path)
    at.button(key="w.live.fetch.url").click().run()
    assert_clean(at)
    (error,) = at.error
    source = str(error.value)
    assert "HTTP 500" in source
    assert not LIVE_MARKUP.findall(_markdown_prose(source)), source  # no link, image or HTML tag
    shown = texts(at)
    assert server.url + path in shown and "[click me](http://evil.example) <img src=x onerror=alert(1)>" in shown
    for live_syntax in ("**bold**", "$x$", ":red["):  # emphasis, LaTeX and colour directives are escaped too
        assert live_syntax not in source and live_syntax in shown


def test_a_machine_without_memory_for_kubeconfig_credentials_gets_a_one_line_error(kube, tmp_path: Path, monkeypatch):
    """No /dev/shm: the cluster is not read (credentials would have to go to disk), and the Live tab says why."""
    from core.live import kube as kube_source

    _, server, _ = kube
    monkeypatch.setattr(kube_source, "MEMORY_DIRS", (str(tmp_path / "no-shm"),))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    at = open_live(new_app(), "kube")
    at.text_input(key="w.live.kube.kubeconfig").input(str(write_kubeconfig(tmp_path / "kc", server.url))).run()
    at.button(key="w.live.fetch.kube").click().run()
    assert_clean(at)
    (error,) = errors(at)
    assert error.startswith("kube:fake:") and "\n" not in error
    assert "never to disk" in error and "/dev/shm" in error
    assert current(at).is_sample and server.requests == []
