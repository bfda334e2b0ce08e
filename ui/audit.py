"""The dashboard's audit trail: writes `core/audit.py`'s lines to the `mesdoctor.audit` logger.

One line per analysis (`ui/state.py` calls `analysis` when it really analyses, not on a cache hit), per live read
(`ui/live.py`'s `read()` calls `live_fetch`) and per refused visitor. The logger writes each line, a JSON object,
to the server's standard error (the journal, `kubectl logs`) and passes it on to the root logger too, so an
operator's own logging configuration also receives it.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from core.audit import AUDIT_LOGGER, Actor, FileSummary, access_refused_line, analysis_line, live_fetch_line
from core.model import Report

if TYPE_CHECKING:
    from core.live import LiveResult, LiveSpec
    from ui.state import Input

_LOGGER = logging.getLogger(AUDIT_LOGGER)
R = TypeVar("R")


class _AuditHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Standard error as it is when a line is written (not when the handler was made), one JSON object a line."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _logger() -> logging.Logger:
    if not any(isinstance(h, _AuditHandler) for h in _LOGGER.handlers):
        handler = _AuditHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        _LOGGER.addHandler(handler)
        _LOGGER.setLevel(logging.INFO)
    return _LOGGER


def _actor() -> Actor:
    from ui import auth  # late: ui.auth imports this module when it refuses a visitor

    return auth.actor()


def _kind(spec: object) -> str:
    from core.live import KubeSpec, KumaApiSpec, UrlSpec
    from core.watch.client import WatcherSpec

    return {KubeSpec: "kube", KumaApiSpec: "kuma-api", UrlSpec: "url", WatcherSpec: "watcher"}.get(
        type(spec), type(spec).__name__)


def analysis(data: Input, report: Report | None, seconds: float, error: BaseException | None = None) -> None:
    """One analysis of this session's input (`report` None when it failed with `error`)."""
    live = ""
    if data.live_info is not None:
        live = data.live_info.spec.label
    line = analysis_line(
        _actor(),
        kind=data.kind,
        files=[FileSummary(s.name, len(s.data)) for s in data.sources],
        live_source=live,
        report=report,
        seconds=seconds,
        at=datetime.now(UTC),
        error=type(error).__name__ if error is not None else "",
    )
    _logger().info(line)


def live_fetch(
    spec: LiveSpec,
    result: LiveResult | None,
    seconds: float,
    error: BaseException | None = None,
    name: str | None = None,
) -> None:
    """One live read of `spec` (a fetch or a refresh): its counts, or that it failed. `name` is the operator's
    name for a configured source (the spec's label when None). The error's text is never logged."""
    counts: Mapping[str, int] | None = dict(getattr(result, "counts", {})) if result is not None else None
    line = live_fetch_line(
        _actor(),
        kind=_kind(spec),
        source=name or str(getattr(spec, "label", "") or "live"),
        counts=counts,
        seconds=seconds,
        at=datetime.now(UTC),
        error=type(error).__name__ if error is not None else ("" if result is not None else "failed"),
    )
    _logger().info(line)


def audited_read(read: Callable[..., R]) -> Callable[..., R]:
    """Decorates the Live tab's `read(spec, ...)`: one `live_fetch` line per call, whether it returns or raises."""

    @functools.wraps(read)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        spec = args[0] if args else kwargs.get("spec")
        start = time.monotonic()
        try:
            result = read(*args, **kwargs)
        except Exception as exc:
            live_fetch(spec, None, time.monotonic() - start, exc)  # type: ignore[arg-type]
            raise
        live_fetch(spec, result, time.monotonic() - start)  # type: ignore[arg-type]
        return result

    return wrapper


def access_refused(actor: Actor, reason: str, at: datetime) -> None:
    _logger().info(access_refused_line(actor, reason=reason, at=at))
