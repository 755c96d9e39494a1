"""The one shape of an error answer: `{"error": {"code", "message"}}`, with a status.

Why a module of its own: the access policy answers 400, 401 and 429 before any API handler runs,
and sits below the API (it must not import from it); the API's error middleware answers every
other failure. Both build the body here, so a client reads one shape whoever refused it.
"""

from __future__ import annotations

from aiohttp import web

__all__ = ["error_response"]


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON error answer: `code` is stable (clients branch on it), `message` is for people."""
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )
