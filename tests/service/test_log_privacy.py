"""Issue 2's privacy proof: a submitted URL, its host or its path never reaches the logs (debug
included) nor any file the service writes.

`veriflien serve` runs as a subprocess at debug level with HOME, TMPDIR, the XDG directories and
its working directory inside a fresh sandbox; its stdout and stderr go to a file outside it. A set
of checks with distinctive hosts, paths and query strings goes through HTTP (JSON, event stream,
evidence sheet, bad requests, the error path); then the log and every file in the sandbox are
searched for any of those strings.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVICE_DIR = Path(__file__).resolve().parents[2] / "service"

# (url, strings that identify it: none may appear in a log or a written file)
SUBMITTED: list[tuple[str, list[str]]] = [
    (
        "https://videos.example.com/secret-path-XYZ?token=SECRETQ",
        ["videos.example.com", "secret-path-XYZ", "SECRETQ"],
    ),
    ("https://videos.example.com/ok?token=SECRETOK", ["SECRETOK"]),
    ("https://bit.ly/short-ok?ref=SECRETBITLY", ["bit.ly", "short-ok", "SECRETBITLY"]),
    ("https://bit.ly/secret-short-ABC", ["secret-short-ABC"]),
    (
        "https://www.youtube.com/watch?v=SECRETVID01&t=SECRETYT",
        ["youtube.com", "SECRETVID01", "SECRETYT"],
    ),
    ("https://videos.example.com/to-canary#SECRETFRAG", ["to-canary", "SECRETFRAG"]),
    ("http://127.0.0.1:9/secret-refused-PQR", ["127.0.0.1:9/", "secret-refused-PQR"]),
    ("http://10.77.88.99/secret-private-JKL", ["10.77.88.99", "secret-private-JKL"]),
    ("https://secret-host-abc.invalid/x-SECRETUNREACH", ["secret-host-abc", "SECRETUNREACH"]),
    ("hello SECRETINVALID text", ["SECRETINVALID"]),
    ("javascript:alert('SECRETJS')", ["SECRETJS"]),
    ("secret-bare-host.example/SECRETBARE", ["secret-bare-host", "SECRETBARE"]),
]
# A pasted message (POST /api/v1/messages, issue 16): neither its words, nor what is extracted
# from it, nor its links may reach a log or a file.
MESSAGE = (
    "Je connais ton mot de passe SECRETMSGPASSWORD. J'ai enregistré notre appel vidéo, regarde "
    "https://videos.example.com/ok?token=SECRETMSGLINK et https://bit.ly/secret-msg-short. "
    "Envoie 300 € en coupons PCS (code SECRETPCS1234) ou sur 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 "
    "avant le 12/03/2026, sinon ta sœur Secretina le saura. Snap: secret_msg_handle, "
    "WhatsApp +33 6 11 22 33 44, secret.msg@example.org, IBAN FR14 2004 1010 0505 0001 3M02 606"
)
MESSAGE_TOKENS = [
    "SECRETMSGPASSWORD", "SECRETMSGLINK", "secret-msg-short", "SECRETPCS1234",
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "Secretina", "secret_msg_handle", "11 22 33 44",
    "secret.msg@example.org", "3M02", "appel vid",
]  # fmt: skip
ALL_TOKENS = sorted(
    {token for _, tokens in SUBMITTED for token in tokens} | {"secret"} | set(MESSAGE_TOKENS)
)


@dataclass
class Served:
    port: int
    proc: subprocess.Popen
    log_path: Path
    sandbox: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(
    served: Served, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(served.url(path), data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _post_json(served: Served, path: str, doc: object, **headers: str) -> tuple[int, bytes]:
    return _request(
        served, path, json.dumps(doc).encode(), {"Content-Type": "application/json", **headers}
    )


@pytest.fixture(scope="module")
def served(fake_platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("privacy")
    sandbox = root / "sandbox"
    home, tmp = sandbox / "home", sandbox / "tmp"
    home.mkdir(parents=True)
    tmp.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VERIFLIEN_", "XDG_")) and k not in {"HOME", "TMPDIR", "TMP", "TEMP"}
    }
    env.update(fake_platform.env())
    env.update(
        VERIFLIEN_LOG_LEVEL="debug",
        VERIFLIEN_CHECK_DEADLINE="8",
        HOME=str(home),
        TMPDIR=str(tmp),
        TMP=str(tmp),
        TEMP=str(tmp),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join(
            p for p in (str(SERVICE_DIR), os.environ.get("PYTHONPATH", "")) if p
        ),
    )
    port = _free_port()
    log_path = root / "service.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "veriflien",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=sandbox,
            stdout=log,
            stderr=log,
        )
    state = Served(port, proc, log_path, sandbox)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(state, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"veriflien serve did not start: {log_path.read_text()}")
            time.sleep(0.1)
        _exercise(state)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    yield state


def _exercise(served: Served) -> None:
    """Every way a URL can reach the service: checks, streams, sheets, and bad requests."""
    for url, _ in SUBMITTED:
        status, body = _post_json(served, "/api/v1/checks", {"url": url, "lang": "en"})
        assert status == 200, body
        result = json.loads(body)
        # The sheet: the result (URL and all) goes back to the service.
        status, _ = _post_json(served, "/api/v1/sheet", result)
        assert status == 200
    status, body = _post_json(
        served,
        "/api/v1/checks",
        {"url": SUBMITTED[0][0]},
        Accept="text/event-stream",
    )
    assert status == 200 and b"event: result" in body
    # Bad requests that still carry a URL.
    bad = [
        {"url": SUBMITTED[0][0], "lang": "de"},
        {"url": SUBMITTED[2][0], "extra": SUBMITTED[4][0]},
        {"url": SUBMITTED[0][0], "country": "XYZ"},
        {"url": SUBMITTED[0][0] + "/" + "a" * 5000},
    ]
    for doc in bad:
        assert _post_json(served, "/api/v1/checks", doc)[0] == 400
    # The error path (a lone surrogate cannot be encoded back to UTF-8) and a GET with a query.
    _request(
        served,
        "/api/v1/checks",
        b'{"url": "https://videos.example.com/secret-path-XYZ\\ud800?token=SECRETQ"}',
        {"Content-Type": "application/json"},
    )
    _request(served, "/api/v1/checks?url=https%3A%2F%2Fbit.ly%2Fsecret-short-ABC")
    _request(served, "/api/v1/checks", SUBMITTED[0][0].encode(), {"Content-Type": "text/plain"})
    # A whole message: analysed, printed as a sheet, and refused when malformed.
    status, body = _post_json(served, "/api/v1/messages", {"text": MESSAGE, "lang": "fr"})
    assert status == 200, body
    analysis = json.loads(body)
    assert [link["verdict"] for link in analysis["links"]]
    assert _post_json(served, "/api/v1/sheet", analysis)[0] == 200
    for bad_message in (
        {"text": MESSAGE, "lang": "de"},
        {"text": MESSAGE, "extra": MESSAGE},
        {"text": MESSAGE * 80},
    ):
        assert _post_json(served, "/api/v1/messages", bad_message)[0] in (400, 413)
    _request(served, "/api/v1/messages", MESSAGE.encode(), {"Content-Type": "text/plain"})


def _log_text(served: Served) -> str:
    return served.log_path.read_bytes().decode("utf-8", "replace")


def _is_banner(line: str) -> bool:
    return line.startswith("Vérif'Lien ") and " on http://127.0.0.1:" in line


def test_the_service_logged_something_at_debug(served) -> None:
    """Guard against a vacuous pass: the checks ran and were logged (by digest)."""
    lines = [json.loads(line) for line in _log_text(served).splitlines() if not _is_banner(line)]
    done = [line for line in lines if line.get("message") == "check done"]
    assert len(done) >= len(SUBMITTED)
    analysed = [line for line in lines if line.get("message") == "message analysed"]
    assert [(line["reason"], line["count"]) for line in analysed] == [("targeted_blackmail", 2)]
    assert all(len(line["url_digest"]) == 16 for line in done)


@pytest.mark.parametrize("token", ALL_TOKENS)
def test_no_submitted_url_host_or_path_in_the_log(served, token: str) -> None:
    text = _log_text(served)
    assert token.lower() not in text.lower(), [
        line for line in text.splitlines() if token.lower() in line.lower()
    ][:3]


def test_full_urls_are_not_in_the_log(served) -> None:
    text = _log_text(served)
    for url, _ in SUBMITTED:
        assert url not in text
        assert url.split("?", 1)[0].split("#", 1)[0] not in text


def test_log_lines_are_json_with_known_fields(served) -> None:
    lines = _log_text(served).splitlines()
    assert lines
    for line in lines:
        if _is_banner(line):
            continue
        doc = json.loads(line)
        assert isinstance(doc, dict), line
        assert {"time", "level", "logger", "message"} <= set(doc), line
        assert doc["level"] in {"debug", "info", "warning", "error", "critical"}


def test_url_digest_is_keyed_not_a_plain_hash(served) -> None:
    text = _log_text(served)
    for url, _ in SUBMITTED:
        for candidate in (url, url.strip()):
            plain = hashlib.sha256(candidate.encode()).hexdigest()
            assert plain[:16] not in text
            assert hashlib.md5(candidate.encode()).hexdigest()[:16] not in text  # noqa: S324


def test_no_file_written_by_the_service_contains_a_submitted_url(served) -> None:
    offenders = []
    for path in served.sandbox.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes().lower()
        for token in ALL_TOKENS:
            if token.lower().encode() in data:
                offenders.append((str(path.relative_to(served.sandbox)), token))
    assert offenders == []


def test_cli_check_at_debug_logs_no_url(fake_platform, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFLIEN_")}
    env.update(fake_platform.env())
    env.update(
        VERIFLIEN_LOG_LEVEL="debug",
        HOME=str(tmp_path),
        TMPDIR=str(tmp_path),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join(
            p for p in (str(SERVICE_DIR), os.environ.get("PYTHONPATH", "")) if p
        ),
    )
    for url, tokens in SUBMITTED[:3] + SUBMITTED[6:9]:
        proc = subprocess.run(
            [sys.executable, "-m", "veriflien", "check", "--json", url],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        for line in proc.stderr.splitlines():
            json.loads(line)
        for token in tokens:
            assert token.lower() not in proc.stderr.lower(), proc.stderr
