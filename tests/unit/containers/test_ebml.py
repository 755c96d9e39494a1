"""WebM: truncated uploads against what ffmpeg really plays, index-only cuts, live-style files."""

from __future__ import annotations

import asyncio

import pytest
from tests.corpus import cut_at, decoded_seconds, truncated

from veriflien.containers import BytesRangeReader, MediaResult, probe_webm
from veriflien.containers.ebml import CUES, iter_elements, read_id, read_size
from veriflien.result import Verdict


def probe_bytes(data: bytes) -> MediaResult:
    return asyncio.run(probe_webm(BytesRangeReader(data)))


def test_complete_webm(corpus):
    res = probe_bytes(corpus.webm.read_bytes())
    assert res.media.complete is True
    assert res.media.container == "webm"
    assert res.media.playable_seconds == pytest.approx(30, abs=0.5)
    assert res.codes == ["complete_webm"]
    assert res.media.bytes_read <= 512 * 1024


@pytest.mark.parametrize("fraction", [0.02, 0.35, 0.9])
def test_truncated_webm_plays_what_ffmpeg_plays(corpus, tmp_path, fraction):
    cut = truncated(corpus.webm, fraction, tmp_path / f"cut-{fraction}.webm")
    res = probe_bytes(cut.read_bytes())
    assert res.media.complete is False
    assert "ebml_segment_truncated" in res.codes
    assert "cues_beyond_eof" in res.codes
    assert any(f.supports is Verdict.INCOMPLETE for f in res.findings)
    truth = decoded_seconds(cut)
    assert abs(res.media.playable_seconds - truth) <= max(1.0, 0.1 * truth), (res.media, truth)


def _cues_offset(data: bytes) -> int:
    _, il = read_id(data, 0)
    size, sl = read_size(data, il)
    seg = il + sl + size
    _, il = read_id(data, seg)
    _, sl = read_size(data, seg + il)
    for eid, s, _ in iter_elements(data, seg + il + sl, len(data)):
        if eid == CUES:
            return s - 4 - 2  # 4-byte ID, 2-byte size as ffmpeg writes them
    raise AssertionError("no cues")


def test_cut_inside_the_trailing_index_still_plays_everything(corpus):
    data = corpus.webm.read_bytes()
    res = probe_bytes(data[: _cues_offset(data) + 10])
    assert res.media.complete is True  # the whole video can be watched: say so
    assert res.codes == ["webm_index_truncated"]


def test_unknown_size_segment_is_not_called_complete(corpus):
    data = bytearray(corpus.webm.read_bytes())
    _, il = read_id(data, 0)
    size, sl = read_size(data, il)
    seg = il + sl + size
    _, il = read_id(data, seg)
    _, sl = read_size(data, seg + il)
    assert sl == 8
    data[seg + il : seg + il + 8] = b"\x01" + b"\xff" * 7  # unknown size, live-style
    res = probe_bytes(bytes(data[: len(data) // 2]))
    assert res.media.complete is not True
    assert res.media.playable_seconds is not None and 10 < res.media.playable_seconds < 20


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x1a\x45\xdf\xa3",
        b"\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\xff",
        b"\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + b"\0" * 40,
        b"\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\x88" + b"\x15\x49\xa9\x66\x08" + b"\xff" * 30,
    ],
)
def test_hostile_webm_ends_in_a_clean_result(data):
    res = probe_bytes(data)
    assert isinstance(res, MediaResult)
    assert res.media.complete is not True


def test_cut_right_after_header(corpus, tmp_path):
    res = probe_bytes(cut_at(corpus.webm, 40, tmp_path / "h.webm").read_bytes())
    assert res.media.complete is False
    assert res.media.playable_seconds == 0


class CountingReader(BytesRangeReader):
    """Counts the reads, each of which is one range request through the gate."""

    reads = 0

    async def read(self, start: int, length: int) -> bytes:
        self.reads += 1
        return await super().read(start, length)


def test_a_long_file_is_judged_within_the_request_budget(tmp_path):
    # 120 one-second clusters: stepping over each header would cost 120 requests (and a
    # half-hour recording more than the per-check budget of 200). After MAX_HOPS clusters the
    # declared segment size decides, and one read of the end dates a cut.
    import subprocess

    from tests.corpus import played_seconds

    from veriflien.containers.ebml import MAX_HOPS

    path = tmp_path / "long.webm"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=duration=150:size=96x64:rate=5", "-c:v", "libvpx", "-deadline", "realtime",
         "-cpu-used", "8", "-b:v", "60k", "-g", "5", "-cluster_time_limit", "1000", str(path)],
        check=True,
    )  # fmt: skip
    data = path.read_bytes()
    assert data.count(b"\x1f\x43\xb6\x75") > MAX_HOPS
    whole = CountingReader(data)
    res = asyncio.run(probe_webm(whole))
    assert res.media.complete is True and res.media.playable_seconds == pytest.approx(150, abs=1)
    assert whole.reads <= MAX_HOPS + 10
    cut_path = tmp_path / "cut.webm"
    cut_path.write_bytes(data[: int(len(data) * 0.9)])
    cut = CountingReader(cut_path.read_bytes())
    res = asyncio.run(probe_webm(cut))
    assert res.media.complete is False
    truth = played_seconds(cut_path).seconds
    assert abs(res.media.playable_seconds - truth) <= max(1.0, 0.1 * truth)
    assert cut.reads <= MAX_HOPS + 10
