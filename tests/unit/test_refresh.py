"""Refresh values are read exactly as the HTML standard's shared declarative refresh steps say
(net/refresh.py; issue 13, item 2). The gate follows what browsers follow, and only that."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veriflien.net.refresh import SAME_DOCUMENT, meta_refresh, parse_refresh


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("1,http://a.example/x", "http://a.example/x"),  # no "url=": the reported miss
        ("1, http://a.example/x", "http://a.example/x"),
        ("0;http://a.example/x", "http://a.example/x"),
        ("1; url=http://a.example/x", "http://a.example/x"),
        ("0;URL=/x", "/x"),
        ("0 ; Url = /x", "/x"),
        ("0 url=/x", "/x"),  # whitespace alone separates
        ("  3\t;\turl='/x'", "/x"),
        ('0;url="/x" anything after', "/x"),
        ("0;url='/x", "/x"),  # an unclosed quote runs to the end
        ("0;'/x'", "/x"),  # quotes without "url="
        (".5;url=/x", "/x"),
        ("1.5.5;url=/x", "/x"),
        ("0;url /x", "url /x"),  # "url" without "=" is part of the URL (then cleaned below)
        ("0;urx=/x", "urx=/x"),
        ("0;u", "u"),
        ("0;url=", ""),  # empty URL: the same document
        ("0;url= /x \n", "/x"),  # the URL parser trims spaces and controls
        ("0;/a\tb\nc", "/abc"),  # and removes tabs and newlines anywhere
    ],
)
def test_values_browsers_navigate_with(value: str, url: str) -> None:
    assert parse_refresh(value) == url


@pytest.mark.parametrize("value", ["5", "0", "  7  ", "0;", "1.", "0 ,  "])
def test_values_that_reload_the_same_document(value: str) -> None:
    assert parse_refresh(value) == SAME_DOCUMENT


@pytest.mark.parametrize(
    "value", ["", "url=/x", "x;url=/x", "5x;url=/x", "-1;url=/x", ";url=/x", "\u0663;url=/x"]
)
def test_values_browsers_ignore(value: str) -> None:
    assert parse_refresh(value) is None


def test_meta_refresh_skips_what_browsers_do_not_see() -> None:
    page = (
        b'<!-- <meta http-equiv="refresh" content="0;url=/a"> -->'
        b'<script>document.write(\'<meta http-equiv="refresh" content="0;url=/b">\')</script>'
        b'<noscript><meta http-equiv="refresh" content="0;url=/c"></noscript>'
        b'<meta http-equiv="refresh" content="nonsense">'
        b'<meta http-equiv="REFRESH" content="0;url=/d?x=1&amp;y=2">'
        b'<meta http-equiv="refresh" content="0;url=/e">'
    )
    assert meta_refresh(page) == "/d?x=1&y=2"


def test_meta_refresh_reads_the_page_in_its_encoding() -> None:
    page = '<meta charset="koi8-r"><meta http-equiv="refresh" content="0;url=/видео">'
    assert meta_refresh(page.encode("koi8-r")) == "/видео"


@given(st.text(max_size=200))
def test_any_value_is_parsed_without_raising(value: str) -> None:
    result = parse_refresh(value)
    assert result is None or isinstance(result, str)
    found = meta_refresh(f'<meta http-equiv="refresh" content="{value}">'.encode())
    assert found is None or isinstance(found, str)
