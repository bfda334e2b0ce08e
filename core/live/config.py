"""The operator's named live sources: what a shared dashboard's visitors may read, chosen by name.

Read from the YAML file named by `MESDOCTOR_CONFIG` (docs/deploy.md, "Configured sources"), validated strictly
at start-up: an unknown key, a wrong type, a missing file, a context that is not in its kubeconfig, a token
variable that is not set... is a `ConfigError` naming the file and the key, and the server refuses to start.

```yaml
kubernetes:
  inCluster: false                 # offer this pod's service account (as the source "in-cluster")
  credentialPluginTimeout: 30      # seconds an exec: credential plugin of a named context may run
  contexts:
    prod-eu:                       # the name visitors choose
      kubeconfig: /etc/mesdoctor/kubeconfig   # default: the server's $KUBECONFIG, else ~/.kube/config
      context: prod-eu-admin       # default: the name
kumaApis:
  global-cp:
    url: https://kuma-cp.kuma-system:5682
    caFile: /etc/mesdoctor/kuma-ca.pem        # or `insecure: true`
    meshes: [default, payments]    # default: every mesh
    tokenEnv: MESDOCTOR_KUMA_TOKEN # the NAME of the server's environment variable holding the token
manifestUrls:
  payments-repo: https://git.example.com/raw/mesh/payments.yaml
urlHosts: [git.example.com, "*.raw.example.org", "artifacts.example.com:8443"]   # a free URL field, these hosts
watchers:
  eu-watcher: http://mesdoctor-watcher.kuma-system:8080
network:
  allowLinkLocal: false            # MESDOCTOR_ALLOW_LINK_LOCAL=yes|no overrides it
timeout: 10                        # seconds, each connection and read of a named source
```

Relative paths in the file are relative to the file's directory. Tokens are never written in the file: only the
name of the variable that holds one, read from the server's environment when a source is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from core.live.kube import in_cluster_available, kubeconfig_path
from core.live.policy import DEFAULT_PLUGIN_TIMEOUT, HostAllowlist, ReadPolicy
from core.live.specs import DEFAULT_TIMEOUT, KubeSpec, KumaApiSpec, LiveSpec, UrlSpec, display_url
from core.options import DEFAULT_SYSTEM_NAMESPACE

CONFIG_VARIABLE = "MESDOCTOR_CONFIG"
ALLOW_LINK_LOCAL_VARIABLE = "MESDOCTOR_ALLOW_LINK_LOCAL"
IN_CLUSTER = "in-cluster"  # the name of the pod's service account among the Kubernetes sources
MAX_CONFIG_BYTES = 1024 * 1024

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOST_ENTRY = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")
_TRUE = ("yes", "true", "1", "on")
_FALSE = ("no", "false", "0", "off")


class ConfigError(ValueError):
    """The operator's configuration cannot be used (the message names the file, the key and the problem)."""


@dataclass(frozen=True, slots=True)
class NamedContext:
    name: str
    kubeconfig: str  # an absolute path on the server
    context: str


@dataclass(frozen=True, slots=True)
class NamedKumaApi:
    name: str
    url: str
    ca_file: str | None = None
    insecure: bool = False
    meshes: tuple[str, ...] = ()
    token_env: str | None = None  # the variable's name; the token itself is read when the source is read


