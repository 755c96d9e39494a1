"""The shipped deploy/Caddyfile, live: Debian's `caddy` in front of a real `veriflien serve`.

What an operator relies on when following deploy/README.md:
- each visitor gets their own rate limit: Caddy puts the address it saw in X-Forwarded-For, the
  service believes it from its trusted proxy, and a client cannot pick its own address;
- /metrics and /readyz are not served to the public, whatever the spelling of the path;
- progress events reach the browser while the check runs, not all at once at the end.

Clients are told apart by their source address: Linux routes all of 127.0.0.0/8 to loopback, so a
client socket bound to 127.0.0.21 reaches Caddy (on 127.0.0.1) as a distinct visitor. TLS is
local: for a `localhost` site Caddy issues the certificate from its own CA (kept in a temporary
data directory, never installed in the machine's trust store), and the clients verify it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from fakes.platform import FakePlatform, html, scenario
from tools import require

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
CLIENT_A, CLIENT_B, CLIENT_C = "127.0.0.21", "127.0.0.22", "127.0.0.23"
MONITORING = "127.0.0.24"  # this machine, but not the proxy's address: may read /metrics
PER_CLIENT = 2  # checks per client address per window
WAIT = 30  # seconds before a socket read gives up: a failure detector, not a measured time

# A page that answers only when the test says so: while it waits, the check cannot end.
HELD_PATH = "/held-by-the-caddy-test"
RELEASE = threading.Event()


@scenario("videos.example.com", HELD_PATH)
async def _held(request: web.Request) -> web.Response:
    await asyncio.to_thread(RELEASE.wait, 4 * WAIT)  # set by the test (a threading.Event)
    return html("<h1>Gone</h1>", status=410)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _wait_until(ready: Any, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start:\n" + log.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="module")
def service(fake_platform: FakePlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`veriflien serve` as behind the Caddy of deploy/, with a small per-client limit."""
    port = _free_port()
    log = tmp_path_factory.mktemp("service") / "service.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VERIFLIEN_")},
        **fake_platform.env(),
        "VERIFLIEN_ANONYMOUS_CHECKS": "any",
        "VERIFLIEN_TRUSTED_PROXIES": "127.0.0.1/32",  # Caddy dials the upstream from 127.0.0.1
        "VERIFLIEN_RATE_LIMIT_PER_CLIENT": str(PER_CLIENT),
        # Windows are aligned to the clock: a year-long one does not end during the test.
        "VERIFLIEN_RATE_LIMIT_WINDOW": "31536000",
        # Caddy passes the client's Host (localhost:PORT) through: the allow-list names it.
        "VERIFLIEN_ALLOWED_HOSTS": "localhost",
        # The held page decides when the check ends, not a timeout.
        "VERIFLIEN_CHECK_DEADLINE": "120",
        "VERIFLIEN_READ_TIMEOUT": "120",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            # One worker: rate-limit counters are per worker without Redis (README: workers).
            [sys.executable, "-m", "veriflien", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:
            return answer.status == 200

    try:
        _wait_until(healthy, "the service", log)
        yield base
    finally:
        _stop(process)


@dataclass
class Caddy:
    port: int
    tls: ssl.SSLContext  # trusts Caddy's local CA, and nothing else

    def request(
        self,
        source: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One HTTPS request to Caddy from the client address `source`."""
        connection, response = self.open(source, method, path, body, headers)
        with closing(connection):
            return response.status, response.headers, response.read()

    def open(
        self,
        source: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[http.client.HTTPSConnection, http.client.HTTPResponse]:
        connection = http.client.HTTPSConnection(
            "localhost", self.port, context=self.tls, timeout=WAIT, source_address=(source, 0)
        )
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data else {}
        try:
            connection.request(method, path, body=data, headers={**all_headers, **(headers or {})})
            assert connection.sock.getsockname()[0] == source
            return connection, connection.getresponse()
        except BaseException:
            connection.close()
            raise


@pytest.fixture(scope="module")
def caddy(service: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caddy]:
    binary = require("caddy")
    home = tmp_path_factory.mktemp("caddy")
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),  # the local CA and certificates live here
        "XDG_CONFIG_HOME": str(home / "config"),
        # The Caddyfile's environment, as compose.yaml passes it.
        "VERIFLIEN_DOMAIN": f"https://localhost:{port}",
        "VERIFLIEN_UPSTREAM": service.removeprefix("http://"),
        "ACME_EMAIL": "operator@example.org",
        "CADDY_ADMIN": "off",  # no admin endpoint: nothing to collide with on this machine
        "CADDY_HTTP_PORT": str(_free_port()),
    }
    log = home / "caddy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=home,
        )
    root = home / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        _wait_until(root.is_file, "caddy's local CA", log)
        proxy = Caddy(port, ssl.create_default_context(cafile=str(root)))
        _wait_until(lambda: proxy.request("127.0.0.1", "GET", "/healthz")[0] == 200, "caddy", log)
        yield proxy
    finally:
        _stop(process)


def _check(caddy: Caddy, source: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    # An unusable link: the answer costs no outbound request, but the check still counts.
    status, _, body = caddy.request(
        source, "POST", "/api/v1/checks", {"url": "not a link"}, headers
    )
    return status, json.loads(body)


def test_each_client_address_gets_its_own_rate_limit_through_caddy(
    caddy: Caddy, service: str
) -> None:
    for _ in range(PER_CLIENT):
        status, doc = _check(caddy, CLIENT_A)
        assert status == 200 and doc["verdict"] == "invalid_url", doc
    status, doc = _check(caddy, CLIENT_A)
    assert status == 429 and doc["error"]["code"] == "rate_limited", doc

    # Another visitor is not limited by A's checks: the service does not see them both as Caddy.
    status, doc = _check(caddy, CLIENT_B)
    assert status == 200, doc

    # Caddy is the edge: it replaces what a client writes in X-Forwarded-For, so A cannot escape
    # its limit by naming another address, and B cannot be charged to A.
    status, doc = _check(caddy, CLIENT_A, {"X-Forwarded-For": "198.51.100.7"})
    assert status == 429, doc
    status, doc = _check(caddy, CLIENT_B, {"X-Forwarded-For": CLIENT_A})
    assert status == 200, doc

    # The counter that filled up is A's own address's: asked directly by the trusted proxy's
    # address on A's behalf, the service refuses too.
    request = urllib.request.Request(
        service + "/api/v1/checks",
        data=json.dumps({"url": "not a link"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": CLIENT_A},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=WAIT)
    refused.value.close()
    assert refused.value.code == 429


OPS_PATHS = [
    "/metrics", "/readyz", "/readyz?degraded=ok", "/METRICS", "/Readyz", "/metrics/", "/readyz/",
    "//metrics", "//readyz", "/%6detrics", "/%72eadyz", "/./readyz", "/static/../readyz",
    "/metrics%2F", "/readyz%3F",
]  # fmt: skip


def test_metrics_and_readiness_are_not_served_through_caddy(caddy: Caddy, service: str) -> None:
    # Directly, from this machine, both answer: so a leak through Caddy would show.
    host, port = service.removeprefix("http://").split(":")
    for path, expected in (("/metrics", b"veriflien_checks_total"), ("/readyz", b'"engine"')):
        with closing(
            http.client.HTTPConnection(
                host, int(port), timeout=WAIT, source_address=(MONITORING, 0)
            )
        ) as conn:
            conn.request("GET", path)
            answer = conn.getresponse()
            assert answer.status == 200 and expected in answer.read(), path
    for path in OPS_PATHS:
        with closing(
            http.client.HTTPSConnection("localhost", caddy.port, context=caddy.tls, timeout=WAIT)
        ) as conn:
            conn.putrequest("GET", path, skip_accept_encoding=True)  # the path as written
            conn.endheaders()
            answer = conn.getresponse()
            body = answer.read()
        assert answer.status == 404, (path, answer.status, body[:200])
        assert b"veriflien_" not in body and b"redis" not in body, path
    assert caddy.request("127.0.0.1", "GET", "/healthz")[0] == 200  # the proxy itself works


def _events(response: http.client.HTTPResponse) -> Iterator[tuple[str, dict[str, Any]]]:
    """Server-sent events as they arrive (gzip-decoded if Caddy compressed the stream)."""
    gzip = response.headers.get("Content-Encoding") == "gzip"
    decoder = zlib.decompressobj(wbits=31) if gzip else None
    buffer = b""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            return
        buffer += decoder.decompress(chunk) if decoder else chunk
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            fields = dict(line.split(": ", 1) for line in block.decode().splitlines())
            yield fields["event"], json.loads(fields["data"])


def test_progress_events_reach_the_client_while_the_check_runs(
    caddy: Caddy, fake_platform: FakePlatform
) -> None:
    RELEASE.clear()
    link = f"https://videos.example.com{HELD_PATH}"
    buffered = f"no event within {WAIT} s while the check was held: the proxy buffers the stream"
    try:
        connection, response = caddy.open(
            CLIENT_C,
            "POST",
            "/api/v1/checks",
            {"url": link},
            # What a browser's fetch sends: Caddy's `encode` must not hold events back to compress.
            {"Accept": "text/event-stream", "Accept-Encoding": "gzip"},
        )
    except TimeoutError:
        RELEASE.set()
        pytest.fail(buffered)
    try:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        events = _events(response)
        # The held page has not answered, so the check cannot have ended: an event arriving now
        # went through Caddy as it was written. A buffering proxy would time this read out.
        try:
            first = next(events)
        except TimeoutError:
            pytest.fail(buffered)
        assert first[0] == "progress", first
        assert not RELEASE.is_set()
        # Wait until the check is parked on the held page, then let it finish.
        deadline = time.monotonic() + WAIT
        while fake_platform.count("videos.example.com", HELD_PATH) == 0:
            assert time.monotonic() < deadline, "the check never asked for the held page"
            time.sleep(0.02)
        RELEASE.set()
        rest = list(events)
    finally:
        RELEASE.set()
        connection.close()
    assert rest and rest[-1][0] == "result", rest
    assert rest[-1][1]["verdict"] == "removed", rest[-1][1]
    assert all(name == "progress" for name, _ in rest[:-1])
