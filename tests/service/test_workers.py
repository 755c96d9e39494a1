"""`veriflien serve --workers N`, run as an operator runs it: a supervisor and its worker processes.

What a user of the service would notice: connections spread over several processes, a stop that
lets a running check finish instead of cutting it, a restart (SIGHUP) during which no connection
is refused, a crashed worker that comes back, /metrics that counts every worker, and a clear
message for a bad --workers value. Which process holds a connection is read from /proc (Linux),
the way an operator would find it with `ss -tp`, so the service needs no test-only header.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from fakes.platform import html, scenario
from veriflien.workers import _cgroup_cpu_quota

SERVICE_DIR = Path(__file__).resolve().parents[2] / "service"
START_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
SLOW_SECONDS = 1.5


@scenario("videos.example.com", "/workers/slow-gone")
async def _slow_gone(request: web.Request) -> web.Response:
    # Long enough to stop or restart the service while the check waits for it.
    await asyncio.sleep(SLOW_SECONDS)
    return html("<h1>Gone</h1>", status=410)


@pytest.fixture
def env(fake_platform) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFLIEN_")}
    env.update(fake_platform.env())
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SERVICE_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    env["VERIFLIEN_CHECK_DEADLINE"] = "8"
    env["VERIFLIEN_CACHE_TTL"] = "0"  # every check below really runs
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 5.0) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return response.status, response.read().decode()


def _check(port: int, url: str, timeout: float = 30.0) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/checks",
        data=json.dumps({"url": url}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def connection_owner(server_port: int, client_port: int, candidates: set[int]) -> int | None:
    """The process holding the server side of the TCP connection from `client_port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            local_port = int(parts[1].rsplit(":", 1)[1], 16)
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            if (local_port, remote_port) == (server_port, client_port):
                inodes.add(parts[9])
    for pid in candidates:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log

    def workers(self) -> set[int]:
        return children(self.proc.pid)

    def wait_workers(self, count: int, exclude: set[int] = frozenset(), timeout: float = 30) -> set:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.workers()
            if len(current) == count and not current & exclude and self.ready(current):
                return current
            time.sleep(0.1)
        pytest.fail(f"workers never became {count} new ones: {self.workers()}\n{self.tail()}")

    def ready(self, pids: set[int]) -> bool:
        text = self.log.read_text(errors="replace")
        return all(f'"event": "worker_ready", "pid": {pid}' in text for pid in pids)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def serve(env, tmp_path: Path) -> Iterator:
    started: list[Served] = []

    def start(*args: str, **extra_env: str) -> Served:
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(
                [sys.executable, "-m", "veriflien", "serve", "--port", str(port), *args],
                env={**env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        served = Served(proc, port, log)
        started.append(served)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                _get(port, "/healthz", timeout=1)
                return served
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"veriflien serve did not start: {served.tail()}")
                time.sleep(0.1)

    yield start
    for served in started:
        if served.proc.poll() is None:
            served.proc.send_signal(signal.SIGTERM)
            try:
                served.proc.wait(30)
            except subprocess.TimeoutExpired:
                for pid in served.workers():
                    os.kill(pid, signal.SIGKILL)
                served.proc.kill()
                served.proc.wait(10)


def test_workers_share_one_socket_and_requests_land_on_several(serve) -> None:
    served = serve("--workers", "2")
    workers = served.wait_workers(2)
    owners: set[int] = set()
    # Connections are spread by whichever worker accepts first: a few rounds of 16 at once
    # are enough for both to take some, whatever the machine's load.
    for _round in range(20):
        clients = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(16)]
        try:
            for client in clients:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            for client in clients:
                assert client.recv(4096).startswith(b"HTTP/1.1 200")
                owner = connection_owner(served.port, client.getsockname()[1], workers)
                assert owner in workers  # served by a worker, never by the supervisor
                owners.add(owner)
        finally:
            for client in clients:
                client.close()
        if owners == workers:
            break
    assert owners == workers
    # One listening socket for all of them: every worker holds the same socket, no other.
    listening = {_listening_inodes(pid, served.port) for pid in workers | {served.proc.pid}}
    assert len(listening) == 1 and len(next(iter(listening))) == 1


def _listening_inodes(pid: int, port: int) -> frozenset[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(parts[9])
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held.add(target[8:-1])
    return frozenset(held)


def test_sigterm_lets_an_in_flight_check_finish_then_refuses_new_connections(
    serve, fake_platform
) -> None:
    served = serve("--workers", "2")
    served.wait_workers(2)
    marker = f"/workers/slow-gone?drain={time.monotonic_ns()}"
    result: dict = {}

    def run_check() -> None:
        try:
            result["status"], result["doc"] = _check(
                served.port, f"https://videos.example.com{marker}"
            )
        except Exception as exc:  # reported by the assertions below
            result["error"] = repr(exc)

    thread = threading.Thread(target=run_check)
    thread.start()
    deadline = time.monotonic() + 10
    while fake_platform.count("videos.example.com", marker) == 0:
        assert time.monotonic() < deadline, "the check never reached the platform"
        time.sleep(0.02)
    served.proc.send_signal(signal.SIGTERM)  # the fake answers 1.5 s later
    refused_at = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", served.port), timeout=1).close()
        except ConnectionRefusedError:
            refused_at = time.monotonic()
            break
        time.sleep(0.05)
    thread.join(30)
    assert "error" not in result, result.get("error")
    assert result["status"] == 200
    # The platform's 410, not a check cut off by the stop.
    assert result["doc"]["verdict"] == "removed", result["doc"]["findings"]
    assert refused_at is not None, "new connections were still accepted while draining"
    assert served.proc.wait(30) == 0
    assert served.workers() == set()


def test_sighup_replaces_every_worker_without_refusing_a_connection(serve) -> None:
    served = serve("--workers", "2")
    old = served.wait_workers(2)
    errors: list[str] = []
    answered = 0
    stop = threading.Event()

    def hammer() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                status, _body = _get(served.port, "/healthz")  # a new connection each time
                assert status == 200
                answered += 1
            except Exception as exc:
                errors.append(repr(exc))

    in_flight: dict = {}

    def slow_check() -> None:
        try:
            in_flight["status"], in_flight["doc"] = _check(
                served.port, "https://videos.example.com/workers/slow-gone?reload"
            )
        except Exception as exc:
            in_flight["error"] = repr(exc)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    threads.append(threading.Thread(target=slow_check))
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    served.proc.send_signal(signal.SIGHUP)
    new = served.wait_workers(2, exclude=old)
    time.sleep(0.5)  # keep hammering the new workers a little
    stop.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert answered > 20
    assert in_flight.get("status") == 200, in_flight
    assert in_flight["doc"]["verdict"] == "removed"
    assert not new & old
    assert served.proc.poll() is None


def test_sighup_applies_an_edited_settings_file_and_keeps_serving_on_a_broken_one(
    serve, tmp_path: Path
) -> None:
    config = tmp_path / "veriflien.toml"
    config.write_text('default_lang = "fr"\n', encoding="utf-8")
    served = serve("--workers", "2", "--config", str(config))
    first = served.wait_workers(2)
    assert _check(served.port, "hello")[1]["lang"] == "fr"
    config.write_text('default_lang = "en"\n', encoding="utf-8")
    served.proc.send_signal(signal.SIGHUP)
    second = served.wait_workers(2, exclude=first)
    for _ in range(6):  # whichever worker answers
        assert _check(served.port, "hello")[1]["lang"] == "en"
    # Mistakes in the file, or in a catalogue it names: the running workers stay, and the log
    # says why.
    broken = tmp_path / "platforms.toml"
    broken.write_text("[[platform]]\nid = 3\n", encoding="utf-8")
    for count, text in enumerate(
        ['default_lang = "de"\n', f'platforms_file = "{broken}"\n'], start=1
    ):
        config.write_text(text, encoding="utf-8")
        served.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while served.log.read_text(errors="replace").count("settings not reloaded") < count:
            assert time.monotonic() < deadline, served.tail()
            time.sleep(0.1)
        assert served.workers() == second
        assert _check(served.port, "hello")[1]["lang"] == "en"


def test_a_killed_worker_is_replaced(serve) -> None:
    served = serve("--workers", "2")
    first = served.wait_workers(2)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    now = served.wait_workers(2, exclude={victim})
    assert now - first, "no new worker"
    assert _get(served.port, "/healthz")[0] == 200
    assert '"message": "worker died; replacing it"' in served.tail()


def test_metrics_count_every_worker(serve) -> None:
    served = serve("--workers", "2")
    served.wait_workers(2)
    for n in range(12):
        socket_check = _check(served.port, f"http://127.0.0.1/metrics-{n}")  # refused, no I/O
        assert socket_check[1]["verdict"] == "refused"
    time.sleep(1.5)  # workers copy their live counts once a second
    # Whichever worker answers the scrape, the sums are the same and cover all 12 checks.
    for _ in range(4):
        _status, text = _get(served.port, "/metrics")
        assert "veriflien_workers 2.0" in text
        assert 'veriflien_checks_total{verdict="refused"} 12.0' in text
        assert 'veriflien_gate_refusals_total{reason="loopback"} 12.0' in text


def test_default_is_one_worker_per_cpu_the_service_may_use(serve) -> None:
    # The service is started with at most two CPUs in its affinity (inherited from this thread),
    # whatever the machine has: the default follows the affinity, not the machine's CPU count.
    allowed = set(sorted(os.sched_getaffinity(0))[:2])
    original = os.sched_getaffinity(0)
    os.sched_setaffinity(0, allowed)
    try:
        served = serve()
    finally:
        os.sched_setaffinity(0, original)
    quota = _cgroup_cpu_quota()
    expected = len(allowed) if quota is None else min(len(allowed), max(1, math.ceil(quota)))
    assert len(served.wait_workers(expected)) == expected


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "257", ""])
def test_cli_refuses_a_bad_worker_count_with_a_clear_message(env, value: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "veriflien", "serve", "--workers", value],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert "--workers" in proc.stderr
    assert "from 1 to 256, or 'auto'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_environment_refuses_a_bad_worker_count_naming_the_variable(env) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "veriflien", "serve"],
        env={**env, "VERIFLIEN_WORKERS": "-3"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 3
    assert "VERIFLIEN_WORKERS" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_broken_catalogue_stops_the_start_before_any_worker(env, tmp_path: Path) -> None:
    broken = tmp_path / "platforms.toml"
    broken.write_text("[[platform]]\nid = 3\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "veriflien", "serve", "--workers", "2", "--port", "0"],
        env={**env, "VERIFLIEN_PLATFORMS_FILE": str(broken)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 3
    assert "platform" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "worker" not in proc.stderr  # no worker was forked


def test_workers_stop_when_the_supervisor_is_killed_outright(serve) -> None:
    served = serve("--workers", "2")
    workers = served.wait_workers(2)
    served.proc.kill()  # SIGKILL: no chance to stop its workers
    served.proc.wait(10)
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() and children_state(pid) != "Z" for pid in workers):
        assert time.monotonic() < deadline, "orphaned workers kept serving"
        time.sleep(0.2)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=1).close()


def children_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
