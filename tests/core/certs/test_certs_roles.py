"""Material judged in its role (caCert bundle, clientCert chain, clientKey), through resolve + inspect,
for Kubernetes and Universal Secrets and inline sources.

Every test runs on both flavours (the `flavour` fixture): `run()` has no default flavour, so a new test
cannot quietly cover Kubernetes only. Certificates are generated at test time relative to NOW.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from core import certs, pki, secrets
from core.certs.checks import CHECKS, material_findings
from core.model import CertificateStatus, Flavour, Severity
from tests.factories import NOW, context, k8s_secret, tls_mes, universal_secret

K8S, UNI = Flavour.KUBERNETES, Flavour.UNIVERSAL
DAY = timedelta(days=1)


@pytest.fixture(params=[K8S, UNI], ids=["kubernetes", "universal"])
def flavour(request) -> Flavour:
    """The Secret / MES flavour: a Kubernetes `system.kuma.io/secret` or a Universal `type: Secret`."""
    return request.param


def run(ca=None, cert=None, key=None, *, flavour, version="2.14", now=NOW, **options):
    """Store the given materials as Secrets `ca`, `cert`, `key` and reference them from one MES."""
    verification, stored = {}, []
    make = (lambda n, v: k8s_secret(n, v)) if flavour is K8S else (lambda n, v: universal_secret(n, v))
    for field, name, value in (("caCert", "ca", ca), ("clientCert", "cert", cert), ("clientKey", "key", key)):
        if value is not None:
            verification[field] = {"secret": name}
            stored.append(make(name, value))
    resource = tls_mes("svc", verification, flavour=flavour)
    ctx = context(resource, *stored, version=version, now=now, **options)
    certs.inspect(ctx, secrets.resolve(ctx))
    return ctx, resource


def rewrite(flavour, secret):
    """How a fix re-creates Secret `secret` on this flavour: kubectl on Kubernetes, kumactl on Universal."""
    if flavour is K8S:
        return f"kubectl create secret generic {secret} -n kuma-system --type=system.kuma.io/secret"
    return f"kumactl apply -f - <<EOF\ntype: Secret\nname: {secret}\nmesh: default\n"


def codes(ctx, resource):
    return [f.code for f in ctx.material_findings.get(resource.key, [])]


def records(ctx, resource):
    return ctx.certificates.get(resource.key, [])


# --- healthy ------------------------------------------------------------------------------------------


def test_valid_ca_and_client_pair_have_no_findings(tpki, flavour):
    chain = pki.pem_bundle(tpki.ec_client, tpki.ec_intermediate)
    ctx, resource = run(tpki.ec_root.cert_pem, chain, tpki.ec_client.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == []
    recs = records(ctx, resource)
    assert [(r.field, r.position) for r in recs] == [("caCert", 0), ("clientCert", 0), ("clientCert", 1)]
    assert all(r.status is CertificateStatus.VALID for r in recs)
    assert recs[0].secret == "ca" and recs[0].source == "secret" and recs[0].service.name == "svc"
    assert recs[1].key_type == "EC secp256r1" and recs[1].key_size == 256 and not recs[1].is_ca


def test_rsa_pair_and_traditional_key(tpki, flavour):
    ctx, resource = run(tpki.rsa_root.cert_pem, tpki.rsa_client.cert_pem, tpki.rsa_client.key_pem(traditional=True),
                        flavour=flavour)
    assert codes(ctx, resource) == []
    assert records(ctx, resource)[1].key_type == "RSA"


def test_combined_certificate_and_key_in_one_secret_works(tpki, flavour):
    combined = tpki.ec_client.cert_pem + tpki.ec_client.key_pem()
    ctx, resource = run(None, combined, combined, flavour=flavour)
    assert codes(ctx, resource) == []


# --- wrong content for the role ---------------------------------------------------------------------


def test_key_where_a_certificate_is_expected(tpki, flavour):
    ctx, resource = run(tpki.ec_client.key_pem(), tpki.ec_client.key_pem(), tpki.ec_client.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES303", "MES303"]
    findings = ctx.material_findings[resource.key]
    assert [f.path for f in findings] == ["spec.tls.verification.caCert", "spec.tls.verification.clientCert"]
    assert findings[0].related[0].name == "ca"


def test_certificate_where_a_key_is_expected(tpki, flavour):
    ctx, resource = run(None, tpki.ec_client.cert_pem, tpki.ec_client.cert_pem, flavour=flavour)
    assert codes(ctx, resource) == ["MES304"]
    assert ctx.material_findings[resource.key][0].path == "spec.tls.verification.clientKey"


def test_public_key_block_only(tpki, flavour):
    public = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    ctx, resource = run(public, tpki.ec_client.cert_pem, public, flavour=flavour)
    assert codes(ctx, resource) == ["MES309", "MES309"]


def test_ca_bundle_without_a_ca(tpki, flavour):
    server = pki.make_server(tpki.ec_root, "api.example.com", NOW)
    ctx, resource = run(server.cert_pem, flavour=flavour)
    assert codes(ctx, resource) == ["MES305"]
    finding = ctx.material_findings[resource.key][0]
    assert "openssl s_client -connect api.example.com:443 -servername api.example.com" in finding.fix


def test_old_root_without_basic_constraints_is_accepted_as_ca(flavour):
    root = pki.make_leaf(None, "old root", NOW, eku=None, basic_constraints=False)
    ctx, resource = run(root.cert_pem, flavour=flavour)
    assert codes(ctx, resource) == []


# --- chains and pairs ---------------------------------------------------------------------------------


def test_chain_with_the_intermediate_first(tpki, flavour):
    chain = pki.pem_bundle(tpki.ec_intermediate, tpki.ec_client)
    ctx, resource = run(None, chain, tpki.ec_client.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES306"]  # chain check and key check agree: reported once


def test_chain_with_an_unrelated_second_certificate(tpki, flavour):
    chain = pki.pem_bundle(tpki.ec_client, tpki.rsa_root)
    ctx, resource = run(None, chain, tpki.ec_client.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES306"]
    assert "did not issue" in ctx.material_findings[resource.key][0].message


def test_key_of_a_later_certificate(tpki, flavour):
    other = pki.make_client(tpki.ec_intermediate, "other", NOW)
    chain = pki.pem_bundle(other, tpki.ec_client)  # both leaves, neither issued the other
    ctx, resource = run(None, chain, tpki.ec_client.key_pem(), flavour=flavour)
    findings = ctx.material_findings[resource.key]
    assert [f.code for f in findings] == ["MES306"]


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_mismatched_pair(tpki, key_type, flavour):
    issuer = tpki.rsa_root if key_type == "rsa" else tpki.ec_root
    cert_pem, key_pem = pki.mismatched_pair(issuer, "client", NOW, key_type=key_type)
    ctx, resource = run(None, cert_pem, key_pem, flavour=flavour)
    assert codes(ctx, resource) == ["MES307"]
    finding = ctx.material_findings[resource.key][0]
    assert finding.path == "spec.tls.verification.clientKey" and finding.severity is Severity.ERROR
    assert "openssl pkey -pubout" in finding.fix


def test_encrypted_client_key_is_not_compared(tpki, flavour):
    ctx, resource = run(None, tpki.ec_client.cert_pem, tpki.ec_client.key_pem(password=b"pw"), flavour=flavour)
    assert codes(ctx, resource) == ["MES308"]
    assert rewrite(flavour, "key") in ctx.material_findings[resource.key][0].fix


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_expired_client_certificate(tpki, key_type, flavour):
    leaf = pki.make_client(tpki.rsa_root, "old", NOW, key_type=key_type, not_before=NOW - 100 * DAY,
                           not_after=NOW - 3 * DAY)
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES310"]
    [record] = records(ctx, resource)
    assert record.status is CertificateStatus.EXPIRED and record.days_left == -3
    assert "3 days ago" in ctx.material_findings[resource.key][0].message


def test_not_yet_valid_client_certificate(tpki, flavour):
    leaf = pki.make_client(tpki.ec_root, "future", NOW, not_before=NOW + 2 * DAY, not_after=NOW + 90 * DAY)
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES311"]
    assert records(ctx, resource)[0].status is CertificateStatus.NOT_YET_VALID


def test_expiring_depends_on_the_window(tpki, flavour):
    leaf = pki.make_client(tpki.ec_root, "soon", NOW, not_after=NOW + 20 * DAY + timedelta(hours=1))
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES312"]
    assert records(ctx, resource)[0].days_left == 20
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), expiry_warning_days=7, flavour=flavour)
    assert codes(ctx, resource) == [] and records(ctx, resource)[0].status is CertificateStatus.VALID


def test_states_follow_the_injected_now(tpki, flavour):
    leaf = pki.make_client(tpki.ec_root, "c", NOW, not_after=NOW + 60 * DAY)
    expected = {NOW: CertificateStatus.VALID, NOW + 45 * DAY: CertificateStatus.EXPIRING,
                NOW + 61 * DAY: CertificateStatus.EXPIRED, NOW - 2 * DAY: CertificateStatus.NOT_YET_VALID}
    for now, status in expected.items():
        ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), now=now, flavour=flavour)
        assert records(ctx, resource)[0].status is status


def test_only_ca_expired_is_an_error(tpki, flavour):
    old = pki.make_ca("Old Root", NOW, not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    ctx, resource = run(old.cert_pem, flavour=flavour)
    assert codes(ctx, resource) == ["MES310"]


def test_outdated_ca_next_to_a_valid_one_is_a_warning(tpki, flavour):
    old = pki.make_ca("Old Root", NOW, not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    future = pki.make_ca("Next Root", NOW, not_before=NOW + 10 * DAY, not_after=NOW + 4000 * DAY)
    ctx, resource = run(pki.pem_bundle(tpki.ec_root, old, future), flavour=flavour)
    findings = ctx.material_findings[resource.key]
    assert [f.code for f in findings] == ["MES319", "MES319"]
    assert all(f.severity is Severity.WARNING for f in findings)
    assert [r.status for r in records(ctx, resource)] == [
        CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.NOT_YET_VALID]


def test_expired_intermediate_in_client_chain_is_an_error(tpki, flavour):
    intermediate = pki.make_intermediate(tpki.ec_root, "Old Int", NOW, not_before=NOW - 400 * DAY,
                                         not_after=NOW - DAY)
    leaf = pki.make_client(intermediate, "c", NOW)
    ctx, resource = run(None, pki.pem_bundle(leaf, intermediate), leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES310"]


# --- strength and usage ----------------------------------------------------------------------------------


def test_weak_rsa_key(tpki, flavour):
    leaf = pki.make_client(tpki.rsa_root, "weak", NOW, key_type="rsa", key_size=1024)
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES313"]
    assert "1024" in ctx.material_findings[resource.key][0].message


def test_sha1_signature_but_not_on_a_self_signed_root(tpki, flavour):
    root = pki.make_ca("SHA1 Root", NOW, key_type="rsa", hash_name="sha1")
    leaf = pki.make_client(tpki.rsa_root, "sha1-leaf", NOW, hash_name="sha1")
    ctx, resource = run(root.cert_pem, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES314"]
    assert ctx.material_findings[resource.key][0].path == "spec.tls.verification.clientCert"


@pytest.mark.parametrize(("eku", "expected"), [
    (("serverAuth",), ["MES316"]), (("clientAuth",), []), (None, []), (("serverAuth", "clientAuth"), []),
])
def test_client_certificate_eku(tpki, eku, expected, flavour):
    leaf = pki.make_leaf(tpki.ec_root, "c", NOW, eku=eku)
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == expected


def test_ed25519_client_certificate_is_unsupported(tpki, flavour):
    leaf = pki.make_client(None, "ed", NOW, key_type="ed25519")
    ctx, resource = run(None, leaf.cert_pem, leaf.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES309", "MES309"]  # the certificate and the key


# --- encodings through a Secret and inline -----------------------------------------------------------------


def test_double_base64_secret(tpki, flavour):
    ctx, resource = run(base64.b64encode(tpki.ec_root.cert_pem), flavour=flavour)
    assert codes(ctx, resource) == ["MES302"]
    assert "--from-file" in ctx.material_findings[resource.key][0].hint
    assert rewrite(flavour, "ca") in ctx.material_findings[resource.key][0].fix
    assert records(ctx, resource)[0].subject.startswith("CN=Test EC Root")


def test_der_secret(tpki, flavour):
    ctx, resource = run(tpki.ec_root.cert_der, tpki.ec_client.cert_der, tpki.ec_client.key_der(), flavour=flavour)
    assert codes(ctx, resource) == ["MES317", "MES317", "MES317"]
    fixes = [f.fix for f in ctx.material_findings[resource.key]]
    assert "openssl pkey -inform der" in fixes[2]
    assert [rewrite(flavour, name) in fix for name, fix in zip(("ca", "cert", "key"), fixes, strict=True)] == [True] * 3


def test_not_pem_secret(flavour):
    ctx, resource = run(b"definitely not a certificate", flavour=flavour)
    assert codes(ctx, resource) == ["MES301"]
    assert rewrite(flavour, "ca") in ctx.material_findings[resource.key][0].fix
    assert records(ctx, resource) == []


def test_legacy_inline_and_3_0_insecure_inline(tpki, flavour):
    pem = tpki.ec_root.cert_pem.decode()
    legacy = tls_mes("svc", {"caCert": {"inline": base64.b64encode(b"garbage bytes here").decode()}},
                     flavour=flavour)
    ctx = context(legacy)
    certs.inspect(ctx, secrets.resolve(ctx))
    [finding] = ctx.material_findings[legacy.key]
    assert finding.code == "MES301" and "inlineString: |" in finding.fix and finding.related == ()
    current = tls_mes("svc", {"caCert": {"type": "InsecureInline", "insecureInline": {"value": pem}}},
                      flavour=flavour)
    ctx = context(current, version="3.0")
    certs.inspect(ctx, secrets.resolve(ctx))
    assert ctx.material_findings.get(current.key) is None
    assert records(ctx, current)[0].source == "InsecureInline" and records(ctx, current)[0].secret is None


def test_check_emits_the_inspected_findings(tpki, flavour):
    ctx, resource = run(b"not pem", flavour=flavour)
    assert [f.code for f in material_findings(ctx, resource)] == ["MES301"]
    assert CHECKS[0].codes[0] == "MES301" and "MES319" in CHECKS[0].codes
    from core.checks.registry import REGISTRY
    assert CHECKS[0].id in {c.id for c in REGISTRY}


def test_broken_block_and_stray_text_in_secrets(tpki, flavour):
    broken = b"-----BEGIN CERTIFICATE-----\n" + base64.b64encode(b"\x30\x03\x02\x01\x01") + \
        b"\n-----END CERTIFICATE-----\n"
    stray = b"subject=CN = Test\n" + tpki.ec_client.cert_pem + b"\nissuer=...\n"
    ctx, resource = run(broken + tpki.ec_root.cert_pem, stray, tpki.ec_client.key_pem(), flavour=flavour)
    assert codes(ctx, resource) == ["MES315", "MES318"]
    assert [f.severity for f in ctx.material_findings[resource.key]] == [Severity.ERROR, Severity.WARNING]
    assert [r.field for r in records(ctx, resource)] == ["caCert", "clientCert"]


def test_dsa_client_key_is_unsupported(tpki, flavour):
    ctx, resource = run(None, tpki.ec_client.cert_pem, pki.key_pem(pki.generate_key("dsa", 1024)), flavour=flavour)
    assert codes(ctx, resource) == ["MES309"]
    assert ctx.material_findings[resource.key][0].path == "spec.tls.verification.clientKey"


def test_key_source_with_only_a_broken_certificate_still_reports_the_missing_key(tpki, flavour):
    broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"
    ctx, resource = run(None, tpki.ec_client.cert_pem, broken, flavour=flavour)
    assert codes(ctx, resource) == ["MES301"]
    assert ctx.material_findings[resource.key][0].path == "spec.tls.verification.clientKey"
