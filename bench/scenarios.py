"""Fake-platform scenarios the benchmark needs, registered on the tests' FakePlatform.

Why here and not in tests/fakes/: the benchmark must not edit tests/, and needs a few things the
test scenarios do not give: unique video ids (so no cache can answer), a watch page of a realistic
weight (~400 KiB, where the tests' pages are a few KiB), and a count of the body bytes the fake
actually handed to the socket, per path, to compare with what the service says it read. The large
MP4s reuse the tests' virtual-file generator (tests/fakes/scenarios_media.py: moov at the end, any
range generated on the fly, no disk). Handlers live under /bench paths, except YouTube's /watch and
/youtubei/v1/player, which in the benchmark's own fake process answer BENCH ids only.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from fakes.platform import FAKE, html, scenario
from fakes.scenarios_media import virtual_mp4

#: body bytes written by the fake, per path (reset by /bench/_reset)
SENT: dict[str, int] = defaultdict(int)
#: (method, host, path_qs, range header) of every request that reached a bench scenario
SEEN: list[tuple[str, str, str, str]] = []

#: Padding that brings the YouTube-like watch page near a real one's size (real pages: ~1 MB).
WATCH_PAGE_PADDING = 400 * 1024
CHUNK = 64 * 1024
#: Virtual MP4s of tests/fakes/scenarios_media.py (moov at the end; 10 MiB and 1 GiB), served
#: here through a byte-counting handler.
VIRTUAL = ("10mb.mp4", "1gb.mp4")


class Media:
    """The clip served as the "direct MP4": set by `install(clip_path)` in the fake's process."""

    clip: bytes = b""


def install(clip_path: Path) -> None:
    Media.clip = clip_path.read_bytes()


def _note(request: web.Request) -> None:
    SEEN.append(
        (
            request.method,
            request.host.split(":")[0],
            request.path_qs,
            request.headers.get("Range", ""),
        )
    )


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """First range of a 'bytes=a-b' header as [start, end); None when absent or unusable."""
    if not header.startswith("bytes="):
        return None
    first = header[6:].split(",", 1)[0].strip()
    a, _, b = first.partition("-")
    if a == "":
        n = int(b)
        return max(0, size - n), size
    start = int(a)
    end = min(size, int(b) + 1) if b else size
    return start, end


async def _serve_bytes(
    request: web.Request,
    size: int,
    read: Callable[[int, int], bytes],
    content_type: str = "video/mp4",
) -> web.StreamResponse:
    """Serve a (possibly virtual) file with single-range support, counting bytes really sent."""
    _note(request)
    key = request.path
    headers = {"Content-Type": content_type, "Accept-Ranges": "bytes"}
    rng = _parse_range(request.headers.get("Range", ""), size)
    if rng is not None:
        start, end = rng
        if start >= size:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{size}"})
        body = read(start, end)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        SENT[key] += len(body)
        return web.Response(status=206, body=body, headers=headers)
    if request.method == "HEAD":
        return web.Response(headers={**headers, "Content-Length": str(size)})
    # A plain GET: stream the whole file the way a real server would, until the client hangs up.
    response = web.StreamResponse(headers=headers)
    response.content_length = size
    await response.prepare(request)
    pos = 0
    try:
        while pos < size:
            await asyncio.sleep(0)  # over TLS a write to a vanished client may not yield
            if request.transport is None or request.transport.is_closing():
                break
            chunk = read(pos, min(size, pos + CHUNK))
            await response.write(chunk)
            SENT[key] += len(chunk)
            pos += len(chunk)
    except (ConnectionError, RuntimeError):
        pass  # the client closed the connection: what it did not take was never sent
    return response


# --- a YouTube-like watch page and its oEmbed ---------------------------------------------


def _player(video_id: str) -> dict:
    """The player response, as YouTube embeds it in the page and answers it on its API."""
    return {
        "responseContext": {"serviceTrackingParams": []},
        "playabilityStatus": {"status": "OK", "playableInEmbed": True},
        "streamingData": {
            "expiresInSeconds": "21540",
            "formats": [
                {
                    "itag": 18,
                    "url": f"https://cdn.example.com/bench/yt/{video_id}.mp4",
                    "mimeType": 'video/mp4; codecs="avc1.42001E, mp4a.40.2"',
                    "bitrate": 300000,
                    "width": 160,
                    "height": 120,
                    "contentLength": str(len(Media.clip) or 400000),
                    "quality": "small",
                    "qualityLabel": "120p",
                    "approxDurationMs": "30000",
                    "audioSampleRate": "44100",
                    "audioChannels": 1,
                }
            ],
        },
        "videoDetails": {
            "videoId": video_id,
            "title": "Benchmark clip",
            "lengthSeconds": "30",
            "channelId": "UCbenchmarkchannel0000000",
            "isOwnerViewing": False,
            "shortDescription": "A synthetic test pattern.",
            "isCrawlable": True,
            "allowRatings": True,
            "viewCount": "12",
            "author": "Bench",
            "isPrivate": False,
            "isUnpluggedCorpus": False,
            "isLiveContent": False,
        },
        "microformat": {
            "playerMicroformatRenderer": {
                "title": {"simpleText": "Benchmark clip"},
                "lengthSeconds": "30",
                "ownerChannelName": "Bench",
                "isFamilySafe": True,
                "isUnlisted": False,
                "hasYpcMetadata": False,
                "category": "Education",
                "publishDate": "2026-01-01",
                "uploadDate": "2026-01-01",
                "availableCountries": ["FR", "BE", "CH", "CA"],
            }
        },
    }


