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
import itertools
import struct
from dataclasses import dataclass, field

from veriflien.result import Strength, Verdict

from .reader import (
    READ_TARGET,
    CachedReader,
    MediaResult,
    RangeReader,
    RangeUnavailable,
    fmt_seconds,
    probe_file,
)

PREFETCH = 16 * 1024
MAX_CHILDREN = 4096  # level-1 elements walked; each costs one tiny read
# Clusters stepped over one header read (one request) at a time; a longer file is judged from
# its declared size and one read of its end instead, within the per-check request budget.
MAX_HOPS = 96
MAX_META = 64 * 1024  # SeekHead, Info, Tracks bodies
TAIL_WINDOW = 160 * 1024  # the end of the file, read in one request to date its last whole frame
CLUSTER_HEAD = 64  # a cluster's first bytes: its Timestamp
MIN_CHAIN = 3  # elements a resynchronised run must hold (or reach the window's end) to be trusted

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
# Children a Cluster may hold besides blocks (RFC 9559 §5.1.3): Void, CRC-32, Position, PrevSize,
# SilentTracks, EncryptedBlock. Anything else in a run of cluster children breaks the run.
CLUSTER_OTHER = {0xEC, 0xBF, 0xA7, 0xAB, 0x5854, 0xAF}
# Level-1 elements that may follow the clusters (Cues, Tags, Chapters, Attachments, ...).
AFTER_CLUSTERS = {CUES, 0x1254C367, 0x1043A770, 0x1941A469, SEEKHEAD, INFO, TRACKS}


class Malformed(Exception):
    """Sizes or IDs contradict the EBML rules; reported as complete=None."""


def _vint_length(buf: bytes, p: int, longest: int, what: str) -> int:
    """Length of the vint at `p`: one more than its leading zero bits (RFC 9559 §4)."""
    if p >= len(buf):
        raise Malformed(f"{what} cut")
    first = buf[p]
    length = 1
    while length <= longest and not first & (0x80 >> (length - 1)):
        length += 1
    if length > longest or p + length > len(buf):
        raise Malformed(f"bad {what}")
    return length


def read_id(buf: bytes, p: int) -> tuple[int, int]:
    """Element ID (marker bits kept, as the spec writes IDs) and its length (1-4 bytes)."""
    length = _vint_length(buf, p, 4, "element id")
    return int.from_bytes(buf[p : p + length], "big"), length


def read_size(buf: bytes, p: int) -> tuple[int | None, int]:
    """Data size vint (RFC 9559 §4): None for the all-ones "unknown size"."""
    length = _vint_length(buf, p, 8, "size")
    first = buf[p]
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
    tracks: list[int] = field(default_factory=list)  # track numbers, in declaration order
    track_count: int = 0  # TrackEntry elements with a track number
    frame_ns: dict[int, int] = field(default_factory=dict)
    cues_pos: int | None = None

    @property
    def main_track(self) -> int | None:
        """The track ffmpeg would time: the first video track, else the first track."""
        video = [t for t in self.tracks if t in self.video_tracks]
        return (video or self.tracks or [None])[0]


async def probe_webm(reader: RangeReader) -> MediaResult:
    """Tell a complete WebM/Matroska file from a partial upload within the byte budget."""
    return await probe_file(
        "webm",
        reader,
        _probe,
        malformed=(Malformed, struct.error, IndexError, ValueError, OverflowError, MemoryError),
        malformed_code="ebml_malformed",
        malformed_detail="The WebM structure is inconsistent",
    )


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
                # NaN, zero (Firefox's MediaRecorder writes 0) and absurd values say nothing.
                if value == value and 0 < value < 1e15:
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
                webm.tracks.append(number)
            if kind == 1:
                webm.video_tracks.add(number)
            if default:
                webm.frame_ns[number] = default


@dataclass(slots=True)
class Block:
    cluster: int  # index into Chain.clusters
    track: int
    rel: int  # timestamp relative to its cluster, in ticks


