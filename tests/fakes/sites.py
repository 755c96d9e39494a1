"""One aiohttp application served over HTTPS and HTTP on a loopback address, in its own thread.

The fake platforms (fakes/platform.py) and the replay of the real recordings (real/replay.py)
both pose as many public host names at once: one certificate from a throw-away CA names them all,
and the service under test is pointed at the two ports with its resolve-override and extra-CA
settings (`pins`, `ca_file`).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web


@dataclass
class LoopbackSites:
    address: str
    name: str  # the thread's name, in tracebacks
    https_port: int = 0
    http_port: int = 0
    ca_file: Path | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    def start(
        self, app: web.Application, hosts: Iterable[str], ca_file: Path, **runner: Any
    ) -> LoopbackSites:
        """Serve `app` for `hosts` (certificate trusted through `ca_file`); returns when ready."""
        ca = trustme.CA()
        cert = ca.issue_cert(*hosts)
        self.ca_file = ca_file
        ca.cert_pem.write_to_path(str(ca_file))
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_ctx)
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start(app, server_ctx, runner))
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name=self.name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self.name} did not start")
        return self

    async def _start(
        self, app: web.Application, server_ctx: ssl.SSLContext, runner: dict[str, Any]
    ) -> None:
        self._runner = web.AppRunner(app, access_log=None, **runner)
        await self._runner.setup()
        https = web.TCPSite(self._runner, self.address, 0, ssl_context=server_ctx)
        http = web.TCPSite(self._runner, self.address, 0)
        await https.start()
        await http.start()
        self.https_port = https._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.http_port = http._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def pins(self, hosts: Iterable[str]) -> list[str]:
        """`VERIFLIEN_RESOLVE` entries sending ports 443 and 80 of each host to these sites."""
        pins = []
        for host in hosts:
            pins.append(f"{host}:443:{self.address}:{self.https_port}")
            pins.append(f"{host}:80:{self.address}:{self.http_port}")
        return pins

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
