"""`make bench`: Vérif'Lien's figures against a fake platform on loopback, each with its baseline.

Why this shape: a number alone says little, so every figure is printed next to a baseline measured
in the same run on the same machine — the same HTTP exchanges made bare and one after another (the
raw floor), the yt-dlp CLI on the same page, the full size of the file, sequential throughput.
Nothing is asserted: targets are printed beside the figures, and the exit status only says whether
the benchmark could run. Only loopback is used: the fake platform (tests/fakes, plus the bench
scenarios) runs in its own process on 127.0.0.2 with 40 ms added to every response; the service
reaches it through its lab settings (VERIFLIEN_RESOLVE / CA_BUNDLE / ALLOW_NETWORKS).

Figures: (1) check latency vs raw floor, (2) vs `yt-dlp -J`, (3) bytes read for 10 MB and 1 GB
MP4s (moov at end) vs file size, and bytes the fake server sent for them, with the first request
asking a range (now) vs a plain first GET (baseline, same run), (4) uncached checks/s at
concurrency 64, in process and over HTTP against `veriflien serve --workers 1` and `--workers 2`
(each beside the other), cached answers per second at concurrency 50 with the service CPU per
answer (beside /healthz on the same service), and the cost of a new TLS connection with a full
handshake vs a resumed session (bench/scale.py), (5) peak RSS, per worker. Results also go to
bench/results/latest.json.

Usage: python bench/run.py [--quick] [--reps N] [--checks N] [--concurrency N] [--cached N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "service", ROOT / "tests", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import aiohttp  # noqa: E402
import scale  # noqa: E402
from connect_proxy import ConnectProxy  # noqa: E402
from replay import Recorder, bare_session, replay  # noqa: E402
from scale import cpu_seconds  # noqa: E402

from veriflien import __version__  # noqa: E402
from veriflien.check import CheckEngine, CheckRequest  # noqa: E402
from veriflien.probes.fetch import FetchProbe  # noqa: E402
from veriflien.runtime import standalone_engine  # noqa: E402
from veriflien.settings import SETTINGS_BY_NAME, Settings  # noqa: E402

FAKE_ADDRESS = "127.0.0.2"
DELAY = 0.040  # added by the fake to every response
MEDIA_BUDGET_TARGET = 512 * 1024
RESULTS = ROOT / "bench" / "results" / "latest.json"

# The representative links; `i` makes every check's URL unique, so no cache can answer.
KINDS: dict[str, tuple[str, Any]] = {
    "youtube": (
        "YouTube-like watch page",
        lambda i: f"https://www.youtube.com/watch?v=BENCH{i:06d}",
    ),
    "page_mp4": (
        "generic page, MP4 in <video>",
        lambda i: f"https://videos.example.com/bench/page?n={i}",
    ),
    "direct_mp4": (
        "direct MP4 link (390 KB clip)",
        lambda i: f"https://cdn.example.com/bench/clip.mp4?n={i}",
    ),
    "shortener": (
        "tinyurl short link -> YouTube-like",
        lambda i: f"https://tinyurl.com/bench{i:06d}",
    ),
}


# --------------------------------------------------------------------------- helpers


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); no interpolation, so it is a real sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_of(pid: int) -> int | None:
    return scale.proc_kib(pid, "VmHWM")


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import yt_dlp.version

    return {
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "yt_dlp": yt_dlp.version.__version__,
        "veriflien": __version__,
        # Other work on the machine skews every figure: the load before the run says how much.
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def service_settings(overrides: dict[str, Any]) -> Settings:
    extra: dict[str, Any] = {"check_deadline": 20.0}
    if "cache_ttl" in SETTINGS_BY_NAME:
        extra["cache_ttl"] = 0.0  # uncached: every figure is a real check
    return Settings().with_overrides(**overrides, **extra)


class Fake:
    """The fake platform's process: start, talk to its control endpoints, stop."""

    def __init__(self, workdir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fake_server.py"), str(workdir), str(DELAY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("bench: the fake platform did not start (is ffmpeg installed?)")
        self.info = json.loads(line)
        self.peak_rss_kib: int | None = None

    def session(self) -> Any:
        i = self.info
        return bare_session(FAKE_ADDRESS, i["https_port"], i["http_port"], i["ca_file"])

    async def control(self, session: Any, action: str) -> dict[str, Any]:
        async with session.get(f"https://cdn.example.com/bench/_{action}") as resp:
            return await resp.json()

    def stop(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.peak_rss_kib = self.peak_rss_of_live()
        self.proc.stdin.close()
        tail = self.proc.stdout.read()
        self.proc.wait(10)
        for line in tail.splitlines():
            if line.startswith("{"):
                self.peak_rss_kib = json.loads(line).get("peak_rss_kib", self.peak_rss_kib)

    def peak_rss_of_live(self) -> int | None:
        return peak_rss_of(self.proc.pid)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- 1. latency


async def latency(engine: Any, recorder: Recorder, fake: Fake, reps: int) -> dict[str, Any]:
    """Each check, then the same exchanges replayed bare (paired samples, interleaved kinds)."""
    warmup = 2
    samples: dict[str, dict[str, list[float]]] = {
        k: {"check": [], "floor": [], "floor_keepalive": []} for k in KINDS
    }
    shape: dict[str, Any] = {}
    async with fake.session() as bare:
        for rep in range(warmup + reps):
            for kind, (_label, make_url) in KINDS.items():
                recorder.take()
                started = time.perf_counter()
                result = await engine.run(CheckRequest(make_url(rep + 1)))
                elapsed = time.perf_counter() - started
                exchanges = recorder.take()
                floor = await replay(bare, exchanges)
                floor_ka = await replay(bare, exchanges, keep_alive_ranges=True)
                if rep < warmup:
                    continue
                samples[kind]["check"].append(elapsed)
                samples[kind]["floor"].append(floor)
                samples[kind]["floor_keepalive"].append(floor_ka)
                doc = result.to_json()
                shape[kind] = {
                    "verdict": doc["verdict"],
                    "confidence": doc["confidence"],
                    "exchanges": [
                        f"{e.method} {e.url.split('?')[0]} {e.status}" for e in exchanges
                    ],
                }
    out = {}
    for kind, s in samples.items():
        out[kind] = {
            "label": KINDS[kind][0],
            "median_ms": ms(median(s["check"])),
            "p95_ms": ms(pct(s["check"], 95)),
            "floor_median_ms": ms(median(s["floor"])),
            "floor_p95_ms": ms(pct(s["floor"], 95)),
            "floor_keepalive_median_ms": ms(median(s["floor_keepalive"])),
            "ratio": round(median(s["check"]) / median(s["floor"]), 2),
            "requests": len(shape[kind]["exchanges"]),
            **shape[kind],
        }
    return out


# --------------------------------------------------------------------------- 2. yt-dlp CLI


def ytdlp_command() -> list[str]:
    script = Path(sys.executable).parent / "yt-dlp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "yt_dlp"]


async def ytdlp_cli(fake: Fake, lat: dict[str, Any], reps: int, workdir: Path) -> dict[str, Any]:
    """`yt-dlp -J --skip-download` on the very pages the service checked, through a loopback
    CONNECT proxy that tunnels every host to the fake (same 40 ms per response)."""
    i = fake.info
    proxy = await ConnectProxy(FAKE_ADDRESS, i["https_port"], i["http_port"]).start()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "LANG": "C.UTF-8"}
    base = [
        *ytdlp_command(), "-J", "--skip-download", "--ignore-config", "--no-cache-dir",
        "--no-check-certificates",  # the fake's test CA; acceptable here only
        "--ignore-no-formats-error", "--proxy", f"http://127.0.0.1:{proxy.port}",
    ]  # fmt: skip

    async def run(args: list[str]) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        out, _err = await proc.communicate()
        return time.perf_counter() - started, proc.returncode or 0, out

    startup = [(await run([*ytdlp_command(), "--version"]))[0] for _ in range(3)]
    results: dict[str, Any] = {"startup_median_ms": ms(median(startup))}
    try:
        for kind in ("youtube", "page_mp4"):
            times, codes, extractor, availability = [], Counter(), None, None
            for n in range(reps + 1):
                elapsed, code, out = await run([*base, KINDS[kind][1](900000 + n)])
                codes[code] += 1
                if n == 0:
                    continue  # warm the OS caches for yt-dlp's own files
                times.append(elapsed)
                try:
                    info = json.loads(out)
                    extractor, availability = info.get("extractor"), info.get("availability")
                except ValueError:
                    pass
            check = lat[kind]["median_ms"]
            results[kind] = {
                "compared": f"veriflien check (engine) vs `yt-dlp -J --skip-download` on the same "
                f"{KINDS[kind][0]}",
                "ytdlp_median_ms": ms(median(times)),
                "ytdlp_p95_ms": ms(pct(times, 95)),
                "check_median_ms": check,
                "speedup": round(ms(median(times)) / check, 2),
                "ytdlp_exit_codes": dict(codes),
                "ytdlp_extractor": extractor,
                "ytdlp_availability": availability,
            }
    finally:
        await proxy.close()
    return results


# --------------------------------------------------------------------------- 3. bytes


def plain_first_get(engine: Any) -> Any:
    """The same engine with the first request as it was before issue 11: a plain GET (no range)
    whatever the link; the baseline of the bytes the server sends."""
    probes = tuple(
        FetchProbe(range_first=False) if isinstance(p, FetchProbe) else p for p in engine.probes
    )
    return CheckEngine(
        engine.settings,
        engine.gate,
        catalogue=engine.catalogue,
        ytdlp=engine.ytdlp,
        advisor=engine.advisor,
        probes=probes,
    )


async def bytes_read(engine: Any, recorder: Recorder, fake: Fake) -> dict[str, Any]:
    """Bytes read by the service and bytes the fake server wrote, for each virtual MP4 and link
    kind, with the first request asking a range (now) and as a plain GET (baseline)."""
    out = {}
    baseline = plain_first_get(engine)
    async with fake.session() as bare:
        for name, size in fake.info["virtual"].items():
            path = f"/bench/virtual/{name}"
            for mode, url in (
                ("direct", f"https://cdn.example.com{path}"),
                ("page", f"https://videos.example.com/bench/page?src=virtual/{name}"),
            ):
                row: dict[str, Any] = {
                    "file_bytes": size,
                    "link": "the MP4 itself" if mode == "direct" else "a page with <video src>",
                }
                for label, runner in (("baseline_", baseline), ("", engine)):
                    await fake.control(bare, "reset")
                    recorder.take()
                    result = (await runner.run(CheckRequest(url))).to_json()
                    exchanges = recorder.take()
                    await asyncio.sleep(0.5)  # let the fake notice a hang-up before counting
                    stats = await fake.control(bare, "stats")
                    media = result.get("media") or {}
                    read = media.get("bytes_read")
                    row |= {
                        f"{label}verdict": result["verdict"],
                        f"{label}bytes_read": read,
                        f"{label}fake_sent_bytes": stats["sent"].get(path, 0),
                        f"{label}media_requests": sum(1 for e in exchanges if path in e.url),
                    }
                    if not label:
                        row |= {
                            "complete": media.get("complete"),
                            "duration_seconds": media.get("duration_seconds"),
                            "fraction_read": None if read is None else read / size,
                        }
                out[f"{name.removesuffix('.mp4')}_{mode}"] = row
    return out


# --------------------------------------------------------------------------- 4. throughput


def mixed_urls(count: int, offset: int) -> list[str]:
    makers = [make for _label, make in KINDS.values()]
    return [makers[n % len(makers)](offset + n) for n in range(count)]


def rate_figures(
    count: int, concurrency: int, wall: float, latencies: list[float]
) -> dict[str, Any]:
    """The figures every throughput run reports: checks per second and latency percentiles."""
    return {
        "checks": count,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "checks_per_s": round(count / wall, 1),
        "median_ms": ms(median(latencies)),
        "p95_ms": ms(pct(latencies, 95)),
    }


async def throughput_engine(
    engine: Any, fake: Fake, count: int, concurrency: int
) -> dict[str, Any]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    verdicts: Counter[str] = Counter()

    async def one(url: str) -> None:
        async with gate:
            started = time.perf_counter()
            result = await engine.run(CheckRequest(url))
            latencies.append(time.perf_counter() - started)
            verdicts[result.verdict.value] += 1

    async with fake.session() as bare:
        await fake.control(bare, "reset")
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        fake_cpu = cpu_seconds(fake.proc.pid)
        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in mixed_urls(count, 100000)))
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        fake_cpu_after = cpu_seconds(fake.proc.pid)
        stats = await fake.control(bare, "stats")
    cpu_s = (cpu_after.ru_utime - cpu.ru_utime) + (cpu_after.ru_stime - cpu.ru_stime)
    fake_s = None if fake_cpu is None or fake_cpu_after is None else fake_cpu_after - fake_cpu
    return {
        **rate_figures(count, concurrency, wall, latencies),
        "cpu_ms_per_check": round(cpu_s * 1000 / count, 1),
        "process_cpu_utilisation": round(cpu_s / wall, 2),  # 1.0 = one core (the GIL's limit)
        "fake_cpu_s": None if fake_s is None else round(fake_s, 2),
        "fake_requests": stats["requests"],
        "verdicts": dict(verdicts),
    }


