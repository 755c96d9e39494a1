"""Pages built to harm the person who opens them: download lures, codec lures, phishing forms,
payment demands and script redirects to another site.

A trap is SUSPICIOUS evidence, and a normal page must not look like one: an app-store link, a
"Sign in with Google" button, an article about bitcoin or about media players are not traps. The
tests in tests/unit/test_page_analysis.py pin both sides.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

from veriflien.probes.page.evidence import resolve, same_site
from veriflien.probes.page.report import Builder, host_of, host_phrase
from veriflien.probes.page.scan import MAX_ELEMENTS, Element, Scan, attr, text_of
from veriflien.probes.page.scripts import ScriptFacts
from veriflien.probes.page.wording import Wording
from veriflien.result import Strength, Verdict

_I = re.IGNORECASE
_RISKY_EXTENSIONS = (
    ".exe", ".scr", ".apk", ".msi", ".dmg", ".bat", ".cmd", ".js", ".jar", ".vbs", ".ps1",
    ".zip", ".rar", ".7z", ".iso",
)  # fmt: skip
# Files that run on Windows the moment they are opened: no video page has a reason to offer them.
_EXECUTABLE_EXTENSIONS = (".exe", ".scr", ".msi", ".bat", ".cmd", ".js", ".jar", ".vbs", ".ps1")
# A link can only deliver a risky file if its href names an extension, may hide one behind
# percent-encoding, or reuses the page's own path (empty, "?x", "#x"): the others are not
# resolved at all, so 5,000 ordinary links cost 5,000 short regex calls.
_MAYBE_RISKY = re.compile(r"%|\.(?:exe|scr|apk|msi|dmg|bat|cmd|js|jar|vbs|ps1|zip|rar|7z|iso)", _I)
_DOUBLE_EXTENSION = re.compile(r"\.(mp4|avi|mov|mkv|webm|wmv|jpg|jpeg|png|pdf)\.[a-z0-9]{2,4}$")
_META_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\">\s]+)", _I)

# Words that tie a download to "the video" (or say plainly that it is one): they make a lure strong.
_LURE_WORDS = re.compile(
    r"\b(watch|voir|regarde[rz]?|view|play|lire|vid[ée]os?|clips?|films?|full|compl[eè]te?|"
    r"hd|codecs?|player|lecteur|private|priv[ée]e?|leak|sextape|nude|nue?s?)\b",
    _I,
)
_DOWNLOAD_WORDS = re.compile(r"\b(download|t[ée]l[ée]charge[rz]?|install|installe[rz]?)\b", _I)

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
_TITLE_SEGMENTS = re.compile(r"\s[-|\u2013\u2014\u00b7:]\s|\s*[|\u00b7]\s*")
_CARD_FIELD = re.compile(
    r"cc-?(number|num|csc|exp)|card.?num|num[ée]ro.{0,5}carte|carte.{0,5}(bancaire|cr[ée]dit)|"
    r"credit.?card|\bcvv2?\b|\bcvc\b|\bcsc\b|cryptogramme|expir",
    _I,
)
_BRAND_LABELS = {
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "icloud": "iCloud",
    "whatsapp": "WhatsApp",
    "onlyfans": "OnlyFans",
    "paypal": "PayPal",
    "xvideos": "XVideos",
}


def risky_file(url: str) -> str | None:
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
    return bool(_DOUBLE_EXTENSION.search(unquote(urlsplit(url).path).lower()))


def _maybe_risky(href: str | None, base_is_risky: bool) -> bool:
    if href is None:
        return False
    if _MAYBE_RISKY.search(href):
        return True
    bare = "".join(href.split())
    return base_is_risky and (not bare or bare[0] in "?#")


def download_lure(
    out: Builder, scan: Scan, scripts: Sequence[ScriptFacts], base_url: str, visible: str
) -> bool:
    """Links, forms, refreshes and scripts that hand over a program or an archive."""
    base_is_risky = bool(risky_file(base_url))
    # (url, wording around it, delivered without a click)
    targets: list[tuple[str, str, bool]] = []
    for link in scan.links:
        href = attr(link, "href")
        if not _maybe_risky(href, base_is_risky):
            continue
        url = resolve(href, base_url)
        if url and risky_file(url):
            wording = " ".join(
                filter(
                    None,
                    [
                        text_of(link),
                        attr(link, "title"),
                        attr(link, "aria-label"),
                        attr(link, "download"),
                    ],
                )
            )
            targets.append((url, wording, False))
    for form in scan.forms:
        url = resolve(attr(form, "action"), base_url)
        if url and risky_file(url):
            targets.append((url, text_of(form), False))
    for content in scan.metas.get("http-equiv:refresh", []):
        match = _META_REFRESH_URL.search(content)
        if match and (url := resolve(match.group(1), base_url)):
            targets.append((url, "", True))
    for frame in scan.iframes[:MAX_ELEMENTS]:
        url = resolve(attr(frame, "src"), base_url)
        if url:
            targets.append((url, "", True))
    for facts in scripts:
        for raw in (*facts.navigations, *facts.opens, *facts.files):
            if url := resolve(raw, base_url):
                targets.append((url, "", True))

    best: tuple[Strength, str, str] | None = None
    count = 0
    page_lure: bool | None = None
    for url, wording, auto in targets:
        ext = risky_file(url)
        if not ext:
            continue
        count += 1
        file_name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        around = f"{wording} {file_name}"
        lure_text = bool(_LURE_WORDS.search(around))
        executable_offer = False
        if ext in _EXECUTABLE_EXTENSIONS:
            if page_lure is None:
                page_lure = bool(_LURE_WORDS.search(visible[:20_000]))
            executable_offer = bool(_DOWNLOAD_WORDS.search(around)) or page_lure
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
            best = (strength, ext, f"{why}{host_phrase(url)}")
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


def codec_lure(out: Builder, wording: Wording) -> bool:
    if not wording.codec_lure():
        return False
    out.add(
        "codec_lure",
        "The page asks to install or update a codec, player or plugin to watch: "
        "a common way to deliver malware.",
        Verdict.SUSPICIOUS,
        Strength.STRONG,
    )
    return True


def _field_label(element: Element) -> str:
    names = ("name", "id", "autocomplete", "placeholder", "aria-label")
    return " ".join(v for v in (attr(element, n) for n in names) if v)


def has_password_field(scan: Scan) -> bool:
    return any((attr(i, "type") or "").strip().lower() == "password" for i in scan.inputs)


def phishing(
    out: Builder,
    scan: Scan,
    metas: Mapping[str, list[str]],
    visible: str,
    claimed_platform_allowed: bool,
) -> bool:
    card = any(
        _CARD_FIELD.search(_field_label(i))
        for i in scan.inputs
        if (attr(i, "type") or "text").strip().lower() not in ("hidden", "submit", "button")
    )
    if card:
        out.add(
            "phishing_form",
            "The page has a form asking for a payment card number.",
            Verdict.SUSPICIOUS,
            Strength.STRONG,
        )
        return True
    if not has_password_field(scan) or claimed_platform_allowed:
        return False
    brand_name = _claimed_brand(scan, metas, visible)
    if not brand_name:
        return False
    out.add(
        "phishing_form",
        f"The page asks for a password while presenting itself as "
        f"{_BRAND_LABELS.get(brand_name.lower(), brand_name.capitalize())}, "
        "but it is not served by that platform.",
        Verdict.SUSPICIOUS,
        Strength.STRONG,
    )
    return True


def _claimed_brand(scan: Scan, metas: Mapping[str, list[str]], visible: str) -> str | None:
    """The platform the page claims to be, by its identity (title, site name, a logo inside the
    form) or sign-in wording. "Sign in with Google" (an OAuth button) or a "Share on Facebook"
    icon on someone's own site is not a claim, nor is a video title that names YouTube."""
    # Only the document title and site name: og:title is the *video's* title, and a re-upload
    # called "YouTube Rewind" is not a claim to be YouTube.
    for name in [" ".join(scan.titles), *metas.get("og:site_name", [])]:
        for segment in _TITLE_SEGMENTS.split(name):
            match = _BRAND_IDENTITY.fullmatch(segment.strip())
            if match:
                return match.group(1)
    for form in scan.forms[:50]:
        for img in itertools.islice(form.iter("img", "svg"), 20):
            names = ("alt", "src", "aria-label", "class")
            found = _BRAND_WORD.search(" ".join(v for v in (attr(img, n) for n in names) if v))
            if found:
                return found.group(1)
    claim = _BRAND_CLAIM_TEXT.search(visible[:50_000])
    if claim:
        return next((g for g in claim.groups() if g and g.lower() in _BRANDS), None)
    return None


