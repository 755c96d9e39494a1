"""What a probe is: one source of evidence about a link, reading only through the gate.

A probe looks at the shared `CheckContext`, may fetch through `ctx.gate` within `ctx.scope`, and
adds `Finding`s. Probes never decide the verdict (verdict/ does) and never keep content: they read
headers, markup and container indexes, within the check's byte budget.

Probes declare the context slots they read and write; `stages()` derives from that the order they
run in: a probe runs after every other probe that writes a slot it reads (the probes of one stage
run concurrently), and a read that no probe writes, or a cycle, is refused when the registry is
built. The order is never written twice: the registry lists probes, the slots order them.

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

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

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


#: The context slots probes pass to each other, and what each holds. A probe declares the slots
#: it reads and writes (`Probe.reads`, `Probe.writes`); the registry orders probes from that.
SLOTS: Mapping[str, str] = MappingProxyType(
    {
        "page": "the link's main document, after redirects",
        "failure": "why the link itself could not be fetched",
        "platform": "the catalogue entry the link belongs to",
        "consent_wall": "why the page is a consent wall (it hides the content)",
        "page_analysis": "what the page's markup says (video evidence, media and player links)",
        "first_evidence": "the page's and the platform's own answers (page status, page, oEmbed, "
        "data API): what decides whether yt-dlp is needed",
        "media": "what the video file's container index says",
        "media_findings": "the evidence about the video file's own bytes",
    }
)


@dataclass
class CheckContext:
    # Inputs, set by the engine.
    target: Target
    gate: Gate
    scope: CheckScope
    settings: Settings
    catalogue: Catalogue
    ytdlp: YtdlpRunner | None = None
    parse_pool: Executor | None = None  # lxml parses (None: the event loop's default executor)
    findings: list[Finding] = field(default_factory=list)  # every probe's, in the result
    # Slots (SLOTS), each written only by the probes that declare it.
    page: Response | None = None
    failure: GateError | None = None
    platform: Platform | None = None
    consent_wall: str | None = None
    page_analysis: PageAnalysis | None = None
    first_evidence: list[Finding] = field(default_factory=list)
    media: MediaInfo | None = None
    media_findings: list[Finding] = field(default_factory=list)

    def answer(self, findings: Iterable[Finding]) -> None:
        """Record findings that are also `first_evidence` (the platform's and the page's own
        answers)."""
        found = list(findings)
        self.findings.extend(found)
        self.first_evidence.extend(found)

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
    """Base class: set `name`, `reads` and `writes` (context slots, see SLOTS), override
    `applies` and `run`. The registry runs a probe after every other probe that writes a slot it
    reads, and refuses a read that no probe writes."""

    name: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()

    def applies(self, ctx: CheckContext) -> bool:
        return ctx.failure is None

    async def run(self, ctx: CheckContext) -> None:
        raise NotImplementedError


class RegistryError(ValueError):
    """A probe registry that cannot run: a slot read that nothing writes, or a cycle."""


def stages(probes: Sequence[Probe]) -> tuple[tuple[Probe, ...], ...]:
    """The probes in the order their slots call for: stage N holds the probes whose reads are
    all written in stages before N. Inside a stage the registry's order is kept (it is the order
    findings are listed in)."""
    names = [p.name for p in probes]
    if len(set(names)) != len(names):
        raise RegistryError(f"two probes share a name: {names}")
    writers: dict[str, list[Probe]] = {}
    for probe in probes:
        for slot in (*probe.reads, *probe.writes):
            if slot not in SLOTS:
                raise RegistryError(f"probe {probe.name!r} names an unknown slot {slot!r}")
        for slot in probe.writes:
            writers.setdefault(slot, []).append(probe)
    needs: dict[str, set[str]] = {}
    for probe in probes:
        needs[probe.name] = set()
        for slot in probe.reads:
            others = [w.name for w in writers.get(slot, []) if w is not probe]
            if not others:
                raise RegistryError(f"probe {probe.name!r} reads {slot!r}, which no probe writes")
            needs[probe.name].update(others)
    level: dict[str, int] = {}
    while len(level) < len(probes):
        ready = {
            p.name: max((level[n] + 1 for n in needs[p.name]), default=0)
            for p in probes
            if p.name not in level and needs[p.name] <= level.keys()
        }
        if not ready:
            stuck = sorted(set(names) - level.keys())
            raise RegistryError(f"probes wait for each other's slots: {stuck}")
        level.update(ready)
    depth = max(level.values(), default=-1) + 1
    return tuple(tuple(p for p in probes if level[p.name] == n) for n in range(depth))
