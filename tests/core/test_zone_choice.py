"""Zone detection: with no zone given, the analysed zone comes from the input (core/zone_choice.py)."""

from __future__ import annotations

import pytest

from core.index import Index
from core.model import LoadResult
from core.report.json_report import report_dict
from core.zone_choice import choose_zone
from tests.factories import mes
from tests.incident import control_plane, mesh, report, zone_egress
from tests.incident import mes as mes_doc

ZONE_MES = {"kuma.io/origin": "zone", "kuma.io/zone": "eu-west-1"}


def test_nothing_names_a_zone_keeps_default():
    r = report(mesh(), zone_egress(), mes_doc("billing"), mes_doc("payments"))
    assert r.zone == "default"
    assert r.zone_reason == "auto: nothing in the input names a zone → default"
    assert r.endpoint_map.zone == r.legacy_map.zone == "default"
    assert r.zones == {"": 2}
    assert all(s.included for s in r.services)


def test_zone_egress_spec_zone():
    r = report(mesh(), zone_egress(zone="eu-west-1"), mes_doc("billing"))
    assert r.zone == "eu-west-1"
    assert r.zone_reason == "auto: ZoneEgress kuma-system/zone-egress is in zone eu-west-1 (spec.zone)"
    # the unlabelled MES gets the zone kuma-cp would add, and is in the map of that zone
    billing = r.service("default", "billing")
    assert billing is not None and billing.included
    assert billing.destination is not None and "_eu-west-1_" in billing.destination.name


def test_zone_egress_label():
    r = report(mesh(), zone_egress(label="us-east-2"), mes_doc("billing"))
    assert (r.zone, r.zone_reason) == ("us-east-2", "auto: ZoneEgress kuma-system/zone-egress is in zone us-east-2 "
                                                    "(label kuma.io/zone)")


def test_zone_created_mes_labels():
    r = report(mesh(), zone_egress(), mes_doc("billing", labels=ZONE_MES), mes_doc("payments", labels=ZONE_MES),
               mes_doc("global-api", labels={"kuma.io/origin": "global"}))
    assert r.zone == "eu-west-1"
    assert r.zone_reason == "auto: the zone-created MES carry kuma.io/zone: eu-west-1"
    assert r.zones == {"eu-west-1": 2, "": 1}
    assert all(s.included for s in r.services)  # before detection: all three "bound to another zone"


def test_labels_without_zone_origin_do_not_name_the_zone():
    """A Global-created MES pinned to a zone by hand says nothing about where the input comes from."""
    pinned = {"kuma.io/origin": "global", "kuma.io/zone": "zone-2"}
    r = report(mesh(), zone_egress(), mes_doc("a", labels=pinned), mes_doc("b"), mes_doc("c"))
    assert r.zone == "default"
    assert not r.service("default", "a").included


def test_most_common_zone_wins_and_the_reason_counts():
    other = {"kuma.io/origin": "zone", "kuma.io/zone": "us-east-1"}
    r = report(mesh(), mes_doc("a", labels=ZONE_MES), mes_doc("b", labels=ZONE_MES), mes_doc("c", labels=other))
    assert r.zone == "eu-west-1"
    assert r.zone_reason == "auto: 2 of 3 zone-created MES carry kuma.io/zone: eu-west-1"


def test_a_tie_between_mes_zones_is_said():
    other = {"kuma.io/origin": "zone", "kuma.io/zone": "ap-south-1"}
    r = report(mesh(), mes_doc("a", labels=ZONE_MES), mes_doc("b", labels=other))
    assert r.zone == "ap-south-1"
    assert "a tie" in r.zone_reason


def test_control_plane_env_names_the_zone():
    r = report(control_plane("kumahq/kuma-cp:2.9.3", zone="eu-west-1", mode="zone"), mesh(), mes_doc("billing"))
    assert r.zone == "eu-west-1"
    assert r.zone_reason == ("auto: Deployment kuma-system/kuma-control-plane runs kuma-cp with "
                             "KUMA_MULTIZONE_ZONE_NAME=eu-west-1")


def test_a_global_control_plane_names_no_zone():
    r = report(control_plane("kumahq/kuma-cp:2.9.3", zone="ignored", mode="global"), mesh(), mes_doc("billing"))
    assert r.zone == "default"


def test_explicit_zone_wins_over_every_signal():
    r = report(control_plane("kumahq/kuma-cp:2.9.3", zone="eu-west-1", mode="zone"), zone_egress(zone="eu-west-1"),
               mesh(), mes_doc("billing", labels=ZONE_MES), zone="default")
    assert (r.zone, r.zone_reason) == ("default", "chosen: zone default")
    assert not r.service("default", "billing").included


