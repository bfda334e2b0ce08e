"""The audit trail through the app (AppTest): one line per analysis (not per page or rerun), one per live read,
who acted, which source, counts, duration; uploads and a Kuma API read holding private keys and a token, and none
of it in any log line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from core.audit import AUDIT_LOGGER
from core.live import LiveSourceError
from core.live.specs import UrlSpec
from tests.app.conftest import PAGES, assert_clean, new_app, report_of
from tests.app.test_hygiene import Keys, manifests
from tests.app.test_live import ADMIN, connect_kuma
from tests.core.live.conftest import fill_kuma
from tests.core.live.servers import KumaApi, LoopbackServer, clear_proxies
from tests.logcapture import Collect
from ui import audit, auth

UPLOAD_KEY = "w.sources.upload"


class Headers(dict):
    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def kuma(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[KumaApi, LoopbackServer, Any]]:
    clear_proxies(monkeypatch)
    api = KumaApi()
    case = fill_kuma(api)
    with LoopbackServer(api) as server:
        yield api, server, case


def audit_lines(logs: Collect) -> list[dict[str, Any]]:
    prefix = f"{AUDIT_LOGGER}: "
    return [json.loads(line[len(prefix):]) for line in logs.lines if line.startswith(prefix)]


def test_uploads_with_keys_one_line_per_analysis_with_who_and_counts(keys, logs: Collect, monkeypatch):
    monkeypatch.setenv("MESDOCTOR_MODE", "shared")
    monkeypatch.setenv("MESDOCTOR_TRUSTED_USER_HEADER", "X-Forwarded-Email")
    monkeypatch.setattr(auth, "request_headers", lambda: Headers({"x-forwarded-email": "carol@example.com"}))
    k8s, universal = manifests(keys)
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value([
        ("kubernetes.yaml", k8s, "application/x-yaml"), ("universal.yaml", universal, "application/x-yaml")]).run()
    assert_clean(at)
    for path in ["app.py", *PAGES, "app.py"]:  # page switches do not analyse again
        at.switch_page(path).run()
        assert_clean(at)
    lines = audit_lines(logs)
    assert [line["event"] for line in lines] == ["analysis", "analysis"], "the sample, then the upload"
    sample, upload = lines
    assert sample["source"]["kind"] == "sample"
    report = report_of(at)
    assert upload["user"] == "carol@example.com" and upload["auth"] == "proxy" and upload["mode"] == "shared"
    assert upload["source"] == {"kind": "files", "count": 2, "bytes": len(k8s) + len(universal),
                                "files": [{"name": "kubernetes.yaml", "bytes": len(k8s)},
                                          {"name": "universal.yaml", "bytes": len(universal)}]}
    assert upload["mes"] == len(report.services) == 8
    assert sum(upload["findings"].values()) == len(report.findings)
    assert upload["outcome"] == "ok" and upload["seconds"] >= 0
    everything = "\n".join(logs.lines)
    leaked = [f[:12] for f in keys.fragments() if f in everything]
    assert not leaked and "PRIVATE KEY" not in everything


def test_a_live_read_and_its_analysis_each_log_one_line_and_never_the_token(kuma, logs: Collect):
    _api, server, _case = kuma
    at = new_app()
    at.run()
    connect_kuma(at, server.url)
    at.button(key="w.sidebar.live_refresh").click().run()  # the same content: a read, no new analysis
    assert_clean(at)
    connect_kuma(at, server.url, token="wrong-token-777")  # refused by the server
    lines = audit_lines(logs)
    events = [line["event"] for line in lines]
    assert events == ["analysis", "live-fetch", "analysis", "live-fetch", "live-fetch"], events
    fetch, analysis, refresh, refused = lines[1], lines[2], lines[3], lines[4]
    assert fetch["source"] == {"kind": "kuma-api", "name": server.url} and fetch["outcome"] == "ok"
    assert fetch["resources"]["MeshExternalService"] == 2 and fetch["user"] is None and fetch["mode"] == "local"
    assert analysis["source"]["kind"] == "kuma-api" and analysis["source"]["name"] == server.url
    assert analysis["mes"] == len(report_of(at).services) and analysis["source"]["count"] == 0
    assert refresh["outcome"] == "ok"
    assert refused["outcome"] == "failed" and "resources" not in refused
    assert refused["error"].isidentifier(), "the error's type name (ApiStatus), never its message"
    everything = "\n".join(logs.lines)
    assert ADMIN not in everything and "wrong-token-777" not in everything


def test_the_decorator_logs_a_failed_read_without_its_message(logs: Collect):
    @audit.audited_read
    def read(spec: UrlSpec) -> Any:
        raise LiveSourceError(spec.label, "HTTP 500: body echoing Authorization: Bearer s3cr3t-t0ken-value")

    with pytest.raises(LiveSourceError):
        read(UrlSpec("https://files.example/mes.yaml?sig=s3cr3t"))
    (line,) = audit_lines(logs)
    assert line["event"] == "live-fetch" and line["outcome"] == "failed" and line["error"] == "LiveSourceError"
    assert line["source"] == {"kind": "url", "name": "https://files.example/mes.yaml"}
    assert "s3cr3t" not in "\n".join(logs.lines)
