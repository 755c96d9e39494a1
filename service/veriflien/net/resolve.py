"""Name resolution for the gate: pinned names for labs and tests, and the policy on every answer.

Every address a name resolves to is classified; if ANY is refused the whole name is refused. A name
that answers with a mix of public and private addresses is a DNS-rebinding trick, and letting the
connector pick "the good one" would leave the choice to happy-eyeballs ordering.

The resolver's answer is what the connector dials (there is no second lookup); the socket factory
in gate.py checks the dialled address once more, which also covers IP literals, which aiohttp never
sends to a resolver.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from veriflien.net.policy import AddressPolicy, Refusal


class RefusedAddressError(OSError):
    """Raised inside the connector when the policy refuses an address; carries the Refusal."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"refused by address policy: {refusal.reason}")
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class Pin:
    host: str
    port: int
    address: str
    target_port: int


def _split_address(rest: str) -> tuple[str, str]:
    """Split 'address[:target_port]', where an IPv6 address is written in brackets."""
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise ValueError(f"unclosed bracket in {rest!r}")
        address, tail = rest[1:end], rest[end + 1 :]
        if tail and not tail.startswith(":"):
            raise ValueError(f"unexpected text after ']' in {rest!r}")
        return address, tail[1:]
    address, _, target = rest.partition(":")
    return address, target


def parse_pins(entries: Iterable[str]) -> dict[tuple[str, int], Pin]:
    """Parse 'host:port:address[:target_port]' entries (curl --resolve syntax, plus a target port
    so tests can route https://www.youtube.com:443 to a fake served on an unprivileged port)."""
    pins: dict[tuple[str, int], Pin] = {}
    for entry in entries:
        host, sep1, rest = entry.partition(":")
        port, sep2, rest = rest.partition(":")
        if not (sep1 and sep2 and host and port.isdigit() and rest):
            raise ValueError(f"expected host:port:address[:target_port], got {entry!r}")
        address, target = _split_address(rest)
        ipaddress.ip_address(address)  # raises ValueError with a clear message
        if target and not target.isdigit():
            raise ValueError(f"target port must be a number in {entry!r}")
        pin = Pin(host.lower().rstrip("."), int(port), address, int(target or port))
        pins[(pin.host, pin.port)] = pin
    return pins


class GuardedResolver(AbstractResolver):
    """Resolves through pins or the system resolver, then applies the address policy."""

    def __init__(self, policy: AddressPolicy, pins: dict[tuple[str, int], Pin]) -> None:
        self._policy = policy
        self._pins = pins
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pin = self._pins.get((host.lower().rstrip("."), port))
        if pin is not None:
            address = ipaddress.ip_address(pin.address)
            answers: list[ResolveResult] = [
                ResolveResult(
                    hostname=host,
                    host=str(address),
                    port=pin.target_port,
                    family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
            ]
        else:
            answers = await self._inner.resolve(host, port, family)
        for answer in answers:
            refusal = self._policy.check(answer["host"])
            if refusal is not None:
                raise RefusedAddressError(refusal)
        return answers

    async def close(self) -> None:
        await self._inner.close()
