"""The first probe: fetch the link itself, through the gate, following every redirect.

Its response is the main document that later probes read (page markup, or the first window of a
media file). Statuses that mean the same on every site are noted here without weight: anti-bot
walls and overloaded servers answer 403, 429 or 5xx for perfectly public videos. What 401, 404,
410 or 451 mean depends on the platform: the platform probe reads it from the catalogue.
"""

from __future__ import annotations

from veriflien.net import GateError
from veriflien.probes.base import CheckContext, Probe
from veriflien.result import Strength, Verdict

# Media windows: the first 64 KiB are enough to identify a container and read its first boxes.
FIRST_WINDOW = 64 * 1024
_MEDIA_TYPES = (
    "video/",
    "audio/",
    "application/octet-stream",
    "application/mp4",
    "application/vnd.apple.mpegurl",
    "application/x-mpegurl",
    "application/dash+xml",
)


def is_media_type(content_type: str) -> bool:
    return content_type.startswith(_MEDIA_TYPES)


class FetchProbe(Probe):
    name = "fetch"
    stage = 0

    def applies(self, ctx: CheckContext) -> bool:
        return True

    async def run(self, ctx: CheckContext) -> None:
        try:
            response = await ctx.gate.fetch(ctx.target.url, ctx.scope, media_window=FIRST_WINDOW)
        except GateError as exc:
            ctx.failure = exc
            ctx.add(self.name, exc.reason, exc.detail, Verdict(exc.kind), Strength.STRONG)
            return
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
