"""Every culprit of the 2.9 cascade, restoreOn29 per MES, on every target (core/report/cascade.py)."""

from __future__ import annotations

import pytest

from core.model import Report
from core.report.cascade import cascade_summary
from core.report.json_report import report_dict
from tests.incident import mes as mes_doc
from tests.incident import mesh, report, secret, zone_egress

K = ".kuma-system"
OTHER_ZONE = {"kuma.io/origin": "zone", "kuma.io/zone": "zone-2"}


def chain(*, extra: tuple[str, ...] = (), current: bool = False) -> tuple[str, ...]:
    """a ok, b fails, c ok, d fails, e ok, f fails, g ok (one mesh, loop order a..g); `current`: 3.0 shapes."""
    return (mesh(), zone_egress(), secret("ca-ok"),
            mes_doc("a", ca="ca-ok", current=current), mes_doc("b", ca="ca-b", current=current), mes_doc("c"),
            mes_doc("d", ca="ca-d", current=current), mes_doc("e", ca="ca-ok", current=current),
            mes_doc("f", ca="ca-f", current=current), mes_doc("g"), *extra)


def roles(r: Report, mesh_name: str = "default") -> dict[str, tuple[str | None, tuple[str, ...] | None]]:
    return {s.resource.name: (s.cascade_role, s.restore_on_29) for s in r.services if s.resource.mesh == mesh_name}


