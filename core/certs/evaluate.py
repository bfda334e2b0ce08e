"""Judge parsed material for the role it plays in an MES: CA bundle, client chain or client key.

An expired or not-yet-valid certificate in a CA bundle that also holds a currently valid CA is a
warning (MES319), not an error: verification still works for servers chaining to the valid CA,
which is the normal state during a CA rotation. A bundle whose CAs are all outdated is an error
(MES310 / MES311), as is any outdated certificate of the client chain.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime, timedelta
from itertools import pairwise

from core.certs.material import CertInfo, ParsedMaterial
from core.durations import days_left as whole_days_left
from core.durations import relative_days
from core.model import CertificateRecord, CertificateStatus, KeyPairStatus, ResourceRef, SecretReference
from core.records import record

FILES = {"caCert": "ca.pem", "clientCert": "client.pem", "clientKey": "client-key.pem"}
_MATERIAL_CODES = frozenset({"MES301", "MES302", "MES315", "MES317"})


@record
class Problem:
    code: str
    field: str  # the data source the finding is about
    message: str
    hint: str
    fix: str


Store = Callable[[SecretReference, str], str]  # how to write corrected material (from a file) back


# The fields of a `CertificateRecord` after `service, field, secret, source`, in its order, but the key pair:
# what a distinct material's records share whatever references it (see `rows` / `records_from`). The key
# pair depends on the MES's clientKey too and is set by `with_key_pair`.
Row = namedtuple("Row", [f.name for f in fields(CertificateRecord)[4:] if f.name != "key_pair"])  # type: ignore[misc]


def certificate_status(info: CertInfo, now: datetime, window_days: int) -> tuple[CertificateStatus, int]:
    """The state at `now` and the days left by `core.durations.days_left` (whole days toward zero: expired
    6.3 days ago is -6). Valid through `notAfter` itself."""
    days_left = whole_days_left(info.not_after, now)
    if now < info.not_before:
        return CertificateStatus.NOT_YET_VALID, days_left
    if now > info.not_after:
        return CertificateStatus.EXPIRED, days_left
    if info.not_after - now <= timedelta(days=window_days):
        return CertificateStatus.EXPIRING, days_left
    return CertificateStatus.VALID, days_left


def records(service: ResourceRef, ref: SecretReference, parsed: ParsedMaterial, now: datetime,
            window_days: int) -> list[CertificateRecord]:
    """One record per certificate of a `caCert` / `clientCert` source (a key source has none)."""
    return records_from(service, ref, rows(parsed, now, window_days))


def rows(parsed: ParsedMaterial, now: datetime, window_days: int) -> tuple[Row, ...]:
    """What the records of `parsed` hold whatever references it, one row per certificate: made once
    per material and clock, then turned into records per reference by `records_from`."""
    out: list[Row] = []
    for info in parsed.certificates:
        status, days_left = certificate_status(info, now, window_days)
        out.append(Row(
            position=info.position, subject=info.subject, issuer=info.issuer, sans=info.sans, serial=info.serial,
            sha256=info.sha256, not_before=info.not_before, not_after=info.not_after, days_left=days_left,
            status=status, key_type=_key_label(info), key_size=info.key_size, is_ca=info.is_ca,
            self_signed=info.self_signed, signature_algorithm=info.signature_algorithm, key_usage=info.key_usage,
            extended_key_usage=info.extended_key_usage,
        ))
    return tuple(out)


def records_from(service: ResourceRef, ref: SecretReference, rows: tuple[Row, ...]) -> list[CertificateRecord]:
    """`records` for a reference whose material's `rows` are made."""
    if ref.field == "clientKey" or not rows:
        return []
    field, secret, source = ref.field, ref.secret, ref.source
    return [CertificateRecord(service, field, secret, source, *row) for row in rows]


