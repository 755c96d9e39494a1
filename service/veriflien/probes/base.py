"""What a probe is: one source of evidence about a link, reading only through the gate.

A probe looks at the shared `CheckContext`, may fetch through `ctx.gate` within `ctx.scope`, and
adds `Finding`s. Probes never decide the verdict (verdict/ does) and never keep content: they read
headers, markup and container indexes, within the check's byte budget.

Probes run in stages (see probes/__init__.py): every probe of a stage runs concurrently, and a stage
starts when the previous one has finished.

Failures say whether they are a fact about the link, as yt-dlp's `ExtractorError(expected=True)`
does. A probe that cannot go on because of the link (its name does not resolve, the server refuses
the connection or answers 4xx, a size limit is reached, the "video" is not a media file) raises
`ProbeFailed(code, detail)`: the engine records that finding and the probe's status is "failed";
nothing is logged as an error, since nothing is wrong with the service. Anything else a probe
raises (or `ProbeFailed(..., expected=False)`) is a defect of ours: logged at error level, counted
in /metrics (`veriflien_probe_defects_total{probe=...}`), and recorded as a finding without a
verdict weight, so the check still answers and that probe's evidence counts as unknown.
"""

from __future__ import annotations

from concurrent.futures import Executor
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
    """A probe stopped. `expected`: a fact about the link (the default) rather than our defect.

    `supports` and `strength` give the finding a verdict weight when the fact itself is evidence
    (the link's own address is refused or unreachable: the verdict is `refused`/`unreachable`).
    """

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        expected: bool = True,
        supports: Verdict | None = None,
        strength: Strength | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.expected = expected
        self.supports = supports
        self.strength = strength


@dataclass
class CheckContext:
    target: Target
    gate: Gate
    scope: CheckScope
    settings: Settings
    catalogue: Catalogue
    ytdlp: YtdlpRunner | None = None
    parse_pool: Executor | None = None  # lxml parses (None: the event loop's default executor)
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
