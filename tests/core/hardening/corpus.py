"""The hostile-input corpus (tests/data/hostile/): placeholders, archives, cases and result snapshots.

Data files hold placeholders such as `{{CLIENT_KEY_PEM_B64}}` for certificate and key material; they are
rendered here with `core.pki` at test time (the project rule: tests generate certificates at test time).
Archives are described by `*.archive.yaml` files and built here, member by member, from those specs.
"""

from __future__ import annotations

import base64
import io
import json
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core import pki
from core.analysis import analyse
from core.model import Report, ServiceOutcome
from core.options import AnalysisOptions, Limits
from core.sources import Source
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = ROOT / "tests" / "data" / "hostile"
MALFORMED = ROOT / "tests" / "data" / "malformed"
BASELINE = "baseline.yaml"
TARGET = "2.14"
PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")


# --- certificate and key material, made at test time ------------------------------------------------


@dataclass(frozen=True)
class Materials:
    values: dict[str, str]
    keys: dict[str, tuple[bytes, bytes]]  # name -> (PEM, DER) of every private key a data file can hold
    passwords: tuple[bytes, ...] = field(default=())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pem_json(data: bytes) -> str:
    return json.dumps(data.decode())


def _block(data: bytes, indent: int) -> str:
    """PEM text as the lines of a YAML block scalar indented by `indent` spaces (no final newline)."""
    return "\n".join(" " * indent + line for line in data.decode().splitlines())


def _csr_pem() -> bytes:
    """A certificate signing request (its PEM block is redacted like a key's)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = pki.generate_key("ec")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile-csr.example.com")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return csr.public_bytes(serialization.Encoding.PEM)


def _broken_asn1(cert_der: bytes) -> bytes:
    """A PEM certificate whose DER is damaged inside (the length bytes of the outer SEQUENCE lie)."""
    der = bytearray(cert_der)
    der[2:4] = b"\xff\xff"  # outer SEQUENCE claims 65535 bytes
    body = base64.encodebytes(bytes(der)).decode()
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n".encode()


@cache
def materials() -> Materials:
    ca = pki.make_ca("Hostile Test Root", NOW, not_after=NOW + timedelta(days=3650))
    client = pki.make_client(ca, "aa-partner-client", NOW, days=365)
    rsa_client = pki.make_client(ca, "aa-inline-client", NOW, key_type="rsa", days=365)
    other = pki.make_client(ca, "hostile-client", NOW, days=365)
    k1 = pki.generate_key("secp256k1")
    ed = pki.generate_key("ed25519")
    password = b"correct horse battery staple"
    cert_pem = client.cert_pem
    truncated = cert_pem[: len(cert_pem) // 2]
    garbage = cert_pem + b"this is not PEM, it is garbage between two blocks\n" + ca.cert_pem
    csr = _csr_pem()
    values = {
        "CA_CERT_PEM_B64": _b64(ca.cert_pem),
        "CLIENT_CERT_PEM_B64": _b64(cert_pem),
        "CLIENT_KEY_PEM_B64": _b64(client.key_pem()),
        "RSA_CLIENT_CERT_PEM_JSON": _pem_json(rsa_client.cert_pem),
        "RSA_CLIENT_KEY_PEM_JSON": _pem_json(rsa_client.key_pem()),
        "OTHER_CERT_PEM_B64": _b64(other.cert_pem),
        "OTHER_KEY_PEM_B64": _b64(other.key_pem()),
        "OTHER_KEY_PEM_JSON": _pem_json(other.key_pem()),
        "OTHER_KEY_TRADITIONAL_PEM_B64": _b64(other.key_pem(traditional=True)),
        "TRUNCATED_CERT_PEM": truncated.decode(),
        "TRUNCATED_CERT_PEM_B64": _b64(truncated),
        "TRUNCATED_CERT_PEM_JSON": _pem_json(truncated),
        "GARBAGE_BETWEEN_PEM_B64": _b64(garbage),
        "BROKEN_ASN1_CERT_PEM_B64": _b64(_broken_asn1(cert_pem and client.cert_der)),
        "SECP256K1_KEY_PEM_B64": _b64(pki.key_pem(k1)),
        "ED25519_KEY_PEM_B64": _b64(pki.key_pem(ed)),
        "ENCRYPTED_KEY_PEM_B64": _b64(other.key_pem(password=password)),
        "ENCRYPTED_TRADITIONAL_KEY_PEM_B64": _b64(other.key_pem(password=password, traditional=True)),
        # keys pasted where no key belongs (keys-*.yaml): PEM lines of a block scalar, base64 of the DER, an
        # encrypted key and a certificate request as JSON strings, the RSA key's DER in URL-safe base64
        "CLIENT_KEY_PEM_BLOCK6": _block(client.key_pem(), 6),
        "OTHER_KEY_DER_B64": _b64(other.key_der()),
        "RSA_CLIENT_KEY_DER_B64URL": base64.urlsafe_b64encode(rsa_client.key_der()).decode().rstrip("="),
        "ENCRYPTED_KEY_PEM_JSON": _pem_json(other.key_pem(password=password)),
        "ED25519_KEY_PEM_JSON": _pem_json(pki.key_pem(ed)),
        "CSR_PEM_JSON": _pem_json(csr),
    }
    keys = {
        "client": (client.key_pem(), client.key_der()),
        "client-traditional": (client.key_pem(traditional=True), client.key_der()),
        "rsa-client": (rsa_client.key_pem(), rsa_client.key_der()),
        "rsa-client-traditional": (rsa_client.key_pem(traditional=True), rsa_client.key_der()),
        "other": (other.key_pem(), other.key_der()),
        "other-traditional": (other.key_pem(traditional=True), other.key_der()),
        "secp256k1": (pki.key_pem(k1), b""),
        "ed25519": (pki.key_pem(ed), b""),
        "csr": (csr, b""),  # not a key, but its PEM block is redacted like one
    }
    return Materials(values, keys, (password,))


def render(text: str) -> str:
    values = materials().values

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"unknown placeholder {{{{{name}}}}}")
        return values[name]

    return PLACEHOLDER.sub(one, text)


def render_bytes(data: bytes) -> bytes:
    if b"{{" not in data:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return render(text).encode("utf-8")


# --- archives, built from their specs ------------------------------------------------------------------


def _member_bytes(spec: dict[str, Any]) -> bytes:
    if "file" in spec:
        return render_bytes((HOSTILE / spec["file"]).read_bytes())
    if "text" in spec:
        return render(spec["text"]).encode()
    if "repeat" in spec:
        return spec["repeat"].encode() * int(spec["count"])
    return b""


def build_archive(spec: dict[str, Any]) -> bytes:
    """`{format: zip|tar|tar.gz, members: [{name, file|text|repeat+count, type: file|symlink|hardlink|dir|fifo|
    device, target}], truncate: N}` -> the archive's bytes (cut after N bytes when `truncate` is given)."""
    fmt = spec["format"]
    buf = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member in spec["members"]:
                info = zipfile.ZipInfo(member["name"])
                info.compress_type = zipfile.ZIP_DEFLATED
                kind = member.get("type", "file")
                data = _member_bytes(member)
                if kind == "symlink":
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    data = member["target"].encode()
                elif kind == "device":
                    info.external_attr = (stat.S_IFCHR | 0o600) << 16
                zf.writestr(info, data)
        return buf.getvalue()
    with tarfile.open(fileobj=buf, mode="w:gz" if fmt == "tar.gz" else "w") as tf:
        for member in spec["members"]:
            info = tarfile.TarInfo(member["name"])
            kind = member.get("type", "file")
            types = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "dir": tarfile.DIRTYPE,
                     "fifo": tarfile.FIFOTYPE, "device": tarfile.CHRTYPE}
            if kind == "file":
                data = _member_bytes(member)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                info.type = types[kind]
                info.linkname = member.get("target", "")
                tf.addfile(info)
    data = buf.getvalue()
    return data[: spec["truncate"]] if "truncate" in spec else data


