"""Every builder check code, target version only, with hints (and fixes where they help)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.builder import build
from core.builder.checks import CHECKS
from core.catalogue import CATALOGUE
from core.checks.base import Scope
from core.context import Context
from core.model import Finding, Flavour, Kind, ReferenceStatus
from core.versions import V2_9
from tests.factories import context, mes, mesh_resource

from .helpers import client_tls, ref, resource, set_refs, tls_spec, zone_egress


def run(ctx: Context) -> list[Finding]:
    """Build the maps like core/analysis.py does, then run every builder check."""
    ctx.target_map = build(ctx, ctx.version)
    ctx.legacy_map = ctx.target_map if ctx.version == V2_9 else build(ctx, V2_9)
    out: list[Finding] = []
    for check in CHECKS:
        if check.scope is Scope.GLOBAL:
            out.extend(check.func(ctx))
        else:
            for m in ctx.index.services:
                out.extend(check.func(ctx, m))
    return out


def codes(findings: list[Finding], name: str | None = None) -> list[str]:
    return sorted(f.code for f in findings if name is None or (f.resource and f.resource.name == name))


MTLS = mesh_resource()


def cascade(version: str) -> Context:
    good = mes("b-good", client_tls("kuma-cert-1", "kuma-key-1"), flavour=Flavour.UNIVERSAL)
    bad = mes("a-bad", client_tls("kuma-cert", "kuma-key"), flavour=Flavour.UNIVERSAL)
    ctx = context(MTLS, good, bad, zone_egress("ze-1"), version=version)
    set_refs(ctx, bad, ref(bad, "clientCert", "kuma-cert", ReferenceStatus.NOT_FOUND),
             ref(bad, "clientKey", "kuma-key", ReferenceStatus.NOT_FOUND))
    return ctx


def single(spec: dict, version: str = "2.14", **kw) -> Context:
    return context(MTLS, zone_egress("ze-1"), mes("svc", spec, **kw), version=version)


def mesh_with(spec: dict, version: str = "2.14") -> Context:
    return context(mesh_resource(spec=spec), mes("svc"), zone_egress("ze-1"), version=version)


def status_mes(status: dict, labels: dict | None = None) -> Context:
    return context(MTLS, zone_egress("ze-1"), mes("svc", labels=labels if labels is not None else
                                                    {"kuma.io/origin": "zone"}, status=status))


ZONE_2 = {"kuma.io/origin": "zone", "kuma.io/zone": "zone-2"}


def dup(version: str, display: str = "svc") -> Context:
    local = mes("svc")
    synced = mes("svc-abc", labels={"kuma.io/origin": "global"}, annotations={"kuma.io/display-name": display})
    return context(MTLS, zone_egress("ze-1"), local, synced, version=version)


CASES: list[tuple[str, Callable[[], Context], tuple[str, ...]]] = [
    # (code, scenario, names of the resources that get it, in order ("" for a global note))
    ("MES401", lambda: mesh_with({}), ("svc",)),
    ("MES402", lambda: mesh_with({"mtls": {"enabledBackend": "ca-2", "backends": [{"name": "ca-1"}]}}), ("svc",)),
    ("MES403", lambda: mesh_with({"mtls": {"enabledBackend": "a", "backends": [{"name": "a"}]},
                                  "routing": {"defaultForbidMeshExternalServiceAccess": True}}), ("svc",)),
    ("MES404", lambda: context(MTLS, mes("svc"), zone_egress("ze-2", "zone-2")), ("svc",)),
    ("MES405", lambda: context(mesh_resource("other"), mes("svc"), zone_egress("ze")), ("svc",)),
    ("MES406", lambda: mesh_with({"mtls": {"enabledBackend": "a"}, "routing": {"zoneEgress": True}}, "3.0"),
     ("svc",)),
    ("MES407", lambda: mesh_with({"mtls": {"enabledBackend": "a", "backends": [{"name": "a"}]},
                                  "routing": {"zoneEgress": True}}), ("svc",)),
    ("MES501", lambda: cascade("2.14"), ("a-bad",)),
    ("MES502", lambda: cascade("2.9"), ("b-good",)),
    ("MES503", lambda: cascade("2.11"), ("b-good",)),
    ("MES504", lambda: single({"match": {"port": 80}}, labels={"kuma.io/zone": "zone-2"}), ("svc",)),
    ("MES506", lambda: status_mes({"addresses": [{"hostname": "svc.extsvc.mesh.local"}]}), ("svc",)),
    ("MES507", lambda: status_mes({"vip": {"ip": "242.0.0.1"}, "addresses": [{"hostname": "x"}],
                                   "hostnameGenerators": [{"hostnameGeneratorRef": {"coreName": "gen"},
                                                           "conditions": [{"type": "Generated", "status": "False",
                                                                           "reason": "TemplateError",
                                                                           "message": "label team not found"}]}]}),
     ("svc",)),
    ("MES508", lambda: single(tls_spec(endpoints=[{"address": "10.0.0.1", "port": 443}])), ("svc",)),
    ("MES509", lambda: single(tls_spec(endpoints=[{"address": "a.example.com", "port": 443},
                                                  {"address": "b.example.com", "port": 443}])), ("svc",)),
    ("MES510", lambda: single(tls_spec(), "2.9"), ("svc",)),
    ("MES511", lambda: single(tls_spec()), ("svc",)),
    ("MES512", lambda: single(tls_spec(mode="SkipCA")), ("svc",)),
    ("MES513", lambda: single(tls_spec(mode="SkipSAN", serverName="srv.example.com")), ("svc",)),
    ("MES514", lambda: single(tls_spec(mode="SkipSAN", subjectAltNames=[{"value": "x"}])), ("svc",)),
    ("MES515", lambda: single({**tls_spec(verification=None),
                               "tls": {"enabled": True, "version": {"min": "TLS13"}}}, "2.9"), ("svc",)),
    ("MES516", lambda: single(tls_spec(mode="SkipAll", clientCert={"secret": "c"}, clientKey={"secret": "k"})),
     ("svc",)),
    ("MES517", lambda: dup("2.14"), ("svc",)),  # svc-abc.kuma-system sorts first
    ("MES518", lambda: single({"match": {"port": 80, "protocol": "tcp"}}, "3.0"), ("svc",)),
    ("MES520", lambda: context(MTLS, zone_egress("ze-1"), mes("a", labels=ZONE_2), mes("b", labels=ZONE_2),
                               mes("c")), ("",)),
    ("MES901", lambda: context(mes("svc"), zone_egress("ze")), ("",)),
    ("MES903", lambda: context(MTLS, mes("svc")), ("",)),
    ("MES904", lambda: context(MTLS, mes("svc"), resource(Kind.MESH_IDENTITY, "id"), version="3.0"), ("",)),
]


@pytest.mark.parametrize(("code", "scenario", "names"), CASES, ids=[c[0] for c in CASES])
def test_code_is_emitted(code: str, scenario: Callable[[], Context], names: tuple[str, ...]) -> None:
    findings = [f for f in run(scenario()) if f.code == code]
    assert tuple(f.resource.name if f.resource else "" for f in findings) == names, findings
    for f in findings:
        assert f.hint, f"{code} needs a hint"
        assert f.severity == CATALOGUE[code].severity


def test_every_code_of_every_check_is_covered() -> None:
    declared = {code for check in CHECKS for code in check.codes}
    assert declared == {c[0] for c in CASES}
    assert [c.id for c in CHECKS] == sorted(c.id for c in CHECKS)
    assert all(code in CATALOGUE for code in declared)


def test_mesh_findings_point_at_the_mesh() -> None:
    f = next(f for f in run(mesh_with({})) if f.code == "MES401")
    assert f.path == "spec.mtls.enabledBackend" and f.related[0].kind is Kind.MESH
    assert "Mesh default" in f.message and "kubectl patch mesh default" in f.fix
    universal = context(mesh_resource(spec={}, flavour=Flavour.UNIVERSAL), mes("svc", flavour=Flavour.UNIVERSAL))
    f = next(f for f in run(universal) if f.code == "MES401")
    assert f.path == "mtls.enabledBackend" and "kumactl apply" in f.fix
    assert "MES401" not in codes(run(mesh_with({}, "3.0")))


def test_findings_are_for_the_target_version_only() -> None:
    on_2_14 = run(cascade("2.14"))
    # the 2.9 comparison map drops b-good, but the target is 2.14: only the system-CA note
    assert codes(on_2_14, "b-good") == ["MES511"]
    assert "Other MES are not affected" in next(f for f in on_2_14 if f.code == "MES501").message


def test_tls_load_failure_message_carries_log_line_and_fix() -> None:
    f = next(f for f in run(cascade("2.9")) if f.code == "MES501")
    assert "Predicted kuma-cp log: ERROR\txds.outbound\tunable to create MeshExternalService endpoint" in f.message
    assert 'name=\\"kuma-cert\\"' in f.message and f.path == "spec.tls.verification.clientCert"
    assert "kumactl apply" in f.fix and "kuma-cert" in f.fix
    cascaded = next(f for f in run(cascade("2.9")) if f.code == "MES502")
    assert "a-bad" in cascaded.message and cascaded.related[0].name == "a-bad" and cascaded.fix


def test_lost_filter_chain_is_labelled_inferred() -> None:
    f = next(f for f in run(cascade("2.10")) if f.code == "MES503")
    assert f.message.startswith("Inferred") and "a-bad" in f.message and "ze-1" in f.fix
    assert "MES503" not in codes(run(cascade("2.12")))


def test_zone_egress_presence() -> None:
    assert "MES404" not in codes(run(context(MTLS, mes("svc"), zone_egress("ze", "default"))))
    assert "MES404" not in codes(run(context(MTLS, mes("svc"), zone_egress("ze"))))  # listed on this zone
    labelled = zone_egress("ze", flavour=Flavour.KUBERNETES, label_zone="zone-3")
    assert "MES404" in codes(run(context(MTLS, mes("svc"), labelled)))
    # 3.0 has no ZoneEgress kind: without a zone-egress Dataplane the presence is a coverage note
    assert "MES903" in codes(run(context(MTLS, mes("svc"), version="3.0")))


def test_coverage_notes_only_with_services() -> None:
    assert codes(run(context(version="2.14"))) == []
    full = context(MTLS, mes("svc"), resource(Kind.MESH_IDENTITY, "id"),
                   resource(Kind.MESH_TRAFFIC_PERMISSION, "mtp"), version="3.0")
    note = next(f for f in run(full) if f.code == "MES904")  # present, but no client Dataplane to evaluate them on
    assert "no client Dataplane in mesh(es) default" in note.message and note.severity == "info"
    assert "MeshIdentity in" not in note.message and "MeshTrafficPermission in" not in note.message
    # with --complete the input holds every Dataplane: none is a fact, not a gap
    full.known_kinds = frozenset({Kind.DATAPLANE})
    assert "MES904" not in codes(run(full))


def test_status_checks_are_conservative() -> None:
    assert "MES506" not in codes(run(status_mes({"addresses": []}, labels={})))  # not clearly from a zone
    assert "MES506" not in codes(run(status_mes({"vip": {"ip": "242.0.0.1"}, "addresses": [{"hostname": "h"}]})))
    assert "MES506" not in codes(run(context(MTLS, mes("svc", labels={"kuma.io/origin": "zone"}))))  # no status


def test_no_duplicate_sni_on_3_0_and_distinct_names_do_not_collide() -> None:
    assert "MES517" not in codes(run(dup("3.0")))
    assert codes(run(dup("2.14", display="other"))) == []


def test_tls_checks_quiet_for_a_healthy_secured_mes() -> None:
    ctx = single(tls_spec(serverName="api.example.com", caCert={"secret": "ca"}))
    assert codes(run(ctx)) == []


def test_garbage_everywhere_does_not_raise() -> None:
    weird = [
        mes("a", {"match": "x", "endpoints": "y", "tls": {"enabled": True, "verification": "z"}}),
        mes("b", {"match": {"port": 10**30}, "endpoints": [{"address": None}, 5],
                  "tls": {"enabled": True, "verification": {"mode": ["x"], "caCert": "s"}}},
            status={"vip": "x", "addresses": "y", "hostnameGenerators": ["x", {"conditions": "y"},
                                                                          {"conditions": [None, {"reason": 3}]}]},
            labels={"kuma.io/origin": "zone"}),
        mesh_resource(spec={"mtls": "on", "routing": ["x"]}),
        zone_egress("ze", zone=7),  # type: ignore[arg-type]
        resource(Kind.DATAPLANE, "dp-1", spec={"networking": {"listeners": "x"}}),
        resource(Kind.DATAPLANE, "dp-2", spec={"networking": {"listeners": [None, 3, {"type": "ZoneEgress",
                                                                                      "state": ["x"]}]}}),
        resource(Kind.DATAPLANE, "dp-3", spec={"networking": "x"}),
        mes("empty", {"match": {"port": 80}, "endpoints": []}),
    ]
    for version in ("2.9", "2.11", "2.14", "3.0"):
        run(context(*weird, version=version))


def test_no_sni_names_the_mode_that_cleared_server_name() -> None:
    spec = tls_spec(endpoints=[{"address": "10.0.0.1", "port": 443}], mode="SkipAll", serverName="srv.example.com")
    f = next(f for f in run(single(spec)) if f.code == "MES508")
    assert "mode SkipAll clears `serverName`" in f.message and f.path == "spec.endpoints[0].address"


def test_removed_mesh_fields_fix_never_wraps_a_hostile_mesh_name() -> None:
    from core.builder.fixes import remove_mesh_fields
    from core.model import Flavour
    from core.secrets.remedies import NOT_GENERATED

    assert remove_mesh_fields("payments", Flavour.KUBERNETES, ["mtls"]) == (
        """kubectl patch mesh payments --type json -p '[{"op":"remove","path":"/spec/mtls"}]'""")
    for hostile in ("x; rm -rf /", "$(id)", "a\nkubectl delete ns kuma-system", "`id`"):
        assert remove_mesh_fields(hostile, Flavour.KUBERNETES, ["mtls"]) == NOT_GENERATED
        assert remove_mesh_fields(hostile, Flavour.UNIVERSAL, ["routing"]) == NOT_GENERATED
