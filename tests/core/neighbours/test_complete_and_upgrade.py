"""`--complete` and "listed means known" (MES404, MES201 instead of the MES902/MES903/MES904 notes), upgrade
warnings (MES161, unix:// addresses, the 3.0 data-source shape on 2.14.x) and one finding per cause."""

from __future__ import annotations

import pytest

from core.cli import main
from core.model import Kind, LoadResult
from tests.core.neighbours.helpers import EGRESS_DP, MES_HTTPBIN, MTLS_MESH, ZONE_EGRESS, codes, found, run

TLS_MES = """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls: {enabled: true, verification: {caCert: {secret: partner-ca}}}
"""


def test_no_zone_egress_at_all_is_a_note_then_a_finding():
    plain = run(MTLS_MESH, MES_HTTPBIN, version="2.14")
    assert "MES903" in codes(plain) and "MES404" not in codes(plain)
    complete = run(MTLS_MESH, MES_HTTPBIN, version="2.14", complete=True)
    assert "MES903" not in codes(complete)
    [finding] = found(complete, "MES404")
    assert "no ZoneEgress at all (the input is marked complete" in finding.message
    assert "MES404" not in codes(run(MTLS_MESH, ZONE_EGRESS, MES_HTTPBIN, version="2.14", complete=True))


def test_3_0_mesh_without_egress_dataplane():
    assert "MES903" in codes(run(MES_HTTPBIN, version="3.0"))
    complete = run(MES_HTTPBIN, version="3.0", complete=True)
    assert "MES404" in codes(complete) and "MES903" not in codes(complete)
    assert "MES404" not in codes(run(MES_HTTPBIN, EGRESS_DP, version="3.0", complete=True))


def test_referenced_secret_missing_when_the_input_has_no_secrets():
    plain = run(MTLS_MESH, ZONE_EGRESS, TLS_MES, version="2.14")
    assert "MES902" in codes(plain) and "MES201" not in codes(plain)
    complete = run(MTLS_MESH, ZONE_EGRESS, TLS_MES, version="2.14", complete=True)
    assert "MES201" in codes(complete) and "MES902" not in codes(complete)
    assert complete.complete and "Secret" in complete.known_kinds


def test_listed_kinds_from_a_live_source_are_facts():
    """A live source that listed ZoneEgresses and found none: MES404, not the note (no --complete needed)."""
    listed = LoadResult(listed_kinds=frozenset({Kind.ZONE_EGRESS}))
    report = run(MTLS_MESH, MES_HTTPBIN, version="2.14", preloaded=listed)
    assert "the live source listed ZoneEgress resources and found none" in found(report, "MES404")[0].message
    assert not report.complete and report.known_kinds == ("ZoneEgress",)