async def throughput_http(
    fake: Fake, count: int, concurrency: int, workdir: Path, workers: int, port: int
) -> dict[str, Any]:
    """The same mix over HTTP against `veriflien serve --workers N` run as a subprocess (a
    supervisor and its workers: CPU is the whole tree's, peak RSS is each worker's)."""
    env = scale.service_env(fake.info["env"], workdir, VERIFLIEN_CACHE_TTL="0")
    service = scale.Service(env, workers, port, workdir / f"serve-{workers}.log")
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    verdicts: Counter[str] = Counter()
    try:
        await service.ready()
        pids = service.worker_pids()
        idle_rss = [peak_rss_of(pid) for pid in pids]
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as client:
            gate = asyncio.Semaphore(concurrency)

            async def one(url: str, keep: bool = True) -> None:
                async with gate:
                    started = time.perf_counter()
                    async with client.post(f"{base}/api/v1/checks", json={"url": url}) as resp:
                        doc = await resp.json(content_type=None)
                    if keep:
                        latencies.append(time.perf_counter() - started)
                        statuses[resp.status] += 1
                        verdicts[doc.get("verdict", "?") if isinstance(doc, dict) else "?"] += 1

            offset = 300000 + 1000 * workers  # fresh links for every service
            await asyncio.gather(*(one(u, keep=False) for u in mixed_urls(8 * workers, offset)))
            service_cpu = service.cpu()
            worker_cpu = {pid: cpu_seconds(pid) or 0.0 for pid in pids}
            # The fake platform and this client share the machine's cores with the service: their
            # CPU is printed too, so a reader sees when the machine, not the service, is the limit.
            fake_cpu, client_cpu = cpu_seconds(fake.proc.pid) or 0.0, time.process_time()
            started = time.perf_counter()
            await asyncio.gather(*(one(u) for u in mixed_urls(count, 200000 + 20000 * workers)))
            wall = time.perf_counter() - started
            service_cpu_after = service.cpu()
            fake_cpu = (cpu_seconds(fake.proc.pid) or 0.0) - fake_cpu
            client_cpu = time.process_time() - client_cpu
            worker_cpu = {pid: (cpu_seconds(pid) or 0.0) - cpu for pid, cpu in worker_cpu.items()}
        peaks = [peak_rss_of(pid) for pid in service.worker_pids()]
    finally:
        service.stop()
    return {
        "workers": workers,
        **rate_figures(count, concurrency, wall, latencies),
        "statuses": {str(k): v for k, v in statuses.items()},
        "service_cpu_ms_per_check": round((service_cpu_after - service_cpu) * 1000 / count, 1),
        "service_cpu_utilisation": round((service_cpu_after - service_cpu) / wall, 2),
        "fake_cpu_ms_per_check": round(fake_cpu * 1000 / count, 1),
        "client_cpu_ms_per_check": round(client_cpu * 1000 / count, 1),
        "machine_cpu_utilisation": round(
            (service_cpu_after - service_cpu + fake_cpu + client_cpu) / wall, 2
        ),
        "cpu_s_per_worker": [round(v, 1) for v in worker_cpu.values()],
        "verdicts": dict(verdicts),
        "service_idle_rss_kib": max(filter(None, idle_rss), default=None),
        "service_peak_rss_kib": max(filter(None, peaks), default=None),
        "peak_rss_kib_per_worker": peaks,
    }


