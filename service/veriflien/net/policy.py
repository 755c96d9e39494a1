"""The address policy: which IP addresses the service may connect to on behalf of a user.

The URLs we fetch come from blackmailers, so every destination is treated as an attack on our own
network (SSRF). The rule is decided on the address a socket is about to connect to — never on
host-name text — and only globally routable unicast addresses pass.

The decision is an explicit table, not Python's `ipaddress` flags: `is_private` is False for
100.64.0.1, `is_global` was True for 224.0.0.1, 192.0.0.192, `::127.0.0.1`, `::ffff:0:7f00:1`
(SIIT), `5f00::1` and `3fff::1`, and those answers change between Python patch releases (security
review, issue 13). So: IPv4 is judged on the IANA special-purpose registry below; IPv6 must be in
2000::/3 (global unicast) and outside the IPv6 registry's non-global entries; the IPv6 forms that
really reach an IPv4 host (IPv4-mapped, NAT64 well-known prefix, 6to4) are judged on that IPv4
address; every other translation form (SIIT, IPv4-compatible, local-use NAT64, Teredo) is refused
outright, whatever it embeds.

A refusal names the class of address only ("loopback", "private"...), never the address: a
refusal of a host name must not tell the caller what that name resolves to inside our network.
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
# reason shown: the first match wins. Sources: the IANA IPv4 and IPv6 Special-Purpose Address
# Registries (RFC 6890 and later), Stripe smokescreen's deny list, Advocate's defaults.
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
    # SIIT "IPv4-translated" addresses (RFC 2765, ::ffff:0:a.b.c.d): not IPv4-mapped, so the
    # kernel routes them as IPv6, to whatever translator the network has. Never a web server.
    ("::ffff:0:0:0/96", "reserved"),
    # Local-use NAT64 (RFC 8215): the network's own translator, with a prefix length (/48 to
    # /96) we cannot know, so the embedded IPv4 address cannot be read reliably: refuse it all.
    ("64:ff9b:1::/48", "reserved"),
    ("100::/64", "reserved"),  # discard-only (RFC 6666)
    ("100:0:0:1::/64", "reserved"),  # dummy IPv6 prefix (RFC 9780)
    # IETF protocol assignments: Teredo (2001::/32, embeds a server and a client address),
    # benchmarking (2001:2::/48), ORCHID, AMT, AS112. None is a web server a link points to.
    ("2001::/23", "reserved"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),  # RFC 9637 (is_global=True in Python 3.11!)
    ("5f00::/16", "reserved"),  # SRv6 segment identifiers (RFC 9602)
    ("fc00::/7", "private"),  # unique local
    ("fe80::/10", "link_local"),
    ("fec0::/10", "reserved"),  # deprecated site-local
    ("ff00::/8", "multicast"),
)
DENY_NETWORKS: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), reason) for cidr, reason in _DENY_TABLE
)

#: IPv6 global unicast (RFC 4291 §2.4): every other IPv6 address is refused (below).
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: public translators
_SIXTOFOUR = ipaddress.ip_network("2002::/16")  # RFC 3056

#: What each reason means, in the words a refusal shows: the class of address, never the address.
REASON_PHRASES: dict[str, str] = {
    "unspecified": 'an unspecified address ("this network")',
    "loopback": "a loopback address (the server itself)",
    "private": "an address on a private network",
    "cgnat": "a shared (carrier-grade NAT) address",
    "link_local": "a link-local address (where cloud metadata services live)",
    "multicast": "a multicast address",
    "reserved": "a reserved or special-purpose address",
    "documentation": "an address reserved for documentation",
    "own_address": "an address of the server running this service",
    "not_an_address": "something that is not an IP address",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an address was refused: a stable reason code, and nothing else.

    The address itself is deliberately not kept: whatever carries a Refusal (messages, findings,
    logs, metrics) cannot disclose what a host name resolved to.
    """

    reason: str

    def describe(self) -> str:
        return REASON_PHRASES.get(self.reason, "an address the service does not connect to")


def translated(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 host an IPv6 address really reaches, for the forms that reach one; else None.

    IPv4-mapped (::ffff:a.b.c.d) is dialled as IPv4 by a dual-stack socket; the NAT64 well-known
    prefix (64:ff9b::/96) and 6to4 (2002::/16) reach the embedded address through a translator
    or relay. Other translation forms are refused outright by the table above.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIXTOFOUR:
        return address.sixtofour
    return None


def classify_plain(address: IPAddress) -> str | None:
    """The refusal reason for an address, without unwrapping; None when it is public unicast."""
    for network, reason in DENY_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.version == 6 and address not in _GLOBAL_UNICAST_V6:
        return "reserved"
    return None


def classify(address: IPAddress) -> str | None:
    """The refusal reason for an address, judging the IPv4 host that IPv6 forms reach."""
    inner = translated(address)
    return classify_plain(inner if inner is not None else address)


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
            return Refusal("not_an_address")
        if self._allowed(address):
            return None
        reason = classify(address)
        if reason:
            return Refusal(reason)
        inner = translated(address)
        if address in self.local_addresses or (inner is not None and inner in self.local_addresses):
            return Refusal("own_address")
        return None

    def _allowed(self, address: IPAddress) -> bool:
        """The lab allow-list matches the exact networks it names, and their IPv4-mapped form
        (the same address to a dual-stack socket) — never 6to4, NAT64 or other translations,
        which reach the address through a relay the lab never meant to open."""
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return any(
            (address.version == net.version and address in net)
            or (mapped is not None and net.version == 4 and mapped in net)
            for net in self.allow_networks
        )


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
