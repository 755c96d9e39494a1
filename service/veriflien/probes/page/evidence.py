"""Video evidence in a page: what it declares (Open Graph, Twitter cards, JSON-LD, microdata), what
it embeds (<video>, <source>, players of known platforms, script-built players), and what the
platform's own wording says (catalogue markers).

Weak evidence stays weak: a direct media URL is only a hint the media probe will test, and
nothing here ever says "no video" (the facade does, when nothing at all was found).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

from veriflien.media_types import names_video, names_video_path
from veriflien.platforms.markers import MarkerText, marker_found
from veriflien.probes.page.report import PROBE, Builder, host_of, host_phrase
from veriflien.probes.page.scan import MAX_ELEMENTS, Scan, attr, microdata_props
from veriflien.result import Finding, Strength, Verdict

# A URL longer than this is not a media URL we want the lead to follow; it is noise or an attack.
MAX_URL_CHARS = 4096
MAX_FINDINGS_PER_MARKER_KIND = 3
MICRODATA_ITEMS = 20  # items whose properties are read (any number still counts as evidence)

#: What each catalogue marker kind points to. An age gate means any signed-in adult can watch:
#: that is evidence the content is out there, never that it is hidden, so it supports PUBLIC
#: (medium). It also explains the login wall the same page shows, which then cannot on its own
#: make the verdict "login required" (the rules see public and login evidence and say unknown).
MARKER_SUPPORT: dict[str, tuple[Verdict | None, Strength | None]] = {
    "private": (Verdict.PRIVATE, Strength.STRONG),
    "removed": (Verdict.REMOVED, Strength.STRONG),
    "processing": (Verdict.INCOMPLETE, Strength.MEDIUM),
    "login": (Verdict.LOGIN_REQUIRED, Strength.MEDIUM),
    "playable": (Verdict.PUBLIC, Strength.MEDIUM),
    "unlisted": (Verdict.UNLISTED, Strength.STRONG),
    "age_gate": (Verdict.PUBLIC, Strength.MEDIUM),
}
# Marker kinds that mean "there is (or was) a video here": they forbid a "no video" finding.
VIDEO_MARKER_KINDS = frozenset({"playable", "unlisted"})

# ---------------------------------------------------------------------------------------------
# URL classification
# ---------------------------------------------------------------------------------------------

_URL_WHITESPACE = re.compile(r"[\t\r\n]")

# Embedded players of platforms we know: (host suffix, path regex). The lead follows ONE level.
_PLAYER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (host, re.compile(path, re.IGNORECASE))
    for host, path in (
        ("youtube.com", r"^/(embed|v)/"),
        ("youtube-nocookie.com", r"^/embed/"),
        ("player.vimeo.com", r"^/video/"),
        ("dailymotion.com", r"^/(embed|player)"),
        ("geo.dailymotion.com", r"^/player"),
        ("streamable.com", r"^/[eo]/"),
        ("facebook.com", r"^/plugins/video\.php"),
        ("instagram.com", r"^/(p|reel|tv)/[^/]+/embed"),
        ("tiktok.com", r"^/(embed|player)"),
        ("player.twitch.tv", r"^/"),
        ("clips.twitch.tv", r"^/embed"),
        ("platform.twitter.com", r"^/embed"),
        ("rumble.com", r"^/embed/"),
        ("vk.com", r"^/video_ext\.php"),
        ("vkvideo.ru", r"^/video_ext\.php"),
        ("ok.ru", r"^/videoembed/"),
        ("drive.google.com", r"^/file/d/[^/]+/preview"),
        ("pornhub.com", r"^/embed/"),
        ("xvideos.com", r"^/embedframe/"),
        ("xnxx.com", r"^/embedframe/"),
        ("xhamster.com", r"^/(xembed\.php|embed/)"),
        ("redtube.com", r"^/?$"),  # embed.redtube.com/?id=...
        ("youporn.com", r"^/embed/"),
        ("spankbang.com", r"^/[^/]+/embed/"),
        ("onlyfans.com", r"^/embed"),
        ("bitchute.com", r"^/embed/"),
        ("odysee.com", r"^/\$/embed/"),
    )
)


def host_matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def same_site(a: str, b: str) -> bool:
    """Loose "same site": one host is the other or a subdomain of it (no public-suffix list)."""
    a, b = a.removeprefix("www."), b.removeprefix("www.")
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def resolve(value: Any, base_url: str) -> str | None:
    """Absolute http(s) URL for an attribute value, or None (javascript:, data:, blob:, junk)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_URL_CHARS:
        return None
    # Browsers strip tabs and newlines inside URLs; do the same so "java\nscript:" stays rejected.
    value = _URL_WHITESPACE.sub("", value)
    try:
        absolute = urljoin(base_url, value)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def is_player_url(url: str) -> bool:
    host = host_of(url)
    if not host:
        return False
    path = urlsplit(url).path or "/"
    return any(host_matches(host, h) and p.search(path) for h, p in _PLAYER_PATTERNS)


