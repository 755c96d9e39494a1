"""What the page analysis hands back, and the small accumulator its rules write into.

Kept apart from the rules so that every rule module (evidence, traps) can add findings the same
way, with the same deduplication and caps, without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from veriflien.result import Finding, Findings

PROBE = "page"
MAX_MEDIA_URLS = 5
MAX_EMBED_URLS = 5


@dataclass
class PageAnalysis:
    findings: list[Finding] = field(default_factory=list)  # probe="page"
    media_urls: list[str] = field(default_factory=list)  # candidate direct media, best first
    embed_urls: list[str] = field(default_factory=list)  # players of known platforms, best first
    has_video: bool = False  # any video evidence at all
    title: str | None = None  # for the counsellor; trimmed, capped
    # The page itself, for the platform rules that read its JSON state without a second parse.
    # Never logged, never stored, never put in a result: it dies with the check.
    text: str = field(default="", repr=False)  # decoded (and NFC-normalised) text, up to the cap
    scripts: list[str] = field(default_factory=list, repr=False)  # inline <script> bodies, any type
    metas: dict[str, list[str]] = field(
        default_factory=dict, repr=False
    )  # lowercased name -> contents
    # A defect of ours that stopped the analysis (the page is then reported unreadable): the page
    # probe raises it again once its findings are given, so it is logged and counted (issue 15).
    defect: Exception | None = field(default=None, repr=False)


def host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def host_phrase(url: str | None) -> str:
    """ " (host example.org)": details name a host at most, never a full URL."""
    host = host_of(url) if url else None
    return f" (host {host})" if host else ""


class Builder(Findings):
    """Accumulates findings (each code once) and URLs with caps, so the rules stay readable."""

    # Candidates kept before ranking: enough to rank well, few enough that 80k <source> tags
    # cost nothing.
    CANDIDATES = 50

    def __init__(self) -> None:
        super().__init__(PROBE, once=True)
        self.media: list[tuple[int, str]] = []
        self.embeds: list[tuple[int, str]] = []

    def media_url(self, rank: int, url: str) -> None:
        if len(self.media) < self.CANDIDATES and url not in (u for _, u in self.media):
            self.media.append((rank, url))

    def embed_url(self, rank: int, url: str) -> None:
        if len(self.embeds) < self.CANDIDATES and url not in (u for _, u in self.embeds):
            self.embeds.append((rank, url))

    def ranked_media(self) -> list[str]:
        return [u for _, u in sorted(self.media, key=lambda item: item[0])][:MAX_MEDIA_URLS]

    def ranked_embeds(self) -> list[str]:
        return [u for _, u in sorted(self.embeds, key=lambda item: item[0])][:MAX_EMBED_URLS]
