"""The `gallery` sample: every failure mode MES Doctor knows, one example each (`sample_data/gallery/`).

`sample_data/gallery/` holds hand-written MES and Mesh manifests and three generated files:
`secrets.yaml` (every Kubernetes Secret of the gallery), `universal.yaml` (a small Universal
zone: Mesh, MES and Secrets) and `mes-next.yaml` (the MES of mesh `next`, written in the Kuma 3.0
data-source shape; generated because one of them carries its CA inline). Certificates age, so the
committed files are only right on the day they were written; `core.sample.sample_sources(now, "gallery")`
returns the same files with the generated ones issued afresh relative to `now` (same names, same fault
kinds). Regenerate the committed files with `python -m core.sample --write sample_data [--now ISO-8601]`.
The keys are generated for the demo only and used nowhere else.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from core import pki

DIRECTORY = "gallery"  # under sample_data/
SECRETS_FILE = "secrets.yaml"
UNIVERSAL_FILE = "universal.yaml"
NEXT_FILE = "mes-next.yaml"
NEXT_MESH = "next"
NAMESPACE = "kuma-system"
KUMA_TYPE = "system.kuma.io/secret"
GLOBAL_TYPE = "system.kuma.io/global-secret"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class SampleSecret:
    """One Secret of the demo. `encoding`: `data` (base64 once, as kubectl writes it), `stringData`
    (PEM text), `raw` (PEM text in `data`: not base64), `double-base64`, `der`."""

    name: str
    material: str  # key into the generated materials ("" for an empty value)
    note: str
    mesh: str | None = "demo"
    namespace: str = NAMESPACE
    secret_type: str = KUMA_TYPE
    key: str = "value"
    encoding: str = "data"
    extra: dict[str, str] = field(default_factory=dict)  # more keys: name -> material


KUBERNETES_SECRETS: tuple[SampleSecret, ...] = (
    # --- mesh demo -----------------------------------------------------------------------------
    SampleSecret("billing-ca", "billing-ca", "CA of billing.example.com, valid (PEM text in stringData)",
                 encoding="stringData"),
    SampleSecret("partner-ca", "partner-ca", "CA of the partner API, valid"),
    SampleSecret("kuma-cert-1", "partner-client-cert", "client certificate for the partner API (RSA 2048), valid"),
    SampleSecret("kuma-key-1", "partner-client-key", "its private key"),
    SampleSecret("ledger-ca", "ledger-ca", "CA of the ledger service, valid"),
    SampleSecret("ledger-client-cert", "ledger-client-expired", "client certificate that EXPIRED 9 days ago"),
    SampleSecret("ledger-client-key", "ledger-client-key", "its private key"),
    SampleSecret("payments-ca", "payments-ca-expiring", "CA of the payment provider, EXPIRING in 12 days"),
    SampleSecret("shared-public-ca", "shared-ca", "CA used by recommendations and search, valid"),
    # --- mesh lab: secret reference failure kinds --------------------------------------------------
    SampleSecret("lab-ca", "lab-ca", "CA of the lab upstreams, valid", mesh="lab"),
    SampleSecret("lab-client-cert", "lab-client-cert", "lab client certificate, valid", mesh="lab"),
    SampleSecret("lab-client-key", "lab-client-key", "its private key", mesh="lab"),
    SampleSecret("lab-ca-apps", "lab-ca", "wrong namespace: in `apps`, Kuma only reads kuma-system", mesh="lab",
                 namespace="apps"),
    SampleSecret("lab-ca-demo", "lab-ca", "wrong mesh: labelled for mesh demo", mesh="demo"),
    SampleSecret("lab-ca-unlabelled", "lab-ca", "no kuma.io/mesh label: invisible to every mesh", mesh=None),
    SampleSecret("lab-ca-opaque", "lab-ca", "wrong type: Opaque instead of system.kuma.io/secret", mesh="lab",
                 secret_type="Opaque"),
    SampleSecret("lab-client-tls", "lab-client-cert", "wrong type: a kubernetes.io/tls Secret (tls.crt/tls.key)",
                 mesh="lab", secret_type="kubernetes.io/tls", key="tls.crt", extra={"tls.key": "lab-client-key"}),
    SampleSecret("lab-global-ca", "lab-ca", "a GlobalSecret: never usable by an MES", mesh=None,
                 secret_type=GLOBAL_TYPE),
    SampleSecret("lab-ca-no-value", "lab-ca", "no `value` key (the PEM is under ca.crt)", mesh="lab", key="ca.crt"),
    SampleSecret("lab-ca-empty", "", "empty `value`", mesh="lab"),
    SampleSecret("lab-ca-invalid", "lab-ca", "PEM text under `data` (not base64): the API server rejects it",
                 mesh="lab", encoding="raw"),
    # --- mesh lab: certificate and key faults ---------------------------------------------------------
    SampleSecret("lab-ca-double-b64", "lab-ca", "base64 of base64 of the PEM (encoded once too often)", mesh="lab",
                 encoding="double-base64"),
    SampleSecret("lab-ca-der", "lab-ca", "DER instead of PEM", mesh="lab", encoding="der"),
    SampleSecret("lab-ca-rotation", "lab-ca-rotation", "CA bundle: valid CA plus one that expired 30 days ago",
                 mesh="lab"),
    SampleSecret("lab-server-cert", "lab-server-cert", "a server certificate (not a CA) used as caCert", mesh="lab"),
    SampleSecret("lab-mismatch-key", "lab-other-key", "a private key that does not belong to lab-client-cert",
                 mesh="lab"),
    SampleSecret("lab-encrypted-key", "lab-encrypted-key", "passphrase-protected private key", mesh="lab"),
    SampleSecret("lab-chain-cert", "lab-chain-wrong-order", "client chain with the intermediate first", mesh="lab"),
    SampleSecret("lab-chain-key", "lab-chain-key", "its private key", mesh="lab"),
    SampleSecret("lab-weak-cert", "lab-weak-cert", "RSA 1024 client certificate signed with SHA-1", mesh="lab"),
    SampleSecret("lab-weak-key", "lab-weak-key", "its private key", mesh="lab"),
    SampleSecret("lab-server-eku-cert", "lab-server-eku-cert", "client certificate with EKU serverAuth only",
                 mesh="lab"),
    SampleSecret("lab-server-eku-key", "lab-server-eku-key", "its private key", mesh="lab"),
    SampleSecret("lab-future-cert", "lab-future-cert", "client certificate valid only from 5 days from now",
                 mesh="lab"),
    SampleSecret("lab-future-key", "lab-future-key", "its private key", mesh="lab"),
    SampleSecret("lab-swapped-cert", "lab-client-key", "used as clientCert, but holds the private key of "
                 "lab-client-cert (certificate and key swapped)", mesh="lab"),
    SampleSecret("lab-swapped-key", "lab-client-cert", "used as clientKey, but holds the lab-client-cert "
                 "certificate (certificate and key swapped)", mesh="lab"),
    SampleSecret("lab-ed25519-cert", "lab-ed25519-cert", "client certificate with an Ed25519 key (Envoy accepts "
                 "only RSA and ECDSA)", mesh="lab"),
    SampleSecret("lab-ed25519-key", "lab-ed25519-key", "its Ed25519 private key", mesh="lab"),
    SampleSecret("lab-ca-csr", "lab-ca-csr", "a CERTIFICATE REQUEST (CSR) stored instead of the CA certificate",
                 mesh="lab"),
    SampleSecret("lab-ca-truncated", "lab-ca-truncated", "the lab CA with one line of its PEM body lost in a copy: "
                 "valid base64, broken ASN.1", mesh="lab"),
    SampleSecret("lab-ca-stray-text", "lab-ca-stray-text", "CA bundle (lab CA + issuing CA) with `openssl s_client "
                 "-showcerts` lines pasted around and between the PEM blocks", mesh="lab"),
    # --- mesh next: Secrets referenced through the Kuma 3.0 `secretRef` shape -------------------------
    SampleSecret("next-ca", "next-ca", "CA of the upstreams of mesh next, valid", mesh=NEXT_MESH),
    SampleSecret("next-client-cert", "next-client-cert", "client certificate of mesh next, valid", mesh=NEXT_MESH),
    SampleSecret("next-client-key", "next-client-key", "its private key", mesh=NEXT_MESH),
)

# `openssl s_client -showcerts` prints these lines around each certificate; pasted with the PEM they are
# text outside the PEM blocks (MES318).
_SHOWCERTS_LINES = ("Certificate chain\n 0 s:O = MES Doctor demo, CN = Lab CA\n"
                    "   i:O = MES Doctor demo, CN = Lab CA\n")
_SHOWCERTS_BETWEEN = (" 1 s:O = MES Doctor demo, CN = Lab Issuing CA\n"
                      "   i:O = MES Doctor demo, CN = Lab CA\n")


def materials(now: datetime) -> dict[str, bytes]:
    """Every certificate and key of the sample, issued relative to `now`."""
    out: dict[str, bytes] = {}

    def ca(name: str, common_name: str, **kwargs: Any) -> pki.Issued:
        issued = pki.make_ca(common_name, now, not_before=now - 200 * DAY, organization="MES Doctor demo",
                             **kwargs)
        out[name] = issued.cert_pem
        return issued

    def pair(name: str, issued: pki.Issued) -> None:
        out[f"{name}-cert"], out[f"{name}-key"] = issued.cert_pem, issued.key_pem()

    demo = {"organization": "MES Doctor demo"}
    ca("billing-ca", "Billing Upstream CA", days=200 + 3 * 365)
    ca("partner-ca", "Partner API CA", days=200 + 2 * 365)
    partner_clients = pki.make_ca("Partner Client CA", now, not_before=now - 200 * DAY, days=1500, **demo)
    partner = pki.make_client(partner_clients, "mesh-demo.partner-client", now, key_type="rsa",
                              not_before=now - 30 * DAY, days=30 + 335, **demo)
    out["partner-client-cert"], out["partner-client-key"] = partner.cert_pem, partner.key_pem()
    ledger_ca = ca("ledger-ca", "Ledger CA", days=1200)
    expired = pki.make_client(ledger_ca, "mesh-demo.ledger-client", now, not_before=now - 374 * DAY,
                              not_after=now - 9 * DAY, **demo)
    out["ledger-client-expired"], out["ledger-client-key"] = expired.cert_pem, expired.key_pem()
    ca("payments-ca-expiring", "Payment Provider Root CA", not_after=now + 12 * DAY + 6 * timedelta(hours=1))
    ca("shared-ca", "Shared Public Services CA", days=200 + 5 * 365)

    lab_ca = ca("lab-ca", "Lab CA", days=200 + 4 * 365)
    pair("lab-client", pki.make_client(lab_ca, "lab-client", now, **demo))
    out["lab-other-key"] = pki.key_pem(pki.generate_key("ec"))
    old = pki.make_ca("Lab CA (previous)", now, not_before=now - 3 * 365 * DAY, not_after=now - 30 * DAY, **demo)
    out["lab-ca-rotation"] = pki.pem_bundle(lab_ca, old)
    out["lab-server-cert"] = pki.make_server(lab_ca, "upstream.lab.example.com", now, **demo).cert_pem
    out["lab-encrypted-key"] = pki.make_client(lab_ca, "lab-client", now, **demo).key_pem(password=b"demo-only")
    intermediate = pki.make_intermediate(lab_ca, "Lab Issuing CA", now, **demo)
    chained = pki.make_client(intermediate, "lab-chained-client", now, **demo)
    out["lab-chain-wrong-order"], out["lab-chain-key"] = pki.pem_bundle(intermediate, chained), chained.key_pem()
    weak_ca = pki.make_ca("Lab Legacy RSA CA", now, key_type="rsa", days=3650, **demo)
    pair("lab-weak", pki.make_client(weak_ca, "lab-legacy-client", now, key_type="rsa", key_size=1024,
                                     hash_name="sha1", **demo))
    pair("lab-server-eku", pki.make_leaf(lab_ca, "lab-wrong-usage", now, eku=("serverAuth",), **demo))
    pair("lab-future", pki.make_client(lab_ca, "lab-future-client", now, not_before=now + 5 * DAY,
                                       not_after=now + 95 * DAY, **demo))
    pair("lab-ed25519", pki.make_client(lab_ca, "lab-ed25519-client", now, key_type="ed25519", **demo))
    out["lab-ca-csr"] = _csr("lab-upstream-ca-request")
    out["lab-ca-truncated"] = _drop_body_line(out["lab-ca"])
    out["lab-ca-stray-text"] = (_SHOWCERTS_LINES.encode() + out["lab-ca"] + _SHOWCERTS_BETWEEN.encode()
                                + intermediate.cert_pem + b"---\n")

    next_ca = ca("next-ca", "Next Upstream CA", days=200 + 3 * 365)
    pair("next-client", pki.make_client(next_ca, "mesh-next.orders-client", now, **demo))
    ca("status-page-ca", "Status Page CA", days=200 + 3 * 365)

    ca("geo-ca", "Geo API CA", days=200 + 2 * 365)
    ca("maps-ca", "Maps CA", days=200 + 2 * 365)
    ca("tiles-ca", "Tiles CA", days=200 + 2 * 365)
    return out


def _csr(common_name: str) -> bytes:
    """A PEM certificate signing request: what was sent to the CA, not what came back."""
    key = pki.generate_key("ec")
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.ORGANIZATION_NAME, "MES Doctor demo"),
                      x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, common_name)])
    request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return request.public_bytes(Encoding.PEM)


def _drop_body_line(pem: bytes) -> bytes:
    """The PEM with one full line of its base64 body missing (a bad copy): 64 characters are 48 whole
    bytes, so the base64 still decodes, but the DER lengths no longer match (broken ASN.1)."""
    lines = pem.splitlines(keepends=True)
    body = [i for i, line in enumerate(lines) if not line.startswith(b"-----") and len(line.rstrip()) == 64]
    del lines[body[len(body) // 2]]
    return b"".join(lines)


def _encode(secret: SampleSecret, pem: bytes) -> tuple[str, Any]:
    """(section, value) for the payload key."""
    if secret.encoding == "stringData":
        return "stringData", pem.decode()
    if secret.encoding == "raw":
        return "data", pem.decode()
    if secret.encoding == "double-base64":
        return "data", base64.b64encode(base64.b64encode(pem)).decode()
    if secret.encoding == "der":
        der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
        return "data", base64.b64encode(der).decode()
    return "data", base64.b64encode(pem).decode()


def kubernetes_secrets(now: datetime, made: dict[str, bytes] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(comment, manifest) for every Kubernetes Secret of the sample."""
    made = made if made is not None else materials(now)
    out: list[tuple[str, dict[str, Any]]] = []
    for secret in KUBERNETES_SECRETS:
        metadata: dict[str, Any] = {"name": secret.name, "namespace": secret.namespace}
        if secret.mesh:
            metadata["labels"] = {"kuma.io/mesh": secret.mesh}
        doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": secret.secret_type}
        section, value = _encode(secret, made[secret.material]) if secret.material else ("data", "")
        doc[section] = {secret.key: value}
        for key, material in secret.extra.items():
            doc.setdefault("data", {})[key] = base64.b64encode(made[material]).decode()
        out.append((f"{secret.name}: {secret.note}", doc))
    return out


