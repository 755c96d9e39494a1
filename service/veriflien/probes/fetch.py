"""The first probe: fetch the link itself, through the gate, following every redirect.

Its response is the main document that later probes read (page markup, or the first window of a
media file). Statuses that mean the same on every site are noted here without weight: anti-bot
walls and overloaded servers answer 403, 429 or 5xx for perfectly public videos. What 401, 404,
410 or 451 mean depends on the platform: the platform probe reads it from the catalogue.

Bytes on the wire: a link that may be a media file is asked for its first window only
(`Range: bytes=0-65535`) from the very first request. A plain GET of a 10 MB file makes the server
push megabytes into the socket buffers before the service has read its 64 KiB and hung up; with
the range, it sends 64 KiB. Only a recognised platform's content page (a watch page, a post) is
fetched the plain way: it is a document, never a file. A document that answers the range with 206
is completed by the gate, so the page analysis sees the same bytes either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yarl import URL

from veriflien.net import GateError
from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.result import Strength, Verdict

if TYPE_CHECKING:
    from veriflien.platforms import Catalogue

# Media windows: the first 64 KiB are enough to identify a container and read its first boxes.
FIRST_WINDOW = 64 * 1024


class FetchProbe(Probe):
    name = "fetch"
    writes = ("page", "failure")

    def __init__(self, *, range_first: bool = True) -> None:
        # range_first=False restores the plain first GET (the benchmark's baseline).
        self.range_first = range_first

    def applies(self, ctx: CheckContext) -> bool:
        return True

    @staticmethod
    def may_be_media(catalogue: Catalogue | None, url: URL) -> bool:
        """Every address except a recognised platform's content page (a document, never a
        file: a watch page, a post) may be a media file and is asked for a range."""
        platform = catalogue.match(str(url)) if catalogue is not None else None
        return platform is None or not platform.is_content(str(url))

    async def run(self, ctx: CheckContext) -> None:
        catalogue = ctx.catalogue
        try:
            response = await ctx.gate.fetch(
                ctx.target.url,
                ctx.scope,
                media_window=FIRST_WINDOW,
                range_first=(lambda url: self.may_be_media(catalogue, url))
                if self.range_first
                else None,
            )
        except GateError as exc:  # refused, unreachable, too big: facts about the link
            ctx.failure = exc
            raise ProbeFailed(
                exc.reason, exc.detail, supports=Verdict(exc.kind), strength=Strength.STRONG
            ) from exc
        ctx.page = response
        hops = len(response.redirects)
        if hops:
            ctx.add(self.name, "redirected", f"The link went through {hops} redirect(s).")
        status = response.status
        if status == 403:
            ctx.add(
                self.name,
                "http_403",
                "The site refused the anonymous request (403). Sites also do this to automated "
                "checks, so it does not prove the content is private.",
            )
        elif status == 429 or status >= 500:
            ctx.add(
                self.name,
                f"http_{status}",
                f"The site answered with an error ({status}); it could not be checked fully.",
            )
        elif 200 <= status < 300:
            ctx.add(self.name, "http_ok", f"The site answered {status} ({response.content_type}).")
