"""The shape of the code, as a new maintainer relies on it (issue 15).

What must hold: probes declare the context slots they read and write, the registry derives their
order from that (never written twice) and refuses a read that nothing writes; the verdict rules
tell the file's own evidence by its slot, not by a probe's name; importing the package starts no
thread and creates no thread pool (the pools are runtime.py's, created when an engine starts and
shut down when it stops, which the app does in a cleanup_ctx); yt-dlp's message table is
catalogue data, validated like the platform catalogue.
"""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from veriflien.datafiles import CatalogueError
from veriflien.platforms.ytdlp_messages import default_ytdlp_messages, load_ytdlp_messages
from veriflien.probes import SLOTS, STAGES, CheckContext, Probe, RegistryError, registry, stages
from veriflien.result import Finding, MediaInfo, Strength, Verdict
from veriflien.runtime import standalone_engine
from veriflien.settings import Settings
from veriflien.verdict import decide

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


# ---------------------------------------------------------------------------------------------
# Probes declare what they read and write; the registry derives the order
# ---------------------------------------------------------------------------------------------


def _probe(name: str, reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()) -> Probe:
    return type(f"P_{name}", (Probe,), {"name": name, "reads": reads, "writes": writes})()


def _names(planned: tuple[tuple[Probe, ...], ...]) -> list[list[str]]:
    return [[p.name for p in stage] for stage in planned]


def test_the_registry_order_is_derived_from_the_slots() -> None:
    expected = [["fetch"], ["platform"], ["page", "oembed", "api"], ["ytdlp", "media", "embed"]]
    assert _names(STAGES) == expected
    # Listed backwards, the probes still run in the same stages: the order is not written twice.
    backwards = _names(stages(tuple(reversed(registry()))))
    assert [sorted(stage) for stage in backwards] == [sorted(stage) for stage in expected]


def test_a_probe_reading_a_slot_nobody_writes_is_refused() -> None:
    lonely = _probe("lonely", reads=("media",))
    with pytest.raises(RegistryError, match="'lonely' reads 'media', which no probe writes"):
        stages((*[p for p in registry() if p.name != "media"], lonely))
    with pytest.raises(RegistryError, match="unknown slot"):
        stages((_probe("typo", reads=("pgae",)),))
    with pytest.raises(RegistryError, match="wait for each other"):
        stages(
            (_probe("a", reads=("page",), writes=("media",)), _probe("b", ("media",), ("page",)))
        )


def test_the_engine_refuses_a_registry_that_cannot_run(settings: Settings) -> None:
    from veriflien.check import CheckEngine

    with pytest.raises(RegistryError):
        CheckEngine(settings, gate=None, probes=(_probe("lonely", reads=("platform",)),))  # type: ignore[arg-type]


def test_every_declared_slot_is_a_field_of_the_context() -> None:
    fields = {f.name for f in dataclasses.fields(CheckContext)}
    assert set(SLOTS) <= fields
    assert "extra" not in fields  # no open bag: a probe's output has a name and a type
    for probe in registry():
        assert set(probe.reads) | set(probe.writes) <= set(SLOTS), probe.name


def test_the_file_s_own_evidence_is_recognised_by_slot_not_by_probe_name() -> None:
    incomplete = MediaInfo("mp4", False, duration_seconds=60, playable_seconds=3)
    own = [
        Finding("any-name", "moov_missing", "...", Verdict.INCOMPLETE, Strength.STRONG),
        Finding("any-name", "frames", "...", Verdict.PUBLIC, Strength.STRONG),
    ]
    assert decide(own, incomplete, own).verdict == Verdict.INCOMPLETE
    platform = Finding("platform", "platform_playable", "...", Verdict.PUBLIC, Strength.STRONG)
    assert decide([*own, platform], incomplete, own).verdict == Verdict.PUBLIC


# ---------------------------------------------------------------------------------------------
# The import graph runs one way: api -> check engine -> probes -> net
# ---------------------------------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2] / "service" / "veriflien"
#: Every top-level module or package of veriflien, lowest layer first. A module may import from
#: its own layer and the layers below, never from a layer above.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "shared",
        frozenset({"__init__", "result", "settings", "logs", "slices", "media_types"})
        | {"datafiles", "jcs", "attestation", "payments", "metrics", "http_errors"},
    ),
    ("net and catalogue", frozenset({"net", "platforms"})),
    ("probes", frozenset({"probes", "containers"})),
    ("check engine", frozenset({"check", "verdict", "advice", "messages"})),
    ("service state", frozenset({"access", "state", "selftest", "verifier"})),
    ("api", frozenset({"api", "appkeys"})),
    ("composition", frozenset({"app", "cli", "workers", "__main__", "runtime"})),
)


def _layer(top: str) -> int:
    return next(i for i, (_, members) in enumerate(LAYERS) if top in members)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every veriflien module `path` imports, type-only and late ones too."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = module[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("veriflien")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            if name == "veriflien":  # "from veriflien import x": x is the module
                found += [(node.lineno, f"veriflien.{a.name}") for a in node.names]
            elif name.startswith("veriflien."):
                found.append((node.lineno, name))
    return found


def _top(parts: tuple[str, ...]) -> str:
    return parts[1].removesuffix(".py") if len(parts) > 1 else "__init__"


def test_nothing_imports_from_a_layer_above() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _top(path.relative_to(PACKAGE.parent).parts)
        for line, name in _imports(path):
            there = name.split(".")[1]
            if not (PACKAGE / there).is_dir() and not (PACKAGE / f"{there}.py").is_file():
                there = "__init__"  # a name the package itself defines (__version__)
            if _layer(there) > _layer(here):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert not upward, "\n".join(upward)


def test_every_module_has_a_layer() -> None:
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    tops = {t for t in tops if not t.startswith((".", "_")) or t in {"__init__", "__main__"}}
    tops -= {"static", "__pycache__"}
    for top in sorted(tops):
        assert any(top in members for _, members in LAYERS), f"{top} has no layer"
