"""Replays of the real recorded material in ../shared/real (platform answers, manifests, media).

These tests never run in `make test`: the material is reference data kept outside the repository
(its licences allow reading and replaying it, not redistributing it). `make test-real` runs them
when the folder is present; `.ci/run` calls that target when it finds the folder next to the
checkout.
The project's own tests carry minimal fixtures written from these recordings instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path | None:
    """The real corpus: $VERIFLIEN_REAL_CORPUS, else ../shared/real next to the checkout."""
    configured = os.environ.get("VERIFLIEN_REAL_CORPUS")
    candidates = [Path(configured)] if configured else [REPO.parent / "shared" / "real"]
    for candidate in candidates:
        if (candidate / "MANIFEST.tsv").is_file():
            return candidate.resolve()
    return None


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    found = corpus_dir()
    if found is None:
        pytest.fail(
            "the real corpus was not found: set VERIFLIEN_REAL_CORPUS to the folder that holds "
            "MANIFEST.tsv (../shared/real next to the checkout by default)"
        )
    return found
