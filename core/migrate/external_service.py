"""A legacy ExternalService as the equivalent MeshExternalService of a target Kuma version.

The ExternalService (2.x only; removed in 3.0) and what its fields do (`release-2.14:api/mesh/v1alpha1/
externalservice.proto`, `…/pkg/xds/topology/outbound.go` `NewExternalServiceEndpoint`,
`…/pkg/xds/envoy/tls/v3/tls.go` `UpstreamTlsContextOutsideMesh`):

* `networking.address` `host:port` is the one endpoint; `tags["kuma.io/service"]` its service name (clients
  reached it as `<service>.mesh:80`, and through a DNS entry for `host` unless `disableHostDNSEntry`);
  `tags["kuma.io/protocol"]` its protocol (default tcp);
* `networking.tls.enabled` originates TLS with SNI `serverName`, else `host` when it is a DNS name; the
  server is verified only when `caCert` is given (no system-CA fallback), against `serverName` / `host`
  unless `skipHostnameVerification`; `clientCert` + `clientKey` authenticate the client;
  `allowRenegotiation` is passed on. Data sources are `secret`, `inline` (base64), `inlineString` or `file`.

Mapping to an MES (the MES shape of `core.validation`): name from the service tag (an RFC 1035 label),
`match.port` the endpoint port (80 when TLS is originated to port 443, so clients speak plain text to the
MES hostname and the egress adds TLS), `match.protocol` from the protocol tag (`kafka` becomes `tcp`), one
endpoint, and `tls` with `verification` (`mode: SkipSAN` for `skipHostnameVerification`). Data sources take
the target version's shape: `secret: X` (2.x) / `{type: Secret, secretRef: {kind: Secret, name: X}}` (3.0).
Inline material is never copied by default (MES Doctor does not export TLS material): the MES references a
Secret to create from it, and the note says how. With `copy_inline_certificates`, an inline *certificate*
(caCert, clientCert) is copied (`inlineString` / `InsecureInline`); a private key never is.

Everything that does not carry over, or behaves differently, is a note: the caller writes the notes as YAML
comments and on stderr.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.model import Flavour, Resource
from core.validation.names import is_dns_name, is_ip, suggest_dns1035_label
from core.versions import KumaVersion

SERVICE_TAG = "kuma.io/service"
PROTOCOL_TAG = "kuma.io/protocol"
ZONE_TAG = "kuma.io/zone"
_PROTOCOLS = {"http": "http", "http2": "http2", "grpc": "grpc", "tcp": "tcp"}
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
TLS_FIELDS = ("caCert", "clientCert", "clientKey")


@dataclass(slots=True)
class SecretToCreate:
    """A Secret the MES references in place of inline material (created by the user, from their own file)."""

    name: str
    field: str  # caCert / clientCert / clientKey
    mesh: str


@dataclass(slots=True)
class Migration:
    """One ExternalService and its MeshExternalService (None when it cannot be converted at all)."""

    source: Resource
    manifest: dict[str, Any] | None
    name: str
    notes: list[str] = field(default_factory=list)  # what does not carry over / behaves differently
    secrets: list[SecretToCreate] = field(default_factory=list)

    @property
    def converted(self) -> bool:
        return self.manifest is not None


def split_host_port(address: str) -> tuple[str, int] | None:
    """Go's `net.SplitHostPort` plus a numeric port (`[::1]:443` -> `::1`, 443)."""
    if address.startswith("["):
        end = address.find("]")
        if end < 0 or not address[end + 1:].startswith(":"):
            return None
        host, port = address[1:end], address[end + 2:]
    else:
        host, sep, port = address.rpartition(":")
        if not sep or ":" in host:
            return None
    if not host or not port.isdigit() or not 0 < int(port) <= 65535:
        return None
    return host, int(port)