def problems(ref: SecretReference, parsed: ParsedMaterial, now: datetime, window_days: int, store: Store,
             host: str | None = None) -> list[Problem]:
    role = "key" if ref.field == "clientKey" else "cert"
    who = describe(ref)
    file = FILES.get(ref.field, "tls.pem")
    relevant = [i for i in parsed.issues if i.about in (role, "any")]
    out = [Problem(i.code, ref.field, f"{who}: {i.message}", *_advice(i.code, ref, file, store)) for i in relevant]
    already = {i.code for i in relevant} & _MATERIAL_CODES

    def add(code: str, message: str) -> None:
        out.append(Problem(code, ref.field, f"{who}: {message}", *_advice(code, ref, file, store, host)))

    if role == "key":
        if not parsed.keys:
            if parsed.certificates:
                add("MES304", f"holds {_count(parsed.certificates, 'certificate')} and no private key.")
            elif parsed.other_blocks:
                add("MES309", f"holds only {_blocks(parsed.other_blocks)}, no private key.")
            elif not already:
                add("MES301", "holds no PEM private key.")
        return out

    certs = parsed.certificates
    if not certs:
        if parsed.keys:
            add("MES303", "holds a private key and no certificate (swapped with the key, or the wrong file?).")
        elif parsed.other_blocks:
            add("MES309", f"holds only {_blocks(parsed.other_blocks)}, no certificate.")
        elif not already:
            add("MES301", "holds no PEM certificate.")
        return out

    states = {c.position: certificate_status(c, now, window_days) for c in certs}
    if ref.field == "caCert":
        _ca_bundle(certs, states, now, add)
    else:
        _client_chain(certs, states, now, add)
    for c in certs:
        if _weak_key(c):
            add("MES313", f"{_cert(c)} has a weak {c.key_type} {c.key_size}-bit key (RSA needs 2048+, EC 256+).")
        if c.weak_signature and not c.self_signed:
            add("MES314", f"{_cert(c)} is signed with {c.signature_algorithm}.")
    return out


def key_pair_status(cert: ParsedMaterial, key: ParsedMaterial | None, key_configured: bool) -> KeyPairStatus:
    """Does the `clientKey` material belong to the first certificate of the `clientCert` material (the one
    Envoy presents)? `key` is None when the MES's clientKey did not load (`unknown`) or is not configured
    (`no-key`). `mismatch` is exactly the case `pair_problems` reports (MES306 / MES307); a key that cannot
    be used anyway (encrypted, a type Envoy refuses) has its own finding and is `unknown` unless it matches."""
    if key is None:
        return KeyPairStatus.UNKNOWN if key_configured else KeyPairStatus.NO_KEY
    if not key.keys:
        return KeyPairStatus.NO_KEY
    first = key.keys[0]
    if not cert.certificates or first.encrypted or not first.public_key_sha256:
        return KeyPairStatus.UNKNOWN
    if cert.certificates[0].public_key_sha256 == first.public_key_sha256:
        return KeyPairStatus.MATCH
    if not first.usable:  # one root cause is enough: its own finding says why it cannot be used
        return KeyPairStatus.UNKNOWN
    return KeyPairStatus.MISMATCH


def with_key_pair(records: list[CertificateRecord], status: KeyPairStatus) -> list[CertificateRecord]:
    """`records` with the key pair status set on the clientCert leaf (position 0), the others unchanged."""
    return [replace(r, key_pair=status) if r.field == "clientCert" and r.position == 0 else r for r in records]


def pair_problems(cert_ref: SecretReference, cert: ParsedMaterial, key_ref: SecretReference, key: ParsedMaterial,
                  store: Store) -> list[Problem]:
    """Does `clientKey` belong to the first `clientCert` certificate? (`key_pair_status` decides.)"""
    if key_pair_status(cert, key, True) is not KeyPairStatus.MISMATCH:
        return []
    first = key.keys[0]
    leaf = cert.certificates[0]
    for other in cert.certificates[1:]:
        if other.public_key_sha256 == first.public_key_sha256:
            message = (f"{describe(cert_ref)}: the client key belongs to {_cert(other)}, not to the first "
                       f"certificate ({_cert(leaf)}): the leaf must come first.")
            return [Problem("MES306", "clientCert", message, *_advice("MES306", cert_ref, "client.pem", store))]
    message = (f"{describe(key_ref)}: the {first.key_type} key is not the private key of the first clientCert "
               f"certificate ({_cert(leaf)}, {_key_label(leaf)} key).")
    return [Problem("MES307", "clientKey", message, *_advice("MES307", key_ref, "client-key.pem", store))]


def describe(ref: SecretReference) -> str:
    return f'{ref.field} (Secret "{ref.secret}")' if ref.secret else f"{ref.field} ({ref.source})"


