"""Legacy ExternalService (MES650-MES652) and `mesdoctor migrate`.

The round trip: a set of legacy ExternalServices migrated for 2.14 and 3.0 is accepted by MES Doctor's own
validator on that version and resolves the same TLS material (by SHA-256) as the ExternalService did.
ExternalService behaviour read from release-2.14: api/mesh/v1alpha1/externalservice.proto,
pkg/xds/topology/outbound.go (`NewExternalServiceEndpoint`), pkg/xds/envoy/tls/v3/tls.go.
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import pytest
import yaml

from core.cli import main
from core.migrate.command import migrate
from core.migrate.external_service import convert, split_host_port
from core.model import Kind, Severity
from core.options import AnalysisOptions
from core.pki import make_ca, make_client
from core.sources import Source
from core.versions import KumaVersion
from tests.core.neighbours.helpers import MES_HTTPBIN, MTLS_MESH, ZONE_EGRESS, codes, found, run
from tests.factories import NOW

HTTPBIN_ES = """\
apiVersion: kuma.io/v1alpha1
kind: ExternalService
mesh: default
metadata: {name: httpbin}
spec:
  tags: {kuma.io/service: httpbin, kuma.io/protocol: http}
  networking:
    address: httpbin.org:443
    tls: {enabled: true}
