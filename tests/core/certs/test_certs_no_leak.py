"""Real private keys go through resolve + inspect + every check; no part of any key (PEM text, base64
of it, DER bytes as hex or base64) may appear in any record, finding or repr."""

from __future__ import annotations

import base64
from datetime import timedelta

from core import certs, pki, secrets
from core.certs import cache
from core.certs.checks import material_findings
from core.model import Flavour, SecretPayload
from core.secrets.checks import coverage_findings, reference_findings, secret_admission_findings
from tests.factories import NOW, context, k8s_secret, tls_mes, universal_secret


def fragments(key_pem: bytes, key_der: bytes) -> set[str]:
    """Distinctive pieces of a key in every encoding it might leak in."""
    out: set[str] = set()
    body = [line for line in key_pem.decode().splitlines() if line and not line.startswith("-----") and ":" not in line]
    out.update(line[i:i + 24] for line in body for i in range(0, max(len(line) - 24, 1), 12))
    for encoded in (base64.b64encode(key_pem).decode(), base64.b64encode(key_der).decode(),
                    base64.b64encode(base64.b64encode(key_pem)).decode()):
        out.update(encoded[i:i + 24] for i in range(0, len(encoded) - 24, 16))
    hexed = key_der.hex()
    out.update(hexed[i:i + 32] for i in range(0, len(hexed) - 32, 16))
    out.update(hexed[i:i + 32].upper() for i in range(0, len(hexed) - 32, 16))
    return {f for f in out if len(f) >= 24}


def test_no_key_material_anywhere(tpki):
    ec = pki.make_client(tpki.ec_intermediate, "ec", NOW, not_after=NOW + timedelta(days=3))
    rsa = pki.make_client(tpki.rsa_root, "rsa", NOW, key_type="rsa", not_after=NOW - timedelta(days=1))
    weak = pki.make_client(tpki.rsa_root, "weak", NOW, key_type="rsa", key_size=1024)
    other_cert, other_key = pki.mismatched_pair(tpki.ec_root, "mismatch", NOW)
    keys = {
        "ec-pkcs8": (ec.key_pem(), ec.key_der()),
        "ec-traditional": (ec.key_pem(traditional=True), ec.key_der()),
        "rsa": (rsa.key_pem(), rsa.key_der()),
        "rsa-traditional": (rsa.key_pem(traditional=True), rsa.key_der()),
        "weak": (weak.key_pem(), weak.key_der()),
        "mismatch": (other_key, b""),
    }
    encrypted = ec.key_pem(password=b"hunter2")
    stored = [
        # keys where they belong, and in the wrong places (caCert / clientCert)
        k8s_secret("ec-cert", ec.cert_pem + ec.key_pem()), k8s_secret("ec-key", ec.key_pem()),
        k8s_secret("ec-key-trad", ec.key_pem(traditional=True)),
        k8s_secret("rsa-cert", rsa.cert_pem), k8s_secret("rsa-key", rsa.key_pem(traditional=True)),
        k8s_secret("rsa-key-der", rsa.key_der()), k8s_secret("rsa-key-b64", base64.b64encode(rsa.key_pem())),
        k8s_secret("rsa-key-pkcs8", rsa.key_pem()),
        k8s_secret("weak-cert", weak.cert_pem), k8s_secret("weak-key", weak.key_pem()),
        k8s_secret("mm-cert", other_cert), k8s_secret("mm-key", other_key),
        k8s_secret("enc-key", encrypted),
        k8s_secret("key-as-ca", rsa.key_pem()),
        k8s_secret("wrong-ns", ec.key_pem(), namespace="apps"), k8s_secret("wrong-mesh", rsa.key_pem(), mesh="x"),
        k8s_secret("no-label", rsa.key_pem(), mesh=None), k8s_secret("opaque", rsa.key_pem(), secret_type="Opaque"),
        k8s_secret("tls-key", rsa.key_pem(), key="tls.key"),
        universal_secret("u-key", ec.key_pem()), universal_secret("u-cert", ec.cert_pem),
    ]
    bad_b64 = k8s_secret("bad-b64", b"", mesh="default")
    bad_b64.payload = SecretPayload("system.kuma.io/secret", data={"value": rsa.key_pem().decode()})
    stored.append(bad_b64)
    string_data = k8s_secret("string-key", b"")
    string_data.payload = SecretPayload("system.kuma.io/secret", data={}, string_data={"value": ec.key_pem().decode()})
    stored.append(string_data)

    def client(name, cert, key, ca=None, **kw):
        verification = {"clientCert": {"secret": cert}, "clientKey": {"secret": key}}
        if ca:
            verification["caCert"] = {"secret": ca}
        return tls_mes(name, verification, **kw)

    services = [
        client("a", "ec-cert", "ec-key", ca="key-as-ca"),
        client("b", "ec-cert", "ec-key-trad"),
        client("c", "rsa-cert", "rsa-key"),
        client("d", "rsa-cert", "rsa-key-der"),
        client("e", "rsa-cert", "rsa-key-b64"),
        client("f", "weak-cert", "weak-key"),
        client("g", "mm-cert", "mm-key"),
        client("h", "ec-cert", "enc-key"),
        client("i", "rsa-key-pkcs8", "rsa-cert"),
        client("j", "wrong-ns", "wrong-mesh", ca="no-label"),
        client("k", "opaque", "tls-key", ca="bad-b64"),
        client("l", "ec-cert", "string-key"),
        client("m", "u-cert", "u-key", flavour=Flavour.UNIVERSAL),
        tls_mes("n", {"caCert": {"inlineString": rsa.key_pem().decode()},
                      "clientCert": {"inline": base64.b64encode(ec.key_pem()).decode()},
                      "clientKey": {"inlineString": ec.cert_pem.decode()}}),
        tls_mes("o", {"caCert": {"type": "InsecureInline", "insecureInline": {"value": rsa.key_pem().decode()}}}),
    ]
    haystack: list[str] = []
    for version in ("2.9", "2.14", "3.0"):
        ctx = context(*services, *stored, version=version)
        materials = secrets.resolve(ctx)
        certs.inspect(ctx, materials)
        del materials
        found = list(secret_admission_findings(ctx)) + list(coverage_findings(ctx))
        for service in services:
            found += list(reference_findings(ctx, service)) + list(material_findings(ctx, service))
        haystack += [repr(ctx.references), repr(ctx.certificates), repr(ctx.material_findings), repr(found)]
        haystack += [f.message + f.hint + f.fix for f in found]
        haystack += [repr(r.redacted()) + repr(r.redacted_manifest()) for r in stored]
        haystack.append(repr(list(cache._entries.values())))
        codes = {f.code for f in found}
        assert {"MES303", "MES307", "MES308", "MES313"} <= codes or version == "3.0"
    text = "\n".join(haystack)
    assert "MES303" in text and "MES317" in text and "MES302" in text  # the keys really went through
    for name, (pem, der) in keys.items():
        leaked = [f for f in fragments(pem, der) if f in text]
        assert not leaked, f"{name} key material leaked: {leaked[:3]}"
    for fragment in fragments(encrypted, b""):
        assert fragment not in text


def test_the_leak_detector_would_notice(tpki):
    pem, der = tpki.rsa_client.key_pem(), tpki.rsa_client.key_der()
    pieces = fragments(pem, der)
    for leak in (pem.decode()[40:120], base64.b64encode(pem).decode()[30:90], der.hex()[100:180],
                 der.hex().upper()[60:140], base64.b64encode(der).decode()[50:110]):
        assert any(f in leak for f in pieces), leak
