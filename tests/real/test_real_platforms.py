"""Every recorded real platform answer, replayed through the whole engine.

Must hold (issue 11): no false reassurance (content anyone can watch called private, removed,
incomplete, no video or login-only), no real platform page called a trap, and at least 90 % of the
cases right ("unknown" counts as not right unless the recording itself cannot decide).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from real.replay import (
    REACHABLE_STATES,
    REASSURING_VERDICTS,
    Case,
    RealReplay,
    load_cases,
    variants,
)
from realcorpus import SUMMARIES
from veriflien.check import CheckRequest
from veriflien.runtime import standalone_engine
from veriflien.settings import Settings

RESULTS: dict[str, tuple[Case, str, list[str]]] = {}


def _cases() -> list[Case]:
    from real.conftest import corpus_dir

    corpus = corpus_dir()
    return variants(load_cases(corpus)) if corpus else []


CASES = _cases()


@pytest.fixture(scope="module")
def replay(real_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealReplay]:
    server = RealReplay().start(tmp_path_factory.mktemp("replay"), CASES)
    yield server
    server.stop()


async def _check(replay: RealReplay, case: Case) -> tuple[str, list[str]]:
    settings = Settings().with_overrides(
        **replay.settings_overrides(), check_deadline=20.0, read_timeout=5.0
    )
    replay.activate(case)
    async with standalone_engine(settings) as engine:
        result = await engine.run(CheckRequest(case.check_url()))
    codes = [f"{f.probe}:{f.code}" for f in result.findings]
    return result.verdict.value, codes


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_real_case(replay: RealReplay, case: Case) -> None:
    verdict, codes = await _check(replay, case)
    RESULTS[case.id] = (case, verdict, codes)
    assert verdict != "suspicious", f"a real platform page was called a trap: {codes}"
    if case.true_state in REACHABLE_STATES:
        assert verdict not in REASSURING_VERDICTS, f"false reassurance: {verdict} {codes}"


def test_summary(request: pytest.FixtureRequest) -> None:
    """>= 90 % right over every case (run last: pytest keeps file order)."""
    assert RESULTS, "no case ran"
    right = [cid for cid, (case, verdict, _) in RESULTS.items() if verdict in case.accepted()]
    table = Counter()
    lines = []
    for cid, (case, verdict, codes) in sorted(RESULTS.items()):
        ok = verdict in case.accepted()
        table[(case.platform, ok)] += 1
        mark = "ok " if ok else "BAD"
        lines.append(f"{mark} {cid:60s} {case.true_state:15s} -> {verdict:14s} {' '.join(codes)}")
    lines.insert(0, "Real platform replay (../shared/real, recorded answers, truth: MANIFEST.tsv)")
    lines.append(f"right: {len(right)}/{len(RESULTS)} = {len(right) / len(RESULTS):.1%}")
    request.config.stash.setdefault(SUMMARIES, []).append("\n".join(lines))
    assert len(right) >= 0.9 * len(RESULTS)
