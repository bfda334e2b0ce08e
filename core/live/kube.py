"""Read a Kubernetes cluster with the official `kubernetes` client (an optional extra).

Only `get`/`list` calls are made. What is read (section 3 of the reference):

* MeshExternalServices (all namespaces) - required: a 404 means Kuma is not installed here.
* Meshes (cluster-scoped), and, when their CRDs exist, ZoneEgresses, MeshIdentities,
  MeshTrafficPermissions and HostnameGenerators (a 403 on these is a note, not an error).
* Secrets of the Kuma types in the system namespace (`type=system.kuma.io/secret` and
  `.../global-secret`, so Helm release and service-account Secrets are never downloaded); a
  403 there degrades to `SecretsCoverage.DENIED` with the API server's reason.
* Every referenced Secret name not found that way, by `fieldSelector=metadata.name=<name>`
  across all namespaces (falling back to the system namespace when that is refused), so a
  wrong namespace, a wrong type or a missing mesh label can still be diagnosed.

Lists are paginated with `limit`/`continue`. Responses are read raw (`_preload_content=False`),
size-capped and parsed here, so malformed or truncated answers give a clear message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from core.live.errors import LiveSourceError, ServerFileError, one_line
from core.live.kube_errors import KubeStatus, describe_kube_transport, short, status_of, status_text
from core.live.kube_exec import run_plugin
from core.live.kube_net import guard_api_client
from core.live.kube_objects import is_object_name, plain_manifest, referenced_secret_names
from core.live.policy import ReadPolicy
from core.live.result import Collector, LiveResult
from core.live.specs import KubeSpec
from core.model import SecretsCoverage
from core.options import Limits

PAGE_SIZE = 500
SECRET_PAGE_SIZE = 100
MAX_NAME_SEARCHES = 50
KUMA_GROUP, KUMA_VERSION = "kuma.io", "v1alpha1"
KUMA_API = f"{KUMA_GROUP}/{KUMA_VERSION}"
SECRET_TYPES = ("system.kuma.io/secret", "system.kuma.io/global-secret")
OPTIONAL_KINDS = (
    ("zoneegresses", "ZoneEgress"),
    ("meshidentities", "MeshIdentity"),
    ("meshtrafficpermissions", "MeshTrafficPermission"),
    ("hostnamegenerators", "HostnameGenerator"),
    # the resources around an MES (core/neighbours): zone proxies and clients, routes and policies that
    # point at MES, MeshPassthrough, legacy ExternalService
    ("dataplanes", "Dataplane"),
    ("meshhttproutes", "MeshHTTPRoute"),
    ("meshtcproutes", "MeshTCPRoute"),
    ("meshtimeouts", "MeshTimeout"),
    ("meshretries", "MeshRetry"),
    ("meshcircuitbreakers", "MeshCircuitBreaker"),
    ("meshhealthchecks", "MeshHealthCheck"),
    ("meshpassthroughs", "MeshPassthrough"),
    ("externalservices", "ExternalService"),
)
RBAC_HINT = "docs/rbac/ has a read-only ClusterRole for MES Doctor"
MISSING_PACKAGE = ("reading a Kubernetes cluster needs the `kubernetes` Python package: "
                   "pip install 'mes-doctor[kubernetes]'")


def kubernetes_available() -> bool:
    """Whether the optional `kubernetes` package is installed."""
    return importlib.util.find_spec("kubernetes") is not None


def in_cluster_available() -> bool:
    """Whether MES Doctor runs in a pod with a service account (in-cluster configuration)."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and os.path.exists(
        "/var/run/secrets/kubernetes.io/serviceaccount/token")


@dataclass(frozen=True, slots=True)
class KubeContexts:
    """The contexts of a kubeconfig, for a picker. `current` is its current-context (or None)."""

    path: str
    names: tuple[str, ...]
    current: str | None


def kubeconfig_path(explicit: str | None = None) -> str:
    """The kubeconfig to read: the given path, else `$KUBECONFIG` (a path list), else ~/.kube/config."""
    raw = explicit or os.environ.get("KUBECONFIG") or "~/.kube/config"
    return os.pathsep.join(os.path.expanduser(p) for p in raw.split(os.pathsep) if p)