"""


def test_3_0_removes_external_service_with_the_migration_as_fix():
    report = run(HTTPBIN_ES, version="3.0")
    [finding] = found(report, "MES650")
    assert finding.severity is Severity.ERROR and finding.resource is not None
    assert finding.resource.kind is Kind.EXTERNAL_SERVICE
    assert "kind: MeshExternalService" in finding.fix and "port: 80" in finding.fix
    assert codes(report).isdisjoint({"MES651", "MES652"})


def test_2_x_note_and_mixing_warning():
    report = run(MTLS_MESH, ZONE_EGRESS, HTTPBIN_ES, MES_HTTPBIN.replace("port: 80}]", "port: 443}]"), version="2.14")
    assert "MES652" in codes(report) and "MES650" not in codes(report)
    [mixed] = found(report, "MES651")
    assert mixed.resource is not None and mixed.resource.name == "httpbin" and "httpbin.org:443" in mixed.message
    other_host = run(MTLS_MESH, ZONE_EGRESS, HTTPBIN_ES, MES_HTTPBIN.replace("httpbin.org", "example.org"),
                     version="2.14")
    assert "MES651" not in codes(other_host)


def test_universal_external_service_is_loaded_with_its_top_level_fields():
    universal = ("type: ExternalService\nmesh: payments\nname: stripe\n"
                 "tags: {kuma.io/service: stripe}\nnetworking: {address: 'api.stripe.com:443'}\n")
    report = run(universal, version="3.0")
    [finding] = found(report, "MES650")
    assert finding.resource is not None and finding.resource.mesh == "payments"
    assert "mesh: payments" in finding.fix


@pytest.mark.parametrize(("address", "expected"), [
    ("httpbin.org:443", ("httpbin.org", 443)),
    ("[2001:db8::1]:8443", ("2001:db8::1", 8443)),
    ("10.0.0.1:5432", ("10.0.0.1", 5432)),
    ("httpbin.org", None),
    ("httpbin.org:0", None),
    ("2001:db8::1:443", None),
])
def test_split_host_port(address, expected):
    assert split_host_port(address) == expected


def _es(spec: dict[str, Any], name: str = "legacy", kubernetes: bool = True) -> Any:
    from core import loading
    from core.options import Limits

    doc: dict[str, Any]
    if kubernetes:
        doc = {"apiVersion": "kuma.io/v1alpha1", "kind": "ExternalService", "mesh": "default",
               "metadata": {"name": name}, "spec": spec}
    else:
        doc = {"type": "ExternalService", "mesh": "default", "name": name, **spec}
    [resource] = loading.load([Source("t", "es.yaml", yaml.safe_dump(doc).encode())], Limits()).resources
    return resource


def test_conversion_maps_fields_and_says_what_does_not_carry_over():
    es = _es({"tags": {"kuma.io/service": "Partner_API", "kuma.io/protocol": "kafka", "team": "payments",
                       "kuma.io/zone": "east"},
              "networking": {"address": "api.partner.example:443", "disableHostDNSEntry": True,
                             "tls": {"enabled": True, "serverName": "sni.partner.example",
                                     "skipHostnameVerification": True, "allowRenegotiation": True,
                                     "caCert": {"secret": "partner-ca"},
                                     "clientCert": {"file": "/certs/client.pem"},
                                     "clientKey": {"secret": "partner-key"}}}})
    migration = convert(es, KumaVersion(3, 0))
    manifest = migration.manifest
    assert manifest is not None and manifest["metadata"] == {
        "name": "partner-api", "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default", "team": "payments"}}
    spec = manifest["spec"]
    assert spec["match"] == {"type": "HostnameGenerator", "port": 80, "protocol": "tcp"}
    assert spec["endpoints"] == [{"address": "api.partner.example", "port": 443}]
    assert spec["tls"] == {"enabled": True, "allowRenegotiation": True, "verification": {
        "mode": "SkipSAN", "caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "partner-ca"}}}}
    notes = "\n".join(migration.notes)
    for part in ("RFC 1035", "`kafka`", "match.port` is 80", "serverName: sni.partner.example` not carried over",
                 "reads the file '/certs/client.pem'", "Client authentication not carried over", "kuma.io/zone: east",
                 "partner-api.extsvc.mesh.local:80", "Partner_API.mesh:80", "team became labels"):
        assert part in notes, part
    assert "(a mesh DNS entry for the host)" not in notes  # disableHostDNSEntry: there was none


def test_legacy_target_keeps_the_flat_data_source_and_inline_never_copied_by_default():
    pem = make_ca("Inline CA", NOW).cert_pem.decode()
    es = _es({"tags": {"kuma.io/service": "api"},
              "networking": {"address": "api.example.com:8443",
                             "tls": {"enabled": True, "caCert": {"inlineString": pem}}}}, kubernetes=False)
    migration = convert(es, KumaVersion(2, 14))
    assert migration.manifest is not None
    assert migration.manifest["spec"]["tls"]["verification"] == {"caCert": {"secret": "api-ca-cert"}}
    assert [(s.name, s.field) for s in migration.secrets] == [("api-ca-cert", "caCert")]
    copied = convert(es, KumaVersion(2, 14), copy_inline_certificates=True)
    assert copied.manifest is not None and copied.manifest["spec"]["tls"]["verification"] == {
        "caCert": {"inlineString": pem}}
    on_30 = convert(es, KumaVersion(3, 0), copy_inline_certificates=True)
    assert on_30.manifest is not None and on_30.manifest["spec"]["tls"]["verification"]["caCert"] == {
        "type": "InsecureInline", "insecureInline": {"value": pem}}


def test_inline_private_key_is_never_copied():
    client = make_client(make_ca("CA", NOW), "client", NOW)
    key_b64 = base64.b64encode(client.key_pem()).decode()
    es = _es({"tags": {"kuma.io/service": "api"},
              "networking": {"address": "api.example.com:443",
                             "tls": {"enabled": True, "clientCert": {"secret": "client-cert"},
                                     "clientKey": {"inline": key_b64}}}})
    migration = convert(es, KumaVersion(3, 0), copy_inline_certificates=True)
    text = yaml.safe_dump(migration.manifest)
    assert key_b64 not in text and "PRIVATE KEY" not in text
    assert migration.manifest is not None
    assert migration.manifest["spec"]["tls"]["verification"]["clientKey"] == {
        "type": "Secret", "secretRef": {"kind": "Secret", "name": "api-client-key"}}


def test_unparseable_address_is_not_migrated():
    migration = convert(_es({"tags": {"kuma.io/service": "x"}, "networking": {"address": "no-port"}}),
                        KumaVersion(3, 0))
    assert not migration.converted and "not a valid `host:port`" in migration.notes[0]


def test_names_never_collide_with_existing_mes_or_each_other():
    taken = {("default", "httpbin")}
    first = convert(_es({"tags": {"kuma.io/service": "httpbin"}, "networking": {"address": "a.example:80"}}),
                    KumaVersion(3, 0), taken=taken)
    second = convert(_es({"tags": {"kuma.io/service": "httpbin"}, "networking": {"address": "b.example:80"}}, "b"),
                     KumaVersion(3, 0), taken=taken)
    assert (first.name, second.name) == ("httpbin-2", "httpbin-3")
    assert any("already has a MeshExternalService `httpbin`" in n for n in second.notes)
    assert not any("RFC 1035" in n for n in second.notes)


# --- the round trip ---------------------------------------------------------------------------------------------


def _secret(name: str, value: bytes) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "type": "system.kuma.io/secret",
                           "metadata": {"name": name, "namespace": "kuma-system",
                                        "labels": {"kuma.io/mesh": "default"}},
                           "data": {"value": base64.b64encode(value).decode()}})


@pytest.fixture(scope="module")
def legacy_set() -> dict[str, Any]:
    """ExternalServices with secret, inline and inlineString material, and what they load (by SHA-256)."""
    ca = make_ca("Partner Root", NOW)
    client = make_client(ca, "orders-client", NOW)
    other_ca = make_ca("Billing Root", NOW)
    docs = [
        {"apiVersion": "kuma.io/v1alpha1", "kind": "ExternalService", "mesh": "default", "metadata": {"name": "orders"},
         "spec": {"tags": {"kuma.io/service": "orders", "kuma.io/protocol": "http"},
                  "networking": {"address": "orders.partner.example:443",
                                 "tls": {"enabled": True, "serverName": "orders.partner.example",
                                         "caCert": {"secret": "partner-ca"},
                                         "clientCert": {"secret": "orders-cert"},
                                         "clientKey": {"secret": "orders-key"}}}}},
        {"apiVersion": "kuma.io/v1alpha1", "kind": "ExternalService", "mesh": "default",
         "metadata": {"name": "billing"},
         "spec": {"tags": {"kuma.io/service": "billing", "kuma.io/protocol": "grpc"},
                  "networking": {"address": "billing.example.com:8443",
                                 "tls": {"enabled": True,
                                         "caCert": {"inline": base64.b64encode(other_ca.cert_pem).decode()}}}}},
        {"apiVersion": "kuma.io/v1alpha1", "kind": "ExternalService", "mesh": "default", "metadata": {"name": "status"},
         "spec": {"tags": {"kuma.io/service": "status-page"},
                  "networking": {"address": "status.example.com:80"}}},
    ]
    secrets = {"partner-ca": ca.cert_pem, "orders-cert": client.cert_pem, "orders-key": client.key_pem()}
    loads = {("orders", "caCert"): ca.cert_pem, ("orders", "clientCert"): client.cert_pem,
             ("orders", "clientKey"): client.key_pem(), ("billing", "caCert"): other_ca.cert_pem}
    text = "---\n".join([yaml.safe_dump(d) for d in docs] + [_secret(n, v) for n, v in secrets.items()])
    return {"text": text, "loads": loads, "inline": {"billing-ca-cert": other_ca.cert_pem}}


@pytest.mark.parametrize("version", ["2.14", "3.0"])
def test_round_trip_validates_cleanly_and_resolves_the_same_material(legacy_set, version):
    options = AnalysisOptions(kuma_version=version, now=NOW)
    sources = [Source("in", "legacy.yaml", legacy_set["text"].encode())]
    result = migrate(sources, options)
    assert not result.failed and result.check == [], [(f.code, f.message) for f in result.check]
    assert [m.name for m in result.migrations] == ["billing", "orders", "status-page"]
    # the user creates the Secrets the notes ask for, from the same PEM
    created = [_secret(name, pem) for name, pem in legacy_set["inline"].items()]
    assert [s.name for m in result.migrations for s in m.secrets] == list(legacy_set["inline"])
    migrated = Source("out", "migrated.yaml", result.text.encode())
    report = run_sources([*sources, Source("s", "created.yaml", "---\n".join(created).encode()), migrated], version)
    generated = [s for s in report.services if s.resource.origin.file == "migrated.yaml"]
    assert len(generated) == 3
    for service in generated:
        own = [f for f in service.findings if f.code.startswith(("MES1", "MES2", "MES3", "MES5"))
               and f.severity is not Severity.INFO]
        assert own == [], (service.resource.name, [(f.code, f.message) for f in own])
    material = {(s.resource.name, r.field): r.material_sha256 for s in generated for r in s.references}
    expected = {(name, field): hashlib.sha256(data).hexdigest() for (name, field), data in legacy_set["loads"].items()}
    assert material == expected
    orders = next(s for s in generated if s.resource.name == "orders")
    assert orders.destination is not None and orders.destination.tls is not None
    assert orders.destination.tls.sni == "orders.partner.example" and orders.destination.tls.client_certificate


def run_sources(sources: list[Source], version: str) -> Any:
    from core.analysis import analyse

    return analyse(sources, AnalysisOptions(kuma_version=version, now=NOW))


def test_migrate_cli_writes_yaml_comments_and_stderr(legacy_set, tmp_path):
    path = tmp_path / "legacy.yaml"
    path.write_text(legacy_set["text"])
    out, err = io.StringIO(), io.StringIO()
    code = main(["migrate", str(path), "--kuma-version", "3.0", "--now", NOW.isoformat()], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert [d["kind"] for d in docs] == ["MeshExternalService"] * 3
    assert "# From ExternalService billing" in text and "kubectl create secret generic billing-ca-cert" in text
    assert "mesdoctor: migrate: billing -> billing: `caCert` was inline" in err.getvalue()
    assert "checked: no error or warning on them" in err.getvalue()
    assert base64.b64encode(legacy_set["inline"]["billing-ca-cert"]).decode() not in text


def test_migrate_cli_fails_on_what_cannot_be_migrated(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(HTTPBIN_ES.replace("httpbin.org:443", "httpbin.org"))
    out, err = io.StringIO(), io.StringIO()
    assert main(["migrate", str(path)], stdout=out, stderr=err) == 1
    assert "# NOT MIGRATED:" in out.getvalue() and "not migrated" in err.getvalue()
    assert main(["migrate"], stdout=out, stderr=err) == 2
    assert main(["migrate", str(path), "--kuma-version", "1.0"], stdout=out, stderr=err) == 2
