"""The fake platform: real-looking hosts served on loopback over HTTPS with a test CA.

Tests call the service with URLs such as https://www.youtube.com/watch?v=... ; the service's
VERIFLIEN_RESOLVE pins route those names to this server, and VERIFLIEN_CA_BUNDLE makes the test CA
trusted. Nothing here reaches the internet.

Scenarios are plain aiohttp handlers registered per (host, path) with `@scenario(...)`. Later work
adds scenarios in sibling modules (tests/fakes/scenarios_*.py) that import `scenario` from here.
The server runs in its own thread and event loop so that synchronous tests, subprocess tests (the
CLI) and async tests can all share one instance per test session.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from fakes.sites import LoopbackSites

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Hosts the fake answers for. The certificate covers all of them.
HOSTS = (
    "www.youtube.com",
    "youtube.com",
    "m.youtube.com",
    "youtu.be",
    "vimeo.com",
    "player.vimeo.com",
    "www.dailymotion.com",
    "graphql.api.dailymotion.com",
    "api.dailymotion.com",
    "consent.youtube.com",
    "www.tiktok.com",
    "x.com",
    "publish.twitter.com",
    "bit.ly",
    "tinyurl.com",
    "videos.example.com",
    "cdn.example.com",
    "lure.example.net",
    "www.xvideos.com",
    "drive.google.com",
    "accounts.google.com",
)
FAKE_ADDRESS = "127.0.0.2"  # not 127.0.0.1: the canary lives there and must stay refused

_SCENARIOS: dict[tuple[str, str], Handler] = {}
GZIP_BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=6)  # 64 MB -> ~64 KB
FAKE: web.RequestKey[FakePlatform] = web.RequestKey("fake", object)  # type: ignore[arg-type]


def scenario(host: str, path: str) -> Callable[[Handler], Handler]:
    """Register a handler for (host, path). `path` may end with '*' to match a prefix."""

    def register(handler: Handler) -> Handler:
        _SCENARIOS[(host, path)] = handler
        return handler

    return register


def _lookup(host: str, path: str) -> Handler | None:
    handler = _SCENARIOS.get((host, path))
    if handler is not None:
        return handler
    for (h, p), candidate in _SCENARIOS.items():
        if h == host and p.endswith("*") and path.startswith(p[:-1]):
            return candidate
    return None


@dataclass
class FakePlatform:
    """A running fake: `pins` and `ca_file` are what the service's settings need."""

    https_port: int = 0
    http_port: int = 0
    ca_file: Path | None = None
    delay: float = 0.0  # added to every response (the benchmark uses 0.04)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (host, path_qs)
    context: dict[str, object] = field(default_factory=dict)  # scenario parameters (canary port)
    _sites: LoopbackSites | None = None

    @property
    def pins(self) -> list[str]:
        return self._sites.pins(HOSTS) if self._sites is not None else []

    def settings_overrides(self) -> dict[str, object]:
        return {
            "resolve": self.pins,
            "ca_bundle": str(self.ca_file),
            "allow_networks": [f"{FAKE_ADDRESS}/32"],
            # The machine's own calls are rate limited (20 a minute by default); tests check many
            # links from the same loopback client. Rate-limit tests set their own limits.
            "rate_limit_per_client": 10_000,
        }

    def env(self) -> dict[str, str]:
        return {
            "VERIFLIEN_RESOLVE": ",".join(self.pins),
            "VERIFLIEN_CA_BUNDLE": str(self.ca_file),
            "VERIFLIEN_ALLOW_NETWORKS": f"{FAKE_ADDRESS}/32",
            # The machine's own calls are rate limited (20 a minute by default): a test service
            # answers many checks from the same loopback client. Rate-limit tests set their own.
            "VERIFLIEN_RATE_LIMIT_PER_CLIENT": "10000",
        }

    def start(self, workdir: Path) -> FakePlatform:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._sites = LoopbackSites(FAKE_ADDRESS, "fake-platform").start(
            app, HOSTS, workdir / "fake-ca.pem", handler_cancellation=True
        )
        self.ca_file = self._sites.ca_file
        self.https_port, self.http_port = self._sites.https_port, self._sites.http_port
        return self

    def stop(self) -> None:
        if self._sites is not None:
            self._sites.stop()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        host = (request.host or "").split(":", 1)[0].lower()
        self.requests.append((host, request.path_qs))
        if self.delay:
            await asyncio.sleep(self.delay)
        handler = _lookup(host, request.path)
        if handler is None:
            return web.Response(
                status=404, text="<html><body>Not found</body></html>", content_type="text/html"
            )
        request[FAKE] = self
        return await handler(request)

    def count(self, host: str, path_prefix: str = "/") -> int:
        return sum(1 for h, p in self.requests if h == host and p.startswith(path_prefix))


