"""The shapes real files showed (../shared/real/media), rebuilt here from ffmpeg output or bytes.

Each test reproduces one structure seen in a file written by a phone, a browser or a packager
other than ffmpeg, with a minimal fixture made at test time (never a copy of the real file), and
compares the service's reading with what ffmpeg really plays from the same bytes:

- browser MediaRecorder WebM: unknown-size Segment and Clusters, no Cues, no Duration (Chrome),
  or known-size clusters in an unknown-size Segment with Duration 0 (Firefox);
- Matroska cut inside a cluster larger than one read window (dated exactly, not from its start);
- fragmented MP4 whose media data boxes are empty (Bento4), whose fragments start 10 s into the
  timeline (Apple Core Media), or whose header announces far more than the fragments hold (DASH-IF
  live-profile content, GPAC);
- Ogg Theora/Vorbis and Ogg Opus, whole and cut;
- broken or odd MP4 indexes: a box smaller than its header, an index over no media data, a chunk
  map that cannot place its samples, QuickTime's second handler box, an index cut only in its
  trailing metadata, two indexes.
"""

from __future__ import annotations

import asyncio
import struct
import subprocess
from pathlib import Path

import pytest
from tests.corpus import Played, played_seconds
from tests.unit.containers._boxes import box, full, movie

from veriflien.containers import (
    BytesRangeReader,
    MediaResult,
    probe_mp4,
    probe_ogg,
    probe_webm,
    sniff,
)
from veriflien.containers.mp4 import iter_boxes
from veriflien.result import Strength, Verdict

CLUSTER_ID = bytes.fromhex("1f43b675")


def probe(data: bytes, kind: str) -> MediaResult:
    reader = {"mp4": probe_mp4, "webm": probe_webm, "ogg": probe_ogg}[kind]
    return asyncio.run(reader(BytesRangeReader(data)))


def close_to(measured: float | None, truth: float) -> bool:
    return measured is not None and abs(measured - truth) <= max(1.0, 0.1 * truth)


def truth_of(data: bytes, path: Path) -> Played:
    path.write_bytes(data)
    return played_seconds(path)


def verdicts(res: MediaResult) -> set[Verdict]:
    return {f.supports for f in res.findings if f.supports is not None}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


SOURCES = [
    "-f", "lavfi", "-i", "testsrc=duration=8:size=160x120:rate=10",
    "-f", "lavfi", "-i", "sine=frequency=440:duration=8",
]  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, corpus) -> Path:
    """The ffmpeg-made sources of this module (the shared corpus must exist: ffmpeg is there)."""
    root = tmp_path_factory.mktemp("real-shapes")
    vp8 = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "20"]
    # A live WebM (what ffmpeg writes to a pipe): unknown-size Segment, no Cues.
    ffmpeg(*SOURCES, *vp8, "-b:v", "150k", "-c:a", "libopus", "-b:a", "32k", "-f", "webm",
           "-live", "1", "-cluster_time_limit", "3000", str(root / "live.webm"))  # fmt: skip
    # Noise at a high bitrate: clusters far larger than one read window (one per keyframe).
    noisy = ["-f", "lavfi", "-i", "testsrc=duration=5:size=320x240:rate=25,noise=alls=60:allf=t+u",
             "-f", "lavfi", "-i", "sine=frequency=440:duration=5"]  # fmt: skip
    heavy = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "2000k",
             "-minrate", "2000k", "-maxrate", "2000k",
             "-cluster_size_limit", "100000000"]  # fmt: skip
    ffmpeg(*noisy, *heavy, "-g", "200", "-an", "-f", "webm", "-live", "1",
           "-cluster_time_limit", "8000", str(root / "live-big.webm"))  # fmt: skip
    # A Matroska file (Duration, Cues) whose clusters are larger than one read window.
    ffmpeg(*noisy, *heavy, "-g", "50", "-c:a", "libvorbis", "-cluster_time_limit", "2000",
           str(root / "big-clusters.mkv"))  # fmt: skip
    ffmpeg(*SOURCES, "-c:v", "libtheora", "-q:v", "5", "-g", "20", "-c:a", "libvorbis",
           str(root / "clip.ogv"))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=8", "-c:a", "libopus",
           str(root / "voice.opus"))  # fmt: skip
    return root


# ---------------------------------------------------------------------------------------------
# Browser MediaRecorder WebM
# ---------------------------------------------------------------------------------------------


