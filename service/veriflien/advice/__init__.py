"""Turn a verdict into what the person reads next: plain words, a checklist, and where to report.

A frightened victim or a helpline counsellor reads this right after the check, so the advice must
say truthfully what was found, never reassure beyond the evidence, and always give the safety
steps. Which report destination is offered depends on the verdict (PHAROS only takes public
content), on age (youth lines first, Take It Down instead of StopNCII) and on the country. The
wording lives in texts.toml and the destinations in resources.toml, both checked by
`veriflien.advice.catalogue`; this module only chooses and fills them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from veriflien.advice.catalogue import (
    INTERNATIONAL,
    LANGS,
    PSEUDO_STEPS,
    CatalogueError,
    Resource,
    Texts,
    load_resources,
    load_texts,
)
from veriflien.result import REACHABLE_VERDICTS, Verdict

__all__ = [
    "LANGS",
    "CatalogueError",
    "Platform",
    "PlatformInfo",
    "ReportRoute",
    "ReportRouteInfo",
    "format_duration",
    "render",
]


class ReportRouteInfo(Protocol):
    """One way to report on a platform, as the platform catalogue describes it."""

    @property
    def name_fr(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def in_app_fr(self) -> str | None: ...
    @property
    def in_app_en(self) -> str | None: ...
    @property
    def scope(self) -> str: ...  # "content" (the video) or "account" (the uploader's profile)
    @property
    def hub(self) -> bool: ...  # True when url is a help page rather than the form itself
    @property
    def source(self) -> str: ...
    @property
    def status(self) -> str: ...


class PlatformInfo(Protocol):
    """What the renderer needs to know about the platform hosting the link."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...  # e.g. "video", "dating", "storage", "social"
    @property
    def report(self) -> Sequence[ReportRouteInfo]: ...
    @property
    def stopncii_partner(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ReportRoute:
    """A concrete ReportRouteInfo, for callers and tests without the platform catalogue."""

    name_fr: str
    name_en: str
    scope: str
    source: str
    status: str
    url: str | None = None
    in_app_fr: str | None = None
    in_app_en: str | None = None
    hub: bool = False


@dataclass(frozen=True, slots=True)
class Platform:
    """A concrete PlatformInfo."""

    id: str
    name: str
    kind: str = "video"
    report: tuple[ReportRoute, ...] = ()
    stopncii_partner: bool = False


# ------------------------------------------------------------------------------------ helpers


def format_duration(seconds: float, lang: str = "fr") -> str:
    """Format a duration the way people say it: "45 s", "1 min 30", "1 h 02 min".

    Rounded to the nearest second (nearest minute past one hour) so the figure neither shrinks nor
    inflates what can be played; a non-zero fraction below one second is said as such, never "0 s".
    """
    _check_lang(lang)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"not a duration: {seconds!r}")
    if 0 < seconds < 1:
        return load_texts().media(lang, "less_than_a_second")
    total = int(seconds + 0.5)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes} min {secs:02d}" if secs else f"{minutes} min"
    hours, minutes = divmod(int(total / 60 + 0.5), 60)
    return f"{hours} h {minutes:02d} min"


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def _seconds(media: Mapping[str, Any], key: str) -> float | None:
    value = media.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _media_sentence(texts: Texts, lang: str, media: Mapping[str, Any] | None) -> str:
    media = media or {}
    duration = _seconds(media, "duration_seconds")
    playable = _seconds(media, "playable_seconds")
    if duration == 0:
        duration = None
    values = {
        "playable": "" if playable is None else format_duration(playable, lang),
        "duration": "" if duration is None else format_duration(duration, lang),
    }
    if playable is not None and duration is not None:
        key = "numbers"
    elif playable is not None:
        key = "playable_only"
    elif duration is not None:
        key = "duration_only"
    else:
        key = "none"
    return texts.media(lang, key).format_map(values)


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    return getattr(obj, name, default)


def _contact(resource: Resource, lang: str) -> str:
    name = resource.name(lang)
    if resource.phone and resource.phone not in name:
        return f"{name}, {resource.phone}"
    if not resource.phone and resource.url_for(lang):
        return f"{name}, {resource.url_for(lang)}"
    return name


# ------------------------------------------------------------------------------------ routing


@dataclass(slots=True)
class _Situation:
    verdict: Verdict
    lang: str
    country: str
    known_country: bool
    minor: bool
    platform: PlatformInfo | None
    national: list[Resource]
    intl: list[Resource]
    texts: Texts
    # An incomplete upload of which some seconds CAN be played is, for those seconds, reachable
    # by anyone with the link: it is routed and worded like public content (takedown, PHAROS),
    # never with "nothing can be seen".
    partly_playable: bool = False

    @property
    def reachable(self) -> bool:
        return self.verdict in REACHABLE_VERDICTS or self.partly_playable

    @property
    def plan_verdict(self) -> str:
        return Verdict.PUBLIC.value if self.partly_playable else self.verdict.value

    def national_scope(self, scope: str) -> list[Resource]:
        return [r for r in self.national if r.scope == scope]

    def youth_lines(self) -> list[Resource]:
        # Without a national youth line (unknown country), Take It Down is the one place for minors.
        return self.national_scope("minors") or [r for r in self.intl if r.scope == "minors"]

    def hash_service(self) -> Resource:
        scope = "minors" if self.minor else "adults"
        return next(r for r in self.intl if r.scope == scope)


