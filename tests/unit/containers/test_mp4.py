"""MP4 / fragmented MP4: cut uploads against what ffmpeg really plays; budget; hostile input."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest
from tests.corpus import cut_at, decoded_seconds, truncated
from tests.unit.containers._boxes import box, movie

from veriflien.containers import BytesRangeReader, MediaResult, probe_mp4
from veriflien.containers.mp4 import iter_boxes
from veriflien.result import Strength, Verdict

KIB = 1024


def probe_file(path: Path) -> MediaResult:
    return asyncio.run(probe_mp4(BytesRangeReader(path.read_bytes())))


def close_to(measured: float, truth: float) -> bool:
    return abs(measured - truth) <= max(1.0, 0.1 * truth)


@pytest.mark.parametrize("name", ["mp4_moov_end", "mp4_faststart", "fmp4_sidx", "fmp4_plain"])
def test_complete_files_are_complete(corpus, name):
    res = probe_file(getattr(corpus, name))
    assert res.media.complete is True
    assert res.media.playable_seconds == pytest.approx(30, abs=0.5)
    assert res.media.duration_seconds == pytest.approx(30, abs=0.5)
    assert any(f.supports is Verdict.PUBLIC for f in res.findings)
    assert res.media.bytes_read <= 512 * KIB


@pytest.mark.parametrize("name", ["mp4_moov_end", "mp4_faststart", "fmp4_sidx", "fmp4_plain"])
@pytest.mark.parametrize("fraction", [0.02, 0.35, 0.9])
def test_truncated_files_play_what_ffmpeg_plays(corpus, tmp_path, name, fraction):
    cut = truncated(getattr(corpus, name), fraction, tmp_path / f"{name}-{fraction}.mp4")
    res = probe_file(cut)
    assert res.media.complete is False
    assert any(f.supports is Verdict.INCOMPLETE for f in res.findings)
    truth = decoded_seconds(cut)
    assert close_to(res.media.playable_seconds, truth), (res.media, truth)


def test_moov_at_end_cut_plays_nothing(corpus, tmp_path):
    res = probe_file(truncated(corpus.mp4_moov_end, 0.9, tmp_path / "c.mp4"))
    assert "moov_missing" in res.codes
    assert res.media.playable_seconds == 0


def test_moov_itself_cut(corpus, tmp_path):
    size = corpus.mp4_moov_end.stat().st_size
    res = probe_file(cut_at(corpus.mp4_moov_end, size - 100, tmp_path / "c.mp4"))
    assert res.codes == ["moov_at_end_truncated"]
    assert res.media.complete is False


def _top_boxes(path: Path) -> list[tuple[bytes, int, int]]:
    data = path.read_bytes()
    return [(k, s - 8, e) for k, s, e in iter_boxes(data, 0, len(data))]


def test_fragment_boundary_cut_is_seen_through_sidx(corpus, tmp_path):
    moofs = [off for kind, off, _ in _top_boxes(corpus.fmp4_sidx) if kind == b"moof"]
    cut = cut_at(corpus.fmp4_sidx, moofs[len(moofs) // 2], tmp_path / "boundary.mp4")
    res = probe_file(cut)
    assert res.media.complete is False
    assert "sidx_incomplete" in res.codes
    assert close_to(res.media.playable_seconds, decoded_seconds(cut))
    assert res.media.playable_seconds < 25


def test_fragment_boundary_cut_without_index_reports_what_plays(corpus, tmp_path):
    # Cut exactly between two fragments, with no sidx, mfra or mehd: nothing in the file tells it
    # from a recording that stopped there (real packagers ship such files complete). What plays
    # is reported, at medium strength; calling it incomplete could deny a watchable video.
    moofs = [off for kind, off, _ in _top_boxes(corpus.fmp4_plain) if kind == b"moof"]
    cut = cut_at(corpus.fmp4_plain, moofs[len(moofs) // 2], tmp_path / "b.mp4")
    res = probe_file(cut)
    verdict = [f for f in res.findings if f.code == "complete_fmp4"]
    assert verdict and verdict[0].strength is Strength.MEDIUM
    assert close_to(res.media.playable_seconds, decoded_seconds(cut))


class VirtualMp4:
    """A ~1 GiB moov-at-end MP4 synthesised on the fly: ftyp | 64-bit mdat | real moov."""

    def __init__(self, real: Path, mdat_size: int = 1 << 30, budget: int = 512 * KIB):
        data = real.read_bytes()
        boxes = {k: (s, e) for k, s, e in _top_boxes(real)}
        ftyp = data[: boxes[b"ftyp"][1]]
        old_mdat_data = boxes[b"mdat"][0] + 8
        self.head = ftyp + struct.pack(">I4sQ", 1, b"mdat", mdat_size + 16)
        shift = len(self.head) - old_mdat_data
        self.moov = _shift_chunk_offsets(data[boxes[b"moov"][0] : boxes[b"moov"][1]], shift)
        self.moov_at = len(ftyp) + mdat_size + 16
        self.total: int | None = self.moov_at + len(self.moov)
        self.bytes_read = 0
        self.budget = budget

    async def read(self, start: int, length: int) -> bytes:
        end = min(start + length, self.total)
        if end - start + self.bytes_read > self.budget:
            from veriflien.containers import BudgetExceeded

            raise BudgetExceeded("budget")
        out = bytearray()
        for pos in range(start, end) if end - start <= 64 * KIB else ():
            if pos < len(self.head):
                out.append(self.head[pos])
            elif pos >= self.moov_at:
                out.append(self.moov[pos - self.moov_at])
            else:
                out.append(0)
        if end - start > 64 * KIB:
            out = bytearray(end - start)  # mdat payload: zeros, never inspected
        self.bytes_read += len(out)
        return bytes(out)


def _shift_chunk_offsets(moov: bytes, shift: int) -> bytes:
    buf = bytearray(moov)

    def walk(start: int, end: int) -> None:
        for kind, s, e in iter_boxes(bytes(buf), start, end):
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                walk(s, e)
            elif kind == b"stco":
                n = struct.unpack_from(">I", buf, s + 4)[0]
                for i in range(n):
                    pos = s + 8 + 4 * i
                    struct.pack_into(">I", buf, pos, struct.unpack_from(">I", buf, pos)[0] + shift)

    walk(0, len(buf))
    return bytes(buf)


def test_one_gigabyte_file_costs_a_few_kib(corpus):
    reader = VirtualMp4(corpus.mp4_moov_end)
    res = asyncio.run(probe_mp4(reader))
    assert res.media.complete is True
    assert res.media.bytes_total > 1 << 30
    assert res.media.playable_seconds == pytest.approx(30, abs=0.5)
    assert res.media.bytes_read <= 512 * KIB
    assert reader.bytes_read <= 64 * KIB


def test_one_gigabyte_file_cut_inside_mdat(corpus):
    reader = VirtualMp4(corpus.mp4_moov_end)
    reader.total = 700 * 1024 * 1024
    res = asyncio.run(probe_mp4(reader))
    assert res.codes == ["moov_missing"]
    assert res.media.bytes_read <= 64 * KIB


def test_moov_larger_than_budget_is_not_guessed():
    data = movie(samples=20000, sample_size=10)  # moov ~ 240 KiB
    res = asyncio.run(probe_mp4(BytesRangeReader(data, budget=64 * KIB)))
    assert res.media.complete is None
    assert "moov_too_large" in res.codes


def test_handmade_file_cut_in_mdat():
    data = movie(samples=100, sample_size=1000, delta=100, timescale=1000)
    full_res = asyncio.run(probe_mp4(BytesRangeReader(data)))
    assert full_res.media.complete is True and full_res.media.duration_seconds == 10
    cut = data[: len(data) - 50_500]  # the last 50.5 samples are gone
    res = asyncio.run(probe_mp4(BytesRangeReader(cut)))
    assert res.codes == ["truncated_mdat"]
    assert res.media.playable_seconds == pytest.approx(4.9)


@pytest.mark.parametrize(
    "data",
    [
        movie(stts_count=2**32 - 1),  # absurd counts: capped, reported inconsistent
        movie(stsz_count=2**31),
        box(b"ftyp", b"isom") + struct.pack(">I4sQ", 1, b"mdat", 2**63) + b"x" * 100,
        box(b"ftyp", b"isom") + struct.pack(">I4s", 0, b"mdat") + b"x" * 100,
        box(b"ftyp", b"isom") + struct.pack(">I4s", 3, b"moov") + b"x" * 100,
        box(b"ftyp", b"isom") + box(b"moov", box(b"moov", box(b"moov", b""))),
        box(b"ftyp", b"isom") + box(b"moov", b"\xff" * 64) + box(b"moov", b""),
        b"\0\0\0\x10ftyp" + b"\0" * 3,
        b"",
    ],
)
def test_hostile_boxes_end_in_a_clean_result(data):
    res = asyncio.run(probe_mp4(BytesRangeReader(data)))
    assert isinstance(res, MediaResult)
    assert res.media.complete is not True
