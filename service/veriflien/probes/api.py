"""A platform's public data API: what the platform itself answers, anonymously, about one video.

Some platforms publish an API that needs no key and describes a video to anyone (Dailymotion's
`api.dailymotion.com/video/<id>`). Like oEmbed it is fast and machine-written; unlike a page it
does not depend on scripts or on how the site is laid out this year. The endpoint and the meaning
of each answer come from the catalogue (`[platform.api]`), and an answer is never on its own
enough to call a video private (the rules forbid strong "private" evidence from it).
"""

from __future__ import annotations

from veriflien.probes.base import CheckContext, Probe
from veriflien.probes.oembed import endpoint_findings


class ApiProbe(Probe):
    name = "api"
    reads = ("page", "failure", "platform")
    writes = ("first_evidence",)

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.platform is not None
            and ctx.platform.api_url(ctx.final_url) is not None
        )

    async def run(self, ctx: CheckContext) -> None:
        platform = ctx.platform
        assert platform is not None and platform.api is not None
        endpoint = platform.api_url(ctx.final_url)
        assert endpoint is not None
        ctx.answer(await endpoint_findings(ctx, endpoint, platform.api.rule, self.name, "data API"))
