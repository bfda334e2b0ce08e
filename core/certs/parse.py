"""Parse TLS material (PEM, DER, or wrongly base64-encoded PEM) into a `ParsedMaterial`.

Envoy's inline data sources must be PEM. This parser recognises the usual mistakes: DER instead
of PEM (MES317), PEM encoded once or twice too often (MES302), text around the blocks (MES318),
broken certificate blocks (MES315), encrypted (MES308) or unusable (MES309) keys. Messages are
written here from scratch: nothing from the input or from `cryptography` exceptions is quoted,
so no key material can leak through them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from core.certs.material import CertInfo, Issue, KeyInfo, ParsedMaterial

T = TypeVar("T")

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9][A-Z0-9 #_-]*)-----(.*?)-----END \1-----", re.S)
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=\s]+$")
CERT_LABELS = frozenset({"CERTIFICATE", "X509 CERTIFICATE"})
KEY_LABELS = frozenset({"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"})
IGNORED_LABELS = frozenset({"EC PARAMETERS"})  # `openssl ecparam -genkey` output: harmless next to the key
ENVOY_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})

_EKU_NAMES = {
    x509.oid.ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    x509.oid.ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    x509.oid.ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
    x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage",
}
_KEY_USAGE_NAMES = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


def parse_material(data: bytes) -> ParsedMaterial:
    """Parse bytes as Kuma would hand them to Envoy. Never raises for bad input."""
    if b"-----BEGIN" in data:
        return _parse_pem(data.decode("utf-8", "replace"), "pem", ())
    if not data.strip():
        return _only(Issue("MES301", "The material holds only whitespace: there is no PEM block in it."))
    if data[:1] == b"\x30":
        der = _parse_der(data)
        if der is not None:
            return der
    return _parse_encoded(data)


def _only(*issues: Issue, encoding: str = "unknown") -> ParsedMaterial:
    return ParsedMaterial(encoding, (), (), (), issues)


def _parse_encoded(data: bytes) -> ParsedMaterial:
    """No PEM armour: maybe base64 of PEM (once or twice), or base64 of DER."""
    first = _b64(data)
    if first is not None:
        if b"-----BEGIN" in first:
            issue = Issue("MES302", "The material is base64 of a PEM document instead of the PEM itself (encoded "
                                    "once too often). Envoy cannot load it; MES Doctor read the certificates "
                                    "inside the extra encoding.")
            return _parse_pem(first.decode("utf-8", "replace"), "base64-pem", (issue,))
        second = _b64(first)
        if second is not None and b"-----BEGIN" in second:
            issue = Issue("MES302", "The material is base64 of base64 of a PEM document (encoded twice too often). "
                                    "Envoy cannot load it; MES Doctor read the certificates inside the extra "
                                    "encodings.")
            return _parse_pem(second.decode("utf-8", "replace"), "base64-base64-pem", (issue,))
        if first[:1] == b"\x30":
            der = _parse_der(first)
            if der is not None:
                issue = Issue("MES301", "The material is the base64 body of a DER object without the "
                                        "`-----BEGIN ...-----` / `-----END ...-----` lines: it is not PEM.")
                return ParsedMaterial("base64-der", der.certificates, der.keys, (), (issue,))
    binary = any(b < 0x09 or 0x0D < b < 0x20 for b in data[:512])
    what = "binary data" if binary else "text"
    return _only(Issue("MES301", f"The material is {what} that is neither PEM nor DER (no `-----BEGIN` line)."))


def _b64(data: bytes) -> bytes | None:
    text = data.strip()
    if len(text) < 16 or not _BASE64_TEXT.match(text):
        return None
    cleaned = b"".join(text.split())
    try:
        decoded = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded or None


def _parse_der(data: bytes) -> ParsedMaterial | None:
    cert = _attempt(lambda: x509.load_der_x509_certificate(data))
    read = _attempt(lambda: _cert_info(cert, 0)) if cert is not None else None
    if read is not None:
        info, issues = read
        issue = Issue("MES317", "The material is a DER-encoded certificate; Envoy's inline data must be PEM.",
                      "cert")
        return ParsedMaterial("der", (info,), (), (), (issue, *issues))
    try:
        key = serialization.load_der_private_key(data, password=None)
    except TypeError:
        key_info = KeyInfo(0, "DER", "unknown", None, None, None, encrypted=True, usable=False)
        return ParsedMaterial("der", (), (key_info,), (), (
            Issue("MES317", "The material is a DER-encoded private key; Envoy's inline data must be PEM.", "key"),
            Issue("MES308", "The private key is encrypted (passphrase-protected).", "key"),
        ))
    except Exception:  # any parse failure just means "not a DER key"
        return None
    try:
        key_info, issues = _key_info(key, 0, "DER")
    except Exception:
        return None
    finally:
        del key
    issue = Issue("MES317", "The material is a DER-encoded private key; Envoy's inline data must be PEM.", "key")
    return ParsedMaterial("der", (), (key_info,), (), (issue, *issues))


def _parse_pem(text: str, encoding: str, leading: tuple[Issue, ...]) -> ParsedMaterial:
    certs: list[CertInfo] = []
    keys: list[KeyInfo] = []
    others: list[str] = []
    issues: list[Issue] = list(leading)
    outside: list[str] = []
    pos = 0
    for number, match in enumerate(_PEM_BLOCK.finditer(text)):
        outside.append(text[pos:match.start()])
        pos = match.end()
        label, body = match.group(1), match.group(2)
        if label in CERT_LABELS:
            info, problems = _pem_certificate(body, len(certs), number)
            issues.extend(problems)
            if info is not None:
                certs.append(info)
        elif label in KEY_LABELS or label in ("ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY"):
            key_info, problems = _pem_key(label, body, match.group(0), len(keys))
            keys.append(key_info)
            issues.extend(problems)
        elif label not in IGNORED_LABELS:
            others.append(label)
    outside.append(text[pos:])
    rest = "".join(outside)
    if "-----BEGIN" in rest or "-----END" in rest:
        issues.append(Issue("MES301", "A PEM block is broken: a `-----BEGIN` line has no matching `-----END` line "
                                      "(truncated or mismatched labels)."))
    elif rest.strip():
        count = len(rest.strip())
        issues.append(Issue("MES318", f"{count} character(s) of text sit outside the PEM blocks (before, between or "
                                      "after them); Envoy ignores them, but they often mean a paste error."))
    return ParsedMaterial(encoding, tuple(certs), tuple(keys), tuple(others), tuple(issues))


def _pem_body(body: str) -> tuple[dict[str, str], bytes | None]:
    """Split RFC 1421 headers (`Proc-Type: ...`) from the base64 body and decode it."""
    headers: dict[str, str] = {}
    lines = body.strip().splitlines()
    while lines and ":" in lines[0]:
        key, _, value = lines.pop(0).partition(":")
        headers[key.strip()] = value.strip()
    while lines and not lines[0].strip():
        lines.pop(0)
    cleaned = "".join("".join(lines).split())
    try:
        return headers, base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return headers, None


def _pem_certificate(body: str, position: int, block: int) -> tuple[CertInfo | None, list[Issue]]:
    _, der = _pem_body(body)
    if not der:
        return None, [Issue("MES315", f"PEM block {block + 1} (CERTIFICATE) does not hold valid base64.", "cert")]
    cert = _attempt(lambda: x509.load_der_x509_certificate(der))
    read = _attempt(lambda: _cert_info(cert, position)) if cert is not None else None
    if read is None:
        return None, [Issue("MES315", f"PEM block {block + 1} (CERTIFICATE) holds broken ASN.1: it is not a "
                                      "certificate.", "cert")]
    return read


def _pem_key(label: str, body: str, block: str, position: int) -> tuple[KeyInfo, list[Issue]]:
    headers, der = _pem_body(body)
    if label == "ENCRYPTED PRIVATE KEY" or "ENCRYPTED" in headers.get("Proc-Type", ""):
        return (KeyInfo(position, label, _label_type(label), None, None, None, encrypted=True, usable=False),
                [Issue("MES308", f"The private key ({label}) is encrypted (passphrase-protected).", "key")])
    if label == "OPENSSH PRIVATE KEY":
        return (KeyInfo(position, label, "OpenSSH", None, None, None, encrypted=False, usable=False),
                [Issue("MES309", "The private key is in OpenSSH format, which Envoy cannot read (PKCS#8 or "
                                 "traditional PEM is needed).", "key")])
    if label == "DSA PRIVATE KEY":
        return (KeyInfo(position, label, "DSA", None, None, None, encrypted=False, usable=False),
                [Issue("MES309", "The private key is a DSA key; Envoy accepts RSA and ECDSA keys.", "key")])
    if der is None:
        return (KeyInfo(position, label, "unknown", None, None, None, encrypted=False, usable=False),
                [Issue("MES309", f"The {label} block does not hold valid base64.", "key")])
    try:
        key = serialization.load_pem_private_key(block.encode("ascii", "replace"), password=None)
    except TypeError:
        return (KeyInfo(position, label, _label_type(label), None, None, None, encrypted=True, usable=False),
                [Issue("MES308", f"The private key ({label}) is encrypted (passphrase-protected).", "key")])
    except Exception:  # the reason may quote key data: report a fixed text instead
        return (KeyInfo(position, label, _label_type(label), None, None, None, encrypted=False, usable=False),
                [Issue("MES309", f"The {label} block cannot be read as a private key (corrupted or an unsupported "
                                 "algorithm).", "key")])
    try:
        return _key_info(key, position, label)
    except Exception:
        return (KeyInfo(position, label, "unknown", None, None, None, encrypted=False, usable=False),
                [Issue("MES309", f"The {label} block cannot be read as a private key.", "key")])
    finally:
        del key


def _label_type(label: str) -> str:
    return {"RSA PRIVATE KEY": "RSA", "EC PRIVATE KEY": "EC", "DSA PRIVATE KEY": "DSA"}.get(label, "unknown")


def _key_info(key: Any, position: int, label: str) -> tuple[KeyInfo, list[Issue]]:
    key_type, size, curve = describe_key(key)
    spki = _public_key_sha256(key.public_key())
    issue = _unsupported(key_type, curve)
    usable = issue is None
    info = KeyInfo(position, label, key_type, size, curve, spki, encrypted=False, usable=usable)
    return info, [] if issue is None else [Issue("MES309", f"The private key is {issue}", "key")]


def _unsupported(key_type: str, curve: str | None) -> str | None:
    if key_type == "RSA":
        return None
    if key_type == "EC":
        return None if curve in ENVOY_CURVES else f"an EC key on curve {curve}; Envoy accepts P-256, P-384 and P-521."
    article = "an" if key_type[:1].upper() in "AEIOU" else "a"
    return f"{article} {key_type} key; Envoy accepts RSA and ECDSA (P-256, P-384, P-521) keys."


def describe_key(key: Any) -> tuple[str, int | None, str | None]:
    """(type, size in bits, curve) of a private or public key object."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(key, dsa.DSAPrivateKey | dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    if isinstance(key, x25519.X25519PrivateKey | x25519.X25519PublicKey):
        return "X25519", 256, None
    if isinstance(key, x448.X448PrivateKey | x448.X448PublicKey):
        return "X448", 448, None
    return "unknown", None, None


