"""The shape of the code, as a new maintainer relies on it (issue 15).

What must hold: importing the package starts no thread and creates no thread pool (the pools are
runtime.py's, created when an engine starts and shut down when it stops, which the app does in a
cleanup_ctx); yt-dlp's message table is catalogue data, validated like the platform catalogue.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from veriflien.datafiles import CatalogueError
from veriflien.platforms.ytdlp_messages import default_ytdlp_messages, load_ytdlp_messages
from veriflien.runtime import standalone_engine
from veriflien.settings import Settings

IMPORT_EVERYTHING = """
import concurrent.futures, importlib, pkgutil, threading

made = []
original = concurrent.futures.ThreadPoolExecutor.__init__

def spy(self, *args, **kwargs):
    made.append(kwargs.get("thread_name_prefix", "?"))
    original(self, *args, **kwargs)

concurrent.futures.ThreadPoolExecutor.__init__ = spy
import veriflien

for module in pkgutil.walk_packages(veriflien.__path__, "veriflien."):
    if module.name != "veriflien.__main__":  # that one runs the command line
        importlib.import_module(module.name)
print(len(threading.enumerate()), made)
"""


def test_importing_every_module_starts_no_thread_and_creates_no_pool() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["1", "[]"], done.stdout + done.stderr


async def test_the_engine_s_pools_are_shut_down_when_it_stops(settings: Settings) -> None:
    async with standalone_engine(settings) as engine:
        parse_pool = engine.parse_pool
        assert isinstance(parse_pool, ThreadPoolExecutor)
        assert parse_pool.submit(sum, (1, 2)).result(5) == 3
        ytdlp_pool = engine.ytdlp._pool
        assert ytdlp_pool.submit(sum, (3, 4)).result(5) == 7
    for pool in (parse_pool, ytdlp_pool):
        with pytest.raises(RuntimeError):
            pool.submit(sum, (1, 2))


def test_the_ytdlp_message_table_is_catalogue_data(tmp_path: Path) -> None:
    table = default_ytdlp_messages()
    assert table.match("ERROR: Private video. Sign in if you've been granted access").code == (
        "ytdlp_private"
    )
    blocked = table.match("Sign in to confirm you're not a bot")
    assert blocked.to_finding("ytdlp").supports is None  # a bot check points to no verdict
    assert table.availability["needs_auth"].strength == "medium"  # an age check, never strong
    broken = tmp_path / "messages.toml"
    broken.write_text(
        '[[message]]\npattern = "(unclosed"\nsupports = "private"\nstrength = "strong"\n'
        'code = "x"\ndetail = "y"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"message\[0\]\.pattern"):
        load_ytdlp_messages(broken)
    broken.write_text(
        '[[message]]\npattern = "x"\nsupports = "privat"\nstrength = "strong"\n'
        'code = "x"\ndetail = "y"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="supports"):
        load_ytdlp_messages(broken)
