"""yt-dlp's own requests go through the gate: they cannot reach an address the gate refuses.

The YouTube host is pinned to the canary (127.0.0.1) for these tests. The yt-dlp probe is run on
its own (the fetch probe would refuse the link before yt-dlp ever ran), so what is proven here is
yt-dlp's path: extractor -> our only request handler -> Gate.fetch -> address policy. The positive
control allows the canary's network and shows the same extraction does reach it, so the test can
fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yt_dlp
from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor
from yt_dlp.utils import Popen as YtdlpPopen
from yt_dlp.utils import check_executable, get_exe_version
from yt_dlp.utils._jsruntime import BunJsRuntime, DenoJsRuntime, NodeJsRuntime, QuickJsRuntime

from veriflien.net import Gate, parse_target
from veriflien.net.ytdlp import GateResponse
from veriflien.platforms import default_catalogue
from veriflien.probes.base import CheckContext
from veriflien.probes.ytdlp import YtdlpProbe
from veriflien.probes.ytdlp_bridge import YtdlpRunner, extract
from veriflien.settings import Settings

WATCH = "https://www.youtube.com/watch?v=abcdefghijk"


async def _run_ytdlp(settings: Settings) -> CheckContext:
    gate = Gate(settings)
    await gate.start()
    pool = ThreadPoolExecutor(max_workers=1)
    runner = YtdlpRunner(pool, timeout=5.0)
    try:
        ctx = CheckContext(
            target=parse_target(WATCH, settings.port_set),
            gate=gate,
            scope=gate.new_scope(),
            settings=settings,
            catalogue=default_catalogue(),
            ytdlp=runner,
            platform=default_catalogue().get("youtube"),
        )
        await asyncio.wait_for(YtdlpProbe().run(ctx), timeout=10)
        return ctx
    finally:
        pool.shutdown(cancel_futures=True)
        await gate.close()


async def test_ytdlp_cannot_reach_a_refused_address(settings, canary) -> None:
    pinned = settings.with_overrides(
        resolve=[*settings.resolve, f"www.youtube.com:443:127.0.0.1:{canary.port}"]
    )
    ctx = await _run_ytdlp(pinned)
    assert canary.connections == []
    codes = [f.code for f in ctx.findings]
    assert "ytdlp_request_refused" in codes, codes
    assert ctx.scope.refusals and ctx.scope.refusals[0].reason == "loopback"


async def test_control_the_same_extraction_reaches_an_allowed_canary(settings, canary) -> None:
    allowed = settings.with_overrides(
        resolve=[*settings.resolve, f"www.youtube.com:443:127.0.0.1:{canary.port}"],
        allow_networks=[*settings.allow_networks, "127.0.0.1/32"],
    )
    await _run_ytdlp(allowed)
    # The canary speaks plain HTTP, so the TLS handshake fails there: a connection is the proof.
    assert canary.connections


# --- programs yt-dlp would start (issue 13, item 11) ---------------------------------------------

#: Every program yt-dlp may start: PhantomJS (browser checks), the JavaScript runtimes (YouTube's
#: challenges), ffmpeg and ffprobe (format probing), bidi helpers (terminal output).
PROGRAMS = ("phantomjs", "node", "deno", "bun", "qjs", "ffmpeg", "ffprobe", "bidiv", "fribidi")


@pytest.fixture
def stand_ins(tmp_path, monkeypatch) -> Path:
    """Executables named like those programs, first on PATH, each logging its every run; they
    print a version so that yt-dlp, finding them, goes on to use them."""
    runs = tmp_path / "runs.log"
    runs.touch()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in PROGRAMS:
        script = bin_dir / name
        script.write_text(
            f'#!/bin/sh\necho "{name} $*" >> "{runs}"\n'
            f'echo "{name} version 99.0.0"\necho "v99.0.0"\n'
        )
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    assert shutil.which("phantomjs") == str(bin_dir / "phantomjs")
    return runs


def _pornhub_page(method, url, headers, body) -> GateResponse:
    # What the PornHub extractor treats as "needs a browser": it hands the page to PhantomJS.
    html = (
        "<html><head><title>PornHub</title></head><body>"
        "<script>document.location.reload(true);</script></body></html>"
    )
    return GateResponse(200, {"Content-Type": "text/html"}, html.encode(), url)


def test_a_page_asking_for_phantomjs_starts_no_program(stand_ins) -> None:
    # The reported path: with phantomjs on PATH, a page containing `document.location
    # .reload(true)` made yt-dlp run it on the attacker's HTML, with its own network stack.
    outcome = extract(
        "https://www.pornhub.com/view_video.php?viewkey=ph0123456789",
        _pornhub_page,
        ["PornHub"],
        timeout=10,
    )
    assert stand_ins.read_text() == ""  # not one run
    assert [f.code for f in outcome.findings] == ["ytdlp_program_refused"]
    assert "phantomjs" in outcome.findings[0].detail
    assert outcome.findings[0].supports is None  # says nothing about the video


def test_every_way_ytdlp_starts_a_program_is_refused(stand_ins) -> None:
    # Each helper yt-dlp uses to find or run a program, called as yt-dlp calls it: from any
    # thread, yt-dlp's code is on the stack and the start is refused.
    ydl = yt_dlp.YoutubeDL({"quiet": True, "no_warnings": True, "logger": None})
    attempts = {
        "check_executable": lambda: check_executable("phantomjs", ["-v"]),
        "get_exe_version": lambda: get_exe_version("ffmpeg", ["-version"]),
        "ffmpeg": lambda: FFmpegPostProcessor(ydl).available,
        "ffprobe": lambda: FFmpegPostProcessor(ydl).probe_available,
        "node": lambda: NodeJsRuntime().info,
        "deno": lambda: DenoJsRuntime().info,
        "bun": lambda: BunJsRuntime().info,
        "quickjs": lambda: QuickJsRuntime().info,
        "popen": lambda: YtdlpPopen.run(["ffmpeg", "-version"]),
    }
    results = {}
    for name, attempt in attempts.items():
        try:
            results[name] = attempt()
        except OSError as exc:
            results[name] = type(exc).__name__
    assert stand_ins.read_text() == "", results
    assert results["popen"] == "ProcessRefused"
    assert not any(results[name] for name in attempts if name != "popen"), results


def test_the_service_itself_may_still_start_programs(stand_ins) -> None:
    # The control: the refusal is aimed at yt-dlp, not at the process (the CLI and these tests
    # start programs); the same stand-in runs when our own code starts it.
    subprocess.run(["ffmpeg", "-version"], check=True, capture_output=True)
    assert stand_ins.read_text().startswith("ffmpeg -version")
