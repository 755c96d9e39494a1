"""The result document: the one shape every client (API, console, extension, CLI) reads.

This module is a leaf: it imports nothing from the rest of the package, so probes, the verdict
engine, the advice renderer and the API can all share these types without import cycles.
Field names here are the public, versioned contract (see api/openapi.json); add, never rename.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = 1


def utc_timestamp(moment: datetime) -> str:
    """`checked_at` as every result writes it: UTC, to the second, e.g. 2026-11-21T05:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Verdict(enum.StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"
    REMOVED = "removed"
    INCOMPLETE = "incomplete"
    LOGIN_REQUIRED = "login_required"
    NO_VIDEO = "no_video"
    SUSPICIOUS = "suspicious"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    INVALID_URL = "invalid_url"
    UNKNOWN = "unknown"


#: Verdicts that say the content can be watched by anyone who has the link.
REACHABLE_VERDICTS = frozenset({Verdict.PUBLIC, Verdict.UNLISTED})


class Confidence(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Strength(enum.IntEnum):
    """How much a single finding weighs when the verdict engine combines them."""

    WEAK = 1  # a hint: never enough on its own to reassure
    MEDIUM = 2  # a platform signal with known ambiguity (e.g. an oEmbed code)
    STRONG = 3  # the platform or the bytes say it plainly


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of evidence, produced by one probe.

    `code` is a stable identifier that tests and clients may rely on, listed with its meaning in
    advice/findings.toml; `detail` is a short technical sentence in English for the JSON and the
    evidence sheet. `supports` names the verdict this evidence points to, if any, and `strength`
    how strongly. `label` and `explanation` are what a person reads, in the result's language,
    filled from findings.toml once the check is done (never by a probe).
    """

    probe: str
    code: str
    detail: str
    supports: Verdict | None = None
    strength: Strength | None = None
    label: str | None = None
    explanation: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"probe": self.probe, "code": self.code, "detail": self.detail}
        if self.supports is not None:
            doc["supports"] = self.supports.value
        if self.strength is not None:
            doc["strength"] = self.strength.name.lower()
        if self.label is not None:
            doc["label"] = self.label
        if self.explanation is not None:
            doc["explanation"] = self.explanation
        return doc

    def as_probe(self, probe: str) -> Finding:
        """The same evidence credited to another probe (an embedded player's own checks)."""
        return Finding(probe, self.code, self.detail, self.supports, self.strength)


class Findings:
    """The one way evidence is recorded: the findings of one probe, built with its name.

    The check context, the page analysis and the container readers all record through this, so
    a finding always carries the probe that saw it. `once` keeps a code to its first finding
    (rules that fire on every matching element of a page say it once).
    """

    def __init__(
        self, probe: str, findings: list[Finding] | None = None, *, once: bool = False
    ) -> None:
        self.probe = probe
        self.findings: list[Finding] = [] if findings is None else findings
        self.once = once
        self._seen: set[str] = set()

    def add(
        self,
        code: str,
        detail: str,
        supports: Verdict | None = None,
        strength: Strength | None = None,
    ) -> Finding | None:
        """Record one finding; None when `once` and the code was already recorded."""
        if self.once and code in self._seen:
            return None
        self._seen.add(code)
        finding = Finding(self.probe, code, detail, supports, strength)
        self.findings.append(finding)
        return finding

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


@dataclass(slots=True)
class MediaInfo:
    """What the container index says about a video file, read within the byte budget."""

    container: str  # mp4, fmp4, webm, ogg, hls, dash, unknown
    complete: bool | None  # None: could not tell
    duration_seconds: float | None = None
    playable_seconds: float | None = None
    bytes_total: int | None = None
    bytes_read: int = 0

    @property
    def playable_fraction(self) -> float | None:
        if self.playable_seconds is None or not self.duration_seconds:
            return None
        return max(0.0, min(1.0, self.playable_seconds / self.duration_seconds))

    def to_json(self) -> dict[str, Any]:
        fraction = self.playable_fraction
        return {
            "container": self.container,
            "complete": self.complete,
            "duration_seconds": _round(self.duration_seconds),
            "playable_seconds": _round(self.playable_seconds),
            "playable_fraction": None if fraction is None else round(fraction, 4),
            "bytes_total": self.bytes_total,
            "bytes_read": self.bytes_read,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True, slots=True)
class Redirect:
    url: str
    status: int  # HTTP status, or 0 for a Refresh header / meta refresh hop
    via: str = "http"  # http, refresh-header, meta-refresh

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "via": self.via}


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A document the gate fetched for this check: kept as a digest for the evidence sheet only."""

    url: str
    status: int
    content_type: str
    sha256: str | None  # of HTML/JSON/text bodies only, never of media
    server_address: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "content_type": self.content_type,
            "sha256": self.sha256,
            "server_address": self.server_address,
        }


@dataclass(slots=True)
class CheckResult:
    url: str
    verdict: Verdict
    confidence: Confidence
    checked_at: str
    version: str
    final_url: str | None = None
    redirects: list[Redirect] = field(default_factory=list)
    platform: dict[str, str] | None = None  # {"id", "name"}
    media: MediaInfo | None = None
    findings: list[Finding] = field(default_factory=list)
    advice: dict[str, Any] = field(default_factory=dict)
    report_links: list[dict[str, Any]] = field(default_factory=list)
    documents: list[FetchedDocument] = field(default_factory=list)
    server_address: str | None = None
    lang: str = "fr"
    country: str = "FR"
    minor: bool = False
    duration_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict.value,
            "confidence": self.confidence.value,
            "url": self.url,
            "final_url": self.final_url,
            "redirects": [r.to_json() for r in self.redirects],
            "server_address": self.server_address,
            "platform": self.platform,
            "media": None if self.media is None else self.media.to_json(),
            "findings": [f.to_json() for f in self.findings],
            "advice": self.advice,
            "report_links": self.report_links,
            "documents": [d.to_json() for d in self.documents],
            "lang": self.lang,
            "country": self.country,
            "minor": self.minor,
            "checked_at": self.checked_at,
            "duration_ms": self.duration_ms,
            "version": self.version,
        }
