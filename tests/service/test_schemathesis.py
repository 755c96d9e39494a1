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

Issue 13 showed what schema-driven generation misses: values at the edge of what a JSON text can
say. `date-time` strings therefore include the first and last instants of years 1 and 9999 with
offsets up to ±23:59 (their UTC time does not exist), and a second property test writes raw JSON
that no serializer produces — 5,000-digit integers, NaN, Infinity, 1e999 — anywhere in a valid
check request or result document.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
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


def _rfc3339(day: str, time: str, offset: str) -> str:
    return f"{day}T{time}{offset}"


_offsets = st.one_of(
    st.just("Z"),
    st.builds(
        "{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)
    ),
)
# RFC 3339 date-times, with the edges of the calendar drawn often: "9999-12-31T23:59:59-23:59" is
# valid text, but its UTC time is in year 10000 (issue 13: it was a 500 on the evidence sheet).
DATE_TIMES = st.one_of(
    st.builds(
        _rfc3339,
        st.sampled_from(["0001-01-01", "9999-12-31"]),
        st.sampled_from(["00:00:00", "23:59:59", "12:00:00.5"]),
        _offsets,
    ),
    st.builds(
        _rfc3339,
        st.dates().map(str),
        st.times().map(lambda t: t.isoformat()),
        _offsets,
    ),
)
schemathesis.openapi.format("date-time", DATE_TIMES)
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
            **{
                **fake_platform.settings_overrides(),
                # the fuzzer is one client sending hundreds of requests
                "rate_limit_per_client": 0,
            },
            check_deadline=4.0,
            read_timeout=1.0,
            connect_timeout=1.0,
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
def _can_be_invalid(definition: dict) -> bool:
    """Whether a request can violate this operation's contract at all.

    A body can always be malformed; a parameter only when its schema constrains it (an enum, a
    type, a pattern...). An operation without either (`GET /metrics`, or `GET /` whose query
    parameters are free-form strings) has no invalid request: it is exercised with valid data only,
    rather than collected and skipped.
    """
    if definition.get("requestBody"):
        return True
    return any(
        set(param.get("schema", {})) - {"type", "description"}
        or param.get("schema", {}).get("type", "string") != "string"
        for param in definition.get("parameters", [])
    )


OPERATIONS = [
    pytest.param(path, method, mode, id=f"{method.upper()} {path} {mode.value}")
    for path, methods in openapi_document()["paths"].items()
    for method, definition in methods.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _can_be_invalid(definition)
]
EXAMPLES_RUN: dict[str, int] = {}


@pytest.mark.parametrize(("path", "method", "mode"), OPERATIONS)
def test_api_answers_every_generated_request_within_its_contract(
    api_schema, live_server, path, method, mode
) -> None:
    operation = api_schema[path][method.upper()]
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

    exercise()
    print(label, EXAMPLES_RUN.get(label, 0), "examples")  # visible with -s


# --- raw JSON that no serializer writes (issue 13) ----------------------------------------------

HOSTILE_NUMBERS = st.one_of(
    st.integers(17, 6000).map(lambda n: "9" * n),  # past 2**53 - 1, up to past 4,300 digits
    st.integers(17, 6000).map(lambda n: "-1" + "0" * n),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "2e308"]),
    st.integers(309, 100_000).map(lambda e: f"1.5e{e}"),
)


def _leaves(doc: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON document a value can be put: each value, and a new key per object."""
    places = [path] if path else []
    if isinstance(doc, dict):
        places.append((*path, "__extra__"))
        for key, value in doc.items():
            places += _leaves(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            places += _leaves(value, (*path, index))
    return places


def _with_raw_value(doc: Any, path: tuple, raw: str) -> bytes:
    marker = "__HOSTILE_VALUE__"
    doc = json.loads(json.dumps(doc))
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = marker
    return json.dumps(doc).replace(json.dumps(marker), raw).encode()


@pytest.fixture(scope="module")
def sample_bodies(live_server: str) -> dict[str, Any]:
    result = requests.post(f"{live_server}/api/v1/checks", json={"url": "hello"}, timeout=30)
    assert result.status_code == 200
    return {
        "/api/v1/checks": {"url": "hello", "lang": "fr", "country": "FR", "minor": False},
        "/api/v1/sheet": result.json(),
    }


@pytest.mark.parametrize("path", ["/api/v1/checks", "/api/v1/sheet"])
def test_hostile_numbers_anywhere_in_a_body_are_a_400_never_a_500(
    live_server, sample_bodies, path
) -> None:
    base = sample_bodies[path]
    places = _leaves(base)

    @hsettings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(place=st.sampled_from(places), raw=HOSTILE_NUMBERS)
    def exercise(place: tuple, raw: str) -> None:
        response = requests.post(
            live_server + path,
            data=_with_raw_value(base, place, raw),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 400, (place, raw[:30], response.text[:200])
        error = response.json()["error"]
        assert error["code"] == "invalid_number" and error["message"]

    exercise()
