"""Scale figures for `make bench`: worker processes, cached answers, TLS handshakes (issue 12).

Why a module of its own: these figures need `veriflien serve` as a real process tree (a supervisor
and its workers) and a load generator cheap enough not to be the bottleneck on the same two
cores. run.py calls:

- `Service` and `children`: `veriflien serve --workers N` as a process tree, for run.py's
  throughput over HTTP with `--workers 1` then `--workers 2` (each figure beside the other) and
  load.py's RSS per worker.
- `cached_answers`: answers per second at concurrency 50 for a link already in the cache of every
  worker, with the service CPU per answer (all workers together), beside /healthz on the same
  service (the HTTP floor: aiohttp's own cost for a request that does nothing).
- `tls_handshakes`: the gate's client CPU and wall time per new TLS connection to the fake, full
  handshake versus resumed session, measured alternately in the same run.

The load generator speaks HTTP/1.1 over keep-alive connections with pre-built requests and reads
answers by Content-Length: a few tens of microseconds of Python per request, which is reported
(client CPU) so a reader can see it did not limit the figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def children(pid: int) -> list[int]:
    """Live child processes of `pid` (the workers of a supervisor), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a supervisor and its live workers."""
    return sum(cpu_seconds(p) or 0.0 for p in [pid, *children(pid)])


def proc_kib(pid: int, field: str, file: str = "status") -> int | None:
    """A KiB field of a live process's /proc/PID/`file` (Linux): VmHWM (peak RSS) and VmRSS
    (current) in `status`, Pss in `smaps_rollup`."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def serve_command(port: int, workers: int) -> list[str]:
    """`python -m veriflien serve` on loopback at `port` with `workers` worker processes."""
    return [sys.executable, "-m", "veriflien", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers)]  # fmt: skip


