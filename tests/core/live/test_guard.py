"""The network guard on its own: which addresses and names are refused, in which spellings, and that a
connection resolves its host once and connects to exactly the address that was checked."""

from __future__ import annotations

import ipaddress
import socket
import threading

import pytest

from core.live import guard as guard_module
from core.live.guard import BlockedTarget, NetworkGuard, blocked_reason, parse_address

REFUSED = [
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, Hetzner metadata
    "169.254.170.2",  # AWS ECS task metadata
    "169.254.0.1",
    "169.254.255.255",
    "fe80::1",
    "fe80::a9fe:a9fe",  # OpenStack metadata over IPv6
    "fe80::1%eth0",
    "febf:ffff::1",  # the top of fe80::/10
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fd20:ce::254",  # Google Cloud metadata over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud classic
    "168.63.129.16",  # Azure WireServer
    "::ffff:169.254.169.254",  # IPv4-mapped
    "::ffff:a9fe:a9fe",
    "::169.254.169.254",  # IPv4-compatible
    "64:ff9b::169.254.169.254",  # NAT64
    "2002:a9fe:a9fe::1",  # 6to4
    "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo, client 169.254.169.254 (obfuscated)
    "::ffff:100.100.100.200",
    "0xa9fea9fe",  # inet_aton spellings of 169.254.169.254
    "2852039166",
    "169.254.43518",
    "0251.0376.0251.0376",
]
ALLOWED = ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.10", "172.16.0.1", "8.8.8.8", "100.100.100.201",
           "fd00:ec2::253", "fec0::1", "::ffff:10.0.0.1", "::", "0.0.0.0", "2001:db8::1"]


@pytest.mark.parametrize("text", REFUSED)
def test_link_local_and_metadata_addresses_are_refused(text):
    address = parse_address(text)
    assert address is not None and blocked_reason(address) in ("link-local", "cloud metadata")
    with pytest.raises(BlockedTarget, match="is a link-local / cloud metadata address"):
        NetworkGuard().check_host(text, "test")
    NetworkGuard(allow_link_local=True).check_host(text, "test")  # the operator's explicit opt-out


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_addresses_pass(text):
    address = parse_address(text)
    assert address is not None and blocked_reason(address) is None
    NetworkGuard().check_host(text, "test")


@pytest.mark.parametrize("name", ["metadata.google.internal", "Metadata.Google.Internal.", "metadata",
                                  "metadata.goog", "instance-data", "instance-data.ec2.internal",
                                  "metadata.azure.com", "metadata.tencentyun.com", "[169.254.169.254]"])
def test_metadata_host_names_are_refused_without_a_lookup(name):
    def no_lookup(host: str) -> list[str]:
        raise AssertionError(f"looked up {host}")

    with pytest.raises(BlockedTarget):
        NetworkGuard(resolver=no_lookup).check_host(name, "test")


def test_ordinary_names_are_not_refused_by_name():
    for name in ("kuma-cp.kuma-system", "metadata.example.com", "my-metadata.internal", "localhost"):
        NetworkGuard().check_host(name, "test")


def test_the_message_names_the_target_and_how_to_allow_it():
    with pytest.raises(BlockedTarget) as caught:
        NetworkGuard(hint="allow it with --allow-link-local").check_host("0xa9fea9fe", "https://x")
    assert str(caught.value) == ("https://x: 0xa9fea9fe (169.254.169.254) is a link-local / cloud metadata "
                                 "address; MES Doctor does not connect there (allow it with --allow-link-local)")


class Listener:
    """A TCP listener on 127.0.0.1 counting accepted connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_a_name_resolving_to_a_metadata_address_is_refused_before_connecting():
    calls: list[str] = []

    def resolver(host: str) -> list[str]:
        calls.append(host)
        return ["127.0.0.1", "169.254.169.254"]  # one bad address among good ones is enough

    listener = Listener()
    try:
        with pytest.raises(BlockedTarget, match=r"rebind\.test resolves to 169\.254\.169\.254"):
            NetworkGuard(resolver=resolver).create_connection(("rebind.test", listener.port), 1.0, label="t")
    finally:
        listener.close()
    assert calls == ["rebind.test"] and listener.accepted == 0


def test_one_resolution_per_connection_and_the_socket_goes_to_the_checked_address():
    """DNS rebinding: the first answer is checked and connected to; a later answer cannot swap it."""
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    calls: list[str] = []

    def resolver(host: str) -> list[str]:
        calls.append(host)
        return next(answers)

    listener = Listener()
    try:
        sock = NetworkGuard(resolver=resolver).create_connection(("cp.test", listener.port), 1.0, label="t")
        assert sock.getpeername() == ("127.0.0.1", listener.port)
        sock.close()
        assert calls == ["cp.test"], "resolved exactly once"
        with pytest.raises(BlockedTarget):  # the next connection resolves again and is checked again
            NetworkGuard(resolver=resolver).create_connection(("cp.test", listener.port), 1.0, label="t")
    finally:
        listener.close()


def test_an_unresolvable_name_is_a_resolution_error():
    def resolver(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(socket.gaierror):
        NetworkGuard(resolver=resolver).create_connection(("nowhere.test", 80), 1.0)


def test_the_default_resolver_can_be_replaced(monkeypatch):
    monkeypatch.setattr(guard_module, "DEFAULT_RESOLVER", lambda host: ["169.254.169.254"])
    with pytest.raises(BlockedTarget):
        NetworkGuard().create_connection(("anything.test", 80), 1.0)
    allowed = NetworkGuard(allow_link_local=True)
    assert allowed.resolve("anything.test") == ["169.254.169.254"]


def test_through_a_proxy_the_name_is_checked_and_resolved_when_possible():
    resolved = NetworkGuard(resolver=lambda host: ["169.254.169.254"])
    with pytest.raises(BlockedTarget):
        resolved.check_through_proxy("internal.test", "t")

    def unknown(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "unknown")

    NetworkGuard(resolver=unknown).check_through_proxy("only-the-proxy-knows.test", "t")  # left to the proxy
    with pytest.raises(BlockedTarget):
        NetworkGuard(resolver=unknown).check_through_proxy("metadata.google.internal", "t")


def test_the_system_resolver_answers_for_localhost():
    addresses = guard_module.system_resolver("localhost")
    assert addresses and all(ipaddress.ip_address(a).is_loopback for a in addresses)
