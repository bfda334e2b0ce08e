"""IP vs DNS-name classification as kuma-cp does it (Go `net.ParseIP`, govalidator `IsDNSName`).

The endpoint builder needs it to decide STATIC vs STRICT_DNS clusters and whether the first
endpoint can serve as SNI (reference section 2.4).
"""

from __future__ import annotations

import ipaddress
import re

_DNS = re.compile(r"^([a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62}){1}(\.[a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62})*[\._]?$")


# characters an IP literal can hold: a text with any other character is a name, and `ip_address`
# would only fail on it (slowly: it raises twice)
_NOT_IP_CHARS = str.maketrans("", "", "0123456789abcdefABCDEF:.")


def is_ip(value: object) -> bool:
    if not isinstance(value, str) or "%" in value:  # Go's ParseIP rejects IPv6 zones
        return False
    if value.translate(_NOT_IP_CHARS):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_dns_name(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    return len(value.replace(".", "")) <= 255 and not is_ip(value) and bool(_DNS.match(value))
