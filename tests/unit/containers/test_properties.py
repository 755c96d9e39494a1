"""Property tests: any bytes, and any mutation of a real file, end in a clean MediaResult."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriflien.containers import (
    BytesRangeReader,
    MediaResult,
    probe_dash,
    probe_hls,
    probe_mp4,
    probe_webm,
)
from veriflien.containers.reader import DEFAULT_BUDGET

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class NoFetch:
    async def get(self, url: str, max_bytes: int) -> tuple[int, bytes]:
        return 404, b""

    async def probe(self, url: str) -> int:
        return 404


def _check(res: MediaResult) -> None:
    assert isinstance(res, MediaResult)
    assert res.media.bytes_read <= DEFAULT_BUDGET
    assert res.media.playable_seconds is None or res.media.playable_seconds >= 0


@SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(data):
    for probe in (probe_mp4, probe_webm):
        _check(asyncio.run(probe(BytesRangeReader(data))))
    _check(asyncio.run(probe_hls("https://x.example/a.m3u8", b"#EXTM3U\n" + data, NoFetch())))
    _check(asyncio.run(probe_dash("https://x.example/a.mpd", data, NoFetch())))


mutations = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)),
    min_size=1,
    max_size=6,
)


def _mutate(data: bytes, muts, cut: float) -> bytes:
    buf = bytearray(data)
    for where, patch in muts:
        # Indexes live near the start (faststart, EBML header) or the end (moov, Cues).
        span = min(len(buf), 8192)
        pos = int(where * 2 * span) if where < 0.5 else len(buf) - int((where - 0.5) * 2 * span) - 1
        buf[pos : pos + len(patch)] = patch
    return bytes(buf[: max(1, int(len(buf) * cut))])


@SETTINGS
@given(mutations, st.floats(0.01, 1.0))
def test_mutated_real_files_never_raise(corpus, muts, cut):
    for path, probe in (
        (corpus.mp4_faststart, probe_mp4),
        (corpus.mp4_moov_end, probe_mp4),
        (corpus.fmp4_sidx, probe_mp4),
        (corpus.webm, probe_webm),
    ):
        _check(asyncio.run(probe(BytesRangeReader(_mutate(_cached(path), muts, cut)))))


_FILES: dict = {}


def _cached(path) -> bytes:
    if path not in _FILES:
        _FILES[path] = path.read_bytes()
    return _FILES[path]
