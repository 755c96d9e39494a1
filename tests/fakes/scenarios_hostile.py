"""Hostile targets for issue 8: what a blackmailer's server can do to the service that checks it.

Every scenario here stands for a link a criminal controls: it may answer slowly, endlessly,
compressed into a bomb, with absurd headers, with markup or media built to exhaust a parser, or
with playlists and manifests that point back into our own network. The tests assert that each one
ends inside the per-check deadline with a truthful verdict, that memory stays bounded and that the
canary on 127.0.0.1 never sees a request.

Big bodies (the 100 MB page, the million-segment playlist, the "10 GB" sparse MP4) are generated
on the fly and stop as soon as the client hangs up: the fake must never hold them in memory, or a
memory test would measure the fake instead of the service.

Hosts: pages live on lure.example.net, media on cdn.example.com (both pinned to the fake by the
test settings). Paths all start with /hostile/ so they cannot collide with other scenario modules.
"""

from __future__ import annotations

import asyncio
import functools
import re
import struct
from collections.abc import Callable

import brotli
from aiohttp import web

from fakes.platform import FAKE, FAKE_ADDRESS, html, scenario

PAGE_HOST = "lure.example.net"
MEDIA_HOST = "cdn.example.com"
PAGE = f"https://{PAGE_HOST}/hostile"
MEDIA = f"https://{MEDIA_HOST}/hostile"

