"""Private-key material in any string: what the loader and the redaction replace by a marker.

A string holds key material when it contains

* a PEM private-key or certificate-request label: `BEGIN … PRIVATE KEY` / `END … PRIVATE KEY` (PKCS#8,
  traditional RSA / EC / DSA, `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`,
  `SSH2 ENCRYPTED PRIVATE KEY`…), `BEGIN [NEW] CERTIFICATE REQUEST`, a PuTTY key file header or an age
  secret key;
* a run of base64 (standard or URL-safe alphabet, possibly wrapped over several lines) that decodes to
  a PEM private key (a Secret value pasted elsewhere), or to a DER private key: PKCS#1 RSA, DSA, SEC1 EC,
  PKCS#8 (v1 and v2), PKCS#8 encrypted (PBES1 / PBES2 / PKCS#12 PBE) or a PKCS#12 bundle. (A
  certificate request holds no secret: only its PEM label is looked for, not its base64.)

The DER test reads only the first bytes of the structure (the SEQUENCE header, the version INTEGER and
the tag after it, or the encryption OID), which tells a private key from a certificate, a public key, a
CSR or a PKCS#7 bundle without parsing the key: a base64 certificate or public key is not a secret and
is kept. Hex dumps, raw binary and unstructured secrets (tokens, 32 random bytes) are not recognised.

`might_hold_key` / `candidate_positions` are the cheap test: a few literal searches and one anchored regular
expression that every text holding key material matches, and ordinary manifests (names, hosts, Secret values
of certificates) rarely do. Only their matches are decoded (`holds_key`); the loader runs them once over a
file's text to know which documents need their strings checked at all.
"""

from __future__ import annotations

import base64
import binascii
import re

# other key-file markers; the PEM labels of a private key or a certificate request
_LABELS = (b"PRIVATE KEY",)  # (their base64 is looked for too)
_OTHER_MARKERS = ("PuTTY-User-Key-File-", "AGE-SECRET-KEY-1")
_LABEL = "(?:BEGIN|END) (?:[A-Z0-9]+ )*(?:PRIVATE KEY|CERTIFICATE REQUEST)"
_MARKER = re.compile("|".join([_LABEL, *map(re.escape, _OTHER_MARKERS)]))
_MARKER_BYTES = re.compile(_MARKER.pattern.encode())
_B64 = "A-Za-z0-9+/_\\-"
MIN_DER_RUN = 48  # base64 characters: the shortest PKCS#8 key (Ed25519 / X25519) takes 64
_RUN = re.compile(f"[{_B64}]{{{MIN_DER_RUN},}}")
_WRAPPED = re.compile(f"[{_B64}=]+(?:\\s+[{_B64}=]+)+")  # base64 broken over lines (or separated by blanks)
_URLSAFE = str.maketrans("-_", "+/")


