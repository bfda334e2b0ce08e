"""Name and address predicates exactly as Kuma (Go) evaluates them.

* `is_ip` follows Go's `net.ParseIP` (what govalidator's `IsIP` calls): IPv4 dotted quad without
  leading zeros, or IPv6 without brackets and without a zone (`%eth0`).
* `is_dns_name` follows govalidator `IsDNSName` (the version pinned by every Kuma branch): not
  empty, at most 255 characters without the dots, not an IP, and the govalidator pattern. So
  upper case, `_`, single labels and a trailing dot pass; `*.example.com`, `host:443`,
  `https://x` and `[::1]` do not.
* The `dns1035_label_errors` / `dns1123_label_errors` / `dns1123_subdomain_errors` functions
  return the k8s.io/apimachinery messages (the versions Kuma 2.10-3.0 vendor), in its order.
* Display name, SNI identifier inputs and the KRI SNI are computed the way Kuma's admission
  sees them (labels the mutating webhook / REST API would add included).

Lengths are measured in UTF-8 bytes, like Go's `len()`.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from core.model import Flavour, Resource
from core.records import record

DISPLAY_NAME = "kuma.io/display-name"
ORIGIN_LABEL = "kuma.io/origin"
ZONE_LABEL = "kuma.io/zone"
MESH_LABEL = "kuma.io/mesh"
NAMESPACE_LABEL = "k8s.kuma.io/namespace"

_DNS_NAME = re.compile(r"([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?")

DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character"
)
DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character"
)
# Kuma's own wording for Universal resource names (`pkg/core/resources/apis/mesh/meta_validator.go`).
KUMA_IDENTIFIER_MSG = (
    "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)

_DNS1035 = re.compile(DNS1035_LABEL_FMT)
_DNS1123_LABEL = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN_FMT)

DNS_HOSTNAME_LIMIT = 253


def byte_len(text: str) -> int:
    """Length as Go's `len(string)` counts it (UTF-8 bytes)."""
    return len(text.encode("utf-8", "surrogatepass"))


# characters an IP literal can hold: a text with any other character is a name, and `ip_address`
# would only fail on it (slowly: it raises twice)
_IP_CHARS = "0123456789abcdefABCDEF:."


def is_ip(text: object) -> bool:
    """Go `net.ParseIP(text) != nil` for a plain literal."""
    if not isinstance(text, str) or not text or "%" in text or not text.isascii():
        return False
    if text.strip(_IP_CHARS):  # something is left iff some character cannot be in an IP literal
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_dns_name(text: object) -> bool:
    """govalidator `IsDNSName`: what Kuma accepts as a hostname (endpoint address, serverName)."""
    if not isinstance(text, str) or not text:
        return False
    return _is_dns_name(text)


@lru_cache(maxsize=4096)  # an endpoint address is often the TLS serverName too, and hosts repeat across MES
def _is_dns_name(text: str) -> bool:
    if byte_len(text.replace(".", "")) > 255:
        return False
    return not is_ip(text) and _DNS_NAME.fullmatch(text) is not None


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """apimachinery `RegexError` (note the double space it leaves between examples)."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def dns1035_label_errors(value: str) -> list[str]:
    """apimachinery `IsDNS1035Label` messages (length first, then pattern)."""
    errors: list[str] = []
    if byte_len(value) > 63:
        errors.append(max_len_error(63))
    if _DNS1035.fullmatch(value) is None:
        errors.append(_regex_error(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def dns1123_label_errors(value: str) -> list[str]:
    """apimachinery `IsDNS1123Label` messages (v0.33+: `must not contain dots` for valid subdomains)."""
    return list(_dns1123_label_errors(value))


@lru_cache(maxsize=4096)  # the SNI check asks it for every MES's mesh, zone, namespace and port
def _dns1123_label_errors(value: str) -> tuple[str, ...]:
    errors: list[str] = []
    if byte_len(value) > 63:
        errors.append(max_len_error(63))
    if _DNS1123_LABEL.fullmatch(value) is None:
        if _DNS1123_SUBDOMAIN.fullmatch(value) is not None:
            errors.append("must not contain dots")
        else:
            errors.append(_regex_error(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return tuple(errors)


def dns1123_subdomain_errors(value: str) -> list[str]:
    errors: list[str] = []
    if byte_len(value) > DNS_HOSTNAME_LIMIT:
        errors.append(max_len_error(DNS_HOSTNAME_LIMIT))
    if _DNS1123_SUBDOMAIN.fullmatch(value) is None:
        errors.append(_regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def universal_name_error(name: str) -> str | None:
    """Kuma's Universal API name check (`ValidateMeta`): the first failing rule, or None."""
    if name == "":
        return "cannot be empty"
    if byte_len(name) > DNS_HOSTNAME_LIMIT:
        return "value length must less or equal 253"
    if _DNS1123_SUBDOMAIN.fullmatch(name) is None:
        return KUMA_IDENTIFIER_MSG
    return None


