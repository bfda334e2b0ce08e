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

from core.live.errors import LiveSourceError, ServerFileError
from core.live.fetch import fetch, fetch_all
from core.live.guard import BlockedTarget, NetworkGuard
from core.live.kube import KubeContexts, in_cluster_available, kube_contexts, kubeconfig_path, kubernetes_available
from core.live.policy import ReadPolicy
from core.live.result import LiveResult
from core.live.specs import KubeSpec, KumaApiSpec, LiveSpec, UrlSpec, display_url

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
