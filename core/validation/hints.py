"""What to change: a hint (and, where it helps, a YAML fix) for every schema and validator violation.

Fix snippets are YAML fragments at the level of the field's parent. They never contain secret
material: placeholders stand where PEM text would go.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from core.model import Flavour, Resource
from core.validation.kuma_validator import VALIDATOR_MODES, name_for_length_check
from core.validation.names import go_quote, is_dns_name, is_ip, suggest_dns1035_label
from core.validation.schema import DATA_SOURCE_FIELDS, MATCH_PROTOCOLS, TLS_VERSIONS, node_at
from core.validation.values import json_type
from core.validation.violation import Violation
from core.versions import KumaVersion

Hint = tuple[str, str]  # (hint, fix)

_PEM_PLACEHOLDER = "-----BEGIN CERTIFICATE-----\n      ...\n      -----END CERTIFICATE-----"


def _leaf(path: str) -> str:
    return re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]


def _parent(path: str) -> str:
    return path.rsplit(".", 1)[0]


def _index(path: str) -> str:
    found = re.findall(r"\[(\d+)\]", path)
    return found[-1] if found else "0"


# --- schema ---------------------------------------------------------------------------------------


def schema_hint(violation: Violation, version: KumaVersion) -> Hint:
    rule, path = violation.rule, violation.path
    leaf = _leaf(path)
    if rule == "required":
        return _required_hint(path, leaf, version)
    if rule == "type":
        expected = violation.allowed[0] if violation.allowed else "value"
        value = violation.value
        if expected == "integer" and isinstance(value, str) and value.strip().isdigit():
            return (f"Write `{leaf}` as a number without quotes.", f"{leaf}: {int(value.strip())}\n")
        if expected == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            return (f"Write `{leaf}` as a YAML boolean without quotes.", f"{leaf}: {value.lower()}\n")
        subject = f"Each `{leaf}` entry" if path.endswith("]") else f"`{leaf}`"
        if value is None:
            return (f"{subject} is null: remove it or give it {_article(expected)} {expected} value.", "")
        return (f"{subject} must be {_article(expected)} {expected}, not {_article(json_type(value))} "
                f"{json_type(value)}; check the indentation and the field's shape.", "")
    if rule in ("minimum", "maximum"):
        if leaf == "priority":
            return ("Use a priority between 0 and 128 (0 is preferred; use consecutive values).", "priority: 0\n")
        return ("Use a port between 1 and 65535.", f"{leaf}: 443\n")
    if rule == "minLength":
        return ("Set the endpoint address to a hostname or IP.", "address: api.example.com\n")
    if rule == "enum":
        allowed = ", ".join(violation.allowed)
        if violation.value == "":
            return (f"Remove `{leaf}` (the schema default applies) or use one of: {allowed}. The schema does not "
                    "accept an empty string.", "")
        return (f"Use one of: {allowed}.", f"{leaf}: {violation.allowed[0]}\n")
    if rule == "byte":
        field = _leaf(_parent(path))
        return ("`inline` holds base64 of the PEM. Put PEM text in `inlineString` instead, or base64-encode the "
                "file (`base64 -w0 ca.pem`).", f"{field}:\n  inlineString: |\n      {_PEM_PLACEHOLDER}\n")
    if rule == "unknown":
        return _unknown_hint(violation, version)
    return ("", "")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _required_hint(path: str, leaf: str, version: KumaVersion) -> Hint:
    if path == "spec.match":
        return ("Add `spec.match` with the port clients dial on the MES hostname.",
                "match:\n  type: HostnameGenerator\n  port: 443\n  protocol: tcp\n")
    if path == "spec.match.port":
        return ("Add the port clients dial on the MES hostname (1-65535).", "port: 443\n")
    if path.startswith("spec.endpoints[") and leaf in ("address", "port"):
        return ("Every endpoint needs an `address` (hostname or IP) and a `port`.",
                "- address: api.example.com\n  port: 443\n")
    if leaf == "value" and "subjectAltNames" in path:
        return ("Give the SAN to match in `value`.", "- type: Exact\n  value: api.example.com\n")
    if path == "spec.extension.config":
        return (f"Kuma {version} requires `extension.config`; an empty object is enough.",
                "extension:\n  type: <extension type>\n  config: {}\n")
    if path == "spec.extension.type":
        return ("Set the extension type your Kuma distribution handles, or remove `extension`.", "")
    if leaf == "type" and _leaf(_parent(path)) in DATA_SOURCE_FIELDS:
        return ("Kuma 3.0 data sources need `type: Secret` (with `secretRef`) or `type: InsecureInline` (with "
                "`insecureInline.value`).", "type: Secret\nsecretRef:\n  kind: Secret\n  name: <secret name>\n")
    if leaf in ("kind", "name") and path.endswith(f"secretRef.{leaf}"):
        return ("`secretRef` needs `kind: Secret` and the Secret's `name`.", "secretRef:\n  kind: Secret\n  name: "
                "<secret name>\n")
    return (f"Add `{leaf}`.", "")


def _unknown_hint(violation: Violation, version: KumaVersion) -> Hint:
    path = violation.path
    name = str(violation.value or _leaf(path))
    parent = node_at(version, _parent(path))
    if parent is not None and parent.type == "array" and parent.items is not None:
        parent = parent.items
    known = sorted(parent.properties) if parent is not None else []
    in_data_source = _leaf(_parent(path)) in DATA_SOURCE_FIELDS
    if in_data_source and not version.uses_secure_datasource and name in ("type", "secretRef", "insecureInline",
                                                                         "file", "envVar"):
        return (f"`{name}` belongs to the Kuma 3.0 data-source shape; Kuma {version} drops it and the data source "
                "loads nothing. Use `secret: <name>` or `inlineString: <PEM>`.", "secret: <secret name>\n")
    if in_data_source and version.uses_secure_datasource and name in ("secret", "inline", "inlineString"):
        return ("Kuma 3.0 removed the legacy members: use `type: Secret` + `secretRef`, or `type: InsecureInline` + "
                "`insecureInline.value` (decoded PEM text).",
                "type: Secret\nsecretRef:\n  kind: Secret\n  name: <secret name>\n")
    close = process.extractOne(name, known, scorer=fuzz.ratio, score_cutoff=60)
    if close:
        return (f"Did you mean `{close[0]}`? Unknown fields are dropped and have no effect.", "")
    listed = ", ".join(f"`{k}`" for k in known)
    return (f"Remove it: it has no effect. Known fields here: {listed}." if listed else "Remove it: it has no effect.",
            "")


def priority_hint(version: KumaVersion) -> Hint:
    return (f"`priority` needs Kuma 2.14+; {version} drops it, so every endpoint gets the same priority. Remove it "
            "or upgrade.", "")


# --- Kuma validator -------------------------------------------------------------------------------


def kuma_hint(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    handler = _KUMA_HINTS.get(violation.rule)
    return handler(violation, mes, version) if handler else ("", "")


def _n1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    checked = name_for_length_check(mes, version)
    if version.name_length_uses_core_name and mes.flavour is Flavour.KUBERNETES and mes.namespace:
        room = 63 - len(mes.namespace) - 1
        return (f"Kuma {version} checks the core name `{checked}` ({len(checked)} characters): shorten "
                f"`metadata.name` to at most {room} characters in namespace `{mes.namespace}` (2.11+ checks the "
                "display name only).", "")
    return (f"Shorten the name (`{checked}` has {len(checked)} characters) to at most 63; it also becomes the "
            "hostname label.", "")


def _n2(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    suggestion = suggest_dns1035_label(str(violation.value or mes.name))
    field = "the `kuma.io/display-name` annotation" if mes.flavour is Flavour.KUBERNETES else "the name"
    return (f"Kuma 3.0 needs an RFC 1035 label (lower-case letters, digits, `-`; starts with a letter). Rename, "
            f"e.g. `{suggestion}` (also check {field}).", f"name: {suggestion}\n")


def _m1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("Remove `type` (it defaults to HostnameGenerator) or set it to `HostnameGenerator`.",
            "type: HostnameGenerator\n")


_MISSING = "It is missing (the API server's schema check reports `Required value`): "


def _m2(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    if violation.value is None:
        return (_MISSING + "add the port clients dial on the MES hostname (1-65535).", "port: 443\n")
    return ("Set `spec.match.port` to the port clients dial on the MES hostname (1-65535), e.g. 80 or 443.",
            "port: 443\n")


def _m3(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    value = violation.value
    if value in (None, ""):
        if mes.flavour is Flavour.UNIVERSAL and not version.applies_universal_defaults:
            return ("Kuma 2.9 on Universal applies no schema defaults: write the protocol explicitly.",
                    "protocol: tcp\n")
        return ("Set the protocol.", "protocol: tcp\n")
    if isinstance(value, str) and value.lower() in ("https", "tls", "ssl"):
        return (f"`{value}` is not a MES protocol. For TLS originated by the egress use `protocol: http` with "
                "`tls.enabled: true`; to pass the application's own TLS through use `protocol: tcp`.",
                "protocol: tcp\n")
    if isinstance(value, str) and value.lower() in MATCH_PROTOCOLS:
        return (f"Protocols are lower case: use `{value.lower()}`.", f"protocol: {value.lower()}\n")
    return ("Use one of tcp, grpc, http, http2.", "protocol: tcp\n")


def _e1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    if violation.value is None:
        return (_MISSING + "add the port the external service listens on.", "port: 443\n")
    return ("Give the endpoint the port the external service listens on (1-65535).", "port: 443\n")


def _e2(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    address = violation.value if isinstance(violation.value, str) else ""
    if address.startswith("unix://"):
        return ("Kuma 2.9.0 removed Unix socket endpoints (kumahq/kuma#11350): expose the service on a TCP address "
                "(hostname or IP and port) and point the endpoint there.", "- address: 127.0.0.1\n  port: 8080\n")
    if "://" in address:
        url = _split_url(address)
        if url is not None:
            host, port = url
            return ("Use the bare hostname: no scheme, port or path (the port goes in `port`).",
                    f"- address: {host}\n  port: {port}\n")
    if address.startswith("[") and address.endswith("]") and is_ip(address[1:-1]):
        return ("Write IPv6 addresses without brackets.", f"address: \"{address[1:-1]}\"\n")
    host, sep, port_text = address.rpartition(":")
    if sep and port_text.isdigit() and (is_dns_name(host) or is_ip(host)):
        return ("Put the port in `port`, not in the address.", f"- address: {host}\n  port: {port_text}\n")
    if address.startswith("*."):
        return ("Wildcards are not allowed: list each hostname as its own endpoint (or its own MES).", "")
    if violation.value is None:
        return (_MISSING + "add the endpoint's hostname or IP.", "address: api.example.com\n")
    if address == "":
        return ("Set the endpoint address to a hostname or IP.", "address: api.example.com\n")
    return ("Use a plain IP (no leading zeros, no brackets) or hostname (letters, digits, `-`, `_`, dots).", "")


def _split_url(address: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or not (is_dns_name(host) or is_ip(host)):
        return None
    return host, port or (443 if parts.scheme == "https" else 80)


def _v1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    bound = _leaf(violation.path)
    text = str(violation.value or "")
    digits = re.sub(r"\D", "", text)
    guess = {"10": "TLS10", "11": "TLS11", "12": "TLS12", "13": "TLS13"}.get(digits[-2:] if len(digits) >= 2 else "")
    allowed = ", ".join(TLS_VERSIONS)
    if guess:
        return (f"Kuma spells TLS versions {allowed}: use `{guess}`.", f"{bound}: {guess}\n")
    return (f"Use one of {allowed}.", f"{bound}: TLSAuto\n")


def _v2(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("`min` is above `max`: swap them or lower `min`.", "version:\n  min: TLS12\n  max: TLS13\n")


def _t1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    value = str(violation.value or "")
    if is_ip(value):
        return ("`serverName` is sent as SNI and cannot be an IP. Remove it and, if the certificate carries the IP, "
                "match it with `subjectAltNames`.", f"subjectAltNames:\n  - type: Exact\n    value: \"{value}\"\n")
    return ("Use the hostname the server certificate is issued for (no scheme, port or wildcard).", "")


def _t2(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return (f"Use one of {', '.join(VALIDATOR_MODES)} (Secured verifies CA and hostname).", "mode: Secured\n")


def _t3(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    if violation.value in (None, "") and mes.flavour is Flavour.UNIVERSAL and not version.applies_universal_defaults:
        return ("Kuma 2.9 on Universal applies no schema defaults: write the SAN type explicitly.", "type: Exact\n")
    return ("SAN matching supports `Exact` and `Prefix` only (no regular expressions).", "type: Exact\n")


def _t4(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("Client TLS needs both: add `clientKey` next to `clientCert` (or remove `clientCert`).",
            _ds_fix("clientKey", version))


def _t5(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("Client TLS needs both: add `clientCert` next to `clientKey` (or remove `clientKey`).",
            _ds_fix("clientCert", version))


def _ds_fix(field: str, version: KumaVersion) -> str:
    if version.uses_secure_datasource:
        return f"{field}:\n  type: Secret\n  secretRef:\n    kind: Secret\n    name: <secret name>\n"
    return f"{field}:\n  secret: <secret name>\n"


def _d1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    field = _leaf(_parent(violation.path))
    return (f"`{violation.value}` would make the control plane read its own files/environment and is refused on "
            "MeshExternalService: store the PEM in a mesh Secret and reference it.", _ds_fix(field, version))


def _d2(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("A `type: Secret` data source needs `secretRef`.", "secretRef:\n  kind: Secret\n  name: <secret name>\n")


def _d3(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("`secretRef.kind` must be `Secret` (a mesh-scoped Secret; GlobalSecrets cannot be used).", "kind: Secret\n")


def _d4(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("Name the mesh Secret holding the PEM.", "name: <secret name>\n")


def _d5(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    return ("Give the PEM text (plain, not base64) in `insecureInline.value`, or use `type: Secret`.",
            f"insecureInline:\n  value: |\n    {_PEM_PLACEHOLDER}\n")


def _d6(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    field = _leaf(_parent(violation.path))
    source = _data_source(mes, field)
    if violation.value in (None, "") and isinstance(source, dict):
        if source.get("secret") is not None:
            name = source.get("secret")
            shown = name if isinstance(name, str) and name else "<secret name>"
            return ("This is the legacy (2.x) shape, which 3.0 rejects: `secret: <name>` becomes `type: Secret` "
                    "with `secretRef`.", f"{field}:\n  type: Secret\n  secretRef:\n    kind: Secret\n    name: "
                    f"{go_quote(shown) if ':' in shown else shown}\n")
        if source.get("inline") is not None or source.get("inlineString") is not None:
            decoded = " (decode the base64 of `inline` first)" if source.get("inline") is not None else ""
            return ("This is the legacy (2.x) shape, which 3.0 rejects: inline PEM becomes `type: InsecureInline` "
                    f"with `insecureInline.value`{decoded}.",
                    f"{field}:\n  type: InsecureInline\n  insecureInline:\n    value: |\n      {_PEM_PLACEHOLDER}\n")
    return ("Use `type: Secret` (with `secretRef`) or `type: InsecureInline` (with `insecureInline.value`).",
            _ds_fix(field, version))


def _x1(violation: Violation, mes: Resource, version: KumaVersion) -> Hint:
    if violation.value is None:
        return (_MISSING + "set the extension type handled by your Kuma distribution, or remove `extension`.", "")
    return ("Set the extension type handled by your Kuma distribution, or remove `extension` and list `endpoints`.",
            "")


def _data_source(mes: Resource, field: str) -> Any:
    spec = mes.spec if isinstance(mes.spec, dict) else {}
    tls = spec.get("tls")
    verification = tls.get("verification") if isinstance(tls, dict) else None
    return verification.get(field) if isinstance(verification, dict) else None


_KUMA_HINTS = {
    "N1": _n1, "N2": _n2, "M1": _m1, "M2": _m2, "M3": _m3, "E1": _e1, "E2": _e2, "V1": _v1, "V2": _v2,
    "T1": _t1, "T2": _t2, "T3": _t3, "T4": _t4, "T5": _t5, "D1": _d1, "D2": _d2, "D3": _d3, "D4": _d4,
    "D5": _d5, "D6": _d6, "X1": _x1,
}
