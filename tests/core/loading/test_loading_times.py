"""Creation and modification times from every input form (`Resource.created_at` / `modified_at`):
Kubernetes `creationTimestamp` and managedFields times, Universal and REST `creationTime` /
`modificationTime` (live sources: tests/core/live/test_live_times.py); invalid values are unknown, never a
crash or a lost resource."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.loading.times import latest_managed_time, parse_time
from core.model import Kind
from tests.core.loading.helpers import load_bytes, load_form

T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

K8S_MES = """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: payments
  namespace: kuma-system
  creationTimestamp: "2026-03-01T10:00:00Z"
  managedFields:
  - manager: kubectl-client-side-apply
    operation: Update
    time: "2026-03-01T10:00:00Z"
  - manager: kubectl-edit
    operation: Update
    time: "2026-04-02T08:30:00Z"
  - manager: kuma-cp
    operation: Update
    subresource: status
    time: "2026-05-20T00:00:00Z"
spec:
  match: {type: HostnameGenerator, port: 80, protocol: http}
  endpoints: [{address: api.example.com, port: 443}]
"""


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-01T10:00:00Z", T1),
    ("2026-03-01T10:00:00.123456789Z", T1 + timedelta(microseconds=123456)),  # Kuma: nanoseconds
    ("2026-03-01T12:00:00+02:00", T1),
    ("2026-03-01T10:00:00", T1),  # no zone: UTC
    ("2026-03-01T10:00:00z", T1),
    ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
])
def test_parse_time_reads_rfc3339(value, expected):
    assert parse_time(value) == expected
    assert parse_time(value).tzinfo is not None


@pytest.mark.parametrize("value", [None, "", "yesterday", "2026-13-45T99:00:00Z", "x" * 10_000, 1_700_000_000, True,
                                   [], {}, "2026-03-01T10:00:00Z" + " " * 60, "\x00" * 20])
def test_parse_time_ignores_what_is_not_a_time(value):
    assert parse_time(value) is None


def test_latest_managed_time_skips_subresources_and_garbage():
    entries = [{"time": "2026-03-01T10:00:00Z"}, {"time": "2026-04-01T10:00:00Z", "subresource": "status"},
               "junk", {"time": 5}, {"manager": "x"}, None]
    assert latest_managed_time(entries) == T1
    assert latest_managed_time("junk") is None and latest_managed_time([]) is None


def test_kubernetes_object_times():
    (mes,) = load_bytes("mes.yaml", K8S_MES.encode()).resources
    assert mes.created_at == T1
    assert mes.modified_at == datetime(2026, 4, 2, 8, 30, tzinfo=UTC), "the status update by kuma-cp is no change"


def test_kubernetes_secret_in_a_list_and_json_times():
    doc = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Secret", "type": "system.kuma.io/secret",
         "metadata": {"name": "ca", "namespace": "kuma-system", "creationTimestamp": "2026-03-01T10:00:00Z"},
         "data": {"value": "QUJD"}}]}
    (secret,) = load_bytes("list.json", json.dumps(doc).encode()).resources
    assert secret.kind is Kind.SECRET and secret.created_at == T1 and secret.modified_at is None


def test_rest_and_universal_times():
    item = {r.name: r for r in load_form("rest-item.json").resources}
    (resource,) = item.values()
    assert resource.created_at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert resource.modified_at == datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
    universal = load_bytes("u.yaml", b"type: Secret\nname: ca\nmesh: default\ndata: QUJD\n"
                                     b"creationTime: '2026-03-01T10:00:00Z'\n"
                                     b"modificationTime: '2026-03-01T11:00:00.5+01:00'\n").resources[0]
    assert universal.created_at == T1 and universal.modified_at == T1 + timedelta(microseconds=500000)
    mesh = load_bytes("m.yaml", b"type: Mesh\nname: default\ncreationTime: 2026-03-01T10:00:00Z\n").resources[0]
    assert mesh.created_at == T1 and "creationTime" not in mesh.spec, "inlined spec: not a spec field"


def test_unquoted_yaml_timestamps_are_read_too():
    text = K8S_MES.replace('"2026-03-01T10:00:00Z"', "2026-03-01 10:00:00Z", 1)
    (mes,) = load_bytes("mes.yaml", text.encode()).resources
    assert mes.created_at == T1


@pytest.mark.parametrize("bad", ["null", "'not a date'", "12345", "[1, 2]", "{a: b}", "'2026-02-30T00:00:00Z'"])
def test_invalid_times_are_unknown_and_cost_nothing(bad):
    text = (K8S_MES.replace('creationTimestamp: "2026-03-01T10:00:00Z"', f"creationTimestamp: {bad}")
            .replace('time: "2026-04-02T08:30:00Z"', f"time: {bad}"))
    result = load_bytes("mes.yaml", text.encode())
    (mes,) = result.resources
    assert mes.created_at is None
    assert mes.modified_at == T1, "the other managedFields entry still counts"
    assert not result.findings


def test_redacted_copies_keep_the_times():
    (mes,) = load_bytes("mes.yaml", K8S_MES.encode()).resources
    secret = load_bytes("s.yaml", b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: ca\n"
                                  b"  creationTimestamp: '2026-03-01T10:00:00Z'\ndata: {value: QUJD}\n").resources[0]
    for resource in (mes, secret):
        copy = resource.redacted()
        assert (copy.created_at, copy.modified_at) == (resource.created_at, resource.modified_at)


def test_times_keep_their_offset_semantics():
    moment = parse_time("2026-03-01T12:00:00+02:00")
    assert moment.utcoffset() == timedelta(hours=2) and moment == T1 and moment.astimezone(UTC) == T1
