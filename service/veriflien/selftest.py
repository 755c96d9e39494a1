"""`veriflien selftest`: do the platforms still answer the way the catalogue expects?

Why this exists: platforms change their pages without notice, and a rule that stops matching
silently turns a verdict into "unknown" — or worse. Every catalogue entry carries `examples`:
links with the state they had when someone checked them. The self-test checks each one through the
normal engine (the same gate, probes and rules as a victim's check) and reports, per platform,
whether the verdict still matches. An association runs it after installing and then daily (a
systemd timer, a Kubernetes CronJob or a compose profile in deploy/); the service reads the last
report and exposes it in /metrics, /readyz and to the console, which warns counsellors discreetly
when a platform's verdicts are unverified.

Where the last report lives: in Redis when `redis_url` is set (every replica and the CronJob see
the same one), and always in `selftest_file` (default: the systemd state directory, else
~/.local/state/veriflien/). It holds catalogue example links only, never a user's link.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veriflien import __version__
from veriflien.check import CheckEngine, CheckRequest
from veriflien.platforms import Catalogue, Platform
from veriflien.settings import Settings

REDIS_KEY = "selftest:last"
#: A report older than this is stale: the timer runs daily, so two missed runs are worth a flag.
STALE_AFTER = 3 * 24 * 3600
_REDIS_TTL = 30 * 24 * 3600
CONCURRENCY = 3


@dataclass(frozen=True, slots=True)
class ExampleResult:
    platform: str
    url: str
    expected: str
    verdict: str
    checked: str  # when the example's state was recorded

    @property
    def match(self) -> bool:
        return self.verdict == self.expected


@dataclass
class Report:
    ran_at: str
    version: str
    results: list[ExampleResult] = field(default_factory=list)

    def platforms(self) -> dict[str, bool]:
        """Platform id -> every example still gives its recorded verdict."""
        out: dict[str, bool] = {}
        for result in self.results:
            out[result.platform] = out.get(result.platform, True) and result.match
        return out

    @property
    def ok(self) -> bool:
        return all(self.platforms().values())

    def age_seconds(self, now: float | None = None) -> float:
        when = datetime.strptime(self.ran_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return max(0.0, (now or time.time()) - when.timestamp())

    def to_json(self) -> dict[str, Any]:
        return {
            "ran_at": self.ran_at,
            "version": self.version,
            "ok": self.ok,
            "platforms": self.platforms(),
            "results": [{**asdict(r), "match": r.match} for r in self.results],
        }

    @classmethod
    def from_json(cls, doc: Any) -> Report | None:
        try:
            results = [
                ExampleResult(
                    platform=str(r["platform"]),
                    url=str(r["url"]),
                    expected=str(r["expected"]),
                    verdict=str(r["verdict"]),
                    checked=str(r.get("checked", "")),
                )
                for r in doc["results"]
            ]
            report = cls(ran_at=str(doc["ran_at"]), version=str(doc["version"]), results=results)
            report.age_seconds()  # validates the date
        except (KeyError, TypeError, ValueError):
            return None
        return report


def selected(catalogue: Catalogue, platform_ids: Sequence[str] | None) -> list[Platform]:
    """The platforms to test (those with examples), or ValueError naming an unknown id."""
    if platform_ids:
        unknown = [p for p in platform_ids if catalogue.get(p) is None]
        if unknown:
            raise ValueError(f"unknown platform: {', '.join(unknown)}")
        chosen = [catalogue.get(p) for p in platform_ids]
        return [p for p in chosen if p is not None]
    return [p for p in catalogue.platforms if p.examples]


async def run(engine: CheckEngine, platforms: Iterable[Platform]) -> Report:
    """Check every example of `platforms` through `engine`, a few at a time."""
    examples = [(p, e) for p in platforms for e in p.examples]
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(platform: Platform, url: str, expected: str, checked: str) -> ExampleResult:
        async with slots:
            result = await engine.run(CheckRequest(url=url, lang="en"))
        return ExampleResult(platform.id, url, expected, result.verdict.value, checked)

    results = await asyncio.gather(*(one(p, e.url, e.state, e.checked) for p, e in examples))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Report(ran_at=now, version=__version__, results=list(results))


# ---------------------------------------------------------------------------------------------
# Where the last report is kept
# ---------------------------------------------------------------------------------------------


def report_path(settings: Settings) -> Path:
    if settings.selftest_file:
        return Path(settings.selftest_file)
    state_dir = os.environ.get("STATE_DIRECTORY")  # systemd's StateDirectory=
    if state_dir:
        return Path(state_dir.split(":", 1)[0]) / "selftest.json"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "veriflien" / "selftest.json"


async def save(settings: Settings, report: Report) -> list[str]:
    """Store the report in every place configured; the places it went to (for the CLI)."""
    data = json.dumps(report.to_json(), ensure_ascii=False).encode()
    stored: list[str] = []
    path = report_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        stored.append(str(path))
    except OSError:
        pass
    if settings.redis_url:
        from veriflien.state.shared import SharedState

        state = SharedState(settings.redis_url, timeout=settings.redis_timeout)
        await state.start()
        try:
            if not state.degraded:
                await state.set(REDIS_KEY, data, _REDIS_TTL)
                if not state.degraded:
                    stored.append("redis")
        finally:
            await state.close()
    return stored


class LastReport:
    """The service's view of the last self-test, re-read at most once a minute."""

    def __init__(self, settings: Settings, shared: Any = None, refresh: float = 60.0) -> None:
        self.settings = settings
        self.shared = shared  # the app's SharedState, when Redis is configured
        self.refresh = refresh
        self._report: Report | None = None
        self._read_at = -1e9

    @property
    def cached(self) -> Report | None:
        """The report read last (for synchronous readers such as the metrics collector)."""
        return self._report

    async def get(self) -> Report | None:
        now = time.monotonic()
        if now - self._read_at < self.refresh:
            return self._report
        self._read_at = now
        raw: bytes | None = None
        if self.shared is not None and self.settings.redis_url:
            raw = await self.shared.get(REDIS_KEY)
        if raw is None:
            try:
                raw = report_path(self.settings).read_bytes()
            except OSError:
                raw = None
        report = None
        if raw:
            try:
                report = Report.from_json(json.loads(raw))
            except ValueError:
                report = None
        self._report = report
        return report

    async def status(self) -> dict[str, Any]:
        """What /readyz and the console may show: per platform, verified or not; no links."""
        report = await self.get()
        if report is None:
            return {"status": "not_run", "ran_at": None, "platforms": {}}
        platforms = {
            pid: "verified" if ok else "mismatch" for pid, ok in report.platforms().items()
        }
        stale = report.age_seconds() > STALE_AFTER
        if not report.ok:
            status = "degraded"
        elif stale:
            status = "stale"
        else:
            status = "ok"
        return {"status": status, "ran_at": report.ran_at, "platforms": platforms}
