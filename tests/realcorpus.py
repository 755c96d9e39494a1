"""Where the real recorded material lives, shared by tests/real/conftest.py and its test modules.

A module of its own because test modules cannot import a conftest.py by name (tests/conftest.py
and tests/real/conftest.py would collide); the case lists are built at collection time from it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Summary tables the replays print at the end of the run (tests/real/conftest.py shows them).
SUMMARIES = pytest.StashKey[list[str]]()


def corpus_dir() -> Path | None:
    """The real corpus: $VERIFLIEN_REAL_CORPUS, else ../shared/real next to the checkout."""
    configured = os.environ.get("VERIFLIEN_REAL_CORPUS")
    candidates = [Path(configured)] if configured else [REPO.parent / "shared" / "real"]
    for candidate in candidates:
        if (candidate / "MANIFEST.tsv").is_file():
            return candidate.resolve()
    return None
