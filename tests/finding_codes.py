"""Holds every check the test suite runs to the finding-code contract (advice/findings.toml).

Finding codes are written in many ways: literals, f-strings with an HTTP status, tables in the
platform catalogue, the gate's refusal reasons. Reading the source cannot see them all, so the
suite itself is the witness: every result the check engine finishes during any test is recorded,
and after each test every finding in it must be documented, written by a probe the catalogue names
for it, and support only verdicts the catalogue allows. The failing test is the one whose check
emitted the stray code. (tests/unit/test_finding_codes.py adds the static half: codes written in
the source but not exercised by any test.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from veriflien.advice.findings import load_finding_codes
from veriflien.check import CheckEngine
from veriflien.result import Finding

_EMITTED: list[Finding] = []
_finish = CheckEngine._finish


def _recording_finish(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    result = _finish(self, *args, **kwargs)
    _EMITTED.extend(result.findings)
    return result


# Wrapped once, for the whole session: the engine is created by many fixtures and by the app.
CheckEngine._finish = _recording_finish  # type: ignore[method-assign]


def contract_problems(findings: Iterable[Finding]) -> list[str]:
    """Why each finding breaks the contract of findings.toml (empty when all keep it)."""
    catalogue = load_finding_codes()
    problems = set()
    for finding in findings:
        found = catalogue.lookup(finding.code)
        if found is None:
            problems.add(f"{finding.probe}/{finding.code}: not documented in findings.toml")
            continue
        entry = found[0]
        if finding.probe not in entry.probes:
            problems.add(
                f"{finding.probe}/{finding.code}: probe {finding.probe!r} is not among "
                f"{list(entry.probes)} in findings.toml"
            )
        if finding.supports is not None and finding.supports not in entry.supports:
            problems.add(
                f"{finding.probe}/{finding.code}: supports {finding.supports.value!r}, which "
                f"findings.toml does not allow ({sorted(v.value for v in entry.supports)})"
            )
    return sorted(problems)


@pytest.fixture(autouse=True)
def finding_codes_contract() -> Iterator[None]:
    start = len(_EMITTED)
    yield
    emitted = _EMITTED[start:]
    del _EMITTED[start:]
    problems = contract_problems(emitted)
    if problems:
        pytest.fail("finding codes outside the contract:\n  " + "\n  ".join(problems))
