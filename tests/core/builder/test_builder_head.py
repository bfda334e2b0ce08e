"""Kuma 3.0 specifics of the builder: MES without endpoints, destination tags, zone-egress Dataplanes,
and the MeshIdentity / MeshTrafficPermission note (reference 4.2, 4.3, 5.1, 5.5)."""

from __future__ import annotations

from typing import Any

import pytest

from core.builder import build
from core.model import Finding, Flavour, Kind, ReferenceStatus, Resource
from core.versions import KumaVersion
from tests.factories import context, mes, mesh_resource, origin

from .helpers import client_tls, ref, resource, set_refs, zone_egress
from .test_builder_checks import codes, run

V = KumaVersion.parse
NO_ENDPOINTS = {"match": {"port": 80, "protocol": "tcp"}}


def egress_dp(name: str = "ze-dp", mesh: str = "default", *, zone: str | None = None, state: Any = None,
              flavour: Flavour = Flavour.UNIVERSAL, listener_type: str = "ZoneEgress") -> Resource:
    """A 3.0 zone egress: a Dataplane with a `ZoneEgress` listener (state omitted = Ready)."""
    listener: dict[str, Any] = {"type": listener_type, "address": "10.0.0.9", "port": 10002, "name": "ze-port"}
    if state is not None:
        listener["state"] = state
    labels = {"kuma.io/zone": zone} if zone else {}
    return Resource(kind=Kind.DATAPLANE, flavour=flavour, name=name, origin=origin(f"{name}.yaml"),
                    mesh=mesh, namespace="kuma-system" if flavour is Flavour.KUBERNETES else None, labels=labels,
                    spec={"networking": {"address": "10.0.0.9", "listeners": [listener]}})


