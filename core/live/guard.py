"""The network guard: live sources never connect to link-local or cloud-metadata addresses.

A cloud VM (or a pod on one) reaches its provider's instance-metadata service at a link-local address
(169.254.169.254 on AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, Hetzner...), which hands out the
machine's credentials to whoever asks. A dashboard that fetches a URL typed by a visitor is the classic way
to reach it (server-side request forgery). The guard refuses those targets for every live source (the Kuma
API, URLs, and the API server of a kubeconfig or of the in-cluster configuration), independently of the
deployment mode, unless the operator allows them (`MESDOCTOR_ALLOW_LINK_LOCAL=yes`, `--allow-link-local`).

Three checks, so neither an odd spelling, DNS nor a redirect can get round it:

* before connecting, the host as written: an address literal in any form the C resolver accepts
  (`169.254.169.254`, `0xa9fea9fe`, `2852039166`, `[::ffff:169.254.169.254]`...) or a well-known metadata
  host name (`metadata.google.internal`...);
* when connecting, every address the host name resolves to (one resolution per connection: the socket
  connects to an address that was checked, so a DNS answer that changes between a check and the connection,
  "DNS rebinding", cannot swap it);
* every redirect target goes through both again.

IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
`64:ff9b::/96`, 6to4 `2002::/16`, Teredo) are judged by the IPv4 address they carry.

Through an HTTP(S) proxy the proxy resolves and connects: the host name is still checked, and resolved here
when possible (a name this machine cannot resolve is left to the proxy); see docs/deploy.md.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.live.errors import LiveSourceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]
"""host name -> its addresses, as text (`socket.getaddrinfo` in production; tests inject a stub)."""

ALLOW_VARIABLE = "MESDOCTOR_ALLOW_LINK_LOCAL"
ALLOW_FLAG = "--allow-link-local"

LINK_LOCAL_NETWORKS = (
    ipaddress.ip_network("169.254.0.0/16"),  # IPv4 link-local: 169.254.169.254 metadata services, ECS 169.254.170.2
    ipaddress.ip_network("fe80::/10"),  # IPv6 link-local (OpenStack's metadata: fe80::a9fe:a9fe)
)
METADATA_ADDRESSES = (
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS instance metadata over IPv6
    ipaddress.ip_network("fd20:ce::254/128"),  # Google Cloud metadata server over IPv6
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
    ipaddress.ip_network("192.0.0.192/32"),  # Oracle Cloud (classic) metadata
    ipaddress.ip_network("168.63.129.16/32"),  # Azure WireServer (host agent, certificates of extensions)
)
METADATA_NAMES = frozenset({
    "metadata",  # GCE's short name (resolved through the search domain)
    "metadata.google.internal",
    "metadata.goog",
    "metadata.azure.com",
    "metadata.azure.internal",
    "instance-data",  # AWS EC2
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
    "metadata.packet.net",  # Equinix Metal
    "metadata.platformequinix.com",
    "rancher-metadata",
})
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def system_resolver(host: str) -> list[str]:
    """The addresses of `host` (in the resolver's order, without repeats); socket.gaierror when none."""
    seen: dict[str, None] = {}
    for *_, sockaddr in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM):
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


DEFAULT_RESOLVER: Resolver = system_resolver  # replaced by tests (a loopback resolver stub)


