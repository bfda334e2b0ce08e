"""The Kuma REST API source against a loopback control plane."""

from __future__ import annotations

import socket

import pytest

from core.live import KumaApiSpec, LiveSourceError, fetch
from core.model import Flavour, Kind, SecretsCoverage
from core.options import Limits
from tests.core.live.conftest import FAST, Tls, fill_kuma
from tests.core.live.servers import KumaApi, LoopbackServer, Reply, json_reply, problem
from tests.factories import NOW

ADMIN = "admin-token-Zq9"
USER = "user-token-Kp2"


def spec_for(url: str, **kwargs: object) -> KumaApiSpec:
    return KumaApiSpec(url, timeout=FAST, **kwargs)  # type: ignore[arg-type]


def test_admin_reads_everything_with_version_and_provenance(kuma):
    api, server = kuma
    fill_kuma(api)
    api.global_items["zoneegresses"].append({"type": "ZoneEgress", "name": "egress-1", "zone": "zone-1",
                                             "networking": {"address": "10.0.0.9", "port": 10002}})
    result = fetch(spec_for(server.url + "/", token=ADMIN), now=NOW)
    assert result.label == server.url  # the trailing slash is not part of the label
    assert result.server == "Kuma 2.9.3 (kuma-cp-0)"
    assert result.load.detected_version == "2.9.3"
    assert result.load.secrets is SecretsCoverage.PRESENT and result.notes == []
    assert result.counts == {"Mesh": 1, "MeshExternalService": 2, "Secret": 2, "ZoneEgress": 2}
    # listed for every mesh (or globally): known in full; a kind this control plane lacks (404) is not
    assert {k.value for k in result.load.listed_kinds} >= {"Secret", "ZoneEgress", "Dataplane", "MeshTrafficPermission"}
    assert Kind.MESH_IDENTITY not in result.load.listed_kinds
    mes = next(r for r in result.load.resources if r.kind is Kind.MESH_EXTERNAL_SERVICE)
    assert mes.flavour is Flavour.UNIVERSAL
    assert (mes.origin.source, mes.origin.file, mes.origin.fetched_at) == (
        server.url, "/meshes/default/meshexternalservices", NOW)
    secret = next(r for r in result.load.resources if r.kind is Kind.SECRET)
    assert secret.origin.file == "/meshes/default/secrets"
    assert {r.method for r in server.requests} == {"GET"}
    assert all(r.headers.get("authorization") == f"Bearer {ADMIN}" for r in server.requests)


def test_kong_mesh_reports_the_kuma_version_it_is_based_on(kuma):
    api, server = kuma
    fill_kuma(api)
    api.overrides["/"] = json_reply({"product": "Kong Mesh", "version": "2.10.1", "basedOnKuma": "2.10.2",
                                     "hostname": "cp"})
    result = fetch(spec_for(server.url, token=ADMIN), now=NOW)
    assert result.load.detected_version == "2.10.2"
    assert result.server == "Kong Mesh 2.10.1 (cp), based on Kuma 2.10.2"


def test_pagination_follows_next_even_when_it_points_at_another_host(kuma):
    api, server = kuma
    fill_kuma(api)
    api.public_url = "https://kuma.example.internal:5682"  # Kuma's publicURL: unreachable from here
    for i in range(1100):
        api.add("default", "meshexternalservices", {
            "type": "MeshExternalService", "name": f"svc-{i:04d}", "mesh": "default",
            "spec": {"match": {"type": "HostnameGenerator", "port": 80, "protocol": "http"},
                     "endpoints": [{"address": "example.com", "port": 80}]}})
    result = fetch(spec_for(server.url, token=ADMIN), now=NOW)
    assert result.counts["MeshExternalService"] == 1102
    pages = [r for r in server.requests if r.path == "/meshes/default/meshexternalservices"]
    assert [(p.param("size"), p.param("offset")) for p in pages] == [("500", None), ("500", "500"), ("500", "1000")]


def test_next_that_does_not_advance_is_an_error(kuma):
    api, server = kuma
    fill_kuma(api)
    api.overrides["/meshes"] = json_reply({"total": 5, "items": [], "next": f"{server.url}/meshes?size=1"})
    with pytest.raises(LiveSourceError, match="the `next` link does not advance"):
        fetch(spec_for(server.url), now=NOW)


@pytest.mark.parametrize("token", [None, USER])
def test_secrets_are_admin_only_and_degrade_to_denied(kuma, token):
    api, server = kuma
    fill_kuma(api)
    result = fetch(spec_for(server.url, token=token), now=NOW)
    assert result.load.secrets is SecretsCoverage.DENIED
    user = "anonymous/mesh-system:unauthenticated" if token is None else "alice/mesh-system:authenticated"
    assert result.load.secrets_note == (
        f'GET /meshes/default/secrets was refused (403: Access Denied: user "{user}" cannot access the resource '
        'of type "Secret"); Secrets are admin-only in the Kuma API')
    assert result.counts == {"Mesh": 1, "MeshExternalService": 2, "ZoneEgress": 1}
    assert Kind.SECRET not in result.load.listed_kinds
    assert not [r for r in server.requests if r.path == "/global-secrets"]


