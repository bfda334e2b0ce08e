"""MeshTrafficPermission on the zone egress (MES610-MES612) and policies with `to` entries of kind
MeshExternalService (MES620, MES621), per version.

Behaviour read from <release-2.9|release-2.14|master>:pkg/plugins/policies/meshtrafficpermission/plugin/v1alpha1/
plugin.go, master:pkg/plugins/policies/meshtrafficpermission/xds/rbac_configurer.go (deny first, no match denies),
release-2.14:pkg/plugins/policies/core/matchers/dataplane.go (listener selection by sectionName, namespace rule),
<branch>:pkg/plugins/policies/{meshcircuitbreaker,meshhealthcheck,meshtimeout,meshretry}/api/v1alpha1/validator.go.
"""

from __future__ import annotations

import pytest

from tests.core.neighbours.helpers import EGRESS_DP, MES_HTTPBIN, client, codes, found, identity, run

SNI = "sni.extsvc.default.default.kuma-system.httpbin.80"
WEB = client("web-1", "shop", "{app: web, k8s.kuma.io/service-account: web}")
BATCH = client("batch-1", "jobs", "{app: batch, k8s.kuma.io/service-account: batch}")
WEB_ID = "spiffe://default.default.mesh.local/ns/shop/sa/web"


def mtp(rules: str, target: str = "{kind: Dataplane, labels: {app: zone-proxy}}", namespace: str = "kuma-system",
        name: str = "egress") -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshTrafficPermission
metadata: {{name: {name}, namespace: {namespace}, labels: {{kuma.io/mesh: default}}}}
spec:
  targetRef: {target}
  rules:
    - default: {rules}
"""


def egress_run(*docs: str, version: str = "3.0", **kw):
    return run(identity(), EGRESS_DP, MES_HTTPBIN, *docs, version=version, **kw)


def test_sni_allow_lets_every_client_through():
    report = egress_run(mtp(f"{{allow: [{{sni: {{type: Exact, value: {SNI}}}}}]}}"), WEB, BATCH)
    assert codes(report).isdisjoint({"MES610", "MES611"})


def test_spiffe_allow_for_one_client_denies_the_other():
    report = egress_run(mtp(f'{{allow: [{{spiffeID: {{type: Exact, value: "{WEB_ID}"}}}}]}}'), WEB, BATCH)
    [finding] = found(report, "MES611")
    assert "batch-1.jobs" in finding.message and "web-1" not in finding.message


def test_prefix_spiffe_allow():
    prefix = '{allow: [{spiffeID: {type: Prefix, value: "spiffe://default.default.mesh.local/ns/"}}]}'
    assert codes(egress_run(mtp(prefix), WEB, BATCH)).isdisjoint({"MES610", "MES611"})


def test_deny_wins_over_allow():
    rules = (f'{{deny: [{{spiffeID: {{type: Exact, value: "{WEB_ID}"}}}}], '
             f'allow: [{{sni: {{type: Exact, value: {SNI}}}}}]}}')
    report = egress_run(mtp(rules), WEB)
    [finding] = found(report, "MES610")
    assert "web-1.shop" in finding.message


def test_sni_and_spiffe_in_one_entry_are_both_required():
    rules = f'{{allow: [{{sni: {{type: Exact, value: {SNI}}}, spiffeID: {{type: Exact, value: "{WEB_ID}"}}}}]}}'
    report = egress_run(mtp(rules), WEB, BATCH)
    assert "batch-1.jobs" in found(report, "MES611")[0].message


def test_no_rule_is_deny_by_default_but_only_when_mtps_are_known():
    assert codes(egress_run(WEB)).isdisjoint({"MES610", "MES611"})  # no MTP in the input: the MES904 note
    other = mtp("{allow: [{sni: {type: Exact, value: sni.extsvc.default.default.kuma-system.other.443}}]}")
    [finding] = found(egress_run(other), "MES610")  # no client in the input: can anyone get through?
    assert "denies every connection for httpbin.kuma-system" in finding.message
    assert f"value: {SNI}" in finding.fix


def test_section_name_must_name_the_listener():
    allow = f"{{allow: [{{sni: {{type: Exact, value: {SNI}}}}}]}}"
    wrong = mtp(allow, target="{kind: Dataplane, labels: {app: zone-proxy}, sectionName: ingress}")
    assert "no MeshTrafficPermission selects the zone-egress listener" in found(egress_run(wrong, WEB),
                                                                                "MES610")[0].message
    right = mtp(allow, target="{kind: Dataplane, labels: {app: zone-proxy}, sectionName: egress}")
    assert "MES610" not in codes(egress_run(right, WEB))


def test_policy_in_an_application_namespace_does_not_select_the_egress():
    allow = f"{{allow: [{{sni: {{type: Exact, value: {SNI}}}}}]}}"
    assert "MES610" in codes(egress_run(mtp(allow, target="{kind: Mesh}", namespace="shop"), WEB))
    assert "MES610" not in codes(egress_run(mtp(allow, target="{kind: Mesh}"), WEB))


def test_2_14_mesh_scoped_egress_is_deny_by_default_too_but_not_the_zone_egress_resource():
    exclusive = ("apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}\n"
                 "spec: {meshServices: {mode: Exclusive}}\n")
    other = mtp("{allow: [{sni: {type: Exact, value: nothing}}]}")
    assert "MES610" in codes(egress_run(exclusive, other, WEB, version="2.14"))
    legacy_mesh = ("apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}\n"
                   "spec: {mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}}\n")
    zone_egress = ("apiVersion: kuma.io/v1alpha1\nkind: ZoneEgress\nmetadata: {name: ze, namespace: kuma-system}\n"
                   "spec: {networking: {address: 10.0.0.9, port: 10002}}\n")
    assert "MES610" not in codes(run(legacy_mesh, zone_egress, MES_HTTPBIN, other, WEB, version="2.14"))


@pytest.mark.parametrize(("version", "message"), [
    ("2.9", "value is not supported"),
    ("2.13", "value 'MeshExternalService' is not supported"),
    ("3.0", "value 'MeshExternalService' is not supported"),
])
def test_mtp_cannot_target_an_mes(version, message):
    policy = mtp("{allow: [{spiffeID: {type: Prefix, value: 'spiffe://default/'}}]}",
                 target="{kind: MeshExternalService, name: httpbin}")
    [finding] = found(run(policy, MES_HTTPBIN, version=version), "MES612")
    assert f"`spec.targetRef.kind: {message}`" in finding.message
    # what governs MES access instead: the mesh-scoped egress's MTP from 2.14, the Mesh-wide switch before
    assert ("zone-egress Dataplane" in finding.message) is (version == "3.0")
    assert ("defaultForbidMeshExternalServiceAccess" in finding.message) is (version != "3.0")


def circuit_breaker(top: str = "{kind: Mesh}", target: str = "{kind: MeshExternalService, name: httpbin}") -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshCircuitBreaker
metadata: {{name: cb, namespace: kuma-system, labels: {{kuma.io/mesh: default}}}}
spec:
  targetRef: {top}
  to:
    - targetRef: {target}
      default: {{outlierDetection: {{disabled: false}}}}
"""