@dataclass(frozen=True, slots=True)
class NamedUrl:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """The named live sources (empty: none configured) and the network guard's opt-out."""

    path: str | None = None
    contexts: tuple[NamedContext, ...] = ()
    in_cluster: bool = False
    kuma_apis: tuple[NamedKumaApi, ...] = ()
    manifest_urls: tuple[NamedUrl, ...] = ()
    url_hosts: HostAllowlist | None = None  # None: no free-form URL field in shared mode
    watchers: tuple[NamedUrl, ...] = ()
    plugin_timeout: float = DEFAULT_PLUGIN_TIMEOUT
    timeout: float = DEFAULT_TIMEOUT
    allow_link_local: bool = False
    tokens: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)  # tokenEnv -> its value

    # --- what a visitor can choose ------------------------------------------------------------------

    def kube_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.contexts) + ((IN_CLUSTER,) if self.in_cluster else ())

    def kuma_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.kuma_apis)

    def url_names(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.manifest_urls)

    @property
    def empty(self) -> bool:
        return not (self.kube_names() or self.kuma_apis or self.manifest_urls or self.url_hosts)

    # --- specs, built only from the configuration ----------------------------------------------------

    def kube_spec(self, name: str, *, system_namespace: str = DEFAULT_SYSTEM_NAMESPACE,
                  search_other_namespaces: bool = True) -> KubeSpec:
        if name == IN_CLUSTER and self.in_cluster:
            return KubeSpec(in_cluster=True, system_namespace=system_namespace, timeout=self.timeout,
                            search_other_namespaces=search_other_namespaces)
        found = _find(self.contexts, name, "Kubernetes source")
        return KubeSpec(context=found.context, kubeconfig=found.kubeconfig, system_namespace=system_namespace,
                        timeout=self.timeout, search_other_namespaces=search_other_namespaces)

    def kuma_spec(self, name: str) -> KumaApiSpec:
        found = _find(self.kuma_apis, name, "Kuma API")
        return KumaApiSpec(found.url, token=self._token(found), ca_file=found.ca_file, insecure=found.insecure,
                           meshes=found.meshes, timeout=self.timeout)

    def url_spec(self, name: str) -> UrlSpec:
        return UrlSpec(_find(self.manifest_urls, name, "manifest URL").url, timeout=self.timeout)

    def free_url_spec(self, url: str) -> UrlSpec:
        """A visitor's URL, when the operator allows URL hosts and this one is among them (ValueError else)."""
        text = (url or "").strip()
        refusal = self._free_url_refusal(text)
        if refusal:
            raise ValueError(refusal)
        return UrlSpec(text, timeout=self.timeout)

    def _token(self, api: NamedKumaApi) -> str | None:
        if not api.token_env:
            return None
        return (self.tokens.get(api.token_env) or "").strip() or None

    # --- what a shared dashboard may read --------------------------------------------------------------

    def refusal(self, spec: LiveSpec) -> str | None:
        """Why a shared dashboard must not read `spec` (None: it is one of the named sources, or a URL on an
        allowed host). Checked before every read, Refresh included."""
        if isinstance(spec, KubeSpec):
            if spec.in_cluster:
                return None if self.in_cluster else "the in-cluster service account is not offered by the operator"
            if any(spec.kubeconfig == c.kubeconfig and spec.context == c.context for c in self.contexts):
                return None
            return "only the Kubernetes contexts the operator configured can be read"
        if isinstance(spec, KumaApiSpec):
            for api in self.kuma_apis:
                if (spec.url, spec.ca_file, spec.insecure, spec.meshes) == (api.url, api.ca_file, api.insecure,
                                                                            api.meshes) \
                        and spec.token == self._token(api):
                    return None
            return "only the Kuma control planes the operator configured can be read"
        if isinstance(spec, UrlSpec):
            if any(spec.url == u.url for u in self.manifest_urls):
                return None
            return self._free_url_refusal(spec.url if isinstance(spec.url, str) else "")
        return "not a live source"

    def _free_url_refusal(self, url: str) -> str | None:
        if self.url_hosts is None:
            return "only the manifest URLs the operator configured can be read"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "not a valid URL"
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return "enter an http:// or https:// URL"
        if not self.url_hosts.allows(parts.scheme.lower(), parts.hostname, port):
            return (f"{display_url(url)} is not on a host the operator allows; allowed: "
                    f"{self.url_hosts.describe()}")
        return None

    def policy(self, spec: LiveSpec, base: ReadPolicy) -> ReadPolicy:
        """The shared dashboard's policy for one read: no foreign error body quoted, credential plugins only for
        the named contexts (with the configured timeout), never a terminal, and a visitor's URL (with each of its
        redirects) held to the allowed hosts."""
        named_url = isinstance(spec, UrlSpec) and any(spec.url == u.url for u in self.manifest_urls)
        return ReadPolicy(
            guard=base.guard,
            echo_bodies=False,
            plugin_timeout=self.plugin_timeout,
            interactive=False,
            plugin_contexts=frozenset((c.kubeconfig, c.context) for c in self.contexts),
            url_hosts=None if named_url or not isinstance(spec, UrlSpec) else (self.url_hosts or HostAllowlist()),
        )


