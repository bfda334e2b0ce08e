"""deploy/: `kubectl kustomize` of the base and the example overlay, every object validated against the Kubernetes
OpenAPI schemas (kubernetes-validate, strict: no unknown field), and what an operator relies on: non-root and
read-only root filesystems, requests and limits, probes on the watcher's endpoints, the read-only RBAC of
docs/rbac/, NetworkPolicies, the ServiceMonitor that the rules' job name expects, and the dashboard reading the
watcher by name."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from core.cli import build_parser
from tests.deploy.tools import tool

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
CUSTOM = {"ServiceMonitor", "PrometheusRule"}  # Prometheus operator kinds: checked below, not by the core schemas


@functools.cache
def build(path: str) -> tuple[dict[str, Any], ...]:
    done = subprocess.run([tool("kubectl"), "kustomize", str(ROOT / path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def find(objects: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)}"
    return found[0]


@pytest.mark.parametrize("path", ["deploy/base", "deploy/overlays/example"])
@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_is_valid(path, version):
    objects = build(path)
    assert objects
    for obj in objects:
        if obj["kind"] in CUSTOM:
            continue
        kubernetes_validate.validate(obj, version, strict=True)


def test_validation_catches_a_mistake():
    deployment = yaml.safe_load(yaml.safe_dump(find(build("deploy/base"), "Deployment", "mesdoctor-watcher")))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


@pytest.mark.parametrize("name", ["mesdoctor-watcher", "mesdoctor-dashboard"])
def test_pods_are_locked_down(name):
    spec = find(build("deploy/overlays/example"), "Deployment", name)["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["image"] == "registry.example.com/platform/mes-doctor:0.1.0"
        assert {"livenessProbe", "readinessProbe", "startupProbe"} <= set(container)
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])  # the only writable place


def test_the_watcher_runs_watch_in_cluster_with_probes_on_its_endpoints():
    objects = build("deploy/overlays/example")
    pod = find(objects, "Deployment", "mesdoctor-watcher")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    command = container["command"]
    assert command[:3] == ["mesdoctor", "watch", "--in-cluster"]
    args = build_parser().parse_args(command[1:])  # the command line parses
    assert args.listen == ":9469" and args.interval == 60 and args.watcher_name == "eu-west-1"
    assert args.dashboard_url == "https://mesdoctor.example.com"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["ports"] == [{"name": "metrics", "containerPort": 9469, "protocol": "TCP"}]
    assert pod["serviceAccountName"] == "mes-doctor"
    service = find(objects, "Service", "mesdoctor-watcher")
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "mesdoctor-watcher"}


def test_the_dashboard_needs_no_credentials_and_reads_the_watcher_by_name():
    objects = build("deploy/overlays/example")
    pod = find(objects, "Deployment", "mesdoctor-dashboard")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["MESDOCTOR_MODE"] == "shared" and env["MESDOCTOR_CONFIG"] == "/etc/mesdoctor/config.yaml"
    volume = next(v for v in pod["volumes"] if v["name"] == "config")
    config_map = find(objects, "ConfigMap", volume["configMap"]["name"])
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert config["watchers"] == {"eu-west-1": "http://mesdoctor-watcher.mes-doctor.svc:9469"}
    bindings = [o for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")]
    assert all(s["name"] != "mesdoctor-dashboard" for b in bindings for s in b["subjects"])


def test_the_dashboard_config_is_accepted_by_the_settings_loader(tmp_path):
    from core.live.config import load_sources

    config_map = next(o for o in build("deploy/overlays/example") if o["kind"] == "ConfigMap")
    path = tmp_path / "config.yaml"
    path.write_text(config_map["data"]["config.yaml"])
    loaded = load_sources({"MESDOCTOR_CONFIG": str(path)})
    assert [(w.name, w.url) for w in loaded.watchers] == [("eu-west-1", "http://mesdoctor-watcher.mes-doctor.svc:9469")]


def test_rbac_is_the_read_only_rbac_of_docs():
    documented = [d for d in yaml.safe_load_all((ROOT / "docs/rbac/mes-doctor-reader.yaml").read_text()) if d]
    built = build("deploy/base")
    for doc in documented:
        obj = find(built, doc["kind"], doc["metadata"]["name"])
        for key in ("rules", "roleRef", "subjects"):
            assert obj.get(key) == doc.get(key), (doc["kind"], key)
        assert obj["metadata"].get("namespace") == doc["metadata"].get("namespace")
    verbs = {v for o in built if o["kind"] in ("Role", "ClusterRole") for r in o["rules"] for v in r["verbs"]}
    assert verbs <= {"get", "list"}


def test_network_policies_admit_only_the_dashboard_and_prometheus():
    objects = build("deploy/base")
    watcher = find(objects, "NetworkPolicy", "mesdoctor-watcher")["spec"]
    assert watcher["policyTypes"] == ["Ingress", "Egress"]
    sources = watcher["ingress"][0]["from"]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mesdoctor-dashboard"}}} in sources
    assert watcher["ingress"][0]["ports"] == [{"port": 9469, "protocol": "TCP"}]
    dashboard = find(objects, "NetworkPolicy", "mesdoctor-dashboard")["spec"]
    assert dashboard["policyTypes"] == ["Ingress", "Egress"]
    assert {"port": 9469, "protocol": "TCP"} in dashboard["egress"][1]["ports"]


def test_service_monitor_and_prometheus_rule():
    objects = build("deploy/overlays/example")
    monitor = find(objects, "ServiceMonitor", "mesdoctor-watcher")
    service = find(objects, "Service", "mesdoctor-watcher")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [service["metadata"]["namespace"]]
    endpoint = monitor["spec"]["endpoints"][0]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"] and endpoint["path"] == "/metrics"
    assert endpoint["honorLabels"] is True  # the MES's namespace label wins over the target's
    # the rules' MESDoctorWatcherDown expects job="mesdoctor-watcher": the Service's name, the job without jobLabel
    assert "jobLabel" not in monitor["spec"] and service["metadata"]["name"] == "mesdoctor-watcher"
    rules = find(objects, "PrometheusRule", "mesdoctor")
    expected = yaml.safe_load((ROOT / "deploy/prometheus/rules.yaml").read_text())["groups"]
    assert rules["spec"]["groups"] == expected
    assert "ServiceMonitor" not in {o["kind"] for o in build("deploy/base")}  # the base needs no operator
