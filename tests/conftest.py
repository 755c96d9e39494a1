"""Shared fixtures: the fake platform, a canary server, settings that route to them, and an
in-process API client whose every response is validated against the OpenAPI document."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fakes.platform import FakePlatform

# Every check a test runs is held to the finding-code contract (advice/findings.toml).
from finding_codes import finding_codes_contract  # noqa: F401
from openapi_check import documented_paths, validate_response

# Hooks, found by name: under CI=true a test skipped for a missing tool is a failure.
from tool_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401
from veriflien.app import create_app
from veriflien.settings import Settings

# The replays of ../shared/real run only through `make test-real` (see tests/real/conftest.py).
collect_ignore = [] if os.environ.get("VERIFLIEN_REAL_TESTS") == "1" else ["real"]


@pytest.fixture(scope="session")
def fake_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakePlatform]:
    fake = FakePlatform().start(tmp_path_factory.mktemp("fake"))
    yield fake
    fake.stop()


@dataclass
class Canary:
    """A plain HTTP server on 127.0.0.1 that only counts requests: it must never see one."""

    port: int = 0
    hits: list[str] = field(default_factory=list)  # HTTP requests (paths)
    connections: list[str] = field(default_factory=list)  # any TCP connection, even TLS garbage

    def clear(self) -> None:
        self.hits.clear()
        self.connections.clear()


@pytest.fixture(scope="session")
def canary(fake_platform: FakePlatform) -> Iterator[Canary]:
    state = Canary()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>canary secret</body></html>")

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def verify_request(self, request: Any, client_address: Any) -> bool:
            state.connections.append(str(client_address))
            return True

    server = Server(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    fake_platform.context["canary_port"] = state.port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(fake_platform: FakePlatform, canary: Canary, tmp_path: Any) -> Settings:
    canary.clear()
    return Settings().with_overrides(
        **fake_platform.settings_overrides(),
        # Never the machine's own self-test report (~/.local/state/veriflien).
        selftest_file=str(tmp_path / "selftest.json"),
        allowed_ports=["80", "443", str(canary.port)],
        check_deadline=6.0,
        read_timeout=2.0,
        connect_timeout=2.0,
    )


class ApiClient:
    """Wraps aiohttp's test client; every response is checked against the OpenAPI document."""

    def __init__(self, client: Any) -> None:
        self.raw = client

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = await self.raw.request(method, path, **kwargs)
        body = await response.text()
        ctype = response.content_type
        route = path.split("?", 1)[0]
        if route in documented_paths():
            return response.status, validate_response(method, route, response.status, ctype, body)
        return response.status, body

    async def check(self, url: str, **fields: Any) -> dict[str, Any]:
        status, doc = await self.request("POST", "/api/v1/checks", json={"url": url, **fields})
        assert status == 200, doc
        return doc


@pytest.fixture
async def api(aiohttp_client: Any, settings: Settings) -> ApiClient:
    return ApiClient(await aiohttp_client(create_app(settings)))


@pytest.fixture
def run() -> Any:
    return asyncio.run
