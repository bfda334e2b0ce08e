"""The watcher's HTTP endpoints, on the standard library's threading HTTP server.

| Path | Answer |
|---|---|
| `/metrics` | the Prometheus exposition (text format, or OpenMetrics when asked for) |
| `/healthz` | 200 while the analysis loop runs; 503 when a cycle has been stuck for longer than `stuck_after` |
| `/readyz` | 200 once a first analysis succeeded (there is something to serve), 503 before |
| `/report.json` | the JSON report of the last good analysis (the public contract), 503 before the first |
| `/snapshot.json` | the same analysis as a snapshot (core/report/snapshot.py): what the dashboard opens |

Only GET and HEAD. The report endpoints say how fresh they are in headers: `X-MESDoctor-Analysed-At` (the analysis'
end, ISO 8601) and `X-MESDoctor-Stale` (`true` when the last cycle failed and this is the last good analysis).
Nothing served holds key material (the report and snapshot are redacted; see core/report/snapshot.py).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from core.watch.state import View, WatchState

INDEX = (b"MES Doctor watcher\n\n/metrics        Prometheus metrics\n/healthz        liveness\n/readyz         "
         b"readiness (a first analysis succeeded)\n/report.json    the JSON report of the last good analysis\n"
         b"/snapshot.json  the same as a snapshot, for the dashboard (Sources > Live > MES Doctor watcher)\n")


class ListenError(ValueError):
    """--listen cannot be used (the message says why)."""


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT`, `:PORT` (every interface) or `PORT` → (host, port); host "" is every interface."""
    value = (text or "").strip()
    host, sep, port_text = value.rpartition(":")
    if not sep:
        host, port_text = "", value
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text)
    except ValueError:
        raise ListenError(f"--listen {text!r}: expected HOST:PORT, :PORT or PORT") from None
    if not 0 <= port <= 65535:
        raise ListenError(f"--listen {text!r}: the port must be between 0 and 65535")
    if host in ("*", "0.0.0.0", "::"):
        host = "" if host == "*" else host
    return host, port


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], family: int,
                 dual_stack: bool) -> None:
        self.address_family = family
        self._dual_stack = dual_stack
        super().__init__(address, handler)

    def server_bind(self) -> None:
        if self._dual_stack:
            with contextlib.suppress(OSError):
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that went away mid-answer is not the watcher's problem


class WatchServer:
    """The endpoints, served from a daemon thread. `stuck_after`: seconds a single cycle may run before
    `/healthz` fails (so Kubernetes restarts a watcher whose analysis hangs)."""

    def __init__(self, state: WatchState, registry: CollectorRegistry, host: str, port: int, *,
                 stuck_after: float) -> None:
        self.state = state
        self.registry = registry
        self.stuck_after = stuck_after
        family, bind_host, dual = _family(host)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "mesdoctor-watch"
            sys_version = ""
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner._answer(self, head=False)

            def do_HEAD(self) -> None:
                owner._answer(self, head=True)

            def _refuse(self) -> None:
                owner._send(self, 405, b"only GET and HEAD\n", "text/plain; charset=utf-8", head=False,
                            extra={"Allow": "GET, HEAD"})

            do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

            def log_message(self, format: str, *args: Any) -> None:
                return  # one log line per analysis, not per scrape

        try:
            self.httpd = _Server((bind_host, port), Handler, family, dual)
        except OSError as exc:
            raise ListenError(f"cannot listen on {_shown(host, port)}: {exc.strerror or exc}") from None
        self.port = int(self.httpd.server_address[1])
        self.host = host
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="mesdoctor-watch-http", daemon=True)

    @property
    def address(self) -> str:
        return _shown(self.host, self.port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- answers ---

    def _answer(self, request: BaseHTTPRequestHandler, *, head: bool) -> None:
        path = request.path.split("?", 1)[0]
        view = self.state.view()
        if path == "/metrics":
            encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
            self._send(request, 200, encoder(self.registry), content_type, head=head)
        elif path == "/healthz":
            stuck = view.running_for is not None and view.running_for > self.stuck_after
            if stuck:
                text = f"the current analysis has been running for {view.running_for:.0f} s\n"
                self._send(request, 503, text.encode(), "text/plain; charset=utf-8", head=head)
            else:
                self._send(request, 200, b"ok\n", "text/plain; charset=utf-8", head=head)
        elif path == "/readyz":
            if view.last is None:
                self._send(request, 503, _not_yet(view).encode() + b"\n", "text/plain; charset=utf-8", head=head)
            else:
                self._send(request, 200, b"ready\n", "text/plain; charset=utf-8", head=head)
        elif path in ("/report.json", "/snapshot.json"):
            if view.last is None:
                body = json.dumps({"error": _not_yet(view)}).encode()
                self._send(request, 503, body, "application/json", head=head, extra={"Retry-After": "10"})
                return
            data = view.last.report_json if path == "/report.json" else view.last.snapshot
            self._send(request, 200, data, "application/json", head=head, extra=_freshness(view))
        elif path == "/":
            self._send(request, 200, INDEX, "text/plain; charset=utf-8", head=head)
        else:
            self._send(request, 404, b"not found: see /\n", "text/plain; charset=utf-8", head=head)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, *, head: bool,
              extra: dict[str, str] | None = None) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            request.send_header("Cache-Control", "no-store")
            request.send_header("X-Content-Type-Options", "nosniff")
            for key, value in (extra or {}).items():
                request.send_header(key, value)
            request.end_headers()
            if not head:
                request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True


def _freshness(view: View) -> dict[str, str]:
    assert view.last is not None
    return {"X-MESDoctor-Analysed-At": view.last.finished_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "X-MESDoctor-Stale": "true" if view.stale else "false"}


def _not_yet(view: View) -> str:
    if view.last_error:
        return f"no successful analysis yet; the last attempt failed: {view.last_error}"
    return "no analysis yet: the first one is running"


def _family(host: str) -> tuple[int, str, bool]:
    """(address family, host to bind, dual stack) for `host` ("" : every interface, IPv6 and IPv4 when possible)."""
    if host == "":
        if socket.has_ipv6:
            try:
                probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                probe.close()
                return socket.AF_INET6, "::", True
            except OSError:
                pass
        return socket.AF_INET, "0.0.0.0", False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return socket.AF_INET, host, False  # a host name: IPv4
    return (socket.AF_INET6, host, False) if address.version == 6 else (socket.AF_INET, host, False)


def _shown(host: str, port: int) -> str:
    if not host:
        return f":{port}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
