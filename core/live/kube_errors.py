"""Errors of the Kubernetes source: the API server's Status answers and the kubernetes client's
(urllib3) transport failures, each turned into one line a user can act on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from core.live.errors import LiveSourceError, excerpt, one_line, scrub_secrets
from core.live.http import describe_transport_error


class KubeStatus(LiveSourceError):
    """A non-2xx answer of the API server, with its Status `reason` and `message`."""

    def __init__(self, label: str, status: int, reason: str, message: str, text: str) -> None:
        super().__init__(label, text)
        self.status = status
        self.status_reason = reason
        self.status_message = message


def status_of(body: Any, *, echo: bool = True, known: Iterable[str | None] = ()) -> tuple[str, str]:
    """(`reason`, `message`) of a Kubernetes Status body, scrubbed of credentials; for any other body
    ("", a short excerpt of it) when `echo` is allowed, else ("", "")."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return "", ""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict) and data.get("kind") == "Status":
        reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
        message = data.get("message") if isinstance(data.get("message"), str) else ""
        return one_line(reason, 60), one_line(scrub_secrets(one_line(message, 1200), known), 300)
    return "", excerpt(body, known) if echo else ""


def status_text(exc: KubeStatus) -> str:
    head = f"{exc.status} {exc.status_reason}".strip()
    return f"{head}: {exc.status_message}" if exc.status_message else head


def describe_kube_transport(exc: BaseException, where: str, timeout: float) -> str:
    """One line for a transport failure inside the kubernetes client (urllib3)."""
    from urllib3 import exceptions as u3

    error: BaseException = exc
    if isinstance(error, u3.MaxRetryError) and error.reason is not None:
        error = error.reason
    if isinstance(error, u3.NameResolutionError):
        return f"cannot resolve host {where.rsplit(':', 1)[0]} (DNS lookup failed)"
    if isinstance(error, u3.NewConnectionError):
        cause = error.__cause__ or error.__context__
        if isinstance(cause, OSError):
            return describe_transport_error(cause, where, timeout)
        if "refused" in str(error).lower():
            return f"connection to {where} refused (nothing listens there, or a firewall rejects it)"
        return f"cannot connect to {where}: {short(error)}"
    if isinstance(error, u3.ConnectTimeoutError):
        return f"no answer from {where} within {timeout:g} s (timed out connecting)"
    if isinstance(error, u3.ReadTimeoutError):
        return f"no answer from {where} within {timeout:g} s (timed out)"
    if isinstance(error, u3.SSLError) or "SSLError" in str(getattr(error, "reason", "")):
        text = str(getattr(error, "reason", "") or error)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            detail = text.split("CERTIFICATE_VERIFY_FAILED]", 1)[-1].split("(_ssl", 1)[0].strip(" ]:")
            return (f"the TLS certificate of {where} could not be verified ({detail or 'verification failed'}); "
                    "check certificate-authority in the kubeconfig")
        return f"TLS handshake with {where} failed: {short(error)}"
    if isinstance(error, u3.ProtocolError):
        inner = error.args[1] if len(error.args) > 1 else None
        if isinstance(error, u3.IncompleteRead) or isinstance(inner, u3.IncompleteRead) or "IncompleteRead" in str(
                error):
            return f"the answer from {where} was cut off (connection closed early)"
        return f"{where} closed the connection before the answer was complete"
    if isinstance(error, OSError):
        return describe_transport_error(error, where, timeout)
    return f"cannot read from {where}: {short(error)}"


def short(exc: BaseException) -> str:
    return one_line(str(exc) or type(exc).__name__, 240)
