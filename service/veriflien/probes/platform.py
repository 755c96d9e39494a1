"""Platform recognition from the catalogue (a data file an association can edit).

Recognition uses the address the link finally led to (shorteners are resolved by the fetch probe,
through the gate); when that page belongs to no known platform, the link as given is tried too,
so a platform that redirects anonymous viewers to a login host is still named.

Once the platform is known, this probe also says what the page's HTTP status means there (the
catalogue's `page_status`, else its generic rules: YouTube answers 200 for removed videos, Vimeo
answers 404 for videos hidden from its site, so one table cannot fit every site) and whether the
link landed on a consent wall (a host that only serves consent pages).
"""

from __future__ import annotations

from yarl import URL

from veriflien.probes.base import CheckContext, Probe


class PlatformProbe(Probe):
    name = "platform"
    reads = ("page", "failure")
    writes = ("platform", "consent_wall", "first_evidence")

    def applies(self, ctx: CheckContext) -> bool:
        return ctx.failure is None and ctx.catalogue is not None

    async def run(self, ctx: CheckContext) -> None:
        self._recognise(ctx)
        self._page_status(ctx)
        host = (URL(ctx.final_url).host or "").lower()
        if host in ctx.catalogue.consent.hosts:
            ctx.consent_wall = "host"
            ctx.add(
                self.name,
                "consent_wall",
                "The platform showed a consent (cookie) page instead of the content, so nothing "
                "about the video could be seen.",
            )

    def _page_status(self, ctx: CheckContext) -> None:
        page = ctx.page
        # 403, 429 and 5xx mean the same everywhere and were noted by the fetch probe.
        if page is None or page.status < 400 or page.status in (403, 429) or page.status >= 500:
            return
        rule = ctx.catalogue.page_status_rule(ctx.platform, page.status)
        if rule is not None:
            ctx.answer([rule.to_finding(self.name)])
        else:
            ctx.add(self.name, f"http_{page.status}", f"The site answered {page.status}.")

    def _recognise(self, ctx: CheckContext) -> None:
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
