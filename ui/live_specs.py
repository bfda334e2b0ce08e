"""From the Live tab's fields to a live source spec, and from a live read to the current input.

No Streamlit calls here (tested directly); `ui.live` wires the widgets to these functions.
The Kuma API token only ever travels inside a `KumaApiSpec` (whose repr hides it): it is never
put into a label, a digest, a message or a URL.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from core.live import KubeSpec, KumaApiSpec, LiveResult, LiveSpec, UrlSpec, display_url
from core.live.errors import scrub_secrets
from core.live.specs import DEFAULT_TIMEOUT
from core.sources import Source
from ui.state import Input, LiveInfo

KIND_KUBE = "kube"
KIND_KUMA = "kuma-api"
KIND_URL = "url"
KIND_WATCHER = "watcher"  # a MES Doctor watcher's last report (ui/watcher.py)
KIND_TITLES = {
    KIND_KUBE: "☸️ Kubernetes cluster",
    KIND_KUMA: "🛰️ Kuma control plane API",
    KIND_URL: "🌐 URL",
    KIND_WATCHER: "📈 MES Doctor watcher URL",
}
KIND_NAMES = {KIND_KUBE: "Kubernetes", KIND_KUMA: "Kuma API", KIND_URL: "URL", KIND_WATCHER: "MES Doctor watcher"}

REFRESH_CHOICES = (0, 30, 60, 300)  # seconds; 0: off (the default)
_MESH_SPLIT = re.compile(r"[\s,]+")


class SpecError(ValueError):
    """A field the user must fix before anything connects (the message is shown as is)."""


def refresh_label(seconds: int) -> str:
    if not seconds:
        return "off"
    return f"every {seconds} s" if seconds < 60 else f"every {seconds // 60} min"


def parse_meshes(text: str | None) -> tuple[str, ...]:
    """`default, payments` → ("default", "payments"): commas or spaces, blanks and repeats dropped."""
    seen: dict[str, None] = {}
    for part in _MESH_SPLIT.split(text or ""):
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def _timeout(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 3600:
        return DEFAULT_TIMEOUT
    return float(value)


def _url(value: str | None, what: str, example: str) -> str:
    url = (value or "").strip()
    if not url:
        raise SpecError(f"Enter the {what} (for example {example}).")
    if "://" not in url:
        raise SpecError(f"The {what} needs a scheme: http:// or https:// (for example {example}).")
    return url


def kube_spec(*, kubeconfig: str | None, context: str | None, in_cluster: bool, search_other_namespaces: bool,
              system_namespace: str, timeout: float) -> KubeSpec:
    path = (kubeconfig or "").strip() or None
    return KubeSpec(context=None if in_cluster else (context or None), kubeconfig=None if in_cluster else path,
                    in_cluster=bool(in_cluster), system_namespace=system_namespace,
                    timeout=_timeout(timeout), search_other_namespaces=bool(search_other_namespaces))


def kuma_spec(*, url: str | None, token: str | None, ca_file: str | None, insecure: bool, meshes: str | None,
              timeout: float) -> KumaApiSpec:
    base = _url(url, "control plane's API URL", "http://localhost:5681 or https://kuma-cp.kuma-system:5682")
    secret = (token or "").strip() or None
    ca = None if insecure else ((ca_file or "").strip() or None)
    return KumaApiSpec(base, token=secret, ca_file=ca, insecure=bool(insecure), meshes=parse_meshes(meshes),
                       timeout=_timeout(timeout))


def url_spec(*, url: str | None, timeout: float) -> UrlSpec:
    return UrlSpec(_url(url, "URL of a manifest file or archive", "https://git.example/raw/mesh/mes.yaml"),
                   timeout=_timeout(timeout))


def kind_of(spec: LiveSpec) -> str:
    if isinstance(spec, KubeSpec):
        return KIND_KUBE
    if isinstance(spec, KumaApiSpec):
        return KIND_KUMA
    return KIND_URL


def same_endpoint(a: str | None, b: str | None) -> bool:
    """Whether two Kuma API base URLs name the same place (a kept token may only go back there)."""
    if not a or not b:
        return False
    return display_url(a.strip().rstrip("/")) == display_url(b.strip().rstrip("/"))


def kept_token(current: Input, url: str | None) -> str | None:
    """The token of the current Kuma API connection, when the URL entered is the same base URL."""
    info = current.live_info
    if info is None or not isinstance(info.spec, KumaApiSpec) or not info.spec.token:
        return None
    return info.spec.token if same_endpoint(info.spec.url, url) else None


def live_input(result: LiveResult, spec: LiveSpec, overlay: list[Source] | None = None) -> Input:
    """The fetched state as the current input (`overlay`: what-if files applied on top of it)."""
    info = LiveInfo(spec=spec, server=result.server, notes=tuple(result.notes),
                    counts=tuple(sorted(result.counts.items())))
    return Input(kind=kind_of(spec), sources=list(overlay or []), label=result.label, live=result.load,
                 live_digest=result.digest, loaded_at=result.fetched_at, live_info=info)


def refreshed(current: Input, result: LiveResult) -> tuple[Input, bool]:
    """The input after a refresh, and whether the content changed.

    Same digest: the state (and so the cached report) is kept, only `checked_at` moves; otherwise
    the new state replaces it with the same spec and overlay.
    """
    info = current.live_info
    assert info is not None
    if result.digest == current.live_digest:
        return replace(current, live_info=replace(info, checked_at=result.fetched_at, error="")), False
    return live_input(result, info.spec, current.sources), True


def failed_refresh(current: Input, message: str) -> Input:
    info = current.live_info
    assert info is not None
    return replace(current, live_info=replace(info, error=message))


def with_overlay(current: Input, overlay: list[Source]) -> Input:
    return replace(current, sources=list(overlay))


def counts_text(info: LiveInfo) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in info.counts) or "no resources"


def time_text(when: datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S} UTC" if when else "—"


def scrub(text: str, spec: LiveSpec | None) -> str:
    """Never show a token, even inside an unexpected exception's text (nor anything that looks like one)."""
    token = getattr(spec, "token", None)
    return scrub_secrets(text, (token,) if isinstance(token, str) else ())
