"""The default `incident` sample tells its story (sample_data/README.md) on any day: one zone's export, a new
MES with a typo'd Secret name cascading on 2.9, a latent culprit behind it, an expired CA, a key/cert mismatch,
an expiring client certificate, the rest healthy; dated relative to `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
import yaml

from core import sample, sample_incident
from core.analysis import analyse
from core.durations import changed_recently, last_change_text
from core.model import CertificateStatus, DocumentStatus, KeyPairStatus, Kind, ReferenceStatus, Report, ServiceStatus
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

ZONE = sample_incident.ZONE
LOOP_ORDER = [s.name for s in sample_incident.SERVICES]
CULPRIT, LATENT = sample_incident.CULPRIT, sample_incident.LATENT_CULPRIT
AFTER_CULPRIT = LOOP_ORDER[LOOP_ORDER.index(CULPRIT) + 1:]
AFTER_LATENT = LOOP_ORDER[LOOP_ORDER.index(LATENT) + 1:]
OWN_FAULTS = {"invoice-pdf", "shipping-rates"}
HEALTHY = {"accounting-ledger", "address-validation", "geo-ip", "loyalty-points", "notifications-sms", "payments-psp",
           "tax-engine"}
# today, a year and more later, and the wall clock: the story must not age
NOWS = [NOW, NOW + timedelta(days=400), datetime.now(UTC).replace(microsecond=0)]


@cache
def report(now: datetime, version: str = "2.9", fixes: tuple[str, ...] = ()) -> Report:
    sources = sample.sample_sources(now) + [_fix(now, name) for name in fixes]
    return analyse(sources, AnalysisOptions(now=now, kuma_version=version, zone=ZONE))


def _items(now: datetime) -> list[dict]:
    listing, _ = sample_incident.documents(now)
    return listing["items"]


def _fix(now: datetime, what: str) -> Source:
    """A what-if overlay: `typo` points fraud-scoring at the Secret that exists; `namespace` recreates
    maps-tiles-ca in kuma-system."""
    items = _items(now)
    if what == "typo":
        mes = next(i for i in items if i["kind"] == "MeshExternalService" and i["metadata"]["name"] == CULPRIT)
        mes["spec"]["tls"]["verification"]["clientCert"]["secret"] = sample_incident.INTENDED_SECRET
        return Source("what-if", "fix-typo.yaml", yaml.safe_dump(mes).encode())
    secret = next(i for i in items if i["kind"] == "Secret" and i["metadata"]["name"] == "maps-tiles-ca")
    secret["metadata"]["namespace"] = sample_incident.NAMESPACE
    return Source("what-if", "fix-namespace.yaml", yaml.safe_dump(secret).encode())


def by_name(r: Report) -> dict:
    return {s.resource.name: s for s in r.services}


@pytest.mark.parametrize("now", NOWS)
def test_on_2_9_the_culprit_drops_every_mes_sorted_after_it(now):
    services = by_name(report(now))
    assert [s.resource.name for s in report(now).services] == LOOP_ORDER, "the MES are listed in Kuma's loop order"
    assert not services[CULPRIT].included_on_2_9 and services[CULPRIT].dropped_by is None
    for name in AFTER_CULPRIT:
        assert not services[name].included_on_2_9
        assert services[name].dropped_by is not None and services[name].dropped_by.name == CULPRIT, name
    for name in LOOP_ORDER[:LOOP_ORDER.index(CULPRIT)]:
        assert services[name].included_on_2_9, name
    healthy_victims = {n for n in AFTER_CULPRIT if n in HEALTHY}
    assert len(healthy_victims) >= 4, "it drops several healthy MES"


@pytest.mark.parametrize("now", NOWS)
def test_the_latent_culprit_is_next_in_line_once_the_typo_is_fixed(now):
    fixed = by_name(report(now, fixes=("typo",)))
    assert fixed[CULPRIT].included_on_2_9
    assert not fixed[LATENT].included_on_2_9 and fixed[LATENT].dropped_by is None
    for name in AFTER_LATENT:
        assert fixed[name].dropped_by is not None and fixed[name].dropped_by.name == LATENT, name
    assert "payments-psp" in AFTER_LATENT, "the victim the operator cares about is still dropped"
    both = by_name(report(now, fixes=("typo", "namespace")))
    assert all(s.included_on_2_9 for s in both.values()), "fixing both culprits restores every MES on 2.9"


@pytest.mark.parametrize("now", NOWS)
def test_on_an_isolating_control_plane_only_the_two_culprits_are_left_out(now):
    r = report(now, "2.14")
    services = by_name(r)
    assert {n for n, s in services.items() if not s.included} == {CULPRIT, LATENT}
    statuses = {n: s.status for n, s in services.items()}
    assert {n for n, st in statuses.items() if st is ServiceStatus.BROKEN} == {CULPRIT, LATENT} | OWN_FAULTS
    assert {n for n, st in statuses.items() if st is ServiceStatus.WARNING} == {"crm-sync"}
    assert {n for n, st in statuses.items() if st is ServiceStatus.HEALTHY} == HEALTHY


@pytest.mark.parametrize("now", NOWS)
def test_the_faults_of_the_story(now):
    r = report(now, "2.14")
    services = by_name(r)
    refs = {(x.service.name, x.field): x for x in r.secret_references}
    failing = {k for k, x in refs.items() if x.status.fails}
    assert failing == {(CULPRIT, "clientCert"), (LATENT, "caCert")}
    typo = refs[(CULPRIT, "clientCert")]
    assert typo.status is ReferenceStatus.NOT_FOUND and typo.secret == sample_incident.TYPO_SECRET
    [missing] = [f for f in services[CULPRIT].findings if f.code == "MES201"]
    assert f'"{sample_incident.INTENDED_SECRET}"' in missing.message, "the near miss is suggested"
    moved = refs[(LATENT, "caCert")]
    assert moved.status is ReferenceStatus.WRONG_NAMESPACE and moved.matched.namespace == "geo"

    certs = {(c.service.name, c.field, c.position): c for c in r.certificates}
    expired = certs[("shipping-rates", "caCert", 0)]
    assert (expired.status, expired.days_left) == (CertificateStatus.EXPIRED, -6)
    assert any(f.code == "MES310" and "(6 days ago)" in f.message for f in services["shipping-rates"].findings)
    expiring = certs[("crm-sync", "clientCert", 0)]
    assert (expiring.status, expiring.days_left) == (CertificateStatus.EXPIRING, 9)
    assert certs[("invoice-pdf", "clientCert", 0)].key_pair is KeyPairStatus.MISMATCH
    assert "MES307" in {f.code for f in services["invoice-pdf"].findings}
    assert {c.key_pair for c in r.certificates if c.field == "clientCert"} == {KeyPairStatus.MATCH,
                                                                              KeyPairStatus.MISMATCH}
    others = [c for c in r.certificates if (c.service.name, c.field) not in {("shipping-rates", "caCert"),
                                                                          ("crm-sync", "clientCert")}]
    assert others and all(c.status is CertificateStatus.VALID for c in others), "nothing else has aged"


@pytest.mark.parametrize("now", NOWS)
def test_what_changed_recently(now):
    r = report(now, "2.14")
    resources = {(x.kind, x.namespace, x.name): x for x in r.resources}
    recent = {s.resource.name for s in r.services if changed_recently(s.resource.created_at, s.resource.modified_at,
                                                                     r.now)}
    assert recent == {CULPRIT}
    culprit = by_name(r)[CULPRIT].resource
    assert timedelta(hours=3) - timedelta(seconds=1) <= r.now - culprit.created_at <= timedelta(hours=3)
    assert last_change_text(culprit.created_at, culprit.modified_at, r.now) == "added 3 h ago"
    moved = resources[(Kind.SECRET, "geo", "maps-tiles-ca")]
    assert last_change_text(moved.created_at, moved.modified_at, r.now) == "added 1 h ago"
    renewed = resources[(Kind.SECRET, "kuma-system", "invoice-pdf-client-cert")]
    assert last_change_text(renewed.created_at, renewed.modified_at, r.now) == "changed 2 d ago"
    secrets = {x[2] for x, res in resources.items() if x[0] is Kind.SECRET
               and changed_recently(res.created_at, res.modified_at, r.now)}
    assert secrets == {"maps-tiles-ca", "fraud-scoring-ca", "fraud-scoring-client-cert", "fraud-scoring-client-key"}


def test_a_realistic_export_of_one_zone():
    listing, deployment = sample_incident.documents(NOW)
    assert listing["kind"] == "List"
    kinds = {i["kind"] for i in listing["items"]}
    assert kinds == {"Mesh", "MeshExternalService", "ZoneEgress", "Secret"}
    services = [i for i in listing["items"] if i["kind"] == "MeshExternalService"]
    assert 10 <= len(services) <= 14
    for mes in services:
        labels = mes["metadata"]["labels"]
        assert labels["kuma.io/zone"] == ZONE and labels["kuma.io/origin"] == "zone" and labels["team"]
        assert mes["metadata"]["creationTimestamp"] and mes["metadata"]["managedFields"]
        assert not mes["spec"]["endpoints"][0]["address"].endswith("example.com"), "upstream names of their own"
    egress = next(i for i in listing["items"] if i["kind"] == "ZoneEgress")
    assert egress["metadata"]["labels"]["kuma.io/zone"] == ZONE
    assert deployment["kind"] == "Deployment"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":2.9.3")
    r = report(NOW, "2.14")
    assert r.zone == ZONE and sum(d.status is DocumentStatus.IGNORED for d in r.documents) == 1
    assert {d.kind for d in r.documents if d.status is DocumentStatus.IGNORED} == {"Deployment"}
    assert not [f for f in r.findings if f.code.startswith("MES0")], "the export loads cleanly"


def test_every_referenced_secret_exists_but_the_typo():
    items = _items(NOW)
    secrets = {i["metadata"]["name"] for i in items if i["kind"] == "Secret"}
    referenced = {v["secret"] for i in items if i["kind"] == "MeshExternalService"
                  for v in i["spec"].get("tls", {}).get("verification", {}).values() if isinstance(v, dict)}
    assert referenced - secrets == {sample_incident.TYPO_SECRET}
    assert sample_incident.INTENDED_SECRET in secrets


def test_same_export_shape_whatever_the_day():
    def shape(now):
        return [(i["kind"], i["metadata"].get("namespace"), i["metadata"]["name"], i.get("spec"))
                for i in _items(now) if i["kind"] != "Secret"]
    assert shape(NOWS[0]) == shape(NOWS[1])


def test_the_sample_describes_itself():
    info = sample.sample_info()
    assert info.name == "incident" and info.zone == ZONE and info.kuma_version == "2.9"
    assert {n: sample.sample_info(n).title for n in sample.SAMPLES}
    assert all(len(sample.sample_info(n).description) > 80 for n in sample.SAMPLES)