@pytest.mark.parametrize(("version", "messages"), [
    ("2.9", ["value is not supported"]),
    ("2.13", ["value 'MeshExternalService' is not supported"]),
    ("2.14", []),
    ("3.0", []),
])
def test_circuit_breaker_to_an_mes(version, messages):
    target = ("{kind: MeshExternalService, labels: {kuma.io/display-name: httpbin}}" if version == "3.0"
              else "{kind: MeshExternalService, name: httpbin}")
    report = run(circuit_breaker(target=target), MES_HTTPBIN, version=version)
    assert [f.message.split("`")[1] for f in found(report, "MES620")] == [
        f"spec.to[0].targetRef.kind: {m}" for m in messages]


def test_circuit_breaker_to_an_mes_from_a_non_mesh_top_before_2_14():
    report = run(circuit_breaker(top="{kind: Dataplane, labels: {app: web}}"), MES_HTTPBIN, version="2.13")
    texts = sorted(f.message.split("`")[1] for f in found(report, "MES620"))
    assert texts == [
        "spec.to[0].targetRef.kind: kind MeshExternalService is only allowed with targetRef.kind: Mesh as it is "
        "configured on the Zone Egress and shared by all clients in the mesh",
        "spec.to[0].targetRef.kind: value 'MeshExternalService' is not supported",
    ]
    assert "MES620" not in codes(run(circuit_breaker(top="{kind: Dataplane, labels: {app: web}}"), MES_HTTPBIN,
                                     version="2.14"))


def test_health_check_follows_the_circuit_breaker_lists():
    health = circuit_breaker().replace("MeshCircuitBreaker", "MeshHealthCheck").replace(
        "{outlierDetection: {disabled: false}}", "{interval: 10s}")
    assert "MES620" in codes(run(health, MES_HTTPBIN, version="2.12"))
    assert "MES620" not in codes(run(health, MES_HTTPBIN, version="2.14"))


@pytest.mark.parametrize("version", ["2.9", "2.14", "3.0"])
def test_timeout_to_an_mes_is_accepted_and_must_select_one(version):
    ref = ("{kind: MeshExternalService, labels: {kuma.io/display-name: httpbin}}" if version == "3.0"
           else "{kind: MeshExternalService, name: httpbin}")
    timeout = f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshTimeout
metadata: {{name: t, namespace: kuma-system, labels: {{kuma.io/mesh: default}}}}
spec:
  targetRef: {{kind: Mesh}}
  to: [{{targetRef: {ref}, default: {{connectionTimeout: 2s}}}}]
"""
    assert codes(run(timeout, MES_HTTPBIN, version=version)).isdisjoint({"MES620", "MES621"})
    [missing] = found(run(timeout.replace("httpbin", "httpbn"), MES_HTTPBIN, version=version), "MES621")
    assert "has no effect" in missing.message


def test_retry_on_3_0_needs_labels():
    retry = """\
apiVersion: kuma.io/v1alpha1
kind: MeshRetry
metadata: {name: r, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  to: [{targetRef: {kind: MeshExternalService, name: httpbin}, default: {http: {numRetries: 3}}}]
"""
    assert "labels: must be set when kind is MeshExternalService" in found(
        run(retry, MES_HTTPBIN, version="3.0"), "MES620")[0].message
    assert "MES620" not in codes(run(retry, MES_HTTPBIN, version="2.14"))


def test_listed_permissions_with_none_on_the_egress_is_deny():
    """A live source listed MeshTrafficPermissions and found none: the egress denies by default (a fact)."""
    from core.model import Kind, LoadResult

    listed = LoadResult(listed_kinds=frozenset({Kind.MESH_TRAFFIC_PERMISSION}))
    [finding] = found(egress_run(preloaded=listed), "MES610")
    assert "no MeshTrafficPermission selects the zone-egress listener" in finding.message
    assert "MES610" not in codes(egress_run())  # not listed, not in the input: the MES904 note instead
