"""The aiohttp application factory: routes, middlewares, and long-lived resources.

Long-lived resources (the gate's ClientSession, the yt-dlp worker pool) are created and closed in
cleanup contexts, so a test's `aiohttp_client(create_app(settings))` and `veriflien serve` run the
very same wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

from aiohttp import web

from veriflien.access import AccessPolicy, access_middleware
from veriflien.api.attest import public_keys, verify_document
from veriflien.api.checks import create_check, healthz
from veriflien.api.errors import error_middleware
from veriflien.api.messages import create_message_analysis
from veriflien.api.ops import metrics, readyz, selftest_status
from veriflien.api.sheet import MAX_SHEET_BODY, create_sheet
from veriflien.appkeys import (
    ACCESS,
    CACHE,
    ENGINE,
    GATE,
    METRICS,
    SELFTEST,
    SETTINGS,
    SIGNER,
    STATE,
)
from veriflien.attestation import KEYS_PATH, Signer
from veriflien.metrics import Metrics
from veriflien.runtime import standalone_engine
from veriflien.selftest import LastReport
from veriflien.settings import Settings
from veriflien.state import ResultCache, SharedState

MAX_BODY_BYTES = MAX_SHEET_BODY  # per-route limits are enforced by read_json


def openapi_document() -> dict:
    text = resources.files("veriflien.api").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Set on every response as it is prepared, streamed ones (server-sent events) included."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    csp = CONSOLE_CSP if request.path.startswith("/static/") else API_CSP
    response.headers.setdefault("Content-Security-Policy", csp)


async def _engine_ctx(app: web.Application) -> AsyncIterator[None]:
    async with standalone_engine(app[SETTINGS]) as engine:
        app[ENGINE] = engine
        app[GATE] = engine.gate
        yield


async def _state_ctx(app: web.Application) -> AsyncIterator[None]:
    # Redis unreachable at start-up is not fatal: the service starts degraded and reconnects.
    await app[STATE].start()
    yield
    await app[STATE].close()


async def _metrics_sync_ctx(app: web.Application) -> AsyncIterator[None]:
    """With several workers, copy this worker's live counts for /metrics once a second."""

    async def sync_forever() -> None:
        while True:
            app[METRICS].sync()
            await asyncio.sleep(1.0)

    task = asyncio.get_running_loop().create_task(sync_forever())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    app[METRICS].sync()  # the last counts of a worker that stops are kept in the sums


def _live_metrics(app: web.Application) -> dict[str, object]:
    gate = app.get(GATE)
    engine = app.get(ENGINE)
    last = app.get(SELFTEST)
    selftest = last.cached if last is not None else None
    return {
        "selftest": selftest.platforms() if selftest is not None else {},
        "selftest_age": selftest.age_seconds() if selftest is not None else None,
        "refusals": dict(gate.refusal_counts) if gate is not None else {},
        "connections": gate.connection_counts if gate is not None else {},
        "rate_limited": dict(app[ACCESS].rate_limited),
        "auth_failures": app[ACCESS].auth_failures,
        "redis_degraded": app[STATE].degraded,
        "redis_outages": app[STATE].degradations,
        "probe_defects": dict(engine.defects) if engine is not None else {},
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


STATIC_DIR = Path(__file__).parent / "static"
# The console loads nothing from elsewhere: every script, style and font is served from here.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The service worker's own policy (a worker takes the CSP of its script's response): it fetches the
# console's files from this origin and shows notifications with the console's icon; nothing else.
WORKER_CSP = "default-src 'none'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'"


API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _static_file(name: str, folder: Path = STATIC_DIR) -> Path:
    """A file directly inside `folder`, or HTTPNotFound (JSON via the error middleware)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise web.HTTPNotFound()
    path = folder / name
    if not path.is_file() or path.is_symlink():
        raise web.HTTPNotFound()
    return path


async def console(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        _static_file("index.html"), headers={"Content-Security-Policy": CONSOLE_CSP}
    )


async def static(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(_static_file(request.match_info["name"]))


# The client library the console shares with the browser extension (extension/build.mjs copies
# the same files into each package): one source, served here as is.
CLIENT_DIR = STATIC_DIR / "client"


async def static_client(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(_static_file(request.match_info["name"], CLIENT_DIR))


async def web_manifest(request: web.Request) -> web.StreamResponse:
    """The web app manifest that makes the console installable, with its share target."""
    return web.FileResponse(
        _static_file("manifest.webmanifest"),
        headers={"Content-Type": "application/manifest+json"},
    )


async def service_worker(request: web.Request) -> web.StreamResponse:
    """The console's service worker, at the root so that its scope is the whole console."""
    return web.FileResponse(
        _static_file("sw.js"),
        headers={
            "Content-Type": "text/javascript; charset=utf-8",
            "Content-Security-Policy": WORKER_CSP,
        },
    )


def create_app(settings: Settings | None = None) -> web.Application:
    app = web.Application(
        # access sits outside error_middleware so that error answers get their CORS headers too.
        middlewares=[
            access_middleware(lambda request: request.app[ACCESS]),
            error_middleware,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings = settings or Settings().with_overrides()
    app[STATE] = SharedState(settings.redis_url, settings.redis_timeout)
    app[CACHE] = ResultCache(
        app[STATE],
        settings.secret,
        settings.cache_ttl,
        settings.port_set,
        ttl_non_public=settings.cache_ttl_non_public,
    )
    app[ACCESS] = AccessPolicy(settings, app[STATE])
    app[METRICS] = Metrics(lambda: _live_metrics(app))
    app[SELFTEST] = LastReport(settings, app[STATE])
    app[SIGNER] = Signer.from_settings(settings)
    app.cleanup_ctx.append(_state_ctx)
    app.cleanup_ctx.append(_engine_ctx)
    if app[METRICS].multiprocess_dir is not None:
        app.cleanup_ctx.append(_metrics_sync_ctx)
    app.router.add_post("/api/v1/checks", create_check)
    app.router.add_post("/api/v1/sheet", create_sheet)
    app.router.add_post("/api/v1/messages", create_message_analysis)
    app.router.add_post("/api/v1/verify", verify_document)
    app.router.add_get(KEYS_PATH, public_keys)
    app.router.add_get("/api/v1/selftest", selftest_status)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/", console)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/static/client/{name}", static_client)
    app.router.add_get("/manifest.webmanifest", web_manifest)
    app.router.add_get("/sw.js", service_worker)
    app.on_response_prepare.append(security_headers)
    return app
