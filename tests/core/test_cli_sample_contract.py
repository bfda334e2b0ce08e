"""`mesdoctor check sample_data/ --format json` (and `--sample`) against the documented JSON contract
(core/report/report.schema.json), for the default version and for --kuma-version 2.9 and 3.0.

The committed sample data may grow; these tests check the contract, the report's internal consistency and
the sample's documented story (the motivating case in mesh `demo`), never exact counts.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
from collections import Counter
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
VARIANTS = {"paths": (str(ROOT / "sample_data"),), "sample": ("--sample",)}


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


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("version", "payments_included"), [("auto", True), ("2.9", False)])
def test_the_motivating_case_of_mesh_demo(variant: str, version: str, payments_included: bool) -> None:
    """sample_data/README.md: partner-api (missing kuma-cert / kuma-key) is left out; on 2.9 it also drops
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
def test_sample_flag_shows_every_certificate_state(version: str) -> None:
    """--sample re-issues the sample certificates relative to --now: every state is there, whatever the day."""
    data = _report("sample", version)
    assert {c["status"] for c in data["certificates"]} == {"valid", "expiring", "expired", "not-yet-valid"}
    summary = data["summary"]
    assert summary["certificatesExpiring"] >= 1 and summary["certificatesExpired"] >= 1
    assert summary["certificatesNotYetValid"] >= 1


@pytest.mark.parametrize("version", VERSIONS)
def test_no_key_material_from_the_committed_sample(version: str) -> None:
    """The sample's private keys (as stored in its Secrets) appear nowhere in the JSON, nor on stderr."""
    _, out, err = _check("paths", version)
    keys = _sample_private_keys()
    assert len(keys) >= 3  # the sample stores several client keys: the check below is not vacuous
    for key in keys:
        for fragment in key_fragments(key):
            assert fragment not in out and fragment not in err


def _sample_private_keys() -> list[bytes]:
    """Every private-key PEM block stored in a Secret of the committed sample (either flavour)."""
    keys: list[bytes] = []
    for path in sorted((ROOT / "sample_data").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict) or doc.get("kind", doc.get("type")) != "Secret":
                continue
            values = [doc["data"]] if isinstance(doc.get("data"), str) else [
                *(doc.get("data") or {}).values(), *(doc.get("stringData") or {}).values()]
            for value in values:
                text = _decoded(value)
                keys += [m.group(0).encode() for m in _KEY_BLOCK.finditer(text)]
    return keys


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
    """The installed entry point, as the README shows it: `mesdoctor check sample_data/ --format json`."""
    script = ROOT / ".venv" / "bin" / "mesdoctor"
    if not script.exists():
        pytest.skip("console script not installed in .venv")
    proc = subprocess.run([str(script), "check", "sample_data/", "--format", "json", "--now", NOW_TEXT],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    VALIDATOR.validate(data)
    assert data["summary"] == _report("paths", "auto")["summary"]
