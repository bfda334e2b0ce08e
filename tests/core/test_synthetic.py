"""The synthetic workload generator: deterministic plans, the planted faults, and that the engine
finds exactly what was planted (healthy MES healthy, each fault with its code)."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest
import yaml

from core import synthetic
from core.analysis import analyse
from core.model import Flavour, Report, ServiceStatus
from core.options import AnalysisOptions

FAULT_NAMES = [name for name, _ in synthetic.FAULTS]


@cache
def _analysed(n: int, flavour: Flavour) -> tuple[synthetic.Workload, Report]:
    work = synthetic.workload(n, flavour)
    return work, analyse(work.sources(), AnalysisOptions(now=synthetic.NOW))


def test_plan_is_a_pure_function_of_size_and_seed():
    assert synthetic.plan(500) == synthetic.plan(500)
    assert synthetic.plan(500, seed=1) != synthetic.plan(500)
    assert synthetic.plan(300) == synthetic.plan(500)[:300]  # a larger workload extends a smaller one


def test_fault_shares_match_the_table():
    planned = Counter(p.fault for p in synthetic.plan(20_000))
    for name, per_mille in synthetic.FAULTS:
        expected = 20_000 * per_mille / 1000
        assert abs(planned[name] - expected) < 0.25 * expected, name
    assert planned[synthetic.HEALTHY] > 0.7 * 20_000
    assert planned[synthetic.SHARED_CA] > 0.05 * 20_000


def test_names_are_unique_and_meshes_spread():
    planned = synthetic.plan(1000)
    assert len({p.name for p in planned}) == 1000
    assert Counter(p.mesh for p in planned).keys() == set(synthetic.MESHES)
    assert {p.mesh for p in synthetic.plan(10)} == {synthetic.MESHES[0]}  # tiny workloads stay in one mesh


@pytest.mark.parametrize("flavour", list(Flavour))
def test_files_are_yaml_with_three_secrets_per_mes(flavour):
    work = synthetic.workload(60, flavour)
    documents = [d for data in work.files.values() for d in yaml.load_all(data, Loader=yaml.CSafeLoader)]
    kinds = Counter(d.get("kind") or d.get("type") for d in documents)
    meshes = {p.mesh for p in work.services}
    assert kinds["MeshExternalService"] == 60
    assert kinds["Secret"] == 3 * 60 + len(meshes)  # plus one shared CA per mesh
    assert kinds["Mesh"] == len(meshes) and kinds["ZoneEgress"] == 1
    assert work.size == sum(len(d) for d in work.files.values())
    assert [s.name for s in work.sources()] == list(work.files)


def test_the_pool_is_small_and_shared():
    pool = synthetic.pool()
    assert pool is synthetic.pool()  # made once per `now`
    payloads = {*pool.cas, *(c for pair in pool.clients for c in pair), pool.expiring_ca, *pool.expired_client}
    assert len(payloads) == pool.distinct - 1  # every entry distinct (the bad PEM is not material)


@pytest.mark.parametrize("flavour", list(Flavour))
def test_the_engine_finds_exactly_what_was_planted(flavour):
    work, report = _analysed(400, flavour)
    planted = {p.name: p.fault for p in work.services}
    statuses: dict[str, set[ServiceStatus]] = {}
    codes: dict[str, Counter[str]] = {}
    for outcome in report.services:
        fault = planted[outcome.resource.name]
        statuses.setdefault(fault, set()).add(outcome.status)
        codes.setdefault(fault, Counter()).update({f.code for f in outcome.findings})
    assert statuses[synthetic.HEALTHY] == {ServiceStatus.HEALTHY}
    assert statuses[synthetic.SHARED_CA] == {ServiceStatus.HEALTHY}
    assert statuses["expiring-ca"] == {ServiceStatus.WARNING}
    for fault in set(FAULT_NAMES) - {"expiring-ca"}:
        assert statuses[fault] == {ServiceStatus.BROKEN}, fault
    count = Counter(planted.values())
    misplaced = "MES202" if flavour is Flavour.KUBERNETES else "MES203"
    for fault, code in [("missing-secret", "MES201"), ("misplaced-secret", misplaced), ("expired-cert", "MES310"),
                        ("expiring-ca", "MES312"), ("bad-pem", "MES315"), ("key-mismatch", "MES307")]:
        assert codes[fault][code] == count[fault], fault
    invalid = [o for o in report.services if planted[o.resource.name] == "invalid-spec"]
    assert invalid and all(any(f.code.startswith("MES1") for f in o.findings) for o in invalid)


def test_both_flavours_plan_the_same_services():
    kube, _ = _analysed(400, Flavour.KUBERNETES)
    universal, _ = _analysed(400, Flavour.UNIVERSAL)
    assert kube.services == universal.services and kube.faults == universal.faults


def test_cli_writes_the_files(tmp_path, capsys):
    assert synthetic.main(["--mes", "25", "--flavour", "universal", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(synthetic.workload(25, Flavour.UNIVERSAL).files)
    assert "25 MES" in capsys.readouterr().out
