"""Pure analysis of an HTML page the gate already fetched, for the "page" probe.

Why this exists: a blackmailer's link often does not point at a platform we know, or points at a
platform page whose HTML is the only evidence we get without a browser. This module reads those
bytes (never the network: the gate did the fetching) and turns them into findings the verdict
engine can weigh: is there a video at all, which media/player URLs the lead may follow one level,
what the platform's own wording says (private, removed, ...), and whether the page is a trap
(download lure, fake codec, phishing form, payment demand).

Rules this module keeps:
- never raise: hostile or broken input always yields a `PageAnalysis`;
- weak evidence stays weak: a page we cannot read well (JavaScript shell, binary, truncated)
  never produces a confident "no video";
- `detail` strings name a host at most, never a full URL, and never quote page content except
  catalogue markers (which are ours, not the page's);
- tree traversal is iterative (bs4 `descendants`), so 100k nested elements cannot recurse.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup
from bs4.element import (
    CData,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from veriflien.net.encoding import decode_html
from veriflien.result import Finding, Strength, Verdict

PROBE = "page"
MAX_MEDIA_URLS = 5
MAX_EMBED_URLS = 5
TITLE_MAX_CHARS = 200
# A URL longer than this is not a media URL we want the lead to follow; it is noise or an attack.
MAX_URL_CHARS = 4096
# Visible text kept for the wording checks; lures and demands are short, a cap keeps regexes cheap.
MAX_VISIBLE_CHARS = 400_000
# Fewer visible characters than this and the page says nothing we can rely on for "no video".
SHELL_TEXT_CHARS = 300
MAX_FINDINGS_PER_MARKER_KIND = 3
MAX_JSONLD_CHARS = 500_000
# Elements of one kind examined; a real page has a handful, a hostile one may have 100k.
MAX_ELEMENTS = 500

__all__ = ["MARKER_SUPPORT", "PageAnalysis", "analyse_page"]


@dataclass
class PageAnalysis:
    findings: list[Finding] = field(default_factory=list)  # probe="page"
    media_urls: list[str] = field(default_factory=list)  # candidate direct media, best first
    embed_urls: list[str] = field(default_factory=list)  # players of known platforms, best first
    has_video: bool = False  # any video evidence at all
    title: str | None = None  # for the counsellor; trimmed, capped


#: What each catalogue marker kind points to. An age gate means any signed-in adult can watch:
#: that is evidence the content is out there, never that it is hidden, so it supports PUBLIC
#: (medium). It also explains the login wall the same page shows, which then cannot on its own
#: make the verdict "login required" (the rules see public and login evidence and say unknown).
MARKER_SUPPORT: dict[str, tuple[Verdict | None, Strength | None]] = {
    "private": (Verdict.PRIVATE, Strength.STRONG),
    "removed": (Verdict.REMOVED, Strength.STRONG),
    "processing": (Verdict.INCOMPLETE, Strength.MEDIUM),
    "login": (Verdict.LOGIN_REQUIRED, Strength.MEDIUM),
    "playable": (Verdict.PUBLIC, Strength.MEDIUM),
    "unlisted": (Verdict.UNLISTED, Strength.STRONG),
    "age_gate": (Verdict.PUBLIC, Strength.MEDIUM),
}
# Marker kinds that mean "there is (or was) a video here": they forbid a "no video" finding.
_VIDEO_MARKER_KINDS = frozenset({"playable", "unlisted"})

# ---------------------------------------------------------------------------------------------
# URL classification
# ---------------------------------------------------------------------------------------------

_MEDIA_EXTENSIONS = (".mp4", ".m4v", ".webm", ".mov", ".ogv", ".ogg", ".m3u8", ".mpd", ".mkv")
_MEDIA_TYPES = ("video/", "application/x-mpegurl", "application/vnd.apple.mpegurl")
_MEDIA_TYPES_EXACT = ("application/dash+xml",)

# Embedded players of platforms we know: (host suffix, path regex). The lead follows ONE level.
_PLAYER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (host, re.compile(path, re.IGNORECASE))
    for host, path in (
        ("youtube.com", r"^/(embed|v)/"),
        ("youtube-nocookie.com", r"^/embed/"),
        ("player.vimeo.com", r"^/video/"),
        ("dailymotion.com", r"^/(embed|player)"),
        ("geo.dailymotion.com", r"^/player"),
        ("streamable.com", r"^/[eo]/"),
        ("facebook.com", r"^/plugins/video\.php"),
        ("instagram.com", r"^/(p|reel|tv)/[^/]+/embed"),
        ("tiktok.com", r"^/(embed|player)"),
        ("player.twitch.tv", r"^/"),
        ("clips.twitch.tv", r"^/embed"),
        ("platform.twitter.com", r"^/embed"),
        ("rumble.com", r"^/embed/"),
        ("vk.com", r"^/video_ext\.php"),
        ("vkvideo.ru", r"^/video_ext\.php"),
        ("ok.ru", r"^/videoembed/"),
        ("drive.google.com", r"^/file/d/[^/]+/preview"),
        ("pornhub.com", r"^/embed/"),
        ("xvideos.com", r"^/embedframe/"),
        ("xnxx.com", r"^/embedframe/"),
        ("xhamster.com", r"^/(xembed\.php|embed/)"),
        ("redtube.com", r"^/?$"),  # embed.redtube.com/?id=...
        ("youporn.com", r"^/embed/"),
        ("spankbang.com", r"^/[^/]+/embed/"),
        ("onlyfans.com", r"^/embed"),
        ("bitchute.com", r"^/embed/"),
        ("odysee.com", r"^/\$/embed/"),
    )
)


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def _host_matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def _same_site(a: str, b: str) -> bool:
    """Loose "same site": one host is the other or a subdomain of it (no public-suffix list)."""
    a, b = a.removeprefix("www."), b.removeprefix("www.")
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _resolve(value: Any, base_url: str) -> str | None:
    """Absolute http(s) URL for an attribute value, or None (javascript:, data:, blob:, junk)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_URL_CHARS:
        return None
    # Browsers strip tabs and newlines inside URLs; do the same so "java\nscript:" stays rejected.
    value = re.sub(r"[\t\r\n]", "", value)
    try:
        absolute = urljoin(base_url, value)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def _is_player_url(url: str) -> bool:
    host = _host(url)
    if not host:
        return False
    path = urlsplit(url).path or "/"
    return any(_host_matches(host, h) and p.search(path) for h, p in _PLAYER_PATTERNS)


