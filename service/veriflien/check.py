"""The check engine: one URL in, one result document out.

api -> check engine -> probes -> net. The engine validates the URL, runs the probe registry stage by
stage under the per-check deadline, asks verdict/ to decide, and advice/ to phrase the outcome.
It keeps nothing: the result is returned to the caller and forgotten.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from veriflien import __version__
from veriflien.logs import log, url_digest
from veriflien.net import Gate, InvalidUrl, RefusedUrl, parse_target
from veriflien.probes import CheckContext, Probe, ProbeFailed, registry, stages
from veriflien.result import CheckResult, Confidence, Finding, Strength, Verdict, utc_timestamp
from veriflien.settings import Settings
from veriflien.verdict import decide

logger = logging.getLogger("veriflien.check")

Progress = Callable[[dict[str, Any]], Awaitable[None]]
# Probes are stopped this long after the check's deadline: fetches already end at the deadline (the
# gate's scope bounds each one by the time left), so the grace only lets a probe that is finishing
# report what it found. CPU-bound work runs in slices (veriflien.slices): the stop takes effect at
# the next slice boundary, not after a thread's whole job.
STOP_GRACE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class CheckRequest:
    url: str
    lang: str = "fr"
    country: str = "FR"
    minor: bool = False


class CheckEngine:
    def __init__(
        self,
        settings: Settings,
        gate: Gate,
        *,
        catalogue: Any = None,
        ytdlp: Any = None,
        advisor: Callable[[CheckResult, Any], None] | None = None,
        probes: tuple[Probe, ...] | None = None,
        parse_pool: Executor | None = None,
    ) -> None:
        self.settings = settings
        self.gate = gate
        self.catalogue = catalogue
        self.ytdlp = ytdlp
        self.parse_pool = parse_pool
        self.advisor = advisor
        self.probes = probes if probes is not None else registry()
        self.stages = stages(self.probes)  # raises RegistryError for a read nothing writes
        self._slots = asyncio.Semaphore(settings.max_concurrent_checks)
        # Defects of ours, by probe, since start-up (read live by /metrics, as the gate's
        # refusals are): a probe that crashes on some links must show on a dashboard, not only
        # in a log line nobody reads.
        self.defects: dict[str, int] = {}

    async def run(self, request: CheckRequest, progress: Progress | None = None) -> CheckResult:
        async with self._slots:
            return await self._run(request, progress)

    async def _run(self, request: CheckRequest, progress: Progress | None) -> CheckResult:
        started = time.monotonic()
        checked_at = utc_timestamp(datetime.now(UTC))
        result = CheckResult(
            url=request.url,
            verdict=Verdict.UNKNOWN,
            confidence=Confidence.LOW,
            checked_at=checked_at,
            version=__version__,
            lang=request.lang,
            country=request.country,
            minor=request.minor,
        )
        digest = url_digest(self.settings.secret, request.url)
        try:
            target = parse_target(request.url, self.settings.port_set)
        except (InvalidUrl, RefusedUrl) as exc:
            verdict = Verdict.INVALID_URL if isinstance(exc, InvalidUrl) else Verdict.REFUSED
            if isinstance(exc, RefusedUrl):
                self.gate._note_refusal(exc.code)
            result.findings.append(Finding("url", exc.code, exc.message, verdict, Strength.STRONG))
            return self._finish(result, None, started, digest)

        result.url = target.given
        scope = self.gate.new_scope()
        ctx = CheckContext(
            target=target,
            gate=self.gate,
            scope=scope,
            settings=self.settings,
            catalogue=self.catalogue,
            ytdlp=self.ytdlp,
            parse_pool=self.parse_pool,
        )
        try:
            async with asyncio.timeout(self.settings.check_deadline + STOP_GRACE_SECONDS):
                for stage in self.stages:
                    active = [p for p in stage if p.applies(ctx)]
                    if not active:
                        continue
                    await asyncio.gather(*(self._run_probe(p, ctx, progress) for p in active))
        except TimeoutError:
            ctx.add(
                "check",
                "deadline",
                f"The check stopped after {self.settings.check_deadline:g} s; what was found "
                "until then is reported.",
            )
        result.findings = ctx.findings
        result.final_url = ctx.final_url if ctx.page is not None else None
        if ctx.page is not None:
            result.redirects = ctx.page.redirects
            result.server_address = ctx.page.server_address
        elif ctx.failure is not None:
            result.redirects = ctx.failure.redirects
            result.final_url = ctx.failure.url
        result.documents = scope.documents
        result.media = ctx.media
        if ctx.platform is not None:
            result.platform = {"id": ctx.platform.id, "name": ctx.platform.name}
        return self._finish(result, ctx, started, digest)

    async def _run_probe(self, probe: Probe, ctx: CheckContext, progress: Progress | None) -> None:
        if progress is not None:
            await progress({"event": "probe", "probe": probe.name, "status": "started"})
        before = len(ctx.findings)
        probe_started = time.monotonic()
        status = "done"
        try:
            await probe.run(ctx)
        except ProbeFailed as exc:
            ctx.add(probe.name, exc.code, exc.detail, exc.supports, exc.strength)
            if exc.expected:  # a fact about the link: nothing is wrong with the service
                log(logger, logging.DEBUG, "probe stopped", probe=probe.name, code=exc.code)
                status = "failed"
            else:
                status = self._defect(probe, exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a defect in a probe must not cost the victim the answer
            ctx.add(probe.name, "probe_error", "This check step failed; its evidence is missing.")
            status = self._defect(probe, exc)
        if progress is not None:
            await progress(
                {
                    "event": "probe",
                    "probe": probe.name,
                    "status": status,
                    "findings": [f.to_json() for f in ctx.findings[before:]],
                    "duration_ms": int((time.monotonic() - probe_started) * 1000),
                }
            )

    def _defect(self, probe: Probe, exc: Exception) -> str:
        """Log and count a defect of ours in `probe`; the probe's status ("error")."""
        self.defects[probe.name] = self.defects.get(probe.name, 0) + 1
        fields = {"probe": probe.name, "error_type": type(exc).__name__}  # never the message
        log(logger, logging.ERROR, "probe crashed", **fields)
        return "error"

    def _finish(
        self, result: CheckResult, ctx: CheckContext | None, started: float, digest: str
    ) -> CheckResult:
        decision = decide(
            result.findings, result.media, ctx.media_findings if ctx is not None else ()
        )
        result.verdict = decision.verdict
        result.confidence = decision.confidence
        result.findings.append(decision.explanation)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        if self.advisor is not None:
            self.advisor(result, ctx.platform if ctx is not None else None)
        log(
            logger,
            logging.INFO,
            "check done",
            url_digest=digest,
            verdict=result.verdict.value,
            confidence=result.confidence.value,
            duration_ms=result.duration_ms,
            requests=ctx.scope.requests if ctx else 0,
        )
        return result
