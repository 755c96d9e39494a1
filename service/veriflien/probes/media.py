"""The media probe: is the video file complete, and how much of it can actually be played?

Reads container indexes only, with range requests through the gate, within a per-check media
budget (512 KiB by default) whatever the file size; never decodes a frame, never keeps a byte.
Targets: the link itself when it is a media file or a playlist, otherwise the media URLs the page
probe found (the first that answers).
"""

from __future__ import annotations

from veriflien.containers import (
    BudgetExceeded,
    MediaResult,
    RangeUnavailable,
    probe_dash,
    probe_hls,
    probe_mp4,
    probe_ogg,
    probe_webm,
    sniff,
)
from veriflien.net import GateError, Refused, Response
from veriflien.probes.base import CheckContext, Probe, ProbeFailed
from veriflien.probes.fetch import FIRST_WINDOW
from veriflien.result import Strength, Verdict

PLAYLIST_MAX_BYTES = 512 * 1024  # ~13,000 HLS segments: hours of video
MAX_TARGETS = 2
_READERS = {"mp4": probe_mp4, "webm": probe_webm, "ogg": probe_ogg}


class GateRangeReader:
    """A RangeReader over the gate: Range requests, counted against the media budget."""

    def __init__(self, ctx: CheckContext, url: str, first: Response, budget: int) -> None:
        self._ctx = ctx
        self.url = first.url  # after redirects: later ranges go straight to the file
        self.budget = budget
        self._first = first.body
        self.bytes_read = len(first.body)
        self.total = first.total_length
        if first.status == 200 and not first.truncated:
            self.total = len(first.body)  # the whole file came at once
        # A 200 to a request that asked for a range rules out seeking. The first window may also
        # come from a plain GET (a platform's page, a test harness): a 200 then says nothing about
        # range support, so one range request is tried; only a 200 answer to it rules out
        # seeking (the body is capped at the requested length either way).
        self._ranges_ok: bool | None = True if first.status == 206 else None
        if first.status == 200 and first.requested_range is not None:
            self._ranges_ok = False

    async def read(self, start: int, length: int) -> bytes:
        if self.total is not None:
            length = max(0, min(length, self.total - start))
        if length <= 0:
            return b""
        if start + length <= len(self._first):
            return self._first[start : start + length]
        if self._ranges_ok is False:
            raise RangeUnavailable("the server ignores range requests")
        if self.bytes_read + length > self.budget:
            raise BudgetExceeded(f"media budget of {self.budget} bytes reached")
        try:
            response = await self._ctx.gate.fetch(
                self.url,
                self._ctx.scope,
                byte_range=(start, start + length - 1),
                max_bytes=length,
                follow_refresh=False,
                record=False,
            )
        except GateError as exc:
            raise RangeUnavailable(exc.reason) from exc
        self.bytes_read += len(response.body)
        if response.status == 206:
            self._ranges_ok = True
            return response.body[:length]
        if response.status == 416:
            return b""
        self._ranges_ok = False
        raise RangeUnavailable(f"range request answered {response.status}")


class GateChildFetcher:
    """Playlist children (variants, segments) through the gate; refusals are remembered."""

    def __init__(self, ctx: CheckContext) -> None:
        self._ctx = ctx
        self.refused: list[str] = []

    async def get(self, url: str, max_bytes: int) -> tuple[int, bytes]:
        try:
            response = await self._ctx.gate.fetch(
                url, self._ctx.scope, max_bytes=max_bytes, follow_refresh=False, record=False
            )
        except Refused as exc:
            self.refused.append(exc.reason)
            return 0, b""
        except GateError:
            return 0, b""
        return response.status, response.body

    async def probe(self, url: str) -> int:
        try:
            response = await self._ctx.gate.fetch(
                url,
                self._ctx.scope,
                byte_range=(0, 0),
                max_bytes=1,
                follow_refresh=False,
                record=False,
            )
        except Refused as exc:
            self.refused.append(exc.reason)
            return 0
        except GateError:
            return 0
        return response.status


