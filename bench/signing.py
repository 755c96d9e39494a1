"""What signing costs each answer: canonical form, Ed25519, the whole `Signer.sign`, verification.

Every answer is signed, cache hits included, so this cost sits on the cached-answer path. Each
figure is printed beside the same run's baseline: `json.dumps` of the same document, which every
answer pays anyway to be written. The best of many repeats is reported (the least disturbed by
other processes on a shared machine), with the median beside it.

Usage: python bench/signing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "service"))

from veriflien.attestation import Signer, verify  # noqa: E402
from veriflien.jcs import canonical_json  # noqa: E402
from veriflien.result import (  # noqa: E402
    CheckResult,
    Confidence,
    FetchedDocument,
    Finding,
    MediaInfo,
    Redirect,
    Strength,
    Verdict,
)
from veriflien.runtime import make_advisor  # noqa: E402
from veriflien.settings import Settings  # noqa: E402


def sample(settings: Settings) -> dict:
    """A private YouTube result with its advice and report links, as a check answers it."""
    result = CheckResult(
        url="https://youtu.be/prvVideo001",
        verdict=Verdict.PRIVATE,
        confidence=Confidence.HIGH,
        checked_at="2026-11-21T05:30:00Z",
        version="0.1.0",
        final_url="https://www.youtube.com/watch?v=prvVideo001",
        redirects=[Redirect("https://youtu.be/prvVideo001", 301)],
        platform={"id": "youtube", "name": "YouTube"},
        media=MediaInfo("mp4", True, 93.5, 93.5, 10_485_760, 65_536),
        findings=[
            Finding("oembed", "oembed_403", "oEmbed: 403.", Verdict.PRIVATE, Strength.MEDIUM),
            Finding("page", "status_private", "Private video.", Verdict.PRIVATE, Strength.STRONG),
            Finding("verdict", "rule_private", "The platform itself says the video is private."),
        ],
        documents=[
            FetchedDocument(
                "https://www.youtube.com/watch?v=prvVideo001", 200, "text/html", "a" * 64, ""
            )
        ],
        server_address="203.0.113.7",
        duration_ms=412,
    )
    make_advisor(settings)(result, None)
    return result.to_json()


def best_and_median(function, repeat: int, number: int = 50) -> tuple[float, float]:
    times = [t / number for t in timeit.repeat(function, number=number, repeat=repeat)]
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    settings = Settings().with_overrides(instance_key="bench" * 8)
    signer = Signer.from_settings(settings)
    doc = sample(settings)
    signed = signer.sign(doc)
    message = canonical_json(doc)
    figures = {
        "json.dumps (baseline)": lambda: json.dumps(doc, ensure_ascii=False),
        "canonical form (RFC 8785)": lambda: canonical_json(doc),
        "Ed25519 signature alone": lambda: signer._private.sign(message),
        "Signer.sign (all of it)": lambda: signer.sign(doc),
        "verify": lambda: verify(signed, signer.keyring),
    }
    print(f"document: {len(json.dumps(doc, ensure_ascii=False).encode())} bytes of JSON")
    baseline = None
    for name, function in figures.items():
        best, median = best_and_median(function, args.repeat)
        baseline = baseline or best
        print(
            f"{name:28} best {best * 1e6:7.1f} µs   median {median * 1e6:7.1f} µs"
            f"   {best / baseline:4.1f}× json.dumps"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
