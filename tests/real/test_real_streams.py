"""Real HLS/DASH packages (../shared/real/manifests), served as they are and with parts missing.

A package is a folder holding a manifest (an HLS playlist, a DASH MPD) and the init and media
segments it names, as a packager wrote them (androidx: ffmpeg-packaged CMAF with a master playlist
and a SegmentTimeline MPD; GPAC with emsg boxes). Each is checked through the API as it is, then
with its last media segments missing, with a middle video segment missing, and (HLS) without its
end marker, which is how an unfinished or interrupted upload of a stream looks:

- as it is: `public`;
- a segment missing: `incomplete`, never `public`;
- no end marker: `incomplete` or `unknown` (a live stream or an unfinished upload), never `public`;
- at most 256 KiB sent by the server per check.

The cases are derived from the folder's contents (segment files and their numbers), not per file.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from fakes.platform import FAKE, FakePlatform, scenario
from realcorpus import corpus_dir
from veriflien.app import create_app
from veriflien.settings import Settings

HOST = "https://cdn.example.com"
SENT_LIMIT = 256 * 1024
TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl", ".mpd": "application/dash+xml",
    ".mp4": "video/mp4", ".m4s": "video/iso.segment",
}  # fmt: skip
ENTRIES = ("playlist.m3u8", "master.m3u8", "manifest.mpd")
SEGMENT = re.compile(r"^(?P<stem>.*?)(?P<n>\d+)\.m4s$")


@dataclass(frozen=True)
class Case:
    id: str
    package: Path
    entry: str  # the manifest the link points at
    missing: frozenset[str] = frozenset()  # files answered 404
    live: bool = False  # the HLS end marker and playlist type removed
    expected: frozenset[str] = frozenset({"public"})


def _segments(package: Path) -> dict[str, list[tuple[int, str]]]:
    """Media segments by name stem (video_, audio_, segment_): (number, file name), in order."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for path in package.iterdir():
        match = SEGMENT.match(path.name)
        if match:
            groups.setdefault(match["stem"], []).append((int(match["n"]), path.name))
    return {stem: sorted(items) for stem, items in groups.items()}


def build_cases(corpus: Path | None) -> list[Case]:
    if corpus is None:
        return []
    cases: list[Case] = []
    for package in sorted(p for p in (corpus / "manifests").iterdir() if p.is_dir()):
        groups = _segments(package)
        if not groups:
            continue  # a manifest without its media: nothing to replay
        last = frozenset(items[-1][1] for items in groups.values())
        video = groups.get("video_") or next(iter(groups.values()))
        middle = frozenset({video[len(video) // 2][1]})
        cut = frozenset({"incomplete"})
        for entry in (e for e in ENTRIES if (package / e).is_file()):
            name = f"{package.name}-{entry.replace('.', '-')}"
            cases.append(Case(f"{name}-whole", package, entry))
            cases.append(Case(f"{name}-last-missing", package, entry, last, expected=cut))
            cases.append(Case(f"{name}-middle-missing", package, entry, middle, expected=cut))
            if entry.endswith(".m3u8"):
                unfinished = frozenset({"incomplete", "unknown"})
                cases.append(Case(f"{name}-no-endlist", package, entry, live=True,
                                  expected=unfinished))  # fmt: skip
    return cases


CASES = build_cases(corpus_dir())


@dataclass
class Streams:
    cases: dict[str, Case] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)  # per case id


@scenario("cdn.example.com", "/realstream/*")
async def _stream_file(request: web.Request) -> web.Response:
    streams: Streams = request[FAKE].context["real_streams"]  # type: ignore[assignment]
    _, _, case_id, name = request.path.split("/", 3)
    case = streams.cases.get(case_id)
    path = case.package / name if case is not None else None
    if case is None or path is None or not path.is_file() or name in case.missing:
        return web.Response(status=404, text="Not Found")
    data = path.read_bytes()
    if case.live and name.endswith(".m3u8"):
        lines = data.decode().splitlines()
        drop = ("#EXT-X-ENDLIST", "#EXT-X-PLAYLIST-TYPE")
        data = ("\n".join(ln for ln in lines if not ln.startswith(drop)) + "\n").encode()
    status, headers = 200, {"Accept-Ranges": "bytes"}
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", request.headers.get("Range", ""))
    if match:
        start = int(match.group(1))
        end = min(int(match.group(2) or len(data) - 1), len(data) - 1)
        if start >= len(data):
            return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        data, status = data[start : end + 1], 206
    streams.sent[case_id] = streams.sent.get(case_id, 0) + len(data) + 200
    ctype = TYPES.get(Path(name).suffix, "application/octet-stream")
    return web.Response(status=status, body=data, headers=headers, content_type=ctype)


@pytest.fixture(scope="session")
def stream_results(real_corpus: Path, fake_platform: FakePlatform) -> dict[str, Any]:
    assert CASES, f"no streaming package under {real_corpus / 'manifests'}"
    streams = Streams(cases={c.id: c for c in CASES})
    fake_platform.context["real_streams"] = streams
    settings = Settings().with_overrides(
        **fake_platform.settings_overrides(), check_deadline=15.0, cache_ttl=0.0
    )

    async def run() -> dict[str, Any]:
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        docs = {}
        try:
            for case in CASES:
                url = f"{HOST}/realstream/{case.id}/{case.entry}"
                response = await client.post("/api/v1/checks", json={"url": url, "lang": "en"})
                assert response.status == 200
                docs[case.id] = await response.json()
        finally:
            await client.close()
        return docs

    docs = asyncio.run(run())
    return {c.id: (docs[c.id], streams.sent.get(c.id, 0)) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_real_stream_package(case: Case, stream_results: dict[str, Any]) -> None:
    doc, sent = stream_results[case.id]
    summary = f"{case.id}: {doc['verdict']} media={doc['media']} " + ", ".join(
        f"{f['code']}" for f in doc["findings"]
    )
    assert doc["verdict"] in case.expected, summary
    if "public" not in case.expected:
        assert doc["verdict"] not in {"public", "unlisted"}, summary
    assert sent <= SENT_LIMIT, f"{sent} bytes sent\n{summary}"
