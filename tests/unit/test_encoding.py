"""Pages are decoded the way browsers decode them (net/encoding.py; issue 13, item 1).

A hostile page may declare any charset it likes; what the victim sees is what their browser makes
of it, so the analysis must read the same text. The WHATWG label table, the HTML prescan and the
special cases (UTF-16 and x-user-defined in a <meta>, the replacement encoding, the BOM) are
pinned here; the sweep over every Python codec name proves no such name can hide a trap again.
"""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import pkgutil

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from veriflien.net.encoding import (
    ENCODINGS,
    LABELS,
    decode,
    decode_html,
    html_encoding,
    lookup,
    prescan,
)
from veriflien.net.gate import Response
from veriflien.probes.page_analysis import analyse_page
from veriflien.result import Verdict

TRAP = (
    "<title>YouTube</title></head><body>"
    '<form action="/collect" method="post"><img src="/yt.png" alt="YouTube">'
    "<h1>Sign in</h1><p>to continue to YouTube</p>"
    '<input type="email" name="identifier"><input type="password" name="Passwd">'
    '<button type="submit">Next</button></form>'
    "<p>Send 500 € in Bitcoin (BTC) to 1NmDTVPcUEdwr2jFwh68HyfsbbMPGKB85x within 48 hours or "
    "the video goes to all your contacts.</p>"
    '<a href="/files/video_full_HD.mp4.exe" download>Download the full video</a></body></html>'
)


def _trap(label: str) -> bytes:
    return f'<!doctype html><html><head><meta charset="{label}">{TRAP}'.encode()


def _python_codec_names() -> set[str]:
    """Every name Python's codec registry answers to: aliases, modules, canonical names."""
    names = set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
    names |= {m.name for m in pkgutil.iter_modules(encodings.__path__)}
    found = set()
    for name in names:
        try:
            info = codecs.lookup(name)
        except (LookupError, ValueError, TypeError):
            continue
        found |= {name, name.replace("_", "-"), info.name}
    return found


PYTHON_ONLY = sorted(name for name in _python_codec_names() if lookup(name) is None)


def test_the_sweep_covers_the_labels_of_the_report() -> None:
    # punycode, zlib, rot13, idna and undefined were the reported ones: they are in the sweep.
    assert {"punycode", "zlib", "rot13", "idna", "undefined", "base64", "utf-7"} <= set(PYTHON_ONLY)
    assert len(PYTHON_ONLY) > 150


@pytest.mark.parametrize("label", PYTHON_ONLY)
def test_a_python_only_codec_name_does_not_hide_a_trap(label: str) -> None:
    result = analyse_page(_trap(label), "https://lure.example.net/p")
    suspicious = {f.code for f in result.findings if f.supports is Verdict.SUSPICIOUS}
    assert {"phishing_form", "payment_demand", "download_lure"} <= suspicious, label


def test_the_label_table_is_the_encoding_standards() -> None:
    # Spot checks across every group of the standard, and its size (labels and encodings).
    assert lookup("utf8") == lookup("UNICODE-1-1-UTF-8") == lookup(" x-unicode20utf8\n") == "utf-8"
    assert lookup("latin1") == lookup("ascii") == lookup("iso-8859-1") == "windows-1252"
    assert lookup("koi8-ru") == "koi8-u"
    assert lookup("iso-8859-11") == lookup("tis-620") == "windows-874"
    assert lookup("ms932") == lookup("windows-31j") == "shift_jis"
    assert lookup("gb2312") == lookup("x-gbk") == "gbk"
    assert lookup("hz-gb-2312") == lookup("iso-2022-kr") == lookup("replacement") == "replacement"
    assert lookup("unicode") == lookup("ucs-2") == lookup("utf-16") == "utf-16le"
    assert lookup("unicodefffe") == "utf-16be"
    assert lookup("x-user-defined") == "x-user-defined"
    for python_only in ("latin-1", "utf_8", "utf-32", "cp037", "iso2022_kr", "hz", "u8", "mbcs"):
        assert lookup(python_only) is None, python_only
    assert len(ENCODINGS) == 40
    assert len(LABELS) == 228


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_encoding_decodes_every_byte_without_raising(encoding: str) -> None:
    text = decode(bytes(range(256)) * 4, encoding)
    assert isinstance(text, str)
    assert decode(b"<p>plain ASCII</p>", encoding) in {"<p>plain ASCII</p>", "\ufffd"} or (
        encoding.startswith("utf-16")
    )


