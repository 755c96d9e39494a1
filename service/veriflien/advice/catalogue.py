"""Load and check the advice data files (texts.toml, resources.toml).

The wording and the list of places to report are data that helplines keep up to date, so a typo in
them must fail loudly at start-up (and in CI), never produce a half-empty answer for a frightened
person. This module turns the two TOML files into typed, validated objects; the renderer in
`veriflien.advice` only reads what this module has already checked.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from veriflien.datafiles import CatalogueError, read_data_file
from veriflien.result import Verdict

HERE = Path(__file__).resolve().parent
TEXTS_PATH = HERE / "texts.toml"
RESOURCES_PATH = HERE / "resources.toml"

LANGS: tuple[str, ...] = ("fr", "en")
#: Countries with a national section in resources.toml; anything else gets the international one.
COUNTRIES: tuple[str, ...] = ("FR", "BE", "CH", "CA", "GB", "US")
INTERNATIONAL = "INT"

KINDS = frozenset({"platform", "authority", "support", "prevention"})
SCOPES = frozenset({"public_content", "complaint", "support", "prevention", "minors", "adults"})
STATUSES = frozenset({"confirmed", "secondary", "unconfirmed"})

_REQUIRED = ("id", "country", "kind", "name_fr", "name_en", "why_fr", "why_en", "scope")
_REQUIRED += ("source", "status")
_OPTIONAL = ("url", "url_fr", "url_en", "phone", "hub", "takes_scam_pages")
_OPTIONAL += ("hours_fr", "hours_en", "notes")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,19}$")
_ID = re.compile(r"^[a-z0-9_]+$")

#: Placeholders a text may use; the renderer fills exactly these.
PLACEHOLDERS = frozenset(
    {
        "platform",
        "youth_line",
        "youth_why",
        "channels",
        "police",
        "country",
        "media_sentence",
        "playable",
        "duration",
        "in_app",
        "hours",
    }
)
#: Plan ids the renderer expands itself rather than reading one text.
PSEUDO_STEPS: Mapping[str, tuple[str, ...]] = {
    "dating": ("dating_block", "dating_protect", "dating_moderators", "dating_police"),
    "hash": ("hash_adult", "hash_minor"),
    "hash_preventive": ("hash_preventive_adult", "hash_preventive_minor"),
}
_VERDICT_FIELDS = ("label", "headline", "summary", "reassurance")
#: Step texts the renderer reads by name, outside the plan.
_CODE_STEPS = ("complaint_unknown_country", "hash_partner", "hash_not_partner")
_MEDIA_KEYS = ("numbers", "playable_only", "duration_only", "none", "less_than_a_second")
_UI_KEYS = (
    "police_generic",
    "route_content",
    "route_account",
    "route_hub",
    "route_in_app",
    "why_scam_page",
    "note_unknown_country",
    "hours",
)


@dataclass(frozen=True, slots=True)
class Resource:
    """One place to report or find help, as written in resources.toml."""

    id: str
    country: str
    kind: str
    scope: str
    name_fr: str
    name_en: str
    why_fr: str
    why_en: str
    source: str
    status: str
    url: str | None = None
    url_fr: str | None = None
    url_en: str | None = None
    phone: str | None = None
    hub: bool = False
    takes_scam_pages: bool = False
    hours_fr: str | None = None
    hours_en: str | None = None
    notes: str | None = None

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_en

    def why(self, lang: str) -> str:
        return self.why_fr if lang == "fr" else self.why_en

    def hours(self, lang: str) -> str | None:
        return self.hours_fr if lang == "fr" else self.hours_en

    def url_for(self, lang: str) -> str | None:
        specific = self.url_fr if lang == "fr" else self.url_en
        return specific or self.url


@dataclass(frozen=True, slots=True)
class Texts:
    """The checked contents of texts.toml."""

    plan: Mapping[str, tuple[str, ...]]
    by_lang: Mapping[str, Mapping[str, Any]]
    #: Steps for each classification of a pasted message (see veriflien.advice.messages).
    message_plan: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def verdict(self, lang: str, verdict: str) -> Mapping[str, str]:
        return self.by_lang[lang]["verdicts"][verdict]

    def step(self, lang: str, key: str) -> str | None:
        return self.by_lang[lang]["steps"].get(key)

    def ui(self, lang: str, key: str) -> str:
        return self.by_lang[lang]["ui"][key]

    def media(self, lang: str, key: str) -> str:
        return self.by_lang[lang]["media"][key]

    def message(self, lang: str, table: str, key: str) -> Any:
        """A text of [LANG.messages.TABLE] (kinds, steps, reasons), or None."""
        return self.by_lang[lang].get("messages", {}).get(table, {}).get(key)


# --------------------------------------------------------------------------------- resources


def _is_https(url: Any) -> bool:
    if not isinstance(url, str) or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def parse_resources(doc: Mapping[str, Any], origin: str = "resources.toml") -> tuple[Resource, ...]:
    """Check a parsed resources document and return its entries; raise CatalogueError otherwise."""
    errors: list[str] = []
    raw_entries = doc.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CatalogueError(f"{origin}: no [[entry]] tables found")
    seen: set[str] = set()
    entries: list[Resource] = []
    for index, raw in enumerate(raw_entries):
        where = (
            f"{origin}: entry #{index + 1} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
        )
        if not isinstance(raw, dict):
            errors.append(f"{where}: not a table")
            continue
        problems = _entry_problems(raw)
        if raw.get("id") in seen:
            problems.append(f"duplicate id {raw.get('id')!r}")
        seen.add(raw.get("id"))
        if problems:
            errors.extend(f"{where}: {p}" for p in problems)
            continue
        entries.append(Resource(**raw))
    for country in sorted({*COUNTRIES, INTERNATIONAL, *(e.country for e in entries)}):
        scopes = {e.scope for e in entries if e.country == country}
        if "prevention" not in scopes:
            errors.append(
                f"{origin}: {country} has no prevention line (one must show on every result)"
            )
    intl = {e.scope for e in entries if e.country == INTERNATIONAL}
    for scope in ("adults", "minors"):
        if scope not in intl:
            errors.append(f"{origin}: the international section needs a {scope!r} entry")
    if errors:
        raise CatalogueError("\n".join(errors))
    return tuple(entries)


def _entry_problems(raw: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        problems.append(f"unknown field(s) {sorted(unknown)}")
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(f"missing or empty {key!r}")
    if problems:
        return problems
    if not _ID.match(raw["id"]):
        problems.append("id must be lower-case letters, digits and underscores")
    if raw["country"] != INTERNATIONAL and not re.fullmatch(r"[A-Z]{2}", raw["country"]):
        problems.append(f"country {raw['country']!r} is not a two-letter code or INT")
    if raw["kind"] not in KINDS:
        problems.append(f"kind {raw['kind']!r} not in {sorted(KINDS)}")
    if raw["scope"] not in SCOPES:
        problems.append(f"scope {raw['scope']!r} not in {sorted(SCOPES)}")
    if raw["status"] not in STATUSES:
        problems.append(f"status {raw['status']!r} not in {sorted(STATUSES)}")
    for key in ("url", "url_fr", "url_en"):
        if key in raw and not _is_https(raw[key]):
            problems.append(f"{key} {raw[key]!r} is not an https:// address")
    if "phone" in raw and not (isinstance(raw["phone"], str) and _PHONE.match(raw["phone"])):
        problems.append(f"phone {raw['phone']!r} is not a phone number")
    if not any(k in raw for k in ("url", "url_fr", "url_en", "phone")):
        problems.append("needs an https url or a phone number")
    for key in ("hub", "takes_scam_pages"):
        if key in raw and not isinstance(raw[key], bool):
            problems.append(f"{key} must be true or false")
    for key in ("hours_fr", "hours_en", "notes"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            problems.append(f"{key} must be a non-empty string")
    return problems


def load_resources(path: Path | None = None) -> tuple[Resource, ...]:
    """Read and check a resources catalogue (the packaged one by default)."""
    if path is None:
        return _default_resources()
    return read_data_file(Path(path), parse_resources)


@lru_cache(maxsize=1)
def _default_resources() -> tuple[Resource, ...]:
    return read_data_file(RESOURCES_PATH, parse_resources)


# ------------------------------------------------------------------------------------- texts


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def parse_texts(doc: Mapping[str, Any], origin: str = "texts.toml") -> Texts:
    """Check a parsed texts document and return it; raise CatalogueError otherwise."""
    errors: list[str] = []
    verdicts = [v.value for v in Verdict]
    plan = _step_lists(doc.get("plan", {}), "plan", verdicts, "a verdict", origin, errors)

    for lang in LANGS:
        section = doc.get(lang)
        if not isinstance(section, dict):
            errors.append(f"{origin}: missing [{lang}] section")
            continue
        for verdict in verdicts:
            block = section.get("verdicts", {}).get(verdict)
            for fld in _VERDICT_FIELDS:
                if not isinstance(block, dict) or not str(block.get(fld, "")).strip():
                    errors.append(f"{origin}: [{lang}.verdicts.{verdict}] missing {fld}")
        for table, keys in (("media", _MEDIA_KEYS), ("ui", _UI_KEYS)):
            for key in keys:
                if not str(section.get(table, {}).get(key, "")).strip():
                    errors.append(f"{origin}: [{lang}.{table}] missing {key}")
        steps = section.get("steps", {})
        for key in _CODE_STEPS:
            if not str(steps.get(key, "")).strip():
                errors.append(f"{origin}: [{lang}.steps] missing {key}")
        for verdict, ids in plan.items():
            for step_id in ids:
                for key in PSEUDO_STEPS.get(step_id, (step_id,)):
                    text = steps.get(key)
                    if not isinstance(text, str) or not text.strip():
                        errors.append(f"{origin}: [{lang}.steps] missing {key} (plan {verdict})")
                    elif (
                        "platform" in _fields(text)
                        and not key.startswith("dating_")
                        and not steps.get(f"{key}_generic")
                    ):
                        errors.append(
                            f"{origin}: [{lang}.steps] {key} names the platform, so "
                            f"{key}_generic is needed for links on unknown sites"
                        )
        for where, text in _walk(section, lang):
            try:
                names = _fields(text)
            except ValueError as exc:
                errors.append(f"{origin}: {where}: bad braces: {exc}")
                continue
            if names - PLACEHOLDERS:
                errors.append(
                    f"{origin}: {where}: unknown placeholder(s) {sorted(names - PLACEHOLDERS)}"
                )

    if all(isinstance(doc.get(lang), dict) for lang in LANGS):
        first, *others = LANGS
        ref = dict(_walk(doc[first], first, with_lang=False))
        for lang in others:
            mine = dict(_walk(doc[lang], lang, with_lang=False))
            for key in sorted(set(ref) ^ set(mine)):
                errors.append(f"{origin}: {key} exists in one language only")
            for key in sorted(set(ref) & set(mine)):
                try:
                    same = _fields(ref[key]) == _fields(mine[key])
                except ValueError:
                    continue  # already reported above
                if not same:
                    errors.append(
                        f"{origin}: {key} uses different placeholders in {first} and {lang}"
                    )
    message_plan = _message_plan(doc, plan, origin, errors)
    if errors:
        raise CatalogueError("\n".join(errors))
    return Texts(plan=plan, by_lang={lang: doc[lang] for lang in LANGS}, message_plan=message_plan)


#: Classifications of a pasted message, each with a [message_plan] entry and texts.
MESSAGE_KINDS = ("mass_scam", "targeted_blackmail", "unknown")


def _message_plan(
    doc: Mapping[str, Any], plan: Mapping[str, tuple[str, ...]], origin: str, errors: list[str]
) -> dict[str, tuple[str, ...]]:
    """Check [message_plan] and the [LANG.messages] tables; return the plan."""
    out = _step_lists(
        doc.get("message_plan", {}),
        "message_plan",
        MESSAGE_KINDS,
        "a message classification",
        origin,
        errors,
    )
    verdict_steps = {step_id for ids in plan.values() for step_id in ids}
    for lang in LANGS:
        section = doc.get(lang, {}).get("messages", {}) if isinstance(doc.get(lang), dict) else {}
        for kind in MESSAGE_KINDS:
            block = section.get("kinds", {}).get(kind)
            for fld in ("headline", "summary"):
                if not isinstance(block, dict) or not str(block.get(fld, "")).strip():
                    errors.append(f"{origin}: [{lang}.messages.kinds.{kind}] missing {fld}")
        own = section.get("steps", {})
        for kind, ids in out.items():
            for step_id in ids:
                if step_id not in own and step_id not in verdict_steps:
                    errors.append(
                        f"{origin}: [message_plan] {kind}: {step_id!r} is neither a message "
                        f"step of [{lang}.messages.steps] nor a verdict step"
                    )
    return out


def _step_lists(
    raw: Mapping[str, Any],
    table: str,
    names: Sequence[str],
    what: str,
    origin: str,
    errors: list[str],
) -> dict[str, tuple[str, ...]]:
    """A [plan]-like table: one non-empty list of step ids for each of `names`, and no other key
    (`what` says what a key must be); each problem is appended to `errors`."""
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        steps = raw.get(name)
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
            errors.append(f"{origin}: [{table}] {name} must be a non-empty list of step ids")
            continue
        out[name] = tuple(steps)
    for extra in set(raw) - set(names):
        errors.append(f"{origin}: [{table}] {extra!r} is not {what}")
    return out


def _walk(node: Any, prefix: str, *, with_lang: bool = True) -> list[tuple[str, str]]:
    """Every (dotted key, string) pair below node; the language prefix is optional in the key."""
    out: list[tuple[str, str]] = []

    def visit(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                visit(sub, f"{path}.{key}" if path else key)
        elif isinstance(value, str):
            out.append((f"{prefix}.{path}" if with_lang else path, value))

    visit(node, "")
    return out


def load_texts(path: Path | None = None) -> Texts:
    """Read and check a texts file (the packaged one by default)."""
    if path is None:
        return _default_texts()
    return read_data_file(Path(path), parse_texts)


@lru_cache(maxsize=1)
def _default_texts() -> Texts:
    return read_data_file(TEXTS_PATH, parse_texts)
