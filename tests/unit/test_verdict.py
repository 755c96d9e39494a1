"""The verdict rules: fail-safe by construction. Calling public content private is the worst defect,
so every test here is about which evidence is, and is not, enough."""

from __future__ import annotations

import itertools

import pytest

from veriflien.result import Confidence, Finding, MediaInfo, Strength, Verdict
from veriflien.verdict import decide

S, M, W = Strength.STRONG, Strength.MEDIUM, Strength.WEAK
NON_PUBLIC = {Verdict.PRIVATE, Verdict.LOGIN_REQUIRED, Verdict.REMOVED, Verdict.INCOMPLETE}


def f(probe: str, supports: Verdict | None, strength: Strength | None, code: str = "x") -> Finding:
    return Finding(probe, code, "detail", supports, strength)


def test_oembed_alone_is_never_proof_of_private() -> None:
    decision = decide([f("oembed", Verdict.PRIVATE, M)])
    assert decision.verdict == Verdict.UNKNOWN


def test_two_independent_medium_signals_make_private() -> None:
    decision = decide([f("oembed", Verdict.PRIVATE, M), f("page", Verdict.PRIVATE, M)])
    assert decision.verdict == Verdict.PRIVATE
    assert decision.confidence == Confidence.MEDIUM


def test_two_medium_signals_from_the_same_probe_are_not_enough() -> None:
    decision = decide([f("page", Verdict.PRIVATE, M), f("page", Verdict.LOGIN_REQUIRED, M)])
    assert decision.verdict == Verdict.UNKNOWN


def test_strong_private_corroborated_is_high_confidence() -> None:
    decision = decide(
        [
            f("ytdlp", Verdict.PRIVATE, S),
            f("page", Verdict.PRIVATE, S),
            f("oembed", Verdict.PRIVATE, M),
        ]
    )
    assert (decision.verdict, decision.confidence) == (Verdict.PRIVATE, Confidence.HIGH)


def test_public_evidence_against_equally_strong_private_gives_unknown() -> None:
    decision = decide([f("oembed", Verdict.PUBLIC, M), f("page", Verdict.PRIVATE, M)])
    assert decision.verdict == Verdict.UNKNOWN
    assert decision.explanation.code == "rule_conflict"
    decision = decide([f("media", Verdict.PUBLIC, S), f("ytdlp", Verdict.PRIVATE, S)])
    assert decision.verdict == Verdict.UNKNOWN


def test_medium_public_evidence_blocks_a_strong_private_verdict() -> None:
    decision = decide([f("oembed", Verdict.PUBLIC, M), f("page", Verdict.PRIVATE, S)])
    assert decision.verdict == Verdict.UNKNOWN


def test_weak_public_hint_lowers_confidence_but_never_flips() -> None:
    strong = [f("ytdlp", Verdict.PRIVATE, S), f("page", Verdict.PRIVATE, M)]
    assert decide(strong).confidence == Confidence.HIGH
    hinted = decide([*strong, f("oembed", Verdict.PUBLIC, W)])  # e.g. YouTube 401
    assert hinted.verdict == Verdict.PRIVATE
    assert hinted.confidence == Confidence.MEDIUM


def test_unlisted_when_the_platform_says_so() -> None:
    decision = decide([f("oembed", Verdict.PUBLIC, M), f("page", Verdict.UNLISTED, S)])
    assert decision.verdict == Verdict.UNLISTED


def test_trap_comes_first_even_with_a_video() -> None:
    decision = decide([f("media", Verdict.PUBLIC, S), f("page", Verdict.SUSPICIOUS, S)])
    assert decision.verdict == Verdict.SUSPICIOUS


def test_truncated_media_is_incomplete_with_its_numbers() -> None:
    media = MediaInfo("mp4", False, duration_seconds=90, playable_seconds=2)
    decision = decide([f("media", Verdict.INCOMPLETE, S)], media)
    assert decision.verdict == Verdict.INCOMPLETE
    assert media.playable_fraction == pytest.approx(2 / 90)


def test_incomplete_media_does_not_override_the_platform_saying_public() -> None:
    media = MediaInfo("mp4", False, duration_seconds=90, playable_seconds=2)
    decision = decide([f("media", Verdict.INCOMPLETE, S), f("ytdlp", Verdict.PUBLIC, S)], media)
    assert decision.verdict == Verdict.PUBLIC


def test_no_video_needs_a_page_that_says_so_and_no_public_hint() -> None:
    assert decide([f("page", Verdict.NO_VIDEO, M)]).verdict == Verdict.NO_VIDEO
    assert decide([f("page", Verdict.NO_VIDEO, M), f("page", Verdict.PUBLIC, W)]).verdict == (
        Verdict.UNKNOWN
    )


def test_nothing_conclusive_is_unknown_not_private() -> None:
    decision = decide([f("fetch", None, None), f("page", Verdict.LOGIN_REQUIRED, W)])
    assert decision.verdict == Verdict.UNKNOWN
    assert "not assumed to be private" in decision.explanation.detail


@pytest.mark.parametrize("verdict", [Verdict.REFUSED, Verdict.INVALID_URL, Verdict.UNREACHABLE])
def test_terminal_outcomes_win(verdict: Verdict) -> None:
    decision = decide([f("fetch", verdict, S), f("page", Verdict.PUBLIC, S)])
    assert decision.verdict == verdict


def test_any_medium_or_strong_public_evidence_never_yields_a_non_public_verdict() -> None:
    # Exhaustive over small combinations: whatever non-public evidence accompanies a MEDIUM or
    # STRONG public finding, the verdict is public, unlisted, unknown or a trap — never reassuring.
    evidence = [
        f(probe, verdict, strength)
        for probe, verdict, strength in itertools.product(
            ("oembed", "page", "ytdlp"),
            (Verdict.PRIVATE, Verdict.REMOVED, Verdict.LOGIN_REQUIRED, Verdict.NO_VIDEO),
            (W, M, S),
        )
    ]
    for public_strength in (M, S):
        public = f("media", Verdict.PUBLIC, public_strength)
        for combo in itertools.combinations(evidence, 2):
            verdict = decide([public, *combo]).verdict
            assert verdict not in NON_PUBLIC | {Verdict.NO_VIDEO}, (public, combo, verdict)
