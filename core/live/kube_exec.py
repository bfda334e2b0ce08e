"""kubeconfig credential plugins (`users[].user.exec`): run here, with a timeout, as kubectl runs them.

EKS (`aws eks get-token`), GKE (`gke-gcloud-auth-plugin`), AKS (`kubelogin`) and most SSO set-ups
authenticate through such a plugin: a command printing an `ExecCredential` whose `status` holds a bearer token
or a client certificate and key. The kubernetes Python client would run it itself, without a timeout; MES Doctor
runs it here instead, so that

* a plugin that hangs (waiting for a browser login, a network that never answers) is killed after
  `ReadPolicy.plugin_timeout` seconds, with its whole process group;
* nothing is shared between reads: no lock, no cache, so one visitor's slow plugin never blocks another;
* the plugin never reads the dashboard's stdin, and uses the terminal only when the CLI runs on one
  (`interactiveMode` as kubectl: `Never`, `IfAvailable`, `Always`).

The command is resolved as kubectl does: with a path separator and relative, against the kubeconfig's
directory; otherwise on `PATH`. The credential it prints is used for this read only (never cached or written
anywhere but the private in-memory directory of the read, see core/live/kube.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.live.errors import LiveSourceError, ServerFileError, excerpt

API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
                "client.authentication.k8s.io/v1alpha1")
INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
MAX_OUTPUT = 1024 * 1024  # an ExecCredential is a few kilobytes


@dataclass(frozen=True, slots=True)
class Credential:
    """What a plugin printed: a bearer token, or a client certificate and key (PEM text)."""

    token: str | None = field(default=None, repr=False)
    client_certificate: str | None = field(default=None, repr=False)
    client_key: str | None = field(default=None, repr=False)


def run_plugin(config: Any, *, kubeconfig_dir: str, cluster: Mapping[str, Any] | None, timeout: float,
               interactive: bool, echo: bool, label: str) -> Credential:
    """Run the `exec` section `config` of a kubeconfig user and return the credential it prints.

    Raises LiveSourceError when it takes longer than `timeout` seconds (it is killed) and ServerFileError when
    it is missing, fails or prints something unusable (`echo`: quote a short, scrubbed excerpt of its stderr).
    """
    if not isinstance(config, Mapping):
        raise ServerFileError(label, "the user's `exec` section is not a mapping")
    command, args, env, api_version, mode = _parse(config, label)
    hint = config.get("installHint") if isinstance(config.get("installHint"), str) else ""
    use_terminal = interactive and mode != "Never" and _on_terminal()
    if mode == "Always" and not use_terminal:
        raise ServerFileError(label, f"the credential plugin {command!r} needs an interactive terminal "
                                     "(interactiveMode: Always), which MES Doctor does not have here")
    spec: dict[str, Any] = {"interactive": use_terminal}
    if config.get("provideClusterInfo") is True and cluster is not None:
        spec["cluster"] = _cluster_info(cluster)
    environment = dict(os.environ)
    environment.update(env)
    environment["KUBERNETES_EXEC_INFO"] = json.dumps({"apiVersion": api_version, "kind": "ExecCredential",
                                                      "spec": spec})
    executable = _resolve(command, kubeconfig_dir)
    try:
        process = subprocess.Popen(
            [executable, *args], stdout=subprocess.PIPE,
            stderr=None if use_terminal else subprocess.PIPE,
            stdin=None if use_terminal else subprocess.DEVNULL,
            env=environment, cwd=kubeconfig_dir or None, start_new_session=not use_terminal,
        )
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError | NotADirectoryError)
        why = "is not installed (not found)" if missing else f"cannot be started ({exc.strerror or exc})"
        raise ServerFileError(label, f"the credential plugin {command!r} {why}" + (f"; {hint}" if hint else "")) \
            from None
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise LiveSourceError(label, f"the kubeconfig's credential plugin (exec: {os.path.basename(command)}) did "
                                     f"not finish within {timeout:g} s and was stopped") from None
    if process.returncode != 0:
        detail = excerpt(stderr or b"") if echo else ""
        raise ServerFileError(label, f"the credential plugin {command!r} failed (exit code {process.returncode})"
                                     + (f": {detail}" if detail else ""))
    return _credential(stdout, api_version, command, label)


def _parse(config: Mapping[str, Any], label: str) -> tuple[str, list[str], dict[str, str], str, str]:
    command = config.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ServerFileError(label, "the user's `exec` section has no command")
    api_version = config.get("apiVersion")
    if api_version not in API_VERSIONS:
        raise ServerFileError(label, f"the credential plugin's apiVersion {api_version!r} is not one of "
                                     f"{', '.join(API_VERSIONS)}")
    raw_args = config.get("args") or []
    if not isinstance(raw_args, list) or not all(isinstance(a, str) for a in raw_args):
        raise ServerFileError(label, "the credential plugin's `args` must be a list of strings")
    env: dict[str, str] = {}
    for item in config.get("env") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not isinstance(
                item.get("value"), str):
            raise ServerFileError(label, "each `env` entry of the credential plugin needs a name and a value "
                                         "(strings)")
        env[item["name"]] = item["value"]
    mode = config.get("interactiveMode") or "IfAvailable"
    if mode not in INTERACTIVE_MODES:
        raise ServerFileError(label, f"the credential plugin's interactiveMode {mode!r} is not one of "
                                     f"{', '.join(INTERACTIVE_MODES)}")
    return command, list(raw_args), env, str(api_version), str(mode)


def _resolve(command: str, kubeconfig_dir: str) -> str:
    """kubectl's rule: a relative command with a path separator is relative to the kubeconfig's directory."""
    if os.sep in command and not os.path.isabs(command) and kubeconfig_dir:
        return os.path.join(kubeconfig_dir, command)
    return command


def _cluster_info(cluster: Mapping[str, Any]) -> dict[str, Any]:
    """The `spec.cluster` of ExecCredential (provideClusterInfo: true): where the plugin's token is for."""
    info: dict[str, Any] = {}
    for key in ("server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority-data",
                "proxy-url", "disable-compression"):
        if key in cluster:
            info[key] = cluster[key]
    for extension in cluster.get("extensions") or []:
        if isinstance(extension, Mapping) and extension.get("name") == "client.authentication.k8s.io/exec":
            info["config"] = extension.get("extension")
    return info


