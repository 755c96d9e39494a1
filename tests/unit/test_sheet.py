"""The printable evidence sheet: everything the police need about the check, and nothing risky.

The sheet is built from data the blackmailer controls (URLs, page titles turned into findings), so
these tests feed it hostile strings; and it must never carry or load any media.
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser

import pytest

from veriflien.advice.sheet import render_sheet, validate_result_for_sheet
from veriflien.result import (
    CheckResult,
    Confidence,
    FetchedDocument,
    Finding,
    MediaInfo,
    Redirect,
    Verdict,
)

SHA_A = "a3" * 32
# Everything the sheet may contain: structure and text, nothing that fetches or runs anything.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "section",
    "dl", "dt", "dd", "code", "strong", "span", "table", "thead", "tbody", "tr", "th", "td", "ul",
    "li", "footer",
}  # fmt: skip
ALLOWED_ATTRS = {"lang", "charset", "name", "content", "http-equiv", "class", "aria-hidden"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _elements(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


SHA_B = "0f" * 32


def _result(**changes) -> dict:
    result = CheckResult(
        url="https://bit.ly/3xAmPlE",
        verdict=Verdict.INCOMPLETE,
        confidence=Confidence.MEDIUM,
        checked_at="2026-11-21T07:30:05+02:00",
        version="1.4.2",
        final_url="https://files.example.net/v/clip.mp4",
        redirects=[
            Redirect("https://bit.ly/3xAmPlE", 301, "http"),
            Redirect("https://short.example/abc", 0, "meta-refresh"),
        ],
        platform={"id": "generic", "name": "Files Example"},
        media=MediaInfo(
            "mp4", False, duration_seconds=90.0, playable_seconds=2.0, bytes_read=65536
        ),
        findings=[
            Finding("media", "mp4_truncated", "moov box ends past the end of the file"),
            Finding("http", "status_200", "The page answered 200 OK"),
        ],
        documents=[
            FetchedDocument("https://short.example/abc", 200, "text/html", SHA_A, "203.0.113.7"),
            FetchedDocument("https://files.example.net/v/", 200, "text/html", SHA_B, None),
        ],
        server_address="198.51.100.23",
    ).to_json()
    result.update(changes)
    return result


def test_sheet_shows_every_recorded_fact():
    page = render_sheet(_result())
    assert page.startswith("<!DOCTYPE html>")
    assert "2026-11-21 05:30:05 UTC" in page  # checked_at converted to UTC
    for text in (
        "https://bit.ly/3xAmPlE",
        "https://short.example/abc",
        "meta-refresh",
        ">301<",
        "https://files.example.net/v/clip.mp4",
        "198.51.100.23",
        "203.0.113.7",
        "Files Example",
        "<code>incomplete</code>",
        "Ce fichier vidéo est incomplet",
        "moyen",  # confidence
        "mp4_truncated",
        "moov box ends past the end of the file",
        SHA_A,
        SHA_B,
        "1.4.2",
        "2 s",
        "1 min 30",
    ):
        assert text in page, text


@pytest.mark.parametrize(
    ("lang", "items"),
    [
        (
            "fr",
            ("Captures d&#x27;écran", "Pseudos et liens des profils", "IBAN", "Dates et heures"),
        ),
        (
            "en",
            (
                "Screenshots of every threat",
                "usernames and profile links",
                "IBAN",
                "Dates and times",
            ),
        ),
    ],
)
def test_sheet_has_an_empty_evidence_checklist_for_the_victim(lang: str, items: tuple) -> None:
    page = render_sheet(_result(), lang=lang)
    assert page.count("\u2610") >= 4  # empty boxes to tick by hand
    for item in items:
        assert item in page


def test_sheet_in_english_uses_english_labels():
    page = render_sheet(_result(), lang="en")
    assert '<html lang="en">' in page
    assert "Date and time of the check (UTC)" in page
    assert "This video file is incomplete" in page


def test_hostile_strings_are_escaped_and_nothing_active_or_external_is_emitted():
    evil = 'https://evil.example/"><script>alert(1)</script><img src=x onerror=alert(2)>'
    result = _result(
        url=evil,
        final_url=evil,
        platform={"id": "x", "name": "<video src=https://evil.example/v.mp4>"},
        findings=[{"probe": "<b>p</b>", "code": "c", "detail": "</td><iframe src=//evil>"}],
        redirects=[{"url": evil, "status": 302, "via": "<svg onload=alert(3)>"}],
    )
    page = render_sheet(result)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;video src=https://evil.example/v.mp4&gt;" in page
    found = _elements(page)
    # no script, img, video, iframe, svg, link, or <a>: the blackmailer's link is never clickable
    assert found.tags <= ALLOWED_TAGS, found.tags - ALLOWED_TAGS
    assert found.attrs <= ALLOWED_ATTRS, found.attrs - ALLOWED_ATTRS
    css = " ".join(found.styles)
    assert "url(" not in css and "@import" not in css


def test_sheet_is_printable():
    page = render_sheet(_result())
    assert "@media print" in page and "<style>" in page


def test_sheet_without_optional_facts_says_so():
    page = render_sheet(
        _result(
            redirects=[],
            findings=[],
            documents=[],
            platform=None,
            media=None,
            final_url=None,
            server_address=None,
        )
    )
    assert "Aucune redirection." in page
    assert "non identifiée" in page
    assert "non disponible" in page


def test_valid_result_has_no_errors():
    assert validate_result_for_sheet(_result()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": ""}, "'url'"),
        ({"verdict": "probably_fine"}, "'verdict'"),
        ({"confidence": None}, "'confidence'"),
        ({"checked_at": "yesterday"}, "'checked_at'"),
        ({"checked_at": "2026-11-21T05:30:00"}, "time zone"),  # no zone: cannot state UTC
        ({"version": None}, "'version'"),
        ({"redirects": "https://a.example"}, "'redirects'"),
        ({"redirects": [{"url": "https://a.example", "status": "301"}]}, "'status'"),
        ({"findings": [{"probe": "p", "code": "c"}]}, "'detail'"),
        ({"documents": [{"url": "https://a.example", "status": 200, "sha256": "xyz"}]}, "sha256"),
        ({"platform": {"id": "x"}}, "'platform'"),
        ({"server_address": 42}, "'server_address'"),
    ],
)
def test_invalid_results_are_explained(change: dict, field: str) -> None:
    doc = copy.deepcopy(_result())
    doc.update(change)
    errors = validate_result_for_sheet(doc)
    assert errors and any(field in error for error in errors), errors
    with pytest.raises(ValueError, match="cannot be printed"):
        render_sheet(doc)


def test_missing_fields_and_non_objects_are_reported():
    doc = _result()
    del doc["checked_at"]
    assert any("checked_at" in e for e in validate_result_for_sheet(doc))
    assert validate_result_for_sheet(["not", "an", "object"]) == [
        "The result must be a JSON object."
    ]


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="language"):
        render_sheet(_result(), lang="es")


def test_the_signature_block_is_text_only_and_escaped():
    from veriflien.attestation import Signer
    from veriflien.settings import Settings

    signed = Signer.from_settings(Settings().with_overrides(instance_key="ab" * 32)).sign(_result())
    page = render_sheet(
        signed, lang="en", verified=True, instance='https://x.example"><script>alert(1)</script>'
    )
    assert signed["attestation"]["signature"] in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    found = _elements(page)
    assert found.tags <= ALLOWED_TAGS, found.tags - ALLOWED_TAGS
    assert found.attrs <= ALLOWED_ATTRS, found.attrs - ALLOWED_ATTRS
    # Not verified by the caller: the signature is not printed, the sheet says it is unsigned.
    unverified = render_sheet(signed, lang="en")
    assert signed["attestation"]["signature"] not in unverified
    assert "does not carry the service&#x27;s signature" in unverified