def universal_documents(now: datetime, made: dict[str, bytes] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The Universal zone of the sample: a Mesh, three MES and their Secrets."""
    made = made if made is not None else materials(now)
    mtls = {"enabledBackend": "ca-1", "backends": [{"name": "ca-1", "type": "builtin"}]}

    def mes(name: str, address: str, secret: str) -> dict[str, Any]:
        return {"type": "MeshExternalService", "name": name, "mesh": "edge",
                "labels": {"kuma.io/origin": "zone"},
                "spec": {"match": {"type": "HostnameGenerator", "port": 80, "protocol": "http"},
                         "endpoints": [{"address": address, "port": 443}],
                         "tls": {"enabled": True, "verification": {"serverName": address,
                                                                     "caCert": {"secret": secret}}}}}

    def data(material: str) -> str:
        return base64.b64encode(made[material]).decode()

    return [
        ("Mesh edge (Universal) with a builtin mTLS backend", {"type": "Mesh", "name": "edge", "mtls": mtls}),
        ("geo-api: healthy, its CA Secret is in mesh edge", mes("geo-api", "geo.example.com", "geo-ca")),
        ("maps: broken, maps-ca belongs to mesh default", mes("maps", "maps.example.com", "maps-ca")),
        ("tiles: broken, tiles-ca is a GlobalSecret", mes("tiles", "tiles.example.com", "tiles-ca")),
        ("geo-ca: CA of geo.example.com, valid", {"type": "Secret", "name": "geo-ca", "mesh": "edge",
                                                  "data": data("geo-ca")}),
        ("maps-ca: in mesh default, not edge", {"type": "Secret", "name": "maps-ca", "mesh": "default",
                                                "data": data("maps-ca")}),
        ("tiles-ca: a GlobalSecret", {"type": "GlobalSecret", "name": "tiles-ca", "data": data("tiles-ca")}),
    ]


def next_documents(now: datetime, made: dict[str, bytes] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The MES of mesh `next` (Kubernetes), written in the Kuma 3.0 (`SecureDataSource`) shape."""
    made = made if made is not None else materials(now)

    def mes(name: str, **verification: Any) -> dict[str, Any]:
        host = f"{name}.{NEXT_MESH}.example.com"
        return {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
                "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"kuma.io/mesh": NEXT_MESH}},
                "spec": {"match": {"type": "HostnameGenerator", "port": 80, "protocol": "http"},
                         "endpoints": [{"address": host, "port": 443}],
                         "tls": {"enabled": True, "verification": {"serverName": host, **verification}}}}

    def ref(secret: str) -> dict[str, Any]:
        return {"type": "Secret", "secretRef": {"kind": "Secret", "name": secret}}

    inline_ca = {"type": "InsecureInline", "insecureInline": {"value": made["status-page-ca"].decode()}}
    return [
        ("archive: caCert `type: File` reads a file of the control plane: refused on MES (MES124)",
         mes("archive", caCert={"type": "File", "file": {"path": "/etc/ssl/archive/ca.pem"}})),
        ("invoices: secretRef names invoices-ca, which does not exist (MES201)",
         mes("invoices", caCert=ref("invoices-ca"))),
        ("orders: healthy on 3.0, CA and client pair from Secrets (`type: Secret` + `secretRef`)",
         mes("orders", caCert=ref("next-ca"), clientCert=ref("next-client-cert"),
             clientKey=ref("next-client-key"))),
        ("reports: `type: Secret` whose secretRef has no name (MES127)",
         mes("reports", caCert={"type": "Secret", "secretRef": {"kind": "Secret"}})),
        ("status-page: healthy on 3.0, CA given inline (`type: InsecureInline`, plain PEM text)",
         mes("status-page", caCert=inline_ca)),
        ("telemetry: client pair `type: EnvVar` reads the control plane's environment: refused on MES "
         "(MES124)",
         mes("telemetry", caCert=ref("next-ca"),
             clientCert={"type": "EnvVar", "envVar": {"name": "TELEMETRY_CLIENT_CERT"}},
             clientKey={"type": "EnvVar", "envVar": {"name": "TELEMETRY_CLIENT_KEY"}})),
    ]


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _render(title: str, now: datetime, documents: list[tuple[str, dict[str, Any]]]) -> str:
    header = (
        f"# {title}\n"
        "# GENERATED by `python -m core.sample --write sample_data`: do not edit by hand.\n"
        f"# Certificates issued relative to {now.isoformat()}; the dashboard and `mesdoctor check --sample gallery`\n"
        "# re-issue them relative to the current time (see sample_data/README.md). Demo-only keys.\n"
    )
    parts = [f"# {comment}\n" + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=1_000_000)
             for comment, doc in documents]
    return header + "---\n" + "---\n".join(parts)


def generated_files(now: datetime) -> dict[str, bytes]:
    """The generated gallery files by name (relative to sample_data/gallery/)."""
    return dict(_generated(now))


@lru_cache(maxsize=4)
def _generated(now: datetime) -> tuple[tuple[str, bytes], ...]:
    made = materials(now)
    secrets = _render("Kubernetes Secrets of the MES Doctor sample", now, kubernetes_secrets(now, made))
    universal = _render("A Universal zone of the MES Doctor sample", now, universal_documents(now, made))
    upcoming = _render("Mesh next: MeshExternalServices in the Kuma 3.0 data-source shape (target 3.0 to see them "
                       "work)", now, next_documents(now, made))
    return (SECRETS_FILE, secrets.encode()), (UNIVERSAL_FILE, universal.encode()), (NEXT_FILE, upcoming.encode())
