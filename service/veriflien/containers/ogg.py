"""Ogg (Theora, Vorbis, Opus) completeness check over two range reads.

Why: Ogg video (.ogv) is what some older phones, Firefox and open-source recorders write, and a
cut upload looks whole to a tag reader. An Ogg file is a chain of pages (RFC 3533): each page
header carries a capture pattern, flags (first page, last page of its stream: BOS/EOS), the
stream's serial number and a granule position, the codec's own clock at the end of the last
packet finished on that page. The first page of each stream holds the codec's identification
header, which says how to turn a granule into seconds (Theora: frame rate and keyframe shift;
Vorbis: sample rate; Opus: 48 kHz minus the pre-skip).

So the file's first bytes (already read) name the streams and their clocks, and one read of its
end finds the last whole page: the granule of the video stream's last whole page is the playable
time, and a last page cut short, or no end-of-stream flag, is an interrupted upload. Pages found
in the tail are trusted only once their CRC-32 checks out. No packet is ever decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from veriflien.result import Strength, Verdict

from .reader import (
    READ_TARGET,
    CachedReader,
    MediaResult,
    RangeReader,
    fmt_seconds,
    probe_file,
)

CAPTURE = b"OggS"
HEADER = 27  # fixed part of a page header, before the segment table (RFC 3533 §6)
HEAD_WINDOW = 64 * 1024  # where the identification headers (BOS pages) are looked for
TAIL_WINDOW = 160 * 1024  # the end of the file, read in one request
MAX_PAGES = 4096
BOS, EOS = 0x02, 0x04


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else r << 1
        table.append(r & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def ogg_crc(page: bytes) -> int:
    """The page checksum: CRC-32, polynomial 0x04C11DB7, no reflection (RFC 3533 §6)."""
    crc = 0
    for b in page:
        crc = ((crc << 8) ^ _CRC[((crc >> 24) ^ b) & 0xFF]) & 0xFFFFFFFF
    return crc


@dataclass(slots=True)
class Page:
    offset: int
    flags: int
    granule: int
    serial: int
    size: int  # header + segment table + body
    whole: bool  # the file holds all of it

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass(slots=True)
class Stream:
    codec: str  # theora, vorbis, opus, or what the identification header says
    video: bool
    # seconds at the end of the packet a granule position stands for; None: unknown codec
    rate: float | None = None
    shift: int = 0  # Theora: bits of the granule counting frames since the last keyframe
    offset: int = 0  # Theora before 3.2.1 counts from 0: one frame to add; Opus: minus pre-skip

    def seconds(self, granule: int) -> float | None:
        if self.rate is None or granule < 0:
            return None
        if self.codec == "theora":
            frames = (granule >> self.shift) + (granule & ((1 << self.shift) - 1)) + self.offset
            return frames / self.rate
        return max(0, granule - self.offset) / self.rate


@dataclass(slots=True)
class Ogg:
    streams: dict[int, Stream] = field(default_factory=dict)  # by serial number, in BOS order

    @property
    def main(self) -> int | None:
        """The stream ffmpeg would time: the first video stream, else the first stream."""
        video = [s for s, st in self.streams.items() if st.video]
        return (video or list(self.streams) or [None])[0]


def parse_page(buf: bytes, p: int, base: int) -> Page | None:
    """The page whose capture pattern is at buf[p], or None if these bytes are not a page header.

    A page the buffer ends inside is returned with whole=False when its header is complete."""
    if buf[p : p + 4] != CAPTURE:
        return None
    if len(buf) - p < HEADER:
        return Page(base + p, 0, -1, 0, HEADER, False)
    version, flags, granule, serial, _seq, _crc, nseg = struct.unpack_from("<BBqIIIB", buf, p + 4)
    if version != 0 or flags & ~0x07:
        return None
    if len(buf) - p < HEADER + nseg:
        return Page(base + p, flags, granule, serial, HEADER + nseg, False)
    size = HEADER + nseg + sum(buf[p + HEADER : p + HEADER + nseg])
    return Page(base + p, flags, granule, serial, size, p + size <= len(buf))


def _crc_ok(buf: bytes, p: int, size: int) -> bool:
    page = bytearray(buf[p : p + size])
    stored = struct.unpack_from("<I", page, 22)[0]
    page[22:26] = b"\0\0\0\0"
    return ogg_crc(bytes(page)) == stored


def chain(buf: bytes, base: int, *, resync: bool) -> list[Page]:
    """The pages of buf, in order. `resync`: buf starts anywhere; the run starts at the first
    capture pattern whose page checks out (CRC), then follows page sizes to the buffer's end."""
    start = 0
    if resync:
        start = -1
        at = buf.find(CAPTURE)
        while at != -1:
            page = parse_page(buf, at, base)
            if page is not None and page.whole and _crc_ok(buf, at, page.size):
                start = at
                break
            at = buf.find(CAPTURE, at + 1)
        if start < 0:
            return []
    pages: list[Page] = []
    p = start
    while p < len(buf) and len(pages) < MAX_PAGES:
        page = parse_page(buf, p, base)
        if page is None:
            break  # not a page where one should start: the run ends here
        pages.append(page)
        if not page.whole:
            break
        p += page.size
    return pages