MB = 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def _hung_up(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _stream(
    request: web.Request,
    chunks: Callable[[], object],
    content_type: str,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    """Write chunks from a generator until it ends or the client hangs up (the expected end)."""
    response = web.StreamResponse(headers={"Content-Type": content_type, **(headers or {})})
    await response.prepare(request)
    for chunk in chunks():  # type: ignore[attr-defined]
        # Over TLS, write() to a vanished client returns without yielding: yield explicitly so the
        # loop notices the hang-up instead of spinning through gigabytes of no-op writes.
        await asyncio.sleep(0)
        if _hung_up(request):
            break
        await response.write(chunk)
    return response


# --- compression bombs --------------------------------------------------------------------------


@functools.cache
def brotli_bomb(quality: int) -> bytes:
    """64 MiB of zeros: ~100 bytes at quality 5 (one read), ~40 KB at quality 0 (several reads)."""
    return brotli.compress(b"\0" * (64 * MB), quality=quality)


@scenario(PAGE_HOST, "/hostile/brotli-bomb")
async def _brotli_bomb(request: web.Request) -> web.Response:
    return web.Response(
        body=brotli_bomb(5), headers={"Content-Type": "text/html", "Content-Encoding": "br"}
    )


@scenario(PAGE_HOST, "/hostile/brotli-bomb-chunked")
async def _brotli_bomb_chunked(request: web.Request) -> web.Response:
    return web.Response(
        body=brotli_bomb(0), headers={"Content-Type": "text/html", "Content-Encoding": "br"}
    )


# --- absurd headers -----------------------------------------------------------------------------


@scenario(PAGE_HOST, "/hostile/header-line-1mb")
async def _header_line(request: web.Request) -> web.Response:
    return web.Response(
        text="<html><body><video src='/v.mp4'></video></body></html>",
        content_type="text/html",
        headers={"X-Filler": "a" * MB},
    )


@scenario(PAGE_HOST, "/hostile/headers-10k")
async def _many_headers(request: web.Request) -> web.Response:
    response = web.Response(
        text="<html><body><video src='/v.mp4'></video></body></html>", content_type="text/html"
    )
    for i in range(10_000):
        response.headers.add(f"X-H{i}", "x")
    return response


# --- huge and deep markup -----------------------------------------------------------------------


@scenario(PAGE_HOST, "/hostile/page-100mb")
async def _page_100mb(request: web.Request) -> web.StreamResponse:
    row = b'<div class="row"><p>Regarde ta video avant que tout le monde la voie.</p></div>\n'
    block = row * (64 * 1024 // len(row))
    total = 100 * MB

    def chunks():
        yield b"<!doctype html><html><head><title>Ta video</title></head><body>"
        sent = 0
        while sent < total:
            sent += len(block)
            yield block
        yield b"</body></html>"

    return await _stream(request, chunks, "text/html; charset=utf-8")


@functools.cache
def nested_divs_page() -> bytes:
    depth = 100_000
    return (
        "<!doctype html><html><head><title>Video</title></head><body>"
        + "<div>" * depth
        + f'<video src="{MEDIA}/mp4/complete.mp4"></video>'
        + "</div>" * depth
        + "</body></html>"
    ).encode()


@scenario(PAGE_HOST, "/hostile/nested-divs")
async def _nested_divs(request: web.Request) -> web.Response:
    return web.Response(body=nested_divs_page(), content_type="text/html")


# --- hostile MP4 and EBML, served with range support --------------------------------------------


def box(kind: bytes, payload: bytes = b"", size: int | None = None) -> bytes:
    return struct.pack(">I4s", 8 + len(payload) if size is None else size, kind) + payload


def full(kind: bytes, payload: bytes) -> bytes:
    return box(kind, b"\0\0\0\0" + payload)


FTYP = box(b"ftyp", b"isom\0\0\2\0isomiso2")


def _trak(stbl: bytes, timescale: int = 1000, duration: int = 10_000) -> bytes:
    mdhd = full(b"mdhd", struct.pack(">IIII", 0, 0, timescale, duration) + b"\0" * 4)
    hdlr = full(b"hdlr", b"\0" * 4 + b"vide" + b"\0" * 13)
    tkhd = full(b"tkhd", struct.pack(">III", 0, 0, 1) + b"\0" * 68)
    return box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + box(b"minf", box(b"stbl", stbl))))


def _mvhd(timescale: int = 1000, duration: int = 10_000) -> bytes:
    return full(b"mvhd", struct.pack(">IIII", 0, 0, timescale, duration) + b"\0" * 80)


def _tables(samples: int, size: int, first_offset: int, delta: int = 100) -> bytes:
    stts = full(b"stts", struct.pack(">III", 1, samples, delta))
    stsc = full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
    stsz = full(b"stsz", struct.pack(">II", size, samples))  # constant size: tiny tables
    stco = full(
        b"stco",
        struct.pack(">I", samples)
        + b"".join(struct.pack(">I", first_offset + i * size) for i in range(samples)),
    )
    return stts + stsc + stsz + stco


def _movie(samples: int = 100, size: int = 1000, mdat_present: int | None = None) -> bytes:
    """ftyp|moov|mdat, one video track; `mdat_present` bytes of media actually in the file while
    the mdat header still declares all of them (a lying size)."""
    moov_len = len(box(b"moov", _mvhd() + _trak(_tables(samples, size, 0))))
    first = len(FTYP) + moov_len + 8
    moov = box(b"moov", _mvhd() + _trak(_tables(samples, size, first)))
    media = samples * size
    present = media if mdat_present is None else mdat_present
    return FTYP + moov + struct.pack(">I4s", 8 + media, b"mdat") + b"\x55" * present


def _mp4_cases() -> dict[str, bytes]:
    tables = _tables(100, 1000, 0)
    return {
        # A sane, complete file: the control that proves the harness can say "public".
        "complete.mp4": _movie(),
        # The mdat header declares 100 kB of media, the file carries 20 kB: an interrupted upload.
        "size-lies.mp4": _movie(mdat_present=20_000),
        # moov of size 0 ("runs to end of file") filled with boxes of size 0 and garbage.
        "size-zero.mp4": FTYP + box(b"moov", box(b"trak", b"\0" * 64, size=0) + b"\xff" * 64, 0),
        # size 1 announces a 64-bit size: 2**64-1 bytes of moov.
        "size-one.mp4": FTYP + struct.pack(">I4sQ", 1, b"moov", 2**64 - 1) + b"\0" * 256,
        # size 1 with a 64-bit size smaller than the header itself.
        "size-one-tiny.mp4": FTYP + struct.pack(">I4sQ", 1, b"mdat", 3) + b"\0" * 256,
        # Box sizes 1..7 are impossible (smaller than the 8-byte header).
        "size-below-header.mp4": FTYP + box(b"free", b"", size=4) + b"\0" * 64,
        # Every count the tables declare is 2**32-1; the boxes hold a few bytes.
        "absurd-counts.mp4": FTYP
        + box(
            b"moov",
            _mvhd()
            + _trak(
                full(b"stts", struct.pack(">III", 0xFFFFFFFF, 1, 1))
                + full(b"stsc", struct.pack(">IIII", 0xFFFFFFFF, 1, 1, 1))
                + full(b"stsz", struct.pack(">III", 0, 0xFFFFFFFF, 1))
                + full(b"stco", struct.pack(">II", 0xFFFFFFFF, 64))
            ),
        )
        + box(b"mdat", b"\0" * 64),
        # The real movie index is hidden one level down, in a moov inside a moov: players do not
        # read it, so nothing can be watched.
        "moov-in-moov.mp4": FTYP
        + box(b"moov", box(b"moov", _mvhd() + _trak(tables)))
        + box(b"mdat", b"\0" * 1024),
        # trak inside trak inside trak ... 2000 levels: a recursion trap for naive walkers.
        "deep-trak.mp4": FTYP + box(b"moov", _mvhd() + _nested(b"trak", 2000, tables)),
        # Two movie indexes that disagree: which one would a player believe?
        "two-moov.mp4": _movie() + box(b"moov", _mvhd() + _trak(_tables(5, 10, 0))),
        # Chunk offsets near 2**64: samples "exist" far beyond the end of the file.
        "offsets-beyond-eof.mp4": FTYP
        + box(
            b"moov",
            _mvhd()
            + _trak(
                full(b"stts", struct.pack(">III", 1, 2, 100))
                + full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
                + full(b"stsz", struct.pack(">II", 1000, 2))
                + full(b"co64", struct.pack(">IQQ", 2, 2**63, 2**63 + 1000))
            ),
        )
        + box(b"mdat", b"\0" * 2000),
        # Not an MP4 at all behind a video/mp4 type: random-looking bytes.
        "garbage.mp4": bytes(range(256)) * 64,
    }


def _nested(kind: bytes, depth: int, inner: bytes) -> bytes:
    data = inner
    for _ in range(depth):
        data = box(kind, data)
    return data


def _vint_size(n: int | None, width: int = 8) -> bytes:
    """EBML data size as a vint of `width` bytes; None writes the all-ones "unknown size"."""
    if n is None:
        return bytes([0xFF >> (width - 1) | (0x80 >> (width - 1))]) + b"\xff" * (width - 1)
    marker = 1 << (7 * width)
    return (marker | n).to_bytes(width, "big")


def el(eid: int, payload: bytes = b"", size: int | str | None = "auto", width: int = 8) -> bytes:
    """An EBML element; `size` may lie (an int other than len(payload)) or be None (unknown)."""
    declared = len(payload) if size == "auto" else size
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + _vint_size(declared, width) + payload  # type: ignore[arg-type]


EBML_HEADER = el(0x1A45DFA3, el(0x4282, b"webm"))
SEGMENT, CLUSTER, TIMESTAMP, INFO, SEEKHEAD = 0x18538067, 0x1F43B675, 0xE7, 0x1549A966, 0x114D9B74
# Tracks > TrackEntry (number 1, type 1 = video, codec V_VP8)
TRACKS_VP8 = el(0x1654AE6B, el(0xAE, el(0xD7, b"\x01") + el(0x83, b"\x01") + el(0x86, b"V_VP8")))


def _webm_cases() -> dict[str, bytes]:
    cluster = el(CLUSTER, el(TIMESTAMP, b"\x00") + el(0xA3, b"\x81\x00\x00\x80" + b"\0" * 100))
    return {
        # The Segment declares 10 GB; the file holds a kilobyte.
        "segment-size-lies.webm": EBML_HEADER + el(SEGMENT, cluster, size=10 * 1024**3),
        # An element ID of 0x00 (no length marker): invalid in EBML.
        "bad-id.webm": EBML_HEADER + el(SEGMENT, b"\x00" * 64),
        # A SeekHead declaring 2**56-2 bytes, inside a segment of unknown size.
        "huge-seekhead.webm": EBML_HEADER + el(SEGMENT, el(SEEKHEAD, b"\0" * 32, 2**56 - 2), None),
        # Unknown sizes everywhere and a tail made of nothing but Cluster IDs.
        "cluster-ids-only.webm": EBML_HEADER
        + el(SEGMENT, el(CLUSTER, b"", None), None)
        + CLUSTER.to_bytes(4, "big") * 16384,
        # Info whose Duration is NaN and whose TimecodeScale is 2**64-1, in an otherwise whole file.
        "nan-duration.webm": EBML_HEADER
        + el(
            SEGMENT,
            el(INFO, el(0x2AD7B1, b"\xff" * 8) + el(0x4489, struct.pack(">d", float("nan"))))
            + TRACKS_VP8
            + cluster,
        ),
        # Clusters but no Tracks element: the blocks belong to no declared stream, so no player
        # can decode a single frame. Structurally "whole", but there is nothing to watch.
        "no-tracks.webm": EBML_HEADER
        + el(SEGMENT, el(INFO, el(0x2AD7B1, b"\x0f\x42\x40")) + cluster),
        # The EBML magic followed by junk.
        "garbage.webm": b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 16,
    }


@functools.cache
def media_files() -> dict[str, bytes]:
    return {**_mp4_cases(), **_webm_cases()}


MP4_CASES = tuple(name for name in _mp4_cases() if name != "complete.mp4")
WEBM_CASES = tuple(_webm_cases())


async def serve_range(
    request: web.Request, total: int, read: Callable[[int, int], bytes], content_type: str
) -> web.StreamResponse:
    """A file of `total` bytes with HTTP range support (RFC 9110 §14); `read(start, length)`
    produces bytes on demand, so a "10 GB" file costs nothing to serve."""
    match = _RANGE.match(request.headers.get("Range", ""))
    if match is None:
        start, end, status = 0, total - 1, 200
    else:
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else total - 1, total - 1)
        if start >= total:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{total}"})
        status = 206
    headers = {"Content-Type": content_type, "Accept-Ranges": "bytes"}
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = end - start + 1
    await response.prepare(request)
    pos = start
    while pos <= end:
        await asyncio.sleep(0)
        if _hung_up(request):
            break
        length = min(64 * 1024, end - pos + 1)
        await response.write(read(pos, length))
        pos += length
    return response


