"""Platform recognition from the catalogue (a data file an association can edit).

Recognition uses the address the link finally led to (shorteners are resolved by the fetch probe,
through the gate); when that page belongs to no known platform, the link as given is tried too,
so a platform that redirects anonymous viewers to a login host is still named.
"""

from __future__ import annotations

from yarl import URL

from veriflien.probes.base import CheckContext, Probe


class PlatformProbe(Probe):
    name = "platform"
    stage = 1

    def applies(self, ctx: CheckContext) -> bool:
        return ctx.failure is None and ctx.catalogue is not None

    async def run(self, ctx: CheckContext) -> None:
        catalogue = ctx.catalogue
        final = ctx.final_url
        platform = catalogue.match(final)
        if platform is not None and platform.kind == "shortener":
            # Still on a shortener after every redirect: the link leads nowhere further.
            ctx.add(
                self.name,
                "shortener_dead_end",
                f"The short link ({platform.name}) did not lead to any content.",
            )
            platform = None
        if platform is None:
            given = catalogue.match(str(ctx.target.url))
            if given is not None and given.kind != "shortener":
                platform = given
        if platform is None:
            host = URL(final).host or "?"
            ctx.add(
                self.name,
                "platform_unknown",
                f"The site ({host}) is not in the platform catalogue; generic checks apply.",
            )
            return
        ctx.platform = platform
        ctx.add(self.name, "platform_recognised", f"Recognised platform: {platform.name}.")
        given = catalogue.match(str(ctx.target.url))
        if given is not None and given.kind == "shortener":
            ctx.add(
                self.name,
                "shortener_resolved",
                f"The short link ({given.name}) leads to {platform.name}.",
            )
