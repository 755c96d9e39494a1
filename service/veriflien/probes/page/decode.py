"""Page bytes to text: the one place that decides how a page is decoded.

A narrow contract, `decode(html, max_bytes, content_type) -> (text, truncated)`, over the
WHATWG-conformant decoder of net/encoding.py (BOM, then the Content-Type charset, then the <meta>
prescan, with the Encoding Standard's labels only). Never raises: broken bytes become U+FFFD,
unknown labels are ignored as browsers ignore them.
"""

from __future__ import annotations

import re
from typing import Any

from veriflien.net.encoding import decode_html

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The same characters as bytes: in UTF-8 they never occur inside a multi-byte sequence, so the
# encoded page can be cleaned with one bytes.translate (a table lookup per byte) before lxml.
CONTROL_BYTES = bytes(
    b if not (b <= 0x08 or b == 0x0B or 0x0E <= b <= 0x1F or b == 0x7F) else 0x20
    for b in range(256)
)


def decode(
    html: bytes | str | Any, max_bytes: int, content_type: str | None = None
) -> tuple[str, bool]:
    """Text to analyse and whether it was cut. Never raises; broken bytes become U+FFFD.

    Bytes are decoded as browsers decode them (net/encoding.py: BOM, the HTTP charset, the
    <meta> prescan with WHATWG labels only, a UTF-8 sniff, windows-1252): a page cannot hide a
    trap behind a charset label browsers ignore (`punycode`, `zlib`, `rot13`...)."""
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
    return decode_html(html[:max_bytes], content_type), truncated


def looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    # HTML has no use for C0 control characters; media files and archives are full of them.
    bad = sample.count("\ufffd") + len(CONTROL_CHARS.findall(sample))
    return bad / len(sample) > 0.05
