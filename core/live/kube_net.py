"""The network guard inside the kubernetes client (urllib3): its connections resolve the API server's host once,
check every address (core/live/guard.py) and connect to a checked one.

The kubernetes client builds a `urllib3.PoolManager` (or a `ProxyManager` when a proxy applies). For a direct
connection the manager's pool classes are swapped for ones whose connections open their socket through
`NetworkGuard.create_connection`; through a proxy (which resolves the target itself) the target is checked by
name and, when this machine can resolve it, by address. Redirects are never followed: the client is configured
with `retries=False`, so a 3xx answer is an error naming the status, not a new connection.
"""

from __future__ import annotations

import socket
import sys
from typing import Any
from urllib.parse import urlsplit

from core.live.guard import NetworkGuard


def guard_api_client(api_client: Any, guard: NetworkGuard, label: str) -> None:
    """Check the API server's host, and route every connection of `api_client` through the guard."""
    import urllib3

    host = urlsplit(api_client.configuration.host or "").hostname or ""
    manager = api_client.rest_client.pool_manager
    if type(manager) is urllib3.PoolManager:
        guard.check_host(host, label)
        manager.pool_classes_by_scheme = guarded_pool_classes(guard, label)
    else:  # a ProxyManager or SOCKSProxyManager: the proxy connects
        guard.check_through_proxy(host, label)


def guarded_pool_classes(guard: NetworkGuard, label: str) -> dict[str, type]:
    """urllib3 pool classes whose connections connect through `guard` (classes made per read: they carry it)."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

    def new_conn(self: Any) -> socket.socket:  # urllib3's own _new_conn, with the guard's create_connection
        try:
            sock = guard.create_connection((self._dns_host, self.port), self.timeout,
                                           self.source_address, label=label, socket_options=self.socket_options)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out. "
                                            f"(connect timeout={self.timeout})") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    http_conn = type("GuardedHTTPConnection", (HTTPConnection,), {"_new_conn": new_conn})
    https_conn = type("GuardedHTTPSConnection", (HTTPSConnection,), {"_new_conn": new_conn})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