def suggest_dns1035_label(name: str) -> str:
    """A close RFC 1035 label for a rename hint (`My_Service.v2` -> `my-service-v2`)."""
    lowered = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    lowered = re.sub(r"-{2,}", "-", lowered)
    lowered = re.sub(r"^[^a-z]+", "", lowered)[:63].rstrip("-")
    return lowered or "external-service"


# --- identities as Kuma's admission sees them ---------------------------------------------------


def _labels(mes: Resource) -> dict[str, str]:
    labels = mes.labels
    if not labels or not isinstance(labels, dict):
        return {}  # at once for the usual empty labels
    return {str(k): v if isinstance(v, str) else str(v) for k, v in labels.items()}


def _annotations(mes: Resource) -> dict[str, str]:
    annotations = mes.annotations if isinstance(mes.annotations, dict) else {}
    return {str(k): v if isinstance(v, str) else str(v) for k, v in annotations.items()}


def kuma_display_name(mes: Resource) -> str:
    """`model.GetDisplayName` as Kuma computes it for this flavour (see `Resource.display_name`)."""
    return mes.display_name


def kuma_core_name(mes: Resource) -> str:
    """`Meta.GetName()`: `<name>.<namespace>` on Kubernetes, the name on Universal."""
    name = str(mes.name) if mes.name is not None else ""
    if mes.flavour is Flavour.KUBERNETES and mes.namespace:
        return f"{name}.{mes.namespace}"
    return name


def origin_label(mes: Resource) -> str | None:
    return _labels(mes).get(ORIGIN_LABEL)


@record
class SniIdentity:
    """The KRI fields the 2.14+ SNI deprecation check reads."""

    mesh: str
    name: str
    zone: str
    namespace: str
    section: str


def sni_identity(mes: Resource, port: object, zone: str) -> SniIdentity:
    """KRI inputs after the labels a zone control plane adds on write.

    `kuma.io/zone` is added (with the local zone) unless the resource came from Global;
    `k8s.kuma.io/namespace` is added on Kubernetes for locally originated resources.
    `port` is `spec.match.port` (the KRI section name is the port number as text).
    """
    labels = _labels(mes)
    from_global = labels.get(ORIGIN_LABEL) == "global"
    effective_zone = labels.get(ZONE_LABEL, "" if from_global else zone)
    namespace = labels.get(NAMESPACE_LABEL, "")
    if NAMESPACE_LABEL not in labels and mes.flavour is Flavour.KUBERNETES and not from_global:
        namespace = mes.namespace or ""
    section = str(port) if isinstance(port, int) and not isinstance(port, bool) else "0"
    return SniIdentity(str(mes.mesh or ""), kuma_display_name(mes), effective_zone, namespace, section)


def kri_sni(identity: SniIdentity) -> str:
    """`sni.extsvc.<mesh>[.<zone>[.<namespace>]].<name>.<port>` (namespace only with a zone)."""
    segments = ["sni", "extsvc", identity.mesh]
    if identity.zone:
        segments.append(identity.zone)
        if identity.namespace:
            segments.append(identity.namespace)
    segments += [identity.name, identity.section]
    return ".".join(segments)


def sni_format_errors(identity: SniIdentity) -> list[tuple[str, str]]:
    """Kuma `sni.ValidateKRI`: `(field, reason)` pairs, in Kuma's order.

    `field` names what is wrong (`mesh`, `name`, `zone`, `namespace`, `section`, `length`) so a
    caller can point at the right place; `reason` is Kuma's text.
    """
    if not identity.mesh or not identity.name or not identity.section:
        return [("name", "mesh, name and sectionName must be non-empty")]
    errors: list[tuple[str, str]] = []
    fields = [("mesh", identity.mesh), ("name", identity.name)]
    if identity.zone:
        fields.append(("zone", identity.zone))
        if identity.namespace:
            fields.append(("namespace", identity.namespace))
    for field_name, value in fields:
        messages = _dns1123_label_errors(value)
        if messages:
            errors.append((field_name, f"{field_name} {go_quote(value)} does not conform to RFC 1123: "
                                       + "; ".join(messages)))
    section_messages = _dns1123_label_errors(identity.section)
    if section_messages:
        errors.append(("section", "; ".join(section_messages)))
    length = byte_len(kri_sni(identity))
    if length > DNS_HOSTNAME_LIMIT:
        errors.append(("length", f"computed SNI is {length} characters which exceeds the DNS hostname limit "
                                 f"({DNS_HOSTNAME_LIMIT})"))
    return errors


_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b",
               "\f": "\\f", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's `%q` for a string (printable Unicode kept, control characters escaped)."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'