@dataclass(slots=True)
class Chain:
    """A run of cluster children read from a window of the file, in order.

    `clusters` holds the Cluster headers met in the run ([None] first when the run starts inside
    a cluster whose header lies before the window): their Timestamps, when read. `end` says how
    the run ends: "window" (it fills the window exactly), "header" (the file ends inside an
    element header: no frame lost) or "payload" (the file ends inside an element's data: a frame
    cut in two).
    """

    clusters: list[int | None] = field(default_factory=lambda: [None])
    blocks: list[Block] = field(default_factory=list)
    elements: int = 0
    end: str = "window"

    def seconds(self, webm: Webm, first_ts: int | None) -> float | None:
        """Presentation end of the last whole frame of the main track, in seconds; None when the
        cluster it belongs to has no known Timestamp."""
        main = webm.main_track
        picked = [b for b in self.blocks if main is None or b.track == main] or self.blocks
        if not picked:
            return None
        stamps: list[int] = []
        for b in picked:
            base = self.clusters[b.cluster]
            if b.cluster == 0 and base is None:
                base = first_ts  # the run starts inside a cluster whose header was read apart
            if base is None:
                continue  # before the first Cluster header of the run: its cluster is unknown
            stamps.append(base + b.rel)
        if not stamps:
            return None  # the frames belong to a cluster whose Timestamp was not read
        last = max(stamps)
        steps = [b - a for a, b in itertools.pairwise(stamps) if b > a]
        track = picked[-1].track
        frame = webm.frame_ns.get(track, (steps[-1] if steps else 0) * webm.scale)
        return (last * webm.scale + frame) / 1e9


def parse_chain(buf: bytes, start: int, at_eof: bool, webm: Webm, *, trusted: bool) -> Chain | None:
    """The run of cluster children from buf[start:] to the end of the window.

    `trusted`: `start` is known to be an element boundary (a cluster's data start). Otherwise
    the run is a guess being checked (resynchronisation): any unknown element ID, a block of an
    undeclared track, or a run that stops short of the window's end rejects it (None).
    """
    chain = Chain()
    p = start
    known = set(webm.tracks)
    while p < len(buf):
        try:
            eid, il = read_id(buf, p)
            size, sl = read_size(buf, p + il)
        except Malformed:
            if len(buf) - p < 12:  # the window ends inside this header
                chain.end = "header" if at_eof else "window"
                return chain
            return None if not trusted else _stop(chain)
        data = p + il + sl
        if data > len(buf):
            chain.end = "header" if at_eof else "window"
            return chain
        if eid == CLUSTER:
            chain.clusters.append(None)
            chain.elements += 1
            p = data  # known or unknown size: its children follow
            continue
        if size is None:
            return None if not trusted else _stop(chain)
        if data + size > len(buf):  # the window ends inside this element's data
            chain.end = "payload" if at_eof else "window"
            return chain
        if eid == TIMESTAMP:
            chain.clusters[-1] = _uint(buf[data : data + size])
        elif eid in (SIMPLE_BLOCK, BLOCK_GROUP):
            body = (data, data + size)
            if eid == BLOCK_GROUP:
                try:
                    inner = next((x for x in iter_elements(buf, *body) if x[0] == BLOCK), None)
                except Malformed:
                    if not trusted:
                        return None
                    inner = None
                body = (inner[1], inner[2]) if inner else (data, data)
            if body[1] - body[0] >= 4:
                try:
                    track, tl = read_size(buf, body[0])
                except Malformed:
                    if not trusted:
                        return None
                    track, tl = None, 1
                if track is None or (known and track not in known):
                    if not trusted:
                        return None
                else:
                    rel = struct.unpack_from(">h", buf, body[0] + tl)[0]
                    chain.blocks.append(Block(len(chain.clusters) - 1, track, rel))
        elif eid not in CLUSTER_OTHER and eid not in AFTER_CLUSTERS and not trusted:
            return None
        chain.elements += 1
        p = data + size
    return chain