def test_cli_complete_flag_and_json_keys(tmp_path, capsys):
    path = tmp_path / "in.yaml"
    path.write_text("---\n".join([MTLS_MESH, MES_HTTPBIN]))
    code = main(["check", str(path), "--kuma-version", "2.14", "--complete", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1 and '"complete": true' in out and '"MES404"' in out
    assert '"knownKinds": [\n    "Dataplane",\n    "MeshIdentity",\n    "Secret",\n    "ZoneEgress"\n  ]' in out
    assert '"hostnames": [' in out


@pytest.mark.parametrize(("version", "zone_label", "origin", "fires"), [
    ("3.0", "zone-2", "zone", True),    # another zone's: only zone-2 served it before 3.0
    ("3.0", "default", "global", True),  # pinned by hand on a Global MES
    ("3.0", "default", "zone", False),   # the label Kuma stamps on the zone's own MES
    ("2.14", "zone-2", "global", False),  # still gating there (MES504)
])
def test_zone_label_ignored_on_3_0(version, zone_label, origin, fires):
    labelled = MES_HTTPBIN.replace("namespace: kuma-system}",
                                   f"namespace: kuma-system, labels: {{kuma.io/zone: {zone_label}, kuma.io/origin: "
                                   f"{origin}}}}}")
    report = run(labelled, version=version)
    assert ("MES161" in codes(report)) is fires
    if version == "3.0":
        assert report.services[0].included  # served by every zone's egress whatever the label says


def test_unix_socket_addresses_say_they_were_removed():
    unix = MES_HTTPBIN.replace("address: httpbin.org", "address: 'unix:///var/run/app.sock'")
    [finding] = found(run(unix, version="2.9"), "MES116")
    assert "Kuma 2.9.0 removed" in finding.message and "`address has to be a valid IP or hostname`" in finding.message
    assert "TCP address" in finding.hint
    other = MES_HTTPBIN.replace("address: httpbin.org", "address: 'http://httpbin.org'")
    assert found(run(other, version="2.9"), "MES116")[0].message == "address has to be a valid IP or hostname"


def test_current_shape_on_every_2_14_patch_is_one_finding():
    """v2.14.0-v2.14.3 (and the release-2.14 tip) keep the legacy DataSource on MES: the 3.0 shape is pruned."""
    shaped = TLS_MES.replace("{caCert: {secret: partner-ca}}", "{caCert: {type: Secret, secretRef: {kind: Secret, "
                                                               "name: partner-ca}}}")
    report = run(shaped, version="2.14")
    assert [f.code for f in report.findings if f.path.startswith("spec.tls")] == ["MES157", "MES511"]
    assert "v2.14.0 to v2.14.3" in found(report, "MES157")[0].message


@pytest.mark.parametrize(("value", "write_code"), [
    ("{type: File, file: {path: /ca.pem}}", "MES124"),
    ("{type: Secret}", "MES125"),
    ("{type: Secret, secretRef: {kind: Secret}}", "MES127"),
    ("{type: InsecureInline}", "MES128"),
    ("{type: Vault}", "MES129"),
])
def test_3_0_data_source_problem_is_one_finding(value, write_code):
    shaped = TLS_MES.replace("{caCert: {secret: partner-ca}}", f"{{caCert: {value}}}")
    report = run(shaped, version="3.0")
    assert write_code in codes(report)
    assert codes(report).isdisjoint({"MES212", "MES213"})
    assert [r.code for r in report.secret_references] == [write_code]


def test_bad_universal_name_is_one_finding_per_version():
    universal = ("type: MeshExternalService\nname: My_Service\nmesh: default\n"
                 "spec: {match: {port: 80, protocol: http}, endpoints: [{address: httpbin.org, port: 80}]}\n")
    name_codes = {"MES110", "MES111", "MES131", "MES132", "MES143"}
    for version, kept in (("2.9", "MES143"), ("2.14", "MES143"), ("3.0", "MES111")):
        report = run(universal, version=version)
        assert [f.code for f in report.findings if f.code in name_codes] == [kept], version
    hint = found(run(universal, version="3.0"), "MES111")[0].hint
    assert "(MES143)" in hint and "(MES132)" in hint


def test_mes406_names_the_removed_fields_and_the_new_gate():
    mesh = ("apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}\nspec:\n"
            "  mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}\n"
            "  routing: {zoneEgress: true, defaultForbidMeshExternalServiceAccess: true}\n")
    [finding] = found(run(mesh, MES_HTTPBIN, version="3.0"), "MES406")
    for part in ("`spec.mtls.backends`", "`spec.mtls.enabledBackend`",
                 "`spec.routing.defaultForbidMeshExternalServiceAccess`", "`spec.routing.zoneEgress`",
                 "MeshTrafficPermission on the zone-egress listener", "MeshIdentity"):
        assert part in finding.message, part


def test_mes151_on_3_0_says_the_data_sources_are_still_validated():
    extension = MES_HTTPBIN.replace("  endpoints:", "  extension: {type: custom}\n  endpoints:")
    on_30 = found(run(extension, version="3.0"), "MES151")[0].message
    on_214 = found(run(extension, version="2.14"), "MES151")[0].message
    assert "still validates the TLS data sources" in on_30 and "still validates" not in on_214
