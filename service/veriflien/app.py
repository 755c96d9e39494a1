"""The aiohttp application factory: routes, middlewares, and long-lived resources.

Long-lived resources (the gate's ClientSession, the yt-dlp worker pool) are created and closed in
cleanup contexts, so a test's `aiohttp_client(create_app(settings))` and `veriflien serve` run the
very same wiring.
"""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources

from aiohttp import web

from veriflien.api.checks import create_check, healthz
from veriflien.api.errors import error_middleware
from veriflien.api.sheet import MAX_SHEET_BODY, create_sheet
from veriflien.appkeys import ENGINE, GATE, SETTINGS
from veriflien.runtime import standalone_engine
from veriflien.settings import Settings

MAX_BODY_BYTES = MAX_SHEET_BODY  # per-route limits are enforced by read_json


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


STATIC_DIR = Path(__file__).parent / "static"
# The console loads nothing from elsewhere: every script, style and font is served from here.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


async def console(request: web.Request) -> web.StreamResponse:
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(index, headers={"Content-Security-Policy": CONSOLE_CSP})


@web.middleware
async def static_csp(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith("/static/"):
        response.headers["Content-Security-Policy"] = CONSOLE_CSP
    return response


def create_app(settings: Settings | None = None) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, static_csp, error_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings or Settings().with_overrides()
    app.cleanup_ctx.append(_engine_ctx)
    app.router.add_post("/api/v1/checks", create_check)
    app.router.add_post("/api/v1/sheet", create_sheet)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/", console)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False, append_version=False)
    return app
