"""The page analysis does bounded work whatever the page holds, and still finds what it must.

Issue 12: the analysis used to run one case-insensitive regex per detector over the whole page
and over every script, so a 2 MB page of plain text cost 0.9 s of CPU and a hostile page could
hold the event loop (and every check's deadline) for seconds. These tests pin the bounds as
amounts of WORK (characters a pattern may read, anchors handled, elements kept, steps that give
the loop back), never as times, and pin the behaviour the bounds must not cost: a lure deep in
a long page, across a chunk boundary, behind a pathological script, or in decomposed accents is
still a lure; content past libxml2's depth limit is still read.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from veriflien import slices
from veriflien.platforms import markers as marker_matcher
from veriflien.probes.page import analysis, scan, scripts, wording
from veriflien.probes.page.analysis import analyse_page, analysis_steps
from veriflien.result import Strength, Verdict

BASE = "https://videos.example.net/watch/42"
BTC_LEGACY = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
FILLER = "Une page d'actualité ordinaire sur la météo de la semaine. "


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def codes(result: Any) -> set[str]:
    return {f.code for f in result.findings}


class Counting:
    """A compiled pattern that counts the characters its search/match calls may read."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0
        self.chars = 0

    def _count(self, text: str, pos: int, endpos: int | None) -> None:
        self.calls += 1
        self.chars += (len(text) if endpos is None else min(endpos, len(text))) - pos

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        self._count(text, pos, endpos)
        return self.pattern.search(text, pos, len(text) if endpos is None else endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        self._count(text, pos, endpos)
        return self.pattern.match(text, pos, len(text) if endpos is None else endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        self._count(text, pos, endpos)
        return self.pattern.finditer(text, pos, len(text) if endpos is None else endpos)


# ---- what the platform rules get ---------------------------------------------------------------


def test_the_analysis_hands_the_page_text_scripts_and_metas_to_platform_rules() -> None:
    html = page(
        '<script>var ytInitialPlayerResponse = {"videoDetails":{"videoId":"x"}};</script>'
        '<script type="application/json">{"state":1}</script><script src="/app.js"></script>'
        "<p>Bonjour</p>",
        head='<meta property="og:title" content="Vacances"><meta name="Description" content="D">',
    )
    result = analyse_page(html.encode(), BASE)
    assert "ytInitialPlayerResponse" in result.text
    assert result.scripts == [
        'var ytInitialPlayerResponse = {"videoDetails":{"videoId":"x"}};',
        '{"state":1}',
    ]
    assert result.metas["og:title"] == ["Vacances"]
    assert result.metas["description"] == ["D"]


# ---- pages that used to be slow still say the right thing --------------------------------------


def test_content_past_libxml2s_depth_limit_is_read() -> None:
    depth = 5000  # libxml2 gives up at 2,048 levels; browsers still show what follows
    html = (
        "<html><body>" + "<div>" * depth + "<p>To watch the video, download the viewer.</p>"
        '<a href="/get/VideoViewer.exe">Watch the video</a>' + "</div>" * depth + "</body></html>"
    )
    result = analyse_page(html, BASE)
    lure = next(f for f in result.findings if f.code == "download_lure")
    assert (lure.supports, lure.strength) == (Verdict.SUSPICIOUS, Strength.STRONG)
    assert "page_unreadable" not in codes(result)


@pytest.mark.parametrize("offset", [wording.CHUNK - 20, 300_000])
def test_a_codec_lure_deep_in_a_long_page_or_across_a_chunk_boundary(offset: int) -> None:
    lure = "Please update your player to view this content."
    text = (FILLER * (offset // len(FILLER) + 1))[:offset] + lure + " " + FILLER * 20
    result = analyse_page(page(f"<p>{text}</p>"), BASE)
    assert "codec_lure" in codes(result)


def test_a_wallet_across_a_chunk_boundary_is_found() -> None:
    filler = (FILLER * (wording.CHUNK // len(FILLER) + 1))[: wording.CHUNK - 11].rstrip()
    filler = filler.ljust(wording.CHUNK - 11, "x") + " "  # the address starts 10 before the cut
    html = page(f"<p>{filler}{BTC_LEGACY} pay now</p>")
    demand = next(f for f in analyse_page(html, BASE).findings if f.code == "payment_demand")
    assert demand.strength is Strength.STRONG


def test_an_amount_with_ransom_wording_far_into_the_text() -> None:
    text = FILLER * 5000 + "Send $800 in Bitcoin within 48 hours."
    assert "payment_demand" in codes(analyse_page(page(f"<p>{text}</p>"), BASE))


def test_decomposed_accents_still_match_markers_and_lures() -> None:
    decomposed = "Cette vide\u0301o a e\u0301te\u0301 supprime\u0301e"
    state = '<script>x={"raison":"Vide\u0301o prive\u0301e"}</script>'
    markers = {
        "removed": ["Cette vidéo a été supprimée"],  # plain: casefolded substring
        "private": ['re:"raison"\\s*:\\s*"Vidéo privée'],  # regex with an ASCII prefix
    }
    result = analyse_page(page(f"{state}<p>{decomposed}</p>" + FILLER * 10), BASE, markers)
    assert {"marker_removed", "marker_private"} <= codes(result)
    lure = "Pour voir la vide\u0301o, veuillez te\u0301le\u0301charger le codec."
    assert "codec_lure" in codes(analyse_page(page(f"<p>{lure}</p>" + FILLER * 10), BASE))


def test_a_lure_behind_a_pathological_script_is_still_found() -> None:
    # 200 KB of ".mp4?" without a closing quote made the old lazy quoted-URL pattern quadratic.
    junk = '<script>var x = "' + "a.mp4?" * 35_000 + ";</script>"
    lure = '<script>setTimeout(function(){location.href="/f/clip.mp4.scr"})</script>'
    result = analyse_page(page(junk + lure + "<p>" + FILLER * 10 + "</p>"), BASE)
    lure_finding = next(f for f in result.findings if f.code == "download_lure")
    assert lure_finding.strength is Strength.STRONG


@pytest.mark.parametrize(
    ("snippet", "hint"),
    [
        ('<script src="/static/video.js"></script>', True),
        ('<script src="/static/hls.min.js"></script>', True),
        ('<div class="player" data-src="https://cdn.example.org/live/index.m3u8"></div>', True),
        ('<link rel="stylesheet" href="/css/plyr.css">', True),
        ("<p>plyrx and .m3u8x are not players</p>", False),
    ],
)
def test_player_hints_anywhere_in_the_page(snippet: str, hint: bool) -> None:
    result = analyse_page(page(snippet + "<p>" + FILLER * 10 + "</p>"), BASE)
    assert ("script_player" in codes(result)) is hint
    assert ("no_video_evidence" in codes(result)) is not hint


def test_regex_markers_are_case_insensitive_and_survive_many_decoys() -> None:
    markers = {"private": ['re:"reason"\\s*:\\s*"This video is private']}
    upper = page('<script>x={"REASON":"THIS VIDEO IS PRIVATE"}</script>' + FILLER * 10)
    assert "marker_private" in codes(analyse_page(upper, BASE, markers))
    decoys = '"reason":"other", ' * (marker_matcher.MAX_PREFIX_HITS + 50)
    late = page(f'<script>x=[{decoys}{{"reason":"This video is private"}}]</script>' + FILLER)
    assert "marker_private" in codes(analyse_page(late, BASE, markers))


@pytest.mark.parametrize(
    ("regex", "prefix"),
    [
        ('"reason"\\s*:\\s*"(?:Private|Privée)', '"reason"'),
        ('"playabilityStatus"\\s*:\\s*\\{', '"playabilityStatus"'),
        ('class="geoBlocked"', 'class="geoBlocked"'),
        ("abc|def", ""),  # a top-level alternation: matches need not start with "abc"
        ("abcd*e", "abc"),  # the quantifier takes the last literal with it
        ("^\\s*Forbidden", ""),
        ("(?i)reason", ""),
    ],
)
def test_literal_prefix_of_catalogue_markers(regex: str, prefix: str) -> None:
    assert marker_matcher.literal_prefix(regex) == prefix


# ---- bounded work ----------------------------------------------------------------------------


def test_codec_patterns_read_a_bounded_window_however_many_trigger_words(monkeypatch) -> None:
    counting = tuple(Counting(p) for p in wording.CODEC_LURE)
    monkeypatch.setattr(wording, "CODEC_LURE", counting)
    dense = "The player and the codec and the plugin, on and on. " * 40_000  # 2 MB of triggers
    result = analyse_page(page(f"<p>{dense}</p>"), BASE)
    assert "codec_lure" not in codes(result)
    # Each precise pattern reads at most the window budget (plus one window's edges), not 2 MB.
    limit = wording.WINDOW_BUDGET + 4 * wording.WINDOW
    assert all(c.chars <= limit for c in counting), [c.chars for c in counting]


def test_amount_patterns_read_a_bounded_window(monkeypatch) -> None:
    amount = Counting(wording._AMOUNT)
    monkeypatch.setattr(wording, "_AMOUNT", amount)
    # 2 MB of "pay" and amounts, but no ransom word and no payment channel: not a demand.
    wording_ = wording.Wording("Pay 100 EUR at the shop. " * 80_000, [])
    analysis.run_steps(wording_.read())
    assert not wording_.amount_demand()
    assert amount.chars <= wording.WINDOW_BUDGET + 4 * wording.WINDOW


def test_script_anchors_are_capped_per_page(monkeypatch) -> None:
    navigate = Counting(scripts.JS_NAVIGATE)
    monkeypatch.setattr(scripts, "JS_NAVIGATE", navigate)
    writes = 'location.href = "/next"; ' * 20_000
    analyse_page(page(f"<script>{writes}</script><p>{FILLER * 10}</p>"), BASE)
    assert navigate.calls <= scripts.MAX_ANCHORS


def test_elements_kept_per_kind_are_capped() -> None:
    html = (
        "<html><body>"
        + '<a href="/p">x</a>' * (scan.MAX_LINKS + 3000)
        + ('<input name="q" value="' + "v" * 600 + '">') * (scan.MAX_INPUTS + 500)
        + "<video></video>" * (scan.MAX_ELEMENTS + 100)
        + "</body></html>"
    ).encode()
    root, too_deep = scan.parse(html)
    kept = slices.run_steps(scan.scan(root, html.lower()))
    assert not too_deep
    assert len(kept.links) == scan.MAX_LINKS
    assert len(kept.inputs) == scan.MAX_INPUTS
    assert len(kept.videos) == scan.MAX_ELEMENTS
    assert all(len(t) <= scan.ATTRIBUTE_TEXT_CHARS for t in kept.attribute_text)
    assert sum(map(len, kept.attribute_text)) <= scan.ATTRIBUTE_TEXT_BUDGET + 600


def test_a_big_page_is_many_small_steps() -> None:
    # Every step is bounded work, so a 2 MB page is split into many of them (the probe gives the
    # event loop back between steps); the count also bounds what one step can hold.
    big = page("<p>" + FILLER * 33_000 + "</p>")  # ~2 MB of text
    steps = analysis_steps(big.encode(), BASE)
    count = 0
    request = next(steps)
    try:
        while True:
            count += 1
            request = steps.send(request.work() if isinstance(request, slices.Offload) else None)
    except StopIteration as done:
        assert "no_video_evidence" in codes(done.value)
    assert count >= len(big) // wording.CHUNK


# ---- slices on the event loop ------------------------------------------------------------------


async def test_the_event_loop_runs_between_the_steps_of_an_analysis(monkeypatch) -> None:
    monkeypatch.setattr(slices, "SLICE_SECONDS", 0.0)  # give the loop back after every step
    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    running = asyncio.create_task(ticker())
    before = slices.SLICES.slices
    html = page("<p>" + FILLER * 5000 + "</p>").encode()
    result = await slices.run_sliced(analysis_steps(html, BASE))
    running.cancel()
    assert "no_video_evidence" in codes(result)
    stretches = slices.SLICES.slices - before
    assert stretches > 10
    assert turns >= stretches - 2  # the ticker ran between (almost) every two stretches


async def test_a_cancelled_analysis_stops_being_stepped(monkeypatch) -> None:
    monkeypatch.setattr(slices, "SLICE_SECONDS", 0.0)
    stepped = 0
    closed = False

    def steps() -> slices.Steps[str]:
        nonlocal stepped, closed
        try:
            for _ in range(1000):
                stepped += 1
                yield None
        finally:
            closed = True
        return "done"

    task = asyncio.create_task(slices.run_sliced(steps()))
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    at_cancel = stepped
    for _ in range(5):
        await asyncio.sleep(0)
    assert closed and stepped == at_cancel < 1000
