"""Manifest files and archives fetched over http(s)."""

from __future__ import annotations

import io
import tarfile

import pytest

from core.live import LiveSourceError, UrlSpec, fetch
from core.live.url_source import file_name
from core.model import Kind
from core.options import Limits
from tests.core.live.conftest import FAST, Tls, _case
from tests.core.live.servers import LoopbackServer, Reply
from tests.factories import NOW


def serve(routes: dict[str, Reply]) -> LoopbackServer:
    return LoopbackServer(lambda request: routes.get(request.path, Reply(404, b"not here")))


def _yaml() -> bytes:
    return _case("kubernetes").yaml.encode()


def _tar_gz(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_manifest_file_keeps_real_line_numbers_and_provenance():
    with serve({"/mes/incident.yaml": Reply(200, _yaml(), {"Content-Type": "application/yaml"})}) as server:
        url = f"{server.url}/mes/incident.yaml?X-Amz-Signature=c2VjcmV0"
        result = fetch(UrlSpec(url, timeout=FAST), now=NOW)
    assert result.label == f"{server.url}/mes/incident.yaml"  # the signed query is not shown anywhere
    assert result.counts == {"Mesh": 1, "MeshExternalService": 2, "Secret": 2}
    mes = next(r for r in result.load.resources if r.kind is Kind.MESH_EXTERNAL_SERVICE)
    assert (mes.origin.source, mes.origin.file, mes.origin.fetched_at) == (result.label, "incident.yaml", NOW)
    assert mes.origin.line is not None and mes.origin.line > 1
    assert result.load.secrets is None  # decided from the resources, as for files
    assert "Signature" not in repr(result.load.resources[0].origin)


def test_archive_without_suffix_is_recognised_by_its_bytes():
    archive = _tar_gz("manifests/incident.yaml", _yaml())
    with serve({"/download": Reply(200, archive, {"Content-Type": "application/octet-stream"})}) as server:
        result = fetch(UrlSpec(f"{server.url}/download", timeout=FAST), now=NOW)
    assert result.counts["MeshExternalService"] == 2
    assert result.load.resources[0].origin.file == "download.tar.gz!manifests/incident.yaml"


def test_redirects_are_followed_and_rechecked():
    routes = {
        "/a": Reply(302, b"", {"Location": "/b"}),
        "/b": Reply(301, b"", {"Location": "c.yaml"}),
        "/c.yaml": Reply(200, _yaml()),
        "/loop": Reply(302, b"", {"Location": "/loop"}),
        "/to-file": Reply(302, b"", {"Location": "file:///etc/passwd"}),
        "/to-ftp": Reply(307, b"", {"Location": "ftp://example.com/x.yaml"}),
    }
    with serve(routes) as server:
        result = fetch(UrlSpec(f"{server.url}/a", timeout=FAST), now=NOW)
        assert result.counts["MeshExternalService"] == 2
        assert result.notes == [f"redirected to {server.url}/c.yaml"]
        with pytest.raises(LiveSourceError, match=r"too many redirects \(more than 3\)"):
            fetch(UrlSpec(f"{server.url}/loop", timeout=FAST), now=NOW)
        with pytest.raises(LiveSourceError, match=r"redirected to a file:// URL; only http:// and https://"):
            fetch(UrlSpec(f"{server.url}/to-file", timeout=FAST), now=NOW)
        with pytest.raises(LiveSourceError, match=r"redirected to a ftp:// URL"):
            fetch(UrlSpec(f"{server.url}/to-ftp", timeout=FAST), now=NOW)
        with pytest.raises(LiveSourceError, match="redirects are not followed"):
            fetch(UrlSpec(f"{server.url}/a", timeout=FAST, max_redirects=0), now=NOW)
        assert not [r for r in server.requests if r.path == "/etc/passwd"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a.yaml", "gopher://x/", "/etc/passwd",
                                 "data:text/plain,hello", "http://"])
def test_other_schemes_are_refused_before_connecting(url):
    with pytest.raises(LiveSourceError) as caught:
        fetch(UrlSpec(url, timeout=FAST), now=NOW)
    assert "only http:// and https://" in str(caught.value) or "no host name" in str(caught.value)


def test_http_errors_and_sizes():
    big = b"# padding\n" * 200
    routes = {
        "/missing.yaml": Reply(404, b"no such object", {"Content-Type": "text/plain"}),
        "/boom.yaml": Reply(503, b""),
        "/big.yaml": Reply(200, big),
        "/short.yaml": Reply(200, b"kind: Mesh\n", declared_length=5000),
        "/slow.yaml": Reply(200, b"{}", delay=3),
    }
    with serve(routes) as server:
        with pytest.raises(LiveSourceError, match=r"HTTP 404 Not Found: no such object$"):
            fetch(UrlSpec(f"{server.url}/missing.yaml", timeout=FAST), now=NOW)
        with pytest.raises(LiveSourceError, match=r"HTTP 503 Service Unavailable$"):
            fetch(UrlSpec(f"{server.url}/boom.yaml", timeout=FAST), now=NOW)
        with pytest.raises(LiveSourceError, match=r"big.yaml is larger than the limit of 1000 bytes \(2000 bytes\)"):
            fetch(UrlSpec(f"{server.url}/big.yaml", timeout=FAST), now=NOW, limits=Limits(max_file_bytes=1000))
        with pytest.raises(LiveSourceError, match=r"was cut off \(11 of 5000 bytes\)"):
            fetch(UrlSpec(f"{server.url}/short.yaml", timeout=FAST), now=NOW)
        with pytest.raises(LiveSourceError, match=r"within 0\.5 s \(timed out\)"):
            fetch(UrlSpec(f"{server.url}/slow.yaml", timeout=FAST), now=NOW)


def test_oversized_body_without_content_length_is_cut_at_the_cap():
    with serve({"/x.yaml": Reply(200, b"a: b\n" * 1000, no_length=True)}) as server:
        with pytest.raises(LiveSourceError, match=r"larger than the limit of 100 bytes$"):
            fetch(UrlSpec(f"{server.url}/x.yaml", timeout=FAST), now=NOW, limits=Limits(max_file_bytes=100))
        assert fetch(UrlSpec(f"{server.url}/x.yaml", timeout=FAST), now=NOW).load.documents


def test_https_url_with_an_unknown_ca_fails_cleanly(tmp_path):
    tls = Tls(tmp_path)
    with LoopbackServer(lambda r: Reply(200, _yaml()), tls.context) as server, \
            pytest.raises(LiveSourceError, match="could not be verified"):
        fetch(UrlSpec(f"{server.url}/x.yaml", timeout=FAST), now=NOW)


@pytest.mark.parametrize(("url", "data", "expected"), [
    ("http://h/a/b/mes.yaml", b"x", "mes.yaml"),
    ("http://h/a/b/", b"x", "b"),
    ("http://h/", b"x", "index"),
    ("http://h/get?id=1", b"PK\x03\x04rest", "get.zip"),
    ("http://h/dl", b"\x1f\x8b\x08", "dl.tar.gz"),
    ("http://h/bundle.tgz", b"\x1f\x8b\x08", "bundle.tgz"),
    ("http://h/my%20file.json", b"{}", "my file.json"),
])
def test_file_names(url, data, expected):
    assert file_name(url, data) == expected