def test_control_plane_beats_zone_egress_and_labels_and_the_reason_says_they_disagree():
    other = {"kuma.io/origin": "zone", "kuma.io/zone": "us-east-1"}
    r = report(control_plane("kumahq/kuma-cp:2.9.3", zone="eu-west-1"), zone_egress(zone="us-east-1"), mesh(),
               mes_doc("a", labels=other), mes_doc("b", labels=other), mes_doc("c", labels=ZONE_MES))
    assert r.zone == "eu-west-1"
    assert r.zone_reason.endswith("; 2 zone-created MES belong to other zones (most to us-east-1)")
    assert "MES520" in {f.code for f in r.findings}


def test_zone_egress_beats_mes_labels():
    other = {"kuma.io/origin": "zone", "kuma.io/zone": "us-east-1"}
    r = report(zone_egress(zone="eu-west-1"), mesh(), mes_doc("a", labels=other))
    assert r.zone == "eu-west-1"
    assert "1 zone-created MES belong to other zones (most to us-east-1)" in r.zone_reason


def test_several_egress_zones_pick_the_one_with_most_zone_created_mes():
    """An export of a Global control plane: ZoneEgresses of several zones."""
    r = report(zone_egress("egress-a", zone="ap-south-1"), zone_egress("egress-b", zone="eu-west-1"), mesh(),
               mes_doc("a", labels=ZONE_MES), mes_doc("b", labels=ZONE_MES))
    assert r.zone == "eu-west-1"
    assert "ZoneEgresses of zone(s) ap-south-1 too: 2 zone-created MES belong to eu-west-1" in r.zone_reason


def test_several_egress_zones_without_mes_labels_pick_the_most_egresses():
    r = report(zone_egress("e1", zone="b-zone"), zone_egress("e2", zone="b-zone"), zone_egress("e3", zone="a-zone"),
               mesh(), mes_doc("x"))
    assert r.zone == "b-zone"
    assert r.zone_reason == ("auto: 2 ZoneEgresses (kuma-system/e1, …) are in zone b-zone (spec.zone); "
                             "ZoneEgresses of zone(s) a-zone too: b-zone has the most ZoneEgresses")


def test_api_zone_wins_over_the_input_and_names_its_evidence():
    index = Index([mes("a", labels=ZONE_MES)])
    load = LoadResult(detected_zone="zone-api", zone_source="api",
                      zone_evidence="the control plane API (GET /config) runs as zone zone-api")
    choice = choose_zone(None, index, load)
    assert (choice.zone, choice.source) == ("zone-api", "api")
    assert choice.reason.startswith("auto: the control plane API (GET /config) runs as zone zone-api; ")
    assert choose_zone("  eu  ", index, load).zone == "eu"  # explicit (stripped) still wins
    assert choose_zone("   ", index, None).zone == "eu-west-1"  # blank = detect


@pytest.mark.parametrize("version", ["2.9", "2.14", "3.0"])
def test_json_reports_zone_reason_and_zones(version):
    data = report_dict(report(zone_egress(zone="eu-west-1"), mesh(), mes_doc("a", labels=ZONE_MES), mes_doc("b"),
                              version=version))
    assert data["zone"] == "eu-west-1"
    assert data["zoneReason"].startswith("auto: ZoneEgress")
    assert data["zones"] == [{"zone": "", "services": 1}, {"zone": "eu-west-1", "services": 1}]
    assert data["endpointMaps"]["target"]["zone"] == "eu-west-1"


# --- MES520: most MES belong to another zone -------------------------------------------------------


def test_mes520_when_the_chosen_zone_leaves_most_mes_out():
    r = report(mesh(), zone_egress(), mes_doc("a", labels=ZONE_MES), mes_doc("b", labels=ZONE_MES), mes_doc("c"),
               zone="default", version="2.14")
    found = [f for f in r.findings if f.code == "MES520"]
    assert len(found) == 1
    f = found[0]
    assert f.severity == "warning" and f.resource is None
    assert "2 of 3 MES carry `kuma.io/zone: eu-west-1`, but the analysis models zone default" in f.message
    assert "MES504" in f.message  # 2.9-2.14: the zone label gates reachability
    assert "--zone eu-west-1" in f.hint and f.fix == "mesdoctor check --zone eu-west-1 <files>"
    assert {ref.name for ref in f.related} == {"a", "b"}


def test_mes520_on_3_0_says_the_label_no_longer_gates_reachability():
    r = report(mesh(), mes_doc("a", labels=ZONE_MES), zone="default", version="3.0")
    f = next(f for f in r.findings if f.code == "MES520")
    assert "no longer gates reachability" in f.message


def test_no_mes520_for_half_or_less_nor_in_the_detected_zone():
    half = report(mesh(), zone_egress(), mes_doc("a", labels=ZONE_MES), mes_doc("b"), zone="default")
    assert "MES520" not in {f.code for f in half.findings}
    detected = report(mesh(), zone_egress(), mes_doc("a", labels=ZONE_MES), mes_doc("b", labels=ZONE_MES))
    assert detected.zone == "eu-west-1" and "MES520" not in {f.code for f in detected.findings}
