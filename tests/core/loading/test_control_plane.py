"""The kuma-cp workload in an export names the version (image tag) and the zone (Helm env); it stays ignored."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from core.cli import main
from core.loading.control_plane import image_version, is_cp_image, repository, sightings
from core.model import DocumentStatus
from core.report.json_report import report_dict
from tests.incident import control_plane, mesh, report, zone_egress
from tests.incident import mes as mes_doc


@pytest.mark.parametrize(("image", "version"), [
    ("kumahq/kuma-cp:2.9.3", "2.9.3"),
    ("docker.io/kumahq/kuma-cp:2.9.3", "2.9.3"),
    ("docker.io/kumahq/kuma-cp:2.9.3@sha256:" + "ab" * 32, "2.9.3"),
    ("kong/kuma-cp:2.10.1", "2.10.1"),
    ("registry.internal:5000/mirror/kumahq/kuma-cp:v2.11.0", "2.11.0"),
    ("kumahq/kuma-cp:2.12.0-rc1", "2.12.0"),
    ("kumahq/kuma-cp:2.13", "2.13"),
    ("docker.io/kumahq/kuma-cp@sha256:" + "ab" * 32, None),  # digest only: no release named
    ("registry.internal:5000/kuma-cp", None),  # a registry port is not a tag
    ("kumahq/kuma-cp", None),
    ("kumahq/kuma-cp:latest", None),
])
def test_image_version(image, version):
    assert is_cp_image(image)
    assert image_version(image) == version


@pytest.mark.parametrize("image", ["kumahq/kuma-dp:2.9.3", "kumahq/kuma-init:2.9.3", "nginx:1.27",
                                   "kumahq/kuma-cp-extra:2.9.3"])
def test_other_images_are_not_the_control_plane(image):
    assert not is_cp_image(image)


def test_repository_strips_tag_and_digest():
    assert repository("docker.io/kumahq/kuma-cp:2.9.3@sha256:00") == "docker.io/kumahq/kuma-cp"
    assert repository("localhost:5000/kuma-cp") == "localhost:5000/kuma-cp"


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"])
def test_every_workload_kind_is_read(kind):
    found = sightings(yaml.safe_load(control_plane("kumahq/kuma-cp:2.9.3", kind=kind, zone="eu-west-1")))
    assert [(s.workload, s.version, s.zone) for s in found] == [
        (f"{kind} kuma-system/kuma-control-plane", "2.9.3", "eu-west-1")]


def test_what_no_longer_runs_is_skipped():
    assert sightings(yaml.safe_load(control_plane("kumahq/kuma-cp:2.8.0", kind="ReplicaSet", replicas=0))) == []
    assert sightings(yaml.safe_load(control_plane("kumahq/kuma-cp:2.8.0", kind="Pod", phase="Succeeded"))) == []
    assert sightings({"kind": "Deployment", "spec": "not a mapping"}) == []
    assert sightings({"kind": "ConfigMap", "data": {"image": "kumahq/kuma-cp:2.9.3"}}) == []


def test_a_deployment_image_tag_drives_auto_detection_and_stays_an_ignored_document():
    r = report(control_plane("docker.io/kumahq/kuma-cp:2.9.3"), mesh(), zone_egress(), mes_doc("billing"))
    assert r.kuma_version == "2.9"
    assert r.version_detected and r.version_source == "control-plane"
    assert r.version_reason == ("auto: kuma-cp image docker.io/kumahq/kuma-cp:2.9.3 in Deployment "
                                "kuma-system/kuma-control-plane → Kuma 2.9")
    deployment = [d for d in r.documents if d.kind == "Deployment"]
    assert [(d.status, d.name) for d in deployment] == [(DocumentStatus.IGNORED, "kuma-control-plane")]
    assert deployment[0].reason == ("apps/v1 Deployment is not a kind MES Doctor analyses; its kuma-cp container "
                                    "(docker.io/kumahq/kuma-cp:2.9.3) was read for the control plane's version and "
                                    "zone")
    assert all(res.kind.value != "Deployment" for res in r.resources)
    assert not [f for f in r.findings if f.resource is None and f.code.startswith("MES0")]


def test_kong_mesh_image():
    r = report(control_plane("kong/kuma-cp:2.10.1"), mesh(), mes_doc("billing"))
    assert (r.kuma_version, r.version_source) == ("2.10", "control-plane")


def test_a_deployment_beats_an_old_pod_and_a_tie_takes_the_oldest():
    r = report(control_plane("kumahq/kuma-cp:2.9.3", kind="Pod", name="kuma-cp-old"),
               control_plane("kumahq/kuma-cp:2.10.1"), mesh(), mes_doc("billing"))
    assert r.kuma_version == "2.10"
    tie = report(control_plane("kumahq/kuma-cp:2.10.1", name="b"), control_plane("kumahq/kuma-cp:2.9.3", name="a"),
                 mesh(), mes_doc("billing"))
    assert tie.kuma_version == "2.9"
    assert "(the input also runs kuma-cp 2.10.1)" in tie.version_reason


def test_a_digest_only_image_is_not_detected_and_the_reason_says_so():
    image = "docker.io/kumahq/kuma-cp@sha256:" + "cd" * 32
    r = report(control_plane(image), mesh(), mes_doc("billing", ca="ca"), zone_egress())
    assert not r.version_detected and r.version_source == "shape"
    assert r.kuma_version == "2.14"
    assert r.version_reason.startswith(f"auto: kuma-cp version not detected (the kuma-cp image {image} of "
                                       "Deployment kuma-system/kuma-control-plane names no release (no version tag))")
    assert "Which kuma-cp version runs the zone?" in r.version_reason


def test_an_unmodelled_release_is_said_and_falls_back():
    r = report(control_plane("kumahq/kuma-cp:2.8.4"), mesh(), mes_doc("billing"))
    assert r.kuma_version == "2.14" and not r.version_detected
    assert ("(kuma-cp image kumahq/kuma-cp:2.8.4 in Deployment kuma-system/kuma-control-plane: Kuma 2.8.4 is a "
            "release MES Doctor does not model)") in r.version_reason


def test_plain_export_says_not_detected_and_asks():
    r = report(mesh(), mes_doc("billing"))
    assert (r.version_detected, r.version_source) == (False, "default")
    assert r.version_reason.startswith("auto: kuma-cp version not detected (no kuma-cp Deployment/Pod image or "
                                       "control plane API in the input)")
    data = report_dict(r)
    assert (data["kumaVersionDetected"], data["kumaVersionSource"]) == (False, "default")


def test_an_explicit_version_wins_and_the_reason_names_what_runs():
    r = report(control_plane("kumahq/kuma-cp:2.9.3"), mesh(), mes_doc("billing"), version="2.14")
    assert (r.kuma_version, r.version_source, r.version_detected) == ("2.14", "chosen", False)
    assert r.version_reason.startswith("chosen: Kuma 2.14 (the control plane runs Kuma 2.9.3: kuma-cp image")
    same = report(control_plane("kumahq/kuma-cp:2.9.3"), mesh(), mes_doc("billing"), version="2.9")
    assert same.version_reason == "chosen: Kuma 2.9"


def test_a_what_if_overlay_with_another_control_plane_wins():
    r = report(control_plane("kumahq/kuma-cp:2.9.3"), mesh(), mes_doc("billing"),
               overlays=[control_plane("kumahq/kuma-cp:2.10.1")])
    assert r.kuma_version == "2.10"


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *args, "--now", "2026-06-01T12:00:00Z", "--color", "never"], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_notes_an_undetected_version_on_stderr_in_table_format(tmp_path):
    path = tmp_path / "export.yaml"
    path.write_text("---\n".join([mesh(), mes_doc("billing")]))
    _, out, err = _cli(str(path))
    assert ("mesdoctor: note: kuma-cp version not detected: analysed as 2.14; pass --kuma-version 2.9 if the zone "
            "runs 2.9.x\n") in err
    assert "version: auto: kuma-cp version not detected" in out
    _, out, err = _cli(str(path), "--format", "json")
    assert "not detected" not in err and json.loads(out)["kumaVersionDetected"] is False
    _, _, err = _cli(str(path), "--kuma-version", "2.9")
    assert "not detected" not in err
    path.write_text("---\n".join([control_plane("kumahq/kuma-cp:2.9.3"), mesh(), mes_doc("billing")]))
    _, out, err = _cli(str(path))
    assert "not detected" not in err and "Kuma 2.9" in out
