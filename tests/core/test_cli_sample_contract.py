"""`mesdoctor check sample_data/gallery/ --format json` (and `--sample gallery`, `--sample`) against the
documented JSON contract (core/report/report.schema.json), for the default version and for --kuma-version 2.9
and 3.0.

The committed sample data may grow; these tests check the contract, the report's internal consistency and
the samples' documented stories (the motivating case in the gallery's mesh `demo`, the incident of the default
sample), never exact counts.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from core.cli import main
from core.versions import SUPPORTED
from tests.factories import NOW
from tests.scenarios import key_fragments

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "core" / "report" / "report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
NOW_TEXT = NOW.isoformat().replace("+00:00", "Z")
VERSIONS = ["auto", "2.9", "3.0"]
INCIDENT_ZONE = "eu-west-1"
VARIANTS = {
    "paths": (str(ROOT / "sample_data" / "gallery"),),
    "sample": ("--sample", "gallery"),
    "incident": ("--sample", "--zone", INCIDENT_ZONE),
}
GALLERY = ["paths", "sample"]


@cache
def _check(variant: str, version: str) -> tuple[int, str, str]:
    """Run the CLI in-process once per (variant, version); tests only read the output."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", *VARIANTS[variant], "--format", "json", "--now", NOW_TEXT]
    if version != "auto":
        argv += ["--kuma-version", version]
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _report(variant: str, version: str) -> dict[str, Any]:
    code, out, err = _check(variant, version)
    assert code == 1, err  # the sample holds errors on purpose: the default --fail-on error fails
    return json.loads(out)


def test_the_schema_itself_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_json_validates_against_the_contract(variant: str, version: str) -> None:
    data = _report(variant, version)
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert data["now"] == NOW_TEXT
    if version == "auto":
        assert data["kumaVersion"] in SUPPORTED and data["kumaVersionReason"].startswith("auto")
    else:
        assert data["kumaVersion"] == version


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_summary_agrees_with_the_lists(variant: str, version: str) -> None:
    data = _report(variant, version)
    summary, services = data["summary"], data["services"]
    statuses = Counter(s["status"] for s in services)
    assert summary["services"] == len(services) > 0
    assert (summary["healthy"], summary["warning"], summary["broken"]) == (
        statuses["healthy"], statuses["warning"], statuses["broken"])
    assert summary["included"] == sum(s["included"] for s in services)
    assert summary["secretReferences"] == len(data["secretReferences"])
    assert summary["certificates"] == len(data["certificates"])
    # every service finding is also in the top-level list, there naming the service as its resource
    top = Counter(_finding_key(f) for f in data["findings"])
    for service in services:
        for finding in service["findings"]:
            assert top[_finding_key({**finding, "resource": {"kind": "MeshExternalService", "name": service["name"],
                                                             "mesh": service["mesh"],
                                                             "namespace": service["namespace"],
                                                             "coreName": service["coreName"]}})] > 0, finding


def _finding_key(finding: dict[str, Any]) -> str:
    return json.dumps(finding, sort_keys=True)


@pytest.mark.parametrize("variant", GALLERY)
@pytest.mark.parametrize(("version", "payments_included"), [("auto", True), ("2.9", False)])
def test_the_motivating_case_of_mesh_demo(variant: str, version: str, payments_included: bool) -> None:
    """sample_data/README.md, gallery: partner-api (missing kuma-cert / kuma-key) is left out; on 2.9 it also drops
    the MES after it (payments...), each with an MES502 naming partner-api; partner-api-1 stays."""
    data = _report(variant, version)
    demo = {s["name"]: s for s in data["services"] if s["mesh"] == "demo"}
    assert demo["partner-api"]["included"] is False and demo["partner-api"]["status"] == "broken"
    assert "MES501" in {f["code"] for f in demo["partner-api"]["findings"]}
    assert demo["partner-api-1"]["included"] is True
    assert demo["payments"]["included"] is payments_included
    cascade = [f for f in demo["payments"]["findings"] if f["code"] == "MES502"]
    assert bool(cascade) is not payments_included
    assert all("partner-api.kuma-system" in f["message"] for f in cascade)
    refs = {(r["service"], r["field"]): r for r in data["secretReferences"] if r["mesh"] == "demo"}
    assert refs[("partner-api", "clientCert")]["secret"] == "kuma-cert"
    assert refs[("partner-api", "clientCert")]["status"] != "ok"
    assert refs[("partner-api-1", "clientCert")]["status"] == "ok"