def looks_like_media(url: str, mime: str | None = None) -> bool:
    return (mime is not None and names_video(mime)) or names_video_path(url)


# ---------------------------------------------------------------------------------------------
# Markers from the platform catalogue
# ---------------------------------------------------------------------------------------------


def marker_findings(
    text: str, folded: bytes, markers: Mapping[str, Sequence[str]] | None
) -> tuple[list[Finding], set[str]]:
    """Catalogue markers found in the page: a plain one is a casefolded substring, "re:" a
    case-insensitive regex (the catalogue's documented semantics). `folded` is the page's UTF-8
    bytes in ASCII lower case."""
    findings: list[Finding] = []
    kinds_hit: set[str] = set()
    if not markers:
        return findings, kinds_hit
    page = MarkerText(text, folded)
    for kind, patterns in markers.items():
        if not isinstance(kind, str) or isinstance(patterns, str | bytes):
            continue  # a bare string would be iterated letter by letter: a catalogue bug
        safe_kind = re.sub(r"[^a-z0-9_]+", "_", kind.strip().lower()).strip("_") or "unknown"
        supports, strength = MARKER_SUPPORT.get(safe_kind, (None, None))
        hits = 0
        for marker in patterns or ():
            if hits >= MAX_FINDINGS_PER_MARKER_KIND:
                break
            if not isinstance(marker, str) or not marker:
                continue
            marker = unicodedata.normalize("NFC", marker)
            if not marker_found(marker, page):
                continue
            hits += 1
            kinds_hit.add(safe_kind)
            shown = marker if len(marker) <= 80 else marker[:77] + "..."
            findings.append(
                Finding(
                    PROBE,
                    f"marker_{safe_kind}",
                    f"The page contains the platform's '{safe_kind}' marker {shown!r}.",
                    supports,
                    strength,
                )
            )
    return findings, kinds_hit


# ---------------------------------------------------------------------------------------------
# Video evidence
# ---------------------------------------------------------------------------------------------


