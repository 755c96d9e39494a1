"""Builds a ready check engine with its long-lived resources; used by the app and the CLI alike.

Long-lived resources (the gate's connections, the thread pools) are created when the engine
starts and closed when it stops; the app runs this in a cleanup_ctx.

Catalogues are loaded (and validated) here, at start-up, so a typo in an association's edited data
file stops the service with a clear message instead of failing checks later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from veriflien import advice
from veriflien.advice.catalogue import load_resources
from veriflien.advice.findings import label_findings
from veriflien.check import CheckEngine
from veriflien.net import Gate
from veriflien.platforms import Catalogue
from veriflien.platforms.ytdlp_messages import default_ytdlp_messages
from veriflien.probes.page import LIGHT_LANE
from veriflien.probes.ytdlp_bridge import YtdlpRunner
from veriflien.result import CheckResult
from veriflien.settings import Settings


def make_advisor(settings: Settings) -> Callable[[CheckResult, Any], None]:
    """The function that fills a finished result's advice, report links and the words of its
    findings (data-driven)."""
    resources = load_resources(Path(settings.resources_file) if settings.resources_file else None)

    def advise(result: CheckResult, platform: Any) -> None:
        result.advice, result.report_links = advice.render(
            result.verdict.value,
            lang=result.lang,
            country=result.country,
            minor=result.minor,
            platform=platform,
            media=None if result.media is None else result.media.to_json(),
            resources=resources,
        )
        result.findings = label_findings(result.findings, result.lang)

    return advise


class Pools:
    """The service's thread pools: created when an engine starts (never at import time, so that
    importing the package starts nothing) and shut down when it stops (the app's cleanup_ctx).

    page_parse: lxml's parse releases the GIL, so two threads let two parses use two cores (one
    per ordinary-page lane, see probes/page). ytdlp: yt-dlp is synchronous; each extraction
    blocks one thread (`ytdlp_workers`).
    """

    def __init__(self, settings: Settings) -> None:
        self.page_parse = ThreadPoolExecutor(LIGHT_LANE, thread_name_prefix="page-parse")
        self.ytdlp = ThreadPoolExecutor(
            max_workers=settings.ytdlp_workers, thread_name_prefix="ytdlp"
        )

    def close(self) -> None:
        """Stop accepting work and drop queued jobs. Abandoned yt-dlp extractions are not waited
        for: their cancel flag is set and they end at their next request."""
        for pool in (self.page_parse, self.ytdlp):
            pool.shutdown(wait=False, cancel_futures=True)


@asynccontextmanager
async def standalone_engine(settings: Settings) -> AsyncIterator[CheckEngine]:
    catalogue = Catalogue.load(settings.platforms_file or None)
    default_ytdlp_messages()  # validated at start-up, like the other data files
    advisor = make_advisor(settings)
    gate = Gate(settings, consent_cookies=catalogue.consent_cookies())
    await gate.start()
    pools = Pools(settings)
    try:
        yield CheckEngine(
            settings,
            gate,
            catalogue=catalogue,
            ytdlp=YtdlpRunner(pools.ytdlp, settings.ytdlp_timeout),
            parse_pool=pools.page_parse,
            advisor=advisor,
        )
    finally:
        pools.close()
        await gate.close()