@scenario(MEDIA_HOST, "/hostile/mp4/*")
@scenario(MEDIA_HOST, "/hostile/webm/*")
async def _media_file(request: web.Request) -> web.StreamResponse:
    name = request.path.rsplit("/", 1)[1]
    data = media_files().get(name)
    if data is None:
        return web.Response(status=404)
    ctype = "video/mp4" if name.endswith(".mp4") else "video/webm"
    return await serve_range(request, len(data), lambda s, n: data[s : s + n], ctype)


@scenario(PAGE_HOST, "/hostile/video-page/*")
async def _video_page(request: web.Request) -> web.Response:
    """An ordinary-looking page whose <video src> is the hostile file."""
    name = request.path.rsplit("/", 1)[1]
    kind = "mp4" if name.endswith(".mp4") else "webm"
    return html(f'<h1>Ta video</h1><video controls src="{MEDIA}/{kind}/{name}"></video>')


SPARSE_BOX = 100 * 1024  # one 'free' box header every 100 KiB of a "10 GB" file
SPARSE_TOTAL = 10 * 1024**3


def _sparse_read(start: int, length: int) -> bytes:
    """ftyp, then 'free' boxes of 100 KiB forever: every header sits in a different range."""
    out = bytearray(length)
    ftyp = FTYP
    for i in range(length):
        pos = start + i
        if pos < len(ftyp):
            out[i] = ftyp[pos]
            continue
        rel = (pos - len(ftyp)) % SPARSE_BOX
        if rel < 8:
            out[i] = struct.pack(">I4s", SPARSE_BOX, b"free")[rel]
    return bytes(out)


