"""The answer to a pasted message: the analysis, each link's result document, and the advice.

The API handler and `veriflien message` both build their answer here; they differ only in how a
link is checked (`check_link`: the API goes through the shared result cache and metrics, the CLI
calls the engine directly), so both give every link exactly the result document that
POST /api/v1/checks would give. The text itself is neither kept nor returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from veriflien import __version__
from veriflien.advice.messages import reason_text, render_message_advice
from veriflien.messages import MessageAnalysis, analyse_text
from veriflien.result import SCHEMA_VERSION

CheckLink = Callable[[str], Awaitable[dict[str, Any]]]


async def build_report(
    analysis: MessageAnalysis,
    check_link: CheckLink,
    *,
    lang: str,
    country: str,
    minor: bool,
) -> dict[str, Any]:
    """The response document of POST /api/v1/messages (see api/openapi.json: MessageAnalysis)."""
    analysed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The checks run side by side (each under the engine's own slots and deadline); gather keeps
    # the order of the links in the message.
    links = list(await asyncio.gather(*(check_link(url) for url in analysis.links_to_check)))
    classification = analysis.classification
    advice, report_links = render_message_advice(
        classification.kind, analysis.conditions, lang=lang, country=country, minor=minor
    )
    return {
        "classification": {
            "kind": classification.kind,
            "reasons": [
                {"code": r.code, "points_to": r.points_to, "text": reason_text(r.code, lang)}
                for r in classification.reasons
            ],
        },
        "payments": analysis.payments_json(),
        "links": links,
        "links_found": len(analysis.extraction.links),
        "contacts": analysis.contacts_json(),
        "advice": advice,
        "report_links": report_links,
        "evidence": analysis.evidence_json(),
        "analysed_at": analysed_at,
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "lang": lang,
        "country": country,
        "minor": minor,
    }


async def analyse_message(
    text: str, check_link: CheckLink, *, lang: str, country: str, minor: bool
) -> dict[str, Any]:
    """analyse_text (CPU, in a worker thread: the event loop keeps serving) then build_report."""
    analysis = await asyncio.to_thread(analyse_text, text)
    return await build_report(analysis, check_link, lang=lang, country=country, minor=minor)
