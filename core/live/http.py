"""A small, strict HTTP GET client on the standard library (urllib), for the Kuma API and URLs.

Why not `requests`/`httpx`: the needs are narrow (GET only, size cap, manual redirects whose
targets are re-checked, one-line error messages), and urllib already honours the usual proxy
variables. Every failure becomes a `LiveSourceError`; non-2xx answers are returned to the
caller, which knows what a 403 or 404 means for that path.

Every connection goes through the network guard (core/live/guard.py): the host is checked before
connecting, its addresses when the socket is opened (the socket connects to a checked address),
and every redirect target again; a URL-host allowlist (a shared dashboard's free URL field) is
applied to each hop too.
"""

from __future__ import annotations

import functools
import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from core.live.errors import LiveSourceError, ServerFileError, excerpt, one_line, scrub_secrets
from core.live.guard import NetworkGuard
from core.live.policy import HostAllowlist
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
        raise ServerFileError(label, f"CA file {ca_file} does not exist") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ServerFileError(label, f"CA file {ca_file} cannot be used: {_text_of(exc)}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answered to the caller, which re-checks every target."""

    def redirect_request(self, req: Any, fp: Any, code: Any, msg: Any, headers: Any, newurl: Any) -> None:
        return None


def _guarded(connection: type[http.client.HTTPConnection], guard: NetworkGuard, label: str,
             req: urllib.request.Request) -> Callable[..., http.client.HTTPConnection]:
    """A connection class for `do_open`: a direct connection resolves and checks its host once and connects to
    a checked address; through a proxy (which resolves the target itself) the target name is checked."""
    tunnel = getattr(req, "_tunnel_host", None)
    proxied = bool(tunnel) or req.has_proxy()

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        conn = connection(host, **kwargs)
        if proxied:
            guard.check_through_proxy(urlsplit(req.full_url).hostname or "", label)
        else:
            conn._create_connection = functools.partial(guard.create_connection, label=label)  # type: ignore[attr-defined]
        return conn

    return make


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, guard: NetworkGuard, label: str) -> None:
        super().__init__()
        self._guard, self._label = guard, label

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_guarded(http.client.HTTPConnection, self._guard, self._label, req), req)  # type: ignore[arg-type]


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: NetworkGuard, label: str, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self._guard, self._label, self._ssl = guard, label, context

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_guarded(http.client.HTTPSConnection, self._guard, self._label, req), req,  # type: ignore[arg-type]
                            context=self._ssl)


class HttpClient:
    """GET with a size cap, guarded connections and re-checked redirects. `known` are secrets this client
    sends (a bearer token): scrubbed from anything a server echoes. `hosts`, when given, is the allowlist every
    URL (the first and each redirect target) must match."""

    def __init__(self, label: str, *, timeout: float, context: ssl.SSLContext | None = None,
                 headers: dict[str, str] | None = None, guard: NetworkGuard | None = None,
                 hosts: HostAllowlist | None = None, known: Iterable[str | None] = ()) -> None:
        self.label = label
        self.timeout = timeout
        self._headers = dict(headers or {})  # may hold a bearer token: never shown
        self.guard = guard or NetworkGuard()
        self.hosts = hosts
        self.known = tuple(k for k in known if k)
        opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), _GuardedHTTPHandler(self.guard, label),
                        _GuardedHTTPSHandler(self.guard, label, context or ssl.create_default_context()),
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
            self.check_target(url, redirected=hops > 0)
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

    def check_target(self, url: str, *, redirected: bool = False) -> None:
        """Before connecting to `url` (the first one and every redirect target): scheme, the network guard's
        check of the host as written, and the URL-host allowlist when there is one."""
        check_scheme(url, self.label)
        parts = urlsplit(url)
        host = parts.hostname or ""
        self.guard.check_host(host, self.label)
        if self.hosts is not None and not self.hosts.allows(parts.scheme.lower(), host, parts.port):
            what = "was redirected to" if redirected else "is on"
            raise LiveSourceError(self.label, f"the URL {what} host {_host_port(url)}, which is not among the URL "
                                              f"hosts the operator allows ({self.hosts.describe()})")

    def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> Response:
        where = _host_port(url)
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            raw = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:  # a non-2xx answer: read its (small) body
            with exc:
                body = self._read(exc, ERROR_BODY_BYTES, url, where, cap_is_error=False)
                return Response(exc.code, url, _headers(exc.headers), body)
        except LiveSourceError:  # the network guard refused the address
            raise
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


def kuma_error(body: bytes, known: Iterable[str | None] = ()) -> str:
    """The message of a Kuma API error body (problem+json `title` with `detail`, or the older `title` with
    `details`), scrubbed of credentials and capped; "" when the body is not a Kuma error."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(data, dict):
        return ""
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    texts = [v for v in (data.get("detail"), data.get("details")) if isinstance(v, str) and v]
    if not title and not texts:
        return ""
    text = f"{title}: {' '.join(texts)}" if title and texts else (title or " ".join(texts))
    return one_line(scrub_secrets(one_line(text, 1200), known), 300)


def error_detail(body: bytes, *, echo: bool, kuma: bool = False, known: Iterable[str | None] = ()) -> str:
    """What an error answer may add to a message: the Kuma error's own words (`kuma`: the Kuma API source),
    else, when `echo` is allowed (the operator's own tools, never a shared dashboard), a short excerpt of the
    body; both scrubbed of credentials."""
    if kuma:
        found = kuma_error(body, known)
        if found:
            return found
    return excerpt(body, known) if echo else ""


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