async def tls_figure(fake: Fake) -> dict[str, Any]:
    """One TLS handshake to the fake with the gate's TLS context: full vs resumed session."""
    i = fake.info
    return await scale.tls_handshakes(FAKE_ADDRESS, i["https_port"], i["ca_file"])


# --------------------------------------------------------------------------- report


def mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def table(res: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    for r in res["latency"].values():
        rows.append(
            (
                f"latency: {r['label']} ({r['requests']} req)",
                f"{r['median_ms']:.0f} ms (p95 {r['p95_ms']:.0f})",
                "<= 1.1x floor",
                f"floor {r['floor_median_ms']:.0f} ms (p95 {r['floor_p95_ms']:.0f})",
                f"{r['ratio']:.2f}x",
            )
        )
    for kind in ("youtube", "page_mp4"):
        r = res["ytdlp_cli"][kind]
        rows.append(
            (
                f"vs yt-dlp CLI: {KINDS[kind][0]}",
                f"{r['check_median_ms']:.0f} ms",
                ">= 5x faster",
                f"yt-dlp -J {r['ytdlp_median_ms']:.0f} ms",
                f"{r['speedup']:.1f}x faster",
            )
        )
    for r in res["bytes"].values():
        read = r["bytes_read"]
        rows.append(
            (
                f"bytes read: {r['file_bytes'] / 2**20:.0f} MiB MP4, {r['link']}",
                "n/a" if read is None else f"{read / 1024:.0f} KiB",
                "<= 512 KiB",
                f"file {r['file_bytes'] / 2**20:.0f} MiB",
                "n/a" if read is None else f"{100 * read / r['file_bytes']:.4f} %",
            )
        )
    for r in res["bytes"].values():
        sent, before = r["fake_sent_bytes"], r["baseline_fake_sent_bytes"]
        rows.append(
            (
                f"bytes sent by the server: {r['file_bytes'] / 2**20:.0f} MiB MP4, {r['link']}",
                f"{sent / 1024:.0f} KiB",
                "<= 256 KiB",
                f"plain first GET {before / 1024:.0f} KiB",
                f"{sent / before:.2f}x" if before else "n/a",
            )
        )
    seq = res["throughput"]["sequential_checks_per_s"]
    for name, r in (
        ("engine", res["throughput"]["engine"]),
        ("HTTP serve --workers 1", res["throughput"]["http"]),
    ):
        rows.append(
            (
                f"throughput ({name}), {r['checks']} checks @{r['concurrency']}",
                f"{r['checks_per_s']:.1f} checks/s (p95 {r['p95_ms']:.0f} ms)",
                "(none set)",
                f"sequential {seq:.1f} checks/s",
                f"{r['checks_per_s'] / seq:.1f}x",
            )
        )
    rows.extend(scale_rows(res))
    rss = res["rss"]
    rows.append(
        ("peak RSS: benchmark process (engine in it)", mib(rss["bench_kib"]), "-", "-", "-")
    )
    rows.append(
        (
            "peak RSS: veriflien serve --workers 1, its worker",
            mib(rss["service_peak_kib"]),
            "-",
            f"idle {mib(rss['service_idle_kib'])}",
            "-",
        )
    )
    rows.append(("peak RSS: fake platform process", mib(rss["fake_kib"]), "-", "-", "-"))
    head = ("figure", "value", "target", "baseline (same run)", "ratio")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), line, *(fmt.format(*r) for r in rows)])


