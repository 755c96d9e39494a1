"""Container kind detection trusts bytes over claims."""

from __future__ import annotations

import pytest

from veriflien.containers import sniff


@pytest.mark.parametrize(
    ("first", "ctype", "url", "kind"),
    [
        (b"\0\0\0\x1cftypisom", None, "https://x.example/a", "mp4"),
        (b"\x1a\x45\xdf\xa3\x9f", "text/html", "https://x.example/a.mp4", "webm"),
        (b"\xef\xbb\xbf#EXTM3U\n", None, "https://x.example/a", "hls"),
        (b'<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">', None, "u", "dash"),
        (b"<!doctype html><html>", "video/mp4", "https://x.example/v.mp4", "unknown"),
        (b"", "application/vnd.apple.mpegURL", "https://x.example/p", "hls"),
        (b"", None, "https://x.example/p/manifest.mpd?x=1", "dash"),
        (b"", None, "https://x.example/p", "unknown"),
    ],
)
def test_sniff(first, ctype, url, kind):
    assert sniff(first, ctype, url) == kind
