"""Read a Kuma control plane through its REST API (section 7 of the reference).

`GET /` names the product and version (the version drives auto-detection), `GET /config` the zone
(`multizone.zone.name`, auto-detection of the zone); then Meshes,
MeshExternalServices and Secrets per mesh, GlobalSecrets, ZoneEgresses and the optional kinds,
every list paginated (`size`, `offset`, following `next`). Secrets and GlobalSecrets are
admin-only: a 403 there is not an error but `SecretsCoverage.DENIED`, with the server's reason
as the note. REST items are Universal-shaped (also on a Kubernetes control plane, where names
are core names `name.namespace`), and are loaded as such.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from core.live.errors import LiveSourceError
from core.live.http import HttpClient, Response, check_scheme, error_detail, ssl_context
from core.live.policy import ReadPolicy
from core.live.result import Collector, LiveResult
from core.live.specs import KumaApiSpec, display_url
from core.model import SecretsCoverage
from core.options import Limits

PAGE_SIZE = 500
# optional kinds by REST path segment; a 404 (or 400) means the control plane does not have them
GLOBAL_OPTIONAL = ("/zoneegresses", "/hostnamegenerators")
MESH_OPTIONAL = ("meshtrafficpermissions", "meshidentities",
                 # the resources around an MES (core/neighbours)
                 "dataplanes", "meshhttproutes", "meshtcproutes", "meshtimeouts", "meshretries",
                 "meshcircuitbreakers", "meshhealthchecks", "meshpassthroughs", "external-services")
# the kind each path segment lists (a kind listed for every mesh is known in full: LoadResult.listed_kinds)
KIND_OF = {"zoneegresses": "ZoneEgress", "hostnamegenerators": "HostnameGenerator",
           "meshtrafficpermissions": "MeshTrafficPermission", "meshidentities": "MeshIdentity",
           "dataplanes": "Dataplane", "meshhttproutes": "MeshHTTPRoute", "meshtcproutes": "MeshTCPRoute",
           "meshtimeouts": "MeshTimeout", "meshretries": "MeshRetry", "meshcircuitbreakers": "MeshCircuitBreaker",
           "meshhealthchecks": "MeshHealthCheck", "meshpassthroughs": "MeshPassthrough",
           "external-services": "ExternalService", "secrets": "Secret"}


class ApiStatus(LiveSourceError):
    """A non-2xx answer; callers that can live without the path catch it."""

    def __init__(self, label: str, path: str, status: int, detail: str, message: str) -> None:
        super().__init__(label, message)
        self.path = path
        self.status = status
        self.detail = detail


def fetch_kuma(spec: KumaApiSpec, limits: Limits, now: datetime, default_namespace: str,
               policy: ReadPolicy | None = None) -> LiveResult:
    policy = policy or ReadPolicy()
    if not isinstance(spec.url, str) or not spec.url.strip():
        raise LiveSourceError("kuma-api", "no control plane URL given")
    base = spec.url.strip().rstrip("/")
    label = display_url(base)
    check_scheme(base, label)
    if urlsplit(base).query or urlsplit(base).fragment:
        raise LiveSourceError(label, "the control plane URL must not have a query or fragment")
    headers = {"Authorization": f"Bearer {_token(spec.token, label)}"} if spec.token else {}
    client = HttpClient(label, timeout=spec.timeout, context=ssl_context(spec.ca_file, spec.insecure, label),
                        headers=headers, guard=policy.guard, known=(spec.token,))
    collector = Collector(label, limits, now, known=(spec.token,))
    _Reader(client, base, collector, has_token=bool(spec.token), echo=policy.echo_bodies).run(spec.meshes)
    return collector.result(default_namespace)


class _Reader:
    def __init__(self, client: HttpClient, base: str, collector: Collector, *, has_token: bool,
                 echo: bool = True) -> None:
        self.client = client
        self.echo = echo
        self.base = base
        self.out = collector
        self.label = collector.label
        self.has_token = has_token

    def run(self, only_meshes: tuple[str, ...]) -> None:
        self.index()
        self.config()
        meshes = self.meshes(only_meshes)
        names = [m["name"] for m in meshes if isinstance(m, dict) and isinstance(m.get("name"), str)]
        names = [mesh for mesh in names if self.services(mesh)]
        self.secrets(names)
        for path in GLOBAL_OPTIONAL:
            self.optional(path)
        for mesh in names:
            for kind in MESH_OPTIONAL:
                self.optional(f"/meshes/{_seg(mesh)}/{kind}")

    # --- steps ----------------------------------------------------------------------------------

    def index(self) -> None:
        response = self.get("/")
        data = _json(response, self.label, "GET /") if response.ok else None
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            if not response.ok:
                self.fail("/", response)
            raise LiveSourceError(self.label, "not a Kuma control plane API: GET / did not return the Kuma index "
                                              "(product and version)")
        version = data.get("basedOnKuma") if isinstance(data.get("basedOnKuma"), str) else data["version"]
        self.out.detected_version = version
        product = data.get("product") if isinstance(data.get("product"), str) else "Kuma"
        host = data.get("hostname")
        self.out.server = f"{product} {data['version']}" + (f" ({host})" if isinstance(host, str) and host else "")
        if version != data["version"]:
            self.out.server += f", based on Kuma {version}"

    def config(self) -> None:
        """The zone this control plane runs as: `GET /config` (readable by anyone by default) holds `mode` and
        `multizone.zone.name`. Optional: a refusal or an unexpected answer only leaves the zone undetected."""
        try:
            response = self.get("/config")
        except LiveSourceError:
            return
        if not response.ok:
            if response.status == 403:
                self.out.note("GET /config was refused (403): the zone this control plane runs as is not known; "
                              "choose it in the analysis options")
            return
        try:
            data = _json(response, self.label, "GET /config")
        except LiveSourceError:
            return
        if not isinstance(data, dict):
            return
        mode = data.get("mode")
        if mode == "global":
            self.out.note("this is a Global control plane: its MeshExternalServices come from every zone; choose "
                          "the zone to analyse in the options")
            return
        multizone = data.get("multizone")
        zone = multizone.get("zone") if isinstance(multizone, dict) else None
        name = zone.get("name") if isinstance(zone, dict) else None
        if mode in ("zone", "standalone") and isinstance(name, str) and name.strip():
            self.out.detected_zone = name.strip()
            self.out.zone_evidence = f"the control plane API (GET /config) runs as zone {name.strip()}"

    def meshes(self, only: tuple[str, ...]) -> list[Any]:
        if not only:
            return self.list("/meshes")
        found: list[Any] = []
        for name in only:
            path = f"/meshes/{_seg(name)}"
            response = self.get(path)
            if response.status == 404:
                raise LiveSourceError(self.label, f"mesh {name!r} does not exist on this control plane")
            if not response.ok:
                self.fail(path, response)
            found.append(_json(response, self.label, f"GET {path}"))
        self.out.add("/meshes", found)
        return found

    def services(self, mesh: str) -> bool:
        """List the mesh's MES; False when the mesh vanished since it was listed."""
        path = f"/meshes/{_seg(mesh)}/meshexternalservices"
        try:
            self.list(path)
            return True
        except ApiStatus as exc:
            if exc.status != 404:
                raise
            if "mesh" in exc.detail.lower():
                self.out.note(f"mesh {mesh!r} disappeared while it was read; skipped")
                return False
            raise LiveSourceError(self.label, f"this control plane has no MeshExternalService API (GET {path}: "
                                              "404); MeshExternalService needs Kuma 2.9 or newer") from None

    def secrets(self, meshes: list[str]) -> None:
        for mesh in meshes:
            path = f"/meshes/{_seg(mesh)}/secrets"
            try:
                self.list(path)
            except ApiStatus as exc:
                if exc.status != 403:
                    raise
                self.out.deny_secrets(f"GET {path} was refused (403{_detail(exc.detail)}); Secrets are "
                                      "admin-only in the Kuma API")
                return
        if self.out.secrets is None:
            self.out.secrets = SecretsCoverage.PRESENT
            self.out.listed("Secret")
        try:
            self.list("/global-secrets")
        except ApiStatus as exc:
            if exc.status not in (403, 404):
                raise
            self.out.note(f"GlobalSecrets not read (GET /global-secrets: {exc.status}{_detail(exc.detail)})")

    def optional(self, path: str) -> None:
        kind = KIND_OF.get(path.rsplit("/", 1)[-1])
        try:
            self.list(path)
        except ApiStatus as exc:
            if kind:
                self.out.unlisted(kind)
            if exc.status == 403:
                self.out.note(f"{path} not read (403{_detail(exc.detail)})")
            elif exc.status not in (404, 400):  # 404/400: this control plane has no such kind
                raise
            return
        if kind:
            self.out.listed(kind)  # stays known only if no mesh's listing of it fails

    # --- HTTP -----------------------------------------------------------------------------------

    def get(self, path: str, query: str = "") -> Response:
        url = self.base + path + (f"?{query}" if query else "")
        response = self.client.get(url, max_bytes=self.out.limits.max_file_bytes)
        self.out.account(len(response.body))
        return response

    def list(self, path: str) -> list[Any]:
        items: list[Any] = []
        offset: str | None = None
        seen: set[str] = set()
        while True:
            query = f"size={PAGE_SIZE}" + (f"&offset={quote(offset, safe='')}" if offset else "")
            response = self.get(path, query)
            if not response.ok:
                self.fail(path, response)
            data = _json(response, self.label, f"GET {path}")
            page = data.get("items") if isinstance(data, dict) else None
            if not isinstance(page, list):
                raise LiveSourceError(self.label, f"GET {path} did not return a Kuma list (no `items`)")
            items.extend(page)
            following = data.get("next")
            if not following:
                break
            offset = _offset(following)
            if offset is None or offset in seen:
                raise LiveSourceError(self.label, f"GET {path}: the `next` link does not advance the listing")
            seen.add(offset)
        self.out.add(path, items)
        return items

    def fail(self, path: str, response: Response) -> None:
        status = response.status
        detail = error_detail(response.body, echo=self.echo, kuma=True, known=self.client.known)
        if status in (301, 302, 303, 307, 308):
            where = display_url(response.headers.get("location", "")) or "another URL"
            message = f"GET {path} was redirected (HTTP {status}) to {where}; use that address as the API URL"
        elif status == 401:
            why = "the API token was rejected" if self.has_token else "the API requires a token"
            message = f"GET {path}: 401 Unauthorized{_detail(detail)}; {why}"
        elif status == 403:
            message = f"GET {path}: 403 Forbidden{_detail(detail)}"
        elif status == 404:
            message = f"GET {path}: 404 Not Found{_detail(detail)}"
        elif status >= 500:
            message = f"GET {path}: the control plane failed with HTTP {status}{_detail(detail)}"
        else:
            message = f"GET {path}: HTTP {status}{_detail(detail)}"
        raise ApiStatus(self.label, path, status, detail, message)


def _token(token: object, label: str) -> str:
    """The token as a header value; never echoed, even when it cannot be sent."""
    text = str(token).strip()
    if not text or any(ord(c) < 0x21 or ord(c) > 0x7E for c in text):
        raise LiveSourceError(label, "the API token is empty or holds characters a header cannot carry "
                                     "(spaces, line breaks, non-ASCII)")
    return text


def _json(response: Response, label: str, what: str) -> Any:
    return response.json(label, f"the answer to {what}")


def _offset(link: Any) -> str | None:
    if not isinstance(link, str):
        return None
    try:
        values = parse_qs(urlsplit(link).query).get("offset")
    except ValueError:
        return None
    return values[0] if values else None


def _seg(name: str) -> str:
    return quote(name, safe="")


def _detail(detail: str) -> str:
    return f": {detail}" if detail else ""