def unknown_size_clusters(data: bytes) -> bytes:
    """Every Cluster's size rewritten as "unknown" (all ones, same width): Chrome's layout."""
    buf = bytearray(data)
    at = buf.find(CLUSTER_ID)
    while at != -1:
        first = buf[at + 4]
        width = 1
        while width <= 8 and not first & (0x80 >> (width - 1)):
            width += 1
        buf[at + 4 : at + 4 + width] = bytes([0xFF >> (width - 1)]) + b"\xff" * (width - 1)
        at = buf.find(CLUSTER_ID, at + 4 + width)
    return bytes(buf)


def test_mediarecorder_webm_whole_is_public_with_its_exact_length(made, tmp_path):
    data = unknown_size_clusters((made / "live.webm").read_bytes())
    truth = truth_of(data, tmp_path / "rec.webm")
    res = probe(data, "webm")
    assert res.media.complete is True
    assert Verdict.PUBLIC in verdicts(res)
    assert close_to(res.media.playable_seconds, truth.seconds), (res.media, truth)
    assert res.media.bytes_read <= 240 * 1024


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_mediarecorder_webm_cut_plays_what_ffmpeg_plays(made, tmp_path, fraction):
    whole = unknown_size_clusters((made / "live.webm").read_bytes())
    data = whole[: int(len(whole) * fraction)]
    truth = truth_of(data, tmp_path / "cut.webm")
    res = probe(data, "webm")
    assert res.media.complete is False
    assert "ebml_recording_cut" in res.codes
    assert Verdict.INCOMPLETE in verdicts(res)
    assert close_to(res.media.playable_seconds, truth.seconds), (res.media, truth)


def test_mediarecorder_webm_ending_inside_the_next_header_is_whole(made):
    # Chrome 57's file ends with the one-byte ID of a SimpleBlock it never wrote: no frame lost.
    data = unknown_size_clusters((made / "live.webm").read_bytes()) + b"\xa3"
    res = probe(data, "webm")
    assert res.media.complete is True
    assert Verdict.PUBLIC in verdicts(res)


def test_mediarecorder_webm_with_a_far_cluster_start_gives_no_guessed_time(made, tmp_path):
    # The last cluster starts megabytes before the end: its Timestamp is out of reach within the
    # byte budget. The verdict still follows from the end of file; the time is not guessed.
    whole = unknown_size_clusters((made / "live-big.webm").read_bytes())
    starts = []
    at = whole.find(CLUSTER_ID)
    while at != -1:
        starts.append(at)
        at = whole.find(CLUSTER_ID, at + 1)
    assert len(whole) - starts[-1] > 300 * 1024, "the fixture needs one cluster wider than reads"
    for data, complete in ((whole, True), (whole[: len(whole) - 5000], False)):
        res = probe(data, "webm")
        assert res.media.complete is complete
        assert res.media.playable_seconds is None  # never a lower bound posing as the answer
        assert "ebml_time_unknown" in res.codes
        assert res.media.bytes_read <= 240 * 1024


def test_firefox_style_recording_with_sized_clusters(made, tmp_path):
    # Firefox: unknown-size Segment, clusters with sizes, Duration 0 (ignored).
    whole = (made / "live.webm").read_bytes()
    res = probe(whole, "webm")
    truth = truth_of(whole, tmp_path / "ff.webm")
    assert res.media.complete is True
    assert close_to(res.media.playable_seconds, truth.seconds)
    cut = whole[: int(len(whole) * 0.7)]
    res = probe(cut, "webm")
    assert res.media.complete is False
    assert close_to(res.media.playable_seconds, truth_of(cut, tmp_path / "ffcut.webm").seconds)


@pytest.mark.parametrize("fraction", [0.3, 0.55, 0.8])
def test_matroska_cut_inside_a_large_cluster_is_dated_exactly(made, tmp_path, fraction):
    # The cut cluster is larger than a read window: it is dated from its Timestamp and the bytes
    # just before the cut (not from its first frames, which under-estimated by seconds).
    whole = (made / "big-clusters.mkv").read_bytes()
    data = whole[: int(len(whole) * fraction)]
    truth = truth_of(data, tmp_path / "cut.mkv")
    res = probe(data, "webm")
    assert res.media.complete is False
    assert res.media.playable_seconds is not None
    assert abs(res.media.playable_seconds - truth.seconds) <= 0.3, (res.media, truth)
    assert res.media.bytes_read <= 240 * 1024


# ---------------------------------------------------------------------------------------------
# Fragmented MP4
# ---------------------------------------------------------------------------------------------


