"""Embedded players: a page that only wraps another platform's player is judged by that player.

Blackmailers often send a page of their own that embeds, say, a YouTube video. One level is
followed: the embedded player's platform is recognised from the catalogue, its oEmbed is asked, and
its player page is read for that platform's markers. Deeper nesting is not followed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from yarl import URL

from veriflien.net import GateError
from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.probes.oembed import oembed_findings
from veriflien.probes.page import analyse
from veriflien.probes.ytdlp import ytdlp_findings
from veriflien.result import Finding

_MARKER_PREFIX = "marker_"


async def _or_failure(view: Awaitable[list[Finding]]) -> list[Finding]:
    """One of the independent views: a fact about the link that stops it becomes its finding
    (named after the view, "embed-oembed"), and the other views go on."""
    try:
        return await view
    except ProbeFailed as exc:
        return [Finding("embed-oembed", exc.code, exc.detail, exc.supports, exc.strength)]


class EmbedProbe(Probe):
    name = "embed"
    reads = ("page", "failure", "platform", "page_analysis")

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.page_analysis is not None
            and bool(ctx.page_analysis.embed_urls)
            and self._target(ctx) is not None
        )

    @staticmethod
    def _target(ctx: CheckContext) -> tuple[str, object] | None:
        assert ctx.page_analysis is not None
        for url in ctx.page_analysis.embed_urls:
            platform = ctx.catalogue.match(url)
            if (
                platform is not None
                and platform is not ctx.platform
                and platform.kind != "shortener"
            ):
                return url, platform
        return None

    async def run(self, ctx: CheckContext) -> None:
        target = self._target(ctx)
        assert target is not None
        url, platform = target
        ctx.add(
            self.name,
            "embedded_platform",
            f"The page embeds a player from {platform.name}; that video is checked.",
        )  # type: ignore[attr-defined]
        # Three independent views of the embedded video, named apart so the verdict rules count
        # them as separate probes: its oEmbed answer, its player page's markers, and yt-dlp
        # (which reads the platform's own status for that video, as for a direct link).
        oembed, page, ytdlp = await asyncio.gather(
            _or_failure(oembed_findings(ctx, platform, url, f"{self.name}-oembed")),
            self._player_markers(ctx, url, platform),
            ytdlp_findings(ctx, url, platform, f"{self.name}-ytdlp"),
        )
        ctx.findings.extend([*oembed, *page, *ytdlp])

    async def _player_markers(self, ctx: CheckContext, url: str, platform: object) -> list:
        try:
            response = await ctx.gate.fetch(url, ctx.scope, follow_refresh=False)
        except GateError as exc:
            ctx.add(
                self.name,
                "embed_unreachable",
                f"The embedded player could not be fetched ({exc.reason}).",
            )
            return []
        if response.status >= 400:
            return []
        owns = platform.owns_host(URL(response.url).host or "")  # type: ignore[attr-defined]
        analysis = await analyse(
            response.body,
            response.url,
            platform.markers if owns else None,  # type: ignore[attr-defined]
            claimed_platform_allowed=owns,
            content_type=response.headers.get("Content-Type"),
            executor=ctx.parse_pool,
        )
        # Only the platform's own markers and state data speak for the embedded video; the
        # player page's lack of <video> tags (players are built by script) says nothing.
        state = platform.state_findings(analysis.text, self.name) if owns else []  # type: ignore[attr-defined]
        return [
            f.as_probe(self.name) for f in analysis.findings if f.code.startswith(_MARKER_PREFIX)
        ] + state
