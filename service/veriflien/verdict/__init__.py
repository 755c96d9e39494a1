"""Turning findings into one verdict, with explicit precedence rules and an explanation.

The rules are written to fail safe. The worst defect this product can have is telling a victim that
public content is private, so:

- a non-public verdict (private, login_required, removed) needs either one STRONG finding or
  MEDIUM findings from two different probes, AND no public evidence above WEAK;
- public evidence against non-public evidence as strong gives `unknown`, never a guess, unless
  more independent probes show the content than deny it (that can only lean towards "public");
- an oEmbed code alone is never proof of "private" (it is one MEDIUM finding);
- when nothing is conclusive the verdict is `unknown`, and the explanation says why.

Each rule that fires is recorded as a finding of probe "verdict", so the result explains itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from veriflien.result import Confidence, Finding, MediaInfo, Strength, Verdict

_TERMINAL = (Verdict.REFUSED, Verdict.INVALID_URL, Verdict.UNREACHABLE)
_NON_PUBLIC_ORDER = (Verdict.PRIVATE, Verdict.LOGIN_REQUIRED, Verdict.REMOVED)


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    confidence: Confidence
    explanation: Finding


def _evidence(findings: Sequence[Finding], verdict: Verdict) -> list[Finding]:
    return [f for f in findings if f.supports == verdict and f.strength is not None]


def _strength(findings: Sequence[Finding], *verdicts: Verdict) -> Strength | None:
    values = [f.strength for v in verdicts for f in _evidence(findings, v) if f.strength]
    return max(values) if values else None


def _probes(findings: Sequence[Finding], *verdicts: Verdict, at_least: Strength) -> set[str]:
    return {
        f.probe
        for v in verdicts
        for f in _evidence(findings, v)
        if f.strength is not None and f.strength >= at_least
    }


def _confidence(findings: Sequence[Finding], *verdicts: Verdict) -> Confidence:
    strong = _probes(findings, *verdicts, at_least=Strength.STRONG)
    medium = _probes(findings, *verdicts, at_least=Strength.MEDIUM)
    if strong and len(medium) >= 2:
        return Confidence.HIGH
    if strong or len(medium) >= 2:
        return Confidence.MEDIUM
    return Confidence.LOW


def _explain(code: str, detail: str) -> Finding:
    return Finding("verdict", code, detail)


def decide(
    findings: Sequence[Finding],
    media: MediaInfo | None = None,
    media_findings: Sequence[Finding] = (),
) -> Decision:
    """Apply the precedence rules, in order; the first that matches decides. `media_findings`
    are the findings about the video file's own bytes (the ones that come with `media`)."""
    # 1. The link could not be fetched at all: say exactly that.
    for verdict in _TERMINAL:
        if _evidence(findings, verdict):
            return Decision(
                verdict,
                Confidence.HIGH,
                _explain(f"rule_{verdict.value}", _TERMINAL_TEXT[verdict]),
            )

    public = _strength(findings, Verdict.PUBLIC, Verdict.UNLISTED)
    non_public = _strength(findings, *_NON_PUBLIC_ORDER)
    trap = _strength(findings, Verdict.SUSPICIOUS)

    # 2. A trap is reported before anything else: the victim must not open or download it.
    if trap is not None and trap >= Strength.MEDIUM:
        return Decision(
            Verdict.SUSPICIOUS,
            Confidence.HIGH if trap == Strength.STRONG else Confidence.MEDIUM,
            _explain(
                "rule_trap",
                "The page shows signs of a trap (download lure, fake login form or payment "
                "demand); it is reported as suspicious whatever else it contains.",
            ),
        )

    # 2b. The platform itself says only some viewers may watch (channel members, Premium, a
    #     rental): the video exists and anyone who pays can see it. That is neither "public" nor
    #     "private", whatever weaker signals suggest, so the answer is "unknown", and says why.
    restricted = [f for f in _evidence(findings, Verdict.UNKNOWN) if f.strength == Strength.STRONG]
    if restricted:
        return Decision(
            Verdict.UNKNOWN,
            Confidence.LOW,
            _explain(
                "rule_restricted_audience",
                "The platform shows this content only to some viewers (for example those who "
                "pay or are members): it exists, and who can see it cannot be told from outside.",
            ),
        )

    # 3. Media whose bytes cannot be fully played: the container index is hard evidence.
    incomplete = _strength(findings, Verdict.INCOMPLETE)
    if media is not None and media.complete is False and incomplete is not None:
        # The file's own "playable" evidence cannot outweigh its own index; only a strong public
        # answer from elsewhere (the platform) can.
        outside = [f for f in findings if not any(f is m for m in media_findings)]
        if not _probes(outside, Verdict.PUBLIC, Verdict.UNLISTED, at_least=Strength.STRONG):
            return Decision(
                Verdict.INCOMPLETE,
                Confidence.HIGH if incomplete == Strength.STRONG else Confidence.MEDIUM,
                _explain(
                    "rule_incomplete",
                    "The video file is incomplete: only part of it (or nothing) can be played.",
                ),
            )

    # 4. Public evidence wins unless non-public evidence at least as strong contradicts it. At
    #    equal strength, more independent probes saying "anyone can watch" than saying otherwise
    #    still win: a lone 404 from one endpoint against two platform answers that show the video
    #    is more likely the odd one out, and leaning this way can never reassure anyone falsely.
    if public is not None and public >= Strength.MEDIUM:
        outvoted = non_public == public and len(
            _probes(findings, Verdict.PUBLIC, Verdict.UNLISTED, at_least=public)
        ) > len(_probes(findings, *_NON_PUBLIC_ORDER, at_least=public))
        if non_public is not None and non_public >= public and not outvoted:
            return Decision(
                Verdict.UNKNOWN,
                Confidence.LOW,
                _explain(
                    "rule_conflict",
                    "Some signals say anyone can watch this and others say it is not public; "
                    "the evidence disagrees, so no conclusion is drawn.",
                ),
            )
        unlisted = _strength(findings, Verdict.UNLISTED)
        verdict = Verdict.UNLISTED if unlisted and unlisted >= Strength.MEDIUM else Verdict.PUBLIC
        return Decision(
            verdict,
            _confidence(findings, Verdict.PUBLIC, Verdict.UNLISTED),
            _explain(
                f"rule_{verdict.value}",
                "The platform serves this content to anonymous viewers"
                + (
                    " who have the link; it is not listed publicly."
                    if verdict == Verdict.UNLISTED
                    else "."
                ),
            ),
        )

    # 5. Non-public: needs one STRONG finding or MEDIUM ones from two probes, and no public
    #    evidence above WEAK (guaranteed by rule 4 having not matched).
    if non_public is not None:
        strong = _probes(findings, *_NON_PUBLIC_ORDER, at_least=Strength.STRONG)
        medium = _probes(findings, *_NON_PUBLIC_ORDER, at_least=Strength.MEDIUM)
        if strong or len(medium) >= 2:
            ranked = sorted(
                _NON_PUBLIC_ORDER,
                key=lambda v: (-(_strength(findings, v) or 0), _NON_PUBLIC_ORDER.index(v)),
            )
            verdict = ranked[0]
            confidence = _confidence(findings, *_NON_PUBLIC_ORDER)
            if public is not None:  # a weak public hint lowers confidence, it never flips
                confidence = Confidence.MEDIUM if confidence == Confidence.HIGH else Confidence.LOW
            return Decision(
                verdict, confidence, _explain(f"rule_{verdict.value}", _NON_PUBLIC_TEXT[verdict])
            )

    # 6. Media that exists but is not (fully) playable, without a complete index (e.g. upload
    #    still processing): incomplete, with the confidence its evidence allows.
    if incomplete is not None and incomplete >= Strength.MEDIUM and public is None:
        return Decision(
            Verdict.INCOMPLETE,
            Confidence.MEDIUM,
            _explain("rule_incomplete", "The upload is not in a playable state."),
        )

    # 7. A page with no video at all.
    no_video = _strength(findings, Verdict.NO_VIDEO)
    if no_video is not None and no_video >= Strength.MEDIUM and public is None:
        return Decision(
            Verdict.NO_VIDEO,
            Confidence.MEDIUM,
            _explain("rule_no_video", "The page that the link opens holds no video."),
        )

    return Decision(
        Verdict.UNKNOWN,
        Confidence.LOW,
        _explain(
            "rule_unknown",
            "The signals gathered are too weak to tell whether this content is public; "
            "it is not assumed to be private.",
        ),
    )


_TERMINAL_TEXT = {
    Verdict.REFUSED: "The service refused to fetch this link (see the finding above for why); "
    "nothing was downloaded.",
    Verdict.INVALID_URL: "The text given is not a web address that can be checked.",
    Verdict.UNREACHABLE: "The site could not be reached, so nothing could be checked.",
}
_NON_PUBLIC_TEXT = {
    Verdict.PRIVATE: "The platform refuses anonymous viewers: the content is private.",
    Verdict.LOGIN_REQUIRED: "The platform asks for an account before showing anything.",
    Verdict.REMOVED: "The content is no longer there (removed or never existed).",
}
