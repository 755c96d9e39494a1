"""Handlers for checks: JSON in, the result document out (or a stream of progress events).

An answer from the result cache is given the way the check itself was: the same progress events
at the same moments, the result after the same time, `checked_at` the time of this request, and no
header that says "hit". Whoever asks about a link (the blackmailer included) must not learn that
someone else asked before (issue 13).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from veriflien import __version__
from veriflien.api.errors import ApiError
from veriflien.appkeys import CACHE, ENGINE, METRICS, SETTINGS, SIGNER
from veriflien.check import CheckRequest
from veriflien.net.urls import MAX_URL_LENGTH
from veriflien.result import utc_timestamp
from veriflien.state import CachedCheck

LANGS = ("fr", "en")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_FIELDS = {"url", "lang", "country", "minor", "fresh"}


MAX_CHECK_BODY = 16 * 1024

# I-JSON (RFC 7493, section 2.2): only numbers an IEEE 754 double holds exactly are accepted, at
# parse time, for every route. Python's json alone takes NaN and Infinity, turns 1e999 into inf
# and raises a bare ValueError on integers over 4,300 digits: each ended in a 500 (issue 13).
MAX_SAFE_INTEGER = 2**53 - 1
_MAX_INTEGER_DIGITS = len(str(MAX_SAFE_INTEGER))


class _NumberOutOfRange(ValueError):
    pass


def _parse_int(text: str) -> int:
    # The length test comes first: converting thousands of digits is itself the cost to avoid.
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS or abs(int(text)) > MAX_SAFE_INTEGER:
        raise _NumberOutOfRange(text[:20])
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberOutOfRange(text[:20])
    return value


def _refuse_constant(name: str) -> float:
    raise _NumberOutOfRange(name)  # NaN, Infinity, -Infinity: not JSON (RFC 8259, section 6)


def parse_json(raw: bytes | str) -> Any:
    """Strict JSON: ValueError for anything RFC 8259 or I-JSON refuses; _NumberOutOfRange (a
    ValueError) for numbers out of range."""
    return json.loads(
        raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant
    )


async def read_json(request: web.Request, limit: int = MAX_CHECK_BODY) -> dict[str, Any]:
    """The JSON object in the body, or a 4xx ApiError that says what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the request as application/json.")
    raw = await request.read()  # client_max_size (the largest route limit) stops huge bodies
    if len(raw) > limit:
        raise ApiError(413, "body_too_large", f"The request body is over {limit // 1024} KiB.")
    try:
        doc = parse_json(raw)
        # Lone surrogates ("\ud800") parse but cannot be written back as UTF-8: refuse them now
        # rather than fail while answering.
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except _NumberOutOfRange as exc:
        raise ApiError(
            400,
            "invalid_number",
            "Numbers must be finite and between -9007199254740991 and 9007199254740991 "
            "(I-JSON, RFC 7493).",
        ) from exc
    except (UnicodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from exc
    if not isinstance(doc, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return doc


def read_request_fields(
    doc: dict[str, Any],
    allowed: set[str] | frozenset[str],
    text_field: str,
    max_chars: int,
    too_long: str,
    default_lang: str,
    default_country: str,
) -> tuple[str, str, str, bool]:
    """The fields a check and a message request share: the required text (`url` or `text`), then
    `lang`, `country` (upper-cased) and `minor`; a clear 400 for the first one that is wrong."""
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    text = doc.get(text_field)
    if text is None:
        raise ApiError(400, f"missing_{text_field}", f"The field '{text_field}' is required.")
    if not isinstance(text, str):
        raise ApiError(400, "invalid_field", f"The field '{text_field}' must be a string.")
    if not text.strip():
        raise ApiError(400, f"empty_{text_field}", f"The field '{text_field}' is empty.")
    if len(text) > max_chars:
        raise ApiError(400, f"{text_field}_too_long", too_long)
    lang = doc.get("lang", default_lang)
    if lang not in LANGS:
        raise ApiError(400, "unknown_lang", "The field 'lang' must be 'fr' or 'en'.")
    country = doc.get("country", default_country)
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise ApiError(400, "invalid_country", "The field 'country' must be a two-letter code.")
    minor = doc.get("minor", False)
    if not isinstance(minor, bool):
        raise ApiError(400, "invalid_field", "The field 'minor' must be true or false.")
    return text, lang, country.upper(), minor


def parse_check_request(
    doc: dict[str, Any], default_lang: str, default_country: str
) -> tuple[CheckRequest, bool]:
    """The check asked for, and whether the caller wants it run again rather than reused."""
    url, lang, country, minor = read_request_fields(
        doc,
        _FIELDS,
        "url",
        MAX_URL_LENGTH,
        f"The link is longer than {MAX_URL_LENGTH} characters.",
        default_lang,
        default_country,
    )
    fresh = doc.get("fresh", False)
    if not isinstance(fresh, bool):
        raise ApiError(400, "invalid_field", "The field 'fresh' must be true or false.")
    return CheckRequest(url=url, lang=lang, country=country, minor=minor), fresh


def _wants_stream(request: web.Request) -> bool:
    return "text/event-stream" in request.headers.get("Accept", "")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def utc_now() -> datetime:
    return datetime.now(UTC)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def create_check(request: web.Request) -> web.StreamResponse:
    started = time.monotonic()
    settings = request.app[SETTINGS]
    check, fresh = parse_check_request(
        await read_json(request), settings.default_lang, settings.default_country
    )
    engine = request.app[ENGINE]
    cache, metrics = request.app[CACHE], request.app[METRICS]
    # A recent answer for the same link, from any replica, spares the platform a second visit,
    # unless the caller asked to look again ("check again" in the console and the extension).
    cached = None if fresh else await cache.get(check)
    if cache.enabled:
        metrics.cache.labels("fresh" if fresh else "hit" if cached is not None else "miss").inc()

    stream: web.StreamResponse | None = None
    if _wants_stream(request):
        stream = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # let reverse proxies pass events through immediately
            }
        )
        await stream.prepare(request)
    if cached is not None:
        metrics.checks.labels(cached.doc["verdict"]).inc()
        pace = settings.check_deadline if settings.cache_hide_hits else None
        return await _replay(request, stream, cached, started, pace)

    events: list[tuple[int, dict[str, Any]]] = []

    async def progress(event: dict[str, Any]) -> None:
        events.append((_ms_since(started), event))
        metrics.observe_probe(event)
        if stream is not None:
            await stream.write(_sse("progress", event))

    result = await engine.run(check, progress)
    doc = result.to_json()
    metrics.checks.labels(doc["verdict"]).inc()
    metrics.check_seconds.observe(result.duration_ms / 1000)
    await cache.put(check, CachedCheck(doc, events, _ms_since(started)))
    return await _answer(request, stream, doc)