def kube_contexts(kubeconfig: str | None = None) -> KubeContexts:
    """List the contexts of a kubeconfig (LiveSourceError when it cannot be read)."""
    _, config = _modules("kubeconfig")
    path = kubeconfig_path(kubeconfig)
    contexts, current = _contexts(config, path)
    names = tuple(c["name"] for c in contexts if isinstance(c, dict) and isinstance(c.get("name"), str))
    current_name = current.get("name") if isinstance(current, dict) else None
    return KubeContexts(path, names, current_name if isinstance(current_name, str) else None)


def fetch_kube(spec: KubeSpec, limits: Limits, now: datetime, default_namespace: str,
               policy: ReadPolicy | None = None) -> LiveResult:
    policy = policy or ReadPolicy()
    client, config = _modules(spec.label)
    credentials = _CredentialFiles()
    try:
        api_client, label = _connect(spec, client, config, credentials, policy)
    except BaseException:
        credentials.remove()
        raise
    known = _known_secrets(api_client)
    try:
        guard_api_client(api_client, policy.guard, label)  # before the first connection
        if not api_client.configuration.verify_ssl:  # the kubeconfig says insecure-skip-tls-verify: the user chose it
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        collector = Collector(label, limits, now, known=known)
        _Reader(client, api_client, spec, collector, echo=policy.echo_bodies).run()
        return collector.result(default_namespace)
    except LiveSourceError as exc:
        raise exc.scrubbed(known) from None
    finally:
        with contextlib.suppress(Exception):
            api_client.close()
        credentials.remove()


# --- configuration ------------------------------------------------------------------------------


def _modules(label: str) -> tuple[Any, Any]:
    try:
        from kubernetes import client, config
    except ImportError:
        raise LiveSourceError(label, MISSING_PACKAGE) from None
    return client, config


def _contexts(config: Any, path: str) -> tuple[list[Any], Any]:
    existing = [p for p in path.split(os.pathsep) if os.path.exists(p)]
    if not existing:
        raise ServerFileError("kubeconfig", f"no kubeconfig at {path} (set KUBECONFIG or give the file)")
    try:
        contexts, current = config.list_kube_config_contexts(config_file=os.pathsep.join(existing))
    except Exception as exc:
        raise ServerFileError("kubeconfig", f"cannot read {path}: {short(exc)}") from None
    return list(contexts or []), current


MEMORY_DIRS = ("/dev/shm",)  # RAM-backed (tmpfs) on Linux; $XDG_RUNTIME_DIR too when it is a tmpfs
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})


def no_memory_dir_message() -> str:
    return ("no memory-backed directory for the kubeconfig's client certificate, key and CA (Python's TLS "
            "library reads them from files, which MES Doctor writes to memory only, never to disk): make /dev/shm a "
            "writable tmpfs (containers: --shm-size), run in-cluster, or read the Kuma control plane API instead")


def _credentials_dir(label: str) -> str:
    """A private (0700) directory in memory for the files the kubernetes client writes a kubeconfig's embedded
    client certificate, key and CA to (Python's ssl loads them from paths), removed as soon as the read is
    over. Without a memory-backed directory this refuses (LiveSourceError) rather than use the disk."""
    base = _memory_dir()
    if base is None:
        raise ServerFileError(label, no_memory_dir_message())
    try:
        return tempfile.mkdtemp(prefix="mesdoctor-kube-", dir=base)
    except OSError as exc:
        raise ServerFileError(label, f"{no_memory_dir_message()} ({base}: {exc.strerror or exc})") from None


def _memory_dir() -> str | None:
    """A writable directory on a memory filesystem, or None."""
    mounts = _mounts()
    candidates = [*MEMORY_DIRS, os.environ.get("XDG_RUNTIME_DIR") or ""]
    for path in candidates:
        if not path or not os.path.isdir(path) or not os.access(path, os.W_OK | os.X_OK):
            continue
        fstype = _filesystem_of(path, mounts)
        # no mount table to ask (not Linux): trust only the conventional shared-memory directory
        if fstype in MEMORY_FILESYSTEMS or (fstype is None and not mounts and path in MEMORY_DIRS):
            return path
    return None


