"""Operations endpoints: /readyz (can this replica serve, and how well) and /metrics.

/healthz (in checks.py) says the process is alive; /readyz says what its dependencies are doing.
Redis and the self-test are *soft* dependencies: without Redis the service still answers from
local state, and a platform whose examples no longer match (`veriflien selftest`) still gets
checked, with a warning. /readyz answers 503 with `"redis": "degraded"` (or `"selftest"`) for
humans and monitors, and `?degraded=ok` turns that into
a 200 for load balancers. That spelling exists for Kubernetes' readiness probe: marking every pod
unready because the shared cache is down would turn a slower service into no service at all.
"""

from __future__ import annotations

from aiohttp import web

from veriflien import __version__
from veriflien.appkeys import ACCESS, ENGINE, METRICS, SELFTEST, STATE
from veriflien.http_errors import error_response

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


async def readyz(request: web.Request) -> web.Response:
    app = request.app
    state = app[STATE]
    selftest = await app[SELFTEST].status()
    dependencies = {
        "engine": "ok" if ENGINE in app else "starting",
        "redis": await state.probe(),
        # The last `veriflien selftest`: "degraded" when a platform's examples no longer give
        # their recorded verdicts, "stale" when it has not run for days, "not_run" before the first.
        "selftest": selftest["status"],
    }
    degraded = sorted(name for name, status in dependencies.items()
                      if status not in ("ok", "disabled", "not_run"))  # fmt: skip
    hard = [name for name in degraded if name not in ("redis", "selftest")]
    tolerate = request.query.get("degraded") == "ok"
    status = "ready" if not degraded else "degraded"
    code = 503 if hard or (degraded and not tolerate) else 200
    return web.json_response(
        {"status": status, "version": __version__, "dependencies": dependencies,
         "degraded": degraded, "unverified_platforms": sorted(
             pid for pid, state in selftest["platforms"].items() if state != "verified")},
        status=code,
    )  # fmt: skip


async def selftest_status(request: web.Request) -> web.Response:
    """Which platforms the last self-test verified (the console warns about the others)."""
    return web.json_response(await request.app[SELFTEST].status())


async def metrics(request: web.Request) -> web.Response:
    if not request.app[ACCESS].may_read_metrics(request):
        return error_response(403, "forbidden", "Metrics are only served to the local network.")
    await request.app[SELFTEST].get()  # the collector reads the report synchronously
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": PROMETHEUS_TEXT})
