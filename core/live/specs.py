"""What the user chose to read live: one frozen dataclass per kind of source.

The specs are small, hashable and safe to keep in the dashboard's session state. None of them
carries credentials in its repr: the Kuma API token is excluded from `repr()` (and so from
`str()`), and Kubernetes credentials stay in the kubeconfig / service-account files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.options import DEFAULT_SYSTEM_NAMESPACE

DEFAULT_TIMEOUT = 10.0  # seconds, per connection attempt and per read


@dataclass(frozen=True, slots=True)
class KubeSpec:
    """A Kubernetes cluster reached through a kubeconfig context or the pod's service account.

    `context` None means the kubeconfig's current context; `kubeconfig` None means `$KUBECONFIG`
    (colon-separated lists are merged, as kubectl does), else `~/.kube/config`. `in_cluster`
    uses the service account of the pod MES Doctor runs in and ignores both.
    `search_other_namespaces` looks for referenced Secrets outside the system namespace (needs
    cluster-wide `list secrets`; skipped with a note when refused).
    """

    context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False
    system_namespace: str = DEFAULT_SYSTEM_NAMESPACE
    timeout: float = DEFAULT_TIMEOUT
    search_other_namespaces: bool = True

    @property
    def label(self) -> str:
        if self.in_cluster:
            return "kube:in-cluster"
        return f"kube:{self.context}" if self.context else "kube:(current context)"


@dataclass(frozen=True, slots=True)
class KumaApiSpec:
    """A Kuma control plane's REST API (`http(s)://host:5681` / `:5682`).

    `token` is sent as `Authorization: Bearer`; it never appears in `repr()`, in error messages
    or in results. `ca_file` verifies a private CA; `insecure` disables TLS verification.
    `meshes` limits the read to these meshes (empty: every mesh).
    """

    url: str
    token: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    insecure: bool = False
    meshes: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not isinstance(self.meshes, tuple):
            object.__setattr__(self, "meshes", tuple(_strings(self.meshes)))

    @property
    def label(self) -> str:
        return display_url(self.url.rstrip("/")) if isinstance(self.url, str) else "kuma-api"


@dataclass(frozen=True, slots=True)
class UrlSpec:
    """A manifest file or archive (.zip, .tar, .tar.gz, .tgz) served over http(s)."""

    url: str
    timeout: float = DEFAULT_TIMEOUT
    max_redirects: int = 3

    @property
    def label(self) -> str:
        return display_url(self.url) if isinstance(self.url, str) else "url"


LiveSpec = KubeSpec | KumaApiSpec | UrlSpec


def display_url(url: str) -> str:
    """The URL as shown in labels and messages: no user-info, query or fragment (they may hold
    credentials, e.g. a pre-signed download link)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "(invalid URL)"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    try:
        return [str(v) for v in value if v]
    except TypeError:
        return []
