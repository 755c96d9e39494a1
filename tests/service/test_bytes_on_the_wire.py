"""Bytes on the wire: what a media server SENDS for one check, not only what the service reads.

A plain first GET of a video lets the server push megabytes into the socket buffers before the
check has read its 64 KiB and hung up (the benchmark measured 0.6 to 4 MiB for a 10 MiB file).
Every link that is not a recognised platform's content page is therefore asked for its first
window with a range from the very first request; documents that answer 206 are completed so the
page analysis sees the same bytes. The fake file server counts the body bytes it hands to the
socket and records the Range header of every request (tests/fakes/scenarios_media.py: Wire).
"""

from __future__ import annotations

import hashlib
from typing import Any

from yarl import URL

from fakes.scenarios_media import long_page, wire
from veriflien.platforms import Catalogue
from veriflien.probes import registry
from veriflien.probes.fetch import FetchProbe

CDN = "https://cdn.example.com"
SENT_LIMIT = 256 * 1024


async def test_a_direct_video_link_is_asked_for_a_range_from_the_first_request(
    api: Any, fake_platform: Any
) -> None:
    path = "/virtual/10mb.mp4"
    ledger = wire(fake_platform)
    ledger.ranges.pop(path, None)
    ledger.sent.pop(path, None)
    doc = await api.check(CDN + path, lang="en")
    assert doc["verdict"] == "public"
    assert doc["media"]["complete"] is True
    assert ledger.ranges[path][0] == "bytes=0-65535"
    assert all(header is not None for header in ledger.ranges[path])  # never a plain GET
    assert ledger.sent[path] <= SENT_LIMIT, ledger.sent[path]
    assert doc["media"]["bytes_read"] <= SENT_LIMIT


async def test_the_old_plain_first_request_stays_available_for_the_benchmark(
    settings: Any, fake_platform: Any
) -> None:
    from veriflien.check import CheckEngine, CheckRequest
    from veriflien.net import Gate

    path = "/virtual/20mb.mp4"
    gate = Gate(settings)
    await gate.start()
    try:
        probes = tuple(
            FetchProbe(range_first=False) if isinstance(p, FetchProbe) else p for p in registry()
        )
        engine = CheckEngine(settings, gate, catalogue=Catalogue.load(), probes=probes)
        result = await engine.run(CheckRequest(CDN + path))
    finally:
        await gate.close()
    assert result.verdict.value == "public"
    assert wire(fake_platform).ranges[path][0] is None  # the plain GET of before


def test_only_a_platform_content_page_is_fetched_the_plain_way() -> None:
    catalogue = Catalogue.load()
    document = URL("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert not FetchProbe.may_be_media(catalogue, document)
    for url in (
        "https://cdn.example.com/clip.mp4",
        "https://videos.example.com/v/some-page",
        "https://www.youtube.com/",  # a platform's host, but not one piece of content
    ):
        assert FetchProbe.may_be_media(catalogue, URL(url)), url
    assert FetchProbe.may_be_media(None, document)  # no catalogue: anything may be media


async def test_a_static_page_answering_the_range_is_read_whole(
    api: Any, fake_platform: Any
) -> None:
    # The page honours ranges (a static host): the first answer is 206 with 64 KiB of HTML and
    # its <video> sits beyond that; the gate fetches the rest, so the analysis sees it all.
    page = long_page()
    assert len(page) > 2 * 64 * 1024 and page.find(b"<video") > 64 * 1024
    path = "/static/long-page.html"
    ledger = wire(fake_platform)
    ledger.ranges.pop(path, None)
    doc = await api.check(f"https://videos.example.com{path}", lang="en")
    assert doc["verdict"] == "public", doc["findings"]
    assert doc["media"] is not None and doc["media"]["complete"] is True
    assert ledger.ranges[path] == ["bytes=0-65535", f"bytes=65536-{len(page) - 1}"]
    first = doc["documents"][0]
    assert first["sha256"] == hashlib.sha256(page).hexdigest()  # the very bytes a GET gives


async def test_a_media_server_that_ignores_ranges_is_read_once_and_dropped(
    api: Any, fake_platform: Any
) -> None:
    # The server answers 200 and the whole file to a range request: the check reads its first
    # window, closes, and does not ask again (a second request would be sent the whole file too).
    path = "/norange/virtual/10mb.mp4"
    ledger = wire(fake_platform)
    ledger.ranges.pop(path, None)
    doc = await api.check(CDN + path, lang="en")
    assert len(ledger.ranges[path]) == 1
    assert doc["verdict"] in {"unknown", "public"}  # the index is at the end, out of reach
    assert doc["media"]["bytes_read"] <= 64 * 1024


async def test_an_empty_file_refusing_the_range_is_asked_the_plain_way(
    api: Any, fake_platform: Any
) -> None:
    path = "/empty.mp4"
    ledger = wire(fake_platform)
    ledger.ranges.pop(path, None)
    doc = await api.check(CDN + path, lang="en")
    assert ledger.ranges[path] == ["bytes=0-65535", None]  # 416, then a plain GET
    assert doc["verdict"] not in {"public", "unlisted"}
