"""The MeshIdentity / mesh-scoped zone proxy version gate (MES401, MES408-MES412, MES904).

Behaviour read from release-2.12 / release-2.13 / release-2.14 / master:
pkg/xds/generator/zone_proxy_listener_generator.go (2.14+ only), pkg/xds/context/mesh_context_builder.go
(`resolveZoneEgresses`, 2.14+), pkg/xds/sync/egress_proxy_builder.go (ZoneEgress: mTLS meshes only),
pkg/core/resources/apis/meshidentity/status/updater.go (`MeshServicesDisabled`, 2.12-2.14).
"""

from __future__ import annotations

import pytest

from tests.core.neighbours.helpers import (
    EGRESS_DP,
    MES_HTTPBIN,
    MTLS_MESH,
    ZONE_EGRESS,
    client,
    codes,
    found,
    identity,
    mesh,
    run,
)

EXCLUSIVE = mesh("{meshServices: {mode: Exclusive}}")
WEB = client("web-1", "shop", "{app: web}")


@pytest.mark.parametrize("version", ["2.12", "2.13"])
def test_before_2_14_a_mesh_without_mtls_stays_unserved_even_with_identities(version):
    """2.12/2.13 know MeshIdentity but have no zone-proxy listeners: only the ZoneEgress serves, mTLS meshes only."""
    report = run(EXCLUSIVE, identity(), EGRESS_DP, WEB, ZONE_EGRESS, MES_HTTPBIN, version=version)
    assert "MES401" in codes(report)
    assert not report.services[0].included
    assert codes(report).isdisjoint({"MES408", "MES409", "MES410", "MES411", "MES412"})


def test_2_14_mesh_scoped_zone_egress_serves_a_mesh_without_mtls():
    report = run(EXCLUSIVE, identity(), EGRESS_DP, WEB, MES_HTTPBIN, version="2.14")
    assert "MES401" not in codes(report)
    service = report.services[0]
    assert service.included, [f.code for f in service.findings]
    assert codes(report).isdisjoint({"MES408", "MES409", "MES410", "MES411", "MES412"})


def test_2_14_with_only_a_standalone_zone_egress_keeps_mes401():
    report = run(EXCLUSIVE, identity(), WEB, ZONE_EGRESS, MES_HTTPBIN, version="2.14")
    assert "MES401" in codes(report) and not report.services[0].included


def test_2_14_not_ready_egress_listener_does_not_count():
    not_ready = EGRESS_DP.replace("port: 10002}", "port: 10002, state: NotReady}")
    assert "MES401" in codes(run(EXCLUSIVE, identity(), not_ready, MES_HTTPBIN, version="2.14"))


@pytest.mark.parametrize(("version", "mode", "fires"), [
    ("2.14", "Everywhere", True),
    ("2.14", "Exclusive", False),
    ("3.0", "Everywhere", False),  # 3.0 dropped the condition (UPGRADE.md 3.0)
])
def test_exclusive_mode(version, mode, fires):
    report = run(mesh(f"{{meshServices: {{mode: {mode}}}}}"), identity(), EGRESS_DP, WEB, MES_HTTPBIN,
                 version=version)
    assert ("MES408" in codes(report)) is fires
    if fires:
        [finding] = found(report, "MES408")
        assert "skipping zone proxy listeners: MeshServices must be in Exclusive mode" in finding.message
        assert finding.path == "spec.meshServices.mode"
        # one cause: the identity checks downstream stay quiet
        assert codes(report).isdisjoint({"MES409", "MES410", "MES411"})


def test_mode_unset_is_disabled_on_2_14():
    assert "MES408" in codes(run(mesh(), identity(), EGRESS_DP, MES_HTTPBIN, version="2.14"))


@pytest.mark.parametrize("version", ["2.14", "3.0"])
def test_zone_egress_without_identity(version):
    only_clients = identity("{app: web}")
    report = run(EXCLUSIVE, only_clients, EGRESS_DP, WEB, MES_HTTPBIN, version=version)
    [finding] = found(report, "MES409")
    assert "skipping zone egress listener: WorkloadIdentity is required for egress mTLS" in finding.message
    assert "no MeshIdentity selects it" in finding.message
    fixed = run(EXCLUSIVE, only_clients, identity("{app: zone-proxy}", name="egress"), EGRESS_DP, WEB, MES_HTTPBIN,
                version=version)
    assert "MES409" not in codes(fixed)


