"""Catalogue markers: the one matcher every reader of a platform's wording uses.

Why one matcher: a marker decides verdicts ("private", "removed"), so the page analysis, the
platform's state rules (`document` conditions) and the tests that stop an uploader from faking
"private" must all ask the same question the same way. A plain marker is a case-insensitive
substring (read in NFC: catalogue markers are NFC, some pages send decomposed accents); "re:"
introduces a case-insensitive regex. A broken regex never matches (the catalogue loader refuses
one; a hand-built table may still hold one, and a check must survive it).

Nothing here touches the network.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

__all__ = ["MAX_PREFIX_HITS", "MarkerText", "literal_prefix", "marker_found"]

# Occurrences of a marker's literal prefix tried before falling back to one plain regex search.
MAX_PREFIX_HITS = 200
# Characters after its prefix a marker with accents may span when that stretch is read in NFC.
MARKER_WINDOW = 4096

_REGEX_META = frozenset(".^$*+?{}[]\\|()")


@lru_cache(maxsize=256)
def _literal(word: bytes) -> re.Pattern[bytes]:
    # `re` finds a literal at a steady ~0.3 ms per MB; `bytes.find` varies with the text.
    return re.compile(re.escape(word))


@lru_cache(maxsize=1024)
def _compiled_marker(source: str) -> tuple[re.Pattern[str] | None, str]:
    """(the case-insensitive regex or None if broken, its literal prefix in lower case)."""
    try:
        pattern = re.compile(source, re.IGNORECASE)
    except re.error:
        return None, ""
    return pattern, literal_prefix(source).lower()


def literal_prefix(source: str) -> str:
    """The literal text every match of `source` starts with ("" when there is none).

    Catalogue markers are anchored on JSON keys ('"reason"\\s*:'), and `re` cannot search a
    case-insensitive literal quickly (it only uses the leading '"'): finding the lowercased
    prefix in the lowercased page and matching only there reads a 1 MB page once per distinct
    prefix instead of once per marker. A top-level alternation or a quantifier on the last
    literal voids the prefix.
    """
    depth = 0
    in_class = False
    escaped = False
    for char in source:  # a top-level "|" means matches need not start with the prefix
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return ""
    prefix: list[str] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source) and not source[index + 1].isalnum():
            prefix.append(source[index + 1])
            index += 2
            continue
        if char in _REGEX_META:
            if char in "*?{" and prefix:
                prefix.pop()  # the quantifier applies to the last literal
            break
        prefix.append(char)
        index += 1
    return "".join(prefix)


class MarkerText:
    """The page as marker searches need it, each form computed at most once and only if needed:
    as decoded, as ASCII-lowercased UTF-8 bytes (for the prefixes), and in NFC for markers with
    accents (catalogue markers are NFC, "vidéo" as one code point; some pages send decomposed
    accents). Normalising a whole page costs 5-15 ms when it holds characters NFC's quick check
    cannot clear, so ASCII markers never ask for it."""

    def __init__(self, text: str, folded: bytes | None = None) -> None:
        self.text = text
        self._folded = folded  # the page analysis has these bytes already
        self._casefolded: str | None = None
        self._nfc: str | None = None
        self._positions: dict[str, list[int]] = {}

    def positions(self, prefix: str) -> list[int]:
        """Where the ASCII `prefix` starts in the text, any case (at most MAX_PREFIX_HITS + 1).

        Found once per prefix (a catalogue's markers share a few), in the ASCII-lowercased UTF-8
        bytes; byte offsets become text indexes by decoding the bytes between them (a prefix
        starts with an ASCII byte, so every offset is a character boundary)."""
        if prefix not in self._positions:
            found = _literal(prefix.encode()).finditer(self.folded)
            offsets = [m.start() for m in itertools.islice(found, MAX_PREFIX_HITS + 1)]
            indexes: list[int] = []
            index = previous = 0
            for offset in offsets:
                index += len(self.folded[previous:offset].decode("utf-8", "replace"))
                indexes.append(index)
                previous = offset
            self._positions[prefix] = indexes
        return self._positions[prefix]

    @property
    def folded(self) -> bytes:
        if self._folded is None:
            # "replace" keeps one byte per lone surrogate, so byte offsets still map to indexes.
            self._folded = self.text.encode("utf-8", "replace").lower()
        return self._folded

    @property
    def nfc(self) -> str:
        if self._nfc is None:
            self._nfc = unicodedata.normalize("NFC", self.text)
        return self._nfc

    @property
    def casefolded(self) -> str:
        if self._casefolded is None:
            self._casefolded = self.nfc.casefold()
        return self._casefolded


def _regex_found(source: str, page: MarkerText) -> bool | None:
    """Whether a "re:" marker matches; None for a broken regex (a catalogue bug we survive)."""
    pattern, prefix = _compiled_marker(source)
    if pattern is None:
        return None
    accented = not source.isascii()
    if len(prefix) < 3 or not prefix.isascii():
        return pattern.search(page.nfc if accented else page.text) is not None
    positions = page.positions(prefix)
    for position in positions[:MAX_PREFIX_HITS]:
        if pattern.match(page.text, position):
            return True
        if accented:
            # Decomposed accents after the (ASCII) prefix: read that stretch in NFC.
            window = page.text[position : position + MARKER_WINDOW]
            if not unicodedata.is_normalized("NFC", window) and pattern.match(
                unicodedata.normalize("NFC", window)
            ):
                return True
    if len(positions) > MAX_PREFIX_HITS:  # more candidates than we try one by one
        if accented:
            return pattern.search(page.nfc) is not None
        return pattern.search(page.text, positions[MAX_PREFIX_HITS]) is not None
    return False  # the usual case: the prefix is not there at all, or leads nowhere


def marker_found(marker: str, page: MarkerText | str) -> bool:
    """Whether one catalogue marker is in the page (a plain substring or "re:" + a regex)."""
    if isinstance(page, str):
        page = MarkerText(page)
    marker = unicodedata.normalize("NFC", marker)
    if marker.startswith("re:"):
        return _regex_found(marker[3:], page) is True
    return marker.casefold() in page.casefolded
