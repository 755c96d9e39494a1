"""What the page says to its visitor: codec lures and payment demands, in bounded work.

Why triggers and windows: the wording patterns are long case-insensitive regexes (six for codec
lures, five wallet shapes, amounts, payment words) and each used to read the whole visible text:
on 2 MB of plain text that alone cost 0.7 s. Every pattern needs one of a few words to match at
all (a codec lure names a codec, a plug-in, a player...; an amount is a demand only near a ransom
word or an order to pay), and every match is at most ~150 characters long. So ONE pass of a
combined pattern over the lowercased text finds those words, and the precise patterns run only in
windows of WINDOW characters around them, at most WINDOW_BUDGET characters per detector. Wallet
addresses have no such word: one combined pattern (all five shapes) reads the text once.

Every `re` call here reads at most CHUNK characters (the pass is sliced, see the probe), and a
match found in a slice is confirmed on the whole text when it touches the slice's end, so the
cut can neither invent nor hide a match.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Generator, Iterator

CHUNK = 64 * 1024
WINDOW = 160  # longer than any codec-lure match, and than an amount plus its context
WINDOW_BUDGET = 64 * 1024  # characters the precise patterns may read, per detector
MAX_AMOUNTS = 500
MAX_WALLET_CANDIDATES = 200
SEPARATOR = "\n.\n"  # between visible text and attribute text: no pattern crosses "." and "\n"

_I = re.IGNORECASE
CODEC_LURE = (
    # "install a codec/plugin/extension ..." / "installer le codec" / "télécharger le plugin"
    re.compile(
        r"\b(install|installer|installez|download|t[ée]l[ée]charge[rz]?|update|upgrade|get|"
        r"activate|activer|activez|enable)\b[^.!?\n<]{0,40}?\b(codecs?|plug-?ins?|"
        r"flash(\s*player)?|add-?on|extension)\b",
        _I,
    ),
    # "update your player" / "install the video player to watch" / "mettre à jour le lecteur"
    re.compile(
        r"\b(install|update|upgrade|download)\b[^.!?\n<]{0,20}?\b(your|the|a|latest|new)\b"
        r"[^.!?\n<]{0,20}?\b(video\s+|media\s+)?player\b[^.!?\n<]{0,40}?"
        r"\b(to\s+(watch|view|play|see)|required|needed|out\s+of\s+date|outdated)\b",
        _I,
    ),
    re.compile(r"\b(update|upgrade)\s+your\s+(video\s+|media\s+)?player\b", _I),
    re.compile(
        r"\b(mettre|mettez|mets)\s+[àa]\s+jour\s+(le|votre|ton)\s+lecteur\b|"
        r"\bmise\s+[àa]\s+jour\s+du\s+lecteur\b|"
        r"\b(installe[rz]?|t[ée]l[ée]charge[rz]?)\s+(le|un|votre|ce)\s+(nouveau\s+)?lecteur\b"
        r"[^.!?\n<]{0,40}?\b(pour\s+(voir|regarder|lire)|requis|n[ée]cessaire)",
        _I,
    ),
    re.compile(
        r"\bcodecs?\b[^.!?\n<]{0,30}?\b(missing|required|needed|manquants?|requis|"
        r"n[ée]cessaires?|absents?)\b|\b(missing|required)\s+codecs?\b",
        _I,
    ),
    re.compile(
        r"\b(votre|your)\s+(lecteur|player)\b[^.!?\n<]{0,30}?\b(obsol[èe]te|out\s+of\s+"
        r"date|outdated|n'est\s+pas\s+[àa]\s+jour|is\s+not\s+up\s+to\s+date)",
        _I,
    ),
)
# One of these words is in every codec-lure match (see each pattern above).
_CODEC_WORDS = ("codec", "plug", "flash", "addon", "add-on", "extension", "player", "lecteur")
# One of these is in the context of every amount that counts as a demand (_RANSOM_WORDS or
# _PAY_IMPERATIVE below).
_DEMAND_WORDS = ("rançon", "rancon", "ransom", "pay", "send", "envoie", "transf", "vire", "versez")
_TRIGGER = re.compile(
    "|".join(re.escape(w) for w in sorted({*_CODEC_WORDS, *_DEMAND_WORDS}, key=len, reverse=True))
)
_CODEC_SET = frozenset(_CODEC_WORDS)

# Cryptocurrency addresses. Legacy BTC and Tron are base58check and bech32 has its own checksum,
# so random IDs in page text do not pass; Ethereum and Monero are matched by shape only. One
# pattern for all five shapes: their first characters differ, so at most one branch applies.
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WALLET = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?P<bitcoin>[13][1-9A-HJ-NP-Za-km-z]{25,34})"
    r"|(?P<bech32>(?i:bc1[ac-hj-np-z02-9]{8,87}))"
    r"|(?P<ethereum>0x[0-9a-fA-F]{40})"
    r"|(?P<monero>[48][1-9A-HJ-NP-Za-km-z]{94})"
    r"|(?P<tron>T[1-9A-HJ-NP-Za-km-z]{33})"
    r")(?![A-Za-z0-9])"
)
WALLET_KINDS = ("bitcoin", "ethereum", "monero", "tron")
PAYMENT_WORDS = re.compile(
    r"\b(pay|payez|payer|paie|paye|paiement|payment|bitcoins?|btc|rançon|rancon|ransom|"
    r"send|envoie[zr]?|transf[eé]r\w*|vire[zr]|virement|versez|wallet|portefeuille|adresse|"
    r"address|usdt|monero|xmr|ethereum|crypto\w*)\b",
    _I,
)
_AMOUNT = re.compile(
    r"(?:[€$£]\s?\d[\d\s.,]{0,12}|(?<![\d.,])\d[\d\s.,]{0,12}\s?(?:€|\$|£|eur\b|euros?\b|usd\b|dollars?\b|"
    r"btc\b|eth\b|xmr\b|usdt\b|bitcoins?\b))",
    _I,
)
_RANSOM_WORDS = re.compile(r"\b(ran[çc]on|ransom)\b", _I)
_PAY_IMPERATIVE = re.compile(
    r"\b(pay|payez|paye|send|envoie[zr]?|transf[eé]re[zr]?|transfer|vire[zr]|versez|"
    r"you\s+must\s+pay|vous\s+devez\s+payer)\b",
    _I,
)
_PAY_CHANNEL = re.compile(
    r"\b(bitcoins?|btc|crypto\w*|usdt|monero|xmr|ethereum|paysafecard|transcash|pcs|"
    r"gift\s*cards?|cartes?\s+cadeaux?|western\s+union|moneygram|wallet|portefeuille)\b",
    _I,
)
_SENTENCE_END = re.compile(r"[.!?;]")


def chunks(length: int, size: int = CHUNK) -> Iterator[tuple[int, int]]:
    for start in range(0, length, size):
        yield start, min(length, start + size)


class Wording:
    """The visitor-facing text of a page, with the words that may start a lure or a demand."""

    def __init__(self, visible: str, attribute_text: list[str]) -> None:
        attributes = " ".join(" ".join(attribute_text).split())
        text = f"{visible}{SEPARATOR}{attributes}" if attributes else visible
        # The patterns spell accents precomposed ("télécharger"); some pages send them decomposed.
        self.text = unicodedata.normalize("NFC", text)
        self.lowered = self.text.lower()
        if len(self.lowered) != len(self.text):  # U+0130: see scripts.lower_same_length
            self.lowered = self.text.replace("\u0130", "i").lower()
        # Windows around the trigger words, merged, per detector: (start, end) in self.text.
        self.codec_windows: list[tuple[int, int]] = []
        self.demand_windows: list[tuple[int, int]] = []
        self._budget = {"codec": WINDOW_BUDGET, "demand": WINDOW_BUDGET}
        self.wallets: list[str] = []

    def read(self) -> Generator[None, None, None]:
        """The two passes over the text, CHUNK characters per `re` call. A detector stops
        collecting windows when they cover WINDOW_BUDGET characters (a page dense with "player"
        or "pay" gets its first 64 K characters of context read, not 2 MB)."""
        overlap = max(len(w) for w in (*_CODEC_WORDS, *_DEMAND_WORDS))
        for start, end in chunks(len(self.lowered)):
            if not any(budget > 0 for budget in self._budget.values()):
                break
            for match in _TRIGGER.finditer(self.lowered, start, min(len(self.text), end + overlap)):
                if match.start() >= end:
                    break
                if match.group() in _CODEC_SET:
                    self._widen("codec", self.codec_windows, match.start(), match.end())
                else:
                    self._widen("demand", self.demand_windows, match.start(), match.end())
            yield
        found: set[str] = set()
        candidates = 0
        for start, end in chunks(len(self.text)):
            # A wallet is at most 97 characters: the next chunk's overlap catches one cut here.
            for match in _WALLET.finditer(self.text, start, min(len(self.text), end + 100)):
                if match.start() >= end:
                    break
                candidates += 1
                kind = match.lastgroup or ""
                if _wallet_ok(kind, match.group(0)):
                    found.add("bitcoin" if kind == "bech32" else kind)
                if candidates % 32 == 0:
                    yield  # a checksum is a big-integer computation: ~10 µs each
                    if candidates >= MAX_WALLET_CANDIDATES:
                        break
            yield
            if candidates >= MAX_WALLET_CANDIDATES:
                break
        self.wallets = [kind for kind in WALLET_KINDS if kind in found]

    def _widen(self, group: str, windows: list[tuple[int, int]], start: int, end: int) -> None:
        if self._budget[group] <= 0:
            return
        lo, hi = max(0, start - WINDOW), min(len(self.text), end + WINDOW)
        if windows and lo <= windows[-1][1]:
            previous = windows.pop()
            self._budget[group] += previous[1] - previous[0]
            lo = previous[0]
        windows.append((lo, hi))
        self._budget[group] -= hi - lo

    def _search(self, pattern: re.Pattern[str], lo: int, hi: int) -> re.Match[str] | None:
        match = pattern.search(self.text, lo, hi)
        while match:
            # A match that ends at the window's end may owe its `\b` to the cut: confirm it.
            if match.end() < hi or hi == len(self.text) or pattern.match(self.text, match.start()):
                return match
            match = pattern.search(self.text, match.start() + 1, hi)
        return None

    def codec_lure(self) -> bool:
        return any(
            self._search(pattern, lo, hi) for lo, hi in self.codec_windows for pattern in CODEC_LURE
        )

    def payment_words(self) -> Generator[None, None, bool]:
        for start, end in chunks(len(self.text)):
            match = PAYMENT_WORDS.search(self.text, start, min(len(self.text), end + 40))
            # A match touching the slice's end may owe its `\b` to the cut: confirm it.
            if (
                match
                and match.start() < end
                and (match.end() < end or PAYMENT_WORDS.match(self.text, match.start()))
            ):
                return True
            yield
        return False

    def amount_demand(self) -> bool:
        """An amount with ransom wording around it, or an order to pay it through a channel
        blackmailers use, in the same sentence; "Bitcoin hits $60,000" is neither."""
        text = self.text
        examined = 0
        for lo, hi in self.demand_windows:
            for match in _AMOUNT.finditer(text, lo, hi):
                examined += 1
                if examined > MAX_AMOUNTS:
                    return False
                window = text[max(0, match.start() - 120) : match.end() + 120]
                lead_in = _SENTENCE_END.split(text[max(0, match.start() - 50) : match.start()])[-1]
                if _RANSOM_WORDS.search(window) or (
                    _PAY_IMPERATIVE.search(lead_in) and _PAY_CHANNEL.search(window)
                ):
                    return True
        return False


def _base58check_ok(address: str, expected_len: int = 25) -> bool:
    num = 0
    for char in address:
        index = _B58.find(char)
        if index < 0:
            return False
        num = num * 58 + index
    pad = len(address) - len(address.lstrip("1"))
    try:
        raw = b"\x00" * pad + num.to_bytes((num.bit_length() + 7) // 8, "big")
    except OverflowError:
        return False
    if len(raw) != expected_len:
        return False
    body, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] == checksum


def _bech32_ok(address: str) -> bool:
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    address = address.lower()
    hrp, _, data = address.rpartition("1")
    if hrp != "bc" or len(data) < 6:
        return False
    values = [charset.find(c) for c in data]
    if min(values) < 0:
        return False
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if (top >> i) & 1 else 0
    return checksum in (1, 0x2BC830A3)  # bech32 (segwit v0) or bech32m (taproot)


def _wallet_ok(kind: str, candidate: str) -> bool:
    if kind == "bech32":
        return _bech32_ok(candidate)
    if kind in ("bitcoin", "tron"):
        return _base58check_ok(candidate)
    if kind == "ethereum":
        # Forty decimal digits after 0x is a number in a table, not an address.
        return not candidate[2:].isdigit()
    return kind == "monero"
