"""The platform catalogue: which site a link belongs to, what its signals mean, where to report.

Why this is data and not code: report links move, hosts multiply and page wording changes faster
than releases. An association must be able to correct `platforms.toml` without a developer, so the
file is plain TOML and this module only loads, validates and matches it. Validation is strict and
names the entry and the field at fault, because a silent typo here can change a verdict (a marker
that matches too much) or send a frightened person to a dead or invented link.

Nothing here touches the network: the catalogue only reads text the gate already fetched.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlsplit

from veriflien.datafiles import CatalogueError
from veriflien.platforms.evidence import (
    STRENGTHS,
    SUPPORTS,
    ConsentRules,
    Rule,
    StateRule,
    host_set,
    state_findings,
)
from veriflien.platforms.markers import MarkerText, marker_found
from veriflien.result import Finding

__all__ = [
    "EXAMPLE_STATES",
    "KINDS",
    "MARKER_KINDS",
    "Catalogue",
    "CatalogueError",
    "Example",
    "OEmbedBodyRule",
    "OEmbedRule",
    "Platform",
    "ReportRoute",
    "Rule",
    "StateRule",
    "default_catalogue",
    "normalise_host",
]

KINDS = frozenset({"video", "social", "file_sharing", "adult", "dating", "messaging", "shortener"})
STATUSES = frozenset({"confirmed", "secondary", "unconfirmed"})
SCOPES = frozenset({"content", "account"})
MARKER_KINDS = frozenset(
    {"private", "removed", "processing", "login", "age_gate", "playable", "unlisted", "unplayable"}
)

#: States a catalogue example may have had when it was checked (the verdict the engine must give).
EXAMPLE_STATES = frozenset(
    {"public", "unlisted", "private", "removed", "login_required", "no_video", "unknown"}
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CODE = re.compile(r"^[a-z0-9_]+$")
_HOST_SPEC = re.compile(r"^(?:\*\.)?[^\s/?#@:*]+$")
# Characters no real host contains but that parsers disagree on (a backslash is a path separator
# for browsers and not for urllib): a URL carrying them is not matched to any platform at all.
_AMBIGUOUS_NETLOC = re.compile(r"[\\\s\x00-\x1f\x7f]")
_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

_PLATFORM_KEYS = frozenset(
    {
        "id",
        "name",
        "kind",
        "hosts",
        "resolve_hosts",
        "resolve_patterns",
        "url_patterns",
        "oembed",
        "ytdlp_extractors",
        "markers",
        "report",
        "stopncii_partner",
        "page_status",
        "states",
        "consent",
        "examples",
        "ytdlp_args",
        "api",
        "state_aliases",
        "state_containers",
    }
)
_STATE_KEYS = frozenset({"object", "fields", "texts", "keys", "document"}) | {
    "supports",
    "strength",
    "code",
    "detail",
}
_CONSENT_KEYS = frozenset({"hosts", "cookie"})
_EXAMPLE_KEYS = frozenset({"url", "state", "checked", "source", "note"})
_GENERIC_KEYS = frozenset({"page_status", "consent"})
_GENERIC_CONSENT_KEYS = frozenset({"texts", "form_actions"})
_OEMBED_KEYS = frozenset(
    {"endpoint", "canonical", "source", "status", "rules", "default", "body_rules"}
)
_RULE_KEYS = frozenset({"supports", "strength", "code", "detail"})
_ROUTE_KEYS = frozenset(
    {
        "name_fr",
        "name_en",
        "url",
        "url_en",
        "in_app_fr",
        "in_app_en",
        "scope",
        "hub",
        "source",
        "status",
    }
)


# ---------------------------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------------------------


#: An oEmbed answer's meaning is a catalogue Rule like any other platform signal.
OEmbedRule = Rule


@dataclass(frozen=True, slots=True)
class Example:
    """A link of the platform and the state it had when someone checked it (for `selftest`)."""

    url: str
    state: str
    checked: str  # YYYY-MM
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A platform's public, anonymous data endpoint about one video (`[platform.api]`)."""

    endpoint: str  # https, with {video_id}
    rules: Mapping[int, Rule]
    default: Rule | None
    body_rules: tuple[OEmbedBodyRule, ...]
    source: str | None = None
    status: str | None = None

    def rule(self, status: int, body: str = "") -> Rule | None:
        """What an answer means: body rules first, then the status map, then the default."""
        for body_rule in self.body_rules:
            if body_rule.matches(status, body):
                return body_rule.rule
        return self.rules.get(status, self.default)


@dataclass(frozen=True, slots=True)
class OEmbedBodyRule:
    """An answer recognised by its status AND its body (checked before the status map)."""

    status: int
    contains: str  # a case-insensitive substring, or "re:" + regex
    rule: OEmbedRule

    def matches(self, status: int, body: str) -> bool:
        return status == self.status and marker_found(self.contains, body)