def convert(es: Resource, version: KumaVersion, *, system_namespace: str = "kuma-system", federated: bool = False,
            taken: set[tuple[str, str]] | None = None, copy_inline_certificates: bool = False) -> Migration:
    """The MeshExternalService for `es` on `version` (see the module docstring). `taken` holds the
    (mesh, name) pairs already used, so several ExternalServices never map to one name."""
    spec = es.spec if isinstance(es.spec, Mapping) else {}
    networking = spec.get("networking") if isinstance(spec.get("networking"), Mapping) else {}
    raw_tags = spec.get("tags") if isinstance(spec.get("tags"), Mapping) else {}
    tags = {str(k): str(v) for k, v in raw_tags.items()}
    service = tags.get(SERVICE_TAG) or str(es.name)
    base = suggest_dns1035_label(service)
    name = _unique(base, es.mesh, taken if taken is not None else set())
    migration = Migration(es, None, name)
    notes = migration.notes
    address = networking.get("address")
    parsed = split_host_port(address) if isinstance(address, str) else None
    if parsed is None or not (is_ip(parsed[0]) or is_dns_name(parsed[0])):
        notes.append(f"`networking.address` {address!r} is not a valid `host:port`: nothing to migrate (Kuma rejects "
                     "this ExternalService too).")
        return migration
    host, port = parsed
    if base != service:
        notes.append(f"Named `{base}`: `{service}` (the `{SERVICE_TAG}` tag) is not an RFC 1035 label, which Kuma 3.0 "
                     "requires of MES names.")
    if name != base:
        notes.append(f"Named `{name}`: mesh {es.mesh} already has a MeshExternalService `{base}` (or another "
                     "ExternalService of the input maps to it).")
    protocol = _protocol(tags.get(PROTOCOL_TAG), notes)
    tls = networking.get("tls") if isinstance(networking.get("tls"), Mapping) else {}
    originates = tls.get("enabled") is True
    match_port = 80 if originates and port == 443 else port
    if match_port != port:
        notes.append(f"`match.port` is 80: the egress originates TLS to {host}:443, so clients speak plain "
                     f"{'HTTP' if protocol != 'tcp' else 'text'} to {name}.extsvc.mesh.local:80 (port 443 there would "
                     "invite applications to add a second TLS layer).")
    spec_out: dict[str, Any] = {"match": {"type": "HostnameGenerator", "port": match_port, "protocol": protocol},
                                "endpoints": [{"address": host, "port": port}]}
    tls_out = _tls(tls, es, name, version, host, notes, migration.secrets, copy_inline_certificates) if tls else None
    if tls_out is not None:
        spec_out["tls"] = tls_out
    notes.append(_dns_note(networking, host, port, service, name, match_port))
    if tags.get(ZONE_TAG):
        notes.append(f"Tag `{ZONE_TAG}: {tags[ZONE_TAG]}` is not carried over: it sent ExternalService traffic through "
                     "that zone; an MES is served by the local zone egress of every zone that has it (3.0 ignores the "
                     "label on an MES).")
    labels = _labels(tags, notes)
    migration.manifest = _manifest(es, name, spec_out, labels, system_namespace, federated)
    notes.append(f"Policies and routes that select the ExternalService by `{SERVICE_TAG}: {service}` (MeshService "
                 f"refs, TrafficPermission, …) do not apply to the MES: point them at kind MeshExternalService "
                 f"`{name}`.")
    return migration


def _unique(name: str, mesh: str, taken: set[tuple[str, str]]) -> str:
    candidate, n = name, 2
    while (mesh, candidate) in taken:
        suffix = f"-{n}"
        candidate = name[: 63 - len(suffix)].rstrip("-") + suffix
        n += 1
    taken.add((mesh, candidate))
    return candidate


def _protocol(tag: str | None, notes: list[str]) -> str:
    if not tag:
        return "tcp"
    value = _PROTOCOLS.get(tag)
    if value is None:
        notes.append(f"Protocol `{tag}` is not an MES protocol (tcp, http, http2, grpc): the MES uses `tcp`.")
        return "tcp"
    return value


def _dns_note(networking: Mapping[str, Any], host: str, port: int, service: str, name: str, match_port: int) -> str:
    hidden = networking.get("disableHostDNSEntry") is True
    before = f"`{service}.mesh:80`" + ("" if hidden else f" and `{host}:{port}` (a mesh DNS entry for the host)")
    return (f"Clients reached the ExternalService as {before}; they reach the MES as "
            f"`{name}.extsvc.mesh.local:{match_port}` (or its VIP). An MES adds no DNS entry for {host}: a call to "
            f"`{host}` goes around the mesh (passthrough) or fails, so change the clients' URLs.")