def _top(data: bytes) -> list[tuple[bytes, int, int]]:
    return [(k, s - 8, e) for k, s, e in iter_boxes(data, 0, len(data))]


def without_mfra(data: bytes) -> bytes:
    return b"".join(data[o:e] for k, o, e in _top(data) if k != b"mfra")


def _children(data: bytes, start: int, end: int, path: tuple[bytes, ...]):
    """(type, body start, body end) of every box along `path` under data[start:end]."""
    for kind, s, e in iter_boxes(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                yield kind, s, e
            else:
                yield from _children(data, s, e, path[1:])


def with_movie_duration(data: bytes, seconds: float) -> bytes:
    buf = bytearray(data)
    for _, s, _e in _children(data, 0, len(data), (b"moov", b"mvhd")):
        timescale = struct.unpack_from(">I", buf, s + 12)[0]
        struct.pack_into(">I", buf, s + 16, int(seconds * timescale))
    return bytes(buf)


def shifted(data: bytes, seconds: float) -> bytes:
    """Every fragment's decode time moved `seconds` later: a file that starts mid-recording."""
    scales = {}
    for _, s, e in _children(data, 0, len(data), (b"moov", b"trak")):
        tid = next(struct.unpack_from(">I", data, ts + 12)[0]
                   for _, ts, _ in _children(data, s, e, (b"tkhd",)))  # fmt: skip
        scale = next(struct.unpack_from(">I", data, ms + 12)[0]
                     for _, ms, _ in _children(data, s, e, (b"mdia", b"mdhd")))  # fmt: skip
        scales[tid] = scale
    buf = bytearray(data)
    for _, s, e in _children(data, 0, len(data), (b"moof", b"traf")):
        tid = next(struct.unpack_from(">I", data, hs + 4)[0]
                   for _, hs, _ in _children(data, s, e, (b"tfhd",)))  # fmt: skip
        for _, ds, _ in _children(data, s, e, (b"tfdt",)):
            if data[ds] == 1:
                old = struct.unpack_from(">Q", buf, ds + 4)[0]
                struct.pack_into(">Q", buf, ds + 4, old + int(seconds * scales[tid]))
            else:
                old = struct.unpack_from(">I", buf, ds + 4)[0]
                struct.pack_into(">I", buf, ds + 4, old + int(seconds * scales[tid]))
    return bytes(buf)


def test_fragments_starting_late_play_only_what_they_cover(corpus, tmp_path):
    # Apple Core Media: no declared length, fragments starting 10 s into the timeline. The
    # timeline runs to 10 s + what the fragments hold; only what they hold plays.
    data = shifted(without_mfra(corpus.fmp4_plain.read_bytes()), 10.0)
    truth = truth_of(data, tmp_path / "late.mp4")
    res = probe(data, "mp4")
    assert res.media.complete is False
    assert "fragments_start_late" in res.codes
    assert close_to(res.media.playable_seconds, truth.seconds), (res.media, truth)
    assert res.media.duration_seconds == pytest.approx(truth.seconds + 10, abs=1)


def test_header_announcing_more_than_the_fragments_is_not_proof_of_a_cut(corpus, tmp_path):
    # DASH-IF live-profile content: an init declaring a one-hour presentation over 30 s of
    # fragments, every one whole. What plays is reported; the header alone proves nothing.
    data = with_movie_duration(without_mfra(corpus.fmp4_plain.read_bytes()), 3900)
    truth = truth_of(data, tmp_path / "declared.mp4")
    res = probe(data, "mp4")
    assert res.media.complete is True
    assert "fragments_short_of_declared" in res.codes
    public = [f for f in res.findings if f.supports is Verdict.PUBLIC]
    assert public and public[0].strength is Strength.MEDIUM
    assert close_to(res.media.playable_seconds, truth.seconds)


def test_header_longer_than_fragments_with_a_cut_fragment_is_incomplete(corpus, tmp_path):
    data = with_movie_duration(without_mfra(corpus.fmp4_plain.read_bytes()), 3900)
    cut = data[: int(len(data) * 0.5)]
    res = probe(cut, "mp4")
    assert res.media.complete is False
    assert close_to(res.media.playable_seconds, truth_of(cut, tmp_path / "c.mp4").seconds)


def test_fragments_with_empty_media_data_play_nothing(tmp_path):
    # Bento4's sample: moof boxes describing 144 frames each over 8-byte (empty) mdat boxes.
    mvhd = full(b"mvhd", struct.pack(">IIII", 0, 0, 1000, 600_000) + b"\0" * 80)
    mdhd = full(b"mdhd", struct.pack(">IIII", 0, 0, 24000, 0) + b"\0" * 4)
    hdlr = full(b"hdlr", b"\0" * 4 + b"vide" + b"\0" * 13)
    tkhd = full(b"tkhd", struct.pack(">III", 0, 0, 1) + b"\0" * 68)
    stbl = box(b"stbl", b"".join(full(k, b"\0" * 8) for k in (b"stts", b"stsc", b"stco")))
    trak = box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + box(b"minf", stbl)))
    mvex = box(b"mvex", full(b"mehd", struct.pack(">I", 600_000)) + full(b"trex", struct.pack(
        ">IIIII", 1, 1, 1001, 0, 0)))  # fmt: skip
    moov = box(b"moov", mvhd + trak + mvex)
    fragments = b""
    for n in range(2):
        trun = full(b"trun", struct.pack(">Ii", 144, 0) + struct.pack(">I", 0) * 144, 0)
        trun = trun[:8] + struct.pack(">I", 0x000201) + trun[12:]  # data offset + sample sizes
        traf = box(
            b"traf",
            full(b"tfhd", struct.pack(">I", 1))
            + full(b"tfdt", struct.pack(">I", n * 144 * 1001))
            + trun,
        )
        fragments += box(b"moof", full(b"mfhd", struct.pack(">I", n + 1)) + traf) + box(b"mdat")
    data = box(b"ftyp", b"isom\0\0\2\0isomiso2") + moov + fragments
    res = probe(data, "mp4")
    assert res.media.complete is False
    assert res.media.playable_seconds == 0
    assert "fragment_data_missing" in res.codes
    assert truth_of(data, tmp_path / "empty.mp4").seconds == 0  # ffmpeg agrees: nothing plays