async def _replay(
    request: web.Request,
    stream: web.StreamResponse | None,
    cached: CachedCheck,
    started: float,
    deadline: float | None,
) -> web.StreamResponse:
    """Answer from the cache as the check itself answered its first caller: a missing progress
    event or an old `checked_at` would each say "someone checked this link". With `deadline`
    (setting cache_hide_hits) the answer also keeps the check's pace, so timing says nothing
    either; by default a hit is answered at once (the cache's purpose, README: Benchmarks)."""
    doc = {**cached.doc, "checked_at": utc_timestamp(utc_now())}
    for offset_ms, event in cached.events:
        if deadline is not None:
            # A damaged entry must not hold a connection longer than a check.
            await _sleep_until(started, min(offset_ms / 1000, deadline + 2.0))
        if stream is not None:
            await stream.write(_sse("progress", event))
    if deadline is not None:
        await _sleep_until(started, min(cached.elapsed_ms / 1000, deadline + 2.0))
    return await _answer(request, stream, doc)


async def _sleep_until(started: float, seconds: float) -> None:
    delay = started + seconds - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def _answer(
    request: web.Request, stream: web.StreamResponse | None, doc: dict[str, Any]
) -> web.StreamResponse:
    # Signed here, per answer, once `checked_at` is final: a cache hit gets its own signature over
    # its own time, and the cache keeps the unsigned document (attestation.py).
    doc = request.app[SIGNER].sign(doc)
    if stream is None:
        return web.json_response(doc, dumps=_dumps)
    await stream.write(_sse("result", doc))
    await stream.write_eof()
    return stream


def _dumps(obj: Any) -> str:
    # orjson: a result document (~10 KB) in a few microseconds instead of ~70 with json, on
    # every answer (the largest cut on the cached-answer path, see bench/scale.py). Same
    # output as ensure_ascii=False, without spaces.
    return orjson.dumps(obj).decode()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})
