"""Builds a ready check engine with its long-lived resources; used by the app and the CLI alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from veriflien import advice
from veriflien.check import CheckEngine
from veriflien.net import Gate
from veriflien.result import CheckResult
from veriflien.settings import Settings


def advise(result: CheckResult, platform: Any) -> None:
    """Fill the advice and report links of a finished result (data-driven, see advice/)."""
    result.advice, result.report_links = advice.render(
        result.verdict.value,
        lang=result.lang,
        country=result.country,
        minor=result.minor,
        platform=platform,
        media=None if result.media is None else result.media.to_json(),
    )


@asynccontextmanager
async def standalone_engine(settings: Settings) -> AsyncIterator[CheckEngine]:
    gate = Gate(settings)
    await gate.start()
    try:
        yield CheckEngine(settings, gate, advisor=advise)
    finally:
        await gate.close()
