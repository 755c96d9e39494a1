"""yt-dlp as one signal among others, with every one of its requests sent through the gate.

yt-dlp runs in a bounded worker pool (it is synchronous); its only request handler calls back
into the event loop and fetches through `Gate.fetch` within this check's scope, so it can reach
nothing the gate refuses and spends the same byte budget and deadline. Only the extractors the
catalogue allows for the recognised platform are used — never the generic extractor.

No double work: yt-dlp runs after the page and oEmbed probes and is skipped when their evidence
is already conclusive and strong; when it asks for the document the check already fetched (the
link's page, whatever parameters yt-dlp adds), it gets the check's own copy; and the catalogue's
`ytdlp_args` tell it what it need not ask for (YouTube: only the player API). What the platform's
own answers say (its player response) is read with the same catalogue rules as the page.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from yarl import URL

from veriflien.net import Response
from veriflien.net.ytdlp import GateResponse, GateThreadFetch
from veriflien.platforms import Platform
from veriflien.probes.base import CheckContext, Probe
from veriflien.result import Finding, Strength, Verdict

# Query parameters yt-dlp adds to a page it downloads (YouTube's watch page, among others).
_YTDLP_PARAMS = frozenset({"bpctr", "has_verified", "hl", "gl", "persist_hl", "persist_gl", "app"})
_REACHABLE = frozenset({Verdict.PUBLIC, Verdict.UNLISTED})
_NON_PUBLIC = frozenset({Verdict.PRIVATE, Verdict.REMOVED, Verdict.LOGIN_REQUIRED})
# Platform answers worth reading with the catalogue's state rules (JSON APIs, HTML pages).
_READABLE_TYPES = ("application/json", "text/html", "text/javascript", "application/javascript")
MAX_STATE_DOCUMENTS = 6


def _page_key(url: str) -> str:
    """The page's address without yt-dlp's own parameters, for recognising a page we have."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = urlencode(sorted((k, v) for k, v in query if k not in _YTDLP_PARAMS))
    host = (parts.hostname or "").lower().removeprefix("www.")
    return urlunsplit(("https", host, parts.path or "/", kept, ""))


class _Adapter:
    """yt-dlp's synchronous view of the gate for one check (net/ytdlp.py), plus what this probe
    needs of it: the check's own copy of the page, and the platform's answers kept for the state
    rules."""

    def __init__(
        self, ctx: CheckContext, loop: asyncio.AbstractEventLoop, timeout: float, platform: Platform
    ) -> None:
        self.ctx = ctx
        self.gate_fetch = GateThreadFetch(ctx.gate, ctx.scope, loop, timeout)
        self.platform = platform
        self.documents: list[str] = []  # platform answers to read with the state rules
        self.served_from_copy = 0
        self._lock = threading.Lock()
        page = ctx.page
        self._copies: dict[str, Response] = {}
        if page is not None and page.body:
            for url in (page.url, str(ctx.target.url)):
                self._copies[_page_key(url)] = page

    def fetch(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> GateResponse:
        if method == "GET" and body is None:
            copy = self._copies.get(_page_key(url))
            if copy is not None:
                with self._lock:
                    self.served_from_copy += 1
                return GateThreadFetch.answer(copy)
        response = self.gate_fetch(method, url, headers, body)
        self._keep(response)
        return GateThreadFetch.answer(response)

    def _keep(self, response: Response) -> None:
        """Keep the platform's own answers (never third parties') for the state rules."""
        if not self.platform.states or not response.body:
            return
        if not response.content_type.startswith(_READABLE_TYPES):
            return
        if not self.platform.owns_host(URL(response.url).host or ""):
            return
        with self._lock:
            if len(self.documents) < MAX_STATE_DOCUMENTS:
                self.documents.append(response.text())


def conclusive(findings: Sequence[Finding]) -> bool:
    """True when strong evidence points one way and nothing of weight points the other way:
    then yt-dlp could only repeat it (or cost a second without changing the answer)."""
    weighty = [f for f in findings if f.supports is not None and f.strength is not None]
    if any(f.supports == Verdict.SUSPICIOUS for f in weighty):
        return False
    strong = {f.supports for f in weighty if f.strength == Strength.STRONG}
    medium = {f.supports for f in weighty if f.strength >= Strength.MEDIUM}
    if strong & _REACHABLE:
        return not medium & _NON_PUBLIC
    if strong & _NON_PUBLIC:
        return not medium & _REACHABLE
    return False


async def ytdlp_findings(
    ctx: CheckContext, url: str, platform: Platform, probe: str
) -> list[Finding]:
    """Run yt-dlp (the platform's allow-listed extractors only) on `url`, through the gate."""
    if ctx.ytdlp is None or not platform.ytdlp_extractors:
        return []
    loop = asyncio.get_running_loop()
    adapter = _Adapter(ctx, loop, max(1.0, ctx.scope.time_left()), platform)
    outcome = await ctx.ytdlp.run(
        url, adapter.fetch, platform.ytdlp_extractors, platform.ytdlp_args or None
    )
    findings = [f.as_probe(probe) for f in outcome.findings]
    seen = {f.code for f in findings}
    for document in adapter.documents:
        for found in platform.state_findings(document, probe):
            if found.code not in seen:
                seen.add(found.code)
                findings.append(found)
    return findings


class YtdlpProbe(Probe):
    name = "ytdlp"
    # After the page, oEmbed and data API probes: it is skipped when they already decided.
    reads = ("page", "failure", "platform", "first_evidence")

    def applies(self, ctx: CheckContext) -> bool:
        return (
            ctx.failure is None
            and ctx.ytdlp is not None
            and ctx.platform is not None
            # A consent wall does not stop it: the player API answers without one.
            and bool(ctx.platform.ytdlp_extractors)
        )

    async def run(self, ctx: CheckContext) -> None:
        assert ctx.platform is not None
        if conclusive(ctx.first_evidence):
            ctx.add(
                self.name,
                "ytdlp_not_needed",
                "The platform's own answer was already clear; yt-dlp was not asked.",
            )
            return
        ctx.findings.extend(await ytdlp_findings(ctx, ctx.final_url, ctx.platform, self.name))
