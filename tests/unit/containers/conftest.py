"""Fixtures for the container tests: the ffmpeg corpus, fake range readers and a fake fetcher."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # so `tests.corpus` imports

from tests.corpus import Corpus, build_corpus

from tools import require


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    require("ffmpeg")
    return build_corpus(tmp_path_factory.mktemp("media-corpus"))


class FolderFetcher:
    """A ChildFetcher serving files from a folder under https://media.example/; 404 otherwise."""

    BASE = "https://media.example/v/"

    def __init__(self, root: Path, missing: set[str] | None = None, overrides=None):
        self.root = root
        self.missing = missing or set()
        self.overrides: dict[str, bytes] = overrides or {}
        self.probed: list[str] = []
        self.got: list[str] = []

    def _path(self, url: str) -> Path | None:
        if not url.startswith(self.BASE):
            return None
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if name in self.missing:
            return None
        p = self.root / name
        return p if p.is_file() else None

    async def get(self, url: str, max_bytes: int) -> tuple[int, bytes]:
        self.got.append(url)
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if name in self.overrides:
            return 200, self.overrides[name][:max_bytes]
        p = self._path(url)
        return (200, p.read_bytes()[:max_bytes]) if p else (404, b"")

    async def probe(self, url: str) -> int:
        self.probed.append(url)
        return 206 if self._path(url) else 404


@pytest.fixture
def folder_fetcher():
    return FolderFetcher