def scale_rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Worker processes, cached answers and TLS handshakes (bench/scale.py)."""
    rows = []
    by_workers = res["throughput"]["http_workers"]
    one = by_workers["1"]
    for workers, r in by_workers.items():
        if workers == "1":
            continue
        rows.append(
            (
                f"throughput (HTTP serve --workers {workers}), {r['checks']} checks "
                f"@{r['concurrency']}",
                f"{r['checks_per_s']:.1f} checks/s (CPU {r['service_cpu_utilisation']:.2f} cores)",
                f">= {0.9 * int(workers):.1f}x --workers 1",
                f"--workers 1: {one['checks_per_s']:.1f} checks/s "
                f"(CPU {one['service_cpu_utilisation']:.2f} cores)",
                f"{r['checks_per_s'] / one['checks_per_s']:.2f}x",
            )
        )
        # Checks per second per core the service used: what the workers give where the machine
        # has cores to spare (here the fake platform and the client share the same two).
        per_core = [x["checks_per_s"] / max(x["service_cpu_utilisation"], 0.01) for x in (r, one)]
        rows.append(
            (
                f"same, per core the service used (--workers {workers})",
                f"{per_core[0]:.0f} checks/s/core ({r['service_cpu_ms_per_check']} ms each); "
                f"machine {r['machine_cpu_utilisation']:.2f} cores in all",
                "-",
                f"--workers 1: {per_core[1]:.0f} checks/s/core; fake "
                f"{one['fake_cpu_ms_per_check']} ms, client {one['client_cpu_ms_per_check']} ms "
                "per check",
                f"{int(workers) * per_core[0] / per_core[1]:.2f}x on {workers} free cores",
            )
        )
        rows.append(
            (
                f"peak RSS per worker (HTTP serve --workers {workers})",
                " / ".join(mib(k) for k in r["peak_rss_kib_per_worker"]),
                "-",
                f"--workers 1: {mib(one['service_peak_rss_kib'])}",
                "-",
            )
        )
    for workers, r in res["cached"].items():
        rows.append(
            (
                f"cached answers (--workers {workers}) @{r['concurrency']}",
                f"{r['cached']['per_s']}/s, service CPU {r['service_cpu_us_per_cached_answer']} "
                "us each",
                ">= 3000/s" if workers == "2" else "-",
                f"/healthz {r['healthz']['per_s']}/s, CPU {r['service_cpu_us_per_healthz']} us",
                f"{r['service_cpu_us_per_cached_answer'] / r['service_cpu_us_per_healthz']:.1f}x "
                "CPU",
            )
        )
    tls = res["tls"]
    cpu, wall = tls["client_cpu_ms"], tls["wall_ms"]
    rows.append(
        (
            "TLS handshake to the fake, resumed session"
            + ("" if tls["resumption_on_by_default"] else " (off by default on this Python)"),
            f"client CPU {cpu['resumed']:.2f} ms, wall {wall['resumed']:.1f} ms",
            "-",
            f"full: client CPU {cpu['full']:.2f} ms, wall {wall['full']:.1f} ms",
            f"{cpu['resumed'] / cpu['full']:.2f}x CPU, {wall['resumed'] / wall['full']:.2f}x wall",
        )
    )
    return rows


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="veriflien-bench-") as tmp:
        workdir = Path(tmp)
        say("bench: starting the fake platform (ffmpeg clip, 40 ms per response)...")
        fake = Fake(workdir)
        try:
            settings = service_settings(fake.info["overrides"])
            recorder = Recorder()
            res: dict[str, Any] = {}
            async with standalone_engine(settings) as engine:
                recorder.install(engine.gate)
                say(f"bench: 1/5 latency vs raw floor ({args.reps} checks per link)...")
                res["latency"] = await latency(engine, recorder, fake, args.reps)
                say("bench: 2/5 yt-dlp CLI on the same pages...")
                res["ytdlp_cli"] = await ytdlp_cli(fake, res["latency"], args.cli_reps, workdir)
                say("bench: 3/5 bytes read and sent for virtual 10 MiB and 1 GiB MP4s...")
                res["bytes"] = await bytes_read(engine, recorder, fake)
                recorder.enabled = False
                say(f"bench: 4/5 {args.checks} checks at concurrency {args.concurrency}...")
                engine_tp = await throughput_engine(engine, fake, args.checks, args.concurrency)
            # Load averages beside the figures that need both cores: other work skews them most.
            loads: dict[str, list[float]] = {}
            http_tp: dict[str, Any] = {}
            for workers in (1, 2):
                say(f"bench: 4/5 the same over HTTP against `veriflien serve --workers {workers}`")
                loads[f"http_workers_{workers}"] = [round(x, 2) for x in os.getloadavg()]
                http_tp[str(workers)] = await throughput_http(
                    fake, args.http_checks, args.http_concurrency, workdir, workers, free_port()
                )
            cached: dict[str, Any] = {}
            for workers in (1, 2):
                say(f"bench: 4/5 {args.cached} cached answers @50, --workers {workers}")
                loads[f"cached_workers_{workers}"] = [round(x, 2) for x in os.getloadavg()]
                cached[str(workers)] = await scale.cached_answers(
                    fake.info["env"], workdir, free_port(), workers=workers, count=args.cached
                )
            say("bench: 4/5 new TLS connections, full handshake vs resumed session...")
            loads["tls"] = [round(x, 2) for x in os.getloadavg()]
            res["tls"] = await tls_figure(fake)
            res["cached"] = cached
            res["loadavg_by_phase"] = loads
            mean_seq = sum(r["median_ms"] for r in res["latency"].values()) / len(KINDS)
            res["throughput"] = {
                "sequential_checks_per_s": round(1000 / mean_seq, 2),
                "engine": engine_tp,
                "http": http_tp["1"],
                "http_workers": http_tp,
            }
        finally:
            fake.stop()
        say("bench: 5/5 peak memory")
        res["rss"] = {
            "bench_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "service_idle_kib": res["throughput"]["http"]["service_idle_rss_kib"],
            "service_peak_kib": res["throughput"]["http"]["service_peak_rss_kib"],
            "fake_kib": fake.peak_rss_kib,
        }
        return res


def run_and_write(
    path: Path, config: dict[str, Any], run: Callable[[], dict[str, Any]], wall_key: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a benchmark and write its document to `path`: date, machine, config, the figures
    `run` returns and the wall time under `wall_key`. Returns the document and the figures."""
    started = time.perf_counter()
    m = machine()  # before the run: its load average is the one at start
    res = run()
    doc = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": m,
        "config": {"fake_delay_ms": DELAY * 1000, **config},
        **res,
        wall_key: round(time.perf_counter() - started, 1),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return doc, res


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--reps", type=int, default=20, help="checks per link for latency")
    parser.add_argument("--cli-reps", type=int, default=5, help="yt-dlp CLI runs per page")
    parser.add_argument("--checks", type=int, default=640, help="checks for throughput")
    parser.add_argument("--concurrency", type=int, default=64)
    # Over HTTP, enough checks in flight that one worker is CPU-bound (each keeps 64 at once):
    # otherwise one and two workers both wait on the fake's 40 ms and compare nothing.
    parser.add_argument("--http-checks", type=int, default=2000, help="checks per --workers N")
    parser.add_argument("--http-concurrency", type=int, default=200)
    parser.add_argument("--cached", type=int, default=30000, help="cached answers to time")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.cli_reps, args.checks, args.cached = 5, 2, 128, 5000
        args.http_checks = 400
    config = {
        "reps": args.reps,
        "cli_reps": args.cli_reps,
        "checks": args.checks,
        "concurrency": args.concurrency,
        "http_checks": args.http_checks,
        "http_concurrency": args.http_concurrency,
        "cached_answers": args.cached,
        "media_budget_target_bytes": MEDIA_BUDGET_TARGET,
    }
    doc, res = run_and_write(RESULTS, config, lambda: asyncio.run(main_async(args)), "bench_wall_s")
    m = doc["machine"]
    print(
        f"Vérif'Lien {m['veriflien']} benchmark, {doc['date']}, {m['cores']} cores ({m['cpu']}), "
        f"Python {m['python']}, yt-dlp {m['yt_dlp']}; fake platform on loopback, "
        f"+{DELAY * 1000:.0f} ms per response; load average at start "
        f"{m['loadavg_at_start'][0]:.1f} (other work on the machine skews the figures)"
    )
    print(table(res))
    for kind in ("youtube", "page_mp4"):
        r = res["ytdlp_cli"][kind]
        print(
            f"yt-dlp CLI compared: {r['compared']} (yt-dlp via a loopback CONNECT proxy to the "
            f"fake; its start-up alone: {res['ytdlp_cli']['startup_median_ms']:.0f} ms; "
            f"extractor {r['ytdlp_extractor']}, exit codes {r['ytdlp_exit_codes']})"
        )
    print(
        "load averages (1, 5, 15 min) at the start of the multi-core figures: "
        + "; ".join(
            f"{k} {v[0]:.1f}/{v[1]:.1f}/{v[2]:.1f}" for k, v in res["loadavg_by_phase"].items()
        )
    )
    print(f"floor = the check's own exchanges replayed bare and sequentially; written {RESULTS}")
    print(f"benchmark wall time {doc['bench_wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
