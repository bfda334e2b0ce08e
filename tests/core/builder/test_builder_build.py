"""The egress endpoint map: isolation (2.10+), the 2.9 cascade, filter-chain loss, zones, meshes."""

from __future__ import annotations

import pytest

from core import secrets
from core.builder import build
from core.catalogue import finding
from core.model import Flavour, ReferenceStatus, Resource
from core.versions import KumaVersion
from tests.factories import context, k8s_secret, mes, mesh_resource, universal_secret

from .helpers import client_tls, ref, set_refs, tls_spec

V = KumaVersion.parse


def two_mes(flavour: Flavour, broken: str, good: str, version: str, *extra: Resource):
    """The motivating case: `good` uses existing kuma-cert-1/kuma-key-1, `broken` missing kuma-cert/kuma-key."""
    g = mes(good, client_tls("kuma-cert-1", "kuma-key-1"), flavour=flavour)
    b = mes(broken, client_tls("kuma-cert", "kuma-key"), flavour=flavour)
    ctx = context(mesh_resource(), g, b, *extra, version=version)
    set_refs(ctx, g, ref(g, "clientCert", "kuma-cert-1"), ref(g, "clientKey", "kuma-key-1"))
    set_refs(ctx, b, ref(b, "clientCert", "kuma-cert", ReferenceStatus.NOT_FOUND),
             ref(b, "clientKey", "kuma-key", ReferenceStatus.NOT_FOUND))
    return ctx, b, g


# (flavour, broken name, good name, does the broken one sort first?)
ORDERINGS = [
    (Flavour.KUBERNETES, "httpbin", "httpbin-1", False),  # httpbin-1.kuma-system < httpbin.kuma-system ('-' < '.')
    (Flavour.KUBERNETES, "httpbin-1", "httpbin", True),
    (Flavour.UNIVERSAL, "httpbin", "httpbin-1", True),  # httpbin < httpbin-1
    (Flavour.UNIVERSAL, "httpbin-1", "httpbin", False),
]


@pytest.mark.parametrize(("flavour", "broken", "good", "broken_first"), ORDERINGS)
def test_2_9_cascade_depends_on_list_order(flavour, broken, good, broken_first) -> None:
    ctx, b, g = two_mes(flavour, broken, good, "2.9")
    emap = build(ctx, V("2.9"))
    assert emap.excluded[b.key].reason == "tls-load-failed" and emap.excluded[b.key].code == "MES501"
    assert 'Resource not found: type=\\"Secret\\" name=\\"kuma-cert\\"' in (emap.excluded[b.key].log_line or "")
    if broken_first:
        excl = emap.excluded[g.key]
        assert (excl.reason, excl.code, excl.culprit) == ("cascade", "MES502", b.ref)
        assert not emap.included
    else:
        assert list(emap.included) == [g.key]
    assert not emap.lost_filter_chains  # the culprit cascades the rest: nothing after it is served


@pytest.mark.parametrize("version", ["2.10", "2.11", "2.12", "2.13", "2.14", "3.0"])
@pytest.mark.parametrize(("flavour", "broken", "good", "broken_first"), ORDERINGS)
def test_isolation_from_2_10(flavour, broken, good, broken_first, version: str) -> None:
    ctx, b, g = two_mes(flavour, broken, good, version)
    emap = build(ctx, V(version))
    assert list(emap.included) == [g.key]
    assert set(emap.excluded) == {b.key} and emap.excluded[b.key].reason == "tls-load-failed"
    lost = V(version).egress_filter_chain_early_return and broken_first
    assert (g.key in emap.lost_filter_chains) is lost
    if lost:
        assert emap.lost_filter_chains[g.key].culprit == b.ref and emap.lost_filter_chains[g.key].code == "MES503"


def test_log_line_case_follows_the_map_version() -> None:
    ctx, b, _ = two_mes(Flavour.UNIVERSAL, "a", "b", "2.14")
    assert "resource not found:" in (build(ctx, V("2.14")).excluded[b.key].log_line or "")
    assert "Resource not found:" in (build(ctx, V("2.9")).excluded[b.key].log_line or "")


def test_2_9_cascade_stays_in_its_mesh_and_skips_unreachable() -> None:
    other_zone = mes("aaa", client_tls("x", "y"), flavour=Flavour.UNIVERSAL, labels={"kuma.io/zone": "zone-2"})
    other_mesh = mes("zzz", flavour=Flavour.UNIVERSAL, mesh="other")
    ctx, b, g = two_mes(Flavour.UNIVERSAL, "httpbin", "httpbin-1", "2.9", other_zone, other_mesh,
                        mesh_resource("other"))
    # the other-zone MES sorts first and its secrets are missing too: never evaluated, triggers nothing
    set_refs(ctx, other_zone, ref(other_zone, "clientCert", "x", ReferenceStatus.NOT_FOUND))
    emap = build(ctx, V("2.9"))
    assert emap.excluded[other_zone.key].reason == "unreachable-zone"
    assert emap.excluded[b.key].reason == "tls-load-failed"
    assert emap.excluded[g.key].culprit == b.ref
    assert other_mesh.key in emap.included


def test_filter_chain_loss_triggers() -> None:
    no_endpoints = mes("a-empty", {"match": {"port": 80, "protocol": "tcp"}}, flavour=Flavour.UNIVERSAL)
    served = mes("b-served", flavour=Flavour.UNIVERSAL)
    ctx = context(no_endpoints, served, version="2.11")
    emap = build(ctx, V("2.11"))
    assert emap.included[no_endpoints.key].endpoints == ()  # included, routes nowhere
    assert emap.lost_filter_chains[served.key].culprit == no_endpoints.ref
    assert not build(ctx, V("2.12")).lost_filter_chains

    other_zone = mes("a-remote", flavour=Flavour.UNIVERSAL, labels={"kuma.io/zone": "zone-9"})
    ctx = context(other_zone, served, version="2.10")
    assert build(ctx, V("2.10")).lost_filter_chains[served.key].culprit == other_zone.ref


