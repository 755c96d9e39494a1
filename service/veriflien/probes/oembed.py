"""oEmbed: a platform's own public answer to "may anyone embed this video?".

Fast and cheap, but ambiguous: each platform's codes mean different things (YouTube 401 is
"embedding disabled", possibly public; Vimeo 404 is private), so the meaning of every status comes
from the catalogue, and an oEmbed answer is never on its own enough to call a video private (the
verdict rules require a second probe or a strong finding).
"""

from __future__ import annotations

from collections.abc import Callable

from veriflien.net import GateError
from veriflien.platforms import Platform, Rule
from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.result import Finding

OEMBED_MAX_BYTES = 64 * 1024


async def oembed_findings(
    ctx: CheckContext, platform: Platform, url: str, probe: str
) -> list[Finding]:
    """Ask `platform`'s oEmbed endpoint about `url`; the findings its answer supports."""
    endpoint = platform.oembed_url(url)
    if endpoint is None:
        return []
    return await endpoint_findings(ctx, endpoint, platform.oembed_rule, probe, "oEmbed service")


async def endpoint_findings(
    ctx: CheckContext,
    endpoint: str,
    rule_of: Callable[[int, str], Rule | None],
    probe: str,
    label: str,
) -> list[Finding]:
    """Ask one of a platform's public endpoints; the findings its answer supports.

    Raises ProbeFailed (expected) when the endpoint cannot be asked at all."""
    try:
        response = await ctx.gate.fetch(
            endpoint,
            ctx.scope,
            max_bytes=OEMBED_MAX_BYTES,
            follow_refresh=False,
            headers={"Accept": "application/json"},
        )
    except GateError as exc:  # the platform's endpoint is down or refused: a fact, not our bug
        raise ProbeFailed(
            f"{probe}_unreachable", f"The platform's {label} could not be asked ({exc.reason})."
        ) from exc
    rule = rule_of(response.status, response.text())
    if rule is None:
        return [
            Finding(
                probe,
                f"{probe}_http_{response.status}",
                f"The platform's {label} answered {response.status}; no meaning is known for "
                "it, so it is not used as evidence.",
            )
        ]
    return [rule.to_finding(probe)]


class OEmbedProbe(Probe):
    name = "oembed"
    reads = ("page", "failure", "platform")
    writes = ("first_evidence",)

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.platform is not None
            and ctx.platform.oembed_url(ctx.final_url) is not None
        )

    async def run(self, ctx: CheckContext) -> None:
        assert ctx.platform is not None
        ctx.answer(await oembed_findings(ctx, ctx.platform, ctx.final_url, self.name))