def _resource_link(resource: Resource, s: _Situation, why: str | None = None) -> dict[str, Any]:
    text = why or resource.why(s.lang)
    hours = resource.hours(s.lang)
    if hours:
        text = f"{text} {s.texts.ui(s.lang, 'hours').format_map({'hours': hours})}."
    return {
        "kind": resource.kind,
        "name": resource.name(s.lang),
        "url": resource.url_for(s.lang),
        "phone": resource.phone,
        "why": text,
        "source": resource.source,
        "status": resource.status,
        "hub": resource.hub,
    }


def _platform_links(s: _Situation, scope: str) -> list[dict[str, Any]]:
    if s.platform is None:
        return []
    links = []
    for route in _attr(s.platform, "report", ()) or ():
        if _attr(route, "scope") != scope:
            continue
        parts = [s.texts.ui(s.lang, "route_content" if scope == "content" else "route_account")]
        in_app = (_attr(route, f"in_app_{s.lang}") or "").strip().rstrip(".")
        if in_app:
            parts.append(s.texts.ui(s.lang, "route_in_app").format_map({"in_app": in_app}))
        hub = bool(_attr(route, "hub", False))
        if hub:
            parts.append(s.texts.ui(s.lang, "route_hub"))
        links.append(
            {
                "kind": "platform",
                "name": f"{s.platform.name} – {_attr(route, f'name_{s.lang}')}",
                "url": _attr(route, "url"),
                "phone": None,
                "why": " ".join(p.rstrip() for p in parts),
                "source": _attr(route, "source", ""),
                "status": _attr(route, "status", "unconfirmed"),
                "hub": hub,
            }
        )
    return links


def _report_links(s: _Situation) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(*resources: Resource, why: str | None = None) -> None:
        for resource in resources:
            if resource.id not in seen:
                seen.add(resource.id)
                out.append(_resource_link(resource, s, why))

    def add_platform(scope: str) -> None:
        for link in _platform_links(s, scope):
            key = f"platform:{link['name']}:{link['url']}"
            if key not in seen:
                seen.add(key)
                out.append(link)

    adults_only = [] if s.minor else s.national_scope("adults")
    complaint = s.national_scope("complaint")
    if s.minor:
        add(*s.youth_lines())  # a minor's national youth line always comes first
    if s.reachable:
        add_platform("content")
        add(*s.national_scope("public_content"))  # PHAROS in France: public content only
        add(s.hash_service())
        add(*adults_only)
        add_platform("account")
        add(*complaint)
    elif s.verdict is Verdict.SUSPICIOUS:
        # The trap page itself is reachable by anyone, so destinations that take reports of scam
        # and phishing pages are offered for it -- including PHAROS, which receives public online
        # scams. Its text then says plainly that it is for the page, not for the blackmail (a
        # private threat goes to a complaint), so nobody mistakes it for the complaint route;
        # and it comes after the general advice services, which cover both.
        scam_desks = [r for r in s.national if r.takes_scam_pages]
        for resource in sorted(scam_desks, key=lambda r: r.scope == "public_content"):
            why = s.texts.ui(s.lang, "why_scam_page")
            add(resource, why=why if resource.scope == "public_content" else None)
        add(*complaint)
        add_platform("account")
        add(*adults_only)
    else:
        # Not public (or not established): PHAROS is never offered -- it only takes content
        # anyone can see; the advice says so and routes to a complaint instead.
        add(*complaint)
        if s.verdict is Verdict.INCOMPLETE:
            add_platform("content")  # a partly playable file is still worth reporting to its host
        add_platform("account")
        if not any(link["kind"] == "platform" for link in out):
            add_platform("content")  # no account route known: the host's report route is next best
        add(*adults_only)
    add(*s.national_scope("support"))
    add(s.hash_service())  # threatened images can be hashed before anyone posts them
    prevention = s.national_scope("prevention") or [r for r in s.intl if r.scope == "prevention"]
    add(*prevention)
    return out


# ------------------------------------------------------------------------------------- advice


def _context(s: _Situation) -> dict[str, str]:
    lang = s.lang
    youth = s.national_scope("minors")
    complaint = s.national_scope("complaint")
    police = next((r for r in complaint if r.phone), None)
    separator = " ; " if lang == "fr" else "; "
    return {
        "platform": s.platform.name if s.platform is not None else "",
        "youth_line": _contact(youth[0], lang) if youth else "",
        "youth_why": youth[0].why(lang) if youth else "",
        "channels": separator.join(_contact(r, lang) for r in complaint),
        "police": _contact(police, lang) if police else s.texts.ui(lang, "police_generic"),
        "country": s.country or "?",
        "media_sentence": "",
        "playable": "",
        "duration": "",
        "in_app": "",
        "hours": "",
    }


