"""Issue 13, item 3: the result cache must neither hide a video made public since nor tell anyone
that a link was checked recently.

What a person would notice: a "private" or "removed" answer that is minutes old while the video is
online (false reassurance, the worst defect this service can have), a "check again" that answers
from memory, or an answer that says "someone asked about this link N minutes ago" (an `X-Cache`
header, a `checked_at` older than the request, a stream without progress). The cache's clock is
moved, never waited for.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from openapi_check import validate_response
from veriflien.app import create_app
from veriflien.appkeys import STATE
from veriflien.settings import Settings, SettingsError, load

GONE = "https://videos.example.com/gone"  # 410: `removed`, a non-public verdict
PUBLIC = "https://www.youtube.com/watch?v=pubVideo001"  # the fake YouTube's public video


class Clock:
    """The shared state's clock, moved forward by hand."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.offset = 0.0

    def __call__(self) -> float:
        return self.real() + self.offset


async def _service(aiohttp_client: Any, settings: Settings) -> tuple[Any, Clock]:
    app = create_app(settings)
    client = await aiohttp_client(app)
    clock = Clock(app[STATE].local.clock)
    app[STATE].local.clock = clock
    return client, clock


async def _check(client: Any, url: str, **fields: Any) -> tuple[Any, dict]:
    response = await client.post("/api/v1/checks", json={"url": url, **fields})
    body = await response.text()
    doc = validate_response("POST", "/api/v1/checks", response.status, response.content_type, body)
    assert response.status == 200, doc
    return response, doc


def _fetches(fake_platform: Any, host: str, path: str) -> int:
    return fake_platform.count(host, path)


async def test_stale_non_public_verdict_is_not_served_after_a_minute(
    aiohttp_client, settings, fake_platform
) -> None:
    client, clock = await _service(aiohttp_client, settings)
    url = GONE + "?stale=1"
    await _check(client, url)
    fetched = _fetches(fake_platform, "videos.example.com", "/gone?stale=1")
    await _check(client, url)
    assert _fetches(fake_platform, "videos.example.com", "/gone?stale=1") == fetched  # reused
    clock.offset = 61.0
    _, doc = await _check(client, url)
    assert doc["verdict"] == "removed"
    # A minute later the platform is asked again: the video may have been made public since.
    assert _fetches(fake_platform, "videos.example.com", "/gone?stale=1") == fetched + 1


async def test_public_verdict_may_be_reused_for_the_full_cache_ttl(
    aiohttp_client, settings, fake_platform
) -> None:
    # A stale "public" is an alarm that may be outdated, never false reassurance.
    client, clock = await _service(aiohttp_client, settings)
    _, doc = await _check(client, PUBLIC)
    assert doc["verdict"] == "public"
    before = len(fake_platform.requests)
    clock.offset = 300.0
    _, again = await _check(client, PUBLIC)
    assert again["verdict"] == "public"
    assert len(fake_platform.requests) == before
    clock.offset = 601.0
    await _check(client, PUBLIC)
    assert len(fake_platform.requests) > before


async def test_fresh_true_asks_the_platform_again_and_refreshes_the_cache(
    aiohttp_client, settings, fake_platform
) -> None:
    client, _ = await _service(aiohttp_client, settings)
    url = GONE + "?fresh=1"
    await _check(client, url)
    fetched = _fetches(fake_platform, "videos.example.com", "/gone?fresh=1")
    await _check(client, url, fresh=True)
    assert _fetches(fake_platform, "videos.example.com", "/gone?fresh=1") == fetched + 1
    await _check(client, url)  # the fresh answer is the one reused now
    assert _fetches(fake_platform, "videos.example.com", "/gone?fresh=1") == fetched + 1


@pytest.mark.parametrize("value", ["yes", 1, None, []])
async def test_fresh_must_be_true_or_false(aiohttp_client, settings, value: Any) -> None:
    client, _ = await _service(aiohttp_client, settings)
    response = await client.post("/api/v1/checks", json={"url": "hello", "fresh": value})
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_field"


async def test_an_answer_from_the_cache_does_not_say_the_link_was_checked_before(
    aiohttp_client, settings, fake_platform, monkeypatch
) -> None:
    from veriflien.api import checks

    client, _ = await _service(aiohttp_client, settings)
    url = GONE + "?told=1"
    first_response, first = await _check(client, url)
    fetched = _fetches(fake_platform, "videos.example.com", "/gone?told=1")
    # The next caller comes an hour later (the cache is kept alive for the test).
    later = datetime(2031, 5, 4, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(checks, "utc_now", lambda: later)
    second_response, second = await _check(client, url)
    assert _fetches(fake_platform, "videos.example.com", "/gone?told=1") == fetched  # a hit
    for response in (first_response, second_response):
        assert "X-Cache" not in response.headers
        assert "Age" not in response.headers
    assert second["checked_at"] == "2031-05-04T12:00:00Z"  # when this caller asked
    assert first["checked_at"] != second["checked_at"]
    unchanged = {k: v for k, v in first.items() if k != "checked_at"}
    assert {k: v for k, v in second.items() if k != "checked_at"} == unchanged


def _events(stream: str) -> list[tuple[str, dict]]:
    events = []
    for block in stream.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_a_streamed_answer_from_the_cache_replays_the_same_progress(
    aiohttp_client, settings, fake_platform
) -> None:
    client, _ = await _service(aiohttp_client, settings)
    url = GONE + "?stream=1"
    streams = []
    for _ in range(2):
        response = await client.post(
            "/api/v1/checks", json={"url": url}, headers={"Accept": "text/event-stream"}
        )
        assert "X-Cache" not in response.headers
        streams.append(_events(await response.text()))
    assert _fetches(fake_platform, "videos.example.com", "/gone?stream=1") == 1  # one real check
    missed, hit = streams

    def shape(events: list[tuple[str, dict]]) -> list[tuple]:
        return [(name, data.get("probe"), data.get("status")) for name, data in events]

    assert shape(hit) == shape(missed)
    assert hit[0][0] == "progress" and hit[-1][0] == "result"
    assert hit[-1][1]["verdict"] == "removed"


def test_non_public_cache_time_is_a_setting_of_at_most_the_cache_time() -> None:
    assert Settings().cache_ttl_non_public == 60.0
    assert load({"VERIFLIEN_CACHE_TTL_NON_PUBLIC": "0"}).cache_ttl_non_public == 0.0
    with pytest.raises(SettingsError, match="VERIFLIEN_CACHE_TTL_NON_PUBLIC"):
        load({"VERIFLIEN_CACHE_TTL_NON_PUBLIC": "-1"})
    with pytest.raises(SettingsError, match="VERIFLIEN_CACHE_TTL_NON_PUBLIC"):
        load({"VERIFLIEN_CACHE_TTL_NON_PUBLIC": "nan"})


async def test_hits_keep_the_checks_pace_only_when_the_operator_asks(
    aiohttp_client, settings, fake_platform, monkeypatch
) -> None:
    """By default a hit is answered at once; with cache_hide_hits it waits as the check did."""
    from veriflien.api import checks

    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float, *args: object) -> None:
        waits.append(delay)
        await real_sleep(0)

    for hide, url in ((False, GONE + "?pace=0"), (True, GONE + "?pace=1")):
        client, _ = await _service(aiohttp_client, settings.with_overrides(cache_hide_hits=hide))
        await _check(client, url)
        waits.clear()
        monkeypatch.setattr(checks.asyncio, "sleep", recording_sleep)
        await _check(client, url)
        monkeypatch.setattr(checks.asyncio, "sleep", real_sleep)
        assert bool(waits) is hide, (hide, waits)
