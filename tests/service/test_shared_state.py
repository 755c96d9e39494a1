"""Issue 7's proof: two replicas share one Redis for the result cache and the rate limits, and a
Redis outage costs neither of them a single answer.

Real redis-server (started on a free port, no persistence), two in-process services on their own
ports, one fake platform: "the second replica did not fetch" is read from the fake's request log.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from openapi_check import documented_paths, validate_response
from redis_server import RedisServer
from tools import missing_reason
from veriflien.access import add_key
from veriflien.app import create_app
from veriflien.settings import Settings

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason=missing_reason("redis-server")
)

GONE = "https://videos.example.com/gone"  # verdict `removed`: cacheable


class ApiClient:
    """aiohttp's test client; responses on documented paths are checked against the OpenAPI."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = await self.raw.request(method, path, **kwargs)
        body = await response.text()
        route = path.split("?", 1)[0]
        if route in documented_paths():
            ctype = response.content_type
            return response.status, validate_response(method, route, response.status, ctype, body)
        return response.status, body


@pytest.fixture
def redis(tmp_path: Path) -> Any:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def keys_file(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "api-keys"
    return str(path), add_key(path, "helpline")


@pytest.fixture
def shared(settings: Settings, redis: RedisServer, keys_file: tuple[str, str]) -> Settings:
    # What a multi-replica deployment sets on every replica: the same Redis and instance key.
    return settings.with_overrides(
        redis_url=redis.url,
        instance_key="same-key-on-every-replica",
        keys_file=keys_file[0],
        redis_timeout=0.3,
    )


async def _pair(aiohttp_client: Any, settings: Settings) -> tuple[ApiClient, ApiClient]:
    first = ApiClient(await aiohttp_client(create_app(settings)))
    second = ApiClient(await aiohttp_client(create_app(settings)))
    assert first.raw.port != second.raw.port
    return first, second


async def _check(api: ApiClient, url: str, **headers: str) -> tuple[int, Any]:
    response = await api.raw.post("/api/v1/checks", json={"url": url}, headers=headers)
    assert "X-Cache" not in response.headers  # nobody may learn that a link was checked before
    return response.status, await response.json()


async def _wait_ready(api: ApiClient, expected: int, within: float = 15.0) -> dict:
    deadline = time.monotonic() + within
    while True:
        status, doc = await api.request("GET", "/readyz")
        if status == expected or time.monotonic() > deadline:
            assert status == expected, doc
            return doc
        await asyncio.sleep(0.1)


async def test_result_cached_by_one_replica_is_served_by_the_other(
    aiohttp_client, shared, fake_platform
) -> None:
    first, second = await _pair(aiohttp_client, shared)
    status, doc = await _check(first, GONE + "?shared=1")
    assert (status, doc["verdict"]) == (200, "removed")
    fetched = len(fake_platform.requests)

    status, again = await _check(second, GONE + "?shared=1")
    assert status == 200
    assert len(fake_platform.requests) == fetched  # the second replica did not fetch
    # The same document, but dated when this caller asked (issue 13: no reused checked_at), and
    # signed for this answer by the same instance key (its time may fall in the next second).
    unsigned = {"checked_at": "", "attestation": None}
    assert {**again, **unsigned} == {**doc, **unsigned}
    assert again["attestation"]["key_id"] == doc["attestation"]["key_id"]

    # Another language is another entry: the advice differs.
    response = await second.raw.post(
        "/api/v1/checks", json={"url": GONE + "?shared=1", "lang": "en"}
    )
    assert response.status == 200
    assert len(fake_platform.requests) > fetched


async def test_redis_holds_neither_the_link_nor_a_readable_result(
    aiohttp_client, shared, redis
) -> None:
    import redis.asyncio as aioredis

    first, _ = await _pair(aiohttp_client, shared)
    await _check(first, GONE + "?secret-token=s3xt0rt10n")
    client = aioredis.Redis.from_url(redis.url)
    try:
        keys = await client.keys("*")
        dump = b"".join([*keys, *[await client.get(k) or b"" for k in keys]])
    finally:
        await client.aclose()
    assert any(k.startswith(b"veriflien:v1:cache:") for k in keys)
    for needle in (b"videos.example.com", b"s3xt0rt10n", b"gone", b"removed", b"127.0.0.1"):
        assert needle not in dump


async def test_rate_limit_is_shared_across_replicas(
    aiohttp_client, shared, keys_file, fake_platform
) -> None:
    limited = shared.with_overrides(rate_limit_per_key=3, cache_ttl=0)
    first, second = await _pair(aiohttp_client, limited)
    auth = {"Authorization": f"Bearer {keys_file[1]}"}
    statuses = []
    for api in (first, second, first, second, first):
        status, _doc = await _check(api, "https://videos.example.com/ok", **auth)
        statuses.append(status)
    assert statuses == [200, 200, 200, 429, 429]
    response = await second.raw.post(
        "/api/v1/checks", json={"url": "https://videos.example.com/ok"}, headers=auth
    )
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await response.json())["error"]["code"] == "rate_limited"


async def test_redis_outage_costs_no_answer_and_sharing_comes_back(
    aiohttp_client, shared, redis, fake_platform
) -> None:
    first, second = await _pair(aiohttp_client, shared)
    assert (await _wait_ready(first, 200))["dependencies"]["redis"] == "ok"

    redis.stop()
    statuses = []
    for n in range(6):
        for api in (first, second):
            status, doc = await _check(api, f"{GONE}?outage={n}")
            statuses.append(status)
            assert doc["verdict"] == "removed"
    assert statuses == [200] * 12
    for api in (first, second):
        doc = await _wait_ready(api, 503)
        assert doc["dependencies"]["redis"] == "degraded"
        assert doc["degraded"] == ["redis"]
        # Load balancers may be told to keep a degraded replica in rotation.
        status, _ = await api.request("GET", "/readyz?degraded=ok")
        assert status == 200
    status, text = await first.request("GET", "/metrics")
    assert "veriflien_redis_degraded 1.0" in text

    redis.start()  # same port, empty: no restart of the service
    for api in (first, second):
        assert (await _wait_ready(api, 200))["dependencies"]["redis"] == "ok"
    before = len(fake_platform.requests)
    status, doc = await _check(first, GONE + "?after=1")
    fetched = len(fake_platform.requests)
    assert fetched > before  # a miss: the first replica fetched
    status, doc = await _check(second, GONE + "?after=1")
    assert status == 200
    assert len(fake_platform.requests) == fetched  # a hit, shared through Redis again
    status, text = await second.request("GET", "/metrics")
    assert "veriflien_redis_degraded 0.0" in text
    assert "veriflien_redis_outages_total 1.0" in text


async def test_redis_down_at_start_up_is_not_fatal(aiohttp_client, shared, redis) -> None:
    redis.stop()
    api = ApiClient(await aiohttp_client(create_app(shared)))
    status, doc = await _check(api, GONE + "?cold=1")
    assert (status, doc["verdict"]) == (200, "removed")
    assert (await _wait_ready(api, 503))["dependencies"]["redis"] == "degraded"
    redis.start()
    await _wait_ready(api, 200)
