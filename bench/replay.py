"""The raw floor: what a check's own HTTP requests cost when made bare, one after another.

Why: a check's latency only means something next to the network time it cannot avoid. The
recorder wraps the gate's single-request method (`Gate._fetch_once`, one call per HTTP exchange,
redirect hops included), so it sees exactly what the check sent: method, URL, headers it chose,
byte range, body, and how many bytes it read before stopping. `replay` then makes the same
exchanges sequentially with a bare aiohttp client (test CA trusted, names pinned to the fake by a
resolver), reading the same number of bytes. Nothing here reaches beyond loopback.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status: int
    read: int  # body bytes the check kept
    truncated: bool  # the check stopped reading before the end


class Recorder:
    """Records every exchange of the gate it is installed on (one check at a time)."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.enabled = True

    def install(self, gate: Any) -> None:
        original = gate._fetch_once

        async def recording(url: Any, scope: Any, **kwargs: Any) -> Any:
            response, next_url, via = await original(url, scope, **kwargs)
            if self.enabled:
                headers = dict(kwargs.get("headers") or {})
                if kwargs.get("byte_range") is not None:
                    a, b = kwargs["byte_range"]
                    headers["Range"] = f"bytes={a}-{b}"
                self.exchanges.append(
                    Exchange(
                        method=kwargs.get("method", "GET"),
                        url=str(url),
                        headers=tuple(headers.items()),
                        body=kwargs.get("body"),
                        status=response.status,
                        read=len(response.body),
                        truncated=response.truncated,
                    )
                )
            return response, next_url, via

        gate._fetch_once = recording

    def take(self) -> list[Exchange]:
        out, self.exchanges = self.exchanges, []
        return out


class PinnedResolver(AbstractResolver):
    """Resolves every name to the fake's address and port for the URL's scheme."""

    def __init__(self, address: str, ports: dict[int, int]) -> None:
        self.address = address
        self.ports = ports

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=self.address,
                port=self.ports.get(port, port),
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


def bare_session(address: str, https_port: int, http_port: int, ca_file: str) -> Any:
    context = ssl.create_default_context(cafile=ca_file)
    connector = aiohttp.TCPConnector(
        ssl=context, resolver=PinnedResolver(address, {443: https_port, 80: http_port})
    )
    return aiohttp.ClientSession(
        connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()
    )


async def replay(
    session: Any, exchanges: list[Exchange], *, keep_alive_ranges: bool = False
) -> float:
    """Seconds to make `exchanges` one after another, reading what the check read.

    The gate drops the connection whenever it stopped at its byte cap, including a range answer
    that was exactly as long as asked; `keep_alive_ranges` keeps those connections instead, to
    show what that costs.
    """
    started = time.perf_counter()
    for ex in exchanges:
        ranged = any(k.lower() == "range" for k, _ in ex.headers) and ex.status == 206
        async with session.request(
            ex.method,
            ex.url,
            headers=dict(ex.headers),
            data=ex.body,
            allow_redirects=False,
        ) as resp:
            if ex.truncated and not (keep_alive_ranges and ranged):
                await resp.content.readexactly(min(ex.read, resp.content_length or ex.read))
                resp.close()  # as the gate does: drop the connection, do not drain
            else:
                await resp.read()
    return time.perf_counter() - started
