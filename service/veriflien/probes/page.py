"""The page probe: what the HTML the gate fetched says (video, markers, login walls, traps).

The analysis itself (page_analysis.py) is pure and CPU-bound: BeautifulSoup builds a Python tree,
which for a hostile page of 100,000 nested elements costs seconds and 100+ MB. So it runs off the
event loop, in two bounded lanes: ordinary pages (the vast majority, platform pages included) in a
small pool, and markup-heavy pages in a single-worker pool of their own, so a burst of hostile
links queues behind itself instead of starving everyone else's checks, and memory is bounded to
one heavy parse at a time. A queued parse is cancelled when its check runs out of time. Parsing
also stops at MAX_TAGS elements (the rest is reported as not analysed, never guessed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from yarl import URL

from veriflien.net.encoding import charset_param, decode, html_encoding, lookup
from veriflien.platforms.evidence import consent_wall
from veriflien.probes.base import CheckContext, Probe
from veriflien.probes.fetch import is_media_type
from veriflien.probes.page_analysis import PageAnalysis, analyse_page
from veriflien.result import Finding

PAGE_ANALYSIS_BYTES = 2_000_000
MAX_TAGS = 50_000  # far above real video pages (a YouTube watch page has a few thousand)
HEAVY_TAGS = 8_000  # pages with more tags than this take the heavy lane

# Sized to the cores: pure-Python parsing holds the GIL, and more threads would only starve the
# event loop (and its deadline timers) without analysing anything faster.
_light = ThreadPoolExecutor(max_workers=2, thread_name_prefix="page-light")
_heavy = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-heavy")


def _tag_budget(body: bytes) -> tuple[int, int]:
    """(number of tags up to MAX_TAGS, byte offset where the MAX_TAGS-th tag starts or the end)."""
    window = body[:PAGE_ANALYSIS_BYTES]
    count = window.count(b"<")
    if count <= MAX_TAGS:
        return count, len(window)
    position = -1
    for _ in range(MAX_TAGS):
        position = window.find(b"<", position + 1)
    return MAX_TAGS, position


async def analyse(
    body: bytes,
    url: str,
    markers: Mapping[str, Sequence[str]] | None,
    *,
    claimed_platform_allowed: bool,
    same_owner: Callable[[str], bool] | None = None,
    content_type: str | None = None,
) -> PageAnalysis:
    """analyse_page off the event loop, in the lane its size calls for."""
    tags, limit = _tag_budget(body)
    pool = _heavy if tags > HEAVY_TAGS else _light
    loop = asyncio.get_running_loop()

    def work() -> PageAnalysis:
        page: bytes | str = body
        cut = limit
        if lookup(charset_param(content_type)) is not None:
            # The HTTP charset wins over the page's own <meta> in browsers (a UTF-16 page is
            # only readable through it), and the analysis sees bytes only: give it the text.
            encoding = html_encoding(body, content_type)
            page = decode(body, encoding)
            cut = len(decode(body[:limit], encoding)) if limit < len(body) else len(page)
        return analyse_page(
            page,
            url,
            markers,
            max_bytes=cut,
            claimed_platform_allowed=claimed_platform_allowed,
            same_owner=same_owner,
        )

    return await loop.run_in_executor(pool, work)


# Conclusions about "no video" that a consent wall or the platform's own player data overrule.
_NO_VIDEO_CODES = frozenset({"no_video_evidence"})


class PageProbe(Probe):
    name = "page"
    stage = 2

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.page is not None
            and bool(ctx.page.body)
            and not is_media_type(ctx.page.content_type)
            # 401/403 pages are read too: their login walls are evidence; 404/410 pages are not.
            and (ctx.page.status < 400 or ctx.page.status in {401, 403})
        )

    async def run(self, ctx: CheckContext) -> None:
        page = ctx.page
        assert page is not None
        platform = ctx.platform
        host = URL(page.url).host or ""
        on_platform = platform is not None and platform.owns_host(host)
        analysis = await analyse(
            page.body,
            page.url,
            platform.markers if on_platform else None,
            # A login form on the platform's own host is the platform's; elsewhere it imitates it.
            claimed_platform_allowed=on_platform,
            same_owner=platform.owns_host if platform is not None else None,
            content_type=page.headers.get("Content-Type"),
        )
        ctx.page_analysis = analysis
        findings = list(analysis.findings)
        text = page.text()
        # The platform's own player data, read only on its own hosts (elsewhere it could be faked).
        state = (
            platform.state_findings(text, self.name)
            if on_platform and platform is not None and platform.states
            else []
        )
        if ctx.consent_wall is None and not analysis.has_video:
            ctx.consent_wall = consent_wall(ctx.catalogue.consent, host, text)
            if ctx.consent_wall is not None:
                findings.append(
                    Finding(
                        self.name,
                        "consent_wall",
                        "The page is a consent (cookie) wall that hides the content, so nothing "
                        "about the video could be seen.",
                    )
                )
        if state or ctx.consent_wall is not None or page.status >= 400:
            # A consent wall hides the content, a player answer is about a video, and an error
            # page (401, 403) is a wall too: none of them can be read as "there is no video".
            findings = [f for f in findings if f.code not in _NO_VIDEO_CODES]
        ctx.findings.extend(findings + state)
