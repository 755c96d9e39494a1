"""WebM / Matroska (EBML) completeness check over small range reads.

Why: an interrupted WebM upload keeps its header, so a tag reader reports the full duration. The
truth is in the element sizes (Matroska spec, RFC 9559): the Segment declares its size, the SeekHead
says where Cues live, and each Cluster carries its own size and timestamp. We read element headers
(a dozen bytes each), Info/Tracks/SeekHead, and at most one bounded window of the cluster where the
file stops, to date the last complete frame. Block payloads are skipped, never decoded or kept.
Every size is untrusted: anything inconsistent ends in `complete=None`, never an exception.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass, field

from veriflien.result import MediaInfo, Strength, Verdict

from .reader import (
    BudgetExceeded,
    CachedReader,
    MediaResult,
    RangeReader,
    RangeUnavailable,
    fmt_seconds,
)

PREFETCH = 16 * 1024
MAX_CHILDREN = 4096  # level-1 elements walked; each costs one tiny read
MAX_META = 64 * 1024  # SeekHead, Info, Tracks bodies
CLUSTER_WINDOW = 128 * 1024  # bytes of the cut cluster read to date its last whole frame
TAIL_WINDOW = 64 * 1024  # unknown-size segments: where the last Cluster is searched

EBML = 0x1A45DFA3
SEGMENT = 0x18538067
SEEKHEAD, SEEK, SEEK_ID, SEEK_POS = 0x114D9B74, 0x4DBB, 0x53AB, 0x53AC
INFO, TIMECODE_SCALE, DURATION = 0x1549A966, 0x2AD7B1, 0x4489
TRACKS, TRACK_ENTRY, TRACK_NUMBER, TRACK_TYPE, DEFAULT_DURATION = (
    0x1654AE6B, 0xAE, 0xD7, 0x83, 0x23E383,
)  # fmt: skip
CLUSTER, TIMESTAMP, SIMPLE_BLOCK, BLOCK_GROUP, BLOCK = 0x1F43B675, 0xE7, 0xA3, 0xA0, 0xA1
CUES = 0x1C53BB6B
LEVEL1 = {SEEKHEAD, INFO, TRACKS, CLUSTER, CUES, 0x1254C367, 0x1941A469, 0x1043A770, 0xEC, 0xBF}


class Malformed(Exception):
    """Sizes or IDs contradict the EBML rules; reported as complete=None."""


def read_id(buf: bytes, p: int) -> tuple[int, int]:
    """Element ID (marker bits kept, as the spec writes IDs) and its length (1-4 bytes)."""
    if p >= len(buf):
        raise Malformed("id cut")
    first = buf[p]
    length = 1
    while length <= 4 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 4 or p + length > len(buf):
        raise Malformed("bad element id")
    return int.from_bytes(buf[p : p + length], "big"), length


def read_size(buf: bytes, p: int) -> tuple[int | None, int]:
    """Data size vint (RFC 9559 §4): None for the all-ones "unknown size"."""
    if p >= len(buf):
        raise Malformed("size cut")
    first = buf[p]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or p + length > len(buf):
        raise Malformed("bad size")
    value = first & (0xFF >> length)
    for b in buf[p + 1 : p + length]:
        value = (value << 8) | b
    return (None if value == (1 << (7 * length)) - 1 else value), length


def iter_elements(buf: bytes, start: int, end: int):
    """(id, data start, data end) of the children in buf[start:end]; stops at a cut child."""
    p = start
    while p < end:
        eid, il = read_id(buf, p)
        size, sl = read_size(buf, p + il)
        data = p + il + sl
        if size is None or data + size > end:
            return
        yield eid, data, data + size
        p = data + size


def _uint(buf: bytes) -> int:
    return int.from_bytes(buf[:8], "big")


@dataclass(slots=True)
class Element:
    eid: int
    offset: int
    data: int
    size: int | None

    @property
    def end(self) -> int | None:
        return None if self.size is None else self.data + self.size


@dataclass(slots=True)
class Webm:
    scale: int = 1_000_000  # TimecodeScale, ns per tick
    duration: float | None = None  # ticks
    video_tracks: set[int] = field(default_factory=set)
    track_count: int = 0  # TrackEntry elements with a track number
    frame_ns: dict[int, int] = field(default_factory=dict)
    cues_pos: int | None = None


async def probe_webm(reader: RangeReader) -> MediaResult:
    """Tell a complete WebM/Matroska file from a partial upload within the byte budget."""
    res = MediaResult(MediaInfo("webm", None, bytes_total=reader.total))
    try:
        await _probe(CachedReader(reader), res)
    except BudgetExceeded:
        _give_up(res, "budget_exceeded", "The file index is larger than the read budget allows.")
    except RangeUnavailable:
        _give_up(res, "range_unavailable", "The server did not supply the bytes needed.")
    except (Malformed, struct.error, IndexError, ValueError, OverflowError, MemoryError) as exc:
        _give_up(
            res, "ebml_malformed", f"The WebM structure is inconsistent ({type(exc).__name__})."
        )
    res.media.bytes_read = reader.bytes_read
    return res


def _give_up(res: MediaResult, code: str, detail: str) -> None:
    if res.media.complete is True:
        res.media.complete = None
    res.add(code, detail)


async def _header(r: CachedReader, off: int) -> Element | None:
    """Element header at `off`, or None when the file ends inside it."""
    buf = await r.read(off, 12)
    try:
        eid, il = read_id(buf, 0)
        size, sl = read_size(buf, il)
    except Malformed:
        if len(buf) < 12:
            return None
        raise
    return Element(eid, off, off + il + sl, size)


async def _body(r: CachedReader, el: Element) -> bytes:
    if el.size is None or el.size > MAX_META:
        raise Malformed("metadata element too large")
    body = await r.read_exact(el.data, el.size)
    if body is None:
        raise Malformed("metadata element cut")
    return body


def _parse_meta(el: Element, body: bytes, webm: Webm, seg_start: int) -> None:
    if el.eid == SEEKHEAD:
        for eid, s, e in iter_elements(body, 0, len(body)):
            if eid != SEEK:
                continue
            target = pos = None
            for cid, cs, ce in iter_elements(body, s, e):
                if cid == SEEK_ID:
                    target = _uint(body[cs:ce])
                elif cid == SEEK_POS:
                    pos = _uint(body[cs:ce])
            if target == CUES and pos is not None:
                webm.cues_pos = seg_start + pos
    elif el.eid == INFO:
        for eid, s, e in iter_elements(body, 0, len(body)):
            if eid == TIMECODE_SCALE and _uint(body[s:e]):
                webm.scale = _uint(body[s:e])
            elif eid == DURATION and e - s in (4, 8):
                value = struct.unpack(">f" if e - s == 4 else ">d", body[s:e])[0]
                if value == value and 0 <= value < 1e15:  # NaN and absurd values are ignored
                    webm.duration = value
    elif el.eid == TRACKS:
        for eid, s, e in iter_elements(body, 0, len(body)):
            if eid != TRACK_ENTRY:
                continue
            number = kind = default = 0
            for cid, cs, ce in iter_elements(body, s, e):
                if cid == TRACK_NUMBER:
                    number = _uint(body[cs:ce])
                elif cid == TRACK_TYPE:
                    kind = _uint(body[cs:ce])
                elif cid == DEFAULT_DURATION:
                    default = _uint(body[cs:ce])
            if number:
                webm.track_count += 1
            if kind == 1:
                webm.video_tracks.add(number)
            if default:
                webm.frame_ns[number] = default


def _cluster_end(buf: bytes, base: int, webm: Webm) -> tuple[float | None, bool]:
    """Seconds at the end of the last whole video frame in a cluster window, and whether the
    window held a Timestamp. `buf` is the cluster body from its start (possibly cut)."""
    cluster_ts = None
    last: dict[int, int] = {}
    deltas: dict[int, int] = {}
    for eid, s, e in iter_elements(buf, 0, len(buf)):
        if eid == TIMESTAMP:
            cluster_ts = _uint(buf[s:e])
        elif eid in (SIMPLE_BLOCK, BLOCK_GROUP) and cluster_ts is not None:
            if eid == BLOCK_GROUP:
                inner = next((x for x in iter_elements(buf, s, e) if x[0] == BLOCK), None)
                if inner is None:
                    continue
                s, e = inner[1], inner[2]
            track, tl = read_size(buf, s)
            if track is None or s + tl + 2 > e:
                continue
            ts = cluster_ts + struct.unpack_from(">h", buf, s + tl)[0]
            if track in last and ts > last[track]:
                deltas[track] = ts - last[track]
            last[track] = max(ts, last.get(track, ts))
    if cluster_ts is None:
        return None, False
    tracks = [t for t in last if t in webm.video_tracks] or list(last)
    if not tracks:
        return cluster_ts * webm.scale / 1e9, True
    ends = []
    for t in tracks:
        frame = webm.frame_ns.get(t, deltas.get(t, 0) * webm.scale)
        ends.append((last[t] * webm.scale + frame) / 1e9)
    return min(ends), True


async def _probe(r: CachedReader, res: MediaResult) -> None:
    media = res.media
    with contextlib.suppress(RangeUnavailable):
        await r.read(0, PREFETCH if r.total is None else min(PREFETCH, r.total))
    total = r.total
    head = await _header(r, 0)
    if head is None or head.eid != EBML or head.size is None:
        res.add("not_webm", "The file does not start like a WebM/Matroska container.")
        return
    seg = await _header(r, head.end)
    if seg is None:
        media.complete, media.playable_seconds = False, 0.0
        res.add(
            "ebml_segment_truncated",
            "The upload stopped before any media was written.",
            Verdict.INCOMPLETE,
            Strength.STRONG,
        )
        return
    if seg.eid != SEGMENT:
        res.add("not_webm", "No Matroska Segment follows the EBML header.")
        return
    webm = Webm()
    seg_end = seg.end
    seg_cut = total is not None and seg_end is not None and seg_end > total
    limit = seg_end if seg_end is not None else total
    if seg.size is None:
        res.add("ebml_unknown_size", "The segment size is unknown (live-style recording).")
    # Walk level-1 elements: metadata read in full, clusters by header only.
    clusters: list[Element] = []
    cut_el: Element | None = None
    off = seg.data
    walked = 0
    while walked < MAX_CHILDREN and (limit is None or off < limit):
        el = await _header(r, off)
        if el is None:
            if total is not None and off < total:
                cut_el = Element(0, off, off, None)
            break
        walked += 1
        if el.size is None:
            if el.eid == CLUSTER:
                clusters.append(el)
            break  # an unknown-size child cannot be skipped by headers alone
        if el.end is not None and total is not None and el.end > total:
            cut_el = el
            if el.eid == CLUSTER:
                clusters.append(el)
            break
        if el.eid in (SEEKHEAD, INFO, TRACKS) and not clusters:
            _parse_meta(el, await _body(r, el), webm, seg.data)
        elif el.eid == CLUSTER:
            clusters.append(el)
        off = el.end
    if webm.duration is not None:
        media.duration_seconds = webm.duration * webm.scale / 1e9
    walk_done = walked < MAX_CHILDREN
    if not walk_done:
        res.add("ebml_walk_capped", f"Stopped after {MAX_CHILDREN} elements.")
    cues_cut = total is not None and webm.cues_pos is not None and webm.cues_pos >= total
    if total is None:
        res.add("total_unknown", "The file length is unknown; the segment end cannot be checked.")
        return
    if seg.size is None or (clusters and clusters[-1].size is None):
        await _unknown_size(r, res, webm, total)
        return
    truncated = seg_cut or cut_el is not None or cues_cut
    if not truncated:
        if not clusters:
            media.complete, media.playable_seconds = False, 0.0
            res.add(
                "ebml_no_clusters",
                "The file holds no media clusters.",
                Verdict.INCOMPLETE,
                Strength.MEDIUM,
            )
            return
        if not walk_done:
            return
        if webm.track_count == 0:
            # Clusters without any declared track: no player can decode them, so nothing here
            # shows that a video can be watched (Matroska spec: Tracks describe every block).
            res.add(
                "ebml_no_tracks",
                "The file has media clusters but declares no track: it cannot be played as is.",
            )
            return
        last = clusters[-1]
        window = await r.read(last.data, min(CLUSTER_WINDOW, last.size or 0))
        end, _ = _cluster_end(window, last.data, webm)
        media.playable_seconds = media.duration_seconds or end
        if media.duration_seconds is None:
            media.duration_seconds = end
        media.complete = True
        res.add(
            "complete_webm",
            f"The segment ends exactly at the end of file ({fmt_seconds(media.duration_seconds)}).",
            Verdict.PUBLIC,
            Strength.STRONG,
        )
        return
    # Truncated: date the last whole frame, from the cluster the file stops in.
    media.complete = False
    playable: float | None = 0.0
    exact = True
    cut_cluster = clusters[-1] if clusters and clusters[-1] is cut_el else None
    if cut_cluster is not None:
        avail = total - cut_cluster.data
        window = await r.read(cut_cluster.data, min(CLUSTER_WINDOW, max(avail, 0)))
        exact = len(window) >= avail
        playable, has_ts = _cluster_end(window, cut_cluster.data, webm)
        if not has_ts:
            cut_cluster = None
    if cut_cluster is None:
        whole = [c for c in clusters if c is not cut_el]
        if whole:
            last = whole[-1]
            window = await r.read(last.data, min(CLUSTER_WINDOW, last.size or 0))
            exact = len(window) >= (last.size or 0)
            playable, _ = _cluster_end(window, last.data, webm)
        elif not walk_done:
            playable = None
    media.playable_seconds = playable
    duration = media.duration_seconds
    if (
        playable is not None
        and duration
        and playable >= duration - max(0.5, 0.02 * duration)
        and cut_el is not None
        and cut_el.eid != CLUSTER
    ):
        media.complete = True
        res.add(
            "webm_index_truncated",
            "Only the index after the media is cut off; the whole video can be played.",
            Verdict.PUBLIC,
            Strength.MEDIUM,
        )
        return
    bound = "" if exact else "at least "
    code = "cues_beyond_eof" if cues_cut and not seg_cut else "ebml_segment_truncated"
    res.add(
        code,
        f"The upload stopped before the end of the segment: {bound}"
        f"{fmt_seconds(playable)} of {fmt_seconds(duration)} can be played.",
        Verdict.INCOMPLETE,
        Strength.STRONG,
    )
    if cues_cut and seg_cut:
        res.add(
            "cues_beyond_eof",
            "The seek index points past the end of the file.",
            Verdict.INCOMPLETE,
            Strength.STRONG,
        )


async def _unknown_size(r: CachedReader, res: MediaResult, webm: Webm, total: int) -> None:
    """Live-style file: no declared end. Find the last Cluster near the end of file."""
    media = res.media
    start = max(0, total - TAIL_WINDOW)
    tail = await r.read(start, total - start)
    marker = CLUSTER.to_bytes(4, "big")
    best = None
    p = tail.rfind(marker)
    while p != -1 and best is None:
        try:
            size, sl = read_size(tail, p + 4)
            body = tail[p + 4 + sl :] if size is None else tail[p + 4 + sl : p + 4 + sl + size]
            end, has_ts = _cluster_end(body, start + p + 4 + sl, webm)
            if has_ts:
                best = end
        except Malformed:
            pass
        p = tail.rfind(marker, 0, p)
    media.playable_seconds = best
    duration = media.duration_seconds
    if best is not None and duration and best < duration - max(1.0, 0.02 * duration):
        media.complete = False
        res.add(
            "ebml_segment_truncated",
            f"The media stops at {fmt_seconds(best)} of the announced {fmt_seconds(duration)}.",
            Verdict.INCOMPLETE,
            Strength.MEDIUM,
        )
        return
    res.add(
        "ebml_end_unverifiable",
        f"The recording has no declared end; at least {fmt_seconds(best)} can be played.",
    )
