"""`veriflien check` and `veriflien serve`, run as a user runs them: in a subprocess.

Exit codes (README): 0 the check ran, whatever the verdict; 2 bad usage; 3 the check could not
run. The subprocess gets the fake platform's VERIFLIEN_* routing and a PYTHONPATH that includes
service/, so the tests work with or without the package installed in the interpreter.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapi_check import schema_of

TIMEOUT = 60


def veriflien(
    env: dict[str, str], *args: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veriflien", *args],
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def test_check_prints_a_french_verdict_by_default(cli_env) -> None:
    proc = veriflien(cli_env, "check", "https://videos.example.com/ok")
    assert proc.returncode == 0, proc.stderr
    assert "Verdict :" in proc.stdout
    assert "confiance" in proc.stdout
    assert "3114" in proc.stdout  # the prevention line closes every answer
    assert_no_traceback(proc)


def test_check_in_english(cli_env) -> None:
    proc = veriflien(cli_env, "check", "--lang", "en", "https://videos.example.com/ok")
    assert proc.returncode == 0, proc.stderr
    assert "Verdict:" in proc.stdout
    assert "confidence" in proc.stdout
    assert "confiance" not in proc.stdout


def test_check_json_is_a_valid_result_document(cli_env) -> None:
    proc = veriflien(
        cli_env, "check", "--json", "--lang", "en", "--country", "be", "--minor", "bit.ly/short-ok"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    errors = sorted(schema_of("CheckResult").iter_errors(doc), key=str)
    assert not errors, f"{errors[0].message} at {list(errors[0].path)}"
    assert doc["url"] == "https://bit.ly/short-ok"  # a scheme-less link gets https://
    assert (doc["lang"], doc["country"], doc["minor"]) == ("en", "BE", True)
    assert doc["redirects"], doc["findings"]


@pytest.mark.parametrize(
    ("url", "verdict", "label"),
    [
        ("hello", "invalid_url", "Adresse non valide"),
        ("http://127.0.0.1:9/secret", "refused", "Lien non ouvert, par sécurité"),
        ("https://secret-host-abc.invalid/x", "unreachable", "Site injoignable"),
    ],
)
def test_check_exits_0_whatever_the_verdict(cli_env, url: str, verdict: str, label: str) -> None:
    proc = veriflien(cli_env, "check", url)
    assert proc.returncode == 0, proc.stderr
    assert label in proc.stdout
    assert_no_traceback(proc)
    as_json = veriflien(cli_env, "check", "--json", url)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["verdict"] == verdict


def test_check_json_stdout_is_only_json_even_with_debug_logs(cli_env) -> None:
    proc = veriflien(cli_env, "check", "--json", "hello", VERIFLIEN_LOG_LEVEL="debug")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "invalid_url"
    for line in proc.stderr.splitlines():
        json.loads(line)  # logs go to stderr, as JSON lines


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["check"],
        ["check", "--lang", "de", "hello"],
        ["check", "--unknown-option", "hello"],
        ["check", "--country", "FRA", "hello"],
        ["check", "--country", "1F", "hello"],
        ["frobnicate"],
        ["serve", "--port", "eighty"],
    ],
    ids=[
        "nothing",
        "no-url",
        "lang-de",
        "unknown-option",
        "country-3",
        "country-digit",
        "cmd",
        "port",
    ],
)
def test_bad_usage_exits_2(cli_env, args: list[str]) -> None:
    proc = veriflien(cli_env, *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.strip()
    assert_no_traceback(proc)


def test_help_and_version_exit_0(cli_env) -> None:
    assert veriflien(cli_env, "--help").returncode == 0
    version = veriflien(cli_env, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("veriflien ")


@pytest.mark.parametrize(
    ("extra_env", "named"),
    [
        ({"VERIFLIEN_CA_BUNDLE": "/nonexistent/ca.pem"}, "VERIFLIEN_CA_BUNDLE"),
        ({"VERIFLIEN_LOG_LEVEL": "loud"}, "VERIFLIEN_LOG_LEVEL"),
        ({"VERIFLIEN_PORT": "eighty"}, "VERIFLIEN_PORT"),
        ({"VERIFLIEN_ALLOWED_PORTS": "80,https"}, "VERIFLIEN_ALLOWED_PORTS"),
        ({"VERIFLIEN_RESOLVE": "www.youtube.com:443:not-an-ip"}, "VERIFLIEN_RESOLVE"),
    ],
    ids=["ca-bundle", "log-level", "port", "allowed-ports", "resolve"],
)
def test_settings_error_exits_3_naming_the_variable(
    cli_env, extra_env: dict[str, str], named: str
) -> None:
    proc = veriflien(cli_env, "check", "hello", **extra_env)
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert named in proc.stderr
    assert proc.stdout == ""
    assert_no_traceback(proc)


def test_missing_config_file_exits_3(cli_env, tmp_path: Path) -> None:
    proc = veriflien(cli_env, "check", "--config", str(tmp_path / "nope.toml"), "hello")
    assert proc.returncode == 3
    assert "config file" in proc.stderr
    assert_no_traceback(proc)


def test_config_file_is_read(cli_env, tmp_path: Path) -> None:
    config = tmp_path / "veriflien.toml"
    config.write_text('default_lang = "en"\ndefault_country = "CH"\n', encoding="utf-8")
    proc = veriflien(cli_env, "check", "--json", "--config", str(config), "hello")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["lang"], doc["country"]) == ("en", "CH")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def served(cli_env, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    port = _free_port()
    log = (tmp_path / "serve.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "veriflien", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=cli_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"veriflien serve did not start: {log.read()}")
                time.sleep(0.1)
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def test_serve_answers_healthz_and_checks(served) -> None:
    port, proc = served
    status, doc = _get(f"http://127.0.0.1:{port}/healthz")
    assert status == 200
    assert doc["status"] == "ok"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/checks",
        data=json.dumps({"url": "https://videos.example.com/ok"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        result = json.loads(response.read())
    assert not list(schema_of("CheckResult").iter_errors(result))
    assert proc.poll() is None


def test_serve_stops_cleanly_on_sigterm(served) -> None:
    _, proc = served
    proc.terminate()
    assert proc.wait(10) in (0, -15)


@pytest.mark.parametrize(
    ("args", "extra_env"),
    [
        (["serve", "--port", "70000"], {}),
        (["serve"], {"VERIFLIEN_PORT": "-5"}),
        (["serve"], {"VERIFLIEN_LOG_LEVEL": "loud"}),
    ],
    ids=["cli-port-70000", "env-port-negative", "log-level"],
)
def test_serve_with_bad_settings_fails_without_traceback(cli_env, args, extra_env) -> None:
    proc = veriflien(cli_env, *args, **extra_env)
    assert proc.returncode in (2, 3), (proc.returncode, proc.stderr[-500:])
    assert_no_traceback(proc)
    assert "port" in proc.stderr.lower() or "LOG_LEVEL" in proc.stderr
