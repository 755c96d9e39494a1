"""Reading a platform's own machine-written answer: structured state, page statuses, consent walls.

Why this exists: platforms say "private", "removed", "age check" or "not a bot" in their own data,
not in a sentence we can grep. YouTube puts it in a `playabilityStatus` object whose `reason`
comes as a string, as {"simpleText": ...} or as {"runs": [...]}, with `messages`, and with
`errorScreen` renderers that change names over the years; Vimeo puts a `privacy` object in its
page. The catalogue describes these objects and what each shape means (`[[platform.states]]`);
this module finds the objects wherever the platform serves them (a watch page's inline script,
a JSON page, the player API that yt-dlp asks) and applies the rules in the order written.

Truthfulness rules kept here:
- only the platform's own hosts are read this way (the callers check it): a page elsewhere can
  imitate any JSON it likes;
- a key is found only where it is JSON syntax (`"key": {`), never inside a JSON string, where
  quotes are escaped: a title or description written by an uploader cannot fake a state;
- the first decodable object under a key is the one read (the video's own player response
  comes first; related videos follow it);
- work is bounded: a few occurrences per key, a few thousand strings per object.

Nothing here touches the network, and nothing here is kept after the check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from veriflien.platforms.markers import MarkerText, marker_found
from veriflien.result import Finding, Strength, Verdict

__all__ = [
    "SUPPORTS",
    "ConsentRules",
    "Rule",
    "StateRule",
    "consent_wall",
    "contained_documents",
    "find_objects",
    "state_findings",
]

#: The words the catalogue uses for what a signal points to.
#: "possibly_public" exists to stop anyone reading an answer as "private": it is weak PUBLIC.
#: "unknown" records a fact that points to no verdict (a bot check, a rate limit); when STRONG it
#: is the platform saying that only some viewers may watch (members, rental): then the verdict is
#: "unknown" whatever weaker signals say (verdict/ rule "restricted audience").
SUPPORTS = frozenset(
    {
        "public",
        "unlisted",
        "private",
        "removed",
        "login",
        "processing",
        "unknown",
        "possibly_public",
    }
)
STRENGTHS = frozenset({"weak", "medium", "strong"})
_SUPPORT_VERDICT: dict[str, Verdict | None] = {
    "public": Verdict.PUBLIC,
    "unlisted": Verdict.UNLISTED,
    "private": Verdict.PRIVATE,
    "removed": Verdict.REMOVED,
    "login": Verdict.LOGIN_REQUIRED,
    "processing": Verdict.INCOMPLETE,
    "unknown": Verdict.UNKNOWN,
    "possibly_public": Verdict.PUBLIC,
}
_STRENGTH = {"weak": Strength.WEAK, "medium": Strength.MEDIUM, "strong": Strength.STRONG}

MAX_OCCURRENCES = 4  # occurrences of a key tried before giving up (the first that decodes wins)
MAX_STRINGS = 4000  # strings gathered from one object for the text conditions
MAX_OBJECT_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class Rule:
    """What one platform signal means. `supports` uses the catalogue's words (see SUPPORTS)."""

    supports: str
    strength: str
    code: str
    detail: str

    @property
    def verdict(self) -> Verdict | None:
        return _SUPPORT_VERDICT[self.supports]

    def to_finding(self, probe: str) -> Finding:
        """The finding a probe records for this signal."""
        verdict = self.verdict
        if verdict is None or (verdict is Verdict.UNKNOWN and self.strength != "strong"):
            return Finding(probe, self.code, self.detail)
        strength = _STRENGTH[self.strength]
        if self.supports == "possibly_public":
            strength = Strength.WEAK
        return Finding(probe, self.code, self.detail, verdict, strength)


@dataclass(frozen=True, slots=True)
class StateRule:
    """One shape of a platform's state object, and what it means.

    Every condition given must hold; inside one condition, any listed value is enough.
    `fields`: a field of the object (a dotted path inside it) equals one of the values, compared
        as text (status = ["ERROR"]; "itemInfo.itemStruct.privateItem" = ["false"]);
    `texts`: a string anywhere inside the object contains one of these (case-insensitive);
    `keys`: a key path ("errorScreen.playerCaptchaViewModel") is present in the object;
    `document`: the whole document contains one of these markers (substring or "re:" regex).
    """

    object: str
    rule: Rule
    fields: Mapping[str, tuple[str, ...]]
    texts: tuple[str, ...] = ()
    keys: tuple[tuple[str, ...], ...] = ()
    document: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConsentRules:
    """How a consent or cookie wall is recognised (platforms' `consent` and `[generic]`)."""

    hosts: frozenset[str]  # hosts that only ever serve consent walls (consent.youtube.com ...)
    texts: tuple[str, ...]  # phrases of consent walls, lower-case, in several languages
    form_actions: tuple[re.Pattern[str], ...]  # form targets that submit a consent choice


# ---------------------------------------------------------------------------------------------
# Structured state
# ---------------------------------------------------------------------------------------------


_DECODER = json.JSONDecoder(strict=False)
_COLON_OBJECT = re.compile(r"\s*:\s*\{")
#: Occurrences of a key examined at most (most are in strings or not objects: a hostile page can
#: repeat a key a million times).
MAX_LOOKS = 64