def _watch_page(video_id: str) -> str:
    player = _player(video_id)
    ytcfg = {
        "INNERTUBE_API_KEY": "AIzaSyBENCHMARKBENCHMARKBENCHMARK00000",
        "INNERTUBE_CLIENT_NAME": "WEB",
        "INNERTUBE_CLIENT_VERSION": "2.20260101.00.00",
        "INNERTUBE_CONTEXT_CLIENT_NAME": 1,
        "VISITOR_DATA": "CgtCRU5DSE1BUksxMjM%3D",
        "INNERTUBE_CONTEXT": {
            "client": {"clientName": "WEB", "clientVersion": "2.20260101.00.00", "hl": "en"}
        },
    }
    filler = json.dumps({"contents": [{"x": "y" * 1000}] * (WATCH_PAGE_PADDING // 1010)})
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Benchmark clip - YouTube</title>"
        '<meta property="og:title" content="Benchmark clip">'
        f'<link rel="canonical" href="https://www.youtube.com/watch?v={video_id}">'
        f"<script>ytcfg.set({json.dumps(ytcfg)});</script></head><body>"
        f"<script>var ytInitialPlayerResponse = {json.dumps(player)};</script>"
        f"<script>var ytInitialData = {filler};</script>"
        '<div id="player"></div></body></html>'
    )


class RealPage:
    """A real recorded watch page (../shared/real, when present): served for REAL... ids."""

    body: bytes = b""


def install_real_page(path: Path | None) -> None:
    RealPage.body = path.read_bytes() if path is not None and path.is_file() else b""


@scenario("www.youtube.com", "/watch")
async def _watch(request: web.Request) -> web.Response:
    _note(request)
    video_id = request.query.get("v", "")
    if video_id.startswith("REAL") and RealPage.body:
        SENT["/watch"] += len(RealPage.body)
        return web.Response(body=RealPage.body, content_type="text/html", charset="utf-8")
    if not video_id.startswith("BENCH"):
        return html("<h1>Not found</h1>", status=404)
    body = _watch_page(video_id)
    SENT["/watch"] += len(body.encode())
    return web.Response(text=body, content_type="text/html")


@scenario("www.youtube.com", "/youtubei/v1/player")
async def _innertube_player(request: web.Request) -> web.Response:
    # yt-dlp asks the API for other clients' views (android, tv...); YouTube answers 200.
    _note(request)
    try:
        video_id = str((await request.json()).get("videoId", ""))
    except ValueError:
        video_id = ""
    if not video_id.startswith("BENCH"):
        return web.json_response({"error": {"code": 400}}, status=400)
    body = json.dumps(_player(video_id))
    SENT["/youtubei/v1/player"] += len(body)
    return web.Response(text=body, content_type="application/json")


@scenario("www.youtube.com", "/oembed")
async def _oembed(request: web.Request) -> web.Response:
    _note(request)
    return web.json_response(
        {
            "title": "Benchmark clip",
            "author_name": "Bench",
            "type": "video",
            "provider_name": "YouTube",
            "html": "<iframe></iframe>",
        }
    )


# --- a generic page with an MP4 in <video>, a direct MP4, a shortener ------------------------


@scenario("videos.example.com", "/bench/page*")
async def _page(request: web.Request) -> web.Response:
    _note(request)
    src = request.query.get("src", "clip.mp4")
    text = (
        "<h1>Ma vidéo</h1><p>Regarde bien ce que j'ai.</p>"
        f'<video controls width="640" src="https://cdn.example.com/bench/{src}"></video>'
        "<p>" + "Texte de la page. " * 200 + "</p>"
    )
    return html(text, title="Video")


@scenario("cdn.example.com", "/bench/clip.mp4")
async def _clip(request: web.Request) -> web.StreamResponse:
    data = Media.clip
    return await _serve_bytes(request, len(data), lambda a, b: data[a:b])


@scenario("cdn.example.com", "/bench/virtual/*")
async def _virtual(request: web.Request) -> web.StreamResponse:
    # The tests' generator (index + payload built on the fly), served by the counting handler.
    file = virtual_mp4(request.path.rsplit("/", 1)[1])
    if file is None:
        return html("<h1>Not found</h1>", status=404)
    return await _serve_bytes(request, file.total, file.read)


@scenario("tinyurl.com", "/bench*")
async def _short(request: web.Request) -> web.Response:
    _note(request)
    # (bit.ly/* belongs to the tests' scenarios; tinyurl.com is a shortener in the catalogue too.)
    # tinyurl.com/benchNNNNNN -> the watch page of video BENCHNNNNNN (a typical blackmail link)
    suffix = request.path.removeprefix("/bench")[:6].rjust(6, "0")
    return web.Response(
        status=301, headers={"Location": f"https://www.youtube.com/watch?v=BENCH{suffix}"}
    )


# --- control: counters, read and reset by the benchmark -------------------------------------


@scenario("cdn.example.com", "/bench/_stats")
async def _stats(request: web.Request) -> web.Response:
    fake = request[FAKE]
    return web.json_response(
        {"sent": dict(SENT), "seen": SEEN[-5000:], "requests": len(fake.requests)}
    )


@scenario("cdn.example.com", "/bench/_reset")
async def _reset(request: web.Request) -> web.Response:
    SENT.clear()
    SEEN.clear()
    request[FAKE].requests.clear()
    return web.json_response({"ok": True})
