"""A small test PKI: CAs, intermediates and leaf certificates made with `cryptography`.

Used by the tests, the sample data (`core.sample`) and the benchmarks. Everything is generated on
the fly relative to a given `now`, so certificate states (valid, expiring, expired, not yet valid)
never depend on the wall clock. The structure is deterministic; keys and serials are random.

Besides normal certificates it makes the broken material MES Doctor must recognise: SHA-1 / MD5
signatures (which `cryptography` refuses to produce, so the signature is redone by hand here),
weak RSA keys, encrypted PEM keys, DER output and mismatched certificate/key pairs.

Keys made here are for tests and demos only.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = CertificateIssuerPrivateKeyTypes

EKU = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
}

# AlgorithmIdentifier DER for the weak signatures cryptography will not create itself.
_WEAK_ALGORITHMS: dict[tuple[str, str], bytes] = {
    ("rsa", "sha1"): bytes.fromhex("300d06092a864886f70d0101050500"),  # sha1WithRSAEncryption
    ("rsa", "md5"): bytes.fromhex("300d06092a864886f70d0101040500"),  # md5WithRSAEncryption
    ("ec", "sha1"): bytes.fromhex("300906072a8648ce3d0401"),  # ecdsa-with-SHA1
}
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def generate_key(key_type: str = "ec", size: int | None = None) -> PrivateKey:
    """`rsa` (default 2048 bits), `ec` (P-256; `size` 384/521 picks the curve), `secp256k1` (an EC
    curve Envoy does not accept), `ed25519`, `dsa`."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=size or 2048)
    if key_type == "ec":
        curves = {None: ec.SECP256R1(), 256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}
        if size not in curves:
            raise ValueError(f"unsupported EC size {size}")
        return ec.generate_private_key(curves[size])
    if key_type == "secp256k1":
        return ec.generate_private_key(ec.SECP256K1())
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == "dsa":
        return dsa.generate_private_key(key_size=size or 2048)
    raise ValueError(f"unknown key type {key_type!r}")


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key. The repr never shows the key."""

    certificate: x509.Certificate
    key: PrivateKey = field(repr=False)

    def __repr__(self) -> str:
        return f"Issued({self.certificate.subject.rfc4514_string()}, not_after={self.not_after.isoformat()})"

    @property
    def name(self) -> x509.Name:
        return self.certificate.subject

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def key_pem(self, *, password: bytes | None = None, traditional: bool = False) -> bytes:
        return key_pem(self.key, password=password, traditional=traditional)

    def key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def key_pem(key: PrivateKey, *, password: bytes | None = None, traditional: bool = False) -> bytes:
    """PEM of a private key: PKCS#8 (`PRIVATE KEY` / `ENCRYPTED PRIVATE KEY`) or, with
    `traditional`, the OpenSSL format (`RSA PRIVATE KEY` / `EC PRIVATE KEY`, with `Proc-Type`
    headers when encrypted)."""
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc)


def pem_bundle(*items: Issued | bytes) -> bytes:
    """Concatenate certificates (or ready PEM bytes) in the given order."""
    return b"".join(i.cert_pem if isinstance(i, Issued) else i for i in items)


def make_ca(
    common_name: str,
    now: datetime,
    *,
    issuer: Issued | None = None,
    key_type: str = "ec",
    key_size: int | None = None,
    key: PrivateKey | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    days: float = 3650,
    path_length: int | None = None,
    hash_name: str = "sha256",
    organization: str = "MES Doctor test PKI",
) -> Issued:
    """A CA certificate: self-signed root when `issuer` is None, else an intermediate."""
    key = key or generate_key(key_type, key_size)
    subject = _name(common_name, organization)
    builder = _builder(subject, issuer, key, now, not_before, not_after, days)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
        ),
        critical=True,
    )
    return _sign(builder, key, issuer, hash_name)


def make_intermediate(issuer: Issued, common_name: str, now: datetime, **kwargs: object) -> Issued:
    return make_ca(common_name, now, issuer=issuer, **kwargs)  # type: ignore[arg-type]


def make_leaf(
    issuer: Issued | None,
    common_name: str,
    now: datetime,
    *,
    sans: tuple[str, ...] = (),
    eku: tuple[str, ...] | None = ("serverAuth",),
    key_type: str = "ec",
    key_size: int | None = None,
    key: PrivateKey | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    days: float = 90,
    hash_name: str = "sha256",
    basic_constraints: bool = True,
    organization: str = "MES Doctor test PKI",
) -> Issued:
    """An end-entity certificate. `issuer=None` makes it self-signed (CA:FALSE).

    `sans` entries are DNS names, IP literals, or `URI:...`; `eku=None` leaves the extended key
    usage extension out entirely (which allows any usage).
    """
    key = key or generate_key(key_type, key_size)
    subject = _name(common_name, organization)
    builder = _builder(subject, issuer, key, now, not_before, not_after, days)
    if basic_constraints:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(s) for s in sans]), critical=False)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([EKU[u] for u in eku]), critical=False)
    return _sign(builder, key, issuer, hash_name)


def make_server(issuer: Issued | None, host: str, now: datetime, **kwargs: object) -> Issued:
    kwargs.setdefault("sans", (host,))
    kwargs.setdefault("eku", ("serverAuth",))
    return make_leaf(issuer, host, now, **kwargs)  # type: ignore[arg-type]


def make_client(issuer: Issued | None, name: str, now: datetime, **kwargs: object) -> Issued:
    kwargs.setdefault("eku", ("clientAuth",))
    return make_leaf(issuer, name, now, **kwargs)  # type: ignore[arg-type]


def mismatched_pair(issuer: Issued, name: str, now: datetime, **kwargs: object) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) where the key does NOT belong to the certificate."""
    client = make_client(issuer, name, now, **kwargs)
    other = generate_key("ec")
    return client.cert_pem, key_pem(other)


