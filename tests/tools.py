"""The system tools the test suite needs, installed by `make test` or named before anything runs.

A test skipped because a tool is missing is a test that did not run, and a green run that skipped
the e2e, media and Redis tests says nothing about them. So:

- `make test` runs this file first (`python3 tests/tools.py --install`): when a tool is missing it
  installs the Debian packages with apt-get (as root, or through passwordless sudo), printing the
  command; when it cannot, it stops before the suite starts, naming the missing tools and the one
  command that installs them.
- Tests that need a tool call `require()` (or use `missing_reason()` in a skipif): when someone runs
  pytest directly on a machine without the tool, the skip reason starts with MISSING_TOOL, and under
  CI=true the hooks in tests/tool_skips.py turn such a skip into a failure.

Standard library only: it runs with the system python3, before the virtual environment exists.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass

#: Every skip reason for a missing tool starts with this; the CI hook looks for it.
MISSING_TOOL = "missing tool"


@dataclass(frozen=True)
class Tool:
    command: str  # looked up on PATH
    package: str  # the Debian package that provides it
    why: str
    min_major: int = 0  # oldest major version that works, read from `COMMAND --version`


TOOLS: tuple[Tool, ...] = (
    Tool("ffmpeg", "ffmpeg", "generates the media corpus (container, scenario and console tests)"),
    Tool("chromium", "chromium", "end-to-end tests of the console and the extension (Playwright)"),
    Tool("firefox-esr", "firefox-esr", "end-to-end tests of the Firefox extension (Marionette)"),
    Tool("redis-server", "redis-server", "shared cache and rate limits across replicas"),
    Tool("caddy", "caddy", "the shipped deploy/Caddyfile, live in front of the service"),
    # web-ext 10 declares Node 20 or later, and its undici needs the global File of Node 20.
    Tool("node", "nodejs", "builds the extension and runs web-ext", min_major=20),
    Tool("npm", "npm", "installs web-ext and axe-core for the extension tests"),
)
TOOLS_BY_COMMAND = {tool.command: tool for tool in TOOLS}


# Debian's python3 cannot create the virtual environment `make test` builds next without this one.
VENV = Tool("python3 -m venv", "python3-venv", "creates .venv (Debian splits ensurepip out)")


def _version_problem(tool: Tool, path: str) -> str | None:
    if not tool.min_major:
        return None
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "does not run"
    match = re.search(r"(\d+)\.\d+", out)
    if match is None or int(match.group(1)) < tool.min_major:
        return f"{out or 'an unknown version'} is too old, {tool.min_major} or later is needed"
    return None


def missing() -> list[tuple[Tool, str]]:
    """The tools not on PATH or too old, each with what is wrong (the tests simulate a bare
    machine with a PATH that lacks them)."""
    absent = []
    for tool in TOOLS:
        path = shutil.which(tool.command)
        problem = "not installed" if path is None else _version_problem(tool, path)
        if problem:
            absent.append((tool, problem))
    if importlib.util.find_spec("ensurepip") is None:
        absent.append((VENV, "not installed"))
    return absent


def install_command(packages: list[str], root: bool) -> list[str]:
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    return command if root else ["sudo", *command]


def missing_reason(command: str) -> str:
    """The skip reason for a missing tool: what it is for and how to get it."""
    tool = TOOLS_BY_COMMAND[command]
    return (
        f"{MISSING_TOOL}: {tool.command} ({tool.why}); `make test` installs it "
        f"(apt-get install {tool.package})"
    )


def require(command: str) -> str:
    """The tool's path, or skip the test with a reason CI treats as a failure."""
    path = shutil.which(command)
    if path is None:
        import pytest

        pytest.skip(missing_reason(command))
    return path


def _is_root() -> bool:
    return os.geteuid() == 0


def _passwordless_sudo() -> bool:
    if shutil.which("sudo") is None:
        return False
    probe = subprocess.run(
        ["sudo", "-n", "true"], stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    return probe.returncode == 0


def _stop(absent: list[tuple[Tool, str]], command: list[str], why: str) -> int:
    print(f"make test: the test suite needs tools this machine lacks ({why}):", file=sys.stderr)
    for tool, problem in absent:
        detail = "" if problem == "not installed" else f" ({problem})"
        print(f"  - {tool.command}{detail}: {tool.why}", file=sys.stderr)
    print("Install them with this one command, then run `make test` again:", file=sys.stderr)
    print(f"  {shlex.join(command)}", file=sys.stderr)
    for tool, problem in absent:
        if problem != "not installed":
            # Debian 12 ships Node 18, Debian 13 ships Node 20.
            print(
                f"If {tool.command} stays too old after that, this release's {tool.package} is: "
                f"Debian 13 and later ship {tool.command} {tool.min_major} or later.",
                file=sys.stderr,
            )
    return 1


def ensure(install: bool) -> int:
    """0 when every tool is there (installing what is missing if allowed and possible), else 1."""
    absent = missing()
    if not absent:
        return 0
    packages = list(dict.fromkeys(tool.package for tool, _ in absent))
    root = _is_root()
    command = install_command(packages, root)
    if not install:
        return _stop(absent, command, "checked only, --install not given")
    if shutil.which("apt-get") is None:
        return _stop(absent, command, "no apt-get here: install the equivalent packages")
    if not root and not _passwordless_sudo():
        return _stop(absent, command, "not root, and sudo asks for a password")
    prefix = [] if root else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in ([*prefix, "apt-get", "update", "-qq"], command):
        print(f"make test: running {shlex.join(step)}", file=sys.stderr, flush=True)
        if subprocess.run(step, env=env, check=False).returncode != 0:
            return _stop(absent, command, f"`{shlex.join(step)}` failed")
    still = missing()
    if still:
        return _stop(still, command, "still missing or too old after apt-get install")
    print(f"make test: installed {' '.join(packages)}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--install"]):
        print("usage: tools.py [--install]", file=sys.stderr)
        return 2
    return ensure(install=args == ["--install"])


if __name__ == "__main__":
    sys.exit(main())
