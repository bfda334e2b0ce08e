"""Parsing material independent of its role: fields, encodings and material-level codes."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from core import pki
from core.certs import parse_material
from tests.factories import NOW


def codes(parsed):
    return [i.code for i in parsed.issues]


# --- certificate fields ---------------------------------------------------------------------------


def test_certificate_fields_ec(tpki):
    parsed = parse_material(tpki.ec_client.cert_pem)
    assert parsed.encoding == "pem" and codes(parsed) == []
    [info] = parsed.certificates
    cert = tpki.ec_client.certificate
    assert info.subject == "CN=ec-client,O=MES Doctor test PKI"
    assert info.issuer == "CN=Test EC Intermediate,O=MES Doctor test PKI"
    assert info.sans == ("DNS:client.example.com",)
    assert int(info.serial, 16) == cert.serial_number and len(info.serial) % 2 == 0
    assert info.sha256 == cert.fingerprint(hashes.SHA256()).hex()
    assert (info.not_before, info.not_after) == (cert.not_valid_before_utc, cert.not_valid_after_utc)
    assert (info.key_type, info.key_size, info.curve) == ("EC", 256, "secp256r1")
    assert not info.is_ca and not info.self_signed and not info.weak_signature
    assert info.signature_algorithm == "ecdsa-with-SHA256"
    assert info.extended_key_usage == ("clientAuth",)


def test_certificate_fields_rsa_ca(tpki):
    [info] = parse_material(tpki.rsa_root.cert_pem).certificates
    assert (info.key_type, info.key_size, info.curve) == ("RSA", 2048, None)
    assert info.is_ca and info.self_signed and info.ca_capable
    assert info.signature_algorithm == "sha256WithRSAEncryption"
    assert info.key_usage == ("digitalSignature", "keyCertSign", "cRLSign")


def test_sans_of_every_kind():
    leaf = pki.make_server(None, "svc.example.com", NOW, sans=("svc.example.com", "10.0.0.1", "URI:spiffe://x/y"))
    [info] = parse_material(leaf.cert_pem).certificates
    assert info.sans == ("DNS:svc.example.com", "IP:10.0.0.1", "URI:spiffe://x/y")


def test_bundle_keeps_the_order(tpki):
    parsed = parse_material(pki.pem_bundle(tpki.ec_intermediate, tpki.ec_root))
    assert [c.position for c in parsed.certificates] == [0, 1]
    assert parsed.certificates[0].issuer_id == parsed.certificates[1].subject_id


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_private_key_facts_match_the_certificate(key_type):
    leaf = pki.make_client(None, "c", NOW, key_type=key_type)
    [cert] = parse_material(leaf.cert_pem).certificates
    for material in (leaf.key_pem(), leaf.key_pem(traditional=True)):
        parsed = parse_material(material)
        [key] = parsed.keys
        assert key.usable and not key.encrypted and codes(parsed) == []
        assert key.public_key_sha256 == cert.public_key_sha256
        assert key.key_type == key_type.upper()


def test_weak_signatures_are_recognised(tpki):
    sha1 = pki.make_client(tpki.rsa_root, "sha1", NOW, hash_name="sha1")
    md5 = pki.make_client(tpki.rsa_root, "md5", NOW, hash_name="md5")
    ec_sha1 = pki.make_client(tpki.ec_root, "ec-sha1", NOW, hash_name="sha1")
    for issued, name in ((sha1, "sha1WithRSAEncryption"), (md5, "md5WithRSAEncryption"), (ec_sha1, "ecdsa-with-SHA1")):
        [info] = parse_material(issued.cert_pem).certificates
        assert info.weak_signature and info.signature_algorithm == name


def test_v1_style_root_without_basic_constraints_is_ca_capable():
    root = pki.make_leaf(None, "old root", NOW, eku=None, basic_constraints=False)
    [info] = parse_material(root.cert_pem).certificates
    assert not info.is_ca and info.self_signed and info.ca_capable


# --- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"hello world", b"\x00\x01\x02garbage\xff", b"   \n\t ", "é".encode() * 10])
def test_not_pem(data):
    parsed = parse_material(data)
    assert codes(parsed) == ["MES301"] and parsed.certificates == ()


def test_unterminated_block_is_not_pem(tpki):
    broken = tpki.ec_root.cert_pem.replace(b"-----END CERTIFICATE-----", b"")
    assert "MES301" in codes(parse_material(broken))


def test_double_base64_once_and_twice(tpki):
    once = base64.b64encode(tpki.ec_root.cert_pem)
    parsed = parse_material(once)
    assert codes(parsed) == ["MES302"] and parsed.encoding == "base64-pem"
    assert parsed.certificates[0].subject.startswith("CN=Test EC Root")
    twice = base64.b64encode(once)
    parsed = parse_material(twice)
    assert codes(parsed) == ["MES302"] and parsed.encoding == "base64-base64-pem" and parsed.certificates
    wrapped = b"\n".join(once[i:i + 76] for i in range(0, len(once), 76))
    assert codes(parse_material(wrapped)) == ["MES302"]


def test_double_base64_of_a_key(tpki):
    parsed = parse_material(base64.b64encode(tpki.ec_client.key_pem()))
    assert codes(parsed) == ["MES302"] and parsed.keys[0].usable


def test_der_certificate_and_key(tpki):
    parsed = parse_material(tpki.rsa_client.cert_der)
    assert codes(parsed) == ["MES317"] and parsed.encoding == "der"
    assert parsed.certificates[0].subject.startswith("CN=rsa-client")
    parsed = parse_material(tpki.rsa_client.key_der())
    assert codes(parsed) == ["MES317"] and parsed.keys[0].key_type == "RSA"
    assert parsed.issues[0].about == "key"


def test_base64_of_der_without_armour(tpki):
    parsed = parse_material(base64.b64encode(tpki.ec_root.cert_der))
    assert codes(parsed) == ["MES301"] and parsed.encoding == "base64-der" and parsed.certificates


def test_broken_certificate_blocks(tpki):
    bad_base64 = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"
    assert codes(parse_material(bad_base64)) == ["MES315"]
    bad_asn1 = (b"-----BEGIN CERTIFICATE-----\n" + base64.b64encode(b"\x30\x03\x02\x01\x01" * 8)
                + b"\n-----END CERTIFICATE-----\n")
    parsed = parse_material(bad_asn1 + tpki.ec_root.cert_pem)
    assert codes(parsed) == ["MES315"] and len(parsed.certificates) == 1


def test_stray_text_between_blocks(tpki):
    data = b"Bag Attributes\n    friendlyName: x\n" + tpki.ec_intermediate.cert_pem + b"junk\n" + tpki.ec_root.cert_pem
    parsed = parse_material(data)
    assert codes(parsed) == ["MES318"] and len(parsed.certificates) == 2
    assert "friendlyName" not in parsed.issues[0].message  # stray text is counted, never quoted


def test_ec_parameters_block_is_harmless(tpki):
    params = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
    parsed = parse_material(params + tpki.ec_client.key_pem(traditional=True))
    assert codes(parsed) == [] and parsed.keys[0].usable and parsed.other_blocks == ()


# --- keys -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("traditional", [False, True])
def test_encrypted_keys(tpki, traditional):
    parsed = parse_material(tpki.ec_client.key_pem(password=b"secret", traditional=traditional))
    assert codes(parsed) == ["MES308"]
    [key] = parsed.keys
    assert key.encrypted and not key.usable and key.public_key_sha256 is None


@pytest.mark.parametrize(("key_type", "fragment"), [("dsa", "DSA"), ("ed25519", "Ed25519"), ("secp256k1", "secp256k1")])
def test_unsupported_key_types(key_type, fragment):
    key = pki.generate_key(key_type, 1024 if key_type == "dsa" else None)
    parsed = parse_material(pki.key_pem(key))
    assert codes(parsed) == ["MES309"] and fragment in parsed.issues[0].message
    assert not parsed.keys[0].usable


def test_openssh_and_corrupted_keys():
    openssh = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    assert codes(parse_material(openssh)) == ["MES309"]
    corrupted = (b"-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n"
                 b"-----END PRIVATE KEY-----\n")
    parsed = parse_material(corrupted)
    assert codes(parsed) == ["MES309"] and parsed.keys[0].key_type == "unknown"


def test_other_blocks_are_listed():
    parsed = parse_material(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    assert parsed.other_blocks == ("PUBLIC KEY",) and parsed.certificates == () and parsed.keys == ()


def test_expiry_dates_come_from_the_certificate():
    leaf = pki.make_client(None, "c", NOW, not_before=NOW - timedelta(days=10), not_after=NOW + timedelta(days=5))
    [info] = parse_material(leaf.cert_pem).certificates
    assert info.not_after - info.not_before == timedelta(days=15)
    assert hashlib.sha256(leaf.cert_der).hexdigest() == info.sha256


PEM_PIECES = [b"-----BEGIN CERTIFICATE-----\n", b"-----END CERTIFICATE-----\n", b"-----BEGIN PRIVATE KEY-----\n",
              b"-----END PRIVATE KEY-----\n", b"Proc-Type: 4,ENCRYPTED\n", b"MIIB", b"\x30\x82\x01\x00", b"\n", b"=="]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PEM_PIECES), st.binary(max_size=40)), max_size=12))
def test_parser_never_raises(pieces):
    data = b"".join(pieces)
    for candidate in (data, base64.b64encode(data), base64.b64encode(base64.b64encode(data))):
        parsed = parse_material(candidate)
        assert isinstance(parsed.issues, tuple)


def test_truncated_real_material_never_raises(tpki):
    for material in (tpki.rsa_client.cert_der, tpki.rsa_client.key_der(), tpki.ec_client.cert_pem,
                     tpki.ec_client.key_pem()):
        for cut in range(1, len(material), max(1, len(material) // 40)):
            parse_material(material[:cut])