def find_objects(text: str, key: str, limit: int = MAX_OCCURRENCES) -> Iterator[dict[str, Any]]:
    """JSON objects found under `key` in `text` (HTML with inline scripts, or JSON), in order.

    The key is located with str.find (C speed: a 1 MB page costs a fraction of a millisecond,
    where a regex with a look-behind walks it character by character), then checked in place.
    """
    needle = f'"{key}"'
    if not text or needle not in text:  # the common case costs one C-level scan
        return
    found = looked = 0
    position = text.find(needle)
    while position != -1 and found < limit and looked < MAX_LOOKS:
        looked += 1
        # JSON syntax only: not preceded by a backslash (inside a JSON string the quotes of an
        # uploader's text are escaped), followed by a colon and an object.
        if position == 0 or text[position - 1] != "\\":
            after = _COLON_OBJECT.match(text, position + len(needle))
            if after is not None:
                start = after.end() - 1
                try:
                    value, end = _DECODER.raw_decode(text, start)
                except (ValueError, RecursionError):
                    value, end = None, start
                if isinstance(value, dict) and end - start <= MAX_OBJECT_CHARS:
                    found += 1
                    yield value
        position = text.find(needle, position + 1)


def contained_documents(
    text: str, containers: Sequence[str], limit: int = MAX_OCCURRENCES
) -> Iterator[str]:
    """JSON documents a platform ships as the string value of a known key.

    YouTube's embed page carries its player answer as `"embedded_player_response": "{...}"`. Only
    the values of keys named in the catalogue are read this way: an uploader's title is a string
    too, but never the value of one of the platform's own keys.
    """
    for container in containers:
        if f'"{container}"' not in text:
            continue
        pattern = _container_pattern(container)
        for tried, match in enumerate(pattern.finditer(text)):
            if tried >= limit:
                break
            try:
                value, _ = _DECODER.raw_decode(text, match.end() - 1)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, str) and len(value) <= MAX_OBJECT_CHARS:
                yield value


@lru_cache(maxsize=64)
def _container_pattern(key: str) -> re.Pattern[str]:
    return re.compile(r'(?<!\\)"' + re.escape(key) + r'"\s*:\s*"')


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (keys excluded), iteratively and capped."""
    stack = [value]
    seen = 0
    while stack and seen < MAX_STRINGS:
        item = stack.pop()
        if isinstance(item, str):
            seen += 1
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _has_path(obj: Any, path: Sequence[str]) -> bool:
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return False
        obj = obj[part]
    return True


def _matches(rule: StateRule, obj: dict[str, Any], folded: str, document: MarkerText) -> bool:
    for name, values in rule.fields.items():
        value: Any = obj
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str | int) or str(value) not in values:
            return False
    if rule.texts and not any(t in folded for t in rule.texts):
        return False
    if rule.keys and not any(_has_path(obj, path) for path in rule.keys):
        return False
    return not rule.document or any(marker_found(m, document) for m in rule.document)


def state_findings(
    rules: Sequence[StateRule],
    document: str,
    probe: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    containers: Sequence[str] = (),
) -> list[Finding]:
    """The findings a platform's state objects in `document` support: the first rule that matches
    each object decides for it (rules are read in the catalogue's order). `aliases` names other
    keys under which the platform serves the same object (tried in order when the key is absent);
    `containers` are keys whose string value is a JSON document of the platform, read when the
    page itself has no such object (see contained_documents).
    """
    findings: list[Finding] = []
    inner: list[str] | None = None
    page = MarkerText(document)  # its searchable forms are made once, if a rule asks for them
    for key in dict.fromkeys(r.object for r in rules):
        names = (key, *(aliases or {}).get(key, ()))
        obj = next((o for name in names for o in find_objects(document, name)), None)
        if obj is None and containers:
            if inner is None:
                inner = list(contained_documents(document, containers))
            obj = next(
                (o for doc in inner for name in names for o in find_objects(doc, name)), None
            )
        if obj is None:
            continue
        folded = "\n".join(_strings(obj)).casefold()
        for rule in rules:
            if rule.object == key and _matches(rule, obj, folded, page):
                findings.append(rule.rule.to_finding(probe))
                break
    return findings


# ---------------------------------------------------------------------------------------------
# Consent and cookie walls
# ---------------------------------------------------------------------------------------------

_FORM_ACTION = re.compile(r"""<form\b[^>]{0,400}?\baction\s*=\s*["']?([^"'\s>]{1,500})""", re.I)
_TITLE = re.compile(r"<title\b[^>]*>([^<]{0,300})", re.I)
# Consent walls are small pages (YouTube's and Google's: about 10 KB).
CONSENT_SCAN_CHARS = 100_000


def consent_wall(rules: ConsentRules, host: str, text: str) -> str | None:
    """Why this page is a consent or cookie wall, or None. A wall hides the content: it is never
    evidence about the video (the caller drops any "no video" conclusion)."""
    host = host.lower().rstrip(".")
    if host in rules.hosts:
        return "host"
    if len(text) > CONSENT_SCAN_CHARS:
        return None  # consent walls are small pages: a large one is the content itself
    head = text
    for match in _FORM_ACTION.finditer(head):
        action = match.group(1)
        if any(p.search(action) for p in rules.form_actions):
            return "form"
    folded = head.casefold()
    title = _TITLE.search(head)
    title_text = title.group(1).casefold() if title else ""
    if any(t in title_text for t in rules.texts):
        return "title"
    hits = sum(1 for t in rules.texts if t in folded)
    return "text" if hits >= 2 else None


def host_set(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(h.lower().rstrip(".") for h in hosts)
