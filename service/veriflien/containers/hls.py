"""HLS playlist completeness check (RFC 8216), through the guarded child fetcher.

Why: a "video" link may be a playlist whose segments were never all uploaded, or a live/unfinished
stream. The playlist says what should exist (#EXTINF durations, #EXT-X-ENDLIST, #EXT-X-GAP); a
bounded sample of segments (first, middle, last per variant) probed with HEAD / bytes=0-0 says
whether it does. Segment bodies are never downloaded. Parsing is capped (lines, variants) so a
million-segment playlist costs bounded memory and time. No URL is written into findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from veriflien.result import Strength, Verdict
from veriflien.slices import Steps, lane, run_sliced, run_steps

from .reader import ChildFetcher, MediaResult, fmt_seconds, probe_manifest

MAX_LINES = 100_000
MAX_VARIANTS = 8
MAX_PLAYLIST_BYTES = 512 * 1024  # ~13,000 segments: hours of video
MISSING = frozenset({403, 404, 410})
PARSE_STEP_LINES = 256  # lines parsed between two checkpoints (well under 1 ms)
PARSE_LANE = 2  # playlists parsed at once


class Segment(NamedTuple):
    """One segment line. A tuple of strings and numbers, so the garbage collector stops tracking
    it after its first pass: a 100,000-line playlist makes 50,000 of these, and as tracked
    objects they made each full collection of a hostile burst cost hundreds of milliseconds
    (every check's deadline timer waits for a collection to end)."""

    ref: str  # as written in the playlist; resolved only for the few segments that are probed
    base: str
    duration: float
    gap: bool = False

    @property
    def url(self) -> str:
        return urljoin(self.base, self.ref)


@dataclass(slots=True)
class Playlist:
    master: bool = False
    variants: list[str] = field(default_factory=list)  # streams a viewer watches (video)
    renditions: list[str] = field(default_factory=list)  # alternate audio (EXT-X-MEDIA AUDIO)
    segments: list[Segment] = field(default_factory=list)
    endlist: bool = False
    playlist_type: str | None = None
    map_url: str | None = None
    capped: bool = False
    skipped_urls: int = 0


def _lines(text: str):
    """Lines one at a time, at most MAX_LINES (RFC 8216 §4.1: lines end with LF or CRLF)."""
    start = 0
    for _ in range(MAX_LINES):
        end = text.find("\n", start)
        if end == -1:
            if start < len(text):
                yield text[start:].strip()
            return
        yield text[start:end].strip()
        start = end + 1
    if start < len(text):
        yield None  # sentinel: cap reached with lines left unread


def _attr(line: str, name: str) -> str | None:
    key = name + "="
    pos = line.find(key)
    if pos == -1:
        return None
    value = line[pos + len(key) :]
    if value.startswith('"'):
        return value[1:].split('"', 1)[0]
    return value.split(",", 1)[0]


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _fetchable_ref(ref: str, pl: Playlist) -> bool:
    """Whether a segment reference resolves to http(s), without paying urljoin for each of a
    playlist's possibly huge number of lines: a reference without a scheme inherits the playlist's
    own (http or https, since the gate fetched it)."""
    match = _SCHEME.match(ref)
    if match is None or match.group(0).lower() in ("http:", "https:"):
        return True
    pl.skipped_urls += 1
    return False


def _resolve(base: str, ref: str, pl: Playlist) -> str | None:
    url = urljoin(base, ref)
    if urlsplit(url).scheme not in ("http", "https"):
        pl.skipped_urls += 1
        return None
    return url


def parse_playlist(text: str, base_url: str) -> Playlist:
    return run_steps(playlist_steps(text, base_url))


async def _parse_sliced(text: str, base_url: str) -> Playlist:
    """parse_playlist on the event loop in slices, a few at a time: a 100,000-line playlist is
    tens of milliseconds of Python, during which nothing else (no deadline) could run."""
    async with lane("hls-parse", PARSE_LANE):
        return await run_sliced(playlist_steps(text, base_url))


def playlist_steps(text: str, base_url: str) -> Steps[Playlist]:
    """The parse as bounded steps (veriflien.slices): a checkpoint every PARSE_STEP_LINES."""
    pl = Playlist()
    pending_variant = False
    duration: float | None = None
    gap = False
    for index, line in enumerate(_lines(text)):
        if index % PARSE_STEP_LINES == PARSE_STEP_LINES - 1:
            yield None
        if line is None:
            pl.capped = True
            break
        if not line:
            continue
        if line.startswith("#EXT-X-STREAM-INF"):
            pl.master, pending_variant = True, True
        elif line.startswith("#EXT-X-MEDIA:") and ("TYPE=AUDIO" in line or "TYPE=VIDEO" in line):
            uri = _attr(line, "URI")
            if uri and (url := _resolve(base_url, uri, pl)):
                pl.master = True
                (pl.renditions if "TYPE=AUDIO" in line else pl.variants).append(url)
        elif line.startswith("#EXTINF:"):
            try:
                duration = float(line[8:].split(",", 1)[0])
            except ValueError:
                duration = 0.0
            if not 0 <= duration < 1e6:
                duration = 0.0
        elif line.startswith("#EXT-X-GAP"):
            gap = True
        elif line.startswith("#EXT-X-ENDLIST"):
            pl.endlist = True
        elif line.startswith("#EXT-X-PLAYLIST-TYPE:"):
            pl.playlist_type = line.split(":", 1)[1].strip().upper()
        elif line.startswith("#EXT-X-MAP:"):
            uri = _attr(line, "URI")
            if uri:
                pl.map_url = _resolve(base_url, uri, pl)
        elif line.startswith("#"):
            continue
        elif pending_variant:
            pending_variant = False
            if url := _resolve(base_url, line, pl):
                pl.variants.append(url)
        elif duration is not None:
            if _fetchable_ref(line, pl):
                pl.segments.append(Segment(line, base_url, duration, gap))
            duration, gap = None, False
    return pl


@dataclass(slots=True)
class Outcome:
    complete: bool | None
    duration: float | None
    playable: float | None
    codes: list[tuple[str, str, Verdict | None, Strength | None]] = field(default_factory=list)


async def _status(fetcher: ChildFetcher, url: str) -> int:
    try:
        return await fetcher.probe(url)
    except Exception:  # the gate refused or the network failed: treat as unknown, not missing
        return 0


async def analyse_media(pl: Playlist, fetcher: ChildFetcher, label: str) -> Outcome:
    segs = pl.segments
    duration = sum(s.duration for s in segs)
    out = Outcome(None, duration if pl.endlist else None, duration)
    if pl.capped:
        out.codes.append(
            (
                "hls_playlist_capped",
                f"{label}: only the first {MAX_LINES} lines were read.",
                None,
                None,
            )
        )
    if not segs:
        out.complete, out.playable = False, 0.0
        out.codes.append(
            (
                "hls_no_segments",
                f"{label}: the playlist lists no segment.",
                Verdict.INCOMPLETE,
                Strength.MEDIUM,
            )
        )
        return out
    starts = [0.0]
    for s in segs:
        starts.append(starts[-1] + s.duration)
    first_bad: int | None = None
    gaps = [i for i, s in enumerate(segs) if s.gap]
    if gaps:
        first_bad = gaps[0]
        out.codes.append(
            (
                "hls_gap",
                f"{label}: {len(gaps)} segment(s) are marked as missing.",
                Verdict.INCOMPLETE,
                Strength.STRONG,
            )
        )
    if pl.map_url and await _status(fetcher, pl.map_url) in MISSING:
        out.complete, out.playable = False, 0.0
        out.codes.append(
            (
                "hls_segment_missing",
                f"{label}: the initialisation segment is missing.",
                Verdict.INCOMPLETE,
                Strength.STRONG,
            )
        )
        return out
    unknown = 0
    for i in sorted({0, len(segs) // 2, len(segs) - 1}):
        if segs[i].gap:
            continue
        status = await _status(fetcher, segs[i].url)
        if status in MISSING:
            first_bad = i if first_bad is None else min(first_bad, i)
            out.codes.append(
                (
                    "hls_segment_missing",
                    f"{label}: segment {i + 1} of {len(segs)} is missing (HTTP {status}).",
                    Verdict.INCOMPLETE,
                    Strength.STRONG,
                )
            )
        elif not 200 <= status < 300:
            unknown += 1
    if first_bad is not None:
        out.complete, out.playable = False, starts[first_bad]
        return out
    if not pl.endlist:
        out.complete = False
        kind = "an unfinished event" if pl.playlist_type == "EVENT" else "live or unfinished"
        out.codes.append(
            (
                "hls_no_endlist",
                f"{label}: the playlist has no end marker ({kind}); "
                f"{fmt_seconds(duration)} listed so far.",
                Verdict.UNKNOWN,
                Strength.WEAK,
            )
        )
        return out
    if unknown:
        out.codes.append(
            (
                "hls_segment_unverified",
                f"{label}: {unknown} sampled segment(s) could not be checked.",
                None,
                None,
            )
        )
        return out
    out.complete = True
    return out


async def probe_hls(url: str, body: bytes | str, fetcher: ChildFetcher) -> MediaResult:
    """Check an HLS playlist (master or media) whose body the gate already fetched from `url`."""
    return await probe_manifest(
        "hls",
        url,
        body,
        fetcher,
        _probe,
        malformed_code="hls_malformed",
        malformed_detail="The playlist could not be analysed",
    )


async def _probe(url: str, body: bytes | str, fetcher: ChildFetcher, res: MediaResult) -> None:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.lstrip("\ufeff \r\n\t").startswith("#EXTM3U"):
        res.add("not_hls", "The document is not an HLS playlist.")
        return
    pl = await _parse_sliced(text, url)
    if pl.skipped_urls:
        res.add("hls_url_skipped", f"{pl.skipped_urls} non-web address(es) were ignored.")
    if not pl.master:
        _apply(res, [await analyse_media(pl, fetcher, "playlist")])
        return
    if pl.capped:
        res.add("hls_playlist_capped", f"Only the first {MAX_LINES} lines were read.")
    variants = list(dict.fromkeys(pl.variants))
    if len(variants) > MAX_VARIANTS:
        res.add("hls_variants_capped", f"Only {MAX_VARIANTS} of {len(variants)} variants checked.")
    # An alternate audio rendition is not a way to watch the video: the video variants decide.
    # Renditions are checked too (and decide only when the playlist holds nothing else).
    renditions = [u for u in dict.fromkeys(pl.renditions) if u not in variants]
    checked = variants[:MAX_VARIANTS]
    outcomes = [await _variant(f"variant {n}", u, fetcher) for n, u in enumerate(checked, 1)]
    extra = renditions[: MAX_VARIANTS - len(checked)]
    sound = [await _variant(f"audio rendition {n}", u, fetcher) for n, u in enumerate(extra, 1)]
    if not outcomes:
        outcomes = sound  # nothing but renditions: they are what there is to play
    else:
        for o in sound:
            # Noted, without weight: a broken soundtrack does not hide (or reveal) the video.
            for code, detail, _supports, _strength in o.codes:
                res.add(code, detail)
    if not outcomes:
        res.nothing_plays(
            "hls_no_variants",
            "The master playlist lists no stream.",
            Strength.MEDIUM,
        )
        return
    _apply(res, outcomes)


async def _variant(label: str, vurl: str, fetcher: ChildFetcher) -> Outcome:
    """The outcome of one variant (or rendition) playlist of a master playlist."""
    try:
        status, child = await fetcher.get(vurl, MAX_PLAYLIST_BYTES)
    except Exception:
        status, child = 0, b""
    ctext = child.decode("utf-8", "replace") if isinstance(child, bytes) else child
    if status in MISSING:
        detail = f"{label}: the playlist is gone (HTTP {status})."
        return Outcome(
            False, None, 0.0, [("hls_variant_missing", detail, Verdict.INCOMPLETE, Strength.MEDIUM)]
        )
    if not 200 <= status < 300 or not ctext.lstrip("\ufeff \r\n\t").startswith("#EXTM3U"):
        detail = f"{label}: the playlist could not be read."
        return Outcome(None, None, None, [("hls_variant_unreadable", detail, None, None)])
    child_pl = await _parse_sliced(ctext, vurl)
    if child_pl.master:
        detail = f"{label}: a master playlist inside a master playlist."
        return Outcome(None, None, None, [("hls_nested_master", detail, None, None)])
    return await analyse_media(child_pl, fetcher, label)


def _apply(res: MediaResult, outcomes: list[Outcome]) -> None:
    """A viewer's player picks any working variant: the best variant decides what can be seen."""
    media = res.media
    for o in outcomes:
        for code, detail, supports, strength in o.codes:
            res.add(code, detail, supports, strength)
    complete = [o for o in outcomes if o.complete]
    media.duration_seconds = max((o.duration for o in outcomes if o.duration), default=None)
    known = [o.playable for o in outcomes if o.playable is not None]
    if complete:
        media.complete = True
        media.playable_seconds = max(o.playable or 0.0 for o in complete)
        if len(complete) < len(outcomes):
            res.add(
                "hls_some_variants_complete",
                "At least one variant is complete, so the whole video can be watched.",
            )
        res.add(
            "hls_complete",
            f"The playlist is finished and the sampled segments exist "
            f"({fmt_seconds(media.playable_seconds)}).",
            Verdict.PUBLIC,
            Strength.MEDIUM,
        )
        return
    unknown = any(o.complete is None for o in outcomes)
    media.complete = None if unknown else False
    media.playable_seconds = None if unknown else max(known, default=None)
