"""What one piece of TLS material contains, independent of where it is used.

`ParsedMaterial` holds only public facts (subjects, dates, fingerprints, key types and the
SHA-256 of public keys, used to match a key with its certificate). Private keys are loaded only
to read those facts and are dropped at once; no bytes, no PEM text and no exception text from
`cryptography` ever reach a `ParsedMaterial`.
"""

from __future__ import annotations

from datetime import datetime

from core.records import record


@record
class CertInfo:
    position: int  # 0-based among the certificates of the material
    subject: str
    issuer: str
    subject_id: str  # sha256 of the subject Name DER (chain order checks)
    issuer_id: str
    sans: tuple[str, ...]
    serial: str
    sha256: str
    not_before: datetime
    not_after: datetime
    key_type: str
    key_size: int | None
    curve: str | None
    public_key_sha256: str | None
    is_ca: bool  # basicConstraints CA:TRUE
    has_basic_constraints: bool
    self_signed: bool
    signature_algorithm: str
    weak_signature: bool
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]

    @property
    def ca_capable(self) -> bool:
        """Usable as a trust anchor / issuer: CA:TRUE, or an old-style self-signed root without
        a basicConstraints extension at all."""
        return self.is_ca or (self.self_signed and not self.has_basic_constraints)

    @property
    def short_subject(self) -> str:
        return self.subject if len(self.subject) <= 120 else self.subject[:117] + "..."


@record
class KeyInfo:
    position: int  # 0-based among the private keys of the material
    label: str  # the PEM label (`PRIVATE KEY`, `RSA PRIVATE KEY`, ...) or `DER`
    key_type: str  # RSA, EC, Ed25519, DSA, ... or `unknown`
    key_size: int | None
    curve: str | None
    public_key_sha256: str | None
    encrypted: bool
    usable: bool  # parsed, unencrypted and of a type Envoy accepts


@record
class Issue:
    """A problem of the material itself. `about` says which uses it matters for: `cert`
    (caCert/clientCert), `key` (clientKey) or `any`."""

    code: str
    message: str
    about: str = "any"


@record
class ParsedMaterial:
    encoding: str  # pem, der, base64-pem, base64-base64-pem, base64-der, unknown
    certificates: tuple[CertInfo, ...]
    keys: tuple[KeyInfo, ...]
    other_blocks: tuple[str, ...]  # labels of PEM blocks that are neither certificates nor keys
    issues: tuple[Issue, ...]
