"""A small, strict HTTP GET client on the standard library (urllib), for the Kuma API and URLs.

Why not `requests`/`httpx`: the needs are narrow (GET only, size cap, manual redirects whose
targets are re-checked, one-line error messages), and urllib already honours the usual proxy
variables. Every failure becomes a `LiveSourceError`; non-2xx answers are returned to the
caller, which knows what a 403 or 404 means for that path.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from core.live.errors import LiveSourceError, one_line
from core.live.specs import display_url

ALLOWED_SCHEMES = ("http", "https")
ERROR_BODY_BYTES = 64 * 1024  # enough for any problem+json / Status body
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    url: str  # the URL finally answered (after redirects)
    headers: dict[str, str]
    body: bytes = field(repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self, label: str, what: str) -> Any:
        """The body as JSON, or a LiveSourceError naming `what` was malformed."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            detail = f": {exc.msg} at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
            raise LiveSourceError(label, f"{what} is not valid JSON{detail}") from None


def check_scheme(url: str, label: str) -> None:
    """Only http and https URLs are fetched (file://, ftp://... are refused before connecting)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise LiveSourceError(label, "not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise LiveSourceError(label, f"{shown} is not allowed; only http:// and https:// URLs are read")
    if not parts.hostname:
        raise LiveSourceError(label, "the URL has no host name")
    if parts.username is not None or parts.password is not None:
        raise LiveSourceError(label, "URLs with embedded credentials (user:password@) are not accepted")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise LiveSourceError(label, "the URL has an invalid port") from None


def ssl_context(ca_file: str | None, insecure: bool, label: str) -> ssl.SSLContext:
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    try:
        return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    except FileNotFoundError:
        raise LiveSourceError(label, f"CA file {ca_file} does not exist") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise LiveSourceError(label, f"CA file {ca_file} cannot be used: {_text_of(exc)}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answered to the caller, which re-checks every target."""

    def redirect_request(self, req: Any, fp: Any, code: Any, msg: Any, headers: Any, newurl: Any) -> None:
        return None


