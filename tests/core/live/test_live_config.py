"""The operator's named sources (MESDOCTOR_CONFIG): strict validation with errors naming file and key, specs
built only from the configuration, the shared dashboard's refusals and read policy, and the watcher URLs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.live import KubeSpec, KumaApiSpec, UrlSpec
from core.live import config as config_module
from core.live.config import IN_CLUSTER, ConfigError, load_sources
from core.live.guard import NetworkGuard
from core.live.policy import HostAllowlist, ReadPolicy
from core.settings import Settings, SettingsError, load_settings, watcher_sources
from tests.core.live.servers import kubeconfig


@pytest.fixture
def files(tmp_path: Path) -> Path:
    import yaml

    kc = kubeconfig("https://prod.example:6443")
    kc["contexts"].append({"name": "prod-eu-admin", "context": {"cluster": "fake", "user": "reader"}})
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(kc))
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    return tmp_path


def write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text))
    return {"MESDOCTOR_CONFIG": str(path), "KUMA_TOKEN_PROD": "tok-prod-Zz9", "KUBECONFIG": str(tmp_path / "kc")}


FULL = """
    kubernetes:
      credentialPluginTimeout: 12
      contexts:
        prod-eu:
          kubeconfig: kubeconfig          # relative to this file
          context: prod-eu-admin
        fake: {kubeconfig: kubeconfig}    # context defaults to the name
    kumaApis:
      global-cp:
        url: https://kuma-cp.kuma-system:5682/
        caFile: ca.pem
        meshes: [default, payments]
        tokenEnv: KUMA_TOKEN_PROD
      local-cp: http://localhost:5681
    manifestUrls:
      payments-repo: https://git.example.com/raw/mesh/payments.yaml
    urlHosts: [git.example.com, "*.raw.example.org", "Artifacts.example.com:8443"]
    watchers:
      eu-watcher: http://mesdoctor-watcher.kuma-system:8080
      us-watcher: {url: "https://watcher.us.example"}
    network: {allowLinkLocal: false}
    timeout: 7
