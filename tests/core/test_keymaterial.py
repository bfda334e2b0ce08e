"""The key-material detector (`core.keymaterial`): every private-key encoding an operator can paste is found,
certificates, public keys and ordinary manifest strings are not; the cheap test never misses what the full one
finds. Keys are generated here, with `cryptography`."""

from __future__ import annotations

import base64
import contextlib
import random
from functools import cache

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from core import pki
from core.keymaterial import LITERALS, candidate_positions, holds_key, might_hold_key
from tests.factories import NOW

PASSWORD = b"correct horse"


@cache
def private_keys() -> dict[str, object]:
    return {
        "rsa-1024": rsa.generate_private_key(65537, 1024),
        "rsa-2048": rsa.generate_private_key(65537, 2048),
        "ec-p256": ec.generate_private_key(ec.SECP256R1()),
        "ec-p384": ec.generate_private_key(ec.SECP384R1()),
        "ec-k1": ec.generate_private_key(ec.SECP256K1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate(),
        "x25519": x25519.X25519PrivateKey.generate(),
        "dsa": dsa.generate_private_key(1024),
    }


@cache
def encodings(name: str) -> dict[str, bytes]:
    """Every (format, encryption, encoding) this key serialises to."""
    key = private_keys()[name]
    out: dict[str, bytes] = {}
    formats = {"pkcs8": s.PrivateFormat.PKCS8, "traditional": s.PrivateFormat.TraditionalOpenSSL,
               "openssh": s.PrivateFormat.OpenSSH}
    crypts = {"plain": s.NoEncryption(), "encrypted": s.BestAvailableEncryption(PASSWORD)}
    for fname, fmt in formats.items():
        for cname, crypt in crypts.items():
            for ename, encoding in (("pem", s.Encoding.PEM), ("der", s.Encoding.DER)):
                try:
                    out[f"{fname}/{cname}/{ename}"] = key.private_bytes(encoding, fmt, crypt)  # type: ignore[attr-defined]
                except (ValueError, TypeError, UnsupportedAlgorithm):
                    continue  # not a combination this key type has (or OpenSSH encryption without bcrypt)
    with contextlib.suppress(ValueError, TypeError):  # (key types PKCS#12 cannot hold)
        out["pkcs12"] = pkcs12.serialize_key_and_certificates(b"k", key, None, None, s.NoEncryption())  # type: ignore[arg-type]
    return out


def pastes(data: bytes) -> dict[str, str]:
    """How a key ends up in a manifest string: as PEM text, as base64 (standard, URL-safe, wrapped, indented,
    after other text)."""
    b64 = base64.b64encode(data).decode()
    out = {"base64": b64, "base64-urlsafe": base64.urlsafe_b64encode(data).decode().rstrip("="),
           "base64-wrapped": base64.encodebytes(data).decode(),
           "base64-indented": "  " + base64.encodebytes(data).decode().replace("\n", "\n  "),
           "after-text": f"key={b64}", "in-prose": f"the key is {b64} (do not share)"}
    if data.startswith(b"-----") or data.startswith(b"openssh") or b"BEGIN" in data[:40]:
        text = data.decode()
        out |= {"pem": text, "pem-in-prose": f"note: {text}\nthanks", "pem-crlf": text.replace("\n", "\r\n"),
                "pem-one-line": text.replace("\n", " ")}
    return out


CASES = [(name, form) for name in ("rsa-1024", "rsa-2048", "ec-p256", "ec-p384", "ec-k1", "ed25519", "x25519", "dsa")
         for form in ("pkcs8/plain/pem", "pkcs8/plain/der", "pkcs8/encrypted/pem", "pkcs8/encrypted/der",
                      "traditional/plain/pem", "traditional/plain/der", "traditional/encrypted/pem",
                      "openssh/plain/pem", "openssh/encrypted/pem", "pkcs12")]


@pytest.mark.parametrize(("name", "form"), CASES)
def test_every_private_key_encoding_is_found(name: str, form: str) -> None:
    data = encodings(name).get(form)
    if data is None:
        pytest.skip(f"{name} has no {form} form")
    for how, text in pastes(data).items():
        assert holds_key(text), (name, form, how)
        assert might_hold_key(text), (name, form, how)  # the cheap test never misses
        assert candidate_positions(text), (name, form, how)


def _csr() -> x509.CertificateSigningRequest:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "csr.example.com")])
    return x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())