@pytest.mark.parametrize("version", ["2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "3.0"])
def test_several_culprits_in_one_mesh_on_every_target(version):
    r = report(*chain(current=version == "3.0"), version=version)
    assert r.kuma_version == version
    assert roles(r) == {
        "a": (None, ()),
        "b": ("culprit", ("b" + K,)),
        "c": ("victim", ("b" + K,)),
        "d": ("latent-culprit", ("b" + K, "d" + K)),
        "e": ("victim", ("b" + K, "d" + K)),
        "f": ("latent-culprit", ("b" + K, "d" + K, "f" + K)),
        "g": ("victim", ("b" + K, "d" + K, "f" + K)),
    }
    # droppedBy is unchanged: the first culprit, for everything behind it
    assert {s.resource.name: s.dropped_by.name if s.dropped_by else None for s in r.services} == {
        "a": None, "b": None, "c": "b", "d": "b", "e": "b", "f": "b", "g": "b"}
    assert [s.resource.name for s in r.services if s.included_on_2_9] == ["a"]


def test_on_a_fixed_target_only_the_failing_ones_are_out():
    r = report(*chain(), version="2.14")
    assert [s.resource.name for s in r.services if s.included] == ["a", "c", "e", "g"]


def test_summary_lists_culprits_in_loop_order_with_what_each_takes_down():
    r = report(*chain(), version="2.9")
    summary = cascade_summary(r)
    assert summary.on_target
    [default] = summary.meshes
    assert [(c.core_name, c.role, c.position) for c in default.culprits] == [
        ("b" + K, "culprit", 1), ("d" + K, "latent-culprit", 2), ("f" + K, "latent-culprit", 3)]
    assert [[v.resource.name for v in c.takes_down] for c in default.culprits] == [["c"], ["e"], ["g"]]
    assert [c.drops_now for c in default.culprits] == [5, 0, 0]
    assert summary.dropped_now == 5
    assert [v.resource.name for v in default.victims] == ["c", "e", "g"]
    first = default.culprits[0]
    assert first.cause.startswith('caCert: no Secret "ca-b"')
    assert first.fix.startswith("Create a Secret of type system.kuma.io/secret")
    assert "kubectl create secret generic ca-b" in first.fix_command
    assert first.reference is not None and first.reference.field == "caCert"
    assert summary.headline() == ("On this 2.9 control plane, b.kuma-system stops the MES loop and 3 other MES are "
                                  "dropped; 2 more failing MES are next in line (fix them too).")
    assert cascade_summary(report(*chain(), version="2.14")).headline().startswith("On a 2.9.x control plane, ")


def test_json_cascade_and_per_service_fields():
    data = report_dict(report(*chain(), version="2.14"))
    [default] = data["cascade"]["meshes"]
    assert default["mesh"] == "default" and default["victims"] == ["c" + K, "e" + K, "g" + K]
    first, second, third = default["culprits"]
    assert {k: first[k] for k in ("name", "coreName", "namespace", "role", "takesDown", "dropsNow")} == {
        "name": "b", "coreName": "b" + K, "namespace": "kuma-system", "role": "culprit", "takesDown": ["c" + K],
        "dropsNow": 5}
    assert (second["role"], second["restoreOn29"], second["dropsNow"]) == ("latent-culprit", ["b" + K, "d" + K], 0)
    assert third["takesDown"] == ["g" + K]
    by_name = {s["name"]: s for s in data["services"]}
    assert (by_name["a"]["cascadeRole"], by_name["a"]["restoreOn29"]) == (None, [])
    assert (by_name["e"]["cascadeRole"], by_name["e"]["restoreOn29"]) == ("victim", ["b" + K, "d" + K])


def test_several_meshes_have_their_own_loops():
    docs = (mesh(), mesh("payments"), zone_egress(), secret("ca-ok"), secret("ca-ok", mesh="payments"),
            mes_doc("a", ca="ca-missing"), mes_doc("b"),
            mes_doc("a-pay", ca="ca-ok", mesh="payments"), mes_doc("b-pay", ca="ca-gone", mesh="payments"),
            mes_doc("c-pay", mesh="payments"))
    r = report(*docs, version="2.9")
    assert roles(r) == {"a": ("culprit", ("a" + K,)), "b": ("victim", ("a" + K,))}
    assert roles(r, "payments") == {"a-pay": (None, ()), "b-pay": ("culprit", ("b-pay" + K,)),
                                    "c-pay": ("victim", ("b-pay" + K,))}
    summary = cascade_summary(r)
    assert [(m.mesh, [c.core_name for c in m.culprits]) for m in summary.meshes] == [
        ("default", ["a" + K]), ("payments", ["b-pay" + K])]


def test_unreachable_and_rejected_mes_are_never_culprits_nor_victims():
    docs = chain(extra=(
        mes_doc("b2", ca="ca-missing-too", labels=OTHER_ZONE),  # fails, but another zone's: skipped unevaluated
        mes_doc("c2", ca="ca-missing-3", extra_spec="  extension: {type: Weird}\n", port=70000),  # rejected
    ))
    r = report(*docs, version="2.9", zone="default")
    got = roles(r)
    assert got["b2"] == (None, None) and got["c2"] == (None, None)
    assert r.service("default", "c2").admission_valid is False
    assert got["c"] == ("victim", ("b" + K,))  # b2/c2 sort between b and c... and change nothing
    assert [c.core_name for c in cascade_summary(r).culprits] == ["b" + K, "d" + K, "f" + K]


def test_an_unreachable_failing_mes_before_the_culprit_does_not_stop_the_loop():
    docs = (mesh(), zone_egress(), secret("ca-ok"), mes_doc("a", ca="missing-a", labels=OTHER_ZONE), mes_doc("b"),
            mes_doc("c", ca="missing-c"), mes_doc("d"))
    r = report(*docs, version="2.9", zone="default")
    assert roles(r) == {"a": (None, None), "b": (None, ()), "c": ("culprit", ("c" + K,)),
                        "d": ("victim", ("c" + K,))}


def test_a_mesh_without_mtls_is_not_served_so_it_has_no_culprit():
    docs = (mesh(mtls=False), zone_egress(), secret("ca-ok"), mes_doc("a", ca="missing"), mes_doc("b"))
    r = report(*docs, version="2.9")
    assert roles(r) == {"a": (None, None), "b": (None, None)}
    assert cascade_summary(r).meshes == ()


def test_a_3_0_target_rejects_legacy_shapes_on_write_so_they_are_not_culprits():
    """Only store-valid MES reach the loop; on a 3.0 target the legacy `secret:` shape is refused on write."""
    docs = (mesh(), zone_egress(), secret("ca-ok"), mes_doc("a", ca="ca-missing"), mes_doc("b"))
    r = report(*docs, version="3.0")
    assert r.service("default", "a").admission_valid is False
    assert roles(r) == {"a": (None, None), "b": (None, ())}


def test_kubernetes_sort_order_decides_the_culprit():
    """`-` sorts before `.`: on Kubernetes mes-a.kuma-system comes before mes.kuma-system."""
    docs = (mesh(), zone_egress(), secret("ca-ok"), mes_doc("mes", ca="missing-1"), mes_doc("mes-a", ca="missing-2"))
    r = report(*docs, version="2.9")
    assert roles(r) == {"mes-a": ("culprit", ("mes-a" + K,)), "mes": ("latent-culprit", ("mes-a" + K, "mes" + K))}


# --- overlays that move the culprit ------------------------------------------------------------------


def test_fixing_the_first_culprit_makes_the_latent_one_the_culprit():
    before = report(*chain(), version="2.9")
    after = report(*chain(), version="2.9", overlays=[secret("ca-b")])
    assert roles(after) == {
        "a": (None, ()), "b": (None, ()), "c": (None, ()),
        "d": ("culprit", ("d" + K,)),
        "e": ("victim", ("d" + K,)),
        "f": ("latent-culprit", ("d" + K, "f" + K)),
        "g": ("victim", ("d" + K, "f" + K)),
    }
    assert [s.resource.name for s in after.services if s.included] == ["a", "b", "c"]
    assert after.service("default", "e").dropped_by.name == "d"
    assert before.service("default", "e").dropped_by.name == "b"


def test_fixing_every_culprit_in_turn_restores_the_mesh():
    overlays = [secret("ca-b"), secret("ca-d")]
    r = report(*chain(), version="2.9", overlays=overlays)
    assert roles(r)["f"] == ("culprit", ("f" + K,)) and roles(r)["g"] == ("victim", ("f" + K,))
    r = report(*chain(), version="2.9", overlays=[*overlays, secret("ca-f")])
    assert all(role == (None, ()) for role in roles(r).values())
    assert all(s.included for s in r.services)
    assert cascade_summary(r).culprits == []


def test_fixing_a_latent_culprit_first_merges_its_victims_into_the_next_segment():
    r = report(*chain(), version="2.9", overlays=[secret("ca-d")])
    assert roles(r)["e"] == ("victim", ("b" + K,))
    [default] = cascade_summary(r).meshes
    assert [[v.resource.name for v in c.takes_down] for c in default.culprits] == [["c", "d", "e"], ["g"]]


def test_breaking_an_earlier_mes_makes_a_new_culprit():
    broken_a = mes_doc("a", ca="ca-typo")  # the overlay redefines a with a typo'd Secret name
    r = report(*chain(), version="2.9", overlays=[broken_a])
    assert roles(r)["a"] == ("culprit", ("a" + K,))
    assert roles(r)["b"] == ("latent-culprit", ("a" + K, "b" + K))
    assert roles(r)["c"] == ("victim", ("a" + K, "b" + K))