def test_windows_1252_maps_its_holes_to_c1_controls_like_browsers() -> None:
    assert decode(b"\x80\x81\x8d\x8f\x90\x9d\x9f", "windows-1252") == "€\x81\x8d\x8f\x90\x9dŸ"


def test_replacement_and_x_user_defined() -> None:
    assert decode(b"<p>anything</p>", "replacement") == "\ufffd"
    assert decode(b"", "replacement") == ""
    assert decode(b"a\x80\xff", "x-user-defined") == "a\uf780\uf7ff"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (b'<meta charset="iso-8859-5">', "iso-8859-5"),
        (b"<META CHARSET=KOI8-R>", "koi8-r"),
        (b"<meta/charset=euc-jp>", "euc-jp"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
         "windows-1251"),
        (b'<meta content="text/html;charset=\'gbk\'" http-equiv=content-type>', "gbk"),
        (b'<meta content="text/html; charset=koi8-r">', None),  # no pragma: not a declaration
        (b'<meta charset="utf-16le">', "utf-8"),  # an ASCII <meta> cannot be UTF-16
        (b'<meta charset="unicode">', "utf-8"),
        (b'<meta charset="x-user-defined">', "windows-1252"),
        (b'<meta charset="iso-2022-kr">', "replacement"),
        (b'<meta charset="punycode">', None),
        (b'<!-- <meta charset="iso-2022-kr"> --><meta charset="windows-1251">', "windows-1251"),
        (b'<div title="<meta charset=koi8-r>"></div>', None),  # inside an attribute value
        (b'<meta charset=bogus content="text/html;charset=koi8-r" http-equiv=content-type>',
         None),  # a failed charset attribute is not overridden by content
        (b" " * 1024 + b'<meta charset="koi8-r">', None),  # after the first 1024 bytes
    ],
)  # fmt: skip
def test_the_meta_prescan_is_the_html_standards(html: bytes, expected: str | None) -> None:
    assert prescan(html[:1024]) == expected
    assert html_encoding(html) == (expected or "utf-8")


def test_the_bom_wins_then_the_header_then_the_meta() -> None:
    page = '<meta charset="koi8-r"><p>Vidéo</p>'
    assert html_encoding(codecs.BOM_UTF8 + page.encode(), "text/html; charset=koi8-r") == "utf-8"
    assert html_encoding(page.encode(), "text/html; charset=UTF-8") == "utf-8"
    assert html_encoding(page.encode(), 'text/html; charset="iso-8859-5"') == "iso-8859-5"
    assert html_encoding(page.encode(), "text/html; charset=punycode") == "koi8-r"
    # UTF-16 is honoured from the header (never from a <meta>), with or without a BOM.
    assert decode_html(page.encode("utf-16-le"), "text/html; charset=utf-16") == page
    assert decode_html(codecs.BOM_UTF16_BE + page.encode("utf-16-be")) == page


def test_undeclared_pages_are_sniffed_utf8_then_windows_1252() -> None:
    french = "<p>Cette vidéo a été supprimée</p>"
    assert decode_html(french.encode()) == french
    assert decode_html(french.encode("cp1252")) == french
    # A stray bad byte does not turn a UTF-8 page's accents into mojibake.
    assert decode_html(french.encode() + b"\xff").startswith(french)


@given(st.binary(max_size=2048), st.sampled_from([None, *sorted(LABELS)[:40], "punycode"]))
def test_decoding_never_raises(data: bytes, label: str | None) -> None:
    content_type = None if label is None else f"text/html; charset={label}"
    assert isinstance(decode_html(data, content_type), str)
    assert isinstance(decode_html(b'<meta charset="' + data[:20] + b'">' + data), str)


def test_the_gates_response_text_uses_the_same_rules() -> None:
    def response(body: bytes, content_type: str) -> Response:
        headers = CIMultiDictProxy(CIMultiDict({"Content-Type": content_type}))
        return Response("https://x.example/", 200, headers, body, False, [], None,
                        content_type.split(";")[0], None, 0.0)  # fmt: skip

    assert response(b'{"t": "vid\xc3\xa9o"}', "application/json; charset=zlib").text() == (
        '{"t": "vidéo"}'
    )
    assert response(b'{"t": "vid\xe9o"}', "application/json; charset=latin1").text() == (
        '{"t": "vidéo"}'
    )
    assert response(b'<meta charset="koi8-r">\xf7', "text/html").text().endswith("В")
