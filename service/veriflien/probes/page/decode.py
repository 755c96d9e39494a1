"""Page bytes to text: the one place that decides how a page is decoded.

Kept in its own module with a narrow contract, `decode(html, max_bytes) -> (text, truncated)`, so
that a WHATWG-conformant decoder (BOM, then the Content-Type charset, then the <meta> prescan, with
the Encoding Standard's labels) can replace it in one line. Never raises: broken bytes become
U+FFFD, unknown labels fall back to UTF-8.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.I
)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The same characters as bytes: in UTF-8 they never occur inside a multi-byte sequence, so the
# encoded page can be cleaned with one bytes.translate (a table lookup per byte) before lxml.
CONTROL_BYTES = bytes(
    b if not (b <= 0x08 or b == 0x0B or 0x0E <= b <= 0x1F or b == 0x7F) else 0x20
    for b in range(256)
)


def decode(html: bytes | str | Any, max_bytes: int) -> tuple[str, bool]:
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
    encoding = "utf-8"
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            encoding = name
            break
    else:
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared = match.group(1).decode("ascii", "ignore").lower()
            try:
                encoding = codecs.lookup(declared).name
            except LookupError:
                encoding = "utf-8"
            # A page declaring UTF-16 in an ASCII meta tag is lying; UTF-8 is the safe reading.
            if encoding.startswith("utf-16") or encoding.startswith("utf-32"):
                encoding = "utf-8"
            # Browsers read Latin-1 and ASCII declarations as Windows-1252 (WHATWG Encoding).
            if encoding in ("latin-1", "iso8859-1", "ascii"):
                encoding = "cp1252"
    if encoding in ("utf-8", "utf-8-sig"):
        return _decode_utf8(data), truncated
    try:
        # An incremental decoder tolerates a character cut in half by the truncation.
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        return decoder.decode(data, final=False), truncated
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1"), truncated  # maps every byte: never fails


def _decode_utf8(data: bytes) -> str:
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=False)
    except UnicodeDecodeError:
        pass
    # A few bad bytes in a UTF-8 page must not turn every accent into mojibake (French markers
    # would stop matching); a page where most high bytes are invalid UTF-8 is a legacy page.
    text = data.decode("utf-8-sig", "replace")
    high_bytes = len(data) - len(data.translate(None, bytes(range(128))))
    if text.count("\ufffd") <= max(2, high_bytes // 20):
        return text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return text


def looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    # HTML has no use for C0 control characters; media files and archives are full of them.
    bad = sample.count("\ufffd") + len(CONTROL_CHARS.findall(sample))
    return bad / len(sample) > 0.05