def _public_key_sha256(public: Any) -> str | None:
    raw = _attempt(lambda: public.public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo))
    return hashlib.sha256(raw).hexdigest() if raw else None


def _cert_info(cert: x509.Certificate, position: int) -> tuple[CertInfo, list[Issue]]:
    issues: list[Issue] = []
    extensions = _attempt(lambda: cert.extensions)
    if extensions is None:
        issues.append(Issue("MES315", f"Certificate {position + 1} has extensions that cannot be parsed.", "cert"))
        extensions = x509.Extensions([])
    public = _attempt(cert.public_key)
    key_type, key_size, curve = describe_key(public) if public is not None else ("unknown", None, None)
    basic = _extension(extensions, x509.BasicConstraints)
    subject_der = _attempt(lambda: cert.subject.public_bytes()) or b""
    issuer_der = _attempt(lambda: cert.issuer.public_bytes()) or b""
    info = CertInfo(
        position=position,
        subject=_attempt(lambda: cert.subject.rfc4514_string()) or "<unreadable subject>",
        issuer=_attempt(lambda: cert.issuer.rfc4514_string()) or "<unreadable issuer>",
        subject_id=hashlib.sha256(subject_der).hexdigest(),
        issuer_id=hashlib.sha256(issuer_der).hexdigest(),
        sans=_sans(extensions),
        serial=_serial(cert),
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        curve=curve,
        public_key_sha256=_public_key_sha256(public) if public is not None else None,
        is_ca=bool(basic is not None and basic.ca),
        has_basic_constraints=basic is not None,
        self_signed=_self_signed(cert, subject_der, issuer_der),
        signature_algorithm=_signature_algorithm(cert),
        weak_signature=_weak_signature(cert),
        key_usage=_key_usage(extensions),
        extended_key_usage=_eku(extensions),
    )
    return info, issues


