"""`make test` on a machine without the tools: it installs them, or stops before anything runs; and
under CI=true a test skipped for a missing tool fails.

A bare machine is simulated with a PATH that holds none of the tools (and stand-ins for apt-get and
sudo that record what they were asked), never by uninstalling anything.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tools

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "tools.py"
PACKAGES = ["ffmpeg", "chromium", "firefox-esr", "redis-server", "caddy", "nodejs", "npm"]
ROOT_USER = os.geteuid() == 0


def _stand_in(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A PATH directory with none of the tools in it."""
    path = tmp_path / "bin"
    path.mkdir()
    return path


def _run_script(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(path), "HOME": str(path.parent), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False
    )


def test_without_a_way_to_install_it_stops_naming_the_tools_and_the_one_command(bare: Path) -> None:
    result = _run_script(bare, "--install")
    assert result.returncode == 1
    for tool in tools.TOOLS:
        assert f"- {tool.command}: " in result.stderr
    command = " ".join(["apt-get install -y --no-install-recommends", *PACKAGES])
    expected = command if ROOT_USER else "sudo " + command
    lines = result.stderr.splitlines()
    assert lines[lines.index(next(line for line in lines if "one command" in line)) + 1] == (
        "  " + expected
    )
    assert result.stdout == ""


def test_as_root_or_with_passwordless_sudo_it_installs_and_says_what_it_runs(bare: Path) -> None:
    log = bare.parent / "apt.log"
    commands = " ".join(tool.command for tool in tools.TOOLS)
    # apt-get "installs" by creating every tool on the PATH; sudo lets anything through (-n).
    _stand_in(
        bare / "apt-get",
        f"""\
        echo "$*" >> {log}
        if [ "$1" = install ]; then
          for c in {commands}; do
            printf '#!/bin/sh\\necho v20.19.2\\n' > {bare}/$c; /bin/chmod +x {bare}/$c
          done
        fi
        """,
    )
    _stand_in(bare / "sudo", '[ "$1" = -n ] && shift\nexec "$@"\n')
    result = _run_script(bare, "--install")
    assert result.returncode == 0, result.stderr
    prefix = "" if ROOT_USER else "sudo "
    assert f"running {prefix}apt-get update -qq" in result.stderr
    install = "apt-get install -y --no-install-recommends " + " ".join(PACKAGES)
    assert f"running {prefix}{install}" in result.stderr
    assert log.read_text().splitlines() == ["update -qq", install.removeprefix("apt-get ")]
    assert _run_script(bare, "--install").returncode == 0  # everything is there now


def test_not_root_and_sudo_wants_a_password_stops_without_running_apt_get(
    bare: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = bare.parent / "apt-get-ran"
    _stand_in(bare / "apt-get", f"echo ran > {ran}\n")
    _stand_in(bare / "sudo", "echo 'sudo: a password is required' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", str(bare))
    monkeypatch.setattr(tools, "_is_root", lambda: False)
    assert tools.ensure(install=True) == 1
    err = capsys.readouterr().err
    assert "sudo asks for a password" in err
    assert "  sudo apt-get install -y --no-install-recommends " + " ".join(PACKAGES) in err
    assert not ran.exists()


def test_a_node_too_old_for_web_ext_is_named_and_stops_the_run(bare: Path) -> None:
    # Debian 12's nodejs is 18; web-ext 10 needs 20. apt-get cannot fix it: the run stops.
    for tool in tools.TOOLS:
        _stand_in(bare / tool.command, "echo v18.20.4\n" if tool.command == "node" else "")
    log = bare.parent / "apt.log"
    _stand_in(bare / "apt-get", f'echo "$*" >> {log}\n')
    _stand_in(bare / "sudo", '[ "$1" = -n ] && shift\nexec "$@"\n')
    result = _run_script(bare, "--install")
    assert result.returncode == 1
    assert "still missing or too old after apt-get install" in result.stderr
    assert "- node (v18.20.4 is too old, 20 or later is needed): " in result.stderr
    assert log.read_text().splitlines()[-1] == "install -y --no-install-recommends nodejs"
    assert "Debian 13" in result.stderr
    assert "ffmpeg" not in result.stderr  # only what is wrong is named


def test_a_failed_apt_get_stops_the_run(bare: Path) -> None:
    _stand_in(bare / "apt-get", "exit 100\n")
    _stand_in(bare / "sudo", '[ "$1" = -n ] && shift\nexec "$@"\n')
    result = _run_script(bare, "--install")
    assert result.returncode == 1
    assert "apt-get update -qq` failed" in result.stderr


def test_make_test_checks_the_tools_before_the_suite() -> None:
    dry = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    tools_step = next(i for i, line in enumerate(dry) if "tests/tools.py --install" in line)
    pytest_step = next(i for i, line in enumerate(dry) if "-m pytest" in line)
    assert tools_step < pytest_step


# --- the CI policy, in a separate pytest run with the hooks loaded as a plugin ---------------

_POLICY_TESTS = """\
import pytest
from tools import missing_reason

def test_runs():
    pass

def test_skips_for_a_tool():
    pytest.skip(missing_reason("caddy"))

@pytest.mark.skipif(True, reason=missing_reason("redis-server"))
def test_marked_for_a_tool():
    pass

def test_skips_for_a_module():
    pytest.importorskip("no_such_module_for_veriflien")

def test_skips_for_another_reason():
    pytest.skip("nothing to make invalid: the operation takes no body")
"""


def _policy_run(tmp_path: Path, ci: str | None) -> tuple[int, dict[str, int]]:
    (tmp_path / "test_policy.py").write_text(_POLICY_TESTS)
    (tmp_path / "test_module_skip.py").write_text(
        "import pytest\npytest.importorskip('no_such_module_for_veriflien')\n"
        "def test_never_collected():\n    pass\n"
    )
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(ROOT / "tests")
    if ci is not None:
        env["CI"] = ci
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tool_skips", "-p", "no:cacheprovider", "-q",
         "--continue-on-collection-errors", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    last = result.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}
    return result.returncode, counts


def test_in_ci_a_skip_for_a_missing_tool_fails_and_other_skips_stay_skips(tmp_path: Path) -> None:
    code, counts = _policy_run(tmp_path, "true")
    assert code == 1
    # Call-time skips become failures; a skip mark and a module-level skip become errors.
    assert counts["failed"] == 2 and counts["errors"] == 2
    assert counts["skipped"] == 1 and counts["passed"] == 1


def test_outside_ci_the_same_skips_are_reported_as_skips(tmp_path: Path) -> None:
    code, counts = _policy_run(tmp_path, None)
    assert code == 0
    assert counts["skipped"] == 5 and counts["passed"] == 1
