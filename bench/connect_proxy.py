"""A tiny HTTP CONNECT proxy on loopback that tunnels every request to the fake platform.

Why: the yt-dlp CLI comparison must hit the very same fake pages the service checks, under their
real names (https://www.youtube.com/watch?v=...), and yt-dlp has no --resolve option. With
`--proxy http://127.0.0.1:PORT` yt-dlp sends `CONNECT host:443`; this proxy answers by opening a
TCP tunnel to the fake's HTTPS port on 127.0.0.2, whatever the host asked for, so nothing can
leave loopback. (yt-dlp does not trust the fake's test CA, hence --no-check-certificates, used
only by the benchmark.) Plain-HTTP proxy requests are tunnelled to the fake's HTTP port.
"""

from __future__ import annotations

import asyncio
import contextlib


class ConnectProxy:
    def __init__(self, address: str, https_port: int, http_port: int) -> None:
        self.address = address
        self.https_port = https_port
        self.http_port = http_port
        self.port = 0
        self.tunnels = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> ConnectProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        method = head.split(b" ", 1)[0].upper()
        port = self.https_port if method == b"CONNECT" else self.http_port
        try:
            up_reader, up_writer = await asyncio.open_connection(self.address, port)
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            writer.close()
            return
        self.tunnels += 1
        if method == b"CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(head)  # absolute-form request: the fake reads the Host header
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