def payment_demand(out: Builder, wording: Wording) -> Generator[None, None, bool]:
    if wording.wallets:
        kinds = ", ".join(wording.wallets)
        if (yield from wording.payment_words()):
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
    if wording.amount_demand():
        out.add(
            "payment_demand",
            "The page demands a payment of an amount.",
            Verdict.SUSPICIOUS,
            Strength.MEDIUM,
        )
        return True
    return False


def obfuscated_redirect(
    out: Builder,
    scripts: Sequence[ScriptFacts],
    base_host: str,
    same_owner: Callable[[str], bool] | None = None,
) -> bool:
    for facts in scripts:
        for raw in facts.navigations:
            target = host_of(raw) if "//" in raw else None
            if (
                target
                and base_host
                and not same_site(target, base_host)
                # X's own script between x.com and twitter.com is no trap (catalogue hosts).
                and not (same_owner is not None and same_owner(target))
            ):
                out.add(
                    "obfuscated_redirect",
                    f"A script on the page sends the visitor to another site (host {target}).",
                    Verdict.SUSPICIOUS,
                    Strength.MEDIUM,
                )
                return True
        if facts.hidden_navigation:
            out.add(
                "obfuscated_redirect",
                "A script on the page sends the visitor to an address it hides.",
                Verdict.SUSPICIOUS,
                Strength.MEDIUM,
            )
            return True
    return False
