"""The hostile live-source inputs (tests/data/hostile/live/): a kubeconfig whose credential plugin would run a
command on the server, and error answers that echo the request's token.

* the plugin never runs under a shared dashboard's policy unless the operator named that context (its marker
  file is never written), and runs as in kubectl for the operator's own tools;
* an echoed token never reaches a message, a note or the CLI's stderr, whatever the body's shape; a foreign
  body is quoted as a short excerpt at most (local), not at all (shared).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.cli import main
from core.live import KubeSpec, KumaApiSpec, LiveSourceError, UrlSpec, fetch
from core.live.errors import EXCERPT_CHARS
from core.live.policy import ReadPolicy
from tests.core.live.conftest import FAST, fill_kube, fill_kuma, write_kubeconfig
from tests.core.live.servers import KubeApi, KumaApi, LoopbackServer, Reply, clear_proxies
from tests.factories import NOW

LIVE = Path(__file__).resolve().parents[2] / "data" / "hostile" / "live"
TOKEN = "hostile-token-Qw8eR5tY7uI9oP0a"
INTERNAL = "internal-secret-dump " * 400
SHARED = ReadPolicy(echo_bodies=False, plugin_contexts=frozenset())


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


def render(text: str, **values: str) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    assert "{{" not in text, text
    return text


def plugin_kubeconfig(tmp_path: Path, server: str) -> tuple[Path, Path]:
    marker = tmp_path / "plugin-ran"
    path = tmp_path / "exec-plugin.kubeconfig"
    path.write_text(render((LIVE / "exec-plugin.kubeconfig.yaml").read_text(), SERVER=server, PYTHON=sys.executable,
                           MARKER=str(marker), TOKEN=TOKEN))
    return path, marker


@pytest.fixture
def cluster():
    api = KubeApi(token=TOKEN)
    fill_kube(api)
    with LoopbackServer(api) as server:
        yield api, server


# --- the exec-plugin kubeconfig ---------------------------------------------------------------------------


def test_the_plugin_never_runs_under_a_shared_policy_for_a_context_the_operator_did_not_name(cluster, tmp_path):
    _, server = cluster
    path, marker = plugin_kubeconfig(tmp_path, server.url)
    other = ReadPolicy(echo_bodies=False, plugin_contexts=frozenset({(str(path), "another-context")}))
    for policy in (SHARED, other):
        with pytest.raises(LiveSourceError) as caught:
            fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW, policy=policy)
        assert "credential plugin (exec)" in str(caught.value) and "operator named" in str(caught.value)
    assert not marker.exists(), "the plugin ran"
    assert server.requests == []


def test_the_plugin_runs_for_a_context_the_operator_named(cluster, tmp_path):
    _, server = cluster
    path, marker = plugin_kubeconfig(tmp_path, server.url)
    named = ReadPolicy(echo_bodies=False, plugin_contexts=frozenset({(str(path), "plugin")}))
    result = fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW, policy=named)
    assert marker.exists() and result.counts["MeshExternalService"] == 2
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in server.requests)


def test_the_plugin_runs_for_the_operators_own_tools_as_in_kubectl(cluster, tmp_path):
    _, server = cluster
    path, marker = plugin_kubeconfig(tmp_path, server.url)
    result = fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)  # ReadPolicy(): local semantics
    assert marker.exists() and result.counts["MeshExternalService"] == 2


def test_the_cli_runs_the_plugin_and_keeps_its_token_out_of_its_output(cluster, tmp_path):
    _, server = cluster
    path, marker = plugin_kubeconfig(tmp_path, server.url)
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--now", NOW.isoformat(), "--live-timeout", "0.5", "--kubeconfig", str(path), "--kube",
                 "--format", "json"], stdout=out, stderr=err)
    assert code == 1 and marker.exists()
    assert TOKEN not in out.getvalue() + err.getvalue()


# --- error answers echoing the token -----------------------------------------------------------------------


def bodies() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((LIVE / "api-error-echoes-token.yaml").read_text())


def reply(case: str) -> Reply:
    spec = bodies()[case]
    return Reply(spec["status"], render(spec["body"], TOKEN=TOKEN, INTERNAL=INTERNAL).encode(),
                 {"Content-Type": spec["content-type"]})


CASES = sorted(bodies())


def _message(call: Any) -> str:
    with pytest.raises(LiveSourceError) as caught:
        call()
    text = str(caught.value)
    assert "\n" not in text and "Traceback" not in text and TOKEN not in repr(caught.value)
    return text


def _assert_clean(text: str) -> None:
    """No token, and at most an excerpt's worth of the rambling body."""
    assert TOKEN not in text
    assert text.count("internal-secret-dump") * len("internal-secret-dump") <= EXCERPT_CHARS


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("shared", [False, True])
def test_kuma_api_error_bodies_never_show_the_token(case, shared):
    api = KumaApi(admin_token=TOKEN)
    fill_kuma(api)
    api.overrides["/meshes"] = reply(case)
    with LoopbackServer(api) as server:
        text = _message(lambda: fetch(KumaApiSpec(server.url, token=TOKEN, timeout=FAST), now=NOW,
                                      policy=SHARED if shared else ReadPolicy()))
    _assert_clean(text)
    if case == "kuma-problem-json":  # the Kuma API's own words are kept, in both modes
        assert "401 Unauthorized: Unauthorized: invalid authentication data" in text and "<redacted>" in text
    elif shared:  # any other body: nothing of it
        assert "upstream" not in text and "gateway dump" not in text and "forbidden:" not in text
        assert "internal-secret-dump" not in text
    else:
        assert len(text) < 400


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("shared", [False, True])
def test_kubernetes_error_bodies_never_show_the_token(cluster, tmp_path, case, shared):
    api, server = cluster
    api.overrides["/apis/kuma.io/v1alpha1/meshexternalservices"] = reply(case)
    path = write_kubeconfig(tmp_path / "kc", server.url, token=TOKEN)
    text = _message(lambda: fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW,
                                  policy=SHARED if shared else ReadPolicy()))
    _assert_clean(text)
    if case == "kubernetes-status":  # the API server's Status message is kept, scrubbed
        assert "403 Forbidden: forbidden: request with Authorization: <redacted>" in text
        assert "(raw token <redacted>)" in text
    elif shared:
        assert "upstream" not in text and "gateway dump" not in text and "internal-secret-dump" not in text


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("shared", [False, True])
def test_url_error_bodies_are_an_excerpt_at_most(case, shared):
    with LoopbackServer(lambda request: reply(case)) as server:
        text = _message(lambda: fetch(UrlSpec(f"{server.url}/mes.yaml", timeout=FAST), now=NOW,
                                      policy=SHARED if shared else ReadPolicy()))
    _assert_clean(text)  # no token was sent, yet the one the body quotes as a credential is scrubbed everywhere
    head = text.split(": HTTP ", 1)[1]
    if shared or case == "html":  # nothing of the body: the status only
        assert head.split(":")[0].strip() == head.strip(), text
    else:
        assert len(head.split(": ", 1)[1]) <= EXCERPT_CHARS