# --- internals ------------------------------------------------------------------------------------


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _general_name(value: str) -> x509.GeneralName:
    if value.startswith("URI:"):
        return x509.UniformResourceIdentifier(value[4:])
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def _builder(
    subject: x509.Name,
    issuer: Issued | None,
    key: PrivateKey,
    now: datetime,
    not_before: datetime | None,
    not_after: datetime | None,
    days: float,
) -> x509.CertificateBuilder:
    start = not_before or (now - timedelta(days=1))
    end = not_after or (now + timedelta(days=days))
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.name if issuer else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    return builder


def _sign(builder: x509.CertificateBuilder, key: PrivateKey, issuer: Issued | None, hash_name: str) -> Issued:
    signer = issuer.key if issuer else key
    if hash_name in _HASHES:
        algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else _HASHES[hash_name]
        return Issued(builder.sign(signer, algorithm), key)
    return Issued(_sign_weak(builder, signer, hash_name), key)


def _sign_weak(builder: x509.CertificateBuilder, signer: PrivateKey, hash_name: str) -> x509.Certificate:
    """Sign with SHA-1 / MD5: build the certificate normally, then swap the algorithm identifier in
    the TBS part and sign that again by hand."""
    family = ""
    if isinstance(signer, rsa.RSAPrivateKey):
        family = "rsa"
    elif isinstance(signer, ec.EllipticCurvePrivateKey):
        family = "ec"
    algorithm_id = _WEAK_ALGORITHMS.get((family, hash_name))
    if algorithm_id is None:
        raise ValueError(f"cannot sign with {hash_name} using a {type(signer).__name__}")
    template = builder.sign(signer, hashes.SHA256())
    children = _der_children(template.tbs_certificate_bytes)
    index = 2 if children and children[0][0] == 0xA0 else 1  # [0] version is optional
    children[index] = (0x30, algorithm_id)
    tbs = _der(0x30, b"".join(raw for _, raw in children))
    digest: hashes.HashAlgorithm = hashes.SHA1() if hash_name == "sha1" else hashes.MD5()
    if isinstance(signer, rsa.RSAPrivateKey):
        signature = signer.sign(tbs, padding.PKCS1v15(), digest)
    else:
        signature = signer.sign(tbs, ec.ECDSA(digest))  # type: ignore[union-attr,call-arg]
    der = _der(0x30, tbs + algorithm_id + _der(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(der)


def _der_children(der: bytes) -> list[tuple[int, bytes]]:
    """Split the content of a DER SEQUENCE into its (tag, whole TLV bytes) children."""
    _, start, end = _tlv(der, 0)
    out: list[tuple[int, bytes]] = []
    pos = start
    while pos < end:
        tag, _, value_end = _tlv(der, pos)
        out.append((tag, der[pos:value_end]))
        pos = value_end
    return out


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    tag = der[pos]
    length = der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[pos:pos + count], "big")
        pos += count
    return tag, pos, pos + length


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content
