"""`veriflien message FILE|-`, run as a user runs it: in a subprocess, against the fake platform.

Exit codes like `check` (README): 0 the analysis ran, whatever it found; 2 bad usage (also an
unreadable file, an empty text or one over 20,000 characters); 3 it could not run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from messages_corpus import BTC_LOOKALIKE, CORPUS, LINK_PRIVATE
from openapi_check import schema_of


def message(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veriflien", "message", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=90,
        check=False,
    )


def test_message_from_stdin_in_french(cli_env) -> None:
    case = next(c for c in CORPUS if c.id == "fr-mass-lookalike-wallet")
    proc = message(cli_env, "-", stdin=case.text)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Type de message : arnaque envoyée en masse" in out
    assert f"Bitcoin {BTC_LOOKALIKE} — somme de contrôle FAUSSE" in out
    assert "somme demandée : 1000 EUR" in out
    assert "Ne payez pas" in out and "cybermalveillance.gouv.fr" in out
    assert "Traceback" not in proc.stderr


def test_message_file_json_with_links(cli_env, tmp_path: Path) -> None:
    case = next(c for c in CORPUS if c.id == "en-targeted-video-call-link")
    path = tmp_path / "message.txt"
    path.write_text(case.text, encoding="utf-8")
    proc = message(cli_env, "--json", "--lang", "en", "--country", "gb", str(path))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    errors = sorted(schema_of("MessageAnalysis").iter_errors(doc), key=str)
    assert not errors, f"{errors[0].message} at {list(errors[0].path)}"
    assert doc["classification"]["kind"] == "targeted_blackmail"
    assert [(link["url"], link["verdict"]) for link in doc["links"]] == [(LINK_PRIVATE, "private")]
    assert (doc["lang"], doc["country"]) == ("en", "GB")


def test_message_text_lists_link_verdicts(cli_env) -> None:
    case = next(c for c in CORPUS if c.id == "fr-targeted-link-private")
    proc = message(cli_env, "-", stdin=case.text)
    assert proc.returncode == 0, proc.stderr
    assert f"{LINK_PRIVATE} → Vidéo privée (confiance" in proc.stdout
    assert "chantage ciblé" in proc.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["/nonexistent/message.txt"], None, "cannot read"),
        (["-"], "   \n", "empty"),
        (["-"], "x" * 20_001, "longer than 20,000"),
        (["--country", "FRA", "-"], "hello", "two-letter"),
        ([], None, ""),
    ],
)
def test_bad_usage_exits_2(cli_env, args: list[str], stdin: str | None, says: str) -> None:
    proc = message(cli_env, *args, stdin=stdin)
    assert proc.returncode == 2, proc.stdout
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr


def test_binary_file_is_bad_usage(cli_env, tmp_path: Path) -> None:
    path = tmp_path / "image.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    proc = message(cli_env, str(path))
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_settings_error_exits_3(cli_env) -> None:
    proc = message({**cli_env, "VERIFLIEN_CHECK_DEADLINE": "soon"}, "-", stdin="hello")
    assert proc.returncode == 3
    assert "VERIFLIEN_CHECK_DEADLINE" in proc.stderr
