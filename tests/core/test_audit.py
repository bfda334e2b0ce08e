"""The audit trail's lines (core/audit.py): who, which source, counts and duration, one JSON object per line,
and never a token, a payload, key material or file contents."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import yaml

from core import pki
from core.analysis import analyse
from core.audit import (
    FILES_LISTED,
    NAME_LIMIT,
    Actor,
    FileSummary,
    access_refused_line,
    analysis_line,
    live_fetch_line,
    safe_name,
)
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

TOKEN = ("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJhZG1pbiIsImlhdCI6MTcwMDAwMDAwMH0"
         ".c2lnbmF0dXJlLW9mLXRoZS1hZG1pbi10b2tlbi0xMjM0NTY3ODkw")
HEX_KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
ACTOR = Actor(mode="shared", auth="oidc", user="alice@example.com")


@pytest.fixture(scope="module")
def keyed() -> tuple[list[Source], list[str]]:
    """Manifests holding a private key (Secret data and an inline MES key) and the key's fragments."""
    ca = pki.make_ca("Audit CA", NOW)
    client = pki.make_client(ca, "audit-client", NOW)
    key_pem = client.key_pem()
    docs = [
        {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
         "metadata": {"name": "inline-key", "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"},
                      "annotations": {"token": TOKEN}},
         "spec": {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
                  "endpoints": [{"address": "api.example.com", "port": 443}],
                  "tls": {"enabled": True, "verification": {
                      "mode": "SkipCA", "clientCert": {"inlineString": client.cert_pem.decode()},
                      "clientKey": {"inlineString": key_pem.decode()}}}}},
        {"apiVersion": "v1", "kind": "Secret", "type": "system.kuma.io/secret",
         "metadata": {"name": "client-key", "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"}},
         "data": {"value": base64.b64encode(key_pem).decode()}},
    ]
    sources = [Source(label="upload", name="incident.yaml", data=yaml.safe_dump_all(docs).encode())]
    body = [ln for ln in key_pem.decode().splitlines() if ln and not ln.startswith("-----")]
    stored = base64.b64encode(key_pem).decode()
    fragments = [*body, stored[len(stored) // 2 - 20:len(stored) // 2 + 20], TOKEN, HEX_KEY]
    return sources, [f for f in fragments if len(f) >= 24]


def test_analysis_line_says_who_what_how_many_and_how_long(keyed):
    sources, _ = keyed
    report = analyse(sources, AnalysisOptions(now=NOW))
    at = datetime(2026, 6, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    text = analysis_line(ACTOR, kind="files", files=[FileSummary(s.name, len(s.data)) for s in sources],
                         report=report, seconds=1.23456, at=at)
    assert "\n" not in text
    line = json.loads(text)
    assert line == {
        "event": "analysis", "time": "2026-06-01T12:00:00.123Z", "mode": "shared", "auth": "oidc",
        "user": "alice@example.com",
        "source": {"kind": "files", "count": 1, "bytes": len(sources[0].data),
                   "files": [{"name": "incident.yaml", "bytes": len(sources[0].data)}]},
        "seconds": 1.235, "outcome": "ok", "kumaVersion": report.kuma_version, "mes": len(report.services),
        "findings": line["findings"],
    }
    assert set(line["findings"]) == {"error", "warning", "info"}
    assert sum(line["findings"].values()) == len(report.findings) > 0


def test_no_key_token_or_payload_reaches_a_line(keyed):
    sources, fragments = keyed
    report = analyse(sources, AnalysisOptions(now=NOW))
    hostile = [FileSummary(f"{TOKEN}.yaml", 10), FileSummary("-----BEGIN PRIVATE KEY-----\nMIIE.yaml", 20),
               FileSummary(f"key-{HEX_KEY}.yaml", 30), FileSummary(sources[0].data.decode()[:400], 40)]
    lines = [
        analysis_line(Actor("shared", "proxy", TOKEN), kind="files",
                      files=[*hostile, *(FileSummary(s.name, len(s.data)) for s in sources)],
                      report=report, seconds=0.5, at=NOW),
        analysis_line(ACTOR, kind="kuma-api", live_source=f"https://cp.example.com:5681/{TOKEN}", files=hostile,
                      report=None, seconds=0.5, at=NOW, error="MemoryError"),
        live_fetch_line(ACTOR, kind="kuma-api", source=f"https://cp:5681?token={TOKEN}",
                        counts={"MeshExternalService": 3, TOKEN: 1}, seconds=2, at=NOW),
        live_fetch_line(ACTOR, kind="url", source=f"https://files/{HEX_KEY}", counts=None, seconds=2, at=NOW,
                        error="LiveSourceError"),
        access_refused_line(Actor("shared", "oidc", "mallory@evil.test"), reason=f"bad {TOKEN}", at=NOW),
    ]
    everything = "\n".join(lines)
    assert "BEGIN" not in everything and "PRIVATE" not in everything
    leaked = [f[:12] for f in fragments if f in everything]
    assert not leaked, leaked
    assert "<withheld: " in everything
    for text in lines:
        json.loads(text)  # each is one JSON object
    names = [f["name"] for f in json.loads(lines[0])["source"]["files"]]
    assert names[-1] == "incident.yaml" and all(n.startswith("<withheld: ") for n in names[:3])
    assert names[3].startswith("<withheld: ") or len(names[3]) <= NAME_LIMIT  # never a file's whole contents


def test_names_are_printable_one_line_and_short():
    text = safe_name("a\nb\x1b[31m")
    assert "\n" not in text and "\x1b" not in text
    long = safe_name("x-" * 200)
    assert len(long) == NAME_LIMIT and long.endswith("…")
    assert safe_name("mesh-external-services-production-eu-west-1.yaml") == \
        "mesh-external-services-production-eu-west-1.yaml"  # a long ordinary name stays
    line = live_fetch_line(ACTOR, kind="kube", source="kube:prod\u2028\"x", counts={}, seconds=0, at=NOW)
    assert "\u2028" not in line and "\n" not in line
    assert json.loads(line)["source"]["name"] == "kube:prod\\x2028\"x"


def test_live_fetch_line_counts_and_failure():
    ok = json.loads(live_fetch_line(Actor("local"), kind="kube", source="kube:prod",
                                    counts={"Secret": 4, "MeshExternalService": 12}, seconds=0.25, at=NOW))
    assert ok["event"] == "live-fetch" and ok["user"] is None and ok["auth"] is None and ok["mode"] == "local"
    assert ok["source"] == {"kind": "kube", "name": "kube:prod"}
    assert ok["resources"] == {"MeshExternalService": 12, "Secret": 4} and ok["outcome"] == "ok"
    failed = json.loads(live_fetch_line(ACTOR, kind="url", source="https://h/x.yaml", counts=None, seconds=1,
                                        at=NOW, error="LiveSourceError"))
    assert failed["outcome"] == "failed" and failed["error"] == "LiveSourceError" and "resources" not in failed


def test_many_files_are_counted_not_all_named():
    files = [FileSummary(f"f{i}.yaml", i) for i in range(FILES_LISTED + 5)]
    line = json.loads(analysis_line(ACTOR, kind="files", files=files, report=None, seconds=0, at=NOW))
    assert line["source"]["count"] == FILES_LISTED + 5 and line["source"]["filesNotListed"] == 5
    assert len(line["source"]["files"]) == FILES_LISTED
    assert line["source"]["bytes"] == sum(range(FILES_LISTED + 5))
    assert line["outcome"] == "failed" and line["error"] is None


def test_time_is_utc():
    line = json.loads(access_refused_line(ACTOR, reason="r", at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)))
    assert line["time"] == "2026-01-02T03:04:05.000Z" and line["event"] == "access-refused"
