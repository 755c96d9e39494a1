"""The address policy: which IP addresses the service may connect to on behalf of a user.

The URLs we fetch come from blackmailers, so every destination is treated as an attack on our own
network (SSRF). The rule is decided on the address a socket is about to connect to — never on
host-name text — and only globally routable unicast addresses pass.

Python's `ipaddress` flags are not enough on their own (see shared facts, outbound-safety.md):
`IPv4Address('100.64.0.1').is_private` is False, `is_global` is True for 224.0.0.1, 192.0.0.192,
`::127.0.0.1`, `64:ff9b::a9fe:a9fe` and `2002:7f00:1::`, and `::ffff:127.0.0.1` is not
`is_loopback`.
So IPv6 forms that embed an IPv4 address are unwrapped first, then the explicit table below is
applied, then `is_global` is required.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Refused ranges, with the reason reported to the user and in metrics. Order matters only for the
# reason shown: the first match wins. Sources: RFC 6890 special-purpose registries, Stripe
# smokescreen's deny list, Advocate's defaults.
_DENY_TABLE: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),  # "this network" (RFC 791); 0.0.0.0 reaches localhost on Linux
    ("10.0.0.0/8", "private"),  # RFC 1918
    ("100.64.0.0/10", "cgnat"),  # RFC 6598 shared address space; is_private is False for it
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link_local"),  # includes 169.254.169.254, cloud metadata services
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments (192.0.0.192 is_global=True!)
    ("192.0.2.0/24", "documentation"),  # TEST-NET-1
    ("192.88.99.0/24", "reserved"),  # deprecated 6to4 relay anycast
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),  # benchmarking
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # includes 255.255.255.255 broadcast
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "reserved"),  # deprecated IPv4-compatible addresses (::127.0.0.1 is_global=True!)
    ("100::/64", "reserved"),  # discard-only
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "private"),  # unique local
    ("fe80::/10", "link_local"),
    ("fec0::/10", "reserved"),  # deprecated site-local
    ("ff00::/8", "multicast"),
)
DENY_NETWORKS: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), reason) for cidr, reason in _DENY_TABLE
)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use translation


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an address was refused. `reason` is a stable code; `address` is for evidence only."""

    reason: str
    address: str

    def describe(self) -> str:
        return f"{self.address} is a {self.reason.replace('_', '-')} address"


def unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden inside an IPv6 form, or the address itself.

    Covers IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96 and 64:ff9b:1::/48), 6to4
    (2002::/16) and Teredo (2001::/32, where the client address is stored inverted).
    """
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        # Teredo embeds both the server and the (obfuscated) client: refuse if either is bad.
        server, client = address.teredo
        return client if classify_plain(client) else server
    return address


def classify_plain(address: IPAddress) -> str | None:
    """The refusal reason for an address, without unwrapping; None when it is public unicast."""
    for network, reason in DENY_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.is_multicast:
        return "multicast"
    if not address.is_global:
        return "reserved"
    return None


class AddressPolicy:
    """Decides, for one concrete address, whether a connection may be attempted."""

    def __init__(
        self,
        allow_networks: Iterable[str] = (),
        local_addresses: Iterable[IPAddress] | None = None,
    ) -> None:
        self.allow_networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(cidr, strict=False) for cidr in allow_networks
        )
        self.local_addresses = frozenset(
            machine_addresses() if local_addresses is None else local_addresses
        )

    def check(self, host: str) -> Refusal | None:
        """None if `host` (an IP address in text form, IPv6 without brackets) may be dialled."""
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone id
        except ValueError:
            return Refusal("not_an_address", host)
        if self._allowed(address):
            return None
        inner = unwrap(address)
        if inner != address and self._allowed(inner):
            return None
        for candidate in (inner, address):  # name the embedded address first: more telling
            reason = classify_plain(candidate)
            if reason:
                return Refusal(reason, str(address))
        if address in self.local_addresses or inner in self.local_addresses:
            return Refusal("own_address", str(address))
        return None

    def _allowed(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.allow_networks)


def machine_addresses() -> set[IPAddress]:
    """Addresses this machine answers on, so a public VM cannot be made to fetch from itself.

    Read from /proc on Linux (no subprocess, no extra dependency); elsewhere from the host name.
    """
    found: set[IPAddress] = set()
    fib = Path("/proc/net/fib_trie")
    if fib.is_file():
        lines = fib.read_text().splitlines()
        for previous, line in itertools.pairwise(lines):
            if "/32 host LOCAL" in line:
                candidate = previous.strip().lstrip("|-+ ").strip()
                try:
                    found.add(ipaddress.IPv4Address(candidate))
                except ValueError:
                    continue
    inet6 = Path("/proc/net/if_inet6")
    if inet6.is_file():
        for line in inet6.read_text().splitlines():
            raw = line.split()[0] if line.split() else ""
            if len(raw) == 32:
                found.add(ipaddress.IPv6Address(int(raw, 16)))
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
    except OSError:
        pass
    return found