class BlockedTarget(LiveSourceError):
    """The guard refused a target: a link-local or cloud-metadata address (or a name resolving to one)."""

    def __init__(self, source: str, host: str, address: str | None, hint: str, *, resolved: bool = False) -> None:
        if resolved:
            head = f"{host} resolves to {address}, a link-local / cloud metadata address"
        else:
            shown = host if address is None or address == host else f"{host} ({address})"
            head = f"{shown} is a link-local / cloud metadata address"
        super().__init__(source, f"{head}; MES Doctor does not connect there ({hint})")
        self.host = host
        self.address = address


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's (obfuscated) address; the server part is public by design
    packed = address.packed
    if packed[:12] == bytes(12) and int(address) > 1:  # IPv4-compatible ::a.b.c.d (not :: or ::1)
        return ipaddress.IPv4Address(packed[12:])
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(packed[12:])
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """`link-local` or `cloud metadata` when the address must not be connected to, else None."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(int(address))  # fe80::1%eth0: the zone does not change the verdict
        inner = embedded_ipv4(address)
        if inner is not None and blocked_reason(inner):
            return blocked_reason(inner)
    if any(address.version == net.version and address in net for net in LINK_LOCAL_NETWORKS):
        return "link-local"
    if any(address.version == net.version and address in net for net in METADATA_ADDRESSES):
        return "cloud metadata"
    return None


def parse_address(host: str) -> IPAddress | None:
    """`host` as an IP address when it is one, in any spelling the C resolver accepts (inet_aton's
    decimal, octal and hexadecimal forms included); None for a host name."""
    text = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if text and all(c in "0123456789abcdefxABCDEFX." for c in text) and any(c.isdigit() for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def canonical(address: IPAddress) -> str:
    """How an address is named in messages: an IPv6 form carrying an IPv4 address by that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and blocked_reason(inner):
            return str(inner)
    return str(address)


def normalise_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot (`Metadata.Google.Internal.` is the same name)."""
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class NetworkGuard:
    """What the guard allows, and how names are resolved. `allow_link_local` is the operator's explicit
    opt-out; `resolver` None means `DEFAULT_RESOLVER` (looked up at call time, so tests can replace it);
    `hint` tells the user how the operator would allow it (different for the CLI and the dashboard)."""

    allow_link_local: bool = False
    resolver: Resolver | None = None
    hint: str = f"the operator can allow it with {ALLOW_VARIABLE}=yes, or {ALLOW_FLAG} on the command line"

    def resolve(self, host: str) -> list[str]:
        resolver = self.resolver or DEFAULT_RESOLVER
        return list(resolver(host))

    def check_host(self, host: str, label: str) -> None:
        """Before connecting: refuse an address literal or a well-known metadata name (no DNS lookup)."""
        if self.allow_link_local:
            return
        name = normalise_host(host)
        address = parse_address(name)
        if address is not None:
            if blocked_reason(address):
                raise BlockedTarget(label, name, canonical(address), self.hint)
            return
        if name in METADATA_NAMES:
            raise BlockedTarget(label, name, None, self.hint)

    def check_addresses(self, host: str, addresses: Sequence[str], label: str) -> None:
        if self.allow_link_local:
            return
        for text in addresses:
            address = parse_address(text)
            if address is not None and blocked_reason(address):
                raise BlockedTarget(label, normalise_host(host), canonical(address), self.hint, resolved=True)

    def check_through_proxy(self, host: str, label: str) -> None:
        """A target reached through a proxy: the name, then its addresses when this machine can resolve it."""
        self.check_host(host, label)
        if self.allow_link_local or parse_address(normalise_host(host)) is not None:
            return
        try:
            addresses = self.resolve(normalise_host(host))
        except OSError:
            return  # the proxy may know names this machine does not
        self.check_addresses(host, addresses, label)

    def create_connection(self, address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                          source_address: tuple[str, int] | None = None, *, label: str = "",
                          socket_options: Sequence[tuple[int, int, Any]] | None = None) -> socket.socket:
        """`socket.create_connection`, resolving once and connecting only to the addresses that were checked.

        Raises BlockedTarget (before any connection is attempted) when any address of the host is refused,
        socket.gaierror when the name does not resolve, OSError when no address accepts the connection.
        """
        host, port = address
        self.check_host(host, label or host)
        name = normalise_host(host)
        literal = parse_address(name)
        addresses = [str(literal)] if literal is not None else self.resolve(name)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        self.check_addresses(host, addresses, label or host)
        error: OSError | None = None
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            target: tuple[Any, ...] = (text, port, 0, 0) if family == socket.AF_INET6 else (text, port)
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in socket_options or ():
                    sock.setsockopt(*option)
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(target)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        assert error is not None
        raise error
