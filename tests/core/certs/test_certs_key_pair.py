"""Key/cert pair status per certificate record (`CertificateRecord.key_pair`, JSON `keyPair`) and the
days-left rule of records and findings around expiry (past, exactly now, under a day)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import certs, pki, secrets
from core.analysis import analyse
from core.certs import evaluate
from core.certs.parse import parse_material
from core.model import CertificateStatus, Flavour, KeyPairStatus
from core.options import AnalysisOptions
from core.sample import sample_sources
from tests.core.certs.test_certs_roles import codes, records, run
from tests.factories import NOW, context, k8s_secret, tls_mes

K8S, UNI = Flavour.KUBERNETES, Flavour.UNIVERSAL
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
PAIR_CODES = {"MES306", "MES307"}


@pytest.fixture(params=[K8S, UNI], ids=["kubernetes", "universal"])
def flavour(request) -> Flavour:
    return request.param


def pairs(ctx, resource):
    return [(r.field, r.position, r.key_pair) for r in records(ctx, resource)]


def test_matching_pair_marks_the_leaf_only(tpki, flavour):
    chain = pki.pem_bundle(tpki.ec_client, tpki.ec_intermediate)
    ctx, resource = run(tpki.ec_root.cert_pem, chain, tpki.ec_client.key_pem(), flavour=flavour)
    assert pairs(ctx, resource) == [("caCert", 0, None), ("clientCert", 0, KeyPairStatus.MATCH),
                                    ("clientCert", 1, None)]


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_mismatched_pair_is_a_mismatch_with_its_finding(tpki, flavour, key_type):
    cert_pem, key_pem = pki.mismatched_pair(tpki.ec_root, "client", NOW, key_type=key_type)
    ctx, resource = run(None, cert_pem, key_pem, flavour=flavour)
    assert codes(ctx, resource) == ["MES307"]
    assert pairs(ctx, resource) == [("clientCert", 0, KeyPairStatus.MISMATCH)]


def test_key_of_a_later_certificate_is_a_mismatch_of_the_leaf(tpki, flavour):
    other = pki.make_client(tpki.ec_intermediate, "other", NOW)
    ctx, resource = run(None, pki.pem_bundle(other, tpki.ec_client), tpki.ec_client.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES306"]
    assert pairs(ctx, resource)[0] == ("clientCert", 0, KeyPairStatus.MISMATCH)


def test_key_pair_status_without_a_key():
    """A clientCert without a clientKey does not load at all (no records); the rule still says `no-key`
    for a key not configured and `unknown` for one configured that did not load."""
    cert = parse_material(pki.make_client(pki.make_ca("Root", NOW), "c", NOW).cert_pem)
    assert evaluate.key_pair_status(cert, None, key_configured=False) is KeyPairStatus.NO_KEY
    assert evaluate.key_pair_status(cert, None, key_configured=True) is KeyPairStatus.UNKNOWN
    assert evaluate.key_pair_status(cert, parse_material(b"nothing"), key_configured=True) is KeyPairStatus.NO_KEY


def test_client_key_holding_a_certificate_is_no_key(tpki, flavour):
    ctx, resource = run(None, tpki.ec_client.cert_pem, tpki.ec_client.cert_pem, flavour=flavour)
    assert "MES304" in codes(ctx, resource)
    assert pairs(ctx, resource) == [("clientCert", 0, KeyPairStatus.NO_KEY)]


def test_encrypted_key_cannot_be_compared(tpki, flavour):
    ctx, resource = run(None, tpki.ec_client.cert_pem, tpki.ec_client.key_pem(password=b"pw"), flavour=flavour)
    assert codes(ctx, resource) == ["MES308"]
    assert pairs(ctx, resource) == [("clientCert", 0, KeyPairStatus.UNKNOWN)]


def test_missing_key_secret_is_unknown():
    client = pki.make_client(pki.make_ca("Root", NOW), "c", NOW)
    resource = tls_mes("svc", {"clientCert": {"secret": "cert"}, "clientKey": {"secret": "absent"}})
    ctx = context(resource, k8s_secret("cert", client.cert_pem))
    certs.inspect(ctx, secrets.resolve(ctx))
    assert pairs(ctx, resource) == [("clientCert", 0, KeyPairStatus.UNKNOWN)]


def test_mismatch_state_and_pair_findings_agree_across_the_gallery():
    """Every clientCert leaf of the gallery sample: `mismatch` exactly where MES306/MES307 name the pair (an
    MES306 also fires for a chain whose leaf matches its key but whose order is wrong)."""
    report = analyse(sample_sources(NOW, "gallery"), AnalysisOptions(now=NOW, kuma_version="2.14"))
    seen = set()
    for service in report.services:
        leaves = [c for c in service.certificates if c.field == "clientCert" and c.position == 0]
        others = [c for c in service.certificates if not (c.field == "clientCert" and c.position == 0)]
        assert all(c.key_pair is None for c in others)
        assert all(c.key_pair is not None for c in leaves)
        for leaf in leaves:
            seen.add(leaf.key_pair)
            codes = {f.code for f in service.findings}
            mismatch = leaf.key_pair is KeyPairStatus.MISMATCH
            # MES307: the key is another certificate's; MES306: it is a later certificate's (the pair check's
            # chain-order finding, merged with the chain check's when both see it)
            assert mismatch is bool(codes & PAIR_CODES) or (not mismatch and codes & PAIR_CODES == {"MES306"}), (
                service.resource.name)
            assert ("MES307" in codes) <= mismatch
    assert {KeyPairStatus.MATCH, KeyPairStatus.MISMATCH, KeyPairStatus.UNKNOWN} <= seen


# --- days left around expiry -----------------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "status", "days", "text"), [
    (-(6 * DAY + 7 * HOUR), CertificateStatus.EXPIRED, -6, "(6 days ago)"),
    (-5 * HOUR, CertificateStatus.EXPIRED, 0, "(5 hours ago)"),
    (5 * HOUR, CertificateStatus.EXPIRING, 0, "(in 5 hours)"),
    (12 * DAY + 6 * HOUR, CertificateStatus.EXPIRING, 12, "(in 12 days)"),
])
def test_client_certificate_days_left_and_message(tpki, flavour, offset, status, days, text):
    leaf = pki.make_client(tpki.ec_root, "c", NOW, not_before=NOW - 100 * DAY, not_after=NOW + offset)
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    [record] = records(ctx, resource)
    assert (record.status, record.days_left) == (status, days)
    [finding] = ctx.material_findings[resource.key]
    assert text in finding.message, finding.message


def test_a_certificate_is_valid_through_not_after_itself(tpki, flavour):
    leaf = pki.make_client(tpki.ec_root, "c", NOW, not_before=NOW - 100 * DAY, not_after=NOW)
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    [record] = records(ctx, resource)
    assert (record.status, record.days_left) == (CertificateStatus.EXPIRING, 0)
    assert "(in less than a minute)" in ctx.material_findings[resource.key][0].message
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), now=NOW + timedelta(seconds=1), flavour=flavour)
    [record] = records(ctx, resource)
    assert (record.status, record.days_left) == (CertificateStatus.EXPIRED, 0)
    assert "(less than a minute ago)" in ctx.material_findings[resource.key][0].message


def test_expired_ca_bundle_message(tpki, flavour):
    ca = pki.make_ca("Old CA", NOW, not_before=NOW - 300 * DAY, not_after=NOW - (6 * DAY + 23 * HOUR))
    ctx, resource = run(ca.cert_pem, None, None, flavour=flavour)
    assert codes(ctx, resource) == ["MES310"]
    assert "(6 days ago)" in ctx.material_findings[resource.key][0].message
    assert records(ctx, resource)[0].days_left == -6