def _looks_like_media(url: str, mime: str | None = None) -> bool:
    if mime:
        mime = mime.strip().lower()
        if mime.startswith(_MEDIA_TYPES) or mime in _MEDIA_TYPES_EXACT:
            return True
    return unquote(urlsplit(url).path).lower().endswith(_MEDIA_EXTENSIONS)


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decode(html: bytes | str | Any, max_bytes: int) -> tuple[str, bool]:
    """Text to analyse and whether it was cut. Never raises; broken bytes become U+FFFD."""
    max_bytes = max(0, int(max_bytes))
    if isinstance(html, str):
        truncated = len(html) > max_bytes
        text = html[:max_bytes]
        # Lone surrogates (possible in a Python str) would make lxml fail: replace them.
        text = text.encode("utf-8", "replace").decode("utf-8", "replace")
        return text, truncated
    if isinstance(html, bytearray | memoryview):
        html = bytes(html)
    if not isinstance(html, bytes):
        return "", False
    truncated = len(html) > max_bytes
    data = html[:max_bytes]
    # As browsers do (WHATWG labels only, <meta> prescan, UTF-8 sniff): see net/encoding.py.
    return decode_html(data), truncated


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    # HTML has no use for C0 control characters; media files and archives are full of them.
    bad = sample.count("\ufffd") + len(_CONTROL_CHARS.findall(sample))
    return bad / len(sample) > 0.05


# ---------------------------------------------------------------------------------------------
# Markers from the platform catalogue
# ---------------------------------------------------------------------------------------------


def _marker_findings(
    text: str, markers: Mapping[str, Sequence[str]] | None
) -> tuple[list[Finding], set[str]]:
    findings: list[Finding] = []
    kinds_hit: set[str] = set()
    if not markers:
        return findings, kinds_hit
    lowered = text.casefold()
    for kind, patterns in markers.items():
        if not isinstance(kind, str) or isinstance(patterns, str | bytes):
            continue  # a bare string would be iterated letter by letter: a catalogue bug
        safe_kind = re.sub(r"[^a-z0-9_]+", "_", kind.strip().lower()).strip("_") or "unknown"
        supports, strength = MARKER_SUPPORT.get(safe_kind, (None, None))
        hits = 0
        for marker in patterns or ():
            if hits >= MAX_FINDINGS_PER_MARKER_KIND:
                break
            if not isinstance(marker, str) or not marker:
                continue
            marker = unicodedata.normalize("NFC", marker)
            if marker.startswith("re:"):
                try:
                    found = re.search(marker[3:], text, re.IGNORECASE) is not None
                except re.error:
                    continue  # a broken catalogue regex must not take the probe down
            else:
                found = marker.casefold() in lowered
            if not found:
                continue
            hits += 1
            kinds_hit.add(safe_kind)
            shown = marker if len(marker) <= 80 else marker[:77] + "..."
            findings.append(
                Finding(
                    PROBE,
                    f"marker_{safe_kind}",
                    f"The page contains the platform's '{safe_kind}' marker {shown!r}.",
                    supports,
                    strength,
                )
            )
    return findings, kinds_hit


# ---------------------------------------------------------------------------------------------
# Wording patterns (English and French; accents optional because pages often drop them)
# ---------------------------------------------------------------------------------------------