def _ca_bundle(certs: tuple[CertInfo, ...], states: dict[int, tuple[CertificateStatus, int]], now: datetime,
               add: Callable[[str, str], None]) -> None:
    if not any(c.ca_capable for c in certs):
        if len(certs) == 1:
            add("MES305", f"its only certificate ({certs[0].short_subject}) is not a CA certificate "
                          "(basicConstraints CA:TRUE).")
        else:
            subjects = "; ".join(c.short_subject for c in certs[:3]) + ("; ..." if len(certs) > 3 else "")
            add("MES305", f"none of its {len(certs)} certificates is a CA certificate (basicConstraints CA:TRUE): "
                          f"{subjects}.")
    current = (CertificateStatus.VALID, CertificateStatus.EXPIRING)
    valid_ca = any(c.ca_capable and states[c.position][0] in current for c in certs)
    for c in certs:
        status = states[c.position][0]
        when = relative_days(c.not_after, now)
        if status is CertificateStatus.EXPIRED:
            if valid_ca:
                add("MES319", f"{_cert(c)} expired on {_date(c.not_after)} ({when}); the bundle still "
                              "holds a valid CA.")
            else:
                add("MES310", f"{_cert(c)} expired on {_date(c.not_after)} ({when}).")
        elif status is CertificateStatus.NOT_YET_VALID:
            if valid_ca:
                add("MES319", f"{_cert(c)} is not valid before {_date(c.not_before)}; the bundle still holds a "
                              "valid CA.")
            else:
                add("MES311", f"{_cert(c)} is not valid before {_date(c.not_before)}.")
        elif status is CertificateStatus.EXPIRING:
            add("MES312", f"{_cert(c)} expires on {_date(c.not_after)} ({when}).")


def _client_chain(certs: tuple[CertInfo, ...], states: dict[int, tuple[CertificateStatus, int]], now: datetime,
                  add: Callable[[str, str], None]) -> None:
    leaf = certs[0]
    if leaf.ca_capable and any(not c.ca_capable for c in certs[1:]):
        position = next(c.position for c in certs[1:] if not c.ca_capable)
        add("MES306", f"the first certificate is a CA ({_cert(leaf)}); the leaf is certificate {position + 1}.")
    else:
        for child, parent in pairwise(certs):
            if child.issuer_id != parent.subject_id:
                add("MES306", f"certificate {parent.position + 1} ({parent.short_subject}) did not issue "
                              f"certificate {child.position + 1} ({child.short_subject}): order the chain leaf "
                              "first, then each issuer.")
                break
    for c in certs:
        status = states[c.position][0]
        when = relative_days(c.not_after, now)
        if status is CertificateStatus.EXPIRED:
            add("MES310", f"{_cert(c)} expired on {_date(c.not_after)} ({when}).")
        elif status is CertificateStatus.NOT_YET_VALID:
            add("MES311", f"{_cert(c)} is not valid before {_date(c.not_before)}.")
        elif status is CertificateStatus.EXPIRING:
            add("MES312", f"{_cert(c)} expires on {_date(c.not_after)} ({when}).")
    if leaf.key_type not in ("RSA", "EC") or (leaf.key_type == "EC" and leaf.curve not in (
            "secp256r1", "secp384r1", "secp521r1")):
        add("MES309", f"{_cert(leaf)} has {_with_article(_key_label(leaf))} key; Envoy accepts RSA and ECDSA "
                      "(P-256, P-384, P-521) client certificates.")
    eku = leaf.extended_key_usage
    if eku and "clientAuth" not in eku and "anyExtendedKeyUsage" not in eku:
        add("MES316", f"{_cert(leaf)} has extended key usage {', '.join(eku)} without clientAuth.")


def _weak_key(c: CertInfo) -> bool:
    if c.key_size is None:
        return False
    return (c.key_type == "RSA" and c.key_size < 2048) or (c.key_type == "EC" and c.key_size < 256)


def _cert(c: CertInfo) -> str:
    return f"certificate {c.position + 1} ({c.short_subject})"