def _credential(stdout: bytes, api_version: str, command: str, label: str) -> Credential:
    if len(stdout) > MAX_OUTPUT:
        raise ServerFileError(label, f"the credential plugin {command!r} printed more than {MAX_OUTPUT} bytes")
    try:
        data = json.loads(stdout)
    except (ValueError, RecursionError):
        raise ServerFileError(label, f"the credential plugin {command!r} did not print an ExecCredential "
                                     "(not JSON)") from None
    if not isinstance(data, dict) or data.get("kind") != "ExecCredential":
        raise ServerFileError(label, f"the credential plugin {command!r} did not print an ExecCredential")
    if data.get("apiVersion") != api_version:
        raise ServerFileError(label, f"the credential plugin {command!r} answered with apiVersion "
                                     f"{str(data.get('apiVersion'))[:80]!r}, not {api_version}")
    status = data.get("status")
    if not isinstance(status, dict):
        raise ServerFileError(label, f"the credential plugin {command!r} printed no `status`")
    token = status.get("token")
    if isinstance(token, str) and token:
        return Credential(token=token)
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if isinstance(cert, str) and cert and isinstance(key, str) and key:
        return Credential(client_certificate=cert, client_key=key)
    raise ServerFileError(label, f"the credential plugin {command!r} printed neither a token nor a client "
                                 "certificate and key")


def _on_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Stop the plugin and everything it started (its own process group), and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    try:
        process.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a grandchild in another session holds the pipes: leave them
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        process.wait(timeout=5)