@scenario(MEDIA_HOST, "/hostile/sparse-10gb.mp4")
async def _sparse(request: web.Request) -> web.StreamResponse:
    return await serve_range(request, SPARSE_TOTAL, _sparse_read, "video/mp4")


# --- playlists and manifests --------------------------------------------------------------------


@scenario(MEDIA_HOST, "/hostile/million.m3u8")
async def _million_segments(request: web.Request) -> web.StreamResponse:
    def chunks():
        yield b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        lines = []
        for i in range(1_000_000):
            lines.append(b"#EXTINF:10.0,\nseg%07d.ts\n" % i)
            if len(lines) == 2048:
                yield b"".join(lines)
                lines = []
        yield b"".join(lines) + b"#EXT-X-ENDLIST\n"

    return await _stream(request, chunks, "application/vnd.apple.mpegurl")


@scenario(MEDIA_HOST, "/hostile/seg*")
async def _segment(request: web.Request) -> web.Response:
    return web.Response(body=b"\x47" * 188, content_type="video/mp2t")


def _internal_targets(request: web.Request) -> list[str]:
    port = request[FAKE].context["canary_port"]
    return [
        f"http://127.0.0.1:{port}/segment-1.ts",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        f"http://[::1]:{port}/segment-3.ts",
    ]


@scenario(MEDIA_HOST, "/hostile/internal.m3u8")
async def _internal_media_playlist(request: web.Request) -> web.Response:
    body = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    port = request[FAKE].context["canary_port"]
    body += f'#EXT-X-MAP:URI="http://127.0.0.1:{port}/init.mp4"\n'
    for url in _internal_targets(request):
        body += f"#EXTINF:10.0,\n{url}\n"
    body += "#EXT-X-ENDLIST\n"
    return web.Response(text=body, content_type="application/vnd.apple.mpegurl")