def _step_keys(step_id: str, s: _Situation) -> list[str]:
    """The text keys one plan id stands for in this situation (possibly none)."""
    if step_id == "youth_line":
        return ["youth_line"] if s.minor and s.national_scope("minors") else []
    if step_id.startswith("pharos") and s.country != "FR":
        return []
    if step_id == "dating":
        is_dating = s.platform is not None and _attr(s.platform, "kind") == "dating"
        return list(PSEUDO_STEPS["dating"]) if is_dating else []
    if step_id in ("hash", "hash_preventive"):
        return [f"{step_id}_{'minor' if s.minor else 'adult'}"]
    if step_id == "complaint" and not s.national_scope("complaint"):
        return ["complaint_unknown_country"]
    key = step_id
    if s.platform is None and "{platform}" in (s.texts.step(s.lang, step_id) or ""):
        key = f"{step_id}_generic"  # the loader guarantees this variant exists
    if s.minor and s.texts.step(s.lang, f"{key}_minor"):
        key = f"{key}_minor"
    if s.texts.step(s.lang, f"{key}_{s.country}"):
        key = f"{key}_{s.country}"
    return [key]


def _steps(s: _Situation, ctx: Mapping[str, str]) -> list[str]:
    steps: list[str] = []
    for step_id in s.texts.plan[s.plan_verdict]:
        for key in _step_keys(step_id, s):
            text = s.texts.step(s.lang, key)
            if text is None:  # the loader guarantees plan ids exist; variants are optional
                continue
            text = text.format_map(ctx)
            if key.endswith("_adult") and s.platform is not None:
                partner = bool(_attr(s.platform, "stopncii_partner", False))
                extra = s.texts.step(s.lang, "hash_partner" if partner else "hash_not_partner")
                text = f"{text} {extra.format_map(ctx)}"
            steps.append(text)
    return steps


def _advice(s: _Situation, media: Mapping[str, Any] | None) -> dict[str, Any]:
    ctx = _context(s)
    ctx["media_sentence"] = _media_sentence(s.texts, s.lang, media)
    block = s.texts.verdict(s.lang, s.verdict.value)
    prevention = (s.national_scope("prevention") or [r for r in s.intl if r.scope == "prevention"])[
        0
    ]
    notes = []
    if not s.known_country:
        notes.append(s.texts.ui(s.lang, "note_unknown_country").format_map(ctx))
    hours = prevention.hours(s.lang)
    prevention_text = prevention.why(s.lang)
    if hours:
        prevention_text += f" {s.texts.ui(s.lang, 'hours').format_map({'hours': hours})}."
    return {
        "headline": block["headline"].format_map(ctx),
        "summary": block["summary"].format_map(ctx),
        "reassurance": (
            s.texts.verdict(s.lang, Verdict.PUBLIC.value) if s.partly_playable else block
        )["reassurance"].format_map(ctx),
        "steps": _steps(s, ctx),
        "prevention": {
            "name": prevention.name(s.lang),
            "phone": prevention.phone,
            "url": prevention.url_for(s.lang),
            "text": prevention_text,
        },
        "notes": notes,
    }


def render(
    verdict: str,
    *,
    lang: str = "fr",
    country: str = "FR",
    minor: bool = False,
    platform: PlatformInfo | None = None,
    media: Mapping[str, Any] | None = None,
    resources: tuple[Resource, ...] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return (advice, report_links) for one check result.

    advice: {headline, summary, reassurance, steps: [str], prevention: {name, phone, url, text},
    notes: [str]}. report_links: [{kind, name, url, phone, why, source, status, hub}], most urgent
    first, always ending with the country's prevention line. An unknown `lang` or `verdict` raises
    ValueError; an unknown country falls back to the international resources with a note.
    `media` is MediaInfo.to_json() (only its duration fields are read).
    """
    _check_lang(lang)
    verdict_value = Verdict(verdict)
    texts = load_texts()
    resources = load_resources() if resources is None else resources
    code = (country or "").strip().upper()
    national = [r for r in resources if r.country == code and code != INTERNATIONAL]
    situation = _Situation(
        verdict=verdict_value,
        lang=lang,
        country=code,
        known_country=bool(national),
        minor=bool(minor),
        platform=platform,
        national=national,
        intl=[r for r in resources if r.country == INTERNATIONAL],
        texts=texts,
        partly_playable=verdict_value is Verdict.INCOMPLETE
        and (_seconds(media or {}, "playable_seconds") or 0) > 0,
    )
    return _advice(situation, media), _report_links(situation)
