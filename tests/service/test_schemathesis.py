"""Issue 8: the live API, fuzzed from its own OpenAPI document, never answers 5xx or off-contract.

Counsellor tools, the browser extension and third parties code against `GET /api/openapi.json`.
Schemathesis (package `schemathesis`, test extra) generates requests from that document — valid
ones and deliberately invalid ones — and sends them over real HTTP to a LIVE server (create_app on
a free port, in its own thread and event loop, with the fake platform's settings). Every response
must be non-5xx, carry a documented status, content type and headers, and match the documented
schema. (Whether invalid input is REJECTED is the API input tests' business; here invalid input
must merely never break the server or the contract.)

Examples are bounded (hypothesis max_examples per operation) so the run fits in CI. Generated
links never leave the machine: unpinned names do not resolve and only the fake may be dialled
(`keep_offline`), so a generated https://8.8.8.8/ costs nothing and reaches no one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fakes.scenarios_hostile import keep_offline
from veriflien.app import create_app, openapi_document
from veriflien.settings import Settings

MAX_EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def live_server(fake_platform, canary) -> Iterator[str]:
    """The real application on 127.0.0.1:<free port>, served from its own thread."""
    with pytest.MonkeyPatch.context() as patch:
        keep_offline(patch)
        settings = Settings().with_overrides(
            **fake_platform.settings_overrides(),
            check_deadline=4.0,
            read_timeout=1.0,
            connect_timeout=1.0,
            rate_limit_per_client=0,  # the fuzzer is one client sending hundreds of requests
        )
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(create_app(settings), handler_cancellation=True)
        thread = threading.Thread(target=loop.run_forever, name="live-api", daemon=True)
        thread.start()

        async def start() -> int:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        port = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()


@pytest.fixture(scope="module")
def api_schema(live_server: str):
    # Loaded from the running server, as a client would: the document served is the contract.
    return schemathesis.openapi.from_url(f"{live_server}/api/openapi.json")


# One test per documented operation and generation mode (valid data, deliberately invalid data).
# Driven by hand rather than with `schemathesis.pytest.from_fixture`, whose wrapper reads
# `request.node._nodeid`, which pytest 9 no longer has.
OPERATIONS = [
    (path, method) for path, methods in openapi_document()["paths"].items() for method in methods
]
EXAMPLES_RUN: dict[str, int] = {}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_api_answers_every_generated_request_within_its_contract(
    api_schema, live_server, path, method, mode
) -> None:
    operation = api_schema[path][method.upper()]
    if mode is GenerationMode.NEGATIVE and not _has_input(operation):
        pytest.skip("nothing to make invalid: the operation takes no body and no parameters")
    label = f"{method.upper()} {path} {mode.value}"

    @hsettings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples on every CI run: a failure is reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def exercise(case) -> None:
        EXAMPLES_RUN[label] = EXAMPLES_RUN.get(label, 0) + 1
        case.call_and_validate(base_url=live_server, checks=CHECKS, timeout=30)

    try:
        exercise()
    except Unsatisfiable:
        # e.g. a free-form path parameter: schemathesis cannot build a request that violates it.
        pytest.skip("schemathesis cannot generate invalid data for this operation")
    print(label, EXAMPLES_RUN.get(label, 0), "examples")  # visible with -s


def _has_input(operation) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("requestBody") or definition.get("parameters"))
