"""Replays of the real recorded material in ../shared/real (platform answers, manifests, media).

These tests never run in `make test`: the material is reference data kept outside the
repository (its licences allow reading and replaying it, not redistributing it). `make test-real`
runs them; `.ci/run` calls that target when it finds the folder next to the checkout.
The project's own tests carry minimal fixtures written from these recordings instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realcorpus import SUMMARIES, corpus_dir


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    found = corpus_dir()
    if found is None:
        pytest.fail(
            "the real corpus was not found: set VERIFLIEN_REAL_CORPUS to the folder that holds "
            "MANIFEST.tsv (../shared/real next to the checkout by default)"
        )
    return found


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print the replays' summary tables (right/total, worst error, bytes) after the run."""
    for table in config.stash.get(SUMMARIES, []):
        terminalreporter.write_line("")
        terminalreporter.write_line(table)
