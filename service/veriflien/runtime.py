"""Builds a ready check engine with its long-lived resources; used by the app and the CLI alike.

Catalogues are loaded (and validated) here, at start-up, so a typo in an association's edited data
file stops the service with a clear message instead of failing checks later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from veriflien import advice
from veriflien.advice.catalogue import load_resources
from veriflien.advice.findings import label_findings
from veriflien.check import CheckEngine
from veriflien.net import Gate
from veriflien.platforms import Catalogue
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


@asynccontextmanager
async def standalone_engine(settings: Settings) -> AsyncIterator[CheckEngine]:
    catalogue = Catalogue.load(settings.platforms_file or None)
    advisor = make_advisor(settings)
    ytdlp = YtdlpRunner(settings.ytdlp_workers, settings.ytdlp_timeout)
    gate = Gate(settings, consent_cookies=catalogue.consent_cookies())
    await gate.start()
    try:
        yield CheckEngine(settings, gate, catalogue=catalogue, ytdlp=ytdlp, advisor=advisor)
    finally:
        ytdlp.close()
        await gate.close()
