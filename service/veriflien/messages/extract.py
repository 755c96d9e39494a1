"""What a complaint needs from a message: links, payment details, contacts, dates and deadlines.

Every extractor reads the clean text (see text.py) with linear, bounded patterns, and each one
"claims" the characters it used, in a fixed order: a link's digits are not a phone number, an
IBAN's groups are not a voucher code, a wallet address is not a handle. Payment validation lives
in veriflien.payments, shared with the page analysis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from veriflien import payments
from veriflien.messages.text import Text
from veriflien.payments import Amount, Payment

_I = re.IGNORECASE

#: Links checked per message, in order of appearance (more are listed in the evidence only).
MAX_LINKS = 5
MAX_ITEMS = 50  # contacts, dates, deadlines: each list is capped


class _Claims:
    """Characters already used by an extractor that ran earlier: one byte per character, so each
    test is a C-speed search (a list of spans would make a text full of candidates quadratic)."""

    def __init__(self, length: int) -> None:
        self.mask = bytearray(length)

    def free(self, start: int, end: int) -> bool:
        return self.mask.find(1, start, end) < 0

    def take(self, start: int, end: int) -> None:
        self.mask[start:end] = b"\x01" * (end - start)

    def release(self, start: int, end: int) -> None:
        self.mask[start:end] = bytes(end - start)


@dataclass(frozen=True, slots=True)
class Contact:
    kind: str  # email, phone, handle
    value: str
    platform: str | None = None

    def to_json(self) -> dict[str, str]:
        doc = {"kind": self.kind, "value": self.value}
        if self.platform:
            doc["platform"] = self.platform
        return doc


@dataclass(frozen=True, slots=True)
class Moment:
    kind: str  # date, deadline
    value: str  # as written
    hours: float | None = None  # for deadlines: how long the victim is given

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}


@dataclass(slots=True)
class Extraction:
    links: list[str] = field(default_factory=list)  # every distinct link, in order
    # Where links and e-mail addresses are: their words ("youtube", "snapchat") are not words
    # of the message, and the classification must not read them.
    masked: list[tuple[int, int]] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)

    @property
    def deadlines(self) -> list[Moment]:
        return [m for m in self.moments if m.kind == "deadline"]


# --------------------------------------------------------------------------------------- links

_URL_CHARS = r"[^\s<>\"'`«»“”‘’{}|\\^]"
# Unbounded on purpose: a link cut at some length would be another link, checked in its place. An
# over-long one goes to the engine whole, which answers `invalid_url` for it as for any request.
_SCHEME_URL = re.compile(rf"(?<![\w@])https?://{_URL_CHARS}+", _I)
# Links pasted without a scheme, as they arrive by SMS: "www.site.com", or "host.tld/path".
# Each label is followed by a literal dot, so the repetition is unambiguous (linear).
_BARE_URL = re.compile(
    rf"(?<![\w@./:-])(?:www\.(?:[a-z0-9-]{{1,63}}\.){{1,6}}[a-z]{{2,24}}(?:[/?#]{_URL_CHARS}*)?"
    rf"|(?:[a-z0-9-]{{1,63}}\.){{1,6}}(?:[a-z]{{2,24}}|xn--[a-z0-9-]{{1,59}})/{_URL_CHARS}*)",
    _I,
)
_TRAILING = ".,;:!?)]}>'\"»”’…"


def _trim(link: str) -> str:
    while link and link[-1] in _TRAILING:
        # Keep a closing parenthesis that belongs to the link (Wikipedia-style addresses).
        if link[-1] == ")" and link.count("(") >= link.count(")"):
            break
        link = link[:-1]
    return link


def _links(text: str, claims: _Claims, spans: list[tuple[int, int]]) -> list[str]:
    found: list[tuple[int, str]] = []
    for pattern in (_SCHEME_URL, _BARE_URL):
        for match in pattern.finditer(text):
            if not claims.free(match.start(), match.end()):
                continue
            link = _trim(match.group(0))
            claims.take(match.start(), match.start() + len(link))
            spans.append((match.start(), match.start() + len(link)))
            found.append((match.start(), link))
    found.sort()
    return list(dict.fromkeys(link for _, link in found))


# ------------------------------------------------------------------------------------ contacts

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+%-]{1,64}@(?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,24}(?![\w-])",
    _I,
)
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)[1-9][\d .\-()/]{6,22}\d(?!\w)")
_PHONE_NATIONAL = re.compile(
    r"(?<![\w+])(?:0[1-9](?:[ .\-]?\d{2}){4}"  # France, Belgium, Switzerland: 0X XX XX XX XX
    r"|0\d{4}[ ]?\d{6}"  # United Kingdom mobiles: 07700 900123
    r"|\(\d{3}\)[ ]?\d{3}[ .\-]\d{4}|\d{3}[.\-]\d{3}[.\-]\d{4})"  # North America
    r"(?![\w])"
)
PLATFORMS: tuple[tuple[str, str], ...] = (
    ("Instagram", r"instagram|insta|ig"),
    ("Facebook", r"facebook|fb"),
    ("Messenger", r"messenger"),
    ("Snapchat", r"snapchat|snap"),
    ("WhatsApp", r"whatsapp|whats app"),
    ("Telegram", r"telegram|tg"),
    ("TikTok", r"tiktok|tik tok"),
    ("Skype", r"skype"),
    ("Discord", r"discord"),
    ("Signal", r"signal"),
    ("X (Twitter)", r"twitter"),
    ("Kik", r"kik"),
    ("Wickr", r"wickr"),
    ("Viber", r"viber"),
    ("WeChat", r"wechat"),
    ("Tinder", r"tinder"),
    ("Grindr", r"grindr"),
    ("Badoo", r"badoo"),
    ("Meetic", r"meetic"),
    ("Bumble", r"bumble"),
    ("Hinge", r"hinge"),
    ("Reddit", r"reddit"),
    ("OnlyFans", r"onlyfans"),
)
_PLATFORM_ALT = "|".join(f"(?P<p{i}>{words})" for i, (_, words) in enumerate(PLATFORMS))
_LABELLED_HANDLE = re.compile(
    rf"\b(?:{_PLATFORM_ALT})\s*(?:id|pseudo|username|user|name|nom)?\s*(?:[:=]|->|→)\s*"
    r"(?P<at>@)?(?P<handle>[a-z0-9_][a-z0-9_.\-]{1,38}[a-z0-9_])(?![\w@])",
    _I,
)
_AT_HANDLE = re.compile(
    r"(?<![\w@.])@(?P<handle>[a-z0-9_](?:[a-z0-9_.]{0,28}[a-z0-9_])?)(?![\w@])", _I
)
_PLATFORM_WORD = re.compile(rf"\b(?:{_PLATFORM_ALT})\b", _I)
# Words that follow "snap:" or "insta :" in a sentence and are not user names.
_NOT_HANDLES = frozenset(
    (
        "je", "tu", "il", "elle", "on", "nous", "vous", "ils", "moi", "toi", "le", "la", "les",
        "un", "une", "des", "mon", "ma", "mes", "ton", "ta", "tes", "son", "sa", "ses", "i",
        "you", "he", "she", "we", "they", "me", "my", "your", "his", "her", "the", "a", "an",
        "and", "et", "ou", "or",
    )
)  # fmt: skip


def _platform_of(match: re.Match[str]) -> str | None:
    for name, value in match.groupdict().items():
        if value and name.startswith("p") and name[1:].isdigit():
            return PLATFORMS[int(name[1:])][0]
    return None


def _platform_before(text: str, start: int) -> str | None:
    """The platform named closest before a contact, on the same line and within 30 characters
    ("WhatsApp : +225 ...", "mon snap @x")."""
    window_start = max(0, start - 30, text.rfind("\n", 0, start) + 1)
    last = None
    for last in _PLATFORM_WORD.finditer(text, window_start, start):  # noqa: B007
        pass
    return _platform_of(last) if last else None


def _contacts(text: str, claims: _Claims) -> list[Contact]:
    found: list[tuple[int, Contact]] = []
    for match in _EMAIL.finditer(text):
        if claims.free(match.start(), match.end()):
            claims.take(match.start(), match.end())
            found.append((match.start(), Contact("email", match.group(0))))
    for match in _LABELLED_HANDLE.finditer(text):
        handle = match.group("handle")
        start = match.start("handle")
        if handle.lower() in _NOT_HANDLES or not claims.free(start, match.end()):
            continue
        if handle.replace(" ", "").lstrip("+").isdigit():
            continue  # a number after "WhatsApp:" is a phone number, read below
        claims.take(start, match.end())
        value = (match.group("at") or "") + handle
        found.append((start, Contact("handle", value, _platform_of(match))))
    for match in _AT_HANDLE.finditer(text):
        if not claims.free(match.start(), match.end()):
            continue
        claims.take(match.start(), match.end())
        platform = _platform_before(text, match.start())
        found.append((match.start(), Contact("handle", "@" + match.group("handle"), platform)))
    for pattern in (_PHONE_INTL, _PHONE_NATIONAL):
        for match in pattern.finditer(text):
            value = match.group(0).strip()
            digits = sum(c.isdigit() for c in value)
            if not 8 <= digits <= 15 or not claims.free(match.start(), match.end()):
                continue
            claims.take(match.start(), match.end())
            platform = _platform_before(text, match.start())
            found.append((match.start(), Contact("phone", value, platform)))
    found.sort(key=lambda item: item[0])
    out: list[Contact] = []
    seen: set[tuple[str, str]] = set()
    for _, contact in found:
        key = (contact.kind, contact.value.lower())
        if key not in seen:
            seen.add(key)
            out.append(contact)
    return out[:MAX_ITEMS]


# ------------------------------------------------------------------------ dates and deadlines

_MONTHS_FR = "janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
_MONTHS_EN = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
# Read on the folded text (accents off, lower case), copied from the clean one.
_DATES = re.compile(
    r"(?<![\d/.\-])(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2}))(?![\d/.\-])"
    rf"|\b(?:1er|\d{{1,2}})\s+(?:{_MONTHS_FR})(?:\s+\d{{4}})?\b"
    rf"|\b(?:{_MONTHS_EN})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS_EN})(?:\s+\d{{4}})?\b"
)
_NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "dix": 10, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30,
    "vingt-quatre": 24, "quarante-huit": 48, "soixante-douze": 72,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "ten": 10,
    "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "twenty-four": 24,
    "forty-eight": 48, "seventy-two": 72, "an": 1, "a": 1,
}  # fmt: skip
_UNIT_HOURS = {
    "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60,
    "h": 1, "hr": 1, "hrs": 1, "hour": 1, "hours": 1, "heure": 1, "heures": 1,
    "jour": 24, "jours": 24, "day": 24, "days": 24,
    "semaine": 168, "semaines": 168, "week": 168, "weeks": 168,
}  # fmt: skip
_NUMBER_ALT = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT_ALT = "|".join(sorted(_UNIT_HOURS, key=len, reverse=True))
_DURATION = re.compile(rf"\b(?P<n>\d{{1,3}}|{_NUMBER_ALT})\s?(?P<unit>{_UNIT_ALT})\b(?![:h]?\d)")
# A duration is a deadline when it is given as one ("you have 48 hours", "dans les 24 h", "sous
# 2 jours", "within two days") or is one of the classic 24/48/72 hours.
_DEADLINE_LEAD = re.compile(
    r"(?:\b(?:within|in|under|only|just|next|you have|you've got|you got|have|max|maximum|"
    r"deadline|dans|sous|en|d'ici|moins de|avant|delai(?: de)?|tu as|vous avez|vous disposez de|"
    r"tu disposes de|il te reste|il vous reste|plus que|pas plus de|les|prochaines?)\s+"
    r"(?:the\s+|les\s+|la\s+|le\s+)?(?:next\s+|prochaines?\s+)?)$"
)
_AT_TIME = re.compile(r"\b(?:a|at|vers|around|des)\s+$")
# "avant ce soir", "by midnight", "d'ici demain": deadlines without a number. Tonight-like ones
# count as short (hours 6); a day or more is kept as evidence without a duration.
_NAMED_DEADLINE = re.compile(
    r"\b(?:avant|before|by|until|till|d'ici|jusqu'a|pour)\s+(?:(?P<short>ce soir|cette nuit|"
    r"tonight|minuit|midnight|(?:la )?fin de (?:la )?journee|(?:the )?end of (?:the )?day|"
    r"(?:une|1) heure|an hour)|(?P<long>demain(?: matin| soir| midi)?|tomorrow(?: morning| night|"
    r" evening)?|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)))\b"
)


def _moments(text: Text, claims: _Claims) -> list[Moment]:
    folded, clean = text.folded, text.clean
    found: list[tuple[int, Moment]] = []
    for match in _DATES.finditer(folded):
        if claims.free(match.start(), match.end()):
            claims.take(match.start(), match.end())
            found.append((match.start(), Moment("date", clean[match.start() : match.end()])))
    for match in _DURATION.finditer(folded):
        if not claims.free(match.start(), match.end()):
            continue
        before = folded[max(0, match.start() - 40) : match.start()]
        number = match.group("n")
        count = int(number) if number.isdigit() else _NUMBER_WORDS[number]
        hours = count * _UNIT_HOURS[match.group("unit")]
        if _AT_TIME.search(before) or count == 0:
            continue  # "à 18 h" is a time of day, not a deadline
        if not (_DEADLINE_LEAD.search(before) or (hours in (24, 48, 72) and "h" in match.group(0))):
            continue
        claims.take(match.start(), match.end())
        value = clean[match.start() : match.end()]
        found.append((match.start(), Moment("deadline", value, hours)))
    for match in _NAMED_DEADLINE.finditer(folded):
        if claims.free(match.start(), match.end()):
            claims.take(match.start(), match.end())
            hours = 6.0 if match.group("short") else None
            value = clean[match.start() : match.end()]
            found.append((match.start(), Moment("deadline", value, hours)))
    found.sort(key=lambda item: item[0])
    return [moment for _, moment in found][:MAX_ITEMS]


# ------------------------------------------------------------------------------------ together


def _claimed(items: Iterable[Payment], claims: _Claims) -> list[Payment]:
    out = []
    for item in items:
        if claims.free(item.start, item.end):
            claims.take(item.start, item.end)
            out.append(item)
    return out


def extract(text: Text) -> Extraction:
    """Everything the analysis extracts, in a fixed order of precedence (see module doc)."""
    clean = text.clean
    claims = _Claims(len(clean))
    out = Extraction()
    out.links = _links(clean, claims, out.masked)
    # E-mail addresses before wallets: "1BvBM...@example.com" is an address, not a wallet.
    emails = [m for m in _EMAIL.finditer(clean) if claims.free(m.start(), m.end())]
    for match in emails:
        claims.take(match.start(), match.end())
        out.masked.append((match.start(), match.end()))
    wallets = _claimed(payments.find_addresses(clean), claims)
    ibans = _claimed(payments.find_ibans(clean), claims)
    voucher_items = payments.find_vouchers(clean)
    vouchers = [v for v in voucher_items if v.kind == "voucher"]
    vouchers += _claimed((v for v in voucher_items if v.kind == "voucher_code"), claims)
    out.payments = sorted([*wallets, *ibans, *vouchers], key=lambda p: p.start)
    for amount in payments.find_amounts(clean):
        if claims.free(amount.start, amount.end):
            claims.take(amount.start, amount.end)
            out.amounts.append(amount)
    out.moments = _moments(text, claims)
    # E-mails were claimed above so that no other extractor reads into them; list them now.
    for match in emails:
        claims.release(match.start(), match.end())
    out.contacts = _contacts(clean, claims)
    return out
