"""The `incident` sample (the default): one zone's export during a realistic 2.9 cascade.

What an operator of zone `eu-west-1` (Kuma 2.9.3 on Kubernetes, mesh `default`) would export with
`kubectl get meshes,meshexternalservices,zoneegresses,secrets -A -o yaml --show-managed-fields` and
`kubectl get deployment kuma-control-plane -n kuma-system -o yaml`, the afternoon a new MES took most of the
zone's external services down. Twelve MES, mostly healthy, owned by teams (label `team`), in Kuma's loop order:

    accounting-ledger, address-validation, crm-sync, fraud-scoring, geo-ip, invoice-pdf, loyalty-points,
    maps-tiles, notifications-sms, payments-psp, shipping-rates, tax-engine

* `fraud-scoring` was added 3 h ago; its clientCert names Secret `fraud-scoring-clientcert`, a typo: the
  Secret is `fraud-scoring-client-cert` (a near miss MES Doctor suggests). kuma-cp 2.9 stops building the
  egress endpoint map there and drops every MES sorted after it: the culprit.
* `maps-tiles` broke 1 h ago too, unseen: its CA Secret was recreated in namespace `geo`, where kuma-cp does
  not look (only `kuma-system`). Fixing `fraud-scoring` alone still leaves `notifications-sms`,
  `payments-psp`, `shipping-rates` and `tax-engine` dropped, now by `maps-tiles`: the latent culprit.
* Failures of their own, that do not stop the loop: `shipping-rates`' CA expired 6 days ago; `invoice-pdf`'s
  client certificate was renewed 2 days ago with a new key, but the key Secret still holds the old one.
* A warning: `crm-sync`'s client certificate expires in 9 days.

Every certificate and timestamp is made relative to `now` (so the story reads the same on any day); the
committed copy under `sample_data/incident/` is the output for the instant in its header.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import yaml

from core import pki

DIRECTORY = "incident"  # under sample_data/
EXPORT_FILE = "eu-west-1-export.yaml"
ZONE = "eu-west-1"
MESH = "default"
NAMESPACE = "kuma-system"
KUMA_VERSION = "2.9.3"
CP_IMAGE = f"docker.io/kumahq/kuma-cp:{KUMA_VERSION}"
CULPRIT = "fraud-scoring"
LATENT_CULPRIT = "maps-tiles"
TYPO_SECRET, INTENDED_SECRET = "fraud-scoring-clientcert", "fraud-scoring-client-cert"
TEAM_LABEL = "team"
KUMA_TYPE = "system.kuma.io/secret"

DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
ADDED = 3 * HOUR  # fraud-scoring's age
MOVED = 1 * HOUR  # since maps-tiles' CA Secret was recreated in namespace geo
RENEWED = 2 * DAY  # since invoice-pdf's client certificate was renewed (and its key was not)
EXPIRED_CA = 6 * DAY + 7 * HOUR  # shipping-rates' CA expired this long ago
EXPIRING_CLIENT = 9 * DAY + 5 * HOUR  # crm-sync's client certificate has this long left


@dataclass(frozen=True)
class Service:
    """One MES of the export. `ca` names its caCert Secret; `client` the prefix of its client pair Secrets
    (`<client>-client-cert` / `-client-key`), `client_cert` overrides the clientCert Secret name."""

    name: str
    team: str
    address: str
    age: timedelta
    note: str
    ca: str | None = None
    client: str | None = None
    client_cert: str | None = None
    tls: bool = True

    @property
    def port(self) -> int:
        return 443 if self.tls else 80


SERVICES: tuple[Service, ...] = (
    Service("accounting-ledger", "finance", "api.ledgerly.example", 410 * DAY,
            "healthy: TLS to the ledger SaaS, CA from a Secret", ca="accounting-ledger-ca"),
    Service("address-validation", "checkout", "api.addressly.example", 300 * DAY,
            "healthy: TLS verified against the public CA bundle the checkout and finance teams share",
            ca="public-ca-bundle"),
    Service("crm-sync", "sales", "sync.crm-cloud.example", 356 * DAY,
            "warning: mutual TLS, the client certificate expires in 9 days", ca="crm-sync-ca", client="crm-sync"),
    Service(CULPRIT, "risk", "api.fraudshield.example", ADDED,
            "added 3 h ago; clientCert names fraud-scoring-clientcert, which does not exist (the Secret is "
            "fraud-scoring-client-cert): the 2.9 culprit", ca="fraud-scoring-ca", client="fraud-scoring",
            client_cert=TYPO_SECRET),
    Service("geo-ip", "checkout", "geoip.example", 200 * DAY, "healthy: plain HTTP", tls=False),
    Service("invoice-pdf", "finance", "render.invoicepdf.example", 150 * DAY,
            "broken on its own: the client certificate was renewed 2 days ago with a new key, the key Secret "
            "still holds the old key", ca="invoice-pdf-ca", client="invoice-pdf"),
    Service("loyalty-points", "marketing", "api.loyaltyhub.example", 220 * DAY, "healthy", ca="loyalty-points-ca"),
    Service(LATENT_CULPRIT, "geo", "tiles.mapsprovider.example", 250 * DAY,
            "its CA Secret was recreated in namespace geo 1 h ago (kuma-cp reads kuma-system only): the latent "
            "culprit, next in line once fraud-scoring is fixed", ca="maps-tiles-ca"),
    Service("notifications-sms", "messaging", "api.smsgateway.example", 180 * DAY, "healthy",
            ca="notifications-sms-ca"),
    Service("payments-psp", "payments", "api.psp.example", 400 * DAY, "healthy: mutual TLS to the payment provider",
            ca="payments-psp-ca", client="payments-psp"),
    Service("shipping-rates", "logistics", "rates.carrier.example", 330 * DAY,
            "broken on its own: its CA expired 6 days ago", ca="shipping-rates-ca"),
    Service("tax-engine", "finance", "api.taxengine.example", 90 * DAY,
            "healthy: TLS verified against the shared public CA bundle", ca="public-ca-bundle"),
)


@dataclass(frozen=True)
class Secret:
    """One Secret of the export: `data` maps its keys to material names; times are before `now`."""

    name: str
    data: tuple[tuple[str, str], ...]
    age: timedelta
    changed: timedelta | None = None  # last modified this long ago (None: never since creation)
    namespace: str = NAMESPACE
    secret_type: str = KUMA_TYPE
    mesh: str | None = MESH
    created_by: str = "kubectl-create"  # the managedFields manager
    changed_by: str = "kubectl-replace"


def _value(material: str) -> tuple[tuple[str, str], ...]:
    return (("value", material),)


SECRETS: tuple[Secret, ...] = (
    Secret("maps-tiles-ca", _value("maps-tiles-ca"), MOVED, namespace="geo"),
    Secret("accounting-ledger-ca", _value("accounting-ledger-ca"), 410 * DAY),
    Secret("crm-sync-ca", _value("crm-sync-ca"), 356 * DAY),
    Secret("crm-sync-client-cert", _value("crm-sync-client-cert"), 356 * DAY),
    Secret("crm-sync-client-key", _value("crm-sync-client-key"), 356 * DAY),
    Secret("fraud-scoring-ca", _value("fraud-scoring-ca"), ADDED + 10 * MINUTE),
    Secret(INTENDED_SECRET, _value("fraud-scoring-client-cert"), ADDED + 10 * MINUTE),
    Secret("fraud-scoring-client-key", _value("fraud-scoring-client-key"), ADDED + 10 * MINUTE),
    Secret("invoice-pdf-ca", _value("invoice-pdf-ca"), 150 * DAY),
    Secret("invoice-pdf-client-cert", _value("invoice-pdf-client-cert"), 150 * DAY, changed=RENEWED),
    Secret("invoice-pdf-client-key", _value("invoice-pdf-client-key"), 150 * DAY),
    Secret("kuma-tls-cert", (("ca.crt", "kuma-ca"), ("tls.crt", "kuma-cp-cert"), ("tls.key", "kuma-cp-key")),
           420 * DAY, changed=35 * DAY, secret_type="kubernetes.io/tls", mesh=None, created_by="helm",
           changed_by="helm"),
    Secret("loyalty-points-ca", _value("loyalty-points-ca"), 220 * DAY),
    Secret("notifications-sms-ca", _value("notifications-sms-ca"), 180 * DAY),
    Secret("payments-psp-ca", _value("payments-psp-ca"), 400 * DAY),
    Secret("public-ca-bundle", _value("public-ca-bundle"), 300 * DAY, changed=60 * DAY),
    Secret("payments-psp-client-cert", _value("payments-psp-client-cert"), 400 * DAY, changed=165 * DAY),
    Secret("payments-psp-client-key", _value("payments-psp-client-key"), 400 * DAY, changed=165 * DAY),
    Secret("sh.helm.release.v1.kuma.v7", (("release", "helm-release"),), 35 * DAY, secret_type="helm.sh/release.v1",
           mesh=None, created_by="helm"),
    Secret("shipping-rates-ca", _value("shipping-rates-ca"), 330 * DAY),
)


def materials(now: datetime) -> dict[str, bytes]:
    """Every certificate and key of the export, dated relative to `now`."""
    out: dict[str, bytes] = {}

    def root(name: str, common_name: str, organization: str, *, age: timedelta = 900 * DAY,
             left: timedelta = 2700 * DAY) -> pki.Issued:
        issued = pki.make_ca(common_name, now, not_before=now - age, not_after=now + left, organization=organization)
        out[name] = issued.cert_pem
        return issued

    def client(prefix: str, issuer: pki.Issued, common_name: str, organization: str, *, issued: timedelta,
               left: timedelta) -> pki.Issued:
        leaf = pki.make_client(issuer, common_name, now, not_before=now - issued, not_after=now + left,
                               organization=organization)
        out[f"{prefix}-client-cert"], out[f"{prefix}-client-key"] = leaf.cert_pem, leaf.key_pem()
        return leaf

    org = "ACME Retail"
    root("accounting-ledger-ca", "Ledgerly Root CA", "Ledgerly Inc.")
    root("crm-sync-ca", "CRM Cloud Root CA R2", "CRM Cloud Ltd.")
    crm_clients = pki.make_ca("CRM Cloud Partner CA", now, not_before=now - 800 * DAY, days=1000,
                              organization="CRM Cloud Ltd.")
    client("crm-sync", crm_clients, "eu-west-1.crm-sync.acme-retail", org, issued=356 * DAY, left=EXPIRING_CLIENT)
    root("fraud-scoring-ca", "FraudShield Root CA", "FraudShield GmbH")
    fraud_clients = pki.make_ca("FraudShield Client CA", now, not_before=now - 700 * DAY, days=1500,
                                organization="FraudShield GmbH")
    client("fraud-scoring", fraud_clients, "acme-retail.fraud-scoring", org, issued=ADDED + 30 * MINUTE,
           left=365 * DAY)
    root("invoice-pdf-ca", "InvoicePDF Root CA", "InvoicePDF S.A.")
    invoice_clients = pki.make_ca("InvoicePDF Client CA", now, not_before=now - 600 * DAY, days=1500,
                                  organization="InvoicePDF S.A.")
    renewed = client("invoice-pdf", invoice_clients, "acme-retail.invoice-pdf", org, issued=RENEWED,
                     left=365 * DAY - RENEWED)
    previous = pki.make_client(invoice_clients, "acme-retail.invoice-pdf", now, not_before=now - 150 * DAY,
                               not_after=now + 215 * DAY, organization=org)
    assert previous.key is not renewed.key
    out["invoice-pdf-client-key"] = previous.key_pem()  # the renewal replaced the certificate, not the key
    root("loyalty-points-ca", "LoyaltyHub Root CA", "LoyaltyHub Inc.")
    root("maps-tiles-ca", "Maps Provider Root CA", "Maps Provider B.V.")
    root("notifications-sms-ca", "SMS Gateway Root CA", "SMS Gateway AB")
    root("payments-psp-ca", "PSP Root CA 2021", "Example Payments Ltd.")
    psp_clients = pki.make_ca("PSP Merchant Client CA", now, not_before=now - 900 * DAY, days=2000,
                              organization="Example Payments Ltd.")
    client("payments-psp", psp_clients, "merchant-4711.acme-retail", org, issued=165 * DAY, left=200 * DAY)
    first = pki.make_ca("Example Public Root R1", now, not_before=now - 3000 * DAY, not_after=now + 2400 * DAY,
                        organization="Example Trust Services")
    second = pki.make_ca("Example Public Root X2", now, not_before=now - 1500 * DAY, not_after=now + 4000 * DAY,
                         organization="Example Trust Services")
    out["public-ca-bundle"] = pki.pem_bundle(first, second)
    root("shipping-rates-ca", "Carrier Rates Root CA", "Carrier Rates Co.", age=3 * 365 * DAY, left=-EXPIRED_CA)
    kuma_ca = root("kuma-ca", "kuma-ca", "Kuma", age=420 * DAY, left=3230 * DAY)
    server = pki.make_server(kuma_ca, "kuma-control-plane.kuma-system", now, not_before=now - 35 * DAY,
                             not_after=now + 330 * DAY, organization="Kuma",
                             sans=("kuma-control-plane.kuma-system", "kuma-control-plane.kuma-system.svc"))
    out["kuma-cp-cert"], out["kuma-cp-key"] = server.cert_pem, server.key_pem()
    # Helm keeps a release as base64 of its gzipped JSON (and Kubernetes base64-encodes that again)
    out["helm-release"] = base64.b64encode(zlib.compress(b'{"name":"kuma","chart":{"metadata":{"version":"'
                                                          + KUMA_VERSION.encode() + b'"}}}'))
    return out


# --- the export ------------------------------------------------------------------------------------------


class _Clock:
    """Times relative to `now`, written as the API server does (RFC 3339, whole seconds, UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)

    def ago(self, age: timedelta) -> str:
        return (self.now - age).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uid(kind: str, namespace: str | None, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mesdoctor-sample/{ZONE}/{kind}/{namespace}/{name}"))


def _version(kind: str, name: str) -> str:
    return str(100_000 + zlib.crc32(f"{kind}/{name}".encode()) % 900_000)


def _fields(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A managedFields `fieldsV1` naming the top two levels of `keys` of `obj` (what the manager set)."""
    out: dict[str, Any] = {}
    for key in keys:
        value = obj.get(key)
        out[f"f:{key}"] = {".": {}, **{f"f:{k}": {} for k in value}} if isinstance(value, dict) else {}
    return out


def _managed(manager: str, operation: str, time: str, api_version: str, fields: dict[str, Any],
             subresource: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"apiVersion": api_version, "fieldsType": "FieldsV1", "fieldsV1": fields,
                             "manager": manager, "operation": operation}
    if subresource:
        entry["subresource"] = subresource
    entry["time"] = time
    return entry


def _labels(team: str | None = None) -> dict[str, str]:
    labels = {"k8s.kuma.io/namespace": NAMESPACE, "kuma.io/env": "kubernetes", "kuma.io/mesh": MESH,
              "kuma.io/origin": "zone", "kuma.io/zone": ZONE}
    if team:
        labels[TEAM_LABEL] = team
    return labels


def mesh(clock: _Clock) -> dict[str, Any]:
    spec = {"mtls": {"backends": [{"name": "ca-1", "type": "builtin"}], "enabledBackend": "ca-1"}}
    metadata = {"creationTimestamp": clock.ago(420 * DAY), "generation": 2, "name": MESH,
                "resourceVersion": _version("Mesh", MESH), "uid": _uid("Mesh", None, MESH)}
    obj = {"apiVersion": "kuma.io/v1alpha1", "kind": "Mesh", "metadata": metadata, "spec": spec}
    metadata["managedFields"] = [
        _managed("kuma-cp", "Update", clock.ago(420 * DAY), "kuma.io/v1alpha1", {"f:spec": {".": {}}}),
        _managed("kubectl-patch", "Update", clock.ago(400 * DAY), "kuma.io/v1alpha1", _fields(obj, "spec")),
    ]
    return obj


def service(clock: _Clock, s: Service, index: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"endpoints": [{"address": s.address, "port": s.port}],
                            "match": {"port": 80, "protocol": "http", "type": "HostnameGenerator"}}
    if s.tls:
        verification: dict[str, Any] = {"mode": "Secured", "serverName": s.address}
        if s.ca:
            verification["caCert"] = {"secret": s.ca}
        if s.client:
            verification["clientCert"] = {"secret": s.client_cert or f"{s.client}-client-cert"}
            verification["clientKey"] = {"secret": f"{s.client}-client-key"}
        spec["tls"] = {"enabled": True, "verification": verification}
    created = clock.ago(s.age)
    metadata: dict[str, Any] = {"creationTimestamp": created, "generation": 1, "labels": _labels(s.team),
                                "name": s.name, "namespace": NAMESPACE,
                                "resourceVersion": _version("MeshExternalService", s.name),
                                "uid": _uid("MeshExternalService", NAMESPACE, s.name)}
    status = {"addresses": [{"hostname": f"{s.name}.extsvc.mesh.local", "hostnameGeneratorRef": {
        "coreName": "local-mesh-external-service"}, "origin": "HostnameGenerator"}], "vip": {"ip": f"241.0.0.{index}"}}
    obj = {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService", "metadata": metadata, "spec": spec,
           "status": status}
    metadata["managedFields"] = [
        _managed("argocd-controller", "Apply", created, "kuma.io/v1alpha1",
                 {"f:metadata": {"f:labels": {f"f:{TEAM_LABEL}": {}}}, **_fields(obj, "spec")}),
        _managed("kuma-cp", "Update", clock.ago(s.age - 2 * MINUTE if s.age > 2 * MINUTE else s.age),
                 "kuma.io/v1alpha1", _fields(obj, "status"), subresource="status"),
    ]
    return obj


def secret(clock: _Clock, s: Secret, made: dict[str, bytes]) -> dict[str, Any]:
    created = clock.ago(s.age)
    metadata: dict[str, Any] = {"creationTimestamp": created, "name": s.name, "namespace": s.namespace,
                                "resourceVersion": _version("Secret", f"{s.namespace}/{s.name}"),
                                "uid": _uid("Secret", s.namespace, s.name)}
    if s.mesh:
        metadata["labels"] = {"kuma.io/mesh": s.mesh}
    data = {key: base64.b64encode(made[material]).decode() for key, material in s.data}
    obj = {"apiVersion": "v1", "data": data, "kind": "Secret", "metadata": metadata, "type": s.secret_type}
    fields = {**_fields(obj, "data"), "f:type": {}}
    if s.mesh:
        fields["f:metadata"] = {"f:labels": {".": {}, "f:kuma.io/mesh": {}}}
    managed = [_managed(s.created_by, "Update", created, "v1", fields)]
    if s.changed is not None:
        managed.append(_managed(s.changed_by, "Update", clock.ago(s.changed), "v1", _fields(obj, "data")))
    metadata["managedFields"] = managed
    return obj


def zone_egress(clock: _Clock) -> dict[str, Any]:
    name = "kuma-egress-6c9f7d8b5d-x7k2p"
    created = clock.ago(35 * DAY)
    spec = {"networking": {"address": "10.42.3.17", "admin": {"port": 9901}, "port": 10002}}
    metadata = {"creationTimestamp": created, "generation": 1,
                "labels": {"k8s.kuma.io/namespace": NAMESPACE, "kuma.io/env": "kubernetes", "kuma.io/origin": "zone",
                           "kuma.io/zone": ZONE},
                "name": name, "namespace": NAMESPACE, "resourceVersion": _version("ZoneEgress", name),
                "uid": _uid("ZoneEgress", NAMESPACE, name)}
    obj = {"apiVersion": "kuma.io/v1alpha1", "kind": "ZoneEgress", "metadata": metadata, "spec": spec}
    metadata["managedFields"] = [_managed("kuma-cp", "Update", created, "kuma.io/v1alpha1", _fields(obj, "spec"))]
    return obj


def control_plane(clock: _Clock) -> dict[str, Any]:
    """The kuma-cp Deployment: its image names the version the zone runs."""
    env = [{"name": "KUMA_ENVIRONMENT", "value": "kubernetes"}, {"name": "KUMA_MODE", "value": "zone"},
           {"name": "KUMA_MULTIZONE_ZONE_NAME", "value": ZONE},
           {"name": "KUMA_STORE_KUBERNETES_SYSTEM_NAMESPACE", "value": NAMESPACE},
           {"name": "KUMA_GENERAL_TLS_CERT_FILE", "value": "/var/run/secrets/kuma.io/tls-cert/tls.crt"},
           {"name": "KUMA_GENERAL_TLS_KEY_FILE", "value": "/var/run/secrets/kuma.io/tls-cert/tls.key"}]
    labels = {"app": "kuma-control-plane", "app.kubernetes.io/instance": "kuma", "app.kubernetes.io/name": "kuma",
              "helm.sh/chart": f"kuma-{KUMA_VERSION}"}
    container = {"args": ["run", "--log-level=info", "--config-file=/etc/kuma.io/kuma-control-plane/config.yaml"],
                 "env": env, "image": CP_IMAGE, "imagePullPolicy": "IfNotPresent", "name": "control-plane",
                 "ports": [{"containerPort": 5680, "name": "diagnostics"}, {"containerPort": 5681},
                           {"containerPort": 5682}, {"containerPort": 5443}, {"containerPort": 5678}],
                 "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "256Mi"}}}
    spec = {"replicas": 2, "selector": {"matchLabels": {"app": "kuma-control-plane",
                                                        "app.kubernetes.io/instance": "kuma",
                                                        "app.kubernetes.io/name": "kuma"}},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [container], "serviceAccountName": "kuma-control-plane"}}}
    metadata = {"annotations": {"deployment.kubernetes.io/revision": "7", "meta.helm.sh/release-name": "kuma",
                                "meta.helm.sh/release-namespace": NAMESPACE},
                "creationTimestamp": clock.ago(420 * DAY), "generation": 7, "labels": labels,
                "name": "kuma-control-plane", "namespace": NAMESPACE,
                "resourceVersion": _version("Deployment", "kuma-control-plane"),
                "uid": _uid("Deployment", NAMESPACE, "kuma-control-plane")}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec,
           "status": {"availableReplicas": 2, "observedGeneration": 7, "readyReplicas": 2, "replicas": 2,
                      "updatedReplicas": 2}}
    metadata["managedFields"] = [
        _managed("helm", "Update", clock.ago(35 * DAY), "apps/v1", _fields(obj, "spec")),
        _managed("kube-controller-manager", "Update", clock.ago(35 * DAY - 3 * MINUTE), "apps/v1",
                 _fields(obj, "status"), subresource="status"),
    ]
    return obj


def documents(now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two kubectl outputs: the List of Kuma resources and Secrets, and the kuma-cp Deployment."""
    clock = _Clock(now)
    made = materials(clock.now)
    ordered = sorted(SECRETS, key=lambda s: (s.namespace, s.name))
    items = [mesh(clock), *(service(clock, s, i + 2) for i, s in enumerate(SERVICES)), zone_egress(clock),
             *(secret(clock, s, made) for s in ordered)]
    listing = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    return listing, control_plane(clock)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # quote what YAML would read as another type (times, numbers), as kubectl does
    implicit = dumper.resolve(yaml.ScalarNode, value, (True, False))
    style = '"' if implicit != "tag:yaml.org,2002:str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(now: datetime) -> str:
    listing, deployment = documents(now)
    clock = _Clock(now)
    header = (
        f"# Zone {ZONE} (Kuma {KUMA_VERSION}, mesh {MESH}): the MES Doctor incident sample.\n"
        "# GENERATED by `python -m core.sample --write sample_data`: do not edit by hand. The story is in\n"
        "# sample_data/README.md. Certificates and timestamps are relative to "
        f"{clock.now.strftime('%Y-%m-%dT%H:%M:%SZ')};\n"
        "# the dashboard and `mesdoctor check --sample` make them afresh relative to the current time.\n"
        "# Demo-only keys. What kubectl printed for:\n"
        "#   kubectl get meshes,meshexternalservices,zoneegresses,secrets -A -o yaml --show-managed-fields\n"
        "#   kubectl get deployment kuma-control-plane -n kuma-system -o yaml --show-managed-fields\n"
    )
    def dump(doc: dict[str, Any]) -> str:
        return yaml.dump(doc, Dumper=_Dumper, sort_keys=True, default_flow_style=False, width=1_000_000)

    return header + dump(listing) + "---\n" + dump(deployment)


def generated_files(now: datetime) -> dict[str, bytes]:
    """The generated incident files by name (relative to sample_data/incident/)."""
    return dict(_generated(now))


@lru_cache(maxsize=4)
def _generated(now: datetime) -> tuple[tuple[str, bytes], ...]:
    return ((EXPORT_FILE, render(now).encode()),)
