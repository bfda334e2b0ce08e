"""MES002: recognised objects with the wrong shape are skipped with the path and line of the problem."""

from __future__ import annotations

import pytest

from core.model import DocumentStatus

from .helpers import codes, load_bytes

K8S = "apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\n"
SECRET = "apiVersion: v1\nkind: Secret\n"


@pytest.mark.parametrize(("text", "path", "line"), [
    (K8S + "metadata: {name: a}\nspec: 5\n", "spec", 4),
    (K8S + "metadata: {name: a}\nspec: [a]\n", "spec", 4),
    (K8S + "spec: {}\n", "metadata", 1),
    (K8S + "metadata: name\n", "metadata", 3),
    (K8S + "metadata:\n  name: ''\n", "metadata.name", 4),
    (K8S + "metadata:\n  name: [a]\n", "metadata.name", 4),
    (K8S + "metadata:\n  name: a\n  namespace: 7\n", "metadata.namespace", 5),
    (K8S + "metadata:\n  name: a\n  annotations: text\n", "metadata.annotations", 5),
    (K8S + "metadata:\n  name: a\n  annotations:\n    kuma.io/display-name: 12\n",
     'metadata.annotations["kuma.io/display-name"]', 6),
    (K8S + "metadata:\n  name: a\n  labels:\n    kuma.io/mesh: 1.5\n", 'metadata.labels["kuma.io/mesh"]', 6),
    ("apiVersion: [kuma.io/v1alpha1]\nkind: MeshExternalService\nmetadata: {name: a}\n", None, 1),
    (SECRET + "metadata: {name: s}\ntype: 5\n", "type", 4),
    (SECRET + "metadata: {name: s}\nstringData: text\n", "stringData", 4),
    ("type: MeshExternalService\nname: a\nmesh: [x]\n", "mesh", 3),
    ("type: MeshExternalService\nname: a\nlabels: {a: 1}\n", 'labels["a"]', 3),
    ("type: GlobalSecret\nname: g\ndata: [1]\n", "data", 3),
    ("type: Mesh\n", "name", 1),
])
def test_wrong_shape(text: str, path: str | None, line: int) -> None:
    valid = "type: MeshExternalService\nname: ok\nspec: {match: {port: 80}}\n---\n"
    result = load_bytes("shape.yaml", (valid + text).encode())
    if path is None:  # an apiVersion that is not a string is not a Kuma apiVersion: ignored, not an error
        assert not result.findings
        assert [d.status for d in result.documents] == [DocumentStatus.LOADED, DocumentStatus.IGNORED]
        return
    assert codes(result) == ["MES002"]
    finding = result.findings[0]
    assert finding.path == path and finding.origin.line == line + 4, finding.message
    assert [r.name for r in result.resources] == ["ok"]
    failed = [d for d in result.documents if d.status is DocumentStatus.FAILED]
    assert len(failed) == 1 and failed[0].reason and failed[0].origin.line == 5


def test_status_that_is_not_a_mapping_is_dropped_without_losing_the_resource() -> None:
    result = load_bytes("s.yaml", b"type: MeshExternalService\nname: a\nspec: {}\nstatus: broken\n")
    assert not result.findings and result.resources[0].status is None


def test_null_label_values_are_empty_strings_as_in_kubernetes() -> None:
    text = K8S + "metadata:\n  name: a\n  labels:\n    kuma.io/mesh:\n    team: x\n"
    result = load_bytes("n.yaml", text.encode())
    assert not result.findings
    assert result.resources[0].labels == {"kuma.io/mesh": "", "team": "x"} and result.resources[0].mesh == "default"