@dataclass(frozen=True, slots=True)
class ReportRoute:
    """One way to report, on the platform itself."""

    name_fr: str
    name_en: str
    url: str | None
    in_app_fr: str | None
    in_app_en: str | None
    scope: str  # "content" or "account" (the blackmailer's profile)
    hub: bool  # True: a help page that explains where to report, not the reporting form itself
    source: str
    status: str  # confirmed | secondary | unconfirmed
    url_en: str | None = None  # the English page, when it is a different address

    def link(self, lang: str = "fr") -> str | None:
        """The address to show to a reader of `lang` (French first)."""
        if lang == "en" and self.url_en:
            return self.url_en
        return self.url

    def name(self, lang: str = "fr") -> str:
        return self.name_en if lang == "en" else self.name_fr

    def in_app(self, lang: str = "fr") -> str | None:
        return self.in_app_en if lang == "en" else self.in_app_fr


@dataclass(frozen=True, eq=False)
class Platform:
    """One catalogue entry. Compared by identity: a catalogue holds each platform once."""

    id: str
    name: str
    kind: str
    hosts: tuple[str, ...]
    url_patterns: tuple[re.Pattern[str], ...]
    oembed_endpoint: str | None
    oembed_rules: Mapping[int, OEmbedRule]
    oembed_default: OEmbedRule | None
    ytdlp_extractors: tuple[str, ...]
    markers: Mapping[str, tuple[str, ...]]
    report: tuple[ReportRoute, ...]
    stopncii_partner: bool
    # For each url_pattern, the hosts it is limited to (empty: every host of the platform).
    url_pattern_hosts: tuple[tuple[str, ...], ...] = ()
    resolve_hosts: tuple[str, ...] = ()
    resolve_patterns: tuple[re.Pattern[str], ...] = ()
    oembed_canonical: str | None = None
    oembed_body_rules: tuple[OEmbedBodyRule, ...] = ()
    oembed_source: str | None = None
    oembed_status: str | None = None
    # What the HTTP status of the platform's own content page means (others: the catalogue's
    # [generic.page_status]); structured state objects; consent walls; self-test examples.
    page_status: Mapping[int, Rule] = field(default_factory=lambda: MappingProxyType({}))
    states: tuple[StateRule, ...] = ()
    consent_hosts: tuple[str, ...] = ()
    consent_cookie: str | None = None
    examples: tuple[Example, ...] = ()
    ytdlp_args: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    api: Endpoint | None = None
    # Other names under which the platform serves a state object (YouTube's embed page calls its
    # player status "previewPlayabilityStatus").
    state_aliases: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Keys whose string value is a JSON document of the platform (YouTube's embed page:
    # "embedded_player_response"), read for state objects when the page has none of its own.
    state_containers: tuple[str, ...] = ()

    # -- host -----------------------------------------------------------------------------------

    def owns_host(self, host: str) -> bool:
        """True when `host` (raw or normalised) belongs to this platform."""
        norm = normalise_host(host)
        return norm is not None and _host_in(norm, self.hosts)

    def _owned_parts(self, url: str) -> tuple[str, str] | None:
        parts = _split(url)
        if parts is None or not _host_in(parts[0], self.hosts):
            return None
        return parts

    # -- content --------------------------------------------------------------------------------

    def _content_match(self, url: str) -> re.Match[str] | None:
        parts = self._owned_parts(url)
        if parts is None:
            return None
        host, target = parts
        for index, pattern in enumerate(self.url_patterns):
            limit = self.url_pattern_hosts[index] if index < len(self.url_pattern_hosts) else ()
            if limit and not _host_in(host, limit):
                continue
            found = pattern.search(target)
            if found:
                return found
        return None

    def is_content(self, url: str) -> bool:
        """True when the URL points at one piece of content (a video, a post, a file)."""
        return self._content_match(url) is not None

    def video_id(self, url: str) -> str | None:
        found = self._content_match(url)
        if found is None or "video_id" not in found.re.groupindex:
            return None
        return found.group("video_id")

    def needs_resolution(self, url: str) -> bool:
        """True for the platform's own short links: follow them before reading anything."""
        if self.kind == "shortener":
            return self._owned_parts(url) is not None
        parts = self._owned_parts(url)
        if parts is None:
            return False
        host, target = parts
        if self.resolve_hosts and _host_in(host, self.resolve_hosts):
            return True
        return any(p.search(target) for p in self.resolve_patterns)

    # -- oEmbed ---------------------------------------------------------------------------------

    def oembed_url(self, url: str) -> str | None:
        """The oEmbed address for `url`, or None when it must not be asked (see below).

        The link is percent-encoded whole (nothing is left for the endpoint to misread as its own
        parameters). When the entry gives a canonical form and the id is known, that form is sent.
        """
        if self.oembed_endpoint is None or self._owned_parts(url) is None:
            return None
        # A short link is resolved first (Dailymotion refuses dai.ly), and a page that is not one
        # piece of content (a channel, a profile) would come back 404 and read as "removed".
        if self.needs_resolution(url) or (self.url_patterns and not self.is_content(url)):
            return None
        subject = url
        if self.oembed_canonical:
            video_id = self.video_id(url)
            if video_id:
                subject = self.oembed_canonical.replace("{video_id}", quote(video_id, safe=""))
        return self.oembed_endpoint.replace("{url}", quote(subject, safe=""))

    def oembed_rule(self, status: int, body: str = "") -> OEmbedRule | None:
        """What an oEmbed answer means: body rules first, then the status map, then the default."""
        for body_rule in self.oembed_body_rules:
            if body_rule.matches(status, body):
                return body_rule.rule
        return self.oembed_rules.get(status, self.oembed_default)

    def state_findings(self, document: str, probe: str) -> list[Finding]:
        """What the platform's own state objects in `document` say (catalogue `states`)."""
        if not self.states:
            return []
        return state_findings(
            self.states, document, probe, self.state_aliases, self.state_containers
        )

    def api_url(self, url: str) -> str | None:
        """The platform's data-API address for the video `url` points at, or None."""
        if self.api is None or self.needs_resolution(url):
            return None
        video_id = self.video_id(url)
        if not video_id:
            return None
        return self.api.endpoint.replace("{video_id}", quote(video_id, safe=""))

    # -- markers --------------------------------------------------------------------------------

    def marker_hits(self, kind: str, text: str) -> list[str]:
        """The markers of `kind` found in `text`, as written in the catalogue file."""
        if kind not in MARKER_KINDS:
            raise ValueError(f"unknown marker kind {kind!r}")
        page = MarkerText(text)  # searchable forms made once per call: pages can be megabytes
        return [m for m in self.markers.get(kind, ()) if marker_found(m, page)]


# ---------------------------------------------------------------------------------------------
# Host and URL helpers
# ---------------------------------------------------------------------------------------------


def normalise_host(host: str) -> str | None:
    """Lower-case, trailing dot removed, IDNA (punycode) form; None when it is not a valid host.

    IDNA encoding is what makes a Cyrillic "youtube" look-alike compare different from the real
    one, while full-width letters fold to the name a browser would actually visit.
    """
    host = host.strip().rstrip(".")
    if not host or _AMBIGUOUS_NETLOC.search(host):
        return None
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _host_in(host: str, specs: Iterable[str]) -> bool:
    """`host` is normalised; specs are normalised catalogue hosts ("www." already stripped)."""
    bare = host[4:] if host.startswith("www.") else host
    for spec in specs:
        if spec.startswith("*."):
            suffix = spec[2:]
            if host == suffix or host.endswith("." + suffix):
                return True
        elif spec in (host, bare):
            return True
    return False


def _split(url: str) -> tuple[str, str] | None:
    """(normalised host, path + "?" + query) of an http(s) URL, or None when it is not one.

    A pasted link often lacks its scheme ("youtu.be/abc"): it is read as https.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not _HAS_SCHEME.match(url):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        raw_host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not raw_host:
        return None
    if _AMBIGUOUS_NETLOC.search(parts.netloc):
        return None
    host = normalise_host(raw_host)
    if host is None:
        return None
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return host, target


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------


class _Reader:
    """Field access on one raw entry that fails with the entry id and the field name."""

    def __init__(self, entry: str, raw: Mapping[str, Any], prefix: str = "") -> None:
        self.entry = entry
        self.raw = raw
        self.prefix = prefix

    def fail(self, field: str, problem: str) -> CatalogueError:
        return CatalogueError.at(self.entry, self.prefix + field, problem)

    def only(self, allowed: frozenset[str]) -> None:
        # An unknown key is nearly always a typo ("stopncii_parter"): refuse it rather than ignore.
        for key in self.raw:
            if key not in allowed:
                raise self.fail(key, "unknown field")

    def text(self, field: str, *, required: bool = True) -> str | None:
        value = self.raw.get(field)
        if value is None:
            if required:
                raise self.fail(field, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "must be a non-empty string")
        return value

    def choice(self, field: str, allowed: frozenset[str], *, required: bool = True) -> str | None:
        value = self.text(field, required=required)
        if value is not None and value not in allowed:
            raise self.fail(field, f"must be one of {sorted(allowed)}")
        return value

    def boolean(self, field: str, *, default: bool | None = None) -> bool:
        value = self.raw.get(field, default)
        if not isinstance(value, bool):
            raise self.fail(field, "must be true or false")
        return value

    def strings(self, field: str) -> tuple[str, ...]:
        value = self.raw.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(field, "must be a list of non-empty strings")
        return tuple(value)


def _https_url(reader: _Reader, field: str, value: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or "@" in parts.netloc
        or _AMBIGUOUS_NETLOC.search(value)
    ):
        raise reader.fail(field, "must be a plain https:// address")
    return value


def _regex(reader: _Reader, field: str, source: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise reader.fail(field, f"bad regular expression ({exc})") from None


def _host_specs(reader: _Reader, field: str, values: Iterable[str]) -> tuple[str, ...]:
    specs: list[str] = []
    for value in values:
        if not _HOST_SPEC.match(value):
            raise reader.fail(field, f"bad host {value!r}")
        wildcard = value.startswith("*.")
        host = normalise_host(value[2:] if wildcard else value)
        if host is None or "." not in host:
            raise reader.fail(field, f"bad host {value!r}")
        if not wildcard and host.startswith("www."):
            host = host[4:]  # "www." is implied for every host
        specs.append(("*." if wildcard else "") + host)
    return tuple(specs)


def _rule(reader: _Reader, field: str, raw: Any, *, extra: frozenset[str] = frozenset()) -> Rule:
    """{supports, strength, code, detail}: what one platform signal means."""
    if not isinstance(raw, Mapping):
        raise reader.fail(field, "must be a table {supports, strength, code, detail}")
    sub = _Reader(reader.entry, raw, reader.prefix + field + ".")
    sub.only(_RULE_KEYS | extra)
    rule = Rule(
        supports=sub.choice("supports", SUPPORTS),  # type: ignore[arg-type]
        strength=sub.choice("strength", STRENGTHS),  # type: ignore[arg-type]
        code=sub.text("code"),  # type: ignore[arg-type]
        detail=sub.text("detail"),  # type: ignore[arg-type]
    )
    if not _CODE.match(rule.code):
        raise sub.fail("code", "must be snake_case")
    return rule


def _oembed_rule(reader: _Reader, field: str, raw: Any) -> Rule:
    rule = _rule(reader, field, raw)
    _not_forcing_unknown(reader, field, rule)
    # Facts file: oEmbed is a first signal, never proof; a wrong "private" is our worst defect.
    if rule.supports == "private" and rule.strength == "strong":
        raise reader.fail(
            field + ".strength", "an oEmbed answer can never be strong evidence of private"
        )
    return rule


def _status_rules(reader: _Reader, field: str, raw: Any) -> Mapping[int, Rule]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise reader.fail(field, "must be a table of HTTP status = rule")
    rules: dict[int, Rule] = {}
    for key, value in raw.items():
        if not str(key).isdigit() or not 100 <= int(key) <= 599:
            raise reader.fail(f"{field}.{key}", "must be an HTTP status code")
        rules[int(key)] = _rule(reader, f"{field}.{key}", value)
        _not_forcing_unknown(reader, f"{field}.{key}", rules[int(key)])
    return MappingProxyType(rules)


def _not_forcing_unknown(reader: _Reader, field: str, rule: Rule) -> None:
    # "unknown" + "strong" overrules every other signal (the platform says only some viewers may
    # watch): only the platform's own state data may say that, never a bare HTTP status.
    if rule.supports == "unknown" and rule.strength == "strong":
        raise reader.fail(field + ".strength", "only a state rule or marker may be strong unknown")


def _key_path(reader: _Reader, field: str, value: str) -> tuple[str, ...]:
    parts = tuple(value.split("."))
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) for p in parts):
        raise reader.fail(field, f"bad key path {value!r}")
    return parts


def _tables(
    reader: _Reader, raw: Any, name: str, keys: frozenset[str]
) -> Iterator[tuple[str, Mapping[str, Any], _Reader]]:
    """Each table of a `[[platform.<name>]]` list: its field path, its keys and values, and a
    reader that refuses keys outside `keys`; nothing when the list is absent."""
    if raw is None:
        return
    if not isinstance(raw, list):
        raise reader.fail(name, f"must be a list of [[platform.{name}]] tables")
    for index, item in enumerate(raw):
        field = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            raise reader.fail(field, "must be a table")
        sub = _Reader(reader.entry, item, field + ".")
        sub.only(keys)
        yield field, item, sub


def _states(reader: _Reader, raw: Any) -> tuple[StateRule, ...]:
    rules: list[StateRule] = []
    for path, item, sub in _tables(reader, raw, "states", _STATE_KEYS):
        key = sub.text("object")
        assert key is not None
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", key):
            raise sub.fail("object", "must be a JSON key name")
        fields_raw = item.get("fields", {})
        if not isinstance(fields_raw, Mapping):
            raise sub.fail("fields", "must be a table of field = [values]")
        fields: dict[str, tuple[str, ...]] = {}
        for name, values in fields_raw.items():
            if (
                not isinstance(values, list)
                or not all(isinstance(v, str) and v for v in values)
                or not values
            ):
                raise sub.fail(f"fields.{name}", "must be a non-empty list of strings")
            fields[str(name)] = tuple(values)
        texts = tuple(t.casefold() for t in sub.strings("texts"))
        for text in texts:
            if len(text) < 5:
                raise sub.fail("texts", f"{text!r} is too short to be specific")
        keys = tuple(_key_path(sub, "keys", k) for k in sub.strings("keys"))
        document = sub.strings("document")
        for marker in document:
            if marker.startswith("re:"):
                _regex(sub, "document", marker[3:], re.IGNORECASE)
        if not (fields or texts or keys or document):
            # A rule with no condition matches every object: always a mistake.
            raise sub.fail("fields", "a state rule needs at least one condition")
        rule_raw = {k: v for k, v in item.items() if k in _RULE_KEYS}
        rules.append(
            StateRule(
                object=key,
                rule=_rule(reader, path, rule_raw),
                fields=MappingProxyType(fields),
                texts=texts,
                keys=keys,
                document=document,
            )
        )
    return tuple(rules)


def _consent(reader: _Reader, raw: Any) -> tuple[tuple[str, ...], str | None]:
    if raw is None:
        return (), None
    if not isinstance(raw, Mapping):
        raise reader.fail("consent", "must be a table {hosts, cookie}")
    sub = _Reader(reader.entry, raw, "consent.")
    sub.only(_CONSENT_KEYS)
    hosts = _host_specs(sub, "hosts", sub.strings("hosts"))
    cookie = sub.text("cookie", required=False)
    if cookie is not None and not re.fullmatch(
        r"[A-Za-z0-9_]{1,32}=[A-Za-z0-9_.+/=-]{1,64}", cookie
    ):
        raise sub.fail("cookie", "must be one NAME=VALUE pair (a consent choice, nothing else)")
    return tuple(h.removeprefix("*.") for h in hosts), cookie


def _examples(reader: _Reader, raw: Any, platform_hosts: tuple[str, ...]) -> tuple[Example, ...]:
    examples: list[Example] = []
    for _field, _item, sub in _tables(reader, raw, "examples", _EXAMPLE_KEYS):
        url = _https_url(sub, "url", sub.text("url"))  # type: ignore[arg-type]
        parts = _split(url)
        if parts is None or not _host_in(parts[0], platform_hosts):
            raise sub.fail("url", "must be a link on one of the entry's hosts")
        checked = sub.text("checked")
        assert checked is not None
        if not re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", checked):
            raise sub.fail("checked", "must be YYYY-MM or YYYY-MM-DD")
        examples.append(
            Example(
                url=url,
                state=sub.choice("state", EXAMPLE_STATES),  # type: ignore[arg-type]
                checked=checked,
                source=sub.text("source"),  # type: ignore[arg-type]
                note=sub.text("note", required=False),
            )
        )
    return tuple(examples)


def _json_keys(reader: _Reader, field: str) -> tuple[str, ...]:
    keys = reader.strings(field)
    for key in keys:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", key):
            raise reader.fail(field, f"{key!r} is not a JSON key name")
    return keys


def _state_aliases(reader: _Reader, raw: Any) -> Mapping[str, tuple[str, ...]]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise reader.fail("state_aliases", "must be a table {object = [other names]}")
    sub = _Reader(reader.entry, raw, "state_aliases.")
    out = {}
    for name in raw:
        names = sub.strings(name)
        for alias in (name, *names):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", alias):
                raise sub.fail(name, f"{alias!r} is not a JSON key name")
        out[str(name)] = names
    return MappingProxyType(out)


def _ytdlp_args(reader: _Reader, raw: Any) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    """yt-dlp extractor arguments, e.g. {youtube = {player_skip = ["webpage"]}}."""
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise reader.fail("ytdlp_args", "must be a table {extractor = {arg = [values]}}")
    out: dict[str, Mapping[str, tuple[str, ...]]] = {}
    for ie, args in raw.items():
        if not isinstance(args, Mapping):
            raise reader.fail(f"ytdlp_args.{ie}", "must be a table {arg = [values]}")
        sub = _Reader(reader.entry, args, f"ytdlp_args.{ie}.")
        out[str(ie).lower()] = MappingProxyType({str(k): sub.strings(k) for k in args})
    return MappingProxyType(out)


def _oembed(
    reader: _Reader, raw: Any, table: str = "oembed", placeholder: str = "{url}"
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise reader.fail(table, "must be a table")
    sub = _Reader(reader.entry, raw, table + ".")
    sub.only(_OEMBED_KEYS)
    endpoint = _https_url(sub, "endpoint", sub.text("endpoint"))  # type: ignore[arg-type]
    if endpoint.count(placeholder) != 1:
        raise sub.fail("endpoint", f"must contain {placeholder} exactly once")
    canonical = sub.text("canonical", required=False)
    if canonical is not None:
        _https_url(sub, "canonical", canonical)
        if "{video_id}" not in canonical:
            raise sub.fail("canonical", "must contain {video_id}")
    rules = _status_rules(sub, "rules", raw.get("rules", {}))
    for status, rule in rules.items():
        if rule.supports == "private" and rule.strength == "strong":
            raise sub.fail(
                f"rules.{status}.strength",
                "a platform's public endpoint can never be strong evidence of private",
            )
    default = None if raw.get("default") is None else _oembed_rule(sub, "default", raw["default"])
    body_rules: list[OEmbedBodyRule] = []
    for index, item in enumerate(raw.get("body_rules", [])):
        field = f"body_rules[{index}]"
        if not isinstance(item, Mapping):
            raise sub.fail(field, "must be a table")
        item_reader = _Reader(reader.entry, item, f"{table}.{field}.")
        item_reader.only(_RULE_KEYS | {"status", "contains"})
        status = item.get("status")
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise item_reader.fail("status", "must be an HTTP status code")
        contains = item_reader.text("contains")
        assert contains is not None
        if contains.startswith("re:"):
            _regex(item_reader, "contains", contains[3:], re.IGNORECASE)
        rule_raw = {k: v for k, v in item.items() if k in _RULE_KEYS}
        body_rules.append(OEmbedBodyRule(status, contains, _oembed_rule(sub, field, rule_raw)))
    source = sub.text("source", required=False)
    status_text = sub.choice("status", STATUSES, required=False)
    return {
        "oembed_endpoint": endpoint,
        "oembed_canonical": canonical,
        "oembed_rules": rules,
        "oembed_default": default,
        "oembed_body_rules": tuple(body_rules),
        "oembed_source": source,
        "oembed_status": status_text,
    }


def _route(reader: _Reader, index: int, raw: Any) -> ReportRoute:
    field = f"report[{index}]"
    if not isinstance(raw, Mapping):
        raise reader.fail(field, "must be a table")
    sub = _Reader(reader.entry, raw, field + ".")
    sub.only(_ROUTE_KEYS)
    url = sub.text("url", required=False)
    if url is not None:
        _https_url(sub, "url", url)
    url_en = sub.text("url_en", required=False)
    if url_en is not None:
        if url is None:
            raise sub.fail("url_en", "needs url (the French-first address) too")
        _https_url(sub, "url_en", url_en)
    in_app_fr = sub.text("in_app_fr", required=False)
    in_app_en = sub.text("in_app_en", required=False)
    if (in_app_fr is None) != (in_app_en is None):
        raise sub.fail("in_app_fr" if in_app_fr is None else "in_app_en", "give both languages")
    if url is None and in_app_fr is None:
        raise sub.fail("url", "a route needs an https url or in-app steps (in_app_fr/in_app_en)")
    source = sub.text("source")
    assert source is not None
    if source.startswith(("http://", "https://")):
        _https_url(sub, "source", source)
    elif not source.startswith("facts:"):
        raise sub.fail("source", "must be an https:// page or 'facts: <file>'")
    return ReportRoute(
        name_fr=sub.text("name_fr"),  # type: ignore[arg-type]
        name_en=sub.text("name_en"),  # type: ignore[arg-type]
        url=url,
        in_app_fr=in_app_fr,
        in_app_en=in_app_en,
        scope=sub.choice("scope", SCOPES),  # type: ignore[arg-type]
        hub=sub.boolean("hub"),
        source=source,
        status=sub.choice("status", STATUSES),  # type: ignore[arg-type]
        url_en=url_en,
    )


def _patterns(
    reader: _Reader, field: str, hosts: tuple[str, ...]
) -> tuple[tuple[re.Pattern[str], ...], tuple[tuple[str, ...], ...]]:
    raw = reader.raw.get(field, [])
    if not isinstance(raw, list):
        raise reader.fail(field, "must be a list")
    patterns: list[re.Pattern[str]] = []
    limits: list[tuple[str, ...]] = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        if isinstance(item, str):
            source, limit = item, ()
        elif isinstance(item, Mapping) and set(item) <= {"re", "hosts"} and "re" in item:
            source = item["re"]
            sub = _Reader(reader.entry, item, where + ".")
            limit = _host_specs(sub, "hosts", sub.strings("hosts"))
            for spec in limit:
                if not _host_in(spec.removeprefix("*."), hosts):
                    raise sub.fail("hosts", f"{spec!r} is not one of the entry's hosts")
        else:
            raise reader.fail(where, "must be a regex string or a table {re, hosts}")
        if not isinstance(source, str) or not source:
            raise reader.fail(where, "must be a non-empty regex")
        compiled = _regex(reader, where, source)
        if compiled.groupindex and set(compiled.groupindex) - {"video_id"}:
            raise reader.fail(where, "the only named group allowed is video_id")
        patterns.append(compiled)
        limits.append(limit)
    return tuple(patterns), tuple(limits)


def _markers(reader: _Reader, raw: Any) -> Mapping[str, tuple[str, ...]]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise reader.fail("markers", "must be a table of kind = [markers]")
    sub = _Reader(reader.entry, raw, "markers.")
    sub.only(MARKER_KINDS)
    markers: dict[str, tuple[str, ...]] = {}
    for kind in raw:
        values = sub.strings(kind)
        for marker in values:
            if marker.startswith("re:"):
                _regex(sub, kind, marker[3:], re.IGNORECASE)
            elif len(marker) < 6:
                # A very short substring matches unrelated pages: evidence must be specific.
                raise sub.fail(kind, f"marker {marker!r} is too short to be specific")
        markers[kind] = values
    return MappingProxyType(markers)


def _platform(raw: Any, index: int) -> Platform:
    if not isinstance(raw, Mapping):
        raise CatalogueError.at(f"#{index}", "platform", "must be a table")
    entry = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index}"
    reader = _Reader(entry, raw)
    reader.only(_PLATFORM_KEYS)
    platform_id = reader.text("id")
    assert platform_id is not None
    if not _SLUG.match(platform_id):
        raise reader.fail("id", "must be a lower-case slug (a-z, 0-9, _ and -)")
    kind = reader.choice("kind", KINDS)
    hosts = _host_specs(reader, "hosts", reader.strings("hosts"))
    if not hosts:
        raise reader.fail("hosts", "at least one host is needed")
    resolve_hosts = _host_specs(reader, "resolve_hosts", reader.strings("resolve_hosts"))
    for spec in resolve_hosts:
        if not _host_in(spec.removeprefix("*."), hosts):
            raise reader.fail("resolve_hosts", f"{spec!r} is not one of the entry's hosts")
    url_patterns, pattern_hosts = _patterns(reader, "url_patterns", hosts)
    resolve_patterns, _ = _patterns(reader, "resolve_patterns", hosts)
    extractors = reader.strings("ytdlp_extractors")
    if any(key.lower() == "generic" for key in extractors):
        # The generic extractor follows embedded addresses anywhere (facts: platform-behaviour).
        raise reader.fail("ytdlp_extractors", "the Generic extractor is never allowed")
    oembed = _oembed(reader, raw["oembed"]) if raw.get("oembed") is not None else {}
    report_raw = raw.get("report", [])
    if not isinstance(report_raw, list):
        raise reader.fail("report", "must be a list of [[platform.report]] tables")
    report = tuple(_route(reader, i, item) for i, item in enumerate(report_raw))
    if kind != "shortener" and not report:
        raise reader.fail("report", "every platform needs at least one report route")
    consent_hosts, consent_cookie = _consent(reader, raw.get("consent"))
    api = None
    if raw.get("api") is not None:
        parsed = _oembed(reader, raw["api"], table="api", placeholder="{video_id}")
        if parsed["oembed_canonical"] is not None:
            raise reader.fail("api.canonical", "unknown field")
        api = Endpoint(
            endpoint=parsed["oembed_endpoint"],
            rules=parsed["oembed_rules"],
            default=parsed["oembed_default"],
            body_rules=parsed["oembed_body_rules"],
            source=parsed["oembed_source"],
            status=parsed["oembed_status"],
        )
    return Platform(
        id=platform_id,
        name=reader.text("name"),  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        hosts=hosts,
        url_patterns=url_patterns,
        oembed_endpoint=oembed.get("oembed_endpoint"),
        oembed_rules=oembed.get("oembed_rules", MappingProxyType({})),
        oembed_default=oembed.get("oembed_default"),
        ytdlp_extractors=extractors,
        markers=_markers(reader, raw.get("markers")),
        report=report,
        stopncii_partner=reader.boolean("stopncii_partner", default=False),
        url_pattern_hosts=pattern_hosts,
        resolve_hosts=resolve_hosts,
        resolve_patterns=resolve_patterns,
        oembed_canonical=oembed.get("oembed_canonical"),
        oembed_body_rules=oembed.get("oembed_body_rules", ()),
        oembed_source=oembed.get("oembed_source"),
        oembed_status=oembed.get("oembed_status"),
        page_status=_status_rules(reader, "page_status", raw.get("page_status")),
        states=_states(reader, raw.get("states")),
        consent_hosts=consent_hosts,
        consent_cookie=consent_cookie,
        examples=_examples(reader, raw.get("examples"), hosts),
        ytdlp_args=_ytdlp_args(reader, raw.get("ytdlp_args")),
        api=api,
        state_aliases=_state_aliases(reader, raw.get("state_aliases")),
        state_containers=_json_keys(reader, "state_containers"),
    )


def _generic(
    where: str, raw: Any
) -> tuple[Mapping[int, Rule], tuple[str, ...], tuple[re.Pattern[str], ...]]:
    """The [generic] table: what applies to every site (page statuses, consent-wall patterns)."""
    if raw is None:
        return MappingProxyType({}), (), ()
    if not isinstance(raw, Mapping):
        raise CatalogueError.at("generic", "generic", "must be a table")
    reader = _Reader("generic", raw)
    reader.only(_GENERIC_KEYS)
    page_status = _status_rules(reader, "page_status", raw.get("page_status"))
    consent = raw.get("consent", {})
    if not isinstance(consent, Mapping):
        raise reader.fail("consent", "must be a table {texts, form_actions}")
    sub = _Reader("generic", consent, "consent.")
    sub.only(_GENERIC_CONSENT_KEYS)
    texts = tuple(t.casefold() for t in sub.strings("texts"))
    for text in texts:
        if len(text) < 8:
            raise sub.fail("texts", f"{text!r} is too short to be specific")
    actions = tuple(
        _regex(sub, "form_actions", a, re.IGNORECASE) for a in sub.strings("form_actions")
    )
    return page_status, texts, actions


def _overlaps(a: str, b: str) -> bool:
    """Could one host be claimed by both specs? (Then the match would depend on file order.)"""
    a_wild, b_wild = a.startswith("*."), b.startswith("*.")
    a_host, b_host = a.removeprefix("*."), b.removeprefix("*.")
    if a_host == b_host:
        return True
    if a_wild and b_host.endswith("." + a_host):
        return True
    return b_wild and a_host.endswith("." + b_host)


def _check_unique(platforms: Iterable[Platform]) -> None:
    seen_ids: set[str] = set()
    claimed: list[tuple[str, str]] = []  # (spec, platform id)
    for platform in platforms:
        if platform.id in seen_ids:
            raise CatalogueError.at(platform.id, "id", "duplicate id")
        seen_ids.add(platform.id)
        own = set(platform.hosts)
        if len(own) != len(platform.hosts):
            raise CatalogueError.at(platform.id, "hosts", "a host is listed twice")
        for spec in platform.hosts:
            for other_spec, other_id in claimed:
                if _overlaps(spec, other_spec):
                    raise CatalogueError.at(
                        platform.id, "hosts", f"{spec!r} is already claimed by {other_id!r}"
                    )
        claimed.extend((spec, platform.id) for spec in platform.hosts)


def read_toml(path: str | Path | None, packaged: str) -> tuple[dict[str, Any], str]:
    """(the parsed document, its name for error messages): the file at `path`, or the data file
    `packaged` of this package when `path` is None."""
    if path is None:
        data = resources.files(__name__).joinpath(packaged).read_bytes()
        where = packaged
    else:
        data = Path(path).read_bytes()
        where = str(path)
    try:
        return tomllib.loads(data.decode("utf-8")), where
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError.at(where, "file", f"not valid TOML ({exc})") from None


class Catalogue:
    """All platforms, validated. Build it with `Catalogue.load()`; it never changes afterwards."""

    def __init__(
        self,
        platforms: Iterable[Platform],
        *,
        page_status: Mapping[int, Rule] | None = None,
        consent_texts: tuple[str, ...] = (),
        consent_actions: tuple[re.Pattern[str], ...] = (),
    ) -> None:
        self.platforms: tuple[Platform, ...] = tuple(platforms)
        _check_unique(self.platforms)
        self._by_id = {p.id: p for p in self.platforms}
        #: What a content page's HTTP status means on sites without rules of their own.
        self.page_status: Mapping[int, Rule] = MappingProxyType(dict(page_status or {}))
        self.consent = ConsentRules(
            hosts=host_set(h for p in self.platforms for h in p.consent_hosts),
            texts=consent_texts,
            form_actions=consent_actions,
        )

    def page_status_rule(self, platform: Platform | None, status: int) -> Rule | None:
        """What `status` on a content page means: the platform's own rule, else the generic one."""
        if platform is not None and status in platform.page_status:
            return platform.page_status[status]
        return self.page_status.get(status)

    def consent_cookies(self) -> dict[str, str]:
        """Host -> the Cookie header that answers a platform's consent wall without tracking."""
        return {
            host.removeprefix("*."): p.consent_cookie
            for p in self.platforms
            if p.consent_cookie
            for host in p.hosts
        }

    @classmethod
    def load(cls, path: str | Path | None = None) -> Catalogue:
        """Read and validate a catalogue file; None = the packaged `platforms.toml`."""
        doc, where = read_toml(path, "platforms.toml")
        unknown = set(doc) - {"platform", "generic"}
        if unknown:
            raise CatalogueError.at(where, sorted(unknown)[0], "unknown top-level table")
        entries = doc.get("platform")
        if not isinstance(entries, list) or not entries:
            raise CatalogueError.at(where, "platform", "no [[platform]] entries")
        page_status, consent_texts, consent_actions = _generic(where, doc.get("generic"))
        return cls(
            (_platform(raw, index) for index, raw in enumerate(entries)),
            page_status=page_status,
            consent_texts=consent_texts,
            consent_actions=consent_actions,
        )

    def get(self, platform_id: str) -> Platform | None:
        return self._by_id.get(platform_id)

    def match(self, url: str) -> Platform | None:
        """The platform whose hosts own the URL's host, or None (unknown site, or not http(s)).

        Shorteners are entries too: a bit.ly link matches the "bitly" entry (kind "shortener").
        Whether the URL is one piece of content is `Platform.is_content(url)`.
        """
        parts = _split(url)
        if parts is None:
            return None
        host = parts[0]
        for platform in self.platforms:
            if _host_in(host, platform.hosts):
                return platform
        return None

    @property
    def shorteners(self) -> tuple[Platform, ...]:
        return tuple(p for p in self.platforms if p.kind == "shortener")


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The packaged catalogue, loaded once per process."""
    return Catalogue.load()
