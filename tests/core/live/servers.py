"""Loopback HTTP(S) servers for the live-source tests: the real wire formats of the Kubernetes
API and the Kuma REST API, plus knobs for failures (delays, truncation, bad JSON, redirects)."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before anything is sent
    declared_length: int | None = None  # a Content-Length larger than the body: truncated answer
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


def json_reply(data: Any, status: int = 200, content_type: str = "application/json") -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": content_type})


App = Callable[[Request], Reply]


class LoopbackServer:
    """An HTTP(S) server on 127.0.0.1 in a daemon thread, answering with `app(request)`."""

    def __init__(self, app: App, tls: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            do_PUT = do_POST
            do_PATCH = do_POST
            do_DELETE = do_POST

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                request = Request(method, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()})
                owner.requests.append(request)
                reply = owner.app(request)
                if reply.delay and owner.stopping.wait(reply.delay):
                    return
                self.send_response(reply.status)
                length = reply.declared_length if reply.declared_length is not None else len(reply.body)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if not reply.no_length:
                    self.send_header("Content-Length", str(length))
                if reply.declared_length is not None or reply.no_length:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                    self.wfile.flush()
                except OSError:
                    pass
                if reply.declared_length is not None or reply.no_length:
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def get_request(self) -> Any:
                sock, addr = super().get_request()
                if tls is not None:
                    sock = tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                return sock, addr

            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # failed handshakes and client timeouts are expected in these tests

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- Kubernetes API -------------------------------------------------------------------------------


def k8s_status(code: int, reason: str, message: str) -> Reply:
    return json_reply({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}, code)


CRD_PLURALS = {"meshexternalservices": "MeshExternalService", "meshes": "Mesh", "zoneegresses": "ZoneEgress",
               "meshidentities": "MeshIdentity", "meshtrafficpermissions": "MeshTrafficPermission",
               "hostnamegenerators": "HostnameGenerator", "dataplanes": "Dataplane",
               "meshhttproutes": "MeshHTTPRoute", "meshtcproutes": "MeshTCPRoute", "meshtimeouts": "MeshTimeout",
               "meshretries": "MeshRetry", "meshcircuitbreakers": "MeshCircuitBreaker",
               "meshhealthchecks": "MeshHealthCheck", "meshpassthroughs": "MeshPassthrough",
               "externalservices": "ExternalService"}


class KubeApi:
    """The parts of kube-apiserver MES Doctor calls, with RBAC denials and pagination.

    `objects` holds Kuma CRs by plural and core Secrets under "secrets" (as stored: with
    apiVersion/kind, which list responses strip for core objects). `installed` is the set of Kuma
    plurals whose CRD exists (`kuma_group=False`: the kuma.io group is unknown). `forbidden`
    holds (resource, namespace-or-"*") pairs listing refuses with a 403 Status.
    """

    def __init__(self, token: str = "kube-test-token", user: str = "system:serviceaccount:ops:mes-doctor") -> None:
        self.token = token
        self.user = user
        self.objects: dict[str, list[dict[str, Any]]] = {p: [] for p in CRD_PLURALS} | {"secrets": []}
        self.installed = set(CRD_PLURALS)
        self.kuma_group = True
        self.forbidden: set[tuple[str, str]] = set()
        self.overrides: dict[str, Reply] = {}

    def __call__(self, request: Request) -> Reply:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token != self.token:  # the scheme is case-insensitive
            return k8s_status(401, "Unauthorized", "Unauthorized")
        if request.path in self.overrides:
            return self.overrides[request.path]
        if request.method != "GET":
            return k8s_status(405, "MethodNotAllowed", "read-only fake")
        if request.path in ("/version", "/version/"):
            return json_reply({"major": "1", "minor": "31", "gitVersion": "v1.31.2"})
        parts = request.path.strip("/").split("/")
        if parts[:3] == ["apis", "kuma.io", "v1alpha1"] and len(parts) == 4:
            if not self.kuma_group:
                return Reply(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})
            plural = parts[3]
            if plural not in self.installed:
                return k8s_status(404, "NotFound", "the server could not find the requested resource")
            return self._list(request, plural, "*", "kuma.io/v1alpha1", CRD_PLURALS[plural] + "List",
                              self.objects[plural], api_group="kuma.io")
        if parts == ["api", "v1", "secrets"]:
            return self._list(request, "secrets", "*", "v1", "SecretList", self.objects["secrets"])
        if len(parts) == 5 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "secrets":
            namespace = parts[3]
            items = [o for o in self.objects["secrets"] if o["metadata"].get("namespace") == namespace]
            return self._list(request, "secrets", namespace, "v1", "SecretList", items)
        return Reply(404, b"404 page not found\n", {"Content-Type": "text/plain"})

    def _list(self, request: Request, resource: str, namespace: str, api_version: str, kind: str,
              items: list[dict[str, Any]], api_group: str = "") -> Reply:
        if (resource, namespace) in self.forbidden:  # "*": the cluster scope (all namespaces)
            scope = "at the cluster scope" if namespace == "*" else f'in the namespace "{namespace}"'
            return k8s_status(403, "Forbidden", f'{resource} is forbidden: User "{self.user}" cannot list resource '
                                                f'"{resource}" in API group "{api_group}" {scope}')
        selected = [o for o in items if _selected(o, request.param("fieldSelector"))]
        start = int(base64.b64decode(request.param("continue") or "MA==").decode())  # "0"
        limit = int(request.param("limit") or 0) or len(selected) or 1
        page = selected[start:start + limit]
        following = start + limit
        meta: dict[str, Any] = {"resourceVersion": "12345"}
        if following < len(selected):
            meta["continue"] = base64.b64encode(str(following).encode()).decode()
        if api_version == "v1":  # core list items carry no apiVersion/kind
            page = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in page]
        return json_reply({"apiVersion": api_version, "kind": kind, "metadata": meta, "items": page})


def _selected(obj: dict[str, Any], selector: str | None) -> bool:
    if not selector:
        return True
    for term in selector.split(","):
        key, _, value = term.partition("=")
        if key == "metadata.name" and obj["metadata"].get("name") != value:
            return False
        if key == "metadata.namespace" and obj["metadata"].get("namespace") != value:
            return False
        if key == "type" and obj.get("type") != value:
            return False
    return True


def kubeconfig(server: str, token: str = "kube-test-token", ca_pem: bytes | None = None) -> dict[str, Any]:
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": cluster},
                     {"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "reader", "user": {"token": token}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "reader"}},
                     {"name": "unreachable", "context": {"cluster": "nowhere", "user": "reader"}}],
    }


# --- Kuma REST API --------------------------------------------------------------------------------


def problem(status: int, title: str, detail: str) -> Reply:
    return json_reply({"type": "/std-errors", "status": status, "title": title, "detail": detail}, status,
                      "application/problem+json")


class KumaApi:
    """The Kuma control plane REST API: index, paginated lists, admin-only Secrets, tokens."""

    def __init__(self, admin_token: str = "admin-token-Zq9", version: str = "2.9.3") -> None:
        self.admin_token = admin_token
        self.user_tokens = {"user-token-Kp2": "alice"}
        self.version = version
        self.meshes: list[dict[str, Any]] = [{"type": "Mesh", "name": "default"}]
        self.by_mesh: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.global_items: dict[str, list[dict[str, Any]]] = {"global-secrets": [], "zoneegresses": []}
        self.unknown_types = {"meshidentities", "hostnamegenerators"}
        self.overrides: dict[str, Reply] = {}
        self.public_url: str | None = None  # what `next` links point at (Kuma's publicURL)
        self.config: dict[str, Any] | None = None  # `GET /config` (None: 404, like a path this server lacks)

    def add(self, mesh: str, collection: str, item: dict[str, Any]) -> None:
        self.by_mesh.setdefault(mesh, {}).setdefault(collection, []).append(item)

    def load(self, docs: list[dict[str, Any]]) -> None:
        """Universal documents as the control plane's state: the Meshes replace the default one."""
        self.meshes = []
        for doc in docs:
            if doc["type"] == "Mesh":
                self.meshes.append(doc)
            elif doc["type"] == "Secret":
                self.add(doc["mesh"], "secrets", doc)
            else:
                self.add(doc["mesh"], "meshexternalservices", doc)

    def __call__(self, request: Request) -> Reply:
        auth = request.headers.get("authorization")
        user = "anonymous"
        if auth is not None:
            token = auth.removeprefix("Bearer ")
            if token == self.admin_token:
                user = "admin"
            elif token in self.user_tokens:
                user = self.user_tokens[token]
            else:
                return problem(401, "Unauthorized", "invalid authentication data: token is not valid")
        if request.path in self.overrides:
            return self.overrides[request.path]
        if request.path == "/config" and self.config is not None:
            return json_reply(self.config)
        if request.path == "/":
            return json_reply({"hostname": "kuma-cp-0", "tagline": "Kuma", "product": "Kuma",
                               "version": self.version, "instanceId": "kuma-cp-0-abcd", "clusterId": "c-1",
                               "gui": "The gui is available at /gui"})
        parts = request.path.strip("/").split("/")
        if parts == ["meshes"]:
            return self._list(request, self.meshes)
        if len(parts) == 2 and parts[0] == "meshes":
            found = [m for m in self.meshes if m["name"] == parts[1]]
            return json_reply(found[0]) if found else problem(404, "Could not retrieve a resource", "Not found")
        if len(parts) == 3 and parts[0] == "meshes":
            mesh, collection = parts[1], parts[2]
            if not any(m["name"] == mesh for m in self.meshes):
                return problem(404, "Failed to retrieve Mesh", f'mesh "{mesh}" not found')
            if collection in self.unknown_types:
                return Reply(404, b"404 page not found", {"Content-Type": "text/plain"})
            if collection == "secrets" and user != "admin":
                return self._denied(user, "Secret")
            return self._list(request, self.by_mesh.get(mesh, {}).get(collection, []))
        if len(parts) == 1:
            if parts[0] in self.unknown_types:
                return Reply(404, b"404 page not found", {"Content-Type": "text/plain"})
            if parts[0] == "global-secrets" and user != "admin":
                return self._denied(user, "GlobalSecret")
            if parts[0] in self.global_items:
                return self._list(request, self.global_items[parts[0]])
        return Reply(404, b"404 page not found", {"Content-Type": "text/plain"})

    def _denied(self, user: str, kind: str) -> Reply:
        groups = "mesh-system:unauthenticated" if user == "anonymous" else "mesh-system:authenticated"
        return problem(403, "Access Denied", f'user "{user}/{groups}" cannot access the resource of type "{kind}"')

    def _list(self, request: Request, items: list[dict[str, Any]]) -> Reply:
        size = int(request.param("size") or 100)
        if size > 1000:
            return problem(400, "Could not retrieve resources", f"invalid page size of {size}. Maximum page size "
                                                                 "is 1000")
        offset = int(request.param("offset") or 0)
        page = items[offset:offset + size]
        following = None
        if offset + size < len(items):
            base = self.public_url or f"http://{request.headers.get('host')}"
            following = f"{base}{request.path}?offset={offset + size}&size={size}"
        return json_reply({"total": len(items), "items": page, "next": following})


def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback servers must be reached directly, whatever proxy the environment sets."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