def test_the_cli_stderr_never_shows_an_echoed_token(monkeypatch):
    api = KumaApi(admin_token=TOKEN)
    fill_kuma(api)
    api.overrides["/meshes"] = reply("plain-text")
    with LoopbackServer(api) as server:
        monkeypatch.setenv("KUMA_API_TOKEN", TOKEN)
        out, err = io.StringIO(), io.StringIO()
        code = main(["check", "--live-timeout", "0.5", "--kuma-url", server.url], stdout=out, stderr=err)
    assert code == 2
    assert TOKEN not in err.getvalue() and "<redacted>" in err.getvalue()
    assert err.getvalue().count("internal-secret-dump") <= EXCERPT_CHARS // len("internal-secret-dump")


def test_notes_and_the_secrets_note_are_scrubbed_too():
    api = KumaApi(admin_token="not-the-token")
    api.user_tokens[TOKEN] = "alice"
    fill_kuma(api)
    api.overrides["/meshes/default/secrets"] = Reply(
        403, f'{{"title": "Access Denied", "detail": "user alice with Bearer {TOKEN} ({TOKEN}) cannot read"}}'.encode(),
        {"Content-Type": "application/problem+json"})
    with LoopbackServer(api) as server:
        result = fetch(KumaApiSpec(server.url, token=TOKEN, timeout=FAST), now=NOW)
    assert "cannot read" in result.load.secrets_note and TOKEN not in result.load.secrets_note
    assert all(TOKEN not in note for note in result.notes)