def _mounts() -> list[tuple[str, str]]:
    """(mount point, filesystem type) of /proc/self/mounts; [] when it cannot be read."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as f:
            return parse_mounts(f.read())
    except OSError:
        return []


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) per line of a Linux mount table (`\\040` escapes a space)."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            out.append((re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1]), fields[2]))
    return out


def _filesystem_of(path: str, mounts: list[tuple[str, str]]) -> str | None:
    """The filesystem type of the longest mount point containing `path` (the last mount wins a tie)."""
    real = os.path.realpath(path)
    best: tuple[int, str] | None = None
    for point, fstype in mounts:
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= best[0]):
            best = (len(point), fstype)
    return best[1] if best else None


class _CredentialFiles:
    """The private in-memory directory of one read's credential files: made when a kubeconfig is loaded
    (an in-cluster configuration needs none), removed afterwards."""

    def __init__(self) -> None:
        self.path: str | None = None

    def directory(self, label: str) -> str:
        if self.path is None:
            self.path = _credentials_dir(label)
        return self.path

    def remove(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


def _forget_files(config: Any, directory: str) -> None:
    """Drop the client's cache entries for our files, so no later load reuses a path we are about to delete."""
    cached = getattr(getattr(config, "kube_config", None), "_temp_files", None)
    if isinstance(cached, dict):
        for key, path in list(cached.items()):
            if isinstance(path, str) and path.startswith(directory + os.sep):
                cached.pop(key, None)


def _connect(spec: KubeSpec, client: Any, config: Any, credentials: _CredentialFiles,
             policy: ReadPolicy) -> tuple[Any, str]:
    cfg = client.Configuration()
    if spec.in_cluster:
        label = "kube:in-cluster"
        try:
            config.load_incluster_config(client_configuration=cfg)
        except Exception as exc:
            raise ServerFileError(label, f"no in-cluster configuration (not running in a pod with a service "
                                         f"account?): {short(exc)}") from None
    else:
        path = kubeconfig_path(spec.kubeconfig)
        contexts, current = _contexts(config, path)
        names = [c.get("name") for c in contexts if isinstance(c, dict)]
        name = spec.context or (current.get("name") if isinstance(current, dict) else None)
        if not name:
            raise ServerFileError("kubeconfig", f"{path} has no current context; choose one of: "
                                                + (", ".join(str(n) for n in names) or "(none)"))
        label = f"kube:{name}"
        if name not in names:
            raise ServerFileError(label, f"no context {name!r} in {path} (contexts: "
                                         + (", ".join(str(n) for n in names) or "none") + ")")
        _load_context(path, name, label, cfg, credentials, policy)
    cfg.retries = False  # one attempt, and a redirect is an answer, never followed: a diagnosis tool reports
    return client.ApiClient(cfg), label