def test_unreachable_zone_only_before_3_0() -> None:
    remote = mes("r", labels={"kuma.io/zone": "zone-2"})
    local = mes("l", labels={"kuma.io/zone": "default"})
    ctx = context(remote, local)
    emap = build(ctx, V("2.14"))
    assert emap.excluded[remote.key].reason == "unreachable-zone" and emap.excluded[remote.key].code == "MES504"
    assert local.key in emap.included
    assert remote.key in build(ctx, V("3.0")).included


def test_rejected_on_write_never_reaches_the_loop() -> None:
    ctx, b, g = two_mes(Flavour.UNIVERSAL, "httpbin", "httpbin-1", "2.9")
    ctx.validation[b.key] = [finding("MES113", "port must be a valid (1-65535)", b.ref, path="spec.match.port")]
    emap = build(ctx, V("2.9"))
    assert (emap.excluded[b.key].reason, emap.excluded[b.key].code) == ("rejected-on-write", "MES113")
    assert g.key in emap.included  # a rejected MES is not in the store: no cascade


def test_mesh_without_mtls_and_missing_mesh() -> None:
    plain = mes("a", mesh="plain")
    orphan = mes("b", mesh="ghost")
    ok = mes("c")
    ctx = context(mesh_resource("plain", {}), mesh_resource(), plain, orphan, ok)
    emap = build(ctx, V("2.14"))
    assert (emap.excluded[plain.key].reason, emap.excluded[plain.key].code) == ("no-mtls", "MES401")
    assert (emap.excluded[orphan.key].reason, emap.excluded[orphan.key].code) == ("mesh-not-found", "MES405")
    assert ok.key in emap.included
    assert plain.key in build(ctx, V("3.0")).included  # 3.0 has no Mesh.mtls
    # without any Mesh in the input nothing is assumed
    assert orphan.key in build(context(orphan), V("2.14")).included


def test_destination_fields_per_version() -> None:
    spec = {"match": {"port": 80, "protocol": "http"},
            "endpoints": [{"address": "1.1.1.1", "port": 443, "priority": 1}, {"address": "2.2.2.2", "port": 443}]}
    ip_only = mes("httpbin", spec)
    ctx = context(ip_only, zone="default")
    d = build(ctx, V("2.14")).included[ip_only.key]
    assert d.name == d.cluster == "default_httpbin_kuma-system_default_extsvc_80"
    assert d.egress_sni == d.legacy_sni and d.cluster_type == "STATIC" and d.protocol == "http"
    assert [(e.priority, e.sub_zone, e.kind) for e in d.endpoints] == [(1, "priority-1", "static"),
                                                                       (0, "priority-0", "static")]
    assert d.tags["mesh"] == "default" and d.tags["kuma.io/zone"] == "default" and d.tls is None
    old = build(ctx, V("2.13")).included[ip_only.key]
    assert [(e.priority, e.locality_zone, e.sub_zone) for e in old.endpoints] == [(0, "default", None)] * 2
    head = build(ctx, V("3.0")).included[ip_only.key]
    assert head.cluster == "kri_extsvc_default_default_kuma-system_httpbin_80"
    assert head.egress_sni == "sni.extsvc.default.default.kuma-system.httpbin.80"
    mixed = mes("mixed", {"match": {"port": 80}, "endpoints": [{"address": "1.1.1.1", "port": 1},
                                                                {"address": "a.example", "port": 2}]})
    assert build(context(mixed), V("2.14")).included[mixed.key].cluster_type == "STRICT_DNS"


def test_locality_aware_mesh_marks_foreign_zone_label_remote() -> None:
    m = mesh_resource(spec={"mtls": {"enabledBackend": "a", "backends": [{"name": "a"}]},
                            "routing": {"localityAwareLoadBalancing": True}})
    global_ = mes("g", labels={"kuma.io/origin": "global", "kuma.io/zone": ""})
    d = build(context(m, global_), V("2.12")).included[global_.key]
    assert [(e.priority, e.locality_zone) for e in d.endpoints] == [(1, "")]


def test_other_generation_ignores_shape_failures() -> None:
    legacy = mes("a", tls_spec(caCert={"secret": "ca"}), flavour=Flavour.UNIVERSAL)
    ctx = context(legacy, version="3.0")
    set_refs(ctx, legacy, ref(legacy, "caCert", "ca", ReferenceStatus.LEGACY_SHAPE))
    assert build(ctx, V("3.0")).excluded[legacy.key].reason == "tls-load-failed"
    assert legacy.key in build(ctx, V("2.9")).included


@pytest.mark.parametrize("flavour", [Flavour.KUBERNETES, Flavour.UNIVERSAL])
def test_with_the_real_resolver(flavour: Flavour) -> None:
    """Same motivating case, references resolved by core/secrets from actual Secrets."""
    secret = k8s_secret if flavour is Flavour.KUBERNETES else universal_secret
    g = mes("httpbin-1", client_tls("kuma-cert-1", "kuma-key-1"), flavour=flavour)
    b = mes("httpbin", client_tls("kuma-cert", "kuma-key"), flavour=flavour)
    ctx = context(g, b, secret("kuma-cert-1", "CERT"), secret("kuma-key-1", "KEY"), version="2.9")
    secrets.resolve(ctx)
    emap = build(ctx, V("2.9"))
    assert emap.excluded[b.key].reason == "tls-load-failed"
    assert (g.key in emap.included) is (flavour is Flavour.KUBERNETES)
    assert set(build(ctx, V("2.10")).included) == {g.key}