# --- cases -----------------------------------------------------------------------------------------------


def case_files() -> list[str]:
    skip = {BASELINE, "expected.yaml", "generate.py", "large.py"}
    return sorted(p.name for p in HOSTILE.iterdir() if p.is_file() and p.name not in skip)


def case_source(name: str) -> Source:
    """The hostile file as an input Source (an archive spec becomes the archive it describes)."""
    path = HOSTILE / name
    if name.endswith(".archive.yaml"):
        spec = yaml.safe_load(path.read_text())
        return Source("hostile", spec["name"], build_archive(spec))
    return Source("hostile", name, render_bytes(path.read_bytes()))


def baseline_source() -> Source:
    return Source("baseline", BASELINE, render_bytes((HOSTILE / BASELINE).read_bytes()))


def write_hostile_inputs(folder: Path) -> Path:
    """The large hostile inputs, the baseline and the small corpus (under `small/`) as files in `folder`."""
    from tests.data.hostile.large import write_all

    write_all(folder)
    (folder / "zz-baseline.yaml").write_bytes(baseline_source().data)
    small = folder / "small"
    small.mkdir()
    for i, name in enumerate(case_files()):
        source = case_source(name)
        (small / f"{i:03d}-{Path(source.name).name}").write_bytes(source.data)
    return folder


def options(limits: Limits | None = None, version: str = TARGET) -> AnalysisOptions:
    return AnalysisOptions(kuma_version=version, now=NOW, limits=limits or Limits())


def run(sources: list[Source], limits: Limits | None = None, version: str = TARGET) -> Report:
    return analyse(sources, options(limits, version))


# --- what must not change --------------------------------------------------------------------------------


def snapshot(outcome: ServiceOutcome) -> dict[str, Any]:
    """Everything an operator reads about one MES, in a comparable form."""
    dest = outcome.destination
    return {
        "status": outcome.status.value,
        "included": outcome.included,
        "included_on_2_9": outcome.included_on_2_9,
        "admission_valid": outcome.admission_valid,
        "reachable": outcome.reachable,
        "tls_mode": outcome.tls_mode,
        "earliest_expiry": outcome.earliest_expiry,
        "findings": sorted((f.code, f.path, f.message, f.hint, f.fix) for f in outcome.findings),
        "references": sorted(
            (r.field, r.path, r.source, r.secret or "", r.status.value, r.message, r.code or "",
             r.material_sha256 or "", r.matched.key if r.matched else "")
            for r in outcome.references
        ),
        "certificates": sorted((c.field, c.position, c.sha256, c.status.value, c.days_left)
                               for c in outcome.certificates),
        "destination": None if dest is None else (dest.name, dest.cluster, dest.egress_sni, dest.hostname,
                                                  dest.port, dest.protocol, dest.endpoints, dest.tls),
        "log_lines": list(outcome.log_lines),
        "dropped_by": outcome.dropped_by.key if outcome.dropped_by else None,
    }


def snapshots(report: Report, names: set[str] | None = None) -> dict[str, dict[str, Any]]:
    return {s.resource.key: snapshot(s) for s in report.services if names is None or s.resource.name in names}


def finding_ids(report: Report) -> set[tuple[str, str, str, str]]:
    return {(f.code, f.resource.key if f.resource else "", f.path, f.message) for f in report.findings}