def _find(items: tuple[Any, ...], name: str, what: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise ValueError(f"no {what} named {name!r} is configured")


# --- loading ---------------------------------------------------------------------------------------------


def load_sources(environ: Mapping[str, str]) -> SourcesConfig:
    """The named sources from `$MESDOCTOR_CONFIG` (none when it is unset), and `$MESDOCTOR_ALLOW_LINK_LOCAL`.

    Raises ConfigError with a message naming the file and key at fault.
    """
    path = (environ.get(CONFIG_VARIABLE) or "").strip()
    data: dict[str, Any] = {}
    if path:
        data = _read(path)
    config = _Parser(os.path.abspath(path) if path else "", environ).parse(data)
    override = (environ.get(ALLOW_LINK_LOCAL_VARIABLE) or "").strip().lower()
    if override:
        if override not in _TRUE + _FALSE:
            raise ConfigError(f"{ALLOW_LINK_LOCAL_VARIABLE}={override!r} is not yes or no")
        config = _replace(config, allow_link_local=override in _TRUE)
    return config


def _replace(config: SourcesConfig, **changes: Any) -> SourcesConfig:
    from dataclasses import replace

    return replace(config, **changes)


_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _StrictLoader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """Safe YAML that refuses duplicate keys (a second `prod:` would silently replace the first)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            mark = key_node.start_mark
            raise ConfigError(f"duplicate key {key!r} (line {mark.line + 1})")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _read(path: str) -> dict[str, Any]:
    where = f"{CONFIG_VARIABLE}={path}"
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{where}: larger than {MAX_CONFIG_BYTES} bytes")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)  # a SafeLoader subclass: no object tags
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where}: not valid YAML: {_yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the file must hold a mapping (kubernetes:, kumaApis:, ...)")
    return data


def _yaml_problem(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"{exc.problem} (line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class _Parser:
    def __init__(self, path: str, environ: Mapping[str, str]) -> None:
        self.path = path
        self.base = os.path.dirname(path) if path else os.getcwd()
        self.environ = environ
        self.tokens: dict[str, str] = {}
        self.kubeconfigs: dict[str, list[str]] = {}  # path -> its context names (each file parsed once)

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {problem}" if self.path else f"{key}: {problem}")

    def parse(self, data: dict[str, Any]) -> SourcesConfig:
        self.keys(data, "", ("kubernetes", "kumaApis", "manifestUrls", "urlHosts", "watchers", "network", "timeout"))
        kube = self.section(data, "kubernetes")
        self.keys(kube, "kubernetes", ("inCluster", "contexts", "credentialPluginTimeout"))
        network = self.section(data, "network")
        self.keys(network, "network", ("allowLinkLocal",))
        hosts = self.hosts(data.get("urlHosts"))
        return SourcesConfig(
            path=self.path or None,
            contexts=self.contexts(kube.get("contexts")),
            in_cluster=self.in_cluster(kube.get("inCluster")),
            kuma_apis=self.kuma_apis(data.get("kumaApis")),
            manifest_urls=self.urls(data.get("manifestUrls"), "manifestUrls"),
            url_hosts=HostAllowlist(hosts) if hosts else None,
            watchers=self.urls(data.get("watchers"), "watchers"),
            plugin_timeout=self.seconds(kube.get("credentialPluginTimeout"), "kubernetes.credentialPluginTimeout",
                                        DEFAULT_PLUGIN_TIMEOUT, 600),
            timeout=self.seconds(data.get("timeout"), "timeout", DEFAULT_TIMEOUT, 300),
            allow_link_local=self.boolean(network.get("allowLinkLocal"), "network.allowLinkLocal"),
            tokens=self.tokens,
        )

    # --- shapes ---

    def keys(self, data: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                name = f"{where}.{key}" if where else str(key)
                raise self.fail(name, f"unknown key (allowed: {', '.join(allowed)})")

    def section(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping")
        return value

    def named(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping of names to sources")
        for name in value:
            if not isinstance(name, str) or not _NAME.match(name):
                raise self.fail(f"{where}.{name}", "a name has 1-63 letters, digits, '.', '_' or '-', and starts "
                                                   "with a letter or digit")
        return value

    def boolean(self, value: Any, where: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def seconds(self, value: Any, where: str, default: float, most: float) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
            raise self.fail(where, f"must be a number of seconds, more than 0 and at most {most:g}")
        return float(value)

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        return value.strip()

    def file(self, value: Any, where: str) -> str:
        path = os.path.normpath(os.path.join(self.base, os.path.expanduser(self.string(value, where))))
        if not os.path.isfile(path):
            raise self.fail(where, f"no file at {path}")
        if not os.access(path, os.R_OK):
            raise self.fail(where, f"{path} is not readable by the server")
        return path

    def url(self, value: Any, where: str) -> str:
        text = self.string(value, where)
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - validates the port
        except ValueError:
            raise self.fail(where, "not a valid URL") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise self.fail(where, "must be an http:// or https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            raise self.fail(where, "must not embed credentials (user:password@); use tokenEnv for a token")
        return text

    # --- sections ---

    def contexts(self, value: Any) -> tuple[NamedContext, ...]:
        found = []
        for name, entry in self.named(value, "kubernetes.contexts").items():
            where = f"kubernetes.contexts.{name}"
            if name == IN_CLUSTER:
                raise self.fail(where, f"{IN_CLUSTER!r} is the name of the pod's service account (inCluster: true)")
            entry = {} if entry is None else entry
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a mapping (kubeconfig:, context:)")
            self.keys(entry, where, ("kubeconfig", "context"))
            if entry.get("kubeconfig") is None:
                default = kubeconfig_path(self.environ.get("KUBECONFIG") or None)
                if os.pathsep in default:
                    raise self.fail(f"{where}.kubeconfig", "required: the server's KUBECONFIG lists several files")
                kubeconfig = self.file(default, f"{where}.kubeconfig (default {default})")
            else:
                kubeconfig = self.file(entry["kubeconfig"], f"{where}.kubeconfig")
            context = self.string(entry["context"], f"{where}.context") if "context" in entry else name
            if kubeconfig not in self.kubeconfigs:
                self.kubeconfigs[kubeconfig] = _kubeconfig_contexts(
                    kubeconfig, lambda problem, w=f"{where}.kubeconfig": self.fail(w, problem))
            known = self.kubeconfigs[kubeconfig]
            if context not in known:
                raise self.fail(f"{where}.context", f"no context {context!r} in {kubeconfig} (contexts: "
                                                    f"{', '.join(known) or 'none'})")
            found.append(NamedContext(name, kubeconfig, context))
        return tuple(found)

    def in_cluster(self, value: Any) -> bool:
        wanted = self.boolean(value, "kubernetes.inCluster")
        if wanted and not in_cluster_available():
            raise self.fail("kubernetes.inCluster", "true, but this server does not run in a pod with a service "
                                                    "account (KUBERNETES_SERVICE_HOST and the token file)")
        return wanted

    def kuma_apis(self, value: Any) -> tuple[NamedKumaApi, ...]:
        found = []
        for name, entry in self.named(value, "kumaApis").items():
            where = f"kumaApis.{name}"
            if isinstance(entry, str):
                entry = {"url": entry}
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a URL or a mapping (url:, caFile:, insecure:, meshes:, tokenEnv:)")
            self.keys(entry, where, ("url", "caFile", "insecure", "meshes", "tokenEnv"))
            url = self.url(entry.get("url"), f"{where}.url").rstrip("/")
            parts = urlsplit(url)
            if parts.query or parts.fragment:
                raise self.fail(f"{where}.url", "must not have a query or fragment")
            insecure = self.boolean(entry.get("insecure"), f"{where}.insecure")
            ca_file = self.file(entry["caFile"], f"{where}.caFile") if entry.get("caFile") is not None else None
            if ca_file and insecure:
                raise self.fail(where, "caFile and insecure: true exclude each other")
            meshes = entry.get("meshes") or []
            if not isinstance(meshes, list) or not all(isinstance(m, str) and _NAME.match(m) for m in meshes):
                raise self.fail(f"{where}.meshes", "must be a list of mesh names")
            token_env = entry.get("tokenEnv")
            if token_env is not None:
                token_env = self.string(token_env, f"{where}.tokenEnv")
                if not _ENV_NAME.match(token_env):
                    raise self.fail(f"{where}.tokenEnv", "must be the NAME of an environment variable (the token "
                                                         "itself never goes into this file)")
                token = (self.environ.get(token_env) or "").strip()
                if not token:
                    raise self.fail(f"{where}.tokenEnv", f"the environment variable {token_env} is not set (or "
                                                         "empty) on this server")
                if any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
                    raise self.fail(f"{where}.tokenEnv", f"the value of {token_env} holds characters a header "
                                                         "cannot carry")
                self.tokens[token_env] = token
            found.append(NamedKumaApi(name, url, ca_file, insecure, tuple(dict.fromkeys(meshes)), token_env))
        return tuple(found)

    def urls(self, value: Any, where: str) -> tuple[NamedUrl, ...]:
        found = []
        for name, entry in self.named(value, where).items():
            if isinstance(entry, dict):
                self.keys(entry, f"{where}.{name}", ("url",))
                entry = entry.get("url")
            found.append(NamedUrl(name, self.url(entry, f"{where}.{name}")))
        return tuple(found)

    def hosts(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail("urlHosts", "must be a list of host names (host, host:port or *.domain)")
        entries = []
        for i, entry in enumerate(value):
            text = entry.strip().lower() if isinstance(entry, str) else ""
            if not _HOST_ENTRY.match(text) or (":" in text and not 0 < int(text.rsplit(":", 1)[1]) < 65536):
                raise self.fail(f"urlHosts[{i}]", f"{entry!r} is not a host name, host:port or *.domain")
            entries.append(text)
        return tuple(dict.fromkeys(entries))


def _kubeconfig_contexts(path: str, fail: Callable[[str], ConfigError]) -> list[str]:
    try:
        with open(path, "rb") as fh:
            data = yaml.load(fh.read(MAX_CONFIG_BYTES * 8), Loader=_SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise fail(f"{path} is not a readable kubeconfig ({_yaml_problem(exc)})") from None
    contexts = data.get("contexts") if isinstance(data, dict) else None
    if not isinstance(contexts, list):
        raise fail(f"{path} has no contexts")
    return [c["name"] for c in contexts if isinstance(c, dict) and isinstance(c.get("name"), str)]