def _load_context(path: str, name: str, label: str, cfg: Any, credentials: _CredentialFiles,
                  policy: ReadPolicy) -> None:
    """Load one context of the (merged) kubeconfig into `cfg`, without any state shared between reads.

    The kubernetes client would run an `exec:` credential plugin itself (no timeout) and write embedded
    certificates to files it caches process-wide. Here the plugin is run by core/live/kube_exec.py (timeout,
    nothing shared) and its credential, like every `*-data` field of the context, becomes a file in this read's
    private in-memory directory, so the client loads plain files and no lock between reads is needed.
    """
    from kubernetes import config as config_package
    from kubernetes.config import kube_config

    existing = os.pathsep.join(p for p in path.split(os.pathsep) if os.path.exists(p))
    try:
        merged = kube_config.KubeConfigMerger(existing)
        context = merged.config["contexts"].get_with_name(name)["context"]
        cluster_entry = merged.config["clusters"].get_with_name(context["cluster"])
        user_name = context.safe_get("user")
        user_entry = merged.config["users"].get_with_name(user_name, safe=True) if user_name and \
            merged.config.safe_get("users") else None
    except Exception as exc:
        raise ServerFileError(label, f"cannot use this context: {short(exc)}") from None
    cluster = cluster_entry.value.get("cluster") if isinstance(cluster_entry.value, dict) else None
    user = user_entry.value.get("user") if user_entry is not None and isinstance(user_entry.value, dict) else None
    if not isinstance(cluster, dict):
        raise ServerFileError(label, "cannot use this context: its cluster has no `cluster` section")
    if user is not None and not isinstance(user, dict):
        raise ServerFileError(label, "cannot use this context: its user has no `user` section")
    plugin = uses_credential_plugin(user)
    if plugin and policy.plugin_contexts is not None and (path, name) not in policy.plugin_contexts:
        raise LiveSourceError(label, f"the user of this context authenticates with a credential plugin ({plugin}); "
                                     "a shared dashboard runs credential plugins only for contexts its operator "
                                     "named")
    directory = credentials.directory(label)
    if user is not None and plugin == "exec" and not (user.get("token") or user.get("tokenFile")):
        base = os.path.dirname(os.path.abspath(user_entry.path)) if user_entry is not None and user_entry.path \
            else ""
        credential = run_plugin(user.get("exec"), kubeconfig_dir=base, cluster=cluster,
                                timeout=policy.plugin_timeout, interactive=policy.interactive,
                                echo=policy.echo_bodies, label=label)
        user.pop("exec", None)
        if credential.token:
            user["token"] = credential.token
        else:
            user["client-certificate"] = _write(directory, "client.crt", (credential.client_certificate or "").encode())
            user["client-key"] = _write(directory, "client.key", (credential.client_key or "").encode())
            user.pop("client-certificate-data", None)
            user.pop("client-key-data", None)
    _data_to_files(cluster, ("certificate-authority",), directory, label)
    if user is not None:
        _data_to_files(user, ("client-certificate", "client-key"), directory, label)
    try:
        loader = kube_config.KubeConfigLoader(config_dict=merged.config, active_context=name, config_base_path=None,
                                              temp_file_path=directory)
        loader.load_and_set(cfg)
    except Exception as exc:
        raise ServerFileError(label, f"cannot use this context: {short(exc)}") from None
    finally:
        _forget_files(config_package, directory)


def uses_credential_plugin(user: object) -> str | None:
    """`exec` or `auth-provider` when a kubeconfig user authenticates by running or calling something."""
    if isinstance(user, dict):
        if user.get("auth-provider"):
            return "auth-provider"
        if user.get("exec"):
            return "exec"
    return None


def _data_to_files(section: dict[str, Any], keys: tuple[str, ...], directory: str, label: str) -> None:
    """`<key>-data` (base64) becomes `<key>`: a file in the read's private directory (the data wins over a path,
    as in kubectl)."""
    for key in keys:
        data = section.get(f"{key}-data")
        if not data:
            continue
        try:
            content = base64.b64decode(str(data).encode(), validate=False)
        except (ValueError, binascii.Error):
            raise ServerFileError(label, f"{key}-data of this context is not base64") from None
        section[key] = _write(directory, f"{key}.pem", content)
        del section[f"{key}-data"]


def _write(directory: str, name: str, content: bytes) -> str:
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return path


def _known_secrets(api_client: Any) -> tuple[str, ...]:
    """The bearer token this client sends (scrubbed from anything the API server echoes)."""
    keys = getattr(api_client.configuration, "api_key", None) or {}
    found: list[str] = []
    for value in keys.values() if isinstance(keys, dict) else ():
        if isinstance(value, str) and value.strip():
            found.append(value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value)
    return tuple(found)