_I = re.IGNORECASE
_CODEC_LURE = (
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

# Words that tie a download to "the video" (or say plainly that it is one): they make a lure strong.
_LURE_WORDS = re.compile(
    r"\b(watch|voir|regarde[rz]?|view|play|lire|vid[ée]os?|clips?|films?|full|compl[eè]te?|"
    r"hd|codecs?|player|lecteur|private|priv[ée]e?|leak|sextape|nude|nue?s?)\b",
    _I,
)
_DOWNLOAD_WORDS = re.compile(r"\b(download|t[ée]l[ée]charge[rz]?|install|installe[rz]?)\b", _I)
_RISKY_EXTENSIONS = (
    ".exe", ".scr", ".apk", ".msi", ".dmg", ".bat", ".cmd", ".js", ".jar", ".vbs", ".ps1",
    ".zip", ".rar", ".7z", ".iso",
)  # fmt: skip
# Files that run on Windows the moment they are opened: no video page has a reason to offer them.
_EXECUTABLE_EXTENSIONS = (".exe", ".scr", ".msi", ".bat", ".cmd", ".js", ".jar", ".vbs", ".ps1")

_BRANDS = (
    "youtube", "google", "gmail", "facebook", "instagram", "snapchat", "microsoft", "outlook",
    "hotmail", "apple", "icloud", "tiktok", "twitter", "whatsapp", "messenger", "onlyfans",
    "pornhub", "xvideos", "dailymotion", "vimeo", "telegram", "discord", "paypal", "netflix",
)  # fmt: skip
_BRAND_RE = "(" + "|".join(_BRANDS) + ")"
_BRAND_CLAIM_TEXT = re.compile(
    r"\b(sign\s*in|log\s*in|login|connexion|se\s+connecter|connectez[-\s]vous|identifiez[-\s]vous)"
    r"\s+(to|on|at|into|[àa]|sur)?\s*(your\s+|votre\s+)?(account\s+|compte\s+)?" + _BRAND_RE + r"\b"
    r"|\b" + _BRAND_RE + r"\s+(account|compte|login|sign\s*in|connexion)\b"
    r"|\bcompte\s+" + _BRAND_RE + r"\b",
    _I,
)
# A title segment that *is* the platform: "YouTube", "Google Accounts", "Compte Microsoft".
_BRAND_IDENTITY = re.compile(
    r"(?:(?:compte|connexion|log\s*in|sign\s*in)\s+(?:[àa]\s+|to\s+)?)?"
    + _BRAND_RE
    + r"(?:\s+(?:accounts?|login|log\s*in|sign\s*in|connexion|compte|mail))?",
    _I,
)
_BRAND_WORD = re.compile(r"\b" + _BRAND_RE + r"\b", _I)
_CARD_FIELD = re.compile(
    r"cc-?(number|num|csc|exp)|card.?num|num[ée]ro.{0,5}carte|carte.{0,5}(bancaire|cr[ée]dit)|"
    r"credit.?card|\bcvv2?\b|\bcvc\b|\bcsc\b|cryptogramme|expir",
    _I,
)

# Cryptocurrency addresses. Legacy BTC and Tron are base58check and bech32 has its own checksum,
# so random IDs in page text do not pass; Ethereum and Monero are matched by shape only.
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WALLET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bitcoin", re.compile(r"(?<![A-Za-z0-9])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![A-Za-z0-9])")),
    ("bitcoin", re.compile(r"(?<![A-Za-z0-9])bc1[ac-hj-np-z02-9]{8,87}(?![A-Za-z0-9])", _I)),
    ("ethereum", re.compile(r"(?<![A-Za-z0-9])0x[0-9a-fA-F]{40}(?![A-Za-z0-9])")),
    ("monero", re.compile(r"(?<![A-Za-z0-9])[48][1-9A-HJ-NP-Za-km-z]{94}(?![A-Za-z0-9])")),
    ("tron", re.compile(r"(?<![A-Za-z0-9])T[1-9A-HJ-NP-Za-km-z]{33}(?![A-Za-z0-9])")),
)
_PAYMENT_WORDS = re.compile(
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

# Navigation written by an inline script: `location = "..."`, `location.replace("...")`, ...
_JS_NAVIGATE = re.compile(
    r"""(?:location(?:\.href)?\s*=(?!=)\s*|location\.(?:replace|assign)\s*\(\s*)"""
    r"""(["'`])([^"'`\s]{1,2048})\1""",
    _I,
)
# Popups are common ad behaviour, so they only count when they hand over a file.
_JS_OPEN = re.compile(r"""window\.open\s*\(\s*(["'`])([^"'`\s]{1,2048})\1""", _I)
_JS_LOCATION_WRITE = re.compile(
    r"location(?:\.href)?\s*=(?!=)|location\.(?:replace|assign)\s*\(|window\.open\s*\(", _I
)
# A navigation whose target is computed by a decoder: the page hides where it sends people.
_JS_HIDDEN_NAVIGATE = re.compile(
    r"(?:location(?:\.href)?\s*=(?!=)|location\.(?:replace|assign)\s*\()[^;\n]{0,200}?"
    r"\b(?:atob|String\.fromCharCode|unescape|decodeURIComponent|eval)\s*\(",
    _I,
)
# Player libraries and stream files named in the page: a video may be built by script.
_SCRIPT_PLAYER_HINT = re.compile(
    r"jwplayer|videojs|video\.js|hls(?:\.min)?\.js|\bplyr\b|flowplayer|clappr|shaka-player|"
    r"dash(?:\.all)?(?:\.min)?\.js|mediaelement|\.m3u8\b|\.mpd\b",
    _I,
)
_JS_QUOTED_MEDIA = re.compile(
    r"""(["'`])((?:https?:)?//[^"'`\s]{1,2048}?\.(?:mp4|m3u8|webm|mpd)(?:\?[^"'`\s]*)?)\1""",
    _I,
)
_JS_QUOTED_FILE = re.compile(
    r"""(["'`])([^"'`\s]{1,2048}?\.(?:exe|scr|apk|msi|dmg|bat|cmd|jar|vbs|ps1|zip|rar|7z|iso)"""
    r"""(?:\?[^"'`\s]*)?)\1""",
    _I,
)
_META_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\">\s]+)", _I)
_NOSCRIPT_JS = re.compile(r"javascript|\bjs\b", _I)


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