"""


def test_a_full_configuration(files):
    env = write(files, FULL)
    sources = load_sources(env)
    assert sources.path == str(files / "config.yaml")
    assert [(c.name, c.kubeconfig, c.context) for c in sources.contexts] == [
        ("prod-eu", str(files / "kubeconfig"), "prod-eu-admin"), ("fake", str(files / "kubeconfig"), "fake")]
    api = sources.kuma_apis[0]
    assert (api.url, api.ca_file, api.meshes, api.token_env) == (
        "https://kuma-cp.kuma-system:5682", str(files / "ca.pem"), ("default", "payments"), "KUMA_TOKEN_PROD")
    assert sources.kuma_apis[1].url == "http://localhost:5681" and sources.kuma_apis[1].token_env is None
    assert sources.url_hosts == HostAllowlist(("git.example.com", "*.raw.example.org", "artifacts.example.com:8443"))
    assert [(w.name, w.url) for w in sources.watchers] == [
        ("eu-watcher", "http://mesdoctor-watcher.kuma-system:8080"), ("us-watcher", "https://watcher.us.example")]
    assert (sources.plugin_timeout, sources.timeout, sources.allow_link_local) == (12.0, 7.0, False)
    assert sources.kube_names() == ("prod-eu", "fake") and not sources.empty
    assert "tok-prod-Zz9" not in repr(sources)


def test_specs_come_from_the_configuration_only(files):
    sources = load_sources(write(files, FULL))
    spec = sources.kube_spec("prod-eu", system_namespace="kuma", search_other_namespaces=False)
    assert spec == KubeSpec(context="prod-eu-admin", kubeconfig=str(files / "kubeconfig"), system_namespace="kuma",
                            timeout=7.0, search_other_namespaces=False)
    kuma = sources.kuma_spec("global-cp")
    assert kuma.token == "tok-prod-Zz9" and kuma.ca_file == str(files / "ca.pem") and kuma.timeout == 7.0
    assert sources.url_spec("payments-repo") == UrlSpec("https://git.example.com/raw/mesh/payments.yaml", timeout=7.0)
    with pytest.raises(ValueError, match="no Kubernetes source named 'staging'"):
        sources.kube_spec("staging")
    with pytest.raises(ValueError, match="no Kuma API named"):
        sources.kuma_spec("prod-eu")
    with pytest.raises(ValueError):
        sources.kube_spec(IN_CLUSTER)  # not offered


def test_refusals_of_a_shared_dashboard(files):
    sources = load_sources(write(files, FULL))
    for name in ("prod-eu", "fake"):
        assert sources.refusal(sources.kube_spec(name)) is None
    assert sources.refusal(sources.kuma_spec("global-cp")) is None
    assert sources.refusal(sources.url_spec("payments-repo")) is None
    assert "contexts the operator configured" in sources.refusal(KubeSpec(kubeconfig=str(files / "kubeconfig"),
                                                                          context="unreachable"))
    assert "contexts the operator configured" in sources.refusal(KubeSpec())  # the server's own kubeconfig
    assert "in-cluster" in sources.refusal(KubeSpec(in_cluster=True))
    assert "control planes" in sources.refusal(KumaApiSpec("https://kuma-cp.kuma-system:5682"))  # no token
    stolen = KumaApiSpec("https://evil.example", token="tok-prod-Zz9")
    assert "control planes" in sources.refusal(stolen)
    insecure = KumaApiSpec("https://kuma-cp.kuma-system:5682", token="tok-prod-Zz9", insecure=True,
                           meshes=("default", "payments"))
    assert sources.refusal(insecure) is not None
    assert sources.refusal(UrlSpec("https://git.example.com/other.yaml")) is None  # an allowed host
    assert sources.refusal(UrlSpec("https://a.raw.example.org/x.yaml")) is None
    assert sources.refusal(UrlSpec("https://artifacts.example.com:8443/x.zip")) is None
    assert "not on a host the operator allows" in sources.refusal(UrlSpec("https://artifacts.example.com/x.zip"))
    assert "not on a host" in sources.refusal(UrlSpec("https://raw.example.org/x"))  # *.domain: below it only
    assert "not on a host" in sources.refusal(UrlSpec("http://169.254.169.254/latest/"))
    assert sources.refusal(UrlSpec("file:///etc/passwd")) == "enter an http:// or https:// URL"


def test_without_a_host_allowlist_only_named_urls(files):
    env = write(files, "manifestUrls: {a: 'https://x.example/a.yaml'}\n")
    sources = load_sources(env)
    assert sources.url_hosts is None
    assert sources.refusal(UrlSpec("https://x.example/b.yaml")) == "only the manifest URLs the operator configured " \
                                                                  "can be read"
    with pytest.raises(ValueError, match="only the manifest URLs"):
        sources.free_url_spec("https://x.example/b.yaml")


def test_the_shared_read_policy(files):
    sources = load_sources(write(files, FULL))
    base = ReadPolicy(guard=NetworkGuard(allow_link_local=True))
    kube_policy = sources.policy(sources.kube_spec("prod-eu"), base)
    assert kube_policy.echo_bodies is False and kube_policy.interactive is False
    assert kube_policy.plugin_timeout == 12.0 and kube_policy.guard is base.guard
    assert kube_policy.plugin_contexts == frozenset({(str(files / "kubeconfig"), "prod-eu-admin"),
                                                     (str(files / "kubeconfig"), "fake")})
    assert sources.policy(sources.url_spec("payments-repo"), base).url_hosts is None  # the operator's own URL
    free = sources.policy(UrlSpec("https://git.example.com/x.yaml"), base)
    assert free.url_hosts == sources.url_hosts  # every redirect of a visitor's URL stays on the allowed hosts


@pytest.mark.parametrize(("text", "expected"), [
    ("kumaApis: [a]\n", "kumaApis: must be a mapping of names to sources"),
    ("colour: blue\n", "colour: unknown key (allowed: kubernetes, kumaApis"),
    ("kubernetes: {context: {}}\n", "kubernetes.context: unknown key"),
    ("kumaApis: {'bad name': http://x}\n", "kumaApis.bad name: a name has 1-63 letters"),
    ("kumaApis: {a: {url: ftp://x}}\n", "kumaApis.a.url: must be an http:// or https:// URL"),
    ("kumaApis: {a: {url: 'http://u:p@x'}}\n", "must not embed credentials"),
    ("kumaApis: {a: {url: 'http://x?q=1'}}\n", "must not have a query"),
    ("kumaApis: {a: {url: 'http://x', token: abc}}\n", "kumaApis.a.token: unknown key"),
    ("kumaApis: {a: {url: 'http://x', tokenEnv: 'not a name'}}\n", "must be the NAME of an environment variable"),
    ("kumaApis: {a: {url: 'http://x', tokenEnv: UNSET_TOKEN_VAR}}\n", "UNSET_TOKEN_VAR is not set"),
    ("kumaApis: {a: {url: 'http://x', caFile: missing.pem}}\n", "kumaApis.a.caFile: no file at"),
    ("kumaApis: {a: {url: 'http://x', caFile: ca.pem, insecure: true}}\n", "exclude each other"),
    ("kumaApis: {a: {url: 'http://x', insecure: 'yes'}}\n", "kumaApis.a.insecure: must be true or false"),
    ("kumaApis: {a: {url: 'http://x', meshes: default}}\n", "kumaApis.a.meshes: must be a list of mesh names"),
    ("kubernetes: {contexts: {prod: {kubeconfig: nope}}}\n", "kubernetes.contexts.prod.kubeconfig: no file at"),
    ("kubernetes: {contexts: {prod: {kubeconfig: kubeconfig, context: staging}}}\n",
     "no context 'staging' in"),
    ("kubernetes: {contexts: {in-cluster: {kubeconfig: kubeconfig}}}\n", "is the name of the pod's service account"),
    ("kubernetes: {contexts: {prod: {kubeconfig: kubeconfig, user: x}}}\n", "prod.user: unknown key"),
    ("kubernetes: {inCluster: true}\n", "does not run in a pod"),
    ("kubernetes: {credentialPluginTimeout: 0}\n", "must be a number of seconds"),
    ("timeout: 1000\n", "timeout: must be a number of seconds, more than 0 and at most 300"),
    ("urlHosts: git.example.com\n", "urlHosts: must be a list"),
    ("urlHosts: ['https://git.example.com']\n", "urlHosts[0]: 'https://git.example.com' is not a host name"),
    ("urlHosts: ['git.example.com:99999']\n", "is not a host name"),
    ("urlHosts: ['*']\n", "is not a host name"),
    ("network: {allowLinkLocal: 1}\n", "network.allowLinkLocal: must be true or false"),
    ("manifestUrls: {a: 'https://x', a: 'https://y'}\n", "duplicate key 'a' (line 1)"),
    ("kumaApis:\n  a: http://x\n  a: http://y\n", "duplicate key 'a' (line 3)"),
    ("kumaApis: {a: [\n", "not valid YAML"),
    ("- a\n", "the file must hold a mapping"),
])
def test_invalid_configurations_name_the_key(files, text, expected):
    env = write(files, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(env)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_or_empty_file(tmp_path):
    with pytest.raises(ConfigError, match=r"MESDOCTOR_CONFIG=.*: no such file"):
        load_sources({"MESDOCTOR_CONFIG": str(tmp_path / "nope.yaml")})
    (tmp_path / "empty.yaml").write_text("# nothing configured yet\n")
    assert load_sources({"MESDOCTOR_CONFIG": str(tmp_path / "empty.yaml")}).empty
    assert load_sources({}).empty


def test_in_cluster_is_offered_only_in_a_pod(files, monkeypatch):
    monkeypatch.setattr(config_module, "in_cluster_available", lambda: True)
    sources = load_sources(write(files, "kubernetes: {inCluster: true}\n"))
    assert sources.kube_names() == (IN_CLUSTER,)
    assert sources.kube_spec(IN_CLUSTER).in_cluster and sources.refusal(KubeSpec(in_cluster=True)) is None


def test_the_default_kubeconfig_is_the_servers(files, monkeypatch):
    env = write(files, "kubernetes: {contexts: {fake: {}}}\n")
    env["KUBECONFIG"] = str(files / "kubeconfig")
    assert load_sources(env).contexts[0].kubeconfig == str(files / "kubeconfig")


def test_allow_link_local_from_the_environment_overrides_the_file(files):
    env = write(files, "network: {allowLinkLocal: true}\n")
    assert load_sources(env).allow_link_local
    assert not load_sources({**env, "MESDOCTOR_ALLOW_LINK_LOCAL": "no"}).allow_link_local
    assert load_sources({"MESDOCTOR_ALLOW_LINK_LOCAL": "Yes"}).allow_link_local
    with pytest.raises(ConfigError, match="MESDOCTOR_ALLOW_LINK_LOCAL='maybe' is not yes or no"):
        load_sources({"MESDOCTOR_ALLOW_LINK_LOCAL": "maybe"})


def test_settings_carry_the_sources_and_the_watchers(files):
    env = write(files, FULL)
    settings = load_settings({**env, "MESDOCTOR_MODE": "shared"})
    assert settings.shared and settings.sources.kuma_names() == ("global-cp", "local-cp")
    assert [w.name for w in watcher_sources(settings)] == ["eu-watcher", "us-watcher"]
    assert watcher_sources(Settings()) == ()
    with pytest.raises(SettingsError, match=r"kumaApis\.a\.url"):
        load_settings(write(files, "kumaApis: {a: {url: ftp://x}}\n"))


def test_host_allowlist_matching():
    hosts = HostAllowlist(("git.example.com", "*.raw.example.org", "artifacts.example.com:8443", "10.0.0.5"))
    assert hosts.allows("https", "GIT.example.com.", None) and hosts.allows("https", "git.example.com", 443)
    assert not hosts.allows("https", "git.example.com", 8443) and not hosts.allows("http", "git.example.com", 443)
    assert hosts.allows("http", "git.example.com", None)  # http's default port
    assert hosts.allows("https", "a.b.raw.example.org", None) and not hosts.allows("https", "raw.example.org", None)
    assert not hosts.allows("https", "evilraw.example.org", None)
    assert hosts.allows("https", "artifacts.example.com", 8443) and not hosts.allows("https", "artifacts.example.com",
                                                                                     None)
    assert hosts.allows("http", "10.0.0.5", None) and not hosts.allows("http", "10.0.0.6", None)
