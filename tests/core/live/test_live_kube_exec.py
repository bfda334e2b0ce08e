"""kubeconfig credential plugins (`exec:`) run by MES Doctor: as kubectl runs them (EKS, GKE and AKS need
them), with a timeout that kills the plugin and everything it started, without any lock shared between reads,
and never for a context a shared dashboard's operator did not name."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import pki
from core.live import KubeSpec, LiveSourceError, fetch, kube
from core.live.errors import ServerFileError
from core.live.policy import ReadPolicy
from tests.core.live.conftest import FAST, fill_kube, write_kubeconfig
from tests.core.live.servers import KubeApi, LoopbackServer
from tests.factories import NOW

TOKEN = "plugin-token-Hh4jK8lM2nB6"


def plugin(path: Path, body: str) -> Path:
    """An executable Python script standing in for a credential plugin."""
    path.write_text(f"#!{sys.executable}\nimport json, os, sys, time, subprocess, pathlib\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def credential(token: str = TOKEN) -> str:
    return (f'print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
            f'"status": {{"token": "{token}"}}}}))')


def exec_kubeconfig(path: Path, server: str, command: str, **exec_extra: Any) -> Path:
    config = yaml.safe_load(yaml.safe_dump(_base(server)))
    config["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": command,
                                           "interactiveMode": "IfAvailable", **exec_extra}}
    path.write_text(yaml.safe_dump(config))
    return path


def _base(server: str) -> dict[str, Any]:
    from tests.core.live.servers import kubeconfig

    return kubeconfig(server)


@pytest.fixture
def cluster():
    api = KubeApi(token=TOKEN)
    fill_kube(api)
    with LoopbackServer(api) as server:
        yield api, server


def test_a_plugin_token_is_used_and_the_plugin_sees_the_exec_info(cluster, tmp_path):
    _, server = cluster
    seen = tmp_path / "exec-info.json"
    script = plugin(tmp_path / "plugin", f'pathlib.Path({str(seen)!r}).write_text(os.environ["KUBERNETES_EXEC_INFO"] '
                                         f'+ "\\n" + os.environ.get("EXTRA", "") + "\\n" + os.getcwd())\n'
                                         + credential())
    path = exec_kubeconfig(tmp_path / "kc", server.url, str(script), provideClusterInfo=True,
                           env=[{"name": "EXTRA", "value": "from-the-kubeconfig"}])
    result = fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)
    assert result.counts["MeshExternalService"] == 2
    info, extra, cwd = seen.read_text().split("\n")
    exec_info = json.loads(info)
    assert exec_info["kind"] == "ExecCredential" and exec_info["spec"]["interactive"] is False
    assert exec_info["spec"]["cluster"]["server"] == server.url
    assert extra == "from-the-kubeconfig" and cwd == str(tmp_path)


def test_a_relative_command_with_a_separator_is_relative_to_the_kubeconfig(cluster, tmp_path):
    _, server = cluster
    (tmp_path / "bin").mkdir()
    plugin(tmp_path / "bin" / "login", credential())
    (tmp_path / "conf").mkdir()
    path = exec_kubeconfig(tmp_path / "conf" / "kc", server.url, "../bin/login")
    assert fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW).counts["MeshExternalService"] == 2


def test_a_client_certificate_from_the_plugin_becomes_files_of_the_private_directory(tmp_path, monkeypatch):
    from kubernetes import client

    now = datetime.now(UTC)
    ca = pki.make_ca("Plugin CA", now, days=2)
    leaf = pki.make_client(ca, "plugin-user", now, days=1)
    cert, key = leaf.cert_pem.decode(), leaf.key_pem().decode()
    body = ('print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
            f'"status": {{"clientCertificateData": {cert!r}, "clientKeyData": {key!r}}}}}))')
    path = exec_kubeconfig(tmp_path / "kc", "https://127.0.0.1:6443", str(plugin(tmp_path / "p", body)))
    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.setattr(kube, "_memory_dir", lambda: str(memory))
    files = kube._CredentialFiles()
    cfg = client.Configuration()
    try:
        kube._load_context(str(path), "fake", "kube:fake", cfg, files, ReadPolicy())
        assert Path(cfg.cert_file).read_text() == cert and Path(cfg.key_file).read_text() == key
        assert Path(cfg.cert_file).parent.parent == memory
        assert oct(Path(cfg.key_file).stat().st_mode & 0o777) == "0o600"
    finally:
        files.remove()
    assert list(memory.iterdir()) == []


@pytest.mark.parametrize("echo", [True, False])
def test_a_failing_plugin_is_explained_with_a_scrubbed_excerpt_of_its_stderr_only_when_echoing(cluster, tmp_path,
                                                                                                echo):
    _, server = cluster
    script = plugin(tmp_path / "p", 'sys.stderr.write("SSO session expired; Authorization: Bearer '
                                    'leaked-value-123456 run aws sso login\\n"); sys.exit(3)')
    path = exec_kubeconfig(tmp_path / "kc", server.url, str(script))
    policy = ReadPolicy(echo_bodies=echo, plugin_contexts=frozenset({(str(path), "fake")}))
    with pytest.raises(ServerFileError) as caught:
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW, policy=policy)
    text = str(caught.value)
    assert "failed (exit code 3)" in text and "leaked-value-123456" not in text
    assert ("SSO session expired" in text) is echo
    assert server.requests == []


@pytest.mark.parametrize(("body", "expected"), [
    ("print('not json')", r"did not print an ExecCredential \(not JSON\)"),
    ("print(json.dumps({'kind': 'ExecCredential', 'apiVersion': 'client.authentication.k8s.io/v1beta1', "
     "'status': {'token': 'x'}}))", "answered with apiVersion"),
    ("print(json.dumps({'kind': 'ExecCredential', 'apiVersion': 'client.authentication.k8s.io/v1', "
     "'status': {}}))", "neither a token nor a client certificate"),
])
def test_unusable_plugin_output_is_a_one_line_error(cluster, tmp_path, body, expected):
    _, server = cluster
    path = exec_kubeconfig(tmp_path / "kc", server.url, str(plugin(tmp_path / "p", body)))
    with pytest.raises(ServerFileError, match=expected):
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)


def test_a_missing_plugin_names_the_install_hint(cluster, tmp_path):
    _, server = cluster
    path = exec_kubeconfig(tmp_path / "kc", server.url, "mesdoctor-no-such-plugin",
                           installHint="install it with: brew install no-such-plugin")
    with pytest.raises(ServerFileError) as caught:
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)
    assert "'mesdoctor-no-such-plugin' is not installed" in str(caught.value)
    assert "brew install no-such-plugin" in str(caught.value)


def test_a_plugin_that_needs_a_terminal_is_refused_without_one(cluster, tmp_path):
    _, server = cluster
    marker = tmp_path / "ran"
    script = plugin(tmp_path / "p", f"pathlib.Path({str(marker)!r}).write_text('x')\n" + credential())
    path = exec_kubeconfig(tmp_path / "kc", server.url, str(script), interactiveMode="Always")
    with pytest.raises(ServerFileError, match="needs an interactive terminal"):
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)
    assert not marker.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers signal 0: look at its state
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def hanging_plugin(tmp_path: Path, server: str) -> tuple[Path, Path]:
    """A plugin that starts a helper process, records both process ids, and never answers."""
    pids = tmp_path / "pids"
    body = (f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
            f"pathlib.Path({str(pids)!r}).write_text(f'{{os.getpid()}} {{child.pid}}')\n"
            "time.sleep(120)\n")
    return exec_kubeconfig(tmp_path / "kc", server, str(plugin(tmp_path / "hang", body))), pids


def test_a_hanging_plugin_is_stopped_after_the_timeout_with_everything_it_started(cluster, tmp_path):
    _, server = cluster
    path, pids = hanging_plugin(tmp_path, server.url)
    with pytest.raises(LiveSourceError) as caught:
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW, policy=ReadPolicy(plugin_timeout=1.0))
    assert "credential plugin (exec: hang) did not finish within 1 s and was stopped" in str(caught.value)
    assert not isinstance(caught.value, ServerFileError)  # a visitor may be told that it timed out
    plugin_pid, child_pid = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 10
    while (_alive(plugin_pid) or _alive(child_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(plugin_pid) and not _alive(child_pid)
    assert server.requests == []


def test_a_hanging_plugin_does_not_block_another_read(cluster, tmp_path):
    """No lock is shared between reads: a second read finishes while the first one's plugin still hangs."""
    _, server = cluster
    (tmp_path / "slow").mkdir()
    slow, pids = hanging_plugin(tmp_path / "slow", server.url)
    outcome: dict[str, Any] = {}

    def slow_read() -> None:
        try:
            fetch(KubeSpec(kubeconfig=str(slow), timeout=FAST), now=NOW, policy=ReadPolicy(plugin_timeout=20.0))
        except LiveSourceError as exc:
            outcome["slow"] = exc

    thread = threading.Thread(target=slow_read, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not pids.exists() and time.monotonic() < deadline:  # the plugin is running (and hanging)
        time.sleep(0.02)
    assert pids.exists()
    fast = write_kubeconfig(tmp_path / "fast", server.url, token=TOKEN)
    result = fetch(KubeSpec(kubeconfig=str(fast), timeout=FAST), now=NOW)
    assert result.counts["MeshExternalService"] == 2
    assert thread.is_alive(), "the second read finished while the first plugin was still running"
    plugin_pid = int(pids.read_text().split()[0])
    os.killpg(plugin_pid, 9)  # end the test quickly: the first read then reports the plugin's failure
    thread.join(20)
    assert not thread.is_alive() and isinstance(outcome.get("slow"), LiveSourceError)


def test_the_load_lock_is_gone():
    assert not hasattr(kube, "_LOAD_LOCK")


def test_auth_provider_users_run_only_for_named_contexts(cluster, tmp_path):
    _, server = cluster
    config = _base(server.url)
    config["users"][0]["user"] = {"auth-provider": {"name": "oidc", "config": {
        "client-id": "x", "id-token": "y", "idp-issuer-url": "https://issuer.example"}}}
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(LiveSourceError, match=r"credential plugin \(auth-provider\)"):
        fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW,
              policy=ReadPolicy(echo_bodies=False, plugin_contexts=frozenset()))
    assert server.requests == []