def _wallets(text: str) -> list[str]:
    """Kinds of wallet addresses found in `text`, in order, with checksums verified where we can."""
    kinds: list[str] = []
    for kind, pattern in _WALLET_PATTERNS:
        for match in pattern.finditer(text):
            candidate = match.group(0)
            if kind == "bitcoin" and candidate[:3].lower() == "bc1":
                ok = _bech32_ok(candidate)
            elif kind in ("bitcoin", "tron"):
                ok = _base58check_ok(candidate)
            elif kind == "ethereum":
                # Forty decimal digits after 0x is a number in a table, not an address.
                ok = not candidate[2:].isdigit()
            else:
                ok = True
            if ok:
                kinds.append(kind)
                break
    return kinds


# ---------------------------------------------------------------------------------------------
# Page traversal
# ---------------------------------------------------------------------------------------------

_JS_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})
_NOT_TEXT = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
_INVISIBLE_PARENTS = frozenset({"script", "style", "noscript", "template", "head", "title"})


@dataclass
class _Scan:
    """Everything one iterative pass over the tree collects."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    videos: list[Tag] = field(default_factory=list)
    sources: list[Tag] = field(default_factory=list)
    iframes: list[Tag] = field(default_factory=list)
    links: list[Tag] = field(default_factory=list)
    forms: list[Tag] = field(default_factory=list)
    inputs: list[Tag] = field(default_factory=list)
    images: list[Tag] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)
    microdata_video: list[Tag] = field(default_factory=list)
    noscript_text: list[str] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)
    visible_len: int = 0
    script_len: int = 0
    attribute_text: list[str] = field(default_factory=list)  # button values, clipboard data


def _attr(tag: Tag, name: str) -> str | None:
    value = tag.get(name)
    if isinstance(value, list):  # class-like multi-valued attributes
        value = " ".join(value)
    return value if isinstance(value, str) else None


def _scan(soup: BeautifulSoup) -> _Scan:
    scan = _Scan()
    for node in soup.descendants:  # iterative: safe on 100k nested elements
        if isinstance(node, NavigableString):
            parent = node.parent.name if node.parent is not None else ""
            text = str(node)
            if parent == "script":
                scan.script_len += len(text)
                continue
            if parent == "title":
                # Only the document's title: an <svg><title> in the body names an icon.
                grandparent = node.parent.parent
                if grandparent is None or grandparent.name in ("head", "html", "[document]"):
                    scan.titles.append(text)
                continue
            if parent == "noscript":
                scan.noscript_text.append(text[:1000])
                continue
            if parent in _INVISIBLE_PARENTS or isinstance(node, _NOT_TEXT):
                continue
            if scan.visible_len < MAX_VISIBLE_CHARS and text.strip():
                scan.visible.append(text)
                scan.visible_len += len(text)
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name == "meta":
            key = (_attr(node, "property") or _attr(node, "name") or "").strip().lower()
            content = _attr(node, "content")
            if key and content is not None:
                scan.metas.setdefault(key, []).append(content)
            if (_attr(node, "http-equiv") or "").strip().lower() == "refresh" and content:
                scan.metas.setdefault("http-equiv:refresh", []).append(content)
        elif name == "video":
            scan.videos.append(node)
        elif name == "source":
            scan.sources.append(node)
        elif name in ("iframe", "frame", "embed"):
            scan.iframes.append(node)
        elif name in ("a", "area"):
            scan.links.append(node)
        elif name == "form":
            scan.forms.append(node)
        elif name in ("input", "select", "textarea", "button"):
            scan.inputs.append(node)
            for attr in ("value", "placeholder", "aria-label", "data-clipboard-text"):
                value = _attr(node, attr)
                if value and len(scan.attribute_text) < 2000:
                    scan.attribute_text.append(value[:500])
        elif name == "img":
            scan.images.append(node)
        elif name == "script":
            kind = (_attr(node, "type") or "").strip().lower()
            body = node.string or ""
            if kind == "application/ld+json":
                if len(body) <= MAX_JSONLD_CHARS:
                    scan.jsonld.append(body)
            elif kind in _JS_TYPES and body and not node.get("src"):
                scan.scripts.append(body)
        if name != "meta" and "VideoObject" in (_attr(node, "itemtype") or ""):
            scan.microdata_video.append(node)
        for attr in ("data-clipboard-text", "data-address", "data-wallet"):
            value = _attr(node, attr)
            if value and name not in ("input", "select", "textarea", "button"):
                scan.attribute_text.append(value[:500])
    return scan


def _iter_json(root: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside a JSON value, iteratively (JSON-LD nests via @graph, lists, mainEntity)."""
    stack = [root]
    seen = 0
    while stack and seen < 10_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _is_video_object(node: Mapping[str, Any]) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "VideoObject" for k in kinds)


