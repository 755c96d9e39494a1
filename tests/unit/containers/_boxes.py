"""Tiny ISO-BMFF builder for hand-made (and hostile) MP4 test files."""

from __future__ import annotations

import struct


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind: bytes, payload: bytes, version: int = 0) -> bytes:
    return box(kind, struct.pack(">I", version << 24) + payload)


def movie(
    samples: int = 100,
    sample_size: int = 1000,
    timescale: int = 1000,
    delta: int = 100,
    stts_count: int | None = None,
    stsz_count: int | None = None,
) -> bytes:
    """ftyp|moov|mdat with one video track, one chunk per sample, consistent offsets."""
    ftyp = box(b"ftyp", b"isom\0\0\2\0isomiso2")

    def build(first_sample_offset: int) -> bytes:
        stts = full(b"stts", struct.pack(">III", 1, stts_count or samples, delta))
        stsc = full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
        count = samples if stsz_count is None else stsz_count
        stsz = full(
            b"stsz", struct.pack(">II", 0, count) + struct.pack(">I", sample_size) * samples
        )
        offsets = [first_sample_offset + i * sample_size for i in range(samples)]
        stco = full(
            b"stco", struct.pack(">I", samples) + b"".join(struct.pack(">I", o) for o in offsets)
        )
        stbl = box(b"stbl", stts + stsc + stsz + stco)
        mdhd = full(b"mdhd", struct.pack(">IIII", 0, 0, timescale, samples * delta) + b"\0" * 4)
        hdlr = full(b"hdlr", b"\0" * 4 + b"vide" + b"\0" * 13)
        tkhd = full(b"tkhd", struct.pack(">III", 0, 0, 1) + b"\0" * 68)
        trak = box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + box(b"minf", stbl)))
        mvhd = full(b"mvhd", struct.pack(">IIII", 0, 0, timescale, samples * delta) + b"\0" * 80)
        return box(b"moov", mvhd + trak)

    moov_len = len(build(0))
    start = len(ftyp) + moov_len + 8
    moov = build(start)
    mdat = box(b"mdat", b"\x55" * (samples * sample_size))
    return ftyp + moov + mdat
