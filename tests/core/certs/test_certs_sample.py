"""The samples show the same certificate states whatever the day they are opened: the gallery every state
(expiring, expired, not yet valid), the incident its expired CA and expiring client certificate."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import UTC, datetime

import pytest
import yaml

from core import sample, sample_gallery, sample_incident
from core.analysis import analyse
from core.certs import certificate_status, parse_material
from core.model import CertificateStatus, ReferenceStatus
from core.options import AnalysisOptions

NOWS = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 6, 15, 8, 30, tzinfo=UTC)]


def generated_secrets(now):
    [source] = [s for s in sample.sample_sources(now, "gallery")
                if s.name == f"sample_data/gallery/{sample_gallery.SECRETS_FILE}"]
    return [d for d in yaml.safe_load_all(source.data) if d]


def payload(doc):
    if "stringData" in doc:
        return doc["stringData"]["value"].encode()
    value = next(iter(doc["data"].values()))
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return value.encode()  # lab-ca-invalid: PEM text where base64 belongs


@pytest.mark.parametrize("now", NOWS)
def test_generated_secrets_have_every_state_relative_to_now(now):
    states = {}
    for doc in generated_secrets(now):
        parsed = parse_material(payload(doc))
        for cert in parsed.certificates:
            states.setdefault(doc["metadata"]["name"], []).append(certificate_status(cert, now, 30)[0])
    assert states["ledger-client-cert"] == [CertificateStatus.EXPIRED]
    assert states["payments-ca"] == [CertificateStatus.EXPIRING]
    assert states["lab-future-cert"] == [CertificateStatus.NOT_YET_VALID]
    assert states["lab-ca-rotation"] == [CertificateStatus.VALID, CertificateStatus.EXPIRED]
    assert states["kuma-cert-1"] == [CertificateStatus.VALID]


def test_same_names_and_kinds_whatever_the_day():
    def shape(now):
        return [(d["metadata"]["name"], d["type"], sorted(d.get("data", {}) | d.get("stringData", {})))
                for d in generated_secrets(now)]
    assert shape(NOWS[0]) == shape(NOWS[1])


@pytest.mark.parametrize("name", sample.SAMPLES)
def test_committed_files_match_the_generator_structure(name):
    folder = sample.SAMPLE_DIR / sample.sample_info(name).directory
    committed = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".yaml"}
    fresh = sample.generated_files(NOWS[0], name)
    assert fresh

    def names(raw):
        out = []
        for d in yaml.safe_load_all(raw):
            for item in (d.get("items") or [d]) if d else []:
                out.append((item.get("kind") or item.get("type"),
                            (item.get("metadata") or {}).get("name") or item.get("name")))
        return out

    for file, data in fresh.items():
        assert names(committed[file]) == names(data), f"{file} is stale: run python -m core.sample --write sample_data"


def test_sample_sources_keep_the_hand_written_files(tmp_path):
    (tmp_path / "mine.yaml").write_text("kind: Nothing\n")
    (tmp_path / "README.md").write_text("not a manifest")
    sources = sample.sample_sources(NOWS[0], "gallery", directory=tmp_path)
    assert [s.name for s in sources] == ["sample_data/gallery/mes-next.yaml", "sample_data/gallery/mine.yaml",
                                         "sample_data/gallery/secrets.yaml", "sample_data/gallery/universal.yaml"]
    assert all(s.label == "sample" for s in sources)


def test_the_default_sample_is_the_incident():
    assert sample.SAMPLES == ("incident", "gallery") and sample.DEFAULT_SAMPLE == "incident"
    assert [s.name for s in sample.sample_sources(NOWS[0])] == [
        f"sample_data/incident/{sample_incident.EXPORT_FILE}"]
    with pytest.raises(ValueError, match="incident, gallery"):
        sample.sample_sources(NOWS[0], "galery")


def test_write_command(tmp_path):
    assert sample.main(["--write", str(tmp_path), "--now", "2027-03-01T00:00:00+00:00"]) == 0
    text = (tmp_path / "gallery" / sample_gallery.SECRETS_FILE).read_text()
    assert "GENERATED" in text and "2027-03-01T00:00:00+00:00" in text
    export = (tmp_path / "incident" / sample_incident.EXPORT_FILE).read_text()
    assert "GENERATED" in export and "2027-03-01T00:00:00Z" in export


@pytest.mark.parametrize("now", NOWS)
def test_the_whole_sample_through_the_pipeline(now):
    report = analyse(sample.sample_sources(now, "gallery"), AnalysisOptions(now=now, kuma_version="2.14"))
    states = Counter(c.status for c in report.certificates)
    assert states[CertificateStatus.EXPIRING] >= 1
    assert states[CertificateStatus.EXPIRED] >= 2
    assert states[CertificateStatus.NOT_YET_VALID] >= 1
    statuses = {r.status for r in report.secret_references}
    assert statuses >= {ReferenceStatus.OK, ReferenceStatus.NOT_FOUND, ReferenceStatus.WRONG_NAMESPACE,
                        ReferenceStatus.WRONG_MESH, ReferenceStatus.MISSING_MESH_LABEL, ReferenceStatus.WRONG_TYPE,
                        ReferenceStatus.GLOBAL_SECRET, ReferenceStatus.NO_VALUE_KEY, ReferenceStatus.EMPTY_VALUE,
                        ReferenceStatus.INVALID_BASE64, ReferenceStatus.EMPTY_NAME}
    codes = {f.code for f in report.findings}
    assert {f"MES3{n:02d}" for n in (1, 2, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 19)} <= codes
    demo = [s for s in report.services if s.resource.mesh == "demo"]
    assert len(demo) == 13
    broken = report.service("demo", "partner-api")
    assert broken is not None and not broken.included
    assert report.service("demo", "partner-api-1").included
    dropped_on_29 = sorted(s.resource.name for s in demo if s.dropped_by is not None)
    assert dropped_on_29 == ["payments", "recommendations", "search", "shipping", "weather"]