def _stop(chain: Chain) -> Chain:
    chain.end = "window"
    return chain


def resync(buf: bytes, at_eof: bool, webm: Webm) -> Chain | None:
    """The earliest position of the window from which a valid run of cluster children reaches
    its end: how a window cut out of the middle of a cluster is read (block payloads are never
    parsed, only the element headers that chain them)."""
    firsts = {0x1F, 0xA3, 0xA0, 0xE7}
    for p in range(len(buf)):
        if buf[p] not in firsts:
            continue
        chain = parse_chain(buf, p, at_eof, webm, trusted=False)
        if chain is not None and chain.elements >= MIN_CHAIN and len(chain.blocks) >= 2:
            return chain
    return None


async def _date(
    r: CachedReader, webm: Webm, cluster: Element, end: int, total: int
) -> tuple[float | None, str, bool]:
    """(seconds at the end of the last whole frame before `end` in `cluster`, how the data ends,
    whether the cluster holds a whole frame at all).

    A cluster that fits in one tail window is read whole; a larger one costs two reads: its
    first bytes (the Timestamp) and the bytes just before `end`, read back into step by
    resynchronisation. Exact either way: no frame rate or bitrate is assumed.
    """
    at_eof = end >= total
    room = _room(r)
    if end - cluster.data <= min(TAIL_WINDOW, room):
        buf = await r.read(cluster.data, end - cluster.data)
        chain = parse_chain(buf, 0, at_eof, webm, trusted=True)
        first_ts = None
    else:
        head = await r.read(cluster.data, CLUSTER_HEAD)
        first = parse_chain(head, 0, False, webm, trusted=True)
        first_ts = first.clusters[0] if first is not None else None
        size = max(0, min(TAIL_WINDOW, room - CLUSTER_HEAD))
        tail = await r.read(end - size, size)
        chain = resync(tail, at_eof, webm)
    if chain is None:
        return None, "window", True
    return chain.seconds(webm, first_ts), chain.end, bool(chain.blocks)