def identify(body: bytes) -> Stream:
    """The stream described by the first packet of its BOS page."""
    if body.startswith(b"\x80theora") and len(body) >= 42:
        vmaj, vmin, vrev = body[7], body[8], body[9]
        frn, frd = struct.unpack_from(">II", body, 22)
        shift = ((body[40] & 0x03) << 3) | (body[41] >> 5)
        older = (vmaj, vmin, vrev) < (3, 2, 1)  # 3.2.0 and before count frames from 0
        rate = frn / frd if frn and frd else None
        return Stream("theora", True, rate, shift, 1 if older else 0)
    if body.startswith(b"\x01vorbis") and len(body) >= 16:
        rate = struct.unpack_from("<I", body, 12)[0]
        return Stream("vorbis", False, float(rate) or None)
    if body.startswith(b"OpusHead") and len(body) >= 12:
        pre_skip = struct.unpack_from("<H", body, 10)[0]
        return Stream("opus", False, 48000.0, 0, pre_skip)
    if body.startswith(b"\x7fFLAC") and len(body) >= 30:
        rate = int.from_bytes(body[27:30], "big") >> 4  # STREAMINFO: 20-bit sample rate
        return Stream("flac", False, float(rate) or None)
    label = body[1:8].decode("ascii", "replace").strip("\0 ") or "unknown"
    video = body[:8] in (b"OVP80\x01\x01\x00",) or body.startswith(b"\x80daala")
    return Stream(label, video)


async def probe_ogg(reader: RangeReader) -> MediaResult:
    """Tell a complete Ogg file from a partial upload within the byte budget."""
    return await probe_file(
        "ogg",
        reader,
        _probe,
        malformed=(struct.error, IndexError, ValueError, OverflowError, ZeroDivisionError),
        malformed_code="ogg_malformed",
        malformed_detail="The Ogg structure is inconsistent",
        budget_detail="The file is larger than the read budget allows.",
    )


async def _probe(r: CachedReader, res: MediaResult) -> None:
    media = res.media
    total = r.total
    if total is None:
        res.add("total_unknown", "The file length is unknown; its end cannot be checked.")
        return
    head = await r.read(0, min(total, HEAD_WINDOW))
    pages = chain(head, 0, resync=False)
    if not pages:
        res.add("not_ogg", "The file does not start like an Ogg container.")
        return
    ogg = Ogg()
    for page in pages:
        if not page.flags & BOS:
            break
        if page.whole:
            at = page.offset + HEADER
            nseg = head[page.offset + 26]
            ogg.streams[page.serial] = identify(head[at + nseg : page.end])
    main = ogg.main
    if main is None:
        res.nothing_plays(
            "ogg_header_truncated",
            "The upload stopped before the first stream header was whole: nothing plays.",
            Strength.STRONG,
        )
        return
    stream = ogg.streams[main]
    if stream.rate is None:
        res.add("ogg_codec_unknown", f"The Ogg stream's codec ({stream.codec}) is not timed here.")
        return
    if total <= len(head):
        tail_pages = pages
    else:
        room = max(0, min(READ_TARGET, getattr(r.inner, "budget", READ_TARGET)) - r.bytes_read)
        start = max(len(head), total - min(TAIL_WINDOW, room))
        tail = await r.read(start, total - start)
        tail_pages = chain(tail, start, resync=True)
        if not tail_pages or (tail_pages[-1].whole and tail_pages[-1].end < total):
            res.add("ogg_tail_unreadable", "The end of the file could not be read as Ogg pages.")
            return
    timed = [p for p in tail_pages if p.whole and p.serial == main and p.granule >= 0]
    if not timed and total > len(head):
        timed = [p for p in pages if p.whole and p.serial == main and p.granule >= 0]
    playable = stream.seconds(timed[-1].granule) if timed else 0.0
    media.playable_seconds = playable
    last = tail_pages[-1]
    ended = any(p.whole and p.serial == main and p.flags & EOS for p in tail_pages)
    if not last.whole:
        media.complete = False
        res.add(
            "ogg_page_cut",
            f"The upload stopped in the middle of a page: {fmt_seconds(playable)} can be played; "
            "the rest is missing.",
            Verdict.INCOMPLETE,
            Strength.STRONG,
        )
        return
    if not ended:
        media.complete = False
        res.add(
            "ogg_no_end_of_stream",
            f"The video stream has no last page (no end-of-stream mark): the upload stopped "
            f"between two pages; {fmt_seconds(playable)} can be played.",
            Verdict.INCOMPLETE,
            Strength.MEDIUM,
        )
        return
    media.complete = True
    media.duration_seconds = playable
    res.add(
        "complete_ogg",
        f"Every stream ends with its last page ({fmt_seconds(playable)} playable).",
        Verdict.PUBLIC,
        Strength.STRONG,
    )