def _json_urls(value: Any) -> Iterable[str]:
    """contentUrl/embedUrl may be a string, a list, or an object with @id/url."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key in ("@id", "url"):
                if isinstance(item.get(key), str):
                    yield item[key]


def _clean_title(raw: str | None) -> str | None:
    if not raw:
        return None
    title = _CONTROL_CHARS.sub("", " ".join(raw.split()))
    return title[:TITLE_MAX_CHARS] or None


def _risky_file(url: str) -> str | None:
    """The risky extension a URL delivers (path, or a query value such as ?file=x.exe)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    candidates = [unquote(parts.path)]
    candidates += [v for _, v in parse_qsl(parts.query, keep_blank_values=False)][:20]
    for candidate in candidates:
        lowered = candidate.strip().lower().rstrip("/")
        for ext in _RISKY_EXTENSIONS:
            if lowered.endswith(ext) and len(lowered) > len(ext):
                return ext
    return None


def _double_extension(url: str) -> bool:
    """ "video.mp4.exe": a classic disguise, never innocent."""
    path = unquote(urlsplit(url).path).lower()
    return bool(re.search(r"\.(mp4|avi|mov|mkv|webm|wmv|jpg|jpeg|png|pdf)\.[a-z0-9]{2,4}$", path))


def _text_of(tag: Tag, limit: int = 500) -> str:
    """Text inside a small element, iteratively and capped (links and buttons are small)."""
    parts: list[str] = []
    size = 0
    for node in tag.descendants:
        if isinstance(node, NavigableString):
            parts.append(str(node))
            size += len(parts[-1])
            if size >= limit:
                break
    return " ".join(" ".join(parts).split())[:limit]


# ---------------------------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------------------------


