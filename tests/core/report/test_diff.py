"""The report diff on pairs of inputs: what a fix brings back, what is new, what only moved (core/report/diff.py)."""

from __future__ import annotations

import json
from typing import Any

from core.report.diff import diff_reports, finding_key
from core.report.json_report import report_dict, to_json
from tests.incident import ca_pem, mesh, report, secret, zone_egress
from tests.incident import mes as mes_doc

K = ".kuma-system"


def chain() -> tuple[str, ...]:
    """a ok, b fails (ca-b missing), c ok, d fails (ca-d missing), e ok (loop order a..e)."""
    return (mesh(), zone_egress(), secret("ca-ok"), mes_doc("a", ca="ca-ok"), mes_doc("b", ca="ca-b"), mes_doc("c"),
            mes_doc("d", ca="ca-d"), mes_doc("e", ca="ca-ok"))


def as_json(*docs: str, version: str = "2.9", overlays: tuple[str, ...] = ()) -> dict[str, Any]:
    """The report as a saved JSON file would give it back."""
    return json.loads(to_json(report(*docs, version=version, overlays=overlays)))


def names(changes) -> list[str]:
    return [c.core_name for c in changes]


def test_fixing_the_culprit_restores_its_victims_and_promotes_the_latent_one():
    before = as_json(*chain())
    after = as_json(*chain(), overlays=(secret("ca-b"),))
    d = diff_reports(before, after)
    assert names(d.restored) == ["b" + K, "c" + K]  # the 2.9 target: its map is the 2.9 one
    assert names(d.restored_on_29) == ["b" + K, "c" + K]
    assert names(d.still_dropped) == ["d" + K, "e" + K]
    assert d.newly_dropped == [] and d.services_added == [] and d.services_removed == []
    assert [(c.core_name, c.role_before, c.role_after) for c in d.resolved_culprits] == [("b" + K, "culprit", None)]
    assert [(c.core_name, c.role_before, c.role_after, c.victims) for c in d.new_culprits] == [
        ("d" + K, "latent-culprit", "culprit", ("e" + K,))]
    assert [r["serviceCoreName"] for r in d.references_fixed] == ["b" + K] and d.references_broken == []
    assert [(c["serviceCoreName"], c["field"]) for c in d.certificates_added] == [("b" + K, "caCert")]
    assert d.certificates_rotated == [] and d.certificates_removed == []
    assert {(f["code"], f["resource"]["coreName"]) for f in d.findings_resolved} >= {
        ("MES201", "b" + K), ("MES501", "b" + K), ("MES502", "c" + K)}
    # e is still dropped by the cascade, now by d: same code, resource and path, another message -> unchanged
    e_before = next(f for f in before["findings"] if f["code"] == "MES502" and f["resource"]["name"] == "e")
    e_after = next(f for f in after["findings"] if f["code"] == "MES502" and f["resource"]["name"] == "e")
    assert e_before["message"] != e_after["message"]
    assert e_after in d.findings_unchanged and e_after not in d.findings_new
    assert [s.core_name for s in d.status_changes] == ["b" + K, "c" + K]
    lines = d.summary_lines()
    assert "Restored to the endpoint map (2): b.kuma-system, c.kuma-system." in lines
    assert "Still not in the endpoint map (2): d.kuma-system, e.kuma-system." in lines
    assert "Culprit fixed: b.kuma-system (mesh default) no longer stops the 2.9 loop." in lines
    assert ("New culprit: d.kuma-system (mesh default) now stops the 2.9 loop (it was next in line), holding back 1 "
            "MES.") in lines
    assert d.changed


def test_on_another_target_the_2_9_side_is_separate():
    before = as_json(*chain(), version="2.14")
    after = as_json(*chain(), version="2.14", overlays=(secret("ca-b"),))
    d = diff_reports(before, after)
    assert names(d.restored) == ["b" + K]  # 2.14 isolates the failure: only b itself was out
    assert names(d.restored_on_29) == ["b" + K, "c" + K]
    assert names(d.still_dropped_on_29) == ["d" + K, "e" + K]
    assert d.to_dict()["kumaVersion"] == {"before": "2.14", "after": "2.14"}


def test_a_new_culprit_with_its_victims():
    before = as_json(*chain())
    after = as_json(*chain(), overlays=(mes_doc("a", ca="ca-okk"),))  # a typo in a's Secret name
    d = diff_reports(before, after)
    assert [(c.core_name, c.role_before, c.role_after) for c in d.new_culprits] == [("a" + K, None, "culprit")]
    assert d.new_culprits[0].victims == ("b" + K, "c" + K, "d" + K, "e" + K)
    assert [(c.core_name, c.role_before, c.role_after) for c in d.culprit_role_changes] == [
        ("b" + K, "culprit", "latent-culprit")]
    assert names(d.newly_dropped) == ["a" + K]
    assert [r["serviceCoreName"] for r in d.references_broken] == ["a" + K]
    assert [r["before"]["secret"] + ">" + r["after"]["secret"] for r in d.references_retargeted] == ["ca-ok>ca-okk"]
    assert [(c["serviceCoreName"]) for c in d.certificates_removed] == ["a" + K]
    assert any(f["code"] == "MES201" and f["resource"]["name"] == "a" for f in d.findings_new)
    assert d.verdict_before == d.verdict_after == "error"


