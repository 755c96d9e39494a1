"""What a probe is: one source of evidence about a link, reading only through the gate.

A probe looks at the shared `CheckContext`, may fetch through `ctx.gate` within `ctx.scope`, and
adds `Finding`s. Probes never decide the verdict (verdict/ does) and never keep content: they read
headers, markup and container indexes, within the check's byte budget.

Probes run in stages (see probes/__init__.py): every probe of a stage runs concurrently, and a stage
starts when the previous one has finished. A probe that fails because of a fact about the link
raises `ProbeFailed` (expected=True is the default, as in yt-dlp's ExtractorError); anything else is
a defect, logged and recorded as a finding without a verdict weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from veriflien.net import CheckScope, Gate, GateError, Response, Target
from veriflien.result import Finding, Findings, MediaInfo, Strength, Verdict
from veriflien.settings import Settings

if TYPE_CHECKING:
    from veriflien.platforms import Catalogue, Platform
    from veriflien.probes.page.report import PageAnalysis
    from veriflien.probes.ytdlp_bridge import YtdlpRunner


class ProbeFailed(Exception):
    def __init__(self, code: str, detail: str, *, expected: bool = True) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.expected = expected


@dataclass
class CheckContext:
    target: Target
    gate: Gate
    scope: CheckScope
    settings: Settings
    catalogue: Catalogue
    ytdlp: YtdlpRunner | None = None
    findings: list[Finding] = field(default_factory=list)
    page: Response | None = None  # the main document, after redirects
    platform: Platform | None = None
    page_analysis: PageAnalysis | None = None
    media: MediaInfo | None = None
    failure: GateError | None = None  # set when the link itself could not be fetched
    consent_wall: str | None = None  # why the page is a consent wall (it hides the content)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def final_url(self) -> str:
        return self.page.url if self.page is not None else str(self.target.url)

    def add(
        self,
        probe: str,
        code: str,
        detail: str,
        supports: Verdict | None = None,
        strength: Strength | None = None,
    ) -> Finding:
        finding = Findings(probe, self.findings).add(code, detail, supports, strength)
        assert finding is not None  # without `once`, every finding is recorded
        return finding


class Probe:
    """Base class: set `name` and `stage`, override `applies` and `run`."""

    name: ClassVar[str] = ""
    stage: ClassVar[int] = 0

    def applies(self, ctx: CheckContext) -> bool:
        return ctx.failure is None

    async def run(self, ctx: CheckContext) -> None:
        raise NotImplementedError