class _Builder:
    """Accumulates findings and URLs with dedup and caps, so the rules below stay readable."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.media: list[tuple[int, str]] = []
        self.embeds: list[tuple[int, str]] = []
        self.codes: set[str] = set()

    def add(
        self,
        code: str,
        detail: str,
        supports: Verdict | None = None,
        strength: Strength | None = None,
        *,
        once: bool = True,
    ) -> None:
        if once and code in self.codes:
            return
        self.codes.add(code)
        self.findings.append(Finding(PROBE, code, detail, supports, strength))

    # Candidates kept before ranking: enough to rank well, few enough that 80k <source> tags
    # cost nothing.
    _CANDIDATES = 50

    def media_url(self, rank: int, url: str) -> None:
        if len(self.media) < self._CANDIDATES and url not in (u for _, u in self.media):
            self.media.append((rank, url))

    def embed_url(self, rank: int, url: str) -> None:
        if len(self.embeds) < self._CANDIDATES and url not in (u for _, u in self.embeds):
            self.embeds.append((rank, url))


def _host_phrase(url: str | None) -> str:
    host = _host(url) if url else None
    return f" (host {host})" if host else ""


def analyse_page(
    html: bytes | str,
    base_url: str,
    markers: Mapping[str, Sequence[str]] | None = None,
    *,
    max_bytes: int = 2_000_000,
    claimed_platform_allowed: bool = False,
    same_owner: Callable[[str], bool] | None = None,
) -> PageAnalysis:
    """Analyse page bytes already fetched by the gate. Never raises.

    `claimed_platform_allowed`: the lead sets it when the page is served by the real host of the
    platform it names (then a login form naming that platform is just its login page).
    `same_owner(host)`: True when `host` belongs to the same platform as the page (x.com and
    twitter.com): a platform's own redirect scripts between its own hosts are never a trap.
    """
    try:
        return _analyse(html, base_url, markers, max_bytes, claimed_platform_allowed, same_owner)
    except Exception:  # last resort: the probe must answer "unknown", never crash
        return PageAnalysis(
            findings=[
                Finding(PROBE, "page_unreadable", "The page could not be analysed.", None, None)
            ]
        )


def _analyse(
    html: bytes | str,
    base_url: str,
    markers: Mapping[str, Sequence[str]] | None,
    max_bytes: int,
    claimed_platform_allowed: bool,
    same_owner: Callable[[str], bool] | None = None,
) -> PageAnalysis:
    out = _Builder()
    base_url = base_url if isinstance(base_url, str) else ""
    base_host = _host(base_url) or ""
    text, truncated = _decode(html, max_bytes)
    # Catalogue markers are NFC ("vidéo" as one code point); some pages send decomposed accents.
    text = unicodedata.normalize("NFC", text)
    if truncated:
        unit = "characters" if isinstance(html, str) else "bytes"
        out.add(
            "page_truncated_for_analysis",
            f"Only the first {max_bytes} {unit} of the page were analysed.",
        )

    marker_findings, marker_kinds = _marker_findings(text, markers)

    if _looks_binary(text):
        # Not HTML (perhaps the media itself, mislabelled): say so and claim nothing else.
        out.add("page_not_html", "The response does not look like an HTML page.")
        out.findings.extend(marker_findings)
        return PageAnalysis(findings=out.findings)

    # lxml rejects NUL and some control characters; they carry no meaning in HTML.
    try:
        soup = BeautifulSoup(_CONTROL_CHARS.sub(" ", text), "lxml")
        scan = _scan(soup)
    except Exception:  # a parser failure degrades to "page_unreadable"
        out.add("page_unreadable", "The page markup could not be parsed.")
        out.findings.extend(marker_findings)
        return PageAnalysis(findings=out.findings)

    visible = " ".join(" ".join(scan.visible).split())
    metas = scan.metas

    def meta(*keys: str) -> list[str]:
        return [v for k in keys for v in metas.get(k, [])]

    # ---- title -------------------------------------------------------------------------------
    title = _clean_title(next(iter(meta("og:title")), None)) or _clean_title(" ".join(scan.titles))

    # ---- video evidence ----------------------------------------------------------------------
    video_codes: list[str] = []
    og_type = next(iter(meta("og:video:type")), None)
    for raw in meta("og:video", "og:video:url", "og:video:secure_url"):
        url = _resolve(raw, base_url)
        if not url:
            continue
        video_codes.append("og_video")
        out.add("og_video", f"The page declares an Open Graph video{_host_phrase(url)}.")
        if _is_player_url(url) or (og_type or "").strip().lower() in ("text/html",):
            out.embed_url(1, url)
        elif (og_type or "").lower().find("flash") < 0:
            out.media_url(0, url)

    for raw in meta("twitter:player:stream"):
        url = _resolve(raw, base_url)
        if url:
            video_codes.append("twitter_player")
            out.media_url(1, url)
            out.add("twitter_player", f"The page declares a Twitter player{_host_phrase(url)}.")
    for raw in meta("twitter:player"):
        url = _resolve(raw, base_url)
        if url:
            video_codes.append("twitter_player")
            out.embed_url(2, url)
            out.add("twitter_player", f"The page declares a Twitter player{_host_phrase(url)}.")

    for video in scan.videos[:MAX_ELEMENTS]:
        video_codes.append("video_element")
        out.add("video_element", "The page contains a video element.")
        url = _resolve(_attr(video, "src"), base_url)
        if url:
            out.media_url(2, url)

    for source in scan.sources[:MAX_ELEMENTS]:
        mime = _attr(source, "type")
        in_video = source.parent is not None and source.parent.name == "video"
        url = _resolve(_attr(source, "src"), base_url)
        if not (in_video or (url and _looks_like_media(url, mime))):
            continue  # <picture><source> is an image, <audio><source> is sound
        video_codes.append("video_source")
        out.add("video_source", "The page contains a video source element.")
        if url:
            out.media_url(3, url)

    for body in scan.jsonld:
        try:
            document = json.loads(body, strict=False)
        except (ValueError, RecursionError):
            continue
        for node in _iter_json(document):
            if not _is_video_object(node):
                continue
            video_codes.append("jsonld_video")
            out.add("jsonld_video", "The page describes a video in structured data (JSON-LD).")
            for raw in _json_urls(node.get("contentUrl")):
                if url := _resolve(raw, base_url):
                    out.media_url(4, url)
            for raw in _json_urls(node.get("embedUrl")):
                if url := _resolve(raw, base_url):
                    out.embed_url(3, url)

    for item in scan.microdata_video[:MAX_ELEMENTS]:
        video_codes.append("microdata_video")
        out.add("microdata_video", "The page describes a video in structured data (microdata).")
        for prop in item.find_all(attrs={"itemprop": True}, limit=50):
            name = (_attr(prop, "itemprop") or "").strip()
            raw = _attr(prop, "content") or _attr(prop, "href") or _attr(prop, "src")
            url = _resolve(raw, base_url)
            if url and name == "contentUrl":
                out.media_url(4, url)
            elif url and name == "embedUrl":
                out.embed_url(3, url)

    for frame in scan.iframes[:MAX_ELEMENTS]:
        raw = _attr(frame, "src") or _attr(frame, "data-src") or _attr(frame, "data-lazy-src")
        url = _resolve(raw, base_url)
        if url and _is_player_url(url):
            video_codes.append("embedded_player")
            out.embed_url(0, url)
            out.add(
                "embedded_player",
                f"The page embeds a video player of a known platform{_host_phrase(url)}.",
            )

    # Players assembled by script (common on small hosts) leave only library names and stream
    # URLs behind; they are enough to forbid a "no video" finding.
    if _SCRIPT_PLAYER_HINT.search(text):
        video_codes.append("script_player")
        out.add("script_player", "A script on the page loads a video player or a video stream.")
        for script in scan.scripts[:200]:
            for match in _JS_QUOTED_MEDIA.finditer(script[:200_000]):
                if url := _resolve(match.group(2), base_url):
                    out.media_url(5, url)

    # A direct media URL is only a weak hint: the lead's media probe decides if it plays.
    if out.media:
        out.add(
            "direct_media_url",
            "The page points to a video file that may be playable.",
            Verdict.PUBLIC,
            Strength.WEAK,
        )

    # ---- traps -------------------------------------------------------------------------------
    trap = False
    trap |= _download_lure(out, scan, base_url, visible)
    if any(p.search(visible) for p in _CODEC_LURE) or any(
        p.search(" ".join(scan.attribute_text)) for p in _CODEC_LURE
    ):
        trap = True
        out.add(
            "codec_lure",
            "The page asks to install or update a codec, player or plugin to watch: "
            "a common way to deliver malware.",
            Verdict.SUSPICIOUS,
            Strength.STRONG,
        )
    phishing = _phishing(out, scan, metas, visible, claimed_platform_allowed)
    trap |= phishing
    trap |= _payment_demand(out, visible + " " + " ".join(scan.attribute_text))
    trap |= _obfuscated_redirect(out, scan, base_host, same_owner)

    has_video = bool(video_codes) or bool(marker_kinds & _VIDEO_MARKER_KINDS)

    # ---- login wall --------------------------------------------------------------------------
    has_password = any((_attr(i, "type") or "").strip().lower() == "password" for i in scan.inputs)
    login_wall = has_password and not has_video and not phishing
    if login_wall:
        out.add(
            "login_wall",
            "The page shows a sign-in form and no video.",
            Verdict.LOGIN_REQUIRED,
            Strength.MEDIUM,
        )

    # ---- no video / JS shell -----------------------------------------------------------------
    if not has_video and not trap and not login_wall and not marker_kinds:
        noscript = " ".join(scan.noscript_text)
        shell = len(visible) < SHELL_TEXT_CHARS and (
            bool(_NOSCRIPT_JS.search(noscript))
            or scan.script_len > 5 * max(len(visible), 1)
            or len(scan.scripts) >= 3
        )
        if shell:
            out.add(
                "js_shell",
                "The page is built by JavaScript; its content cannot be read without running it.",
            )
        elif len(visible) < 20:
            out.add("page_nearly_empty", "The page is almost empty.")
        else:
            # A cut page may hold the video after the cut: then it is only a weak hint.
            out.add(
                "no_video_evidence",
                "The page shows no video, video player or video description.",
                Verdict.NO_VIDEO,
                Strength.WEAK if truncated else Strength.MEDIUM,
            )

    out.findings.extend(marker_findings)
    media = [u for _, u in sorted(out.media, key=lambda item: item[0])][:MAX_MEDIA_URLS]
    embeds = [u for _, u in sorted(out.embeds, key=lambda item: item[0])][:MAX_EMBED_URLS]
    return PageAnalysis(out.findings, media, embeds, has_video, title)


def _download_lure(out: _Builder, scan: _Scan, base_url: str, visible: str) -> bool:
    """Links, forms, refreshes and scripts that hand over a program or an archive."""
    # (url, wording around it, delivered without a click)
    targets: list[tuple[str, str, bool]] = []
    for link in scan.links[:5000]:
        url = _resolve(_attr(link, "href"), base_url)
        if url:
            wording = " ".join(
                filter(
                    None,
                    [
                        _text_of(link),
                        _attr(link, "title"),
                        _attr(link, "aria-label"),
                        _attr(link, "download"),
                    ],
                )
            )
            targets.append((url, wording, False))
    for form in scan.forms[:500]:
        url = _resolve(_attr(form, "action"), base_url)
        if url:
            targets.append((url, _text_of(form), False))
    for content in scan.metas.get("http-equiv:refresh", []):
        match = _META_REFRESH_URL.search(content)
        if match and (url := _resolve(match.group(1), base_url)):
            targets.append((url, "", True))
    for frame in scan.iframes[:MAX_ELEMENTS]:
        url = _resolve(_attr(frame, "src"), base_url)
        if url:
            targets.append((url, "", True))
    for script in scan.scripts[:200]:
        for pattern in (_JS_NAVIGATE, _JS_OPEN):
            for match in pattern.finditer(script[:200_000]):
                if url := _resolve(match.group(2), base_url):
                    targets.append((url, "", True))
        for match in _JS_QUOTED_FILE.finditer(script[:200_000]):
            if url := _resolve(match.group(2), base_url):
                # A file name in a script only lures if the script navigates or downloads.
                auto = bool(_JS_LOCATION_WRITE.search(script)) or "download" in script.lower()
                if auto:
                    targets.append((url, "", True))

    best: tuple[Strength, str, str] | None = None
    count = 0
    page_lure = bool(_LURE_WORDS.search(visible[:20_000]))
    for url, wording, auto in targets:
        ext = _risky_file(url)
        if not ext:
            continue
        count += 1
        file_name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        around = f"{wording} {file_name}"
        lure_text = bool(_LURE_WORDS.search(around))
        executable_offer = ext in _EXECUTABLE_EXTENSIONS and (
            bool(_DOWNLOAD_WORDS.search(around)) or page_lure
        )
        strong = auto or lure_text or executable_offer or _double_extension(url)
        strength = Strength.STRONG if strong else Strength.MEDIUM
        why = (
            "delivered automatically"
            if auto
            else "with wording about the video"
            if lure_text
            else "offered for download"
        )
        if best is None or strength > best[0]:
            best = (strength, ext, f"{why}{_host_phrase(url)}")
    if best is None:
        return False
    strength, ext, why = best
    more = f" ({count} such links)" if count > 1 else ""
    out.add(
        "download_lure",
        f"The page offers a {ext} file, {why}{more}: opening it could install malware.",
        Verdict.SUSPICIOUS,
        strength,
    )
    return True


def _field_label(tag: Tag) -> str:
    names = ("name", "id", "autocomplete", "placeholder", "aria-label")
    return " ".join(v for v in (_attr(tag, n) for n in names) if v)


def _phishing(
    out: _Builder,
    scan: _Scan,
    metas: Mapping[str, list[str]],
    visible: str,
    claimed_platform_allowed: bool,
) -> bool:
    card = any(
        _CARD_FIELD.search(_field_label(i))
        for i in scan.inputs
        if (_attr(i, "type") or "text").strip().lower() not in ("hidden", "submit", "button")
    )
    if card:
        out.add(
            "phishing_form",
            "The page has a form asking for a payment card number.",
            Verdict.SUSPICIOUS,
            Strength.STRONG,
        )
        return True
    has_password = any((_attr(i, "type") or "").strip().lower() == "password" for i in scan.inputs)
    if not has_password or claimed_platform_allowed:
        return False
    # The brand must be claimed by the page's identity (title, site name, a logo inside the form)
    # or by sign-in wording. "Sign in with Google" (an OAuth button) or a "Share on Facebook"
    # icon on someone's own site is not a claim, nor is a video title that names YouTube.
    brand_name = None
    # Only the document title and site name: og:title is the *video's* title, and a re-upload
    # called "YouTube Rewind" is not a claim to be YouTube.
    for name in [" ".join(scan.titles), *metas.get("og:site_name", [])]:
        for segment in re.split(r"\s[-|\u2013\u2014\u00b7:]\s|\s*[|\u00b7]\s*", name):
            match = _BRAND_IDENTITY.fullmatch(segment.strip())
            if match:
                brand_name = match.group(1)
                break
        if brand_name:
            break
    if not brand_name:
        for form in scan.forms[:50]:
            for img in form.find_all(["img", "svg"], limit=20):
                found = _BRAND_WORD.search(
                    " ".join(
                        filter(
                            None,
                            [
                                _attr(img, "alt"),
                                _attr(img, "src"),
                                _attr(img, "aria-label"),
                                _attr(img, "class"),
                            ],
                        )
                    )
                )
                if found:
                    brand_name = found.group(1)
                    break
            if brand_name:
                break
    if not brand_name:
        claim = _BRAND_CLAIM_TEXT.search(visible[:50_000])
        if claim:
            brand_name = next((g for g in claim.groups() if g and g.lower() in _BRANDS), None)
    if not brand_name:
        return False
    out.add(
        "phishing_form",
        f"The page asks for a password while presenting itself as {_brand_label(brand_name)}, "
        "but it is not served by that platform.",
        Verdict.SUSPICIOUS,
        Strength.STRONG,
    )
    return True


def _brand_label(name: str) -> str:
    labels = {
        "youtube": "YouTube",
        "tiktok": "TikTok",
        "icloud": "iCloud",
        "whatsapp": "WhatsApp",
        "onlyfans": "OnlyFans",
        "paypal": "PayPal",
        "xvideos": "XVideos",
    }
    return labels.get(name.lower(), name.capitalize())


def _payment_demand(out: _Builder, text: str) -> bool:
    wallets = _wallets(text)
    if wallets:
        kinds = ", ".join(dict.fromkeys(wallets))
        if _PAYMENT_WORDS.search(text):
            out.add(
                "payment_demand",
                f"The page shows a cryptocurrency address ({kinds}) with payment wording.",
                Verdict.SUSPICIOUS,
                Strength.STRONG,
            )
        else:
            out.add(
                "payment_demand",
                f"The page shows a cryptocurrency address ({kinds}).",
                Verdict.SUSPICIOUS,
                Strength.MEDIUM,
            )
        return True
    # Without a wallet, an amount is a demand only with ransom wording, or an order to pay
    # through a channel blackmailers use; "Bitcoin hits $60,000" in an article is neither.
    for index, match in enumerate(_AMOUNT.finditer(text)):
        if index >= 500:
            break
        window = text[max(0, match.start() - 120) : match.end() + 120]
        # The order to pay must lead to the amount in the same sentence ("send $800 in BTC"),
        # not merely share a paragraph with it ("bitcoin at $60,000; investors pay attention").
        lead_in = re.split(r"[.!?;]", text[max(0, match.start() - 50) : match.start()])[-1]
        if _RANSOM_WORDS.search(window) or (
            _PAY_IMPERATIVE.search(lead_in) and _PAY_CHANNEL.search(window)
        ):
            out.add(
                "payment_demand",
                "The page demands a payment of an amount.",
                Verdict.SUSPICIOUS,
                Strength.MEDIUM,
            )
            return True
    return False


def _obfuscated_redirect(
    out: _Builder, scan: _Scan, base_host: str, same_owner: Callable[[str], bool] | None
) -> bool:
    for script in scan.scripts[:200]:
        head = script[:200_000]
        for match in _JS_NAVIGATE.finditer(head):
            target = _host(match.group(2)) if "//" in match.group(2) else None
            if (
                target
                and base_host
                and not _same_site(target, base_host)
                and not (same_owner is not None and same_owner(target))
            ):
                out.add(
                    "obfuscated_redirect",
                    f"A script on the page sends the visitor to another site (host {target}).",
                    Verdict.SUSPICIOUS,
                    Strength.MEDIUM,
                )
                return True
        if _JS_HIDDEN_NAVIGATE.search(head):
            out.add(
                "obfuscated_redirect",
                "A script on the page sends the visitor to an address it hides.",
                Verdict.SUSPICIOUS,
                Strength.MEDIUM,
            )
            return True
    return False
