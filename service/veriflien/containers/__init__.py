"""Container parsers: tell a complete video from a partial upload with range reads only.

Why a package of its own: these parsers read untrusted bytes (box and element headers, playlists,
manifests) within a hard byte budget and must never raise on hostile input; keeping them apart from
the network code means the gate can be swapped or faked without touching the parsing.
"""

from __future__ import annotations

from veriflien.media_types import container_of_path, container_of_type

from .dash import probe_dash
from .ebml import probe_webm
from .hls import probe_hls
from .mp4 import probe_mp4
from .ogg import probe_ogg
from .reader import (
    DEFAULT_BUDGET,
    BudgetExceeded,
    BytesRangeReader,
    ChildFetcher,
    MediaResult,
    RangeReader,
    RangeUnavailable,
)

__all__ = [
    "DEFAULT_BUDGET",
    "BudgetExceeded",
    "BytesRangeReader",
    "ChildFetcher",
    "MediaResult",
    "RangeReader",
    "RangeUnavailable",
    "probe_dash",
    "probe_hls",
    "probe_mp4",
    "probe_ogg",
    "probe_webm",
    "sniff",
]

_MP4_BOXES = {b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"sidx"}


def sniff(first_bytes: bytes, content_type: str | None, url: str) -> str:
    """Container kind: mp4 | webm | ogg | hls | dash | unknown.

    The bytes decide first (a trap may lie in its Content-Type or file name); the declared type
    and then the URL extension only break ties when the bytes say nothing.
    """
    head = first_bytes[:1024]
    if len(head) >= 8 and head[4:8] in _MP4_BOXES:
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head.startswith(b"OggS"):
        return "ogg"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"#EXTM3U"):
        return "hls"
    if text.startswith(b"<") and re_mpd(text):
        return "dash"
    if head.strip() and (text.startswith(b"<") or text[:1] == b"{"):
        return "unknown"  # a web page or JSON, whatever its claimed type
    return container_of_type(content_type) or container_of_path(url) or "unknown"


def re_mpd(text: bytes) -> bool:
    return b"<MPD" in text or b":MPD" in text
