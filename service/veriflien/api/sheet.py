"""POST /api/v1/sheet: the printable evidence sheet, built from a result document the client holds.

Checks are not stored, so the client sends the result back (or the analysis of a whole message);
the sheet is rendered from it and forgotten. The page has inline CSS only and no script, so its
CSP allows nothing else.
"""

from __future__ import annotations

from aiohttp import web

from veriflien.advice.sheet import (
    is_message_analysis,
    render_message_sheet,
    render_sheet,
    validate_message_for_sheet,
    validate_result_for_sheet,
)
from veriflien.api.checks import LANGS, read_json
from veriflien.api.errors import ApiError

MAX_SHEET_BODY = 256 * 1024
SHEET_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


async def create_sheet(request: web.Request) -> web.Response:
    doc = await read_json(request, limit=MAX_SHEET_BODY)
    lang = request.query.get("lang") or doc.get("lang") or "fr"
    if lang not in LANGS:
        raise ApiError(400, "unknown_lang", "The parameter 'lang' must be 'fr' or 'en'.")
    # A message analysis (POST /api/v1/messages) prints as a message evidence sheet.
    message = is_message_analysis(doc)
    problems = validate_message_for_sheet(doc) if message else validate_result_for_sheet(doc)
    if problems:
        raise ApiError(400, "invalid_result", " ".join(problems[:5]))
    render = render_message_sheet if message else render_sheet
    return web.Response(
        text=render(doc, lang=lang),
        content_type="text/html",
        headers={"Content-Security-Policy": SHEET_CSP},
    )
