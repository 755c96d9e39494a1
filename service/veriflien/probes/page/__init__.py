"""The page probe: what the HTML the gate fetched says (video, markers, login walls, traps).

The analysis itself (analysis.py and its helpers in this package) is pure and CPU-bound. It runs
on the event loop in slices (veriflien.slices: a thread holding the GIL would delay the timers
that stop checks at their deadline), except the lxml parse, which releases the GIL and runs in a
small thread pool (runtime.py creates it at start-up). Lanes bound memory and protect ordinary
checks: ordinary pages (the vast majority, platform pages included) are analysed two at a time,
markup-heavy pages one at a time in a lane of their own, so a burst of hostile links queues
behind itself. A queued analysis is abandoned when its check runs out of time. Parsing also stops
at MAX_TAGS elements (the rest is reported as not analysed, never guessed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor

from yarl import URL

from veriflien.media_types import is_media
from veriflien.platforms.evidence import consent_wall
from veriflien.probes.base import CheckContext, Probe
from veriflien.probes.page.analysis import analyse_page, analysis_steps
from veriflien.probes.page.decode import decode
from veriflien.probes.page.report import PageAnalysis
from veriflien.result import Finding, Strength
from veriflien.slices import lane, run_sliced

PAGE_ANALYSIS_BYTES = 2_000_000
MAX_TAGS = 50_000  # far above real video pages (a YouTube watch page has a few thousand)
HEAVY_TAGS = 8_000  # pages with more tags than this take the heavy lane
LIGHT_LANE = 2
HEAVY_LANE = 1
_TAG_BLOCK = 4096

__all__ = ["PageAnalysis", "PageProbe", "analyse", "analyse_page"]


def _tag_budget(body: bytes) -> tuple[int, int]:
    """(number of tags up to MAX_TAGS, byte offset where the MAX_TAGS-th tag starts or the end)."""
    window = body[:PAGE_ANALYSIS_BYTES]
    count = window.count(b"<")
    if count <= MAX_TAGS:
        return count, len(window)
    seen = 0
    start = 0
    while True:  # whole blocks first (C-level counts), then at most one block "<" by "<"
        end = min(len(window), start + _TAG_BLOCK)
        in_block = window.count(b"<", start, end)
        if seen + in_block >= MAX_TAGS:
            break
        seen += in_block
        start = end
    position = start - 1
    for _ in range(MAX_TAGS - seen):
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
    executor: Executor | None = None,
) -> PageAnalysis:
    """analyse_page, sliced on the event loop, in the lane its size calls for; the lxml parse
    runs on `executor` (runtime.py's page-parse pool)."""
    tags, limit = _tag_budget(body)
    heavy = tags > HEAVY_TAGS
    async with lane("page-heavy", HEAVY_LANE) if heavy else lane("page-light", LIGHT_LANE):
        return await run_sliced(
            analysis_steps(
                body,
                url,
                markers,
                max_bytes=limit,
                claimed_platform_allowed=claimed_platform_allowed,
                same_owner=same_owner,
                content_type=content_type,
            ),
            executor,
        )


# Conclusions about "no video" that a consent wall or the platform's own player data overrule.
_NO_VIDEO_CODES = frozenset({"no_video_evidence"})


class PageProbe(Probe):
    name = "page"
    reads = ("page", "failure", "platform", "consent_wall")
    writes = ("page_analysis", "consent_wall", "first_evidence")

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.page is not None
            and bool(ctx.page.body)
            and not is_media(ctx.page.content_type)
            # 401/403 pages are read too: their login walls are evidence; 404/410 pages are not.
            and (ctx.page.status < 400 or ctx.page.status in {401, 403})
        )

    async def run(self, ctx: CheckContext) -> None:
        page = ctx.page
        assert page is not None
        platform = ctx.platform
        host = URL(page.url).host or ""
        on_platform = platform is not None and platform.owns_host(host)
        state: list[Finding] = []
        if on_platform and platform is not None and platform.states:
            # The platform's own player data, read first on its own hosts (elsewhere it could be
            # faked). When it answers plainly (a STRONG rule), that answer is the page's
            # evidence: the generic analysis (markup parse, markers, trap rules) would only
            # restate it, at several times the CPU on a real 1 MB watch page (issue 12), and a
            # platform's own page is not a trap page.
            text, _ = decode(page.body, PAGE_ANALYSIS_BYTES, page.headers.get("Content-Type"))
            state = platform.state_findings(text, self.name)
            if any(f.strength == Strength.STRONG for f in state):
                ctx.page_analysis = PageAnalysis(has_video=True)
                ctx.answer(state)
                return
        analysis = await analyse(
            page.body,
            page.url,
            platform.markers if on_platform else None,
            # A login form on the platform's own host is the platform's; elsewhere it imitates it.
            claimed_platform_allowed=on_platform,
            same_owner=platform.owns_host if platform is not None else None,
            content_type=page.headers.get("Content-Type"),
            executor=ctx.parse_pool,
        )
        ctx.page_analysis = analysis
        findings = list(analysis.findings)
        text = analysis.text  # decoded once, as browsers decode it (never kept)
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
        ctx.answer(findings + state)
        # The text and scripts served the platform's rules; nothing later needs them, and they
        # double the page's memory while the check lives.
        analysis.text, analysis.scripts = "", []
        if analysis.defect is not None:
            # Our bug, not a fact about the page: the engine logs it and counts it in /metrics.
            defect, analysis.defect = analysis.defect, None
            raise defect