class Service:
    """`python -m veriflien serve --workers N` as a subprocess, with the fake's lab settings."""

    def __init__(self, env: dict[str, str], workers: int, port: int, log: Path) -> None:
        self.port = port
        self.workers = workers
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            serve_command(port, workers), env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    async def ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("veriflien serve exited at start")
            if len(self.worker_pids()) == self.workers:
                try:
                    status, _ = await request(self.port, get("/healthz"))
                    if status == 200:
                        return
                except OSError:
                    pass
            await asyncio.sleep(0.1)
        raise RuntimeError("veriflien serve did not become ready")

    def worker_pids(self) -> list[int]:
        return children(self.proc.pid)

    def cpu(self) -> float:
        return tree_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def service_env(fake_env: dict[str, str], workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmarked `veriflien serve`: the fake's lab settings, no rate
    limit, and none of the caller's own VERIFLIEN_* variables (figures must not depend on them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFLIEN_")}
    env.update(fake_env)
    env.update(
        {
            "VERIFLIEN_RATE_LIMIT_PER_CLIENT": "0",
            "VERIFLIEN_RATE_LIMIT_PER_KEY": "0",
            "VERIFLIEN_LOG_LEVEL": "warning",
            "HOME": str(workdir),
            **extra,
        }
    )
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "service"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


# --------------------------------------------------------------------------- load generator


def post_json(path: str, doc: dict[str, Any]) -> bytes:
    body = json.dumps(doc).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


async def request(port: int, raw: bytes) -> tuple[int, bytes]:
    """One request on a new connection (start-up checks, warm-up)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        return await _read_answer(reader)
    finally:
        writer.close()


async def hammer(
    port: int, make: Callable[[int], bytes], count: int, concurrency: int
) -> dict[str, Any]:
    """`count` requests over `concurrency` keep-alive connections; statuses and timings."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    counter = iter(range(count))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for n in counter:
                started = time.perf_counter()
                writer.write(make(n))
                status, _body = await _read_answer(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    client_cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": count,
        "wall_s": round(wall, 2),
        "per_s": round(count / wall),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "statuses": {str(k): v for k, v in statuses.items()},
        "client_cpu_us_per_request": round((time.process_time() - client_cpu) * 1e6 / count, 1),
    }


async def metric(port: int, name: str) -> float:
    """The value of one sample of /metrics (summed over workers by the service itself)."""
    status, body = await request(port, get("/metrics"))
    if status != 200:
        return float("nan")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# --------------------------------------------------------------------------- figures


async def cached_answers(
    fake_env: dict[str, str],
    workdir: Path,
    port: int,
    *,
    workers: int,
    count: int = 30000,
    concurrency: int = 50,
    link: str = "https://www.youtube.com/watch?v=BENCHCACHE1",
) -> dict[str, Any]:
    """Cache hits per second over HTTP, and the service CPU per hit, beside /healthz."""
    service = Service(service_env(fake_env, workdir), workers, port, workdir / "serve-cached.log")
    try:
        await service.ready()
        check = post_json("/api/v1/checks", {"url": link})
        # Without Redis each worker has its own cache: warm it in every worker, through as many
        # connections as there are workers, several times over.
        for _ in range(4):
            await hammer(port, lambda n: check, workers * 4, workers * 4)
        await asyncio.sleep(1.5)  # workers copy their counters for /metrics once a second
        hits_before = await metric(port, 'veriflien_cache_requests_total{result="hit"}')
        cpu_before = service.cpu()
        hits = await hammer(port, lambda n: check, count, concurrency)
        cpu_hits = service.cpu() - cpu_before
        await asyncio.sleep(1.5)
        hits_after = await metric(port, 'veriflien_cache_requests_total{result="hit"}')
        health = get("/healthz")
        cpu_before = service.cpu()
        floor = await hammer(port, lambda n: health, count, concurrency)
        cpu_floor = service.cpu() - cpu_before
    finally:
        service.stop()
    return {
        "workers": workers,
        "concurrency": concurrency,
        "cached": hits,
        "cache_hits_counted": int(hits_after - hits_before),
        "service_cpu_us_per_cached_answer": round(cpu_hits * 1e6 / count),
        "healthz": floor,
        "service_cpu_us_per_healthz": round(cpu_floor * 1e6 / count),
    }


async def tls_handshakes(
    address: str, port: int, ca_file: str, host: str = "videos.example.com", rounds: int = 400
) -> dict[str, Any]:
    """Client CPU and wall time of one TLS handshake with the gate's TLS context, full versus
    resumed (the session saved from the previous connection, as the gate does).

    Each connection then sends one request and reads the answer (TLS 1.3 tickets arrive after
    the handshake); only the handshake is timed. The two kinds alternate, connection by
    connection, so the machine's load weighs on both alike.
    """
    from veriflien.net.connections import RESUMPTION_SAFE, opening_tls_to, tls_context

    contexts = {"full": tls_context(ca_file, resume=False), "resumed": tls_context(ca_file)}
    cpu = dict.fromkeys(contexts, 0.0)
    wall = dict.fromkeys(contexts, 0.0)
    resumed = dict.fromkeys(contexts, 0)
    ask = f"GET /ok HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    warmup = 5
    for n in range(warmup + rounds):
        for name, context in contexts.items():
            with opening_tls_to(host, 443):
                c0, w0 = time.thread_time(), time.perf_counter()
                reader, writer = await asyncio.open_connection(
                    address, port, ssl=context, server_hostname=host
                )
                c1, w1 = time.thread_time(), time.perf_counter()
            ssl_object = writer.get_extra_info("ssl_object")
            writer.write(ask)
            await reader.read()
            writer.close()
            context.sessions.remember((host, 443), ssl_object)  # a no-op when resume=False
            if n >= warmup:
                cpu[name] += c1 - c0
                wall[name] += w1 - w0
                resumed[name] += bool(ssl_object.session_reused)
    return {
        "rounds": rounds,
        "client_cpu_ms": {k: round(v * 1000 / rounds, 3) for k, v in cpu.items()},
        "wall_ms": {k: round(v * 1000 / rounds, 2) for k, v in wall.items()},
        "resumed_connections": resumed,
        # The service resumes sessions by default only where reading one does not leak memory.
        "resumption_on_by_default": RESUMPTION_SAFE,
    }
