"""oEmbed: a platform's own public answer to "may anyone embed this video?".

Fast and cheap, but ambiguous: each platform's codes mean different things (YouTube 401 is
"embedding disabled", possibly public; Vimeo 404 is private), so the meaning of every status comes
from the catalogue, and an oEmbed answer is never on its own enough to call a video private (the
verdict rules require a second probe or a strong finding).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from veriflien.net import GateError
from veriflien.platforms import Platform, Rule
from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.result import Finding

OEMBED_MAX_BYTES = 64 * 1024
#: The meaning of an endpoint's answer (status, body), from the catalogue.
RuleOf = Callable[[int, str], Rule | None]


async def oembed_findings(
    ctx: CheckContext, platform: Platform, url: str, probe: str
) -> list[Finding]:
    """Ask `platform`'s oEmbed endpoint about `url`; the findings its answer supports."""
    found = oembed_endpoint(platform, url)
    if found is None:
        return []
    return await endpoint_findings(ctx, *found, probe, OEmbedProbe.label)


def oembed_endpoint(platform: Platform, url: str) -> tuple[str, RuleOf] | None:
    """The platform's oEmbed address for `url` and the meaning of its answers, or None."""
    address = platform.oembed_url(url)
    return None if address is None else (address, platform.oembed_rule)


async def endpoint_findings(
    ctx: CheckContext,
    endpoint: str,
    rule_of: RuleOf,
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


class EndpointProbe(Probe):
    """A probe that asks one of the recognised platform's public endpoints about the link."""

    reads = ("page", "failure", "platform")
    writes = ("first_evidence",)
    label: ClassVar[str] = ""

    def endpoint(self, platform: Platform, url: str) -> tuple[str, RuleOf] | None:
        """(the endpoint's address for `url`, the meaning of its answers), or None."""
        raise NotImplementedError

    def applies(self, ctx: CheckContext) -> bool:
        platform = ctx.platform
        return (
            ctx.failure is None
            and platform is not None
            and self.endpoint(platform, ctx.final_url) is not None
        )

    async def run(self, ctx: CheckContext) -> None:
        assert ctx.platform is not None
        found = self.endpoint(ctx.platform, ctx.final_url)
        assert found is not None
        address, rule_of = found
        ctx.answer(await endpoint_findings(ctx, address, rule_of, self.name, self.label))


class OEmbedProbe(EndpointProbe):
    name = "oembed"
    label = "oEmbed service"

    def endpoint(self, platform: Platform, url: str) -> tuple[str, RuleOf] | None:
        return oembed_endpoint(platform, url)
