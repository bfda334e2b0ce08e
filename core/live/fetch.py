"""One entry point for every live source: `fetch(spec)` and `fetch_all(specs)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from core.live.errors import LiveSourceError, scrub_secrets
from core.live.policy import ReadPolicy
from core.live.result import LiveResult, combine
from core.live.specs import KubeSpec, KumaApiSpec, LiveSpec, UrlSpec
from core.options import DEFAULT_SYSTEM_NAMESPACE, Limits


def fetch(
    spec: LiveSpec,
    *,
    limits: Limits | None = None,
    now: datetime | None = None,
    system_namespace: str | None = None,
    policy: ReadPolicy | None = None,
) -> LiveResult:
    """Read one live source. Raises only `LiveSourceError` (a one-line, user-facing message).

    `now` stamps `Origin.fetched_at` (default: the wall clock); `limits` caps each answer
    (`max_file_bytes`), the total (`max_total_bytes`) and the object count (`max_documents`).
    `system_namespace` is the Kuma system namespace (where Secrets are listed on Kubernetes and
    where namespace-less objects are placed); default: the KubeSpec's, else kuma-system.
    `policy` is how the read may behave (core/live/policy.py): the network guard (link-local and
    cloud-metadata addresses refused), error-body echoes, credential plugins; default: the
    operator's own tools' (`ReadPolicy()`).
    """
    limits = limits or Limits()
    policy = policy or ReadPolicy()
    fetched_at = now or datetime.now(UTC)
    _check(spec)
    known = (getattr(spec, "token", None),)
    try:
        if isinstance(spec, KubeSpec):
            from core.live.kube import fetch_kube

            if system_namespace and system_namespace != spec.system_namespace:
                spec = replace(spec, system_namespace=system_namespace)
            return fetch_kube(spec, limits, fetched_at, spec.system_namespace, policy)
        if isinstance(spec, KumaApiSpec):
            from core.live.kuma_api import fetch_kuma

            return fetch_kuma(spec, limits, fetched_at, system_namespace or DEFAULT_SYSTEM_NAMESPACE, policy)
        if isinstance(spec, UrlSpec):
            from core.live.url_source import fetch_url

            return fetch_url(spec, limits, fetched_at, system_namespace or DEFAULT_SYSTEM_NAMESPACE, policy)
    except LiveSourceError as exc:
        raise exc.scrubbed(known) from None
    except MemoryError:
        raise LiveSourceError(_label(spec), "out of memory while reading; lower the limits") from None
    except Exception as exc:
        text = _scrub(str(exc), getattr(spec, "token", None))
        raise LiveSourceError(_label(spec), f"unexpected failure ({type(exc).__name__}: {text})") from None
    raise LiveSourceError("live", f"not a live source specification: {type(spec).__name__}")


def fetch_all(
    specs: Sequence[LiveSpec],
    *,
    limits: Limits | None = None,
    now: datetime | None = None,
    system_namespace: str | None = None,
    policy: ReadPolicy | None = None,
) -> LiveResult:
    """Read several live sources in order and combine them (the first failure is raised)."""
    if not specs:
        raise LiveSourceError("live", "no live source given")
    fetched_at = now or datetime.now(UTC)
    results = [fetch(s, limits=limits, now=fetched_at, system_namespace=system_namespace, policy=policy)
               for s in specs]
    return combine(results, fetched_at)


def _check(spec: object) -> None:
    """Obvious mistakes in a spec's fields, before anything connects."""
    if not isinstance(spec, KubeSpec | KumaApiSpec | UrlSpec):
        return
    timeout = spec.timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < 3600:
        raise LiveSourceError(_label(spec), "the timeout must be a number of seconds between 0 and 3600")
    if isinstance(spec, KubeSpec):
        for name in ("context", "kubeconfig", "system_namespace"):
            value = getattr(spec, name)
            if value is not None and not isinstance(value, str):
                raise LiveSourceError(_label(spec), f"{name} must be a string, not {type(value).__name__}")


def _label(spec: object) -> str:
    label = getattr(spec, "label", None)
    return label if isinstance(label, str) else "live"


def _scrub(text: str, token: object) -> str:
    """Never echo a token, even inside an unexpected exception's text."""
    return scrub_secrets(text, (token,) if isinstance(token, str) else ())
