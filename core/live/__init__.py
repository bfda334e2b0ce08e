"""Live sources: read manifests straight from a Kubernetes cluster, a Kuma control plane's REST
API, or an http(s) URL, into the same `LoadResult` files produce.

Public API (what the CLI and the dashboard use)::

    spec = KubeSpec(context="prod")            # or KumaApiSpec(url, token=...), UrlSpec(url)
    result = fetch(spec, limits=options.limits, now=..., system_namespace=options.system_namespace)
    report = analyse(overlay_sources, options, preloaded=result.load)

`fetch` raises only `LiveSourceError`, whose `str()` is a one-line message fit to show as is.
`fetch(..., policy=ReadPolicy(...))` says how the read may behave (core/live/policy.py): the network
guard that refuses link-local and cloud-metadata targets (core/live/guard.py), error-body echoes,
kubeconfig credential plugins. The operator's named sources of a shared dashboard are in
core/live/config.py.
`result.digest` is stable for identical content (a cache key); `result.notes` lists parts that
could not be read. `kube_contexts()` lists kubeconfig contexts for a picker. The `kubernetes`
package is optional and imported only when a cluster is read (`kubernetes_available()`).
"""

from typing import TYPE_CHECKING, Any

from core.live.errors import LiveSourceError, ServerFileError
from core.live.fetch import fetch, fetch_all
from core.live.guard import BlockedTarget, NetworkGuard
from core.live.policy import ReadPolicy
from core.live.result import LiveResult
from core.live.specs import KubeSpec, KumaApiSpec, LiveSpec, UrlSpec, display_url

if TYPE_CHECKING:
    from core.live.kube import (
        KubeContexts,
        in_cluster_available,
        kube_contexts,
        kubeconfig_path,
        kubernetes_available,
    )

# The Kubernetes reader's names are imported from core.live.kube when first asked for (PEP 562): `mesdoctor
# check` on files needs the errors and the argument definitions, not the reader and its HTTP code.
_KUBE = frozenset({"KubeContexts", "in_cluster_available", "kube_contexts", "kubeconfig_path", "kubernetes_available"})


def __getattr__(name: str) -> Any:
    if name not in _KUBE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from core.live import kube

    value = getattr(kube, name)
    globals()[name] = value
    return value


__all__ = [
    "BlockedTarget",
    "KubeContexts",
    "KubeSpec",
    "KumaApiSpec",
    "LiveResult",
    "LiveSourceError",
    "LiveSpec",
    "NetworkGuard",
    "ReadPolicy",
    "ServerFileError",
    "UrlSpec",
    "display_url",
    "fetch",
    "fetch_all",
    "in_cluster_available",
    "kube_contexts",
    "kubeconfig_path",
    "kubernetes_available",
]
