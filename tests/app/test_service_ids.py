"""Services with the same name in one mesh (Kubernetes MES `api` in two namespaces, and a Universal `api`):
each has its own id, so selecting or deep-linking one opens that one; an old `<mesh>/<name>` link that now
names several says so and lists them, and one that names a single MES still works."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.app.conftest import assert_clean, new_app, report_of, texts, unescape
from ui.frames import find_services, service_id, services_frame

SERVICES = "pages/2_Services.py"
HOSTS = {"kuma-system": "api-a.example.com", "team-b": "api-b.example.com", None: "api-u.example.com"}


def _kubernetes(namespace: str, name: str = "api") -> dict[str, Any]:
    return {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
            "metadata": {"name": name, "namespace": namespace, "labels": {"kuma.io/mesh": "default"}},
            "spec": {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
                     "endpoints": [{"address": HOSTS[namespace], "port": 443}]}}


UNIVERSAL = {"type": "MeshExternalService", "name": "api", "mesh": "default",
             "spec": {"match": {"port": 443, "protocol": "tcp"},
                      "endpoints": [{"address": HOSTS[None], "port": 443}]}}
LONE = {"type": "MeshExternalService", "name": "lone", "mesh": "default",
        "spec": {"match": {"port": 443, "protocol": "tcp"},
                 "endpoints": [{"address": "lone.example.com", "port": 443}]}}


@pytest.fixture(scope="module")
def loaded() -> Any:
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key="w.sources.upload").set_value([
        ("kubernetes.yaml", yaml.safe_dump_all([_kubernetes("kuma-system"), _kubernetes("team-b")]).encode(),
         "application/x-yaml"),
        ("universal.yaml", yaml.safe_dump_all([UNIVERSAL, LONE]).encode(), "application/x-yaml"),
    ]).run()
    assert_clean(at)
    return at


def _open(at: Any, link: str) -> str:
    at.query_params["service"] = link
    at.switch_page(SERVICES).run()
    assert_clean(at)
    return texts(at)


def test_colliding_services_get_distinct_ids(loaded: Any) -> None:
    report = report_of(loaded)
    ids = list(services_frame(report)["service"])
    assert sorted(ids) == ["default/api", "default/api.kuma-system", "default/api.team-b", "default/lone"]
    loaded.switch_page(SERVICES).run()
    assert sorted(loaded.session_state["services.view_ids"]) == sorted(ids)  # what a row selection puts in the URL
    for s in report.services:
        assert find_services(report, service_id(s.resource)) == [s]


@pytest.mark.parametrize(("link", "host"), [
    ("default/api.kuma-system", HOSTS["kuma-system"]),
    ("default/api.team-b", HOSTS["team-b"]),
    ("default/api", HOSTS[None]),  # the Universal one's core name is its name
])
def test_each_id_opens_its_own_service(loaded: Any, link: str, host: str) -> None:
    assert _hosts(_open(loaded, link)) == [host]


def _hosts(shown: str) -> list[str]:
    return [h for h in HOSTS.values() if f"address: {h}" in shown]  # the manifest of the opened service


def _only(*documents: dict[str, Any]) -> Any:
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key="w.sources.upload").set_value([
        ("mes.yaml", yaml.safe_dump_all(list(documents)).encode(), "application/x-yaml")]).run()
    assert_clean(at)
    return at


def test_an_exact_id_wins_over_names_as_written(loaded: Any) -> None:
    (found,) = find_services(report_of(loaded), "default/api")
    assert found.resource.flavour.value == "universal"


def test_a_name_link_that_names_several_services_lists_them() -> None:
    at = _only(_kubernetes("kuma-system"), _kubernetes("team-b"))
    shown = _open(at, "default/api")
    (warning,) = [str(w.value) for w in at.warning]
    assert "`default/api`" in warning and "names 2 MeshExternalServices" in shown
    links = [link.proto for link in at.get("page_link") if "namespace" in link.proto.label]
    assert sorted(link.query_string for link in links) == ["service=default%2Fapi.kuma-system",
                                                           "service=default%2Fapi.team-b"]
    assert {"namespace kuma-system", "namespace team-b"} <= {unescape(link.label).split(" · ")[1] for link in links}
    assert not _hosts(shown), "no detail is opened while the link is ambiguous"


def test_an_unambiguous_name_link_still_works_and_becomes_the_id() -> None:
    at = _only(_kubernetes("kuma-system"))
    shown = _open(at, "default/api")
    assert _hosts(shown) == [HOSTS["kuma-system"]]
    assert at.query_params["service"] == "default/api.kuma-system"
