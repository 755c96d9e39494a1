"""End-to-end fixtures: a real `veriflien serve` process routed to the fake platform, Debian's
chromium driven by Playwright (never a downloaded browser), and the extension's build."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.platform import FakePlatform
from tools import missing_reason

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags that keep a headless chromium from calling home (and failing on a closed network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--no-default-browser-check",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
EXTENSION = ROOT / "extension"
NODE = shutil.which("node")
NPM = shutil.which("npm")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_service(
    fake_platform: FakePlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of a `veriflien serve` subprocess whose outbound traffic reaches only the fake."""
    port = free_port()
    log = tmp_path_factory.mktemp("service") / "service.log"
    env = {
        **os.environ,
        **fake_platform.env(),
        "VERIFLIEN_CHECK_DEADLINE": "8",
        # The browser tests run dozens of checks a minute from loopback, like no person does.
        "VERIFLIEN_RATE_LIMIT_LOCAL": "false",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "veriflien", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("service did not start:\n" + log.read_text(errors="replace"))
        yield base
    finally:
        process.terminate()
        process.wait(10)


def build_extension(out: Path, instance: str | None = None) -> dict[str, Path]:
    """Build both packages with extension/build.mjs into `out` (unpacked folders and zips)."""
    env = {**os.environ, "VERIFLIEN_DIST": str(out)}
    if instance is not None:
        env["VERIFLIEN_INSTANCE"] = instance
    subprocess.run(
        [NODE or "node", str(EXTENSION / "build.mjs")], env=env, check=True, capture_output=True
    )
    return {"chromium": out / "chromium", "firefox": out / "firefox"}


@pytest.fixture(scope="module")  # not session: its loop must not outlive the e2e modules
def playwright_instance() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(missing_reason("chromium"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build, pinned by extension/package-lock.json. A fresh checkout has no
    node_modules: `npm ci` installs it (with web-ext) from the lockfile the first time."""
    path = EXTENSION / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        if NPM is None:
            pytest.skip(missing_reason("npm"))
        subprocess.run(
            [NPM, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True, capture_output=True
        )
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
