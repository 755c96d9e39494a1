"""The page probe: what the HTML the gate fetched says (video, markers, login walls, traps).

The analysis itself (page_analysis.py) is pure and CPU-bound; it runs in a thread so a hostile
2 MB page cannot stall every other check on the event loop.
"""

from __future__ import annotations

import asyncio

from yarl import URL

from veriflien.probes.base import CheckContext, Probe
from veriflien.probes.fetch import is_media_type
from veriflien.probes.page_analysis import analyse_page

PAGE_ANALYSIS_BYTES = 2_000_000


class PageProbe(Probe):
    name = "page"
    stage = 2

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.page is not None
            and bool(ctx.page.body)
            and not is_media_type(ctx.page.content_type)
            and ctx.page.status < 400
        )

    async def run(self, ctx: CheckContext) -> None:
        page = ctx.page
        assert page is not None
        platform = ctx.platform
        host = URL(page.url).host or ""
        on_platform = platform is not None and platform.owns_host(host)
        analysis = await asyncio.to_thread(
            analyse_page,
            page.body,
            page.url,
            platform.markers if on_platform else None,
            max_bytes=PAGE_ANALYSIS_BYTES,
            # A login form on the platform's own host is the platform's; elsewhere it imitates it.
            claimed_platform_allowed=on_platform,
        )
        ctx.page_analysis = analysis
        ctx.findings.extend(analysis.findings)