@pytest.mark.parametrize("version", ["auto", "2.9"])
def test_the_incident_of_the_default_sample(version: str) -> None:
    """sample_data/README.md, incident: fraud-scoring's typo'd Secret; on 2.9 every MES sorted after it is dropped
    (MES502 naming it); maps-tiles' CA Secret is in another namespace; the faults of their own; what changed."""
    data = _report("incident", version)
    assert data["zone"] == INCIDENT_ZONE
    services = {s["name"]: s for s in data["services"]}
    order = [s["name"] for s in data["services"]]
    assert services["fraud-scoring"]["included"] is False and services["maps-tiles"]["included"] is False
    victims = order[order.index("fraud-scoring") + 1:]
    on29 = data["kumaVersion"] == "2.9"  # auto follows the input's version (the kuma-cp image is 2.9.3)
    for name in victims:
        assert services[name]["droppedBy"] == "fraud-scoring", name
        assert services[name]["includedOn29"] is False
        if name not in ("maps-tiles",):  # the latent culprit fails on its own on every version
            assert services[name]["included"] is not on29, name
    refs = {(r["service"], r["field"]): r for r in data["secretReferences"]}
    assert refs[("fraud-scoring", "clientCert")]["status"] == "not-found"
    assert "fraud-scoring-client-cert" in refs[("fraud-scoring", "clientCert")]["message"]
    assert refs[("maps-tiles", "caCert")]["status"] == "wrong-namespace"
    certs = {(c["service"], c["field"], c["position"]): c for c in data["certificates"]}
    assert (certs[("shipping-rates", "caCert", 0)]["status"], certs[("shipping-rates", "caCert", 0)]["daysLeft"]) == (
        "expired", -6)
    assert (certs[("crm-sync", "clientCert", 0)]["status"], certs[("crm-sync", "clientCert", 0)]["daysLeft"]) == (
        "expiring", 9)
    assert certs[("invoice-pdf", "clientCert", 0)]["keyPair"] == "mismatch"
    assert certs[("payments-psp", "clientCert", 0)]["keyPair"] == "match"
    assert all(c["keyPair"] is None for c in data["certificates"] if c["field"] == "caCert")
    # what changed: the new MES, and maps-tiles' Secret an hour ago
    assert [s["name"] for s in data["services"] if s["changedRecently"]] == ["fraud-scoring"]
    assert data["summary"]["changedRecently"] == 1
    assert services["fraud-scoring"]["createdAt"] is not None
    moved = _time(refs[("maps-tiles", "caCert")]["secretCreatedAt"])
    assert timedelta(minutes=59) <= NOW - moved <= timedelta(hours=1)
    assert refs[("fraud-scoring", "clientCert")]["secretCreatedAt"] is None, "no Secret matched"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("version", ["auto", "2.9"])
def test_sample_flag_shows_every_certificate_state(version: str) -> None:
    """--sample gallery re-issues the sample certificates relative to --now: every state is there, whatever
    the day."""
    data = _report("sample", version)
    assert {c["status"] for c in data["certificates"]} == {"valid", "expiring", "expired", "not-yet-valid"}
    summary = data["summary"]
    assert summary["certificatesExpiring"] >= 1 and summary["certificatesExpired"] >= 1
    assert summary["certificatesNotYetValid"] >= 1


@pytest.mark.parametrize("version", VERSIONS)
def test_no_key_material_from_the_committed_sample(version: str) -> None:
    """The samples' private keys (as stored in their Secrets) appear nowhere in the JSON, nor on stderr."""
    _, out, err = _check("paths", version)
    _, incident, incident_err = _check_paths(str(ROOT / "sample_data" / "incident"), version)
    keys = _sample_private_keys()
    assert len(keys) >= 6  # the samples store several client keys: the check below is not vacuous
    for key in keys:
        for fragment in key_fragments(key):
            assert fragment not in out and fragment not in err
            assert fragment not in incident and fragment not in incident_err


@cache
def _check_paths(path: str, version: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", path, "--format", "json", "--now", NOW_TEXT, "--zone", INCIDENT_ZONE]
    if version != "auto":
        argv += ["--kuma-version", version]
    return main(argv, stdout=out, stderr=err), out.getvalue(), err.getvalue()


def _sample_private_keys() -> list[bytes]:
    """Every private-key PEM block stored in a Secret of the committed sample (either flavour)."""
    keys: list[bytes] = []
    for path in sorted((ROOT / "sample_data").rglob("*.yaml")):
        for doc in _documents(path):
            if not isinstance(doc, dict) or doc.get("kind", doc.get("type")) != "Secret":
                continue
            values = [doc["data"]] if isinstance(doc.get("data"), str) else [
                *(doc.get("data") or {}).values(), *(doc.get("stringData") or {}).values()]
            for value in values:
                text = _decoded(value)
                keys += [m.group(0).encode() for m in _KEY_BLOCK.finditer(text)]
    return keys


def _documents(path: Path) -> list[Any]:
    """The documents of a file, list items (`kind: List`) as documents of their own."""
    out: list[Any] = []
    for doc in yaml.safe_load_all(path.read_text()):
        out.extend(doc["items"] if isinstance(doc, dict) and isinstance(doc.get("items"), list) else [doc])
    return out


_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----\n?", re.S)


def _decoded(value: object) -> str:
    if not isinstance(value, str):
        return ""
    if "-----BEGIN" in value:  # stringData
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
    except ValueError:
        return ""


def test_legacy_sources_are_rejected_on_3_0() -> None:
    data = _report("paths", "3.0")
    assert "MES211" in {f["code"] for f in data["findings"]}


def test_console_script_on_the_sample_directory() -> None:
    """The installed entry point, as the README shows it: `mesdoctor check sample_data/gallery/ --format json`."""
    script = ROOT / ".venv" / "bin" / "mesdoctor"
    if not script.exists():
        pytest.skip("console script not installed in .venv")
    proc = subprocess.run([str(script), "check", "sample_data/gallery/", "--format", "json", "--now", NOW_TEXT],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    VALIDATOR.validate(data)
    assert data["summary"] == _report("paths", "auto")["summary"]