class MediaProbe(Probe):
    name = "media"
    reads = ("page", "failure", "page_analysis")
    writes = ("media", "media_findings")

    def applies(self, ctx: CheckContext) -> bool:
        if ctx.failure is not None or ctx.page is None:
            return False
        return self._direct(ctx) or bool(ctx.page_analysis and ctx.page_analysis.media_urls)

    @staticmethod
    def _direct(ctx: CheckContext) -> bool:
        page = ctx.page
        assert page is not None
        return (
            page.status < 400 and sniff(page.body[:1024], page.content_type, page.url) != "unknown"
        )

    async def run(self, ctx: CheckContext) -> None:
        budget = ctx.settings.media_budget_bytes
        if self._direct(ctx):
            assert ctx.page is not None
            result = await self._probe(ctx, ctx.page, budget)
        else:
            assert ctx.page_analysis is not None
            result = None
            for url in ctx.page_analysis.media_urls[:MAX_TARGETS]:
                try:
                    first = await ctx.gate.fetch(
                        url,
                        ctx.scope,
                        byte_range=(0, FIRST_WINDOW - 1),
                        max_bytes=FIRST_WINDOW,
                        follow_refresh=False,
                        record=False,
                    )
                except Refused as exc:
                    ctx.add(
                        self.name,
                        "media_refused",
                        f"The video address on the page was refused ({exc.reason}).",
                        Verdict.SUSPICIOUS,
                        Strength.MEDIUM,
                    )
                    continue
                except GateError as exc:
                    ctx.add(
                        self.name,
                        "media_unreachable",
                        f"The video file could not be fetched ({exc.reason}).",
                    )
                    continue
                if first.status in {404, 410}:
                    ctx.add(
                        self.name,
                        f"media_http_{first.status}",
                        "The video file the page points to is not there.",
                        Verdict.REMOVED,
                        Strength.MEDIUM,
                    )
                    continue
                if first.status >= 400:
                    ctx.add(
                        self.name,
                        f"media_http_{first.status}",
                        f"The video file answered {first.status}.",
                    )
                    continue
                result = await self._probe(ctx, first, budget)
                break
        if result is None:
            return
        ctx.media = result.media
        ctx.media_findings = result.findings
        ctx.findings.extend(result.findings)

    async def _probe(self, ctx: CheckContext, first: Response, budget: int) -> MediaResult | None:
        kind = sniff(first.body[:1024], first.content_type, first.url)
        if kind in {"hls", "dash"}:
            body = first.body
            if first.truncated or (first.total_length or 0) > len(first.body):
                try:
                    full = await ctx.gate.fetch(
                        first.url,
                        ctx.scope,
                        max_bytes=PLAYLIST_MAX_BYTES,
                        follow_refresh=False,
                        record=False,
                    )
                    body = full.body
                except GateError as exc:
                    raise ProbeFailed(
                        "playlist_unreachable", f"The playlist could not be read ({exc.reason})."
                    ) from exc
            fetcher = GateChildFetcher(ctx)
            probe = probe_hls if kind == "hls" else probe_dash
            result = await probe(first.url, body, fetcher)
            if fetcher.refused:
                result.add(
                    "playlist_child_refused",
                    f"The playlist points at {len(fetcher.refused)} address(es) the service "
                    "refuses to reach (internal network); this is not how real platforms work.",
                    Verdict.SUSPICIOUS,
                    Strength.MEDIUM,
                )
            return result
        if kind in _READERS:
            reader = GateRangeReader(ctx, first.url, first, budget)
            result = await _READERS[kind](reader)
            result.media.bytes_read = reader.bytes_read
            return result
        raise ProbeFailed(
            "media_not_recognised",
            "The address given as a video does not hold a video file the service can read.",
        )
