"""What the page's inline scripts do: navigate, open pop-ups, name files and streams.

Why anchors instead of one regex per detector: each detector used to run its own case-insensitive
regex over every script (and the player hint over the whole page), and a case-insensitive
alternation gets no literal-prefix search from `re`: 5-10 ms per MB and per pattern, 130 ms on a
YouTube watch page. Every pattern here starts at a literal ("location", "window.open", or a file
extension's dot followed by the closing quote), which `re` finds at memchr-like speed on the
lowercased script, so each script is read by three anchored scans (about 0.3 ms per MB each,
measured; a single alternation of the same anchors costs 5 ms per MB because `re` then tests
every character). The original, precise patterns then run only AT the anchors, on the original
text, over a bounded span. Anchors handled per page are capped (MAX_ANCHORS).

A quoted token ending with a file extension ("/f/clip.mp4.scr") is found from its extension
(followed by a query or the closing quote): the token runs to the next quote or space, and starts
after the last one before it, found on the reversed 2 KB before the extension. This is the old
`(["'`])([^"'`\\s]{1,2048}?\\.ext(?:\\?...)?)\\1` without its worst case (a long run of ".mp4?"
with no closing quote made the lazy scan quadratic); each run of the script is read once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

SCRIPTS_EXAMINED = 200
SCRIPT_HEAD_CHARS = 200_000  # navigation and file names are looked for in a script's head
MAX_ANCHORS = 2000  # per kind and per page
MAX_TOKEN_CHARS = 2048

_I = re.IGNORECASE
# Navigation written by an inline script: `location = "..."`, `location.replace("...")`, ...
JS_NAVIGATE = re.compile(
    r"""(?:location(?:\.href)?\s*=(?!=)\s*|location\.(?:replace|assign)\s*\(\s*)"""
    r"""(["'`])([^"'`\s]{1,2048})\1""",
    _I,
)
# Popups are common ad behaviour, so they only count when they hand over a file.
JS_OPEN = re.compile(r"""window\.open\s*\(\s*(["'`])([^"'`\s]{1,2048})\1""", _I)
# A navigation whose target is computed by a decoder: the page hides where it sends people.
JS_HIDDEN_NAVIGATE = re.compile(
    r"(?:location(?:\.href)?\s*=(?!=)|location\.(?:replace|assign)\s*\()[^;\n]{0,200}?"
    r"\b(?:atob|String\.fromCharCode|unescape|decodeURIComponent|eval)\s*\(",
    _I,
)
# Anchors, run on the lowercased script (so they are case-insensitive like the patterns above).
_NAV_AT = re.compile(r"location(?:\.href)?\s*=(?!=)|location\.(?:replace|assign)\s*\(")
_OPEN_AT = re.compile(r"window\.open\s*\(")
_MEDIA_EXT = r"mp4|m3u8|webm|mpd"
_FILE_EXT = r"exe|scr|apk|msi|dmg|bat|cmd|jar|vbs|ps1|zip|rar|7z|iso"
# An extension followed by a query or a quote: where a quoted file name or stream URL may end.
_EXT_AT = re.compile(r"\.(?:" + _MEDIA_EXT + "|" + _FILE_EXT + r")(?=[?\"'`])")
_RUN = re.compile(r"[^\"'`\s]*")
_MEDIA_TAIL = re.compile(r"\.(?:" + _MEDIA_EXT + r")(?=\?|\Z)")
_FILE_TAIL = re.compile(r"\.(?:" + _FILE_EXT + r")(?=\?|\Z)")
_STREAM_START = re.compile(r"(?:https?:)?//")

# Player libraries and stream files named anywhere in the page: a video may be built by script.
# Searched as literals in the page's bytes, lowercased (ASCII): one alternation of these costs
# 8 ms per MB in `re` (28 ms with the \b), sixteen substring searches 7 ms, the eight searches
# below about half that: the words that share "player" or ".js" are one pattern each, which
# starts with the shared literal and looks behind it for the rest.
# Each literal is searched with `re` rather than `in`: `re` finds a literal at a steady ~0.3 ms
# per MB, while `bytes.find` can drop to 3 ms per MB on text built against its skip table.
_HINT_WORDS = (b"videojs", b"clappr", b"mediaelement")
_HINT_BEFORE_PLAYER = (b"jw", b"flow", b"shaka-")
_HINT_BEFORE_JS = (b"video", b"hls", b"hls.min", b"dash", b"dash.all", b"dash.min", b"dash.all.min")
_HINT_BOUNDED = (b"plyr", b".m3u8", b".mpd")  # need a word boundary after (and before "plyr")
MAX_HINT_ANCHORS = 4000  # occurrences checked one by one before one `re` call takes over
_WORD_BYTE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# The same test in one `re` call, for pages with more anchors than that (any non-ASCII byte is
# taken as a word character there: a cruder boundary, only for pages built to be odd).
_NOT_WORD = rb"(?![0-9A-Za-z_\x80-\xff])"
_HINT_BOUNDED_RE = {
    b"plyr": re.compile(rb"plyr(?<![0-9A-Za-z_\x80-\xff]plyr)" + _NOT_WORD),
    b".m3u8": re.compile(rb"\.m3u8" + _NOT_WORD),
    b".mpd": re.compile(rb"\.mpd" + _NOT_WORD),
}
_DOWNLOAD = re.compile("download")


@lru_cache(maxsize=64)
def _literal(word: bytes) -> re.Pattern[bytes]:
    return re.compile(re.escape(word))


@dataclass
class ScriptFacts:
    """What one inline script does, in the order the rules read it."""

    navigations: list[str] = field(default_factory=list)  # location targets, as written
    opens: list[str] = field(default_factory=list)  # window.open targets
    files: list[str] = field(default_factory=list)  # quoted file names handed over by script
    streams: list[str] = field(default_factory=list)  # quoted //...mp4|m3u8|webm|mpd URLs
    hidden_navigation: bool = False


@dataclass
class Anchors:
    """Anchors handled so far on this page, to cap the work per page."""

    navigation: int = 0
    opens: int = 0
    tokens: int = 0


def lower_same_length(text: str) -> str:
    """text.lower() with the same indexes: U+0130 is the one character whose lowercase is two
    characters long; `re` matches it as "i" under IGNORECASE, so it becomes "i"."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.replace("\u0130", "i").lower()
    return lowered


def _anchor_starts(
    pattern: re.Pattern[str], low: str, head: int, room: int
) -> tuple[bool, list[int]]:
    """Whether `pattern` occurs in the script at all, and where it starts within the first `head`
    characters: the first `room` places at most (what is left of the page's anchor budget)."""
    found = False
    starts: list[int] = []
    for match in pattern.finditer(low):
        found = True
        if match.start() >= head or len(starts) >= room:
            break
        starts.append(match.start())
    return found, starts


def _targets(call: re.Pattern[str], script: str, starts: list[int], head: int) -> list[str]:
    """The address (group 2) of each `call` that begins at one of `starts`."""
    return [match.group(2) for start in starts if (match := call.match(script, start, head))]


def read_script(script: str, anchors: Anchors) -> Generator[None, None, ScriptFacts]:
    """One script's facts, with a checkpoint between the anchored scans (a script may be 2 MB)."""
    facts = ScriptFacts()
    low = lower_same_length(script)
    head = min(len(script), SCRIPT_HEAD_CHARS)
    navigates, starts = _anchor_starts(_NAV_AT, low, head, MAX_ANCHORS - anchors.navigation)
    anchors.navigation += len(starts)
    facts.navigations += _targets(JS_NAVIGATE, script, starts, head)
    if any(JS_HIDDEN_NAVIGATE.match(script, start, head) for start in starts):
        facts.hidden_navigation = True
    yield
    opens, starts = _anchor_starts(_OPEN_AT, low, head, MAX_ANCHORS - anchors.opens)
    anchors.opens += len(starts)
    facts.opens += _targets(JS_OPEN, script, starts, head)
    # A file name in a script only lures if the script navigates or downloads.
    delivers = navigates or opens or _DOWNLOAD.search(low) is not None
    yield
    position = 0
    while anchors.tokens < MAX_ANCHORS:
        match = _EXT_AT.search(low, position, head)
        if match is None:
            break
        anchors.tokens += 1
        # The run of non-quote, non-space characters holding the extension ends the token; the
        # next search starts after it, so every character is read a bounded number of times.
        run_end = _RUN.match(low, match.end()).end()
        position = run_end + 1
        token = _quoted_token(script, low, match.start(), run_end)
        if token is None:
            continue
        start, end = token
        folded = low[start:end]
        if delivers and _tail_at(_FILE_TAIL, folded, 1):
            facts.files.append(script[start:end])
        stream = _STREAM_START.match(folded)
        if stream and _tail_at(_MEDIA_TAIL, folded, stream.end() + 1):
            facts.streams.append(script[start:end])
    return facts


def _quoted_token(script: str, low: str, dot: int, closing: int) -> tuple[int, int] | None:
    """(start, end) of the quoted token whose extension starts at `dot` and which ends at
    `closing` (the first quote or space after it), or None when it is not a quoted token."""
    if closing >= len(script) or script[closing] not in "\"'`":
        return None
    window = low[max(0, dot - MAX_TOKEN_CHARS - 1) : dot][::-1]
    run = _RUN.match(window)
    length = run.end() if run else 0
    start = dot - length
    if not 1 <= length <= MAX_TOKEN_CHARS or start < 1 or script[start - 1] != script[closing]:
        return None
    return start, closing


def _tail_at(pattern: re.Pattern[str], token: str, first: int) -> bool:
    """An extension (then the end or a query) at an index in [first, first + 2047]."""
    return any(first <= m.start() < first + MAX_TOKEN_CHARS for m in pattern.finditer(token))


def _word_char_at(data: bytes, index: int) -> bool:
    """Whether the character at byte `index` of UTF-8 `data` is a `re` word character."""
    if index < 0 or index >= len(data):
        return False
    byte = data[index]
    if byte < 0x80:
        return byte in _WORD_BYTE
    while index > 0 and 0x80 <= data[index] < 0xC0:  # back to the first byte of the character
        index -= 1
    char = data[index : index + 4].decode("utf-8", "ignore")[:1]
    return char.isalnum() or char == "_"


def _occurrences(folded: bytes, word: bytes) -> Iterator[int]:
    """Where `word` occurs, at most MAX_HINT_ANCHORS times."""
    return (m.start() for m in itertools.islice(_literal(word).finditer(folded), MAX_HINT_ANCHORS))


def _anchored(anchor: bytes, before: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """`anchor` right after one of `before`, as one pattern that starts with the literal anchor
    (so `re` searches for it at full speed) and looks behind it for the words."""
    behind = "|".join(f"(?<={re.escape((word + anchor).decode())})" for word in before)
    return re.compile(f"{re.escape(anchor.decode())}(?:{behind})".encode())


_PLAYER_WORDS = _anchored(b"player", _HINT_BEFORE_PLAYER)
_JS_WORDS = _anchored(b".js", _HINT_BEFORE_JS)


def player_hint(folded: bytes) -> Generator[None, None, bool]:
    """A player library or a stream file named anywhere in the page (lowercased bytes); a
    checkpoint between the groups of words keeps each step to a few passes over the page."""
    for pattern in (_PLAYER_WORDS, _JS_WORDS):
        if pattern.search(folded):
            return True
        yield
    if any(_literal(word).search(folded) for word in _HINT_WORDS):
        return True
    yield
    for word in _HINT_BOUNDED:
        checked = 0
        for position in _occurrences(folded, word):
            checked += 1
            after = not _word_char_at(folded, position + len(word))
            before = word[0] == ord(".") or not _word_char_at(folded, position - 1)
            if after and before:
                return True
        if checked >= MAX_HINT_ANCHORS and _HINT_BOUNDED_RE[word].search(folded):
            return True
        yield
    return False
