"""The public keys document and POST /api/v1/verify: the two routes of signed answers.

Signing itself happens where answers are written (api/checks.py `_answer`, the CLI): this module
only publishes the keys and checks documents sent back. It never signs what a client sends.
"""

from __future__ import annotations

from aiohttp import web

from veriflien.api.checks import LANGS, read_json
from veriflien.api.errors import ApiError
from veriflien.appkeys import SETTINGS, SIGNER
from veriflien.attestation import Verification, verify
from veriflien.jcs import loads

MAX_VERIFY_BODY = 256 * 1024  # as the sheet: a result document with room to spare


async def public_keys(request: web.Request) -> web.Response:
    """GET /.well-known/veriflien-keys.json: the current and retired public keys. Public data:
    any origin may read it (a verifier in a web page), caches may keep it five minutes."""
    return web.json_response(
        request.app[SIGNER].keys_document(),
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


async def verify_document(request: web.Request) -> web.Response:
    """POST /api/v1/verify: is this signed document intact, and signed by a key of ours?"""
    doc = await read_json(request, limit=MAX_VERIFY_BODY)
    lang = request.query.get("lang") or (
        doc.get("lang") if doc.get("lang") in LANGS else request.app[SETTINGS].default_lang
    )
    if lang not in LANGS:
        raise ApiError(400, "unknown_lang", "The parameter 'lang' must be 'fr' or 'en'.")
    keyring = request.app[SIGNER].keyring
    try:
        # Again, strictly: a repeated member name is legal for read_json (the last one wins) but
        # lets a reader of the file see another value than the one that was signed.
        outcome = verify(loads(await request.read()), keyring)
    except ValueError as exc:
        outcome = Verification("invalid_document", detail=str(exc), source=keyring.source)
    return web.json_response(outcome.to_json(lang))