def _labels(tags: dict[str, str], notes: list[str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    dropped: list[str] = []
    for key, value in sorted(tags.items()):
        if key in (SERVICE_TAG, PROTOCOL_TAG, ZONE_TAG):
            continue
        if key.startswith("kuma.io/") or not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
            dropped.append(key)
            continue
        kept[key] = value
    if kept:
        notes.append(f"Tags {', '.join(sorted(kept))} became labels (an MES copies its labels to its endpoint tags).")
    if dropped:
        notes.append(f"Tags {', '.join(dropped)} are not carried over (reserved or not valid label keys / values).")
    return kept


def _manifest(es: Resource, name: str, spec: dict[str, Any], labels: dict[str, str], system_namespace: str,
              federated: bool) -> dict[str, Any]:
    labels = dict(labels)
    if federated:
        labels["kuma.io/origin"] = "zone"
    if es.flavour is Flavour.KUBERNETES:
        meta: dict[str, Any] = {"name": name, "namespace": system_namespace,
                                "labels": {"kuma.io/mesh": es.mesh, **labels}}
        return {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService", "metadata": meta, "spec": spec}
    out: dict[str, Any] = {"type": "MeshExternalService", "name": name, "mesh": es.mesh}
    if labels:
        out["labels"] = labels
    out["spec"] = spec
    return out


def _tls(tls: Mapping[str, Any], es: Resource, name: str, version: KumaVersion, host: str, notes: list[str],
         secrets: list[SecretToCreate], copy_inline: bool) -> dict[str, Any] | None:
    configured = [f for f in TLS_FIELDS if isinstance(tls.get(f), Mapping) and tls.get(f)]
    if tls.get("enabled") is not True:
        if configured:
            notes.append(f"TLS is disabled: {', '.join(configured)} not carried over (the ExternalService loaded "
                         "them anyway, so a missing Secret broke it; an MES with TLS off loads nothing).")
        return None
    out: dict[str, Any] = {"enabled": True}
    if tls.get("allowRenegotiation") is True:
        out["allowRenegotiation"] = True
    verification: dict[str, Any] = {}
    sources = {f: _source(f, tls.get(f), es, name, version, notes, secrets, copy_inline) for f in TLS_FIELDS}
    if (sources["clientCert"] is None) != (sources["clientKey"] is None):
        lost = "clientKey" if sources["clientKey"] is None else "clientCert"
        kept = "clientCert" if lost == "clientKey" else "clientKey"
        if tls.get(lost) or tls.get(kept):
            notes.append(f"Client authentication not carried over: `{lost}` could not be, and an MES needs "
                         "`clientCert` and `clientKey` together.")
        sources["clientCert"] = sources["clientKey"] = None
    skip_hostname = tls.get("skipHostnameVerification") is True
    server_name = tls.get("serverName") if isinstance(tls.get("serverName"), str) else ""
    if server_name:
        if skip_hostname and server_name != host:
            notes.append(f"`serverName: {server_name}` not carried over: with `skipHostnameVerification` the MES uses "
                         f"`mode: SkipSAN`, which ignores `serverName` (the SNI becomes {host}).")
        elif not is_dns_name(server_name):
            notes.append(f"`serverName: {server_name}` not carried over: an MES needs a DNS name there.")
        elif not skip_hostname:
            verification["serverName"] = server_name
    if skip_hostname:
        verification["mode"] = "SkipSAN"
    for field_name in TLS_FIELDS:
        if sources[field_name] is not None:
            verification[field_name] = sources[field_name]
    if sources["caCert"] is None and not tls.get("caCert"):
        notes.append("The ExternalService had no `caCert`, so it did not verify the server at all; the MES verifies "
                     "it against the zone egress's system CA bundle (Kuma 2.10+; 2.9 does not). If the server's "
                     "certificate is not publicly trusted, add `caCert`.")
    if verification:
        out["verification"] = verification
    return out


def _source(field_name: str, value: Any, es: Resource, name: str, version: KumaVersion, notes: list[str],
            secrets: list[SecretToCreate], copy_inline: bool) -> dict[str, Any] | None:
    if not isinstance(value, Mapping) or not value:
        return None
    current = version.uses_secure_datasource
    members = [k for k in ("secret", "inline", "inlineString", "file") if value.get(k) is not None]
    if len(members) > 1:
        notes.append(f"`{field_name}` sets {', '.join(members)}; the first is used.")
    member = members[0] if members else ""
    if member == "secret" and isinstance(value.get("secret"), str) and value["secret"]:
        secret = value["secret"]
        return ({"type": "Secret", "secretRef": {"kind": "Secret", "name": secret}} if current else {"secret": secret})
    if member == "file":
        notes.append(f"`{field_name}` reads the file {value.get('file')!r} of the proxy: an MES cannot read files "
                     f"(put the PEM in a Secret and reference it); not carried over.")
        return None
    if member in ("inline", "inlineString"):
        text = _inline_text(value.get(member), member)
        if copy_inline and field_name != "clientKey" and text is not None and _certificate_only(text):
            if current:
                return {"type": "InsecureInline", "insecureInline": {"value": text}}
            return {"inlineString": text}
        secret = f"{name}-{_kebab(field_name)}"
        secrets.append(SecretToCreate(secret, field_name, es.mesh))
        what = "a private key" if field_name == "clientKey" else "TLS material"
        notes.append(f"`{field_name}` was inline: MES Doctor does not copy {what}; the MES references Secret "
                     f"`{secret}` (mesh {es.mesh}), which you create from the same PEM (commands below).")
        return ({"type": "Secret", "secretRef": {"kind": "Secret", "name": secret}} if current else {"secret": secret})
    notes.append(f"`{field_name}` is empty or unreadable: not carried over.")
    return None


def _inline_text(value: Any, member: str) -> str | None:
    if not isinstance(value, str):
        return None
    if member == "inlineString":
        return value
    try:
        data = base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
        return data.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _certificate_only(text: str) -> bool:
    return "-----BEGIN CERTIFICATE-----" in text and "PRIVATE KEY" not in text


def _kebab(field_name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"-\1", field_name).lower()
