"""yt-dlp as one signal among others, with every one of its requests sent through the gate.

yt-dlp runs in a bounded worker pool (it is synchronous); its only request handler calls back
into the event loop and fetches through `Gate.fetch` within this check's scope, so it can reach
nothing the gate refuses and spends the same byte budget and deadline. Only the extractors the
catalogue allows for the recognised platform are used — never the generic extractor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from veriflien.net import GateError, Refused
from veriflien.platforms import Platform
from veriflien.probes.base import CheckContext, Probe
from veriflien.probes.ytdlp_bridge import Fetch, GateRefused, GateResponse
from veriflien.result import Finding


def gate_fetch_for_thread(
    ctx: CheckContext, loop: asyncio.AbstractEventLoop, timeout: float
) -> Fetch:
    """A synchronous fetch(method, url, headers, body) that yt-dlp's worker thread can call."""

    def fetch(method: str, url: str, headers: dict[str, str], body: bytes | None) -> GateResponse:
        future = asyncio.run_coroutine_threadsafe(
            ctx.gate.fetch(url, ctx.scope, method=method, headers=headers, body=body), loop
        )
        try:
            response = future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError("gate fetch timed out") from None
        except Refused as exc:
            raise GateRefused(exc.reason) from exc
        except GateError as exc:
            raise OSError(exc.reason) from exc
        return GateResponse(
            status=response.status,
            headers={k: v for k, v in response.headers.items()},
            body=response.body,
            url=response.url,
        )

    return fetch


async def ytdlp_findings(
    ctx: CheckContext, url: str, platform: Platform, probe: str
) -> list[Finding]:
    """Run yt-dlp (the platform's allow-listed extractors only) on `url`, through the gate."""
    if ctx.ytdlp is None or not platform.ytdlp_extractors:
        return []
    loop = asyncio.get_running_loop()
    fetch = gate_fetch_for_thread(ctx, loop, timeout=max(1.0, ctx.scope.time_left()))
    outcome = await ctx.ytdlp.run(url, fetch, platform.ytdlp_extractors)
    if outcome.duration is not None:
        ctx.extra.setdefault("ytdlp_duration", outcome.duration)
    return [Finding(probe, f.code, f.detail, f.supports, f.strength) for f in outcome.findings]


class YtdlpProbe(Probe):
    name = "ytdlp"
    stage = 2

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.ytdlp is not None
            and ctx.platform is not None
            and bool(ctx.platform.ytdlp_extractors)
        )

    async def run(self, ctx: CheckContext) -> None:
        assert ctx.platform is not None
        ctx.findings.extend(await ytdlp_findings(ctx, ctx.final_url, ctx.platform, self.name))