def test_a_rotated_certificate():
    rotated = ca_pem("Partner Root CA 2026", days=700)
    before = as_json(*chain(), version="2.14")
    after = as_json(*chain(), version="2.14", overlays=(secret("ca-ok", rotated),))
    d = diff_reports(before, after)
    assert sorted(c["before"]["serviceCoreName"] for c in d.certificates_rotated) == ["a" + K, "e" + K]
    pair = d.certificates_rotated[0]
    assert pair["before"]["sha256"] != pair["after"]["sha256"] and pair["after"]["secret"] == "ca-ok"
    assert d.certificates_added == d.certificates_removed == d.certificates_moved == []
    assert d.restored == d.newly_dropped == [] and d.references_fixed == d.references_broken == []
    assert "Certificates: 2 rotated." in d.summary_lines()


def test_a_renamed_secret_with_the_reference_updated_only_moves_the_certificate():
    before = as_json(*chain(), version="2.14")
    after = as_json(*chain(), version="2.14", overlays=(secret("ca-renamed"), mes_doc("a", ca="ca-renamed")))
    d = diff_reports(before, after)
    assert [(m["before"]["secret"], m["after"]["secret"]) for m in d.certificates_moved] == [("ca-ok", "ca-renamed")]
    assert d.certificates_added == d.certificates_removed == d.certificates_rotated == []
    assert [(r["before"]["secret"], r["after"]["secret"]) for r in d.references_retargeted] == [
        ("ca-ok", "ca-renamed")]
    assert d.references_fixed == d.references_broken == []
    assert "Certificates: 1 moved to another Secret." in d.summary_lines()


def test_a_renamed_secret_the_references_still_name_breaks_them():
    renamed = tuple(secret("ca-renamed") if doc == secret("ca-ok") else doc for doc in chain())
    before = as_json(*chain(), version="2.14")
    after = as_json(*renamed, version="2.14")
    d = diff_reports(before, after)
    assert sorted(r["serviceCoreName"] for r in d.references_broken) == ["a" + K, "e" + K]
    assert sorted(c["serviceCoreName"] for c in d.certificates_removed) == ["a" + K, "e" + K]
    assert names(d.newly_dropped) == ["a" + K, "e" + K]
    assert names(d.newly_dropped_on_29) == ["a" + K]  # e was already behind b on 2.9
    assert [(c.core_name, c.role_after) for c in d.new_culprits] == [("a" + K, "culprit")]


def finding(code: str, name: str | None, path: str = "", message: str = "m", file: str = "x.yaml") -> dict[str, Any]:
    resource = ({"kind": "MeshExternalService", "name": name, "mesh": "default", "namespace": "kuma-system",
                 "coreName": f"{name}{K}"} if name else None)
    return {"code": code, "path": path, "message": message, "resource": resource,
            "location": {"source": "t", "file": file, "document": 0, "line": 1}}


def test_findings_are_matched_by_code_resource_and_path_never_by_message():
    before = {"findings": [finding("MES201", "a", "spec.tls.verification.caCert", "old text"),
                           finding("MES312", "a", "spec.tls.verification.caCert"),
                           finding("MES001", None, file="broken.yaml"),
                           finding("MES006", "b"), finding("MES006", "b")]}
    after = {"findings": [finding("MES201", "a", "spec.tls.verification.caCert", "new text"),
                          finding("MES312", "a", "spec.tls.verification.clientCert"),
                          finding("MES001", None, file="other.yaml"),
                          finding("MES006", "b")]}
    d = diff_reports(before, after)
    assert [f["message"] for f in d.findings_unchanged if f["code"] == "MES201"] == ["new text"]
    assert [(f["code"], f["path"]) for f in d.findings_new] == [("MES312", "spec.tls.verification.clientCert"),
                                                                ("MES001", "")]
    assert sorted((f["code"], f["path"]) for f in d.findings_resolved) == [
        ("MES001", ""), ("MES006", ""), ("MES312", "spec.tls.verification.caCert")]
    assert finding_key(finding("MES001", None, file="f.yaml")) == ("MES001", "input:f.yaml", "")
    assert finding_key(finding("MES201", "a", "p")) == ("MES201", "MeshExternalService/default/a.kuma-system", "p")


def test_services_added_removed_and_a_report_without_the_newer_keys():
    before = {"services": [{"name": "a", "mesh": "default", "coreName": "a" + K, "status": "healthy",
                            "included": True}]}  # a report from an older MES Doctor: no cascade, no verdict
    after = report_dict(report(mesh(), zone_egress(), mes_doc("b"), version="2.14"))
    d = diff_reports(before, after)
    assert names(d.services_added) == ["b" + K] and names(d.services_removed) == ["a" + K]
    assert (d.verdict_before, d.verdict_after) == (None, "ok")
    data = d.to_dict()
    assert json.loads(json.dumps(data)) == data  # plain JSON
    assert data["servicesAdded"][0] == {"mesh": "default", "coreName": "b" + K, "name": "b", "before": None,
                                        "after": "healthy"}


def test_identical_reports_differ_in_nothing():
    data = as_json(*chain())
    d = diff_reports(data, data)
    assert not d.changed
    assert names(d.still_dropped) == ["b" + K, "c" + K, "d" + K, "e" + K]
    assert d.summary_lines() == ["Still not in the endpoint map (4): b.kuma-system, c.kuma-system, d.kuma-system, "
                                 "e.kuma-system.", "On 2.9.x, still dropped (4): b.kuma-system, c.kuma-system, "
                                 "d.kuma-system, e.kuma-system."]
    assert diff_reports({}, {}).summary_lines() == ["No change."]
