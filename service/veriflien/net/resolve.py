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

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from veriflien.net.policy import AddressPolicy, Refusal
from veriflien.settings import Pin


class RefusedAddressError(OSError):
    """Raised inside the connector when the policy refuses an address; carries the Refusal."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"refused by address policy: {refusal.reason}")
        self.refusal = refusal


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