def _attempt(func: Callable[[], T]) -> T | None:
    try:
        return func()
    except Exception:  # malformed input may fail in many ways; treat all alike
        return None


def _extension(extensions: x509.Extensions, kind: type[Any]) -> Any:
    try:
        return extensions.get_extension_for_class(kind).value
    except Exception:  # ExtensionNotFound or a malformed extension
        return None


def _sans(extensions: x509.Extensions) -> tuple[str, ...]:
    san = _extension(extensions, x509.SubjectAlternativeName)
    if san is None:
        return ()
    out: list[str] = []
    for name in san:
        if isinstance(name, x509.DNSName):
            out.append(f"DNS:{name.value}")
        elif isinstance(name, x509.IPAddress):
            out.append(f"IP:{name.value}")
        elif isinstance(name, x509.UniformResourceIdentifier):
            out.append(f"URI:{name.value}")
        elif isinstance(name, x509.RFC822Name):
            out.append(f"email:{name.value}")
        else:
            out.append(type(name).__name__)
    return tuple(out)


def _serial(cert: x509.Certificate) -> str:
    number = _attempt(lambda: cert.serial_number)
    if number is None:
        return ""
    sign = "-" if number < 0 else ""
    digits = format(abs(number), "X")
    return sign + (digits if len(digits) % 2 == 0 else "0" + digits)


