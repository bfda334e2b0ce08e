"""Never an all-clear that is not one: the overall verdict and the per-service states (core/report/verdict.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import pki
from core.report.json_report import report_dict
from core.report.markdown import to_markdown
from core.report.table import to_table
from core.report.verdict import overall_verdict, service_verdict
from tests.factories import NOW
from tests.incident import mes as mes_doc
from tests.incident import mesh, report, secret, zone_egress

EU = {"kuma.io/origin": "zone", "kuma.io/zone": "eu-west-1"}


def healthy(*extra: str, current: bool = False) -> tuple[str, ...]:
    return (mesh(), zone_egress(), secret("ca-ok"), mes_doc("billing", ca="ca-ok", current=current),
            mes_doc("payments"), *extra)


def state(r, name: str) -> str:
    return service_verdict(r.service("default", name), r).state


def test_all_clear_only_when_everything_is_in_the_map_and_nothing_is_left():
    r = report(*healthy(), version="2.14")
    v = overall_verdict(r)
    assert (v.level, v.headline, v.reasons) == ("ok", "All 2 MES are in zone default's egress endpoint map: "
                                                      "nothing to fix.", [])
    assert {s.resource.name: service_verdict(s, r).headline for s in r.services} == {
        "billing": "In the endpoint map: nothing to fix.", "payments": "In the endpoint map: nothing to fix."}


def test_a_failing_reference_is_never_ok_on_any_target():
    for version in ("2.9", "2.14", "3.0"):
        current = version == "3.0"
        r = report(*healthy(mes_doc("zz-new", ca="ca-typo", current=current), current=current), version=version)
        v = overall_verdict(r)
        assert v.level == "error", version
        assert "1 secret reference fails to load." in v.reasons


def test_a_culprit_on_another_target_is_still_said():
    r = report(*healthy(mes_doc("a-new", ca="ca-typo")), version="2.14")
    v = overall_verdict(r)
    assert v.level == "error"
    assert any(reason.startswith("On a 2.9.x control plane, a-new.kuma-system stops the MES loop and 2 other MES "
                                 "are dropped") for reason in v.reasons)
    assert "on 2.9.x 2 more MES would be dropped" in v.headline


def test_the_culprit_leads_on_a_2_9_target():
    r = report(*healthy(mes_doc("a-new", ca="ca-typo")), version="2.9")
    v = overall_verdict(r)
    assert v.headline.startswith("On this 2.9 control plane, a-new.kuma-system stops the MES loop")
    assert "No MES is in zone default's endpoint map (3 in the input)." in v.reasons  # a consequence, not the lead


def test_the_wrong_zone_leads_and_is_never_ok():
    """The issue's first wrong answer: zone `default` with a zone's export: nothing in the map."""
    docs = (mesh(), secret("ca-ok"), mes_doc("billing", ca="ca-ok", labels=EU), mes_doc("payments", labels=EU))
    r = report(*docs, zone="default", version="2.14")
    v = overall_verdict(r)
    assert v.level == "warning"
    assert v.headline == ("No MES is in zone default's endpoint map: 2 of 2 belong to another zone (2 to zone "
                          "eu-west-1); analyse zone eu-west-1.")
    assert any("Most MES belong to another zone (MES520)" in reason for reason in v.reasons)
    broken = report(*docs, mes_doc("crm", ca="ca-typo", labels=EU), zone="default", version="2.14")
    assert overall_verdict(broken).level == "error"  # crm's reference fails whatever the zone
    assert overall_verdict(broken).headline.startswith("No MES is in zone default's endpoint map: 3 of 3")


def test_unchecked_references_and_an_empty_input_are_not_ok():
    r = report(mesh(), zone_egress(), mes_doc("billing", ca="ca-somewhere"), version="2.14")
    v = overall_verdict(r)
    assert v.level == "warning" and "1 secret reference could not be checked (no Secrets in the input)." in v.reasons
    assert state(r, "billing") == "included-unchecked"
    empty = overall_verdict(report(mesh(), version="2.14"))
    assert (empty.level, empty.headline) == ("warning", "The input holds no MeshExternalService: nothing was "
                                                        "checked.")


def test_warnings_are_counted_by_code():
    docs = (mesh(), zone_egress(), mes_doc("a", extra_spec="  tls: {enabled: true, verification: {mode: SkipCA}}\n"))
    v = overall_verdict(report(*docs, version="2.14"))
    assert v.level == "warning" and "Server not authenticated (MES512)" in v.headline


def test_errors_on_no_mes_say_which_kinds_they_are_on():
    """A route to an MES that does not exist (MES601) is an error of the input, on the route: the verdict names
    the kind instead of counting it among Secrets and Meshes."""
    route = ("apiVersion: kuma.io/v1alpha1\nkind: MeshHTTPRoute\nmetadata:\n  name: to-missing\n"
             "  namespace: kuma-system\n  labels: {kuma.io/mesh: default}\nspec:\n  targetRef: {kind: Mesh}\n"
             "  to:\n  - targetRef: {kind: MeshExternalService, name: missing}\n    rules:\n"
             "    - matches: [{path: {type: PathPrefix, value: /}}]\n      default: {}\n")
    v = overall_verdict(report(*healthy(route), version="2.14"))
    assert v.level == "error"
    assert any(r.startswith("1 error outside the MES (MeshHTTPRoute)") for r in v.reasons), v.reasons


# --- per service --------------------------------------------------------------------------------------


def test_out_of_zone_is_its_own_state_not_nothing_to_fix():
    docs = (*healthy(), mes_doc("remote", labels={"kuma.io/origin": "global", "kuma.io/zone": "zone-2"}))
    r = report(*docs, version="2.14", zone="default")
    v = service_verdict(r.service("default", "remote"), r)
    assert (v.state, v.level) == ("excluded-zone", "info")
    assert v.headline == ("Excluded: out of this zone (kuma.io/zone: zone-2); only zone zone-2's egress serves it. "
                          "Analyse zone zone-2 to check it.")
    assert "nothing to fix" not in v.headline.lower()


def test_culprit_victim_and_latent_culprit_states_on_2_9():
    docs = healthy(mes_doc("a-new", ca="ca-typo"), mes_doc("c-late", ca="ca-other-typo"))
    r = report(*docs, version="2.9")
    culprit = service_verdict(r.service("default", "a-new"), r)
    assert culprit.state == "excluded-own-fault"
    assert culprit.headline == ("Excluded: its own TLS material fails to load (caCert: not-found), and it stops the "
                                "2.9 MES loop: it takes down 3 other MES.")
    victim = service_verdict(r.service("default", "billing"), r)
    assert victim.state == "dropped-by-culprit"
    assert victim.headline == ("Dropped by a-new.kuma-system (2.9 cascade): nothing wrong with it; fix "
                               "a-new.kuma-system to bring it back.")
    late = service_verdict(r.service("default", "payments"), r)
    assert "fix a-new.kuma-system and c-late.kuma-system to bring it back" in late.headline
    latent = service_verdict(r.service("default", "c-late"), r)
    assert latent.state == "dropped-by-culprit" and "its own TLS material fails too: it is next in line" in \
        latent.headline


def test_on_another_target_the_2_9_role_is_a_note():
    r = report(*healthy(mes_doc("a-new", ca="ca-typo")), version="2.14")
    billing = service_verdict(r.service("default", "billing"), r)
    assert (billing.state, billing.note) == ("included", "On 2.9.x: dropped by the cascade; fix a-new.kuma-system "
                                                         "to bring it back.")
    culprit = service_verdict(r.service("default", "a-new"), r)
    assert culprit.state == "excluded-own-fault"
    assert culprit.note == "On 2.9.x: it stops the MES loop and takes down 2 other MES."


def test_rejected_mesh_and_in_map_problem_states():
    expired = pki.make_ca("Old Root", NOW - timedelta(days=800), days=400).cert_pem
    docs = (mesh(), mesh("plain", mtls=False), zone_egress(), secret("ca-ok"), secret("ca-old", expired),
            mes_doc("bad-port", port=70000), mes_doc("no-mtls", mesh="plain"), mes_doc("old", ca="ca-old"),
            mes_doc("skip", extra_spec="  tls: {enabled: true, verification: {mode: SkipCA}}\n"))
    r = report(*docs, version="2.14")
    assert state(r, "bad-port") == "rejected-on-write"
    assert service_verdict(r.service("default", "bad-port"), r).headline.startswith("Rejected on write: ")
    assert service_verdict(r.service("plain", "no-mtls"), r).state == "excluded-mesh"
    old = service_verdict(r.service("default", "old"), r)
    assert old.state == "included-with-errors" and old.headline.startswith("In the endpoint map, but traffic fails: ")
    assert state(r, "skip") == "included-with-warnings"


@pytest.mark.parametrize("version", ["2.9", "2.14"])
def test_json_verdicts(version):
    data = report_dict(report(*healthy(mes_doc("a-new", ca="ca-typo")), version=version))
    assert data["verdict"]["level"] == "error" and data["verdict"]["reasons"]
    states = {s["name"]: s["verdict"]["state"] for s in data["services"]}
    assert states["a-new"] == "excluded-own-fault"
    assert states["billing"] == ("dropped-by-culprit" if version == "2.9" else "included")


def test_table_and_markdown_lead_with_the_verdict_and_list_culprits_in_loop_order():
    r = report(*healthy(mes_doc("a-new", ca="ca-typo"), mes_doc("c-late", ca="ca-other")), version="2.14")
    table = to_table(r)
    lines = table.splitlines()
    assert lines[1].startswith("  version: chosen: Kuma 2.14") and lines[2].startswith("  zone:    auto: nothing")
    assert lines[4].startswith("✖ ERROR: ")
    assert "On a 2.9.x control plane this input would drop 3 MES — culprits in loop order:" in table
    first = table.index("1. default/a-new — culprit, stops the loop now → drops billing, c-late, payments")
    second = table.index("2. default/c-late — latent culprit, next in line once culprit 1 fixed")
    assert first < second
    assert table.count("kubectl create secret generic ca-typo") == 1
    assert "fixing it brings back: billing" in table
    assert "fixing it (with the culprits before it) brings back: payments" in table
    text = to_markdown(r)
    assert "**🔴 ERROR: " in text and "- Zone: auto: nothing in the input names a zone → default" in text
    assert "## On a Kuma 2.9.x control plane this input would drop 3 MES" in text
    assert text.index("1. **`a-new.kuma-system`**") < text.index("2. **`c-late.kuma-system`**")