def test_uninitialised_identity_gives_no_identity():
    status = "status:\n  conditions: [{type: Ready, status: 'False', reason: ProviderInitializationError}]\n"
    report = run(identity(status=status), EGRESS_DP, WEB, MES_HTTPBIN, version="3.0")
    assert "MES409" in codes(report) and "MES410" in codes(report)
    assert "not initialised (Ready: ProviderInitializationError)" in found(report, "MES409")[0].message
    ready = "status:\n  conditions: [{type: Ready, status: 'True', reason: Ready}]\n"
    assert codes(run(identity(status=ready), EGRESS_DP, WEB, MES_HTTPBIN, version="3.0")).isdisjoint(
        {"MES409", "MES410"})


def test_selector_without_dataplane_selects_nothing_and_empty_match_labels_select_all():
    nothing = identity().replace("selector: {dataplane: {matchLabels: {}}}", "selector: {}")
    assert {"MES409", "MES410"} <= codes(run(nothing, EGRESS_DP, WEB, MES_HTTPBIN, version="3.0"))
    assert codes(run(identity(), EGRESS_DP, WEB, MES_HTTPBIN, version="3.0")).isdisjoint({"MES409", "MES410"})


def test_clients_without_identity_none_and_some():
    egress_only = identity("{app: zone-proxy}")
    report = run(egress_only, EGRESS_DP, WEB, MES_HTTPBIN, version="3.0")
    [none] = found(report, "MES410")
    assert "None of the 1 client proxies" in none.message and "cluster_not_found" in none.message
    batch = client("batch-1", "jobs", "{app: batch}")
    partial = run(identity("{team: shop}"), EGRESS_DP.replace("{app: zone-proxy}", "{app: zone-proxy, team: shop}"),
                  client("web-1", "shop", "{app: web, team: shop}"), batch, MES_HTTPBIN, version="3.0")
    [some] = found(partial, "MES411")
    assert "1 of the 2 client proxies" in some.message and "batch-1.jobs" in some.message
    assert "web-1" not in some.message and "MES410" not in codes(partial)


def test_2_14_clients_without_identity_keep_the_legacy_path():
    report = run(EXCLUSIVE, identity("{app: zone-proxy}"), EGRESS_DP, WEB, MES_HTTPBIN, version="2.14")
    assert "legacy mTLS path" in found(report, "MES410")[0].message


def test_best_match_prefers_more_labels_then_the_lower_name():
    """An uninitialised identity that selects more labels wins over an initialised catch-all one."""
    broken = "status:\n  conditions: [{type: Ready, status: 'False', reason: Pending}]\n"
    specific = identity("{app: web}", name="b-specific", status=broken)
    report = run(identity("{}", name="a-all"), specific, EGRESS_DP, WEB, MES_HTTPBIN, version="3.0")
    [finding] = found(report, "MES410")
    assert "b-specific is not initialised" in finding.message


def test_no_identity_at_all_is_a_finding_only_when_known():
    unknown = run(EGRESS_DP, WEB, MES_HTTPBIN, version="3.0")
    assert "MES412" not in codes(unknown)
    assert "no MeshIdentity in mesh(es) default" in found(unknown, "MES904")[0].message
    complete = run(EGRESS_DP, WEB, MES_HTTPBIN, version="3.0", complete=True)
    [finding] = found(complete, "MES412")
    assert "the input is marked complete" in finding.message
    # the note no longer lists MeshIdentity (known now); it still says what else is missing
    assert all("MeshIdentity in" not in f.message for f in found(complete, "MES904"))


def test_identity_checks_need_an_identity_path():
    """2.14 with mesh mTLS and a ZoneEgress resource: the legacy path, nothing about identities."""
    report = run(MTLS_MESH, ZONE_EGRESS, WEB, MES_HTTPBIN, version="2.14", complete=True)
    assert codes(report).isdisjoint({"MES408", "MES409", "MES410", "MES411", "MES412", "MES904"})
    assert report.services[0].included