# --- reading ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, client: Any, api_client: Any, spec: KubeSpec, collector: Collector, *,
                 echo: bool = True) -> None:
        self.client = client
        self.echo = echo
        self.api_client = api_client
        self.custom = client.CustomObjectsApi(api_client)
        self.core = client.CoreV1Api(api_client)
        self.spec = spec
        self.out = collector
        self.label = collector.label
        self.timeout = (spec.timeout, spec.timeout)
        self.namespace = spec.system_namespace
        host = urlsplit(api_client.configuration.host or "")
        self.where = host.netloc or (api_client.configuration.host or "the API server")

    def run(self) -> None:
        self.version()
        services = self.required_services()
        self.cluster_kind("meshes", "Mesh", optional=True)
        for plural, kind in OPTIONAL_KINDS:
            self.cluster_kind(plural, kind, optional=True)
        self.secrets(referenced_secret_names(services))

    def version(self) -> None:
        try:
            data = self.get(lambda **kw: self.client.VersionApi(self.api_client).get_code(**kw), "GET /version")
        except KubeStatus as exc:
            if exc.status == 401:
                raise
            return
        if isinstance(data, dict) and isinstance(data.get("gitVersion"), str):
            self.out.server = f"Kubernetes {data['gitVersion']}"

    def required_services(self) -> list[Any]:
        try:
            return self.cluster_kind("meshexternalservices", "MeshExternalService", optional=False)
        except KubeStatus as exc:
            if exc.status == 404:
                raise LiveSourceError(self.label, "no MeshExternalService resource type (kuma.io/v1alpha1) on this "
                                                  "cluster: Kuma is not installed, is older than 2.9, or this is "
                                                  "the wrong cluster or context") from None
            if exc.status == 403:
                raise LiveSourceError(self.label, f"cannot list MeshExternalServices: {status_text(exc)} "
                                                  f"({RBAC_HINT})") from None
            raise

    def cluster_kind(self, plural: str, kind: str, *, optional: bool) -> list[Any]:
        file = f"{plural} (all namespaces)" if plural != "meshes" else "meshes"

        def call(**kw: Any) -> Any:
            return self.custom.list_cluster_custom_object(KUMA_GROUP, KUMA_VERSION, plural, **kw)

        try:
            items = self.list(file, call, KUMA_API, kind, PAGE_SIZE)
        except KubeStatus as exc:
            if not optional or exc.status not in (403, 404):
                raise
            if exc.status == 403:
                self.out.note(f"{kind} resources not read: {status_text(exc)}")
            return []
        self.out.listed(kind)  # every page read: none found means none exists
        return items

    def secrets(self, referenced: list[str]) -> None:
        """Kuma-typed Secrets of the system namespace, then the referenced names still missing."""
        found: set[tuple[str, str]] = set()
        for secret_type in SECRET_TYPES:
            selector = f"type={secret_type}"
            try:
                items = self.list(f"secrets in {self.namespace} ({selector})", self._namespaced(selector), "v1",
                                  "Secret", SECRET_PAGE_SIZE)
            except KubeStatus as exc:
                if exc.status != 403:
                    raise
                self.out.deny_secrets(f"listing Secrets in namespace {self.namespace} was refused "
                                      f"({status_text(exc)})")
                return
            found.update(_keys(items))
        self.out.secrets = SecretsCoverage.PRESENT
        self.out.listed("Secret")
        self.search_by_name(referenced, found)

    def search_by_name(self, referenced: list[str], found: set[tuple[str, str]]) -> None:
        """Referenced Secrets not among the Kuma-typed ones: other types, other namespaces
        (across the cluster when permitted, else in the system namespace)."""
        present = {name for namespace, name in found if namespace == self.namespace}
        wanted = set(referenced) | {name.split(".", 1)[0] for name in referenced if "." in name}  # `name.ns` refs
        missing = sorted(n for n in wanted if n not in present and is_object_name(n))
        if len(missing) > MAX_NAME_SEARCHES:
            self.out.note(f"{len(missing)} referenced Secrets are missing from {self.namespace}; only the first "
                          f"{MAX_NAME_SEARCHES} were searched for by name")
            missing = missing[:MAX_NAME_SEARCHES]
        everywhere = self.spec.search_other_namespaces
        for name in missing:
            selector = f"metadata.name={name}"
            items: list[Any] = []
            if everywhere:
                try:
                    items = self.list(f"secrets named {name} (all namespaces)", self._cluster_wide(selector), "v1",
                                      "Secret", SECRET_PAGE_SIZE, keep=lambda o: _key(o) not in found)
                except KubeStatus as exc:
                    if exc.status != 403:
                        raise
                    everywhere = False
                    self.out.note(f"Secrets outside {self.namespace} were not searched ({status_text(exc)})")
            if not everywhere:
                try:
                    items = self.list(f"secrets named {name} in {self.namespace}", self._namespaced(selector), "v1",
                                      "Secret", SECRET_PAGE_SIZE, keep=lambda o: _key(o) not in found)
                except KubeStatus as exc:
                    if exc.status != 403:
                        raise
                    self.out.note(f"referenced Secrets of other types were not searched ({status_text(exc)})")
                    return
            found.update(_keys(items))

    def _namespaced(self, selector: str) -> Callable[..., Any]:
        return lambda **kw: self.core.list_namespaced_secret(self.namespace, field_selector=selector, **kw)

    def _cluster_wide(self, selector: str) -> Callable[..., Any]:
        return lambda **kw: self.core.list_secret_for_all_namespaces(field_selector=selector, **kw)

    # --- HTTP -----------------------------------------------------------------------------------

    def list(self, file: str, call: Callable[..., Any], api_version: str, kind: str, page_size: int,
             keep: Callable[[Any], bool] | None = None) -> list[Any]:
        items: list[Any] = []
        token: str | None = None
        seen: set[str] = set()
        what = f"listing {file}"
        while True:
            kwargs: dict[str, Any] = {"limit": page_size}
            if token:
                kwargs["_continue"] = token
            data = self.get(lambda args=kwargs, **kw: call(**args, **kw), what)
            if not isinstance(data, dict):
                raise LiveSourceError(self.label, f"{what}: the answer is not a Kubernetes list")
            page = data.get("items")
            if page is None:
                page = []
            if not isinstance(page, list):
                raise LiveSourceError(self.label, f"{what}: `items` of the answer is not a list")
            list_kind = data.get("kind")
            item_kind = list_kind[:-4] if isinstance(list_kind, str) and list_kind.endswith("List") else kind
            item_api = data.get("apiVersion") if isinstance(data.get("apiVersion"), str) else api_version
            items.extend(plain_manifest(obj, item_api, item_kind or kind) for obj in page)
            meta = data.get("metadata")
            token = meta.get("continue") if isinstance(meta, dict) else None
            if not token:
                break
            if not isinstance(token, str) or token in seen:
                raise LiveSourceError(self.label, f"{what}: the `continue` token does not advance the listing")
            seen.add(token)
        if keep is not None:
            items = [o for o in items if keep(o)]
        if items or keep is None:
            self.out.add(file, items)
        return items

    def get(self, call: Callable[..., Any], what: str) -> Any:
        from urllib3.exceptions import HTTPError as Urllib3Error

        api_exception = self.client.exceptions.ApiException
        try:
            response = call(_preload_content=False, _request_timeout=self.timeout)
        except api_exception as exc:
            raise self.status_error(exc, what) from None
        except LiveSourceError:  # the network guard refused the API server's address
            raise
        except Exception as exc:
            raise LiveSourceError(self.label, f"{what}: {self.transport(exc)}") from None
        cap = self.out.limits.max_file_bytes
        try:
            body = _read(response, cap)
        except _TooLarge:
            raise LiveSourceError(self.label, f"{what}: the answer is larger than the limit of {cap} bytes") from None
        except (Urllib3Error, OSError) as exc:
            raise LiveSourceError(self.label, f"{what}: {self.transport(exc)}") from None
        finally:
            with contextlib.suppress(Exception):
                response.release_conn()
        self.out.account(len(body))
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            detail = f": {exc.msg} at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
            raise LiveSourceError(self.label, f"{what}: the answer is not valid JSON{detail}") from None

    def transport(self, exc: BaseException) -> str:
        return describe_kube_transport(exc, self.where, self.spec.timeout)

    def status_error(self, exc: Any, what: str) -> LiveSourceError:
        status = exc.status if isinstance(exc.status, int) else 0
        if status == 0:  # the client wraps TLS failures as status 0
            return LiveSourceError(self.label, f"{what}: {self.transport(exc)}")
        reason, message = status_of(exc.body, echo=self.echo, known=self.out.known)
        reason = reason or one_line(str(exc.reason or ""), 60)
        text = f"{status} {reason}".strip() + (f": {message}" if message else "")
        if status == 401:
            full = f"{what}: {text}; the cluster rejected the credentials of this context"
        elif status == 410:
            full = f"{what}: {text}; the listing changed while it was paginated, try again"
        elif status >= 500:
            full = f"{what}: the API server failed with {text}"
        else:
            full = f"{what}: {text}"
        return KubeStatus(self.label, status, reason, message, full)


class _TooLarge(Exception):
    pass


def _read(response: Any, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(min(64 * 1024, cap + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise _TooLarge
    return b"".join(chunks)


def _keys(items: list[Any]) -> set[tuple[str, str]]:
    return {k for k in (_key(o) for o in items) if k is not None}


def _key(obj: Any) -> tuple[str, str] | None:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(meta, dict):
        return None
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