def test_certificate_requests_are_found_as_pem() -> None:
    pem = _csr().public_bytes(s.Encoding.PEM).decode()
    assert holds_key(pem)
    assert holds_key(pem.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"))


def test_other_key_files_are_found() -> None:
    assert holds_key("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAA\n")
    assert holds_key("AGE-SECRET-KEY-1QQPQQ8JW9YXLXC2SKR2K4NQ2Y7QJ3PZZ3A9Z5Z4XAXQ0QH6J3ZZSTP0RDX")
    assert holds_key("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF...\n-----END PGP PRIVATE KEY BLOCK-----")
    assert holds_key("-----BEGIN SSH2 ENCRYPTED PRIVATE KEY-----")


def test_certificates_public_keys_and_ordinary_strings_are_not_keys() -> None:
    ca = pki.make_ca("Detector CA", NOW, key_type="rsa")
    leaf = pki.make_client(ca, "detector-client", NOW)
    public = private_keys()["rsa-2048"].public_key()  # type: ignore[attr-defined]
    not_keys = [
        leaf.cert_pem.decode(), base64.b64encode(leaf.cert_pem).decode(), base64.b64encode(leaf.cert_der).decode(),
        base64.encodebytes(leaf.cert_der).decode(), ca.cert_pem.decode() + leaf.cert_pem.decode(),
        public.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode(),
        base64.b64encode(public.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)).decode(),
        base64.b64encode(public.public_bytes(s.Encoding.DER, s.PublicFormat.PKCS1)).decode(),
        public.public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH).decode(),
        base64.b64encode(_csr().public_bytes(s.Encoding.DER)).decode(),  # a CSR's DER is no key
        "MeshExternalServiceWithAVeryLongNameThatGoesOnAndOnAndOnForeverAndEverAndEver",
        "M" + "A" * 200, "the PRIVATE KEY of the partner is rotated monthly (ticket OPS-1234)",
        base64.b64encode(b"kubectl.kubernetes.io/last-applied-configuration" * 20).decode(),
        "", "x" * 100_000,
    ]
    rng = random.Random(7)
    not_keys += [base64.b64encode(rng.randbytes(n)).decode() for n in (48, 100, 1000, 5000)]
    not_keys += ["M" + base64.b64encode(rng.randbytes(300)).decode()[1:] for _ in range(50)]
    found = [text[:40] for text in not_keys if holds_key(text)]
    assert found == []


def test_the_base64_literals_match_the_label_at_every_offset() -> None:
    """Whatever precedes a private key's PEM label in the bytes a base64 text encodes, the text holds a literal."""
    assert len(LITERALS) == 7
    for before in range(12):
        for after in range(3):
            text = base64.b64encode(b"-" * before + b"PRIVATE KEY" + b"-" * after).decode()
            assert any(literal in text for literal in LITERALS[4:]), (before, after)


def test_candidates_are_few_in_ordinary_base64_and_positions_are_sorted() -> None:
    ca = pki.make_ca("Detector CA", NOW)
    certs = "\n".join(f"value: {base64.b64encode(pki.make_client(ca, f'c{i}', NOW).cert_pem).decode()}"
                      for i in range(20))
    assert candidate_positions(certs) == []  # Secret values holding certificates: nothing to look at
    key = base64.b64encode(private_keys()["ec-p256"].private_bytes(  # type: ignore[attr-defined]
        s.Encoding.DER, s.PrivateFormat.PKCS8, s.NoEncryption())).decode()
    text = certs + f"\nkey: {key}\n" + certs
    found = candidate_positions(text)
    assert found == sorted(found) and text.index(key) in found
    assert might_hold_key(text, text.index(key), text.index(key) + len(key))
    assert not might_hold_key(text, 0, len(certs))