def _key_label(c: CertInfo) -> str:
    return f"EC {c.curve}" if c.key_type == "EC" and c.curve else c.key_type


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _count(items: tuple[object, ...], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _with_article(word: str) -> str:
    return f"{'an' if word[:1].upper() in 'AEIOU' or word.startswith('RSA') else 'a'} {word}"


def _blocks(labels: tuple[str, ...]) -> str:
    names = sorted(set(labels))
    return ", ".join(f"{n} block" for n in names) + ("s" if len(labels) > 1 and len(names) == 1 else "")


def _advice(code: str, ref: SecretReference, file: str, store: Store, host: str | None = None) -> tuple[str, str]:
    """(hint, fix) per code. Fixes use file placeholders only."""
    put = store(ref, file)
    if code == "MES301":
        return ("Store the PEM text itself (lines starting with `-----BEGIN`).", put)
    if code == "MES302":
        return ("The value was base64-encoded once too often: Kubernetes `data` is already base64 of the raw PEM "
                "(use `--from-file` or `stringData`); legacy `inline` is base64 of the PEM once; `inlineString` "
                "and `insecureInline.value` are the PEM text.", put)
    if code in ("MES303", "MES304"):
        return ("Certificate and key are probably swapped, or the wrong file was stored: clientCert and caCert take "
                "certificates, clientKey the private key.", put)
    if code == "MES305":
        probe = (f"openssl s_client -connect {host} -servername {host.rsplit(':', 1)[0]} -showcerts </dev/null"
                 if host else "openssl s_client -connect <host>:<port> -servername <host> -showcerts </dev/null")
        return ("caCert must hold the CA (root or intermediate) that issued the server's certificate, not the server "
                "certificate itself. Find the issuer with openssl, then store that CA.", f"{probe}\n{put}")
    if code == "MES306":
        return ("Order clientCert leaf first, then its intermediates (the root is optional).",
                f"cat leaf.pem intermediate.pem > {file}\n{put}")
    if code == "MES307":
        return ("clientKey must be the private key of the first clientCert certificate; compare the public keys "
                "(both commands must print the same digest).",
                "openssl x509 -noout -pubkey -in client.pem | openssl sha256\n"
                "openssl pkey -pubout -in client-key.pem | openssl sha256")
    if code == "MES308":
        return ("Store the key unencrypted (Envoy has no passphrase for Kuma Secrets); openssl asks for the "
                "passphrase.", f"openssl pkey -in encrypted-key.pem -out {file}\n{put}")
    if code == "MES309" and ref.field == "caCert":
        return ("A CA bundle holds `-----BEGIN CERTIFICATE-----` blocks only (not a certificate request or a key): "
                "store the CA certificate itself.",
                f"openssl x509 -noout -subject -in {file}   # must print the CA\n{put}")
    if code == "MES309":
        return ("Envoy accepts RSA (2048+ bits) and ECDSA P-256/P-384/P-521 keys as PEM (PKCS#8 or traditional).",
                f"openssl pkey -in key.pem -out {file}   # converts a readable key to PKCS#8 PEM\n{put}")
    if code in ("MES310", "MES312"):
        return ("Renew the certificate and store the new one before it lapses.",
                f"openssl x509 -noout -subject -enddate -in {file}   # check the new file\n{put}")
    if code == "MES311":
        return ("The certificate starts in the future: check the issuer's clock or use the previous certificate "
                "until then.", f"openssl x509 -noout -startdate -in {file}; date -u")
    if code == "MES313":
        return ("Reissue with an RSA key of at least 2048 bits or an ECDSA P-256 key.",
                "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-key.pem "
                "-out client.csr -subj '/CN=<name>'")
    if code == "MES314":
        return ("Reissue the certificate signed with SHA-256 or stronger.", put)
    if code == "MES315":
        return ("A CERTIFICATE block is corrupted (truncated copy?): export it again.",
                f"openssl x509 -noout -subject -in {file}   # shows whether the first block parses\n{put}")
    if code == "MES316":
        return ("Reissue the client certificate with extendedKeyUsage clientAuth (or without an EKU extension).",
                "openssl req -new -key client-key.pem -out client.csr -subj '/CN=<name>' "
                "-addext 'extendedKeyUsage=clientAuth'")
    if code == "MES317":
        return ("Convert the DER file to PEM.",
                (f"openssl pkey -inform der -in key.der -out {file}" if ref.field == "clientKey"
                 else f"openssl x509 -inform der -in cert.der -out {file}") + f"\n{put}")
    if code == "MES318":
        return ("Remove the text outside the `-----BEGIN`/`-----END` lines.",
                f"sed -n '/-----BEGIN/,/-----END/p' original.pem > {file}\n{put}")
    if code == "MES319":
        return ("Remove the outdated certificate from the bundle once no server relies on it.",
                f"openssl crl2pkcs7 -nocrl -certfile {file} | openssl pkcs7 -print_certs -noout   # list the bundle"
                f"\n{put}")
    return "", put
