"""Two readings of a pasted message: a clean one to extract from, and a folded one to match words.

Blackmail mail is written to slip past spam filters: invisible characters inside words, Cyrillic
letters that look Latin ("bitсoin" with a Cyrillic "с"), fullwidth digits, defanged links
("hxxps://example[.]com" as counsellors and security tools write them). The clean text undoes
what changes nothing a person sees (Unicode compatibility forms, invisible characters, defanged
links); the folded text additionally maps look-alike letters to ASCII, strips accents and lower-
cases, one character for one character, so that a word list written in plain ASCII matches
"piraté", "PIRATÉ" and "pirаté" alike and every match position is also a position in the clean
text. Extraction reads the clean text (an IDN host or a name keeps its real letters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that render as nothing, or that only reorder text (bidirectional controls, used to
# disguise file names and addresses): dropped before anything else.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
        "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
        "\u3164\ufeff\uffa0",
    ),
    None,
)
# Letters of other scripts that look like Latin ones (Unicode confusables, the ones spam uses),
# and typographic punctuation, each mapped to its ASCII look-alike.
_CONFUSABLES = {
    **dict(zip("аеорсухіјѕԁɡոԛԝ", "aeopcyxijsdgnqw", strict=True)),  # Cyrillic / Armenian lower
    **dict(zip("АВЕКМНОРСТХУІЈЅ", "abekmhopctxyijs", strict=True)),  # Cyrillic upper
    **dict(zip("αβεικνορτυχ", "abeiknoptux", strict=True)),  # Greek lower
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "abezhikmnoptyx", strict=True)),  # Greek upper
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "´": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
}
_DEFANGED_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_DEFANGED_SCHEME = re.compile(r"\bhxxp(s?)(?=\[?:\]?//)", re.IGNORECASE)
_DEFANGED_COLON = re.compile(r"(?<=http)(s?)\[:\](?=//)", re.IGNORECASE)

#: Compatibility forms can expand (one ligature becomes up to 18 characters): the analysis reads at
#: most this much of the normalised text, so a hostile paste cannot grow the work tenfold.
MAX_NORMALISED_CHARS = 40_000


class _Fold(dict[int, str]):
    """str.translate table built lazily: one character in, exactly one character out."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        out = _CONFUSABLES.get(char, char)
        lower = out.lower()
        if len(lower) == 1:
            out = lower
        if not out.isascii():
            base = unicodedata.normalize("NFD", out)[0]
            if base.isascii() and base.isalpha():
                out = base.lower()
        self[code] = out
        return out


_FOLD = _Fold()


@dataclass(frozen=True, slots=True)
class Text:
    clean: str  # what extraction reads (and what values are copied from)
    folded: str  # same length: what word lists match

    def __len__(self) -> int:
        return len(self.clean)


def prepare(raw: str) -> Text:
    """The clean and folded readings of a message as pasted."""
    text = unicodedata.normalize("NFKC", raw)[:MAX_NORMALISED_CHARS].translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _DEFANGED_SCHEME.sub(lambda m: "http" + m.group(1), text)
    text = _DEFANGED_COLON.sub(lambda m: m.group(1) + ":", text)
    text = _DEFANGED_DOT.sub(".", text)
    return Text(clean=text, folded=fold(text))


def fold(text: str) -> str:
    """Look-alikes to ASCII, accents off, lower case; len(fold(t)) == len(t)."""
    return text.translate(_FOLD)