def _iter_json(root: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside a JSON value, iteratively (JSON-LD nests via @graph, lists, mainEntity)."""
    stack = [root]
    seen = 0
    while stack and seen < 10_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _is_video_object(node: Mapping[str, Any]) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "VideoObject" for k in kinds)


def _json_urls(value: Any) -> Iterable[str]:
    """contentUrl/embedUrl may be a string, a list, or an object with @id/url."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key in ("@id", "url"):
                if isinstance(item.get(key), str):
                    yield item[key]


def declared_video(out: Builder, scan: Scan, base_url: str) -> list[str]:
    """Open Graph, Twitter cards, <video>, <source>, JSON-LD, microdata and embedded players.
    Returns the codes of the evidence found (empty: the page shows no video by itself)."""
    video_codes: list[str] = []

    def meta(*keys: str) -> list[str]:
        return [v for k in keys for v in scan.metas.get(k, [])]

    og_type = next(iter(meta("og:video:type")), None)
    for raw in meta("og:video", "og:video:url", "og:video:secure_url"):
        url = resolve(raw, base_url)
        if not url:
            continue
        video_codes.append("og_video")
        out.add("og_video", f"The page declares an Open Graph video{host_phrase(url)}.")
        if is_player_url(url) or (og_type or "").strip().lower() in ("text/html",):
            out.embed_url(1, url)
        elif (og_type or "").lower().find("flash") < 0:
            out.media_url(0, url)

    # The stream is a media file; the player is a page to embed, tried after it.
    for key, keep_url in (
        ("twitter:player:stream", lambda u: out.media_url(1, u)),
        ("twitter:player", lambda u: out.embed_url(2, u)),
    ):
        for raw in meta(key):
            url = resolve(raw, base_url)
            if url:
                video_codes.append("twitter_player")
                keep_url(url)
                out.add("twitter_player", f"The page declares a Twitter player{host_phrase(url)}.")

    for video in scan.videos[:MAX_ELEMENTS]:
        video_codes.append("video_element")
        out.add("video_element", "The page contains a video element.")
        url = resolve(attr(video, "src"), base_url)
        if url:
            out.media_url(2, url)

    for source in scan.sources[:MAX_ELEMENTS]:
        mime = attr(source, "type")
        parent = source.getparent()
        in_video = parent is not None and parent.tag == "video"
        url = resolve(attr(source, "src"), base_url)
        if not (in_video or (url and looks_like_media(url, mime))):
            continue  # <picture><source> is an image, <audio><source> is sound
        video_codes.append("video_source")
        out.add("video_source", "The page contains a video source element.")
        if url:
            out.media_url(3, url)

    for body in scan.jsonld:
        try:
            document = json.loads(body, strict=False)
        except (ValueError, RecursionError):
            continue
        for node in _iter_json(document):
            if not _is_video_object(node):
                continue
            video_codes.append("jsonld_video")
            out.add("jsonld_video", "The page describes a video in structured data (JSON-LD).")
            for raw in _json_urls(node.get("contentUrl")):
                if url := resolve(raw, base_url):
                    out.media_url(4, url)
            for raw in _json_urls(node.get("embedUrl")):
                if url := resolve(raw, base_url):
                    out.embed_url(3, url)

    for index, item in enumerate(scan.microdata_video[:MAX_ELEMENTS]):
        video_codes.append("microdata_video")
        out.add("microdata_video", "The page describes a video in structured data (microdata).")
        if index >= MICRODATA_ITEMS:
            continue
        for prop in microdata_props(item):
            name = (attr(prop, "itemprop") or "").strip()
            raw = attr(prop, "content") or attr(prop, "href") or attr(prop, "src")
            url = resolve(raw, base_url)
            if url and name == "contentUrl":
                out.media_url(4, url)
            elif url and name == "embedUrl":
                out.embed_url(3, url)

    for frame in scan.iframes[:MAX_ELEMENTS]:
        raw = attr(frame, "src") or attr(frame, "data-src") or attr(frame, "data-lazy-src")
        url = resolve(raw, base_url)
        if url and is_player_url(url):
            video_codes.append("embedded_player")
            out.embed_url(0, url)
            out.add(
                "embedded_player",
                f"The page embeds a video player of a known platform{host_phrase(url)}.",
            )
    return video_codes


def script_player(out: Builder, streams: Iterable[str], base_url: str) -> None:
    """Players assembled by script (common on small hosts) leave only library names and stream
    URLs behind; they are enough to forbid a "no video" finding."""
    out.add("script_player", "A script on the page loads a video player or a video stream.")
    for raw in streams:
        if url := resolve(raw, base_url):
            out.media_url(5, url)