def html(body: str, status: int = 200, title: str = "Video", head: str = "") -> web.Response:
    return web.Response(
        status=status,
        text=f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>",
        content_type="text/html",
    )


# --- generic scenarios used by the gate's own tests (issue 2) --------------------------------


@scenario("videos.example.com", "/ok")
async def _ok(request: web.Request) -> web.Response:
    return html("<p>Hello</p>")


@scenario("videos.example.com", "/chain/*")
async def _chain(request: web.Request) -> web.Response:
    # /chain/N redirects to /chain/N-1 ... /chain/0 answers 200.
    remaining = int(request.path.rsplit("/", 1)[1])
    if remaining <= 0:
        return html("<p>end of chain</p>")
    status = (301, 302, 303, 307, 308)[remaining % 5]
    return web.Response(status=status, headers={"Location": f"/chain/{remaining - 1}"})


@scenario("videos.example.com", "/loop-a")
async def _loop_a(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "/loop-b"})


@scenario("videos.example.com", "/loop-b")
async def _loop_b(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "https://videos.example.com/loop-a"})


@scenario("videos.example.com", "/meta-refresh")
async def _meta_refresh(request: web.Request) -> web.Response:
    return html("<p>Redirecting…</p>", head='<META content="0; URL=\'/ok\'" http-equiv="Refresh">')


@scenario("videos.example.com", "/refresh-header")
async def _refresh_header(request: web.Request) -> web.Response:
    return web.Response(text="wait", headers={"Refresh": "1; url=https://videos.example.com/ok"})


@scenario("videos.example.com", "/to-canary")
async def _to_canary(request: web.Request) -> web.Response:
    port = request[FAKE].context["canary_port"]
    return web.Response(status=302, headers={"Location": f"http://127.0.0.1:{port}/stolen"})


@scenario("videos.example.com", "/meta-to-canary")
async def _meta_to_canary(request: web.Request) -> web.Response:
    port = request[FAKE].context["canary_port"]
    return html("", head=f'<meta http-equiv="refresh" content="0;url=http://127.0.0.1:{port}/">')


@scenario("videos.example.com", "/to-metadata")
async def _to_metadata(request: web.Request) -> web.Response:
    return web.Response(
        status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )


@scenario("videos.example.com", "/to-file")
async def _to_file(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "file:///etc/passwd"})


@scenario("videos.example.com", "/to-port")
async def _to_port(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "https://videos.example.com:8443/x"})


@scenario("videos.example.com", "/slow")
async def _slow(request: web.Request) -> web.StreamResponse:
    # Headers, then one byte per second: defeats naive read timeouts.
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    for _ in range(600):
        if request.transport is None or request.transport.is_closing():
            break
        await response.write(b" ")
        await asyncio.sleep(1)
    return response


@scenario("videos.example.com", "/silent")
async def _silent(request: web.Request) -> web.Response:
    await asyncio.sleep(600)  # accepts, never answers
    return html("too late")


@scenario("videos.example.com", "/endless")
async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    chunk = b"<p>" + b"a" * 65536 + b"</p>"
    for _ in range(100_000):  # ~6.5 GB if anyone read it all
        # Over TLS, write() to a vanished client returns without yielding: yield explicitly so the
        # loop notices the hang-up instead of spinning through 6.5 GB of no-op writes.
        await asyncio.sleep(0)
        if request.transport is None or request.transport.is_closing():
            break  # the client hung up, as it should
        await response.write(chunk)
    return response


@scenario("videos.example.com", "/gzip-bomb")
async def _gzip_bomb(request: web.Request) -> web.Response:
    return web.Response(
        body=GZIP_BOMB, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )


@scenario("videos.example.com", "/gone")
async def _gone(request: web.Request) -> web.Response:
    return html("<h1>Gone</h1>", status=410)


@scenario("bit.ly", "/short-ok")
async def _short_ok(request: web.Request) -> web.Response:
    return web.Response(status=301, headers={"Location": "https://videos.example.com/ok"})