class HttpClient:
    def __init__(self, label: str, *, timeout: float, context: ssl.SSLContext | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.label = label
        self.timeout = timeout
        self._headers = dict(headers or {})  # may hold a bearer token: never shown
        opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                        urllib.request.HTTPSHandler(context=context or ssl.create_default_context()),
                        _NoRedirect(), urllib.request.HTTPDefaultErrorHandler(),
                        urllib.request.HTTPErrorProcessor()):
            opener.add_handler(handler)
        self._opener = opener

    def __repr__(self) -> str:
        return f"HttpClient({self.label!r})"

    def get(self, url: str, *, max_bytes: int, redirects: int = 0) -> Response:
        """GET `url`, following at most `redirects` redirects (each target must be http(s)).

        A 3xx answer when no redirect is left to follow is returned as is when `redirects` was
        0, and is an error ("too many redirects") otherwise.
        """
        hops = 0
        origin_host = urlsplit(url).hostname
        while True:
            check_scheme(url, self.label)
            headers = {"Accept": "application/json, application/yaml;q=0.9, */*;q=0.5",
                       "User-Agent": "mes-doctor"}
            if urlsplit(url).hostname == origin_host:
                headers.update(self._headers)  # credentials never follow a redirect to another host
            response = self._once(url, headers, max_bytes)
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location or redirects == 0:
                return response
            if hops >= redirects:
                raise LiveSourceError(self.label, f"too many redirects (more than {redirects})")
            target = urljoin(url, location)
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ALLOWED_SCHEMES:
                raise LiveSourceError(self.label, f"redirected to a {scheme or 'scheme-less'}:// URL; "
                                                  "only http:// and https:// are followed")
            hops += 1
            url = target

    def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> Response:
        where = _host_port(url)
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            raw = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:  # a non-2xx answer: read its (small) body
            with exc:
                body = self._read(exc, ERROR_BODY_BYTES, url, where, cap_is_error=False)
                return Response(exc.code, url, _headers(exc.headers), body)
        except Exception as exc:
            reason = describe_transport_error(exc, where, self.timeout)
            if urlsplit(url).scheme == "http" and _closed_early(exc):
                reason += " (if it serves TLS, use an https:// URL)"
            raise LiveSourceError(self.label, reason) from None
        with raw:
            body = self._read(raw, max_bytes, url, where, cap_is_error=True)
            return Response(raw.status, raw.geturl() or url, _headers(raw.headers), body)

    def _read(self, fp: Any, cap: int, url: str, where: str, *, cap_is_error: bool) -> bytes:
        declared = _content_length(fp.headers)
        shown = display_url(url)
        if cap_is_error and declared is not None and declared > cap:
            raise LiveSourceError(self.label, f"{shown} is larger than the limit of {cap} bytes ({declared} bytes)")
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                chunk = fp.read(min(_CHUNK, cap + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > cap:
                    if cap_is_error:
                        raise LiveSourceError(self.label, f"{shown} is larger than the limit of {cap} bytes")
                    break
        except LiveSourceError:
            raise
        except http.client.IncompleteRead:
            raise LiveSourceError(self.label, _truncated(shown)) from None
        except Exception as exc:
            raise LiveSourceError(self.label, describe_transport_error(exc, where, self.timeout,
                                                                       reading=True)) from None
        body = b"".join(chunks)
        if declared is not None and len(body) < declared and size <= cap:
            raise LiveSourceError(self.label, _truncated(shown, f" ({len(body)} of {declared} bytes)"))
        return body


def describe_transport_error(exc: BaseException, where: str, timeout: float, *, reading: bool = False) -> str:
    """One line for a failure below HTTP: DNS, TCP, TLS, timeouts, broken connections."""
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve host {where.rsplit(':', 1)[0]} (DNS lookup failed)"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection to {where} refused (nothing listens there, or a firewall rejects it)"
    if isinstance(reason, TimeoutError) or (isinstance(reason, str) and "timed out" in reason):
        step = "while reading the answer" if reading else ""
        return f"no answer from {where} within {timeout:g} s (timed out{' ' + step if step else ''})"
    if isinstance(reason, ssl.SSLCertVerificationError):
        detail = reason.verify_message or reason.reason or "verification failed"
        return (f"the TLS certificate of {where} could not be verified ({detail}); give the CA certificate "
                "that signed it, or disable TLS verification")
    if isinstance(reason, ssl.SSLError):
        detail = reason.reason or _text_of(reason)
        hint = " (is it an http:// URL?)" if "WRONG_VERSION_NUMBER" in str(detail) else ""
        return f"TLS handshake with {where} failed: {detail}{hint}"
    if isinstance(reason, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
        return f"{where} closed the connection before the answer was complete"
    if isinstance(reason, http.client.IncompleteRead):
        return _truncated(where)
    if isinstance(reason, http.client.BadStatusLine | http.client.LineTooLong):
        return f"{where} did not answer with HTTP (is it an https:// URL, or the wrong port?)"
    if isinstance(reason, http.client.HTTPException):
        return f"{where} sent an invalid HTTP answer: {_text_of(reason)}"
    if isinstance(reason, OSError):
        return f"cannot connect to {where}: {reason.strerror or _text_of(reason)}"
    if isinstance(reason, ValueError):  # its text may quote a header value (a token): not shown
        return f"invalid request for {where} (a URL or header value that cannot be sent)"
    return f"cannot read from {where}: {_text_of(reason)}"


def error_detail(body: bytes) -> str:
    """The human message in an error body: Kubernetes `Status.message`, Kuma problem+json
    `detail`/`details`/`title`, else the start of a text body."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        text = body[:300].decode("utf-8", "replace").strip()
        return one_line(text, 200) if text and "<" not in text[:1] else ""
    if isinstance(data, dict):
        parts = [data.get(k) for k in ("title", "detail", "details", "message")]
        texts = [p for p in parts if isinstance(p, str) and p]
        if data.get("title") and len(texts) > 1:
            return one_line(f"{texts[0]}: {' '.join(texts[1:])}", 300)
        if texts:
            return one_line(texts[0], 300)
    return ""


def _closed_early(exc: BaseException) -> bool:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, http.client.RemoteDisconnected | ConnectionResetError | http.client.BadStatusLine)


def _host_port(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return display_url(url)
    host = parts.hostname or "?"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _headers(headers: Any) -> dict[str, str]:
    try:
        return {str(k).lower(): str(v) for k, v in headers.items()}
    except AttributeError:
        return {}


def _content_length(headers: Any) -> int | None:
    try:
        value = headers.get("Content-Length")
        return int(value) if value is not None else None
    except (AttributeError, ValueError, TypeError):
        return None


def _truncated(what: str, detail: str = "") -> str:
    return f"the answer from {what} was cut off{detail} (connection closed early)"


def _text_of(exc: BaseException) -> str:
    return one_line(str(exc) or type(exc).__name__, 200)
