"""POST /api/v1/sheet: the printable evidence sheet, built from a result document the client holds.

Checks are not stored, so the client sends the result back (or the analysis of a whole message);
the sheet is rendered from it and forgotten. The page has inline CSS only and no script, so its
CSP allows nothing else.

A signed document is verified before it is printed: the sheet prints the signature (and how to
check it) only for a document this instance signed and nobody changed since, and refuses one whose
signature does not hold, so the service's name never heads a document it did not produce. An
unsigned document is printed with a note that it is not signed; it is never signed here (anyone
could then have their own text signed).
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
from veriflien.appkeys import SIGNER
from veriflien.attestation import is_loopback, verify

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
    outcome = verify(doc, request.app[SIGNER].keyring)
    if not outcome.valid and outcome.code != "unsigned":
        raise ApiError(
            400,
            "invalid_attestation",
            outcome.message("en") + " Check the link again for a new signed result.",
        )
    render = render_message_sheet if message else render_sheet
    page = render(doc, lang=lang, verified=outcome.valid, instance=instance_origin(request))
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"Content-Security-Policy": SHEET_CSP},
    )


def instance_origin(request: web.Request) -> str:
    """This instance's address as the sheet's reader should type it. The Host header is one of
    `allowed_hosts` (access.py refuses others). The verifier takes keys over https only, but for
    the machine itself, so any other name is written with https: a public instance sits behind a
    TLS proxy, which aiohttp cannot see."""
    host = request.host
    name = host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    return f"{'http' if is_loopback(name) else 'https'}://{host}"
