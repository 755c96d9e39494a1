"""Handlers for checks: JSON in, the result document out (or a stream of progress events)."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from aiohttp import web

from veriflien import __version__
from veriflien.api.errors import ApiError
from veriflien.appkeys import CACHE, ENGINE, METRICS, SETTINGS
from veriflien.check import CheckRequest
from veriflien.net.urls import MAX_URL_LENGTH

LANGS = ("fr", "en")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_FIELDS = {"url", "lang", "country", "minor"}


MAX_CHECK_BODY = 16 * 1024


async def read_json(request: web.Request, limit: int = MAX_CHECK_BODY) -> dict[str, Any]:
    """The JSON object in the body, or a 4xx ApiError that says what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the request as application/json.")
    raw = await request.read()  # client_max_size (the largest route limit) stops huge bodies
    if len(raw) > limit:
        raise ApiError(413, "body_too_large", f"The request body is over {limit // 1024} KiB.")
    try:
        doc = json.loads(raw)
        # Lone surrogates ("\ud800") parse but cannot be written back as UTF-8: refuse them now
        # rather than fail while answering.
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from exc
    if not isinstance(doc, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return doc


def parse_check_request(
    doc: dict[str, Any], default_lang: str, default_country: str
) -> CheckRequest:
    unknown = sorted(set(doc) - _FIELDS)
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    url = doc.get("url")
    if url is None:
        raise ApiError(400, "missing_url", "The field 'url' is required.")
    if not isinstance(url, str):
        raise ApiError(400, "invalid_field", "The field 'url' must be a string.")
    if not url.strip():
        raise ApiError(400, "empty_url", "The field 'url' is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise ApiError(400, "url_too_long", f"The link is longer than {MAX_URL_LENGTH} characters.")
    lang = doc.get("lang", default_lang)
    if lang not in LANGS:
        raise ApiError(400, "unknown_lang", "The field 'lang' must be 'fr' or 'en'.")
    country = doc.get("country", default_country)
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise ApiError(400, "invalid_country", "The field 'country' must be a two-letter code.")
    minor = doc.get("minor", False)
    if not isinstance(minor, bool):
        raise ApiError(400, "invalid_field", "The field 'minor' must be true or false.")
    return CheckRequest(url=url, lang=lang, country=country.upper(), minor=minor)


def _wants_stream(request: web.Request) -> bool:
    return "text/event-stream" in request.headers.get("Accept", "")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def create_check(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    check = parse_check_request(
        await read_json(request), settings.default_lang, settings.default_country
    )
    engine = request.app[ENGINE]
    cache, metrics = request.app[CACHE], request.app[METRICS]
    # A recent answer for the same link, from any replica, spares the platform a second visit.
    cached = await cache.get(check)
    if cache.enabled:
        metrics.cache.labels("hit" if cached is not None else "miss").inc()
    if cached is not None:
        metrics.checks.labels(cached["verdict"]).inc()
        if not _wants_stream(request):
            return web.json_response(cached, dumps=_dumps, headers={"X-Cache": "hit"})

    stream: web.StreamResponse | None = None
    if _wants_stream(request):
        stream = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # let reverse proxies pass events through immediately
                "X-Cache": "hit" if cached is not None else "miss",
            }
        )
        await stream.prepare(request)
        if cached is not None:
            await stream.write(_sse("result", cached))
            await stream.write_eof()
            return stream

    async def progress(event: dict[str, Any]) -> None:
        metrics.observe_probe(event)
        if stream is not None:
            await stream.write(_sse("progress", event))

    result = await engine.run(check, progress)
    doc = result.to_json()
    metrics.checks.labels(doc["verdict"]).inc()
    metrics.check_seconds.observe(result.duration_ms / 1000)
    await cache.put(check, doc)
    if stream is None:
        return web.json_response(doc, dumps=_dumps, headers={"X-Cache": "miss"})
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
