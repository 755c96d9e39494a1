"""Is this a mass sextortion scam, targeted blackmail, or neither that we can tell?

The two call for different answers. A mass scam ("I hacked your device and recorded you through
your webcam; pay in Bitcoin within 48 hours") is the same template sent to thousands: there is
no video, and the answer is "do not pay, mark it as spam". Targeted blackmail follows a real
exchange (a video call, photos sent, a dating-site match) and names what only that exchange
gives: a platform, a link, the person's friends or relatives; it needs the full blackmail
answer (evidence, complaint, takedown).

The signs are data (signals.toml); this module loads and checks them, scores a message and
applies one rule, in `decide`:

- nothing adds up to 2 on either side → `unknown` (not enough to say);
- a targeted score of 2 or more wins when it is at least the mass score, or when it includes a
  sign only a real exchange produces (`strong`: a video call, photos sent, named relatives,
  friends lists, personal details) and the mass score is not 3 or more points ahead;
- a mass score of 2.5 or more wins when the targeted score stays under 2, or is 2 or more
  points behind;
- anything else is `unknown`, with every sign found on both sides as reasons.

A targeted verdict also needs a sign of blackmail (a threat to publish or to tell, intimate
images, the victim's relatives, "already posted") or a sign only a real exchange produces: "look
at this https://…", a parcel-delivery phishing with a link, a fee and a deadline, or "your
family" and "Instagram" in a birthday message, are not blackmail.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from veriflien.messages.extract import Extraction
from veriflien.messages.text import Text
from veriflien.payments import COIN_CURRENCY

SIGNALS_PATH = Path(__file__).resolve().parent / "signals.toml"

MASS, TARGETED, UNKNOWN, BLACKMAIL = "mass_scam", "targeted_blackmail", "unknown", "blackmail"
KINDS = (MASS, TARGETED, UNKNOWN)
_POINTS_TO = frozenset({MASS, TARGETED, BLACKMAIL})
_COMPUTED = frozenset(
    {"long_deadline", "no_link", "link", "named_relatives", "voucher_demand", "short_deadline"}
)
MAX_MATCHES_PER_PATTERN = 20
_BLACKMAIL_SIGNS = frozenset(
    {"publish_threat", "exposure_threat", "sexual_content", "relatives", "already_posted"}
)


class SignalsError(ValueError):
    """signals.toml is malformed; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    points_to: str
    weight: float
    patterns: tuple[re.Pattern[str], ...] = ()
    computed: bool = False
    strong: bool = False


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    points_to: str
    weight: float


@dataclass(frozen=True, slots=True)
class Classification:
    kind: str
    reasons: tuple[Reason, ...]
    mass_score: float
    targeted_score: float

    def has(self, code: str) -> bool:
        return any(reason.code == code for reason in self.reasons)


def parse_signals(doc: dict[str, Any], origin: str = "signals.toml") -> tuple[Signal, ...]:
    errors: list[str] = []
    signals: list[Signal] = []
    seen: set[str] = set()
    for index, raw in enumerate(doc.get("signal", [])):
        where = f"{origin}: signal #{index + 1} ({raw.get('code', '?')})"
        code = raw.get("code")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
            errors.append(f"{where}: code must be snake_case")
            continue
        if code in seen:
            errors.append(f"{where}: duplicate code")
        seen.add(code)
        unknown = set(raw) - {"code", "points_to", "weight", "patterns", "computed", "strong"}
        if unknown:
            errors.append(f"{where}: unknown field(s) {sorted(unknown)}")
        if raw.get("points_to") not in _POINTS_TO:
            errors.append(f"{where}: points_to must be one of {sorted(_POINTS_TO)}")
        weight = raw.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 5:
            errors.append(f"{where}: weight must be a number in (0, 5]")
            continue
        computed = raw.get("computed", False) is True
        if computed != (code in _COMPUTED):
            errors.append(f"{where}: 'computed' is for {sorted(_COMPUTED)} only, and needed there")
        compiled: list[re.Pattern[str]] = []
        patterns = raw.get("patterns", [])
        if computed and patterns:
            errors.append(f"{where}: a computed signal has no patterns")
        if not computed and (not isinstance(patterns, list) or not patterns):
            errors.append(f"{where}: patterns must be a non-empty list")
            patterns = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except (re.error, TypeError) as exc:
                errors.append(f"{where}: bad pattern {pattern!r}: {exc}")
        signals.append(
            Signal(
                code,
                raw.get("points_to", ""),
                float(weight),
                tuple(compiled),
                computed,
                raw.get("strong", False) is True,
            )
        )
    for code in sorted(_COMPUTED - seen):
        errors.append(f"{origin}: the computed signal {code!r} is missing")
    if errors:
        raise SignalsError("\n".join(errors))
    return tuple(signals)