@scenario(MEDIA_HOST, "/hostile/internal-master.m3u8")
async def _internal_master(request: web.Request) -> web.Response:
    body = "#EXTM3U\n"
    for n, url in enumerate(_internal_targets(request), 1):
        body += f"#EXT-X-STREAM-INF:BANDWIDTH={n}000000\n{url.replace('.ts', '.m3u8')}\n"
    return web.Response(text=body, content_type="application/vnd.apple.mpegurl")


_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE MPD [\n  <!ENTITY lol "lol">\n'
    + "".join(
        f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
    'mediaPresentationDuration="PT10S"><Period><AdaptationSet mimeType="video/mp4">'
    '<Representation id="&lol9;" bandwidth="1"><BaseURL>v.mp4</BaseURL></Representation>'
    "</AdaptationSet></Period></MPD>\n"
)


@scenario(MEDIA_HOST, "/hostile/laughs.mpd")
async def _billion_laughs(request: web.Request) -> web.Response:
    return web.Response(text=_LAUGHS, content_type="application/dash+xml")


@scenario(MEDIA_HOST, "/hostile/xxe.mpd")
async def _external_entity(request: web.Request) -> web.Response:
    port = request[FAKE].context["canary_port"]
    body = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE MPD [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/xxe">]>\n'
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT10S"><Period><AdaptationSet mimeType="video/mp4">'
        '<Representation id="v" bandwidth="1"><BaseURL>&xxe;</BaseURL></Representation>'
        "</AdaptationSet></Period></MPD>\n"
    )
    return web.Response(text=body, content_type="application/dash+xml")


@scenario(MEDIA_HOST, "/hostile/internal.mpd")
async def _internal_manifest(request: web.Request) -> web.Response:
    port = request[FAKE].context["canary_port"]
    body = (
        '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT30S"><Period>'
        f"<BaseURL>http://127.0.0.1:{port}/</BaseURL>"
        '<AdaptationSet mimeType="video/mp4" contentType="video">'
        '<Representation id="v" bandwidth="1">'
        '<SegmentTemplate media="seg-$Number$.m4s" initialization="init.mp4" duration="10" '
        'timescale="1"/></Representation></AdaptationSet></Period></MPD>\n'
    )
    return web.Response(text=body, content_type="application/dash+xml")


@scenario(MEDIA_HOST, "/hostile/internal-prolog.mpd")
async def _internal_manifest_with_prolog(request: web.Request) -> web.Response:
    """The same manifest as /hostile/internal.mpd, after an XML declaration and a comment, as
    packagers (Bento4, Shaka, GPAC) write them."""
    inner = await _internal_manifest(request)
    assert isinstance(inner.text, str)
    body = inner.text.replace(
        '<?xml version="1.0"?>\n',
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- Created with a DASH packager, version 1.6.0-641; profile on-demand -->\n",
    )
    return web.Response(text=body, content_type="application/dash+xml")


@functools.cache
def links_page() -> bytes:
    """2 MB of <a> tags: the response cap lets all of it through, and each tag becomes a parsed
    element, so the cost is in the analysis, not the download."""
    return b"<!doctype html><html><body>" + b"<a href=/x>x</a>" * (2_000_000 // 16)


@scenario(PAGE_HOST, "/hostile/links-2mb")
async def _links_2mb(request: web.Request) -> web.Response:
    return web.Response(body=links_page(), content_type="text/html")


# --- keeping generated URLs off the internet ----------------------------------------------------


class _NoDns:
    """The system resolver's stand-in: every name that is not pinned to the fake does not exist."""

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list:
        raise OSError(-2, "Name or service not known (tests are offline)")

    async def close(self) -> None:
        return None


def keep_offline(monkeypatch) -> None:
    """For tests that feed generated URLs to the service: no real DNS lookup, and no connection
    to any address but the fake's, whatever the address policy would allow (a generated
    https://8.8.8.8/ must not leave the machine). Refusals the policy makes are unchanged."""
    from veriflien.net import gate as gate_module
    from veriflien.net import resolve as resolve_module
    from veriflien.net.policy import Refusal
    from veriflien.net.resolve import RefusedAddressError

    monkeypatch.setattr(resolve_module, "DefaultResolver", _NoDns)
    dial = gate_module.Gate._open_socket

    def offline_dial(self, addr_info):
        host = str(addr_info[4][0])
        if host != FAKE_ADDRESS and self.policy.check(host) is None:
            raise RefusedAddressError(Refusal("test_offline"))
        return dial(self, addr_info)

    monkeypatch.setattr(gate_module.Gate, "_open_socket", offline_dial)