# ---------------------------------------------------------------------------------------------
# Ogg
# ---------------------------------------------------------------------------------------------


def test_ogg_is_recognised():
    assert sniff(b"OggS\0\2" + b"\0" * 30, "application/octet-stream", "x") == "ogg"
    assert sniff(b"", "video/ogg", "https://x.example/v") == "ogg"


def test_ogg_theora_vorbis_whole_and_cut(made, tmp_path):
    whole = (made / "clip.ogv").read_bytes()
    res = probe(whole, "ogg")
    assert res.media.complete is True and res.codes == ["complete_ogg"]
    assert close_to(res.media.playable_seconds, truth_of(whole, tmp_path / "w.ogv").seconds)
    for fraction in (0.05, 0.4, 0.9):
        cut = whole[: int(len(whole) * fraction)]
        res = probe(cut, "ogg")
        truth = truth_of(cut, tmp_path / f"c{fraction}.ogv")
        assert res.media.complete is False, fraction
        assert Verdict.INCOMPLETE in verdicts(res)
        assert close_to(res.media.playable_seconds, truth.seconds), (fraction, res.media, truth)


def test_ogg_cut_between_two_pages_has_no_end_of_stream(made):
    whole = (made / "clip.ogv").read_bytes()
    pages = []
    at = whole.find(b"OggS")
    while at != -1:
        pages.append(at)
        at = whole.find(b"OggS", at + 1)
    res = probe(whole[: pages[len(pages) // 2]], "ogg")
    assert res.media.complete is False
    assert "ogg_no_end_of_stream" in res.codes


def test_ogg_opus_audio(made, tmp_path):
    whole = (made / "voice.opus").read_bytes()
    res = probe(whole, "ogg")
    assert res.media.complete is True
    assert close_to(res.media.playable_seconds, truth_of(whole, tmp_path / "v.opus").seconds)


def test_ogg_page_that_lies_is_never_trusted():
    page = b"OggS\0\x02" + b"\0" * 20 + b"\x01\xff" + b"\x80theora" + b"\0" * 300
    for data in (page, page[:40], b"OggS" + b"\xff" * 2000):
        res = probe(data, "ogg")
        assert res.media.complete is not True


# ---------------------------------------------------------------------------------------------
# Broken or odd MP4 indexes
# ---------------------------------------------------------------------------------------------

FTYP = box(b"ftyp", b"isom\0\0\2\0isomiso2")


def test_box_smaller_than_its_header_before_the_index_plays_nothing():
    data = FTYP + struct.pack(">I4s", 3, b"free") + movie()[len(FTYP) :]
    res = probe(data, "mp4")
    assert res.media.complete is False and res.media.playable_seconds == 0
    assert "mp4_structure_broken" in res.codes


def test_index_over_no_media_data_plays_nothing():
    whole = movie(samples=20)
    moov_only = whole[: whole.rfind(b"mdat") - 4]  # the index, and no mdat box at all
    res = probe(moov_only + box(b"free", b"\0" * 20_000), "mp4")
    assert res.media.complete is False and res.media.playable_seconds == 0
    assert "media_data_missing" in res.codes


def test_chunk_map_that_cannot_place_samples_plays_nothing():
    data = bytearray(movie(samples=10))
    at = data.find(b"stsc")
    struct.pack_into(">I", data, at + 12, 0x01000001)  # first chunk 16777217 of 10
    res = probe(bytes(data), "mp4")
    assert res.media.complete is False and res.media.playable_seconds == 0
    assert "sample_table_broken" in res.codes


def test_quicktime_data_handler_does_not_hide_the_video():
    # QuickTime writes a second hdlr (component 'dhlr', subtype 'alis') inside minf.
    data = bytearray(movie(samples=10))
    at = data.find(b"minf")
    alis = full(b"hdlr", b"dhlr" + b"alis" + b"\0" * 13)
    size = struct.unpack_from(">I", data, at - 4)[0]
    patched = bytes(data[: at + 4]) + alis + bytes(data[at + 4 :])
    patched = bytearray(patched)
    struct.pack_into(">I", patched, at - 4, size + len(alis))
    for kind in (b"moov", b"trak", b"mdia"):
        pos = patched.find(kind)
        struct.pack_into(">I", patched, pos - 4, struct.unpack_from(">I", patched, pos - 4)[0]
                         + len(alis))  # fmt: skip
    offsets_shift = len(alis)
    stco = patched.find(b"stco")
    count = struct.unpack_from(">I", patched, stco + 8)[0]
    for i in range(count):
        pos = stco + 12 + 4 * i
        struct.pack_into(">I", patched, pos, struct.unpack_from(">I", patched, pos)[0]
                         + offsets_shift)  # fmt: skip
    res = probe(bytes(patched), "mp4")
    assert res.media.complete is True
    assert "no_video_track" not in res.codes


def _moov_at_end(samples: int = 10) -> tuple[bytes, int]:
    """ftyp | mdat | moov(… , meta): a phone's layout; returns (file, offset of the meta box)."""
    whole = movie(samples=samples)
    moov_at = whole.find(b"moov") - 4
    mdat_at = whole.rfind(b"mdat") - 4
    moov = whole[moov_at:mdat_at]
    mdat = whole[mdat_at:]
    meta = box(b"meta", b"\0" * 4000)
    moov = struct.pack(">I", len(moov) + len(meta)) + moov[4:] + meta
    # Samples now sit right after ftyp and the mdat header.
    first = len(FTYP) + 8
    body = bytearray(moov)
    stco = body.find(b"stco")
    for i in range(struct.unpack_from(">I", body, stco + 8)[0]):
        struct.pack_into(">I", body, stco + 12 + 4 * i, first + i * 1000)
    return FTYP + mdat + bytes(body), len(FTYP) + len(mdat) + len(body) - len(meta)


def test_index_cut_only_in_its_trailing_metadata_still_plays():
    data, meta_at = _moov_at_end()
    res = probe(data[: meta_at + 100], "mp4")
    assert res.media.complete is True
    assert "moov_tail_truncated" in res.codes


def test_index_cut_inside_a_track_plays_nothing():
    data, _ = _moov_at_end()
    moov_at = data.find(b"moov") - 4
    res = probe(data[: data.find(b"stts", moov_at)], "mp4")
    assert res.media.complete is False and res.media.playable_seconds == 0


def test_two_movie_indexes_are_never_called_whole():
    whole = movie(samples=10)
    moov_at = whole.find(b"moov") - 4
    moov = whole[moov_at : whole.rfind(b"mdat") - 4]
    res = probe(whole + moov, "mp4")
    assert "moov_duplicate" in res.codes
    assert res.media.complete is not True
    assert Verdict.PUBLIC not in verdicts(res)


@pytest.mark.parametrize("size", [0, 2, 7])
def test_a_file_shorter_than_one_box_header(size):
    res = probe(FTYP[:size], "mp4")
    assert res.media.complete is not True
    if size:
        assert res.media.playable_seconds == 0 and res.media.complete is False