def _room(r: CachedReader) -> int:
    budget = getattr(r.inner, "budget", READ_TARGET)
    return max(0, min(READ_TARGET, budget) - r.bytes_read)


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
        res.nothing_plays(
            "ebml_segment_truncated",
            "The upload stopped before any media was written.",
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
    # Walk level-1 elements: metadata read in full (wherever it is), clusters by header only.
    clusters: list[Element] = []
    cut_el: Element | None = None
    live = False  # an unknown-size cluster: the walk cannot step over it
    tracks_cut = False
    off = seg.data
    walked = 0
    hopped = False  # too many clusters to step over: the end of the file is read instead
    while walked < MAX_CHILDREN and (limit is None or off < limit):
        el = await _header(r, off)
        if el is None:
            if total is not None and off < total:
                cut_el = Element(0, off, off, None)  # the file ends inside an element header
            break
        walked += 1
        if el.size is None:
            if el.eid == CLUSTER:
                clusters.append(el)
                live = True
            break  # an unknown-size child cannot be skipped by headers alone
        if el.end is not None and total is not None and el.end > total:
            cut_el = el
            tracks_cut = el.eid == TRACKS
            if el.eid == CLUSTER:
                clusters.append(el)
            break
        if el.eid in (SEEKHEAD, INFO, TRACKS) and el.size <= MAX_META:
            _parse_meta(el, await _body(r, el), webm, seg.data)
        elif el.eid == CLUSTER:
            clusters.append(el)
            if len(clusters) >= MAX_HOPS and total is not None and webm.track_count:
                hopped = True
                break
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
    if live:
        await _live(r, res, webm, clusters[-1], total)
        return
    if hopped:
        res.add("ebml_long_file", f"More than {MAX_HOPS} clusters: the end of the file is read.")
        declared = None if seg.size is None else not (seg_cut or cues_cut)
        if declared and media.duration_seconds:
            media.complete, media.playable_seconds = True, media.duration_seconds
            res.add(
                "complete_webm",
                f"The segment ends exactly at the end of file "
                f"({fmt_seconds(media.duration_seconds)}).",
                Verdict.PUBLIC,
                Strength.STRONG,
            )
            return
        await _live(r, res, webm, clusters[-1], total, declared)
        return
    if clusters and webm.track_count == 0 and walk_done:
        if tracks_cut or cut_el is not None or seg_cut:
            res.nothing_plays(
                "ebml_tracks_missing",
                "The upload stopped before the track descriptions were complete: no player can "
                "decode the media it holds, nothing plays.",
                Strength.STRONG,
            )
        else:
            # Clusters without any declared track: no player can decode them, so nothing here
            # shows that a video can be watched (Matroska spec: Tracks describe every block).
            res.add(
                "ebml_no_tracks",
                "The file has media clusters but declares no track: it cannot be played as is.",
            )
        return
    whole = not (seg_cut or cut_el is not None or cues_cut)
    if seg.size is None and cut_el is not None and cut_el.eid == 0:
        whole = True  # a recording stopped between two elements: no frame was cut
        res.add("ebml_trailing_bytes", "The file ends with the first bytes of an element.")
    elif seg.size is None and cut_el is not None and cut_el.eid not in (CLUSTER, INFO, TRACKS):
        # No declared end, and a metadata element claims more bytes than the file holds: that
        # says nothing about an interrupted recording (nothing can be concluded).
        res.add(
            "ebml_element_beyond_eof",
            "An element of this live-style recording claims more bytes than the file holds.",
        )
        return
    if whole:
        await _whole(r, res, webm, clusters, total, live_style=seg.size is None, done=walk_done)
        return
    # Truncated: date the last whole frame, in the cluster the file stops in.
    media.complete = False
    playable: float | None = 0.0
    whole_clusters = [c for c in clusters if c is not cut_el]
    if clusters and clusters[-1] is cut_el:
        playable, _, frames = await _date(r, webm, cut_el, total, total)
        if not frames:  # not one whole frame in the cut cluster: playback ends with the last one
            playable = 0.0 if not whole_clusters else None
    if whole_clusters and (playable is None or clusters[-1] is not cut_el):
        last = whole_clusters[-1]
        assert last.end is not None
        playable, _, _ = await _date(r, webm, last, last.end, total)
    elif not clusters and not walk_done:
        playable = None
    media.playable_seconds = playable
    duration = media.duration_seconds
    if (
        cut_el is not None
        and cut_el.eid not in (CLUSTER, 0)
        and clusters
        and (
            (playable is not None and duration and playable >= duration - max(0.5, 0.02 * duration))
            or (duration is None and cut_el.eid in AFTER_CLUSTERS)
        )
    ):
        media.complete = True
        res.add(
            "webm_index_truncated",
            "Only the index after the media is cut off; the whole video can be played.",
            Verdict.PUBLIC,
            Strength.MEDIUM,
        )
        return
    code = "cues_beyond_eof" if cues_cut and not seg_cut else "ebml_segment_truncated"
    res.add(
        code,
        f"The upload stopped before the end of the segment: {fmt_seconds(playable)} of "
        f"{fmt_seconds(duration)} can be played.",
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


async def _whole(
    r: CachedReader,
    res: MediaResult,
    webm: Webm,
    clusters: list[Element],
    total: int,
    *,
    live_style: bool,
    done: bool,
) -> None:
    """Every element ends within the file: complete, as far as the file can say."""
    media = res.media
    if not clusters:
        res.nothing_plays(
            "ebml_no_clusters",
            "The file holds no media clusters.",
            Strength.MEDIUM,
        )
        return
    if not done:
        return
    last = clusters[-1]
    assert last.end is not None
    end = None
    if media.duration_seconds is None:  # the declared length says it all when there is one
        end, _, _ = await _date(r, webm, last, last.end, total)
    media.playable_seconds = media.duration_seconds or end
    if media.duration_seconds is None:
        media.duration_seconds = end
    media.complete = True
    if live_style:
        res.add(
            "complete_webm",
            f"The recording ends with a whole cluster ({fmt_seconds(media.playable_seconds)}); "
            "it declares no length, so nothing announces more.",
            Verdict.PUBLIC,
            Strength.MEDIUM,
        )
        return
    res.add(
        "complete_webm",
        f"The segment ends exactly at the end of file ({fmt_seconds(media.duration_seconds)}).",
        Verdict.PUBLIC,
        Strength.STRONG,
    )


async def _live(
    r: CachedReader,
    res: MediaResult,
    webm: Webm,
    first: Element,
    total: int,
    whole: bool | None = None,
) -> None:
    """Clusters of unknown size (a browser's MediaRecorder): nothing declares where anything
    ends, so the end of the file is read in one request. A frame cut in two there is an
    interrupted upload or recording; a file ending on a whole frame (or inside the header of the
    next one) is as complete as a recording can show. `whole`: what the declared segment size
    already says (a long file whose clusters were not all stepped over), None when nothing
    declares it."""
    media = res.media
    if webm.track_count == 0:
        res.add("ebml_no_tracks", "The recording declares no track: it cannot be played as is.")
        return
    room = _room(r)
    start = max(first.data, total - min(TAIL_WINDOW, room))
    buf = await r.read(start, total - start)
    if start == first.data:
        chain = parse_chain(buf, 0, True, webm, trusted=True)
    else:
        chain = resync(buf, True, webm)
    if chain is None:
        res.add("ebml_tail_unreadable", "The end of the recording could not be read back.")
        return
    # Blocks before the run's first Cluster header belong to a cluster whose start lies before
    # the window: which one, only reading everything in between would tell. Never assumed.
    first_ts = chain.clusters[0] if start == first.data else None
    seconds = chain.seconds(webm, first_ts)
    if seconds is None and not chain.blocks and first_ts is not None:
        seconds = first_ts * webm.scale / 1e9  # not one whole frame yet: nothing plays
    if whole and media.duration_seconds:
        seconds = media.duration_seconds  # whole, and its declared length says it all
    media.playable_seconds = seconds
    if seconds is None:
        last_rel = max((b.rel for b in chain.blocks), default=0) * webm.scale / 1e9
        res.add(
            "ebml_time_unknown",
            f"The last cluster starts too far from the end of the file to be read within the "
            f"budget: at least {fmt_seconds(last_rel)} can be played.",
        )
    if whole is not None:
        # The segment declares its size: it says whether the file is whole.
        media.complete = whole
        if whole:
            media.playable_seconds = media.duration_seconds or seconds
            res.add(
                "complete_webm",
                f"The segment ends exactly at the end of file "
                f"({fmt_seconds(media.playable_seconds)}).",
                Verdict.PUBLIC,
                Strength.STRONG,
            )
        else:
            res.add(
                "ebml_segment_truncated",
                f"The upload stopped before the end of the segment: {fmt_seconds(seconds)} of "
                f"{fmt_seconds(media.duration_seconds)} can be played.",
                Verdict.INCOMPLETE,
                Strength.STRONG,
            )
        return
    if chain.end == "payload":
        media.complete = False
        res.add(
            "ebml_recording_cut",
            f"The recording stops in the middle of a frame: the upload (or the recording) was "
            f"interrupted; {fmt_seconds(seconds)} can be played.",
            Verdict.INCOMPLETE,
            Strength.STRONG,
        )
        return
    media.complete = True
    if media.duration_seconds is None:
        media.duration_seconds = seconds
    res.add(
        "complete_webm",
        f"The recording ends on a whole frame ({fmt_seconds(seconds)}); it declares no length, "
        "so nothing announces more.",
        Verdict.PUBLIC,
        Strength.MEDIUM,
    )