def _self_signed(cert: x509.Certificate, subject_der: bytes, issuer_der: bytes) -> bool:
    if not subject_der or subject_der != issuer_der:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except ValueError:
        return True  # unsupported signature algorithm (MD5...) or other mismatch: go by the names
    except Exception:  # InvalidSignature, TypeError: same name but not self-signed
        return False
    return True


def _signature_algorithm(cert: x509.Certificate) -> str:
    oid = _attempt(lambda: cert.signature_algorithm_oid)
    if oid is None:
        return "unknown"
    name = getattr(oid, "_name", "")
    return name if name and name != "Unknown OID" else oid.dotted_string


def _weak_signature(cert: x509.Certificate) -> bool:
    algorithm = _attempt(lambda: cert.signature_hash_algorithm)
    if isinstance(algorithm, hashes.SHA1 | hashes.MD5):
        return True
    name = _signature_algorithm(cert).lower()
    return "sha1" in name or "md5" in name or "md2" in name


def _key_usage(extensions: x509.Extensions) -> tuple[str, ...]:
    usage = _extension(extensions, x509.KeyUsage)
    if usage is None:
        return ()
    out = [label for attr, label in _KEY_USAGE_NAMES if _attempt(lambda a=attr: getattr(usage, a))]
    if usage.key_agreement:
        out += [label for attr, label in (("encipher_only", "encipherOnly"), ("decipher_only", "decipherOnly"))
                if _attempt(lambda a=attr: getattr(usage, a))]
    return tuple(out)


def _eku(extensions: x509.Extensions) -> tuple[str, ...]:
    usage = _extension(extensions, x509.ExtendedKeyUsage)
    if usage is None:
        return ()
    return tuple(_EKU_NAMES.get(oid, oid.dotted_string) for oid in usage)
