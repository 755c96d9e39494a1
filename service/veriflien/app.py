"""The aiohttp application factory: routes, middlewares, and long-lived resources.

Long-lived resources (the gate's ClientSession, the yt-dlp worker pool) are created and closed in
cleanup contexts, so a test's `aiohttp_client(create_app(settings))` and `veriflien serve` run the
very same wiring.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources

from aiohttp import web

from veriflien.api.checks import create_check, healthz
from veriflien.api.errors import error_middleware
from veriflien.appkeys import ENGINE, GATE, SETTINGS
from veriflien.runtime import standalone_engine
from veriflien.settings import Settings

MAX_BODY_BYTES = 16 * 1024


def openapi_document() -> dict:
    text = resources.files("veriflien.api").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


@web.middleware
async def security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
    )
    return response


async def _engine_ctx(app: web.Application) -> AsyncIterator[None]:
    async with standalone_engine(app[SETTINGS]) as engine:
        app[ENGINE] = engine
        app[GATE] = engine.gate
        yield


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def create_app(settings: Settings | None = None) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, error_middleware], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings or Settings().with_overrides()
    app.cleanup_ctx.append(_engine_ctx)
    app.router.add_post("/api/v1/checks", create_check)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/openapi.json", openapi)
    return app