def _aligned_base64(marker: bytes) -> set[str]:
    """The base64 text of `marker` at each of the three byte alignments, cut to the characters that
    depend on the marker alone: whatever precedes or follows it, its encoding contains one of them."""
    out: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + marker + b"\0\0").decode()
        first = -(-8 * shift // 6)  # the first character made only of the marker's bits
        last = 8 * (shift + len(marker)) // 6  # one past the last such character
        text = encoded[first:last]
        out |= {text, text.replace("+", "-").replace("/", "_")}
    return out


# Literal strings, each searched on its own (`str.find` runs at memory speed; an alternation of them in one
# regular expression is an order of magnitude slower): the PEM labels as text and as base64, key-file markers.
LITERALS: tuple[str, ...] = (
    "PRIVATE KEY", "CERTIFICATE REQUEST", *_OTHER_MARKERS,
    *sorted({s for label in _LABELS for s in _aligned_base64(label)}, key=lambda s: (-len(s), s)),  # 3 strings
)
# A DER SEQUENCE (0x30) with a length byte below 0x85, in base64, starts a run with `M` then `A`-`I`; in the
# text of a JSON document it may also follow a `\\n` escape. (The literal `M` first keeps the search fast.)
DER_START = re.compile(f"M(?:(?<![{_B64}]M)|(?<=\\\\nM))[A-I][{_B64}]{{{MIN_DER_RUN - 2}}}")
MIN_LENGTH = min(len(s) for s in LITERALS)  # no shorter string can hold key material


def candidate_positions(text: str) -> list[int]:
    """Sorted offsets in `text` where key material may start or be marked (a superset: see `holds_key`)."""
    found: list[int] = []
    for literal in LITERALS:
        at = text.find(literal)
        while at >= 0:
            found.append(at)
            at = text.find(literal, at + 1)
    found.extend(m.start() for m in DER_START.finditer(text))
    found.sort()
    return found


def might_hold_key(text: str, start: int = 0, end: int | None = None) -> bool:
    """The cheap test: False when `text[start:end]` certainly holds no key material."""
    stop = len(text) if end is None else end
    if stop - start < MIN_LENGTH:
        return False
    return any(text.find(literal, start, stop) >= 0 for literal in LITERALS) or (
        DER_START.search(text, start, stop) is not None)


def holds_key(text: str) -> bool:
    """Whether `text` holds private-key material (see the module docstring)."""
    if not might_hold_key(text):
        return False
    if _MARKER.search(text):
        return True
    if any(_decodes_to_key(m.group()) for m in _RUN.finditer(text)):
        return True
    for wrapped in _WRAPPED.finditer(text):  # base64 wrapped over lines: the lines joined
        joined = "".join(wrapped.group().split())
        if len(joined) >= MIN_DER_RUN and any(_decodes_to_key(m.group()) for m in _RUN.finditer(joined)):
            return True
    return False


def _decodes_to_key(run: str) -> bool:
    run = run.translate(_URLSAFE)
    if run[0] == "M" and _der_private_key(_decode(run[:64])):
        return True
    decoded = _decode(run)
    return bool(decoded) and _MARKER_BYTES.search(decoded) is not None


def _decode(text: str) -> bytes:
    text = text.rstrip("=")
    text = text[: len(text) - len(text) % 4]
    try:
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        return b""


# OID prefixes of the encryption schemes of an EncryptedPrivateKeyInfo: PKCS#5 (PBES1, PBES2) and PKCS#12 PBE
_PKCS5 = bytes.fromhex("2a864886f70d0105")
_PKCS12_PBE = bytes.fromhex("2a864886f70d010c01")


def _after_length(der: bytes, at: int) -> int | None:
    """Index of the first content byte of the element whose length octets start at `at`."""
    if at >= len(der):
        return None
    first = der[at]
    if first < 0x80:
        return at + 1
    if 0x81 <= first <= 0x84:
        return at + 1 + (first - 0x80)
    return None  # indefinite or absurd lengths: not DER


def _der_private_key(der: bytes) -> bool:
    """Whether the start of `der` is the start of a DER private-key structure."""
    if len(der) < 8 or der[0] != 0x30:
        return False
    i = _after_length(der, 1)
    if i is None or i + 4 > len(der):
        return False
    if der[i] == 0x02:  # SEQUENCE { INTEGER version, … }
        if der[i + 1] != 0x01:
            return False
        version, following = der[i + 2], der[i + 3]
        if version == 0 and following == 0x02:
            return True  # PKCS#1 RSAPrivateKey, DSA private key: version 0, then INTEGERs
        if version == 1 and following == 0x04:
            return True  # SEC1 ECPrivateKey: version 1, then the private key OCTET STRING
        if version in (0, 1) and following == 0x30:  # PKCS#8 PrivateKeyInfo / OneAsymmetricKey
            j = _after_length(der, i + 4)
            return j is not None and j < len(der) and der[j] == 0x06  # AlgorithmIdentifier starts with its OID
        return version == 3 and following == 0x30  # PKCS#12 PFX: version 3, then the authSafe ContentInfo
    if der[i] == 0x30:  # EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier { OID, … }, OCTET STRING }
        j = _after_length(der, i + 1)
        if j is None or j + 2 > len(der) or der[j] != 0x06:
            return False
        oid = der[j + 2: j + 2 + der[j + 1]]
        return oid.startswith(_PKCS5) or oid.startswith(_PKCS12_PBE)
    return False
