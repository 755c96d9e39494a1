"""yt-dlp's own requests go through the gate: they cannot reach an address the gate refuses.

The YouTube host is pinned to the canary (127.0.0.1) for these tests. The yt-dlp probe is run on
its own (the fetch probe would refuse the link before yt-dlp ever ran), so what is proven here is
yt-dlp's path: extractor -> our only request handler -> Gate.fetch -> address policy. The positive
control allows the canary's network and shows the same extraction does reach it, so the test can
fail.
"""

from __future__ import annotations

import asyncio

from veriflien.net import Gate, parse_target
from veriflien.platforms import default_catalogue
from veriflien.probes.base import CheckContext
from veriflien.probes.ytdlp import YtdlpProbe
from veriflien.probes.ytdlp_bridge import YtdlpRunner
from veriflien.settings import Settings

WATCH = "https://www.youtube.com/watch?v=abcdefghijk"


async def _run_ytdlp(settings: Settings) -> CheckContext:
    gate = Gate(settings)
    await gate.start()
    runner = YtdlpRunner(max_workers=1, timeout=5.0)
    try:
        ctx = CheckContext(
            target=parse_target(WATCH, settings.port_set),
            gate=gate,
            scope=gate.new_scope(),
            settings=settings,
            catalogue=default_catalogue(),
            ytdlp=runner,
            platform=default_catalogue().get("youtube"),
        )
        await asyncio.wait_for(YtdlpProbe().run(ctx), timeout=10)
        return ctx
    finally:
        runner.close()
        await gate.close()


async def test_ytdlp_cannot_reach_a_refused_address(settings, canary) -> None:
    pinned = settings.with_overrides(
        resolve=[*settings.resolve, f"www.youtube.com:443:127.0.0.1:{canary.port}"]
    )
    ctx = await _run_ytdlp(pinned)
    assert canary.connections == []
    codes = [f.code for f in ctx.findings]
    assert "ytdlp_request_refused" in codes, codes
    assert ctx.scope.refusals and ctx.scope.refusals[0].reason == "loopback"


async def test_control_the_same_extraction_reaches_an_allowed_canary(settings, canary) -> None:
    allowed = settings.with_overrides(
        resolve=[*settings.resolve, f"www.youtube.com:443:127.0.0.1:{canary.port}"],
        allow_networks=[*settings.allow_networks, "127.0.0.1/32"],
    )
    await _run_ytdlp(allowed)
    # The canary speaks plain HTTP, so the TLS handshake fails there: a connection is the proof.
    assert canary.connections
