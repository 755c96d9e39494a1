"""POST /api/v1/messages: a whole blackmail message in, its analysis out; nothing kept or logged.

Each link of the message (at most five, in order) is checked exactly as POST /api/v1/checks
would check it: the same engine, gate, deadline, shared result cache and metrics, so every link
gets a full result document. Each link counts as one check against the caller's rate limit
(a message without links as one), charged at once before any check starts: five links cannot
be used to get five checks for the price of one.

The message text is only held in memory while it is read; it is never logged (the one log line
records the classification and counts) and never sent back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import web

from veriflien.access import AccessPolicy
from veriflien.api.checks import read_json, read_request_fields, utc_now
from veriflien.appkeys import ACCESS, CACHE, ENGINE, METRICS, SETTINGS, SIGNER
from veriflien.check import CheckRequest
from veriflien.logs import log
from veriflien.messages import MAX_TEXT_CHARS, analyse_text
from veriflien.messages.report import build_report
from veriflien.result import utc_timestamp
from veriflien.state.cache import CachedCheck

logger = logging.getLogger("veriflien.api")

_FIELDS = {"text", "lang", "country", "minor"}
# 20,000 characters of JSON-escaped text (up to 6 bytes each, "\\uXXXX") and the other fields.
MAX_MESSAGE_BODY = 128 * 1024


def parse_message_request(
    doc: dict[str, Any], default_lang: str, default_country: str
) -> tuple[str, str, str, bool]:
    """The message text, then lang, country and minor: the fields a message request carries."""
    return read_request_fields(
        doc,
        _FIELDS,
        "text",
        MAX_TEXT_CHARS,
        f"The message is longer than {MAX_TEXT_CHARS:,} characters.",
        default_lang,
        default_country,
    )


async def create_message_analysis(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    text, lang, country, minor = parse_message_request(
        await read_json(request, limit=MAX_MESSAGE_BODY),
        settings.default_lang,
        settings.default_country,
    )
    # A few milliseconds, up to a few tens for a hostile text: off the event loop all the same.
    analysis = await asyncio.to_thread(analyse_text, text)
    del text  # nothing below needs the message itself
    policy: AccessPolicy = request.app[ACCESS]
    limited = await policy.charge(request, max(1, len(analysis.links_to_check)))
    if limited is not None:
        return limited
    engine, cache, metrics = request.app[ENGINE], request.app[CACHE], request.app[METRICS]
    signer = request.app[SIGNER]

    async def check_link(url: str) -> dict[str, Any]:
        # The same path as POST /api/v1/checks without streaming: cache first, then the engine.
        check = CheckRequest(url=url, lang=lang, country=country, minor=minor)
        cached = await cache.get(check)
        if cache.enabled:
            metrics.cache.labels("hit" if cached is not None else "miss").inc()
        if cached is not None:
            metrics.checks.labels(cached.doc["verdict"]).inc()
            # As for POST /api/v1/checks: the time is this caller's, not the first caller's, and
            # the signature covers it.
            return signer.sign({**cached.doc, "checked_at": utc_timestamp(utc_now())})
        started = time.monotonic()
        result = await engine.run(check)
        doc = result.to_json()
        metrics.checks.labels(doc["verdict"]).inc()
        metrics.check_seconds.observe(result.duration_ms / 1000)
        await cache.put(check, CachedCheck(doc, [], int((time.monotonic() - started) * 1000)))
        return signer.sign(doc)

    report = await build_report(analysis, check_link, lang=lang, country=country, minor=minor)
    log(
        logger,
        logging.INFO,
        "message analysed",
        reason=report["classification"]["kind"],
        count=len(report["links"]),
    )
    # Each link's result is signed, and so is the whole analysis (its evidence list goes on the
    # message's evidence sheet).
    return web.json_response(signer.sign(report), dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