def test_global_secrets_refused_alone_is_a_note(kuma):
    api, server = kuma
    fill_kuma(api)
    api.overrides["/global-secrets"] = problem(403, "Access Denied", "no")
    result = fetch(spec_for(server.url, token=ADMIN), now=NOW)
    assert result.load.secrets is SecretsCoverage.PRESENT
    assert result.notes == ["GlobalSecrets not read (GET /global-secrets: 403: Access Denied: no)"]


def test_wrong_token_is_a_401_and_the_token_is_nowhere(kuma):
    api, server = kuma
    fill_kuma(api)
    secret = "wrong-token-Qv8-sekret"
    spec = spec_for(server.url, token=secret)
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec, now=NOW)
    message = str(caught.value)
    assert message == (f"{server.url}: GET /: 401 Unauthorized: Unauthorized: invalid authentication data: token is "
                       "not valid; the API token was rejected")
    for text in (message, repr(caught.value), repr(spec), str(spec), str(caught.value.args)):
        assert secret not in text


def test_no_token_against_an_api_that_needs_one(kuma):
    api, server = kuma
    api.overrides["/"] = problem(401, "Unauthorized", "authentication required")
    with pytest.raises(LiveSourceError, match=r"the API requires a token$"):
        fetch(spec_for(server.url), now=NOW)


def test_mesh_filter_and_unknown_mesh(kuma):
    api, server = kuma
    fill_kuma(api)
    api.meshes.append({"type": "Mesh", "name": "other"})
    api.add("other", "meshexternalservices", {"type": "MeshExternalService", "name": "x", "mesh": "other",
                                              "spec": {}})
    result = fetch(spec_for(server.url, token=ADMIN, meshes=["default"]), now=NOW)
    assert {r.mesh for r in result.load.resources if r.kind is Kind.MESH_EXTERNAL_SERVICE} == {"default"}
    assert result.counts["Mesh"] == 1
    with pytest.raises(LiveSourceError, match="mesh 'nope' does not exist on this control plane"):
        fetch(spec_for(server.url, meshes=("nope",)), now=NOW)


def test_mesh_that_vanishes_while_reading_is_skipped(kuma):
    api, server = kuma
    fill_kuma(api)
    api.overrides["/meshes"] = json_reply({"total": 2, "items": [{"type": "Mesh", "name": "default"},
                                                                 {"type": "Mesh", "name": "gone"}], "next": None})
    result = fetch(spec_for(server.url, token=ADMIN), now=NOW)
    assert "mesh 'gone' disappeared while it was read; skipped" in result.notes
    assert result.counts["MeshExternalService"] == 2


def test_control_plane_without_the_mes_api(kuma):
    api, server = kuma
    fill_kuma(api)
    api.overrides["/meshes/default/meshexternalservices"] = Reply(404, b"404 page not found")
    with pytest.raises(LiveSourceError, match=r"no MeshExternalService API .* needs Kuma 2\.9 or newer"):
        fetch(spec_for(server.url), now=NOW)


@pytest.mark.parametrize(("path", "reply", "expected"), [
    ("/", json_reply({"hello": "world"}), "not a Kuma control plane API"),
    ("/", Reply(200, b"<html>login</html>", {"Content-Type": "text/html"}), "not valid JSON"),
    ("/meshes", Reply(200, b'{"total": 1, "items": [{"na', {"Content-Type": "application/json"}),
     "the answer to GET /meshes is not valid JSON"),
    ("/meshes", Reply(200, b'{"items": []}', declared_length=900), "was cut off (13 of 900 bytes)"),
    ("/meshes", json_reply({"total": 0}), "GET /meshes did not return a Kuma list"),
    ("/meshes", problem(500, "Internal Server Error", "store unavailable"),
     "GET /meshes: the control plane failed with HTTP 500: Internal Server Error: store unavailable"),
    ("/meshes", Reply(502, b"<html>Bad gateway</html>"), "GET /meshes: the control plane failed with HTTP 502"),
    ("/", Reply(301, b"", {"Location": "https://cp.example:5682/"}),
     "GET / was redirected (HTTP 301) to https://cp.example:5682/; use that address"),
])
def test_broken_answers_are_one_line_errors(kuma, path, reply, expected):
    api, server = kuma
    fill_kuma(api)
    api.overrides[path] = reply
    with pytest.raises(LiveSourceError) as caught:
        fetch(spec_for(server.url), now=NOW)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(server.url + ": ") and "\n" not in str(caught.value)