@lru_cache(maxsize=1)
def load_signals() -> tuple[Signal, ...]:
    try:
        doc = tomllib.loads(SIGNALS_PATH.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SignalsError(f"signals.toml: cannot read: {exc}") from exc
    return parse_signals(doc)


# A first name right after a relative ("ta sœur Julie", "your wife, Sarah", "ton pote Kévin"):
# a capital and at least two more letters, not a word that often follows in capitals.
_NAME_AFTER = re.compile(r"\s*,?\s*([A-ZÀ-Þ][a-zß-ÿ'\-]{2,20})\b")
_NOT_NAMES = frozenset(
    (
        "Facebook", "Instagram", "Insta", "Snapchat", "Snap", "Whatsapp", "WhatsApp", "Tiktok",
        "TikTok", "Twitter", "Linkedin", "LinkedIn", "Messenger", "Telegram", "Skype", "Discord",
        "Youtube", "YouTube", "Google", "Tinder", "Meetic", "Grindr", "Badoo", "And", "But", "The",
        "Then", "When", "Also", "Too", "Et", "Mais", "Puis", "Aussi", "Ils", "Elles", "Vont",
        "Will", "Les", "Des", "Tes", "Vos", "Your", "Bitcoin", "Transcash", "Paysafecard",
        "Neosurf",
    )
)  # fmt: skip


def _named_relative(text: Text, matches: list[re.Match[str]]) -> bool:
    for match in matches:
        after = _NAME_AFTER.match(text.clean, match.end())
        if after and after.group(1) not in _NOT_NAMES:
            return True
    return False


def score(text: Text, extraction: Extraction) -> list[Reason]:
    """Every sign found, each once, with its weight."""
    found: dict[str, Reason] = {}
    relatives: list[re.Match[str]] = []
    signals = {signal.code: signal for signal in load_signals()}
    folded = text.folded
    if extraction.masked:
        chars = list(folded)
        for start, end in extraction.masked:
            chars[start:end] = " " * (end - start)
        folded = "".join(chars)
    for signal in signals.values():
        for pattern in signal.patterns:
            if signal.code == "relatives":
                # Every mention is needed, to look for a first name after it (capped).
                matches = list(islice(pattern.finditer(folded), MAX_MATCHES_PER_PATTERN))
                relatives.extend(matches)
            else:
                matches = [m] if (m := pattern.search(folded)) else []
            if matches:
                found.setdefault(signal.code, Reason(signal.code, signal.points_to, signal.weight))
                if signal.code != "relatives":
                    break

    def add(code: str) -> None:
        signal = signals[code]
        found.setdefault(code, Reason(code, signal.points_to, signal.weight))

    if extraction.links:
        add("link")
    if any(p.kind in ("voucher", "voucher_code") for p in extraction.payments):
        add("voucher_demand")
    if any(p.currency in COIN_CURRENCY.values() for p in extraction.payments):
        add("crypto_payment")
    if extraction.payments or extraction.amounts:
        add("payment_demand")
    for deadline in extraction.deadlines:
        if deadline.hours is not None:
            add("long_deadline" if deadline.hours >= 12 else "short_deadline")
    if relatives and _named_relative(text, relatives):
        add("named_relatives")
    if not extraction.links and any(r.points_to == MASS for r in found.values()):
        add("no_link")
    return list(found.values())


def decide(reasons: list[Reason]) -> Classification:
    signals = {signal.code: signal for signal in load_signals()}
    mass = sum(r.weight for r in reasons if r.points_to == MASS)
    targeted = sum(r.weight for r in reasons if r.points_to == TARGETED)
    strong = any(signals[r.code].strong for r in reasons if r.points_to == TARGETED)
    # A payment demand or a deadline is not enough: a parcel-delivery phishing has both, and a
    # link. Blackmail threatens (to publish, to tell), is about intimate images, or names the
    # victim's circle or a real exchange.
    blackmail = strong or any(r.code in _BLACKMAIL_SIGNS for r in reasons)
    kind = UNKNOWN
    if targeted >= 2 and blackmail and (targeted >= mass or (strong and mass - targeted < 3)):
        kind = TARGETED
    elif mass >= 2.5 and (targeted < 2 or mass - targeted >= 2):
        kind = MASS
    # Reasons for the kind found come first, then signs of blackmail, then the other side.
    order = {kind: 0, BLACKMAIL: 1}
    ranked = sorted(reasons, key=lambda r: (order.get(r.points_to, 2), -r.weight))
    return Classification(kind, tuple(ranked), mass, targeted)


def classify(text: Text, extraction: Extraction) -> Classification:
    return decide(score(text, extraction))