def found(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


# --- MES with zero endpoints ---------------------------------------------------------------------


def test_3_0_egress_skips_an_mes_without_endpoints() -> None:
    empty = mes("empty", NO_ENDPOINTS)
    served = mes("served")
    ctx = context(empty, served, version="3.0")
    emap = build(ctx, V("3.0"))
    excl = emap.excluded[empty.key]
    assert (excl.reason, excl.code) == ("no-endpoints", "MES518")
    assert excl.destination is not None and excl.destination.endpoints == ()  # names kept for grepping
    assert list(emap.included) == [served.key]


@pytest.mark.parametrize("version", ["2.9", "2.11", "2.12", "2.14"])
def test_before_3_0_an_mes_without_endpoints_stays_included(version: str) -> None:
    empty = mes("empty", NO_ENDPOINTS)
    emap = build(context(empty, version=version), V(version))
    assert emap.included[empty.key].endpoints == () and empty.key not in emap.excluded


def test_tls_failure_is_reported_before_missing_endpoints() -> None:
    """kuma-cp loads the TLS material first: a failing MES without endpoints is a TLS failure."""
    spec = {**client_tls("c", "k"), "endpoints": []}
    bad = mes("bad", spec)
    ctx = context(bad, version="3.0")
    set_refs(ctx, bad, ref(bad, "clientCert", "c", ReferenceStatus.NOT_FOUND))
    assert build(ctx, V("3.0")).excluded[bad.key].reason == "tls-load-failed"


def test_mes518_names_the_egress_sni_and_an_unhandled_extension() -> None:
    ext = mes("ext", {"match": {"port": 80, "protocol": "tcp"}, "extension": {"type": "Lambda", "config": {}}})
    f = found(run(context(mesh_resource(spec={}), ext, version="3.0")), "MES518")[0]
    assert f.path == "spec.endpoints" and "sni.extsvc.default." in f.message
    assert "`extension` adds no endpoints" in f.message and f.fix.startswith("spec:\n  endpoints:")
    assert f.severity == "warning" and f.stage == "control-plane"
    assert "MES518" not in codes(run(context(ext, version="2.14")))


# --- destination tags ----------------------------------------------------------------------------


def test_tags_are_the_labels_plus_mesh_only_before_3_0() -> None:
    svc = mes("svc", labels={"team": "payments"})
    ctx = context(svc, version="3.0")
    legacy = build(ctx, V("2.14")).included[svc.key].tags
    head = build(ctx, V("3.0")).included[svc.key].tags
    assert legacy["mesh"] == "default" and legacy["team"] == "payments"
    assert "mesh" not in head and head["team"] == "payments" and head["kuma.io/mesh"] == "default"
    assert {k: v for k, v in legacy.items() if k != "mesh"} == head


# --- zone egress on 3.0: mesh-scoped Dataplane listeners -----------------------------------------


def test_ready_egress_listener_in_the_zone_satisfies_3_0() -> None:
    for egress in (egress_dp(), egress_dp(state="Ready", zone="default"), egress_dp(state=0),
                   egress_dp(flavour=Flavour.KUBERNETES)):
        findings = run(context(mes("svc"), egress, version="3.0"))
        assert not found(findings, "MES404") and not found(findings, "MES903"), egress


def test_not_ready_egress_listener_is_an_error_on_3_0() -> None:
    a, b = mes("a"), mes("b")
    findings = run(context(a, b, egress_dp(state="NotReady"), version="3.0"))
    hits = found(findings, "MES404")
    assert [f.resource.name for f in hits if f.resource] == ["a", "b"]
    assert "not Ready" in hits[0].message and hits[0].related[0].name == "ze-dp"
    assert hits[0].severity == "error" and hits[0].hint


def test_egress_listener_of_another_zone_is_an_error_on_3_0() -> None:
    f = found(run(context(mes("svc"), egress_dp(zone="zone-2"), version="3.0")), "MES404")[0]
    assert "serve zone(s) zone-2" in f.message and "none serves zone default" in f.message
    # ... unless that zone is the one analysed
    assert not found(run(context(mes("svc"), egress_dp(zone="zone-2"), version="3.0", zone="zone-2")), "MES404")


def test_egress_is_per_mesh_on_3_0() -> None:
    """Zone proxies are mesh-scoped on 3.0: another mesh's egress does not serve this mesh's MES, and a
    mesh without any egress Dataplane in the input is a coverage note, not an error."""
    findings = run(context(mes("svc", mesh="payments"), egress_dp(mesh="default"), version="3.0"))
    assert not found(findings, "MES404")
    note = found(findings, "MES903")[0]
    assert "mesh(es) payments" in note.message and note.resource is None and note.severity == "info"


def test_other_listener_types_and_zone_egress_resources_do_not_count_on_3_0() -> None:
    ingress_only = egress_dp(listener_type="ZoneIngress")
    note = found(run(context(mes("svc"), ingress_only, zone_egress("ze"), version="3.0")), "MES903")[0]
    assert "ZoneEgress resource(s) do not count" in note.message
    # and on 2.14 the ZoneEgress resource is the zone egress
    assert not found(run(context(mes("svc"), zone_egress("ze"), version="2.14")), "MES903")


def test_egress_dataplanes_never_raise_mes404_before_3_0() -> None:
    assert not found(run(context(mes("svc"), egress_dp(state="NotReady"), version="2.14")), "MES404")


# --- MeshIdentity / MeshTrafficPermission: never evaluated, never silent ---------------------------


def test_identity_note_lists_what_is_missing() -> None:
    note = found(run(context(mes("svc"), version="3.0")), "MES904")[0]
    assert ("has no MeshIdentity in mesh(es) default and no MeshTrafficPermission in mesh(es) default and no client "
            "Dataplane in mesh(es) default.") in note.message
    assert "MeshIdentity, MeshTrafficPermission, client Dataplane resources" in note.hint


def test_identity_note_names_meshes_without_them() -> None:
    ctx = context(mes("svc", mesh="payments"), resource(Kind.MESH_IDENTITY, "id", mesh="default"),
                  resource(Kind.MESH_TRAFFIC_PERMISSION, "mtp", mesh="payments"), version="3.0")
    note = found(run(ctx), "MES904")[0]
    assert "no MeshIdentity in mesh(es) payments" in note.message
    assert "MeshTrafficPermission in" not in note.message and "Add the MeshIdentity, client Dataplane" in note.hint


def test_identity_note_only_on_3_0() -> None:
    assert not found(run(context(mes("svc"), version="2.14")), "MES904")