def test_slow_control_plane_times_out(kuma):
    api, server = kuma
    api.overrides["/"] = Reply(200, b"{}", delay=3)
    with pytest.raises(LiveSourceError, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.5 s \(timed out\)"):
        fetch(spec_for(server.url), now=NOW)


def test_connection_refused_and_unknown_host(monkeypatch):
    with LoopbackServer(KumaApi()) as server:
        url = server.url
    with pytest.raises(LiveSourceError, match=r"connection to 127\.0\.0\.1:\d+ refused"):
        fetch(spec_for(url), now=NOW)
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):  # no DNS traffic from tests: this one name fails like NXDOMAIN
        if host == "cp.example.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(LiveSourceError, match=r"cannot resolve host cp\.example\.invalid \(DNS lookup failed\)$"):
        fetch(spec_for("http://cp.example.invalid:5681"), now=NOW)


@pytest.mark.parametrize(("url", "expected"), [
    ("file:///etc/passwd", "file:// is not allowed"),
    ("cp.example:5681", "not allowed"),
    ("http://admin:pw@cp.example:5681", "embedded credentials"),
    ("http://cp.example:5681/?token=x", "must not have a query"),
    ("", "no control plane URL given"),
])
def test_invalid_urls_are_refused_before_connecting(url, expected):
    with pytest.raises(LiveSourceError, match=expected) as caught:
        fetch(spec_for(url), now=NOW)
    assert "pw" not in str(caught.value) and "token=x" not in str(caught.value)


def test_oversized_answer(kuma):
    api, server = kuma
    fill_kuma(api)
    with pytest.raises(LiveSourceError, match="is larger than the limit of 300 bytes"):
        fetch(spec_for(server.url, token=ADMIN), now=NOW, limits=Limits(max_file_bytes=300))
    with pytest.raises(LiveSourceError, match="larger than 2000 bytes in total"):
        fetch(spec_for(server.url, token=ADMIN), now=NOW, limits=Limits(max_total_bytes=2000))


def test_tls_self_signed_needs_the_ca_or_insecure(tmp_path):
    tls = Tls(tmp_path)
    api = KumaApi()
    fill_kuma(api)
    with LoopbackServer(api, tls.context) as server:
        with pytest.raises(LiveSourceError) as caught:
            fetch(spec_for(server.url, token=ADMIN), now=NOW)
        assert "TLS certificate of 127.0.0.1" in str(caught.value) and "could not be verified" in str(caught.value)
        assert fetch(spec_for(server.url, token=ADMIN, ca_file=str(tls.ca_file)), now=NOW).counts["Secret"] == 2
        assert fetch(spec_for(server.url, token=ADMIN, insecure=True), now=NOW).counts["Secret"] == 2
        with pytest.raises(LiveSourceError, match=r"CA file .* does not exist"):
            fetch(spec_for(server.url, ca_file=str(tmp_path / "missing.pem")), now=NOW)
        with pytest.raises(LiveSourceError, match=r"if it serves TLS, use an https:// URL"):
            fetch(spec_for(server.url.replace("https", "http")), now=NOW)


def zone_config(name: str, mode: str = "zone") -> dict[str, object]:
    """The shape of kuma-cp's `GET /config` (the parts MES Doctor reads, among others)."""
    return {"environment": "kubernetes", "mode": mode, "multizone": {"zone": {"name": name, "kds": {}},
                                                                     "global": {"kds": {"grpcPort": 5685}}}}


def test_the_zone_comes_from_get_config_and_drives_the_analysis(kuma):
    from core.analysis import analyse
    from core.options import AnalysisOptions
    from core.report.json_report import report_dict

    api, server = kuma
    fill_kuma(api)
    api.config = zone_config("eu-west-1")
    api.global_items["zoneegresses"].append({"type": "ZoneEgress", "name": "egress-1", "zone": "zone-1",
                                             "networking": {"address": "10.0.0.9", "port": 10002}})
    result = fetch(spec_for(server.url, token=ADMIN), now=NOW)
    assert (result.load.detected_zone, result.load.zone_source) == ("eu-west-1", "api")
    report = analyse([], AnalysisOptions(now=NOW), preloaded=result.load)
    assert report.zone == "eu-west-1"  # the control plane beats the ZoneEgress listing
    assert report.zone_reason == "auto: the control plane API (GET /config) runs as zone eu-west-1"
    data = report_dict(report)
    assert (data["kumaVersion"], data["kumaVersionDetected"], data["kumaVersionSource"]) == ("2.9", True, "api")
    assert any(r.path == "/config" for r in server.requests)


def test_a_global_or_unreadable_config_leaves_the_zone_to_the_input(kuma):
    api, server = kuma
    fill_kuma(api)
    api.config = zone_config("ignored", mode="global")
    result = fetch(spec_for(server.url, token=ADMIN), now=NOW)
    assert result.load.detected_zone is None
    assert any("Global control plane" in n for n in result.notes)
    api.config = None
    api.overrides["/config"] = problem(403, "Access Denied", 'user "anonymous" cannot access the config')
    result = fetch(spec_for(server.url), now=NOW)
    assert result.load.detected_zone is None
    assert any("GET /config was refused (403)" in n for n in result.notes)
    api.overrides["/config"] = Reply(200, b"not json", {"Content-Type": "application/json"})
    assert fetch(spec_for(server.url, token=ADMIN), now=NOW).load.detected_zone is None
