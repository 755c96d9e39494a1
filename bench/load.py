"""`make bench`, second part: a long load run of `veriflien serve` over HTTP (issue 8).

Why: run.py's figures come from a few hundred checks; a leak, a slow drift or errors that only
show after thousands of checks need a long run. This one starts the fake platform (its own
process, 127.0.0.2, 40 ms added to every response) and `python -m veriflien serve --workers N`
(default: one per CPU) as a subprocess with the fake's lab settings, rate limits off and log
level warning, then fires N checks (default 20,000) at concurrency 200 through one aiohttp client
session, twice, each time against a fresh service:

- cache off (VERIFLIEN_CACHE_TTL=0): every link is unique, so every check really runs;
- cache on (default TTL): links are drawn from a pool half the size of the run, so some repeat
  (uniform draws: about 57 % of the checks can be answered from the cache; the measured ratio,
  from the service's own cache metric, is printed: answers carry no sign of a hit; without Redis
  each worker has its own cache, so a repeat that lands on another worker is a miss).

The mix is run.py's four links in turn (YouTube-like watch page, page with an MP4 in <video>,
direct MP4, tinyurl short link to a YouTube-like page). Recorded: errors (non-200 answers,
client-side exceptions, and results with a `probe_error` finding, i.e. a probe that crashed),
p50/p99 latency, checks/s, the service's CPU (supervisor and workers), and each worker's VmRSS
sampled every second; each worker's RSS when the first 5,000 checks have completed and at the end
(the last 5,000) are compared, beside its idle RSS and its peak (VmHWM); PSS at the end shows
what the workers really cost together (the code imported before forking is shared). The service
keeps its default MAX_CONCURRENT_CHECKS (64 per worker): the other requests wait in it, and that
wait is part of the latency. Nothing is asserted; results also go to
bench/results/load-latest.json. Only loopback is used; the run is bounded in count and in time
(--max-seconds per phase) and stops by itself.

Usage: python bench/load.py [--checks N] [--concurrency N] [--max-seconds S] [--only off|on]
                           [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from run import (
    DELAY,
    KINDS,
    ROOT,
    Fake,
    free_port,
    mib,
    pct,
    peak_rss_of,
    run_and_write,
    say,
)
from scale import children, proc_kib, serve_command, tree_cpu
from scale import service_env as scale_service_env

from veriflien.workers import available_cpus

RESULTS = ROOT / "bench" / "results" / "load-latest.json"
WINDOW = 5000  # RSS is compared at the end of the first and of the last WINDOW checks
WARMUP = 8  # checks before measuring (imports, first connections), not counted
#: Every other check of the cache-on run repeats a link: pool size = checks * POOL_FRACTION.
POOL_FRACTION = 0.5
#: run.py uses ids 100000-399999 (engine, HTTP, warm-up); ids here stay below 1,000,000 (the
#: shortener scenario keeps six digits).
OFFSETS = {"off": 400000, "on": 700000, "warmup": 990000}


# --------------------------------------------------------------------------- links


def unique_urls(count: int, offset: int) -> list[str]:
    """The four kinds in turn, each link unique (cache off: every check does the work)."""
    makers = [make for _label, make in KINDS.values()]
    return [makers[n % len(makers)](offset + n) for n in range(count)]


def pooled_urls(count: int, offset: int, seed: int = 8) -> tuple[list[str], float]:
    """The four kinds in turn, ids drawn uniformly from a pool of count * POOL_FRACTION links
    (count * POOL_FRACTION / 4 per kind). Returns the links and the hit ratio an unbounded cache
    would give (every repeat of a link already seen), for comparison with the measured one."""
    makers = [make for _label, make in KINDS.values()]
    per_kind = max(1, math.ceil(count * POOL_FRACTION / len(makers)))
    rng = random.Random(seed)
    urls = [makers[n % len(makers)](offset + rng.randrange(per_kind)) for n in range(count)]
    return urls, 1 - len(set(urls)) / count if count else 0.0


# --------------------------------------------------------------------------- one phase


def vm_rss(pid: int) -> int | None:
    """Current resident set (KiB) of a live process."""
    return proc_kib(pid, "VmRSS")


def pss_kib(pid: int) -> int | None:
    """Proportional set size (KiB): pages shared with the supervisor and the other workers
    (the code imported before forking) are divided among them, so the sum is the real total."""
    return proc_kib(pid, "Pss", "smaps_rollup")


def workers_rss(supervisor: int) -> list[int | None]:
    """Current resident set (KiB) of each worker of a `veriflien serve` supervisor, by PID."""
    return [vm_rss(pid) for pid in children(supervisor)]


def ratio(last: list[int | None], first: list[int | None]) -> float | None:
    """The largest per-worker growth last / first (workers in PID order, as started)."""
    pairs = [(b, a) for a, b in zip(first, last, strict=False) if a and b]
    return round(max(b / a for b, a in pairs), 3) if pairs and len(first) == len(last) else None


def service_env(fake: Fake, cache_on: bool, workdir: Path) -> dict[str, str]:
    # Cache on: the default TTL (no variable). ANONYMOUS_CHECKS is the default, said aloud:
    # loopback callers need no key.
    no_cache = {} if cache_on else {"VERIFLIEN_CACHE_TTL": "0"}
    return scale_service_env(
        fake.info["env"], workdir, VERIFLIEN_ANONYMOUS_CHECKS="local", **no_cache
    )


def log_summary(path: Path) -> dict[str, Any]:
    """Warning-and-above lines the service wrote (JSON lines; logs never carry URLs)."""
    levels: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    other = 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            other += 1  # not a JSON line: a traceback or a library writing to stderr
            continue
        levels[doc.get("level", "?")] += 1
        key = " ".join(str(doc.get(k, "")) for k in ("message", "probe", "error_type", "code"))
        messages[key.strip()] += 1
    return {
        "levels": dict(levels),
        "top_messages": dict(messages.most_common(8)),
        "non_json_lines": other,
    }


async def phase(
    fake: Fake,
    name: str,
    urls: list[str],
    concurrency: int,
    max_seconds: float,
    workdir: Path,
    workers: int,
) -> dict[str, Any]:
    cache_on = name == "on"
    port = free_port()
    log_path = workdir / f"serve-{name}.log"
    log = log_path.open("wb")
    proc = await asyncio.create_subprocess_exec(
        *serve_command(port, workers),
        env=service_env(fake, cache_on, workdir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    count = len(urls)
    window = min(WINDOW, max(1, count // 4))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    exceptions: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    probe_errors: Counter[str] = Counter()  # probe name -> results with its probe_error finding
    deadline_hits = 0
    # (seconds, checks completed, VmRSS KiB of each worker)
    samples: list[tuple[float, int, list[int | None]]] = []
    marks: dict[str, Any] = {}
    done = 0
    cut = False
    started = 0.0

    try:
        async with fake.session() as bare:
            await fake.control(bare, "reset")
        timeout = aiohttp.ClientTimeout(total=120)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as client:
            for _ in range(150):
                if proc.returncode is not None:
                    raise RuntimeError(f"veriflien serve exited; see {log_path}")
                try:
                    async with client.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("veriflien serve did not become healthy")
            for _ in range(300):  # /healthz needs only the first worker: wait for them all
                if len(children(proc.pid)) >= workers:
                    break
                await asyncio.sleep(0.1)

            async def one(url: str) -> tuple[int, dict[str, Any]]:
                async with client.post(f"{base}/api/v1/checks", json={"url": url}) as resp:
                    doc = await resp.json(content_type=None)
                    return resp.status, doc if isinstance(doc, dict) else {}

            async def cache_hits() -> float:
                """Hits counted by the service itself (its answers do not say)."""
                async with client.get(f"{base}/metrics") as resp:
                    text = await resp.text()
                found = re.search(
                    r'^veriflien_cache_requests_total\{result="hit"\} (\S+)$', text, re.M
                )
                return float(found.group(1)) if found else 0.0

            warm = unique_urls(WARMUP, OFFSETS["warmup"] + (WARMUP if cache_on else 0))
            await asyncio.gather(*(one(u) for u in warm), return_exceptions=True)
            marks["idle_rss_kib"] = workers_rss(proc.pid)
            marks["supervisor_rss_kib"] = vm_rss(proc.pid)
            async with fake.session() as bare:
                await fake.control(bare, "reset")

            queue = iter(urls)
            stop_at = time.perf_counter() + max_seconds

            async def worker() -> None:
                nonlocal done, cut, deadline_hits
                for url in queue:
                    if time.perf_counter() > stop_at:
                        cut = True
                        return
                    t0 = time.perf_counter()
                    try:
                        status, doc = await one(url)
                    except Exception as exc:  # counted, not fatal: an error is a figure here
                        exceptions[type(exc).__name__] += 1
                    else:
                        latencies.append(time.perf_counter() - t0)
                        statuses[status] += 1
                        verdicts[str(doc.get("verdict", "?"))] += 1
                        for finding in doc.get("findings") or []:
                            if finding.get("code") == "probe_error":
                                probe_errors[str(finding.get("probe"))] += 1
                            elif finding.get("code") == "deadline":
                                deadline_hits += 1
                    done += 1
                    if done == window:
                        marks["first_window"] = {
                            "checks": done,
                            "seconds": round(time.perf_counter() - started, 1),
                            "rss_kib": workers_rss(proc.pid),
                        }
                    if done == count - window:
                        marks["last_window_start"] = {
                            "checks": done,
                            "seconds": round(time.perf_counter() - started, 1),
                            "rss_kib": workers_rss(proc.pid),
                        }

            async def sampler() -> None:
                while True:
                    samples.append(
                        (round(time.perf_counter() - started, 1), done, workers_rss(proc.pid))
                    )
                    await asyncio.sleep(1.0)

            hits_before = await cache_hits()
            cpu_before = tree_cpu(proc.pid)
            pids = children(proc.pid)
            started = time.perf_counter()
            sampling = asyncio.create_task(sampler())
            progress = asyncio.create_task(report_progress(name, count, lambda: done))
            try:
                await asyncio.gather(*(worker() for _ in range(concurrency)))
            finally:
                sampling.cancel()
                progress.cancel()
            wall = time.perf_counter() - started
            cpu_after = tree_cpu(proc.pid)
            hits = int(await cache_hits() - hits_before)
            end_rss = workers_rss(proc.pid)
            marks["supervisor_end_kib"] = vm_rss(proc.pid)
            marks["pss_end_kib"] = [pss_kib(pid) for pid in [proc.pid, *children(proc.pid)]]
            marks["end"] = {"checks": done, "seconds": round(wall, 1), "rss_kib": end_rss}
            samples.append((round(wall, 1), done, end_rss))
            peak = [peak_rss_of(pid) for pid in children(proc.pid)]
            replaced = sorted(set(children(proc.pid)) ^ set(pids))  # a worker died meanwhile
            async with fake.session() as bare:
                fake_requests = (await fake.control(bare, "stats"))["requests"]
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()

    first = marks.get("first_window", {}).get("rss_kib") or []
    last = marks["end"]["rss_kib"]
    non_200 = sum(v for k, v in statuses.items() if k != 200)
    failed = non_200 + sum(exceptions.values()) + sum(probe_errors.values())
    return {
        "cache": "on (default TTL)" if cache_on else "off (VERIFLIEN_CACHE_TTL=0)",
        "checks_asked": count,
        "checks_done": done,
        "cut_by_time_limit": cut,
        "concurrency": concurrency,
        "wall_s": round(wall, 1),
        "checks_per_s": round(done / wall, 1) if wall else None,
        "p50_ms": round(pct(latencies, 50) * 1000) if latencies else None,
        "p99_ms": round(pct(latencies, 99) * 1000) if latencies else None,
        "max_ms": round(max(latencies) * 1000) if latencies else None,
        "errors": failed,
        "error_rate": round(failed / done, 5) if done else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "exceptions": dict(exceptions),
        "probe_error_findings": dict(probe_errors),
        "deadline_findings": deadline_hits,
        "verdicts": dict(verdicts),
        "cache_hits": hits,
        "cache_hit_ratio": round(hits / done, 4) if done else None,
        "service_cpu_ms_per_check": round((cpu_after - cpu_before) * 1000 / done, 1)
        if done
        else None,
        "fake_requests": fake_requests,
        "rss_window_checks": window,
        "rss_idle_kib": marks.get("idle_rss_kib"),
        "rss_first_window_kib": first,
        "rss_last_window_start_kib": marks.get("last_window_start", {}).get("rss_kib"),
        "rss_end_kib": last,
        "rss_growth_ratio": ratio(last, first),
        "rss_peak_kib": peak,
        "supervisor_rss_kib": [marks.get("supervisor_rss_kib"), marks.get("supervisor_end_kib")],
        "workers": workers,
        "workers_replaced": replaced,
        "pss_end_kib_supervisor_then_workers": marks.get("pss_end_kib"),
        # (seconds, checks completed, VmRSS KiB of each worker), one a second
        "rss_samples": samples,
        "marks": marks,
        "service_log": log_summary(log_path),
    }


async def report_progress(name: str, count: int, done: Any) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(30)
        n = done()
        elapsed = time.perf_counter() - started
        say(f"load: cache {name}: {n}/{count} checks, {elapsed:.0f} s, {n / elapsed:.1f}/s")


# --------------------------------------------------------------------------- report


def table(phases: dict[str, dict[str, Any]]) -> str:
    def cell(r: dict[str, Any] | None, fn: Any) -> str:
        return "-" if r is None else fn(r)

    def errors(r: dict[str, Any]) -> str:
        parts = [f"{r['errors']}"]
        detail = [f"{s}: {n}" for s, n in r["statuses"].items() if s != "200"]
        detail += [f"{e}: {n}" for e, n in r["exceptions"].items()]
        detail += [f"probe_error {p}: {n}" for p, n in r["probe_error_findings"].items()]
        return parts[0] + (f" ({', '.join(detail)})" if detail else "")

    def rss_at(key: str) -> Any:
        def per_worker(r: dict[str, Any]) -> str:
            value = r[key]
            if isinstance(value, list):
                return " / ".join(mib(v) for v in value) if value else "n/a"
            return mib(value)

        return per_worker

    off, on = phases.get("off"), phases.get("on")
    any_r = off or on
    assert any_r is not None
    w = any_r["rss_window_checks"]
    rows = [
        ("checks done / asked", lambda r: f"{r['checks_done']} / {r['checks_asked']}", "all"),
        ("errors (non-200, exceptions, probe_error)", errors, "0"),
        ("checks that hit the 20 s deadline", lambda r: str(r["deadline_findings"]), "0"),
        ("worker processes", lambda r: str(r["workers"]), "-"),
        ("cache hits (service metric)", lambda r: f"{100 * r['cache_hit_ratio']:.1f} %", "-"),
        ("latency p50", lambda r: f"{r['p50_ms'] / 1000:.2f} s", "-"),
        ("latency p99", lambda r: f"{r['p99_ms'] / 1000:.2f} s", "-"),
        ("throughput", lambda r: f"{r['checks_per_s']:.1f} checks/s", "-"),
        ("service CPU per check", lambda r: f"{r['service_cpu_ms_per_check']} ms", "-"),
        ("RSS per worker, idle (after warm-up)", rss_at("rss_idle_kib"), "-"),
        (f"RSS per worker after the first {w} checks", rss_at("rss_first_window_kib"), "-"),
        (f"RSS per worker after the last {w} checks", rss_at("rss_end_kib"), "-"),
        (
            "RSS growth, last / first (largest worker's)",
            lambda r: "n/a" if r["rss_growth_ratio"] is None else f"{r['rss_growth_ratio']:.3f}x",
            "~1.00x (noise)",
        ),
        ("peak RSS per worker (VmHWM)", rss_at("rss_peak_kib"), "flat"),
        ("supervisor RSS, start / end", rss_at("supervisor_rss_kib"), "-"),
        (
            "PSS at the end, supervisor / each worker",
            rss_at("pss_end_kib_supervisor_then_workers"),
            "-",
        ),
    ]
    head = ("figure", "cache off", "cache on", "target")
    body = [(label, cell(off, fn), cell(on, fn), target) for label, fn, target in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    line = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*head), line, *(fmt.format(*r) for r in body)])


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="veriflien-load-") as tmp:
        workdir = Path(tmp)
        say("load: starting the fake platform (ffmpeg clip, 40 ms per response)...")
        fake = Fake(workdir)
        phases: dict[str, dict[str, Any]] = {}
        try:
            if args.only in (None, "off"):
                say(f"load: cache off, {args.checks} unique links at {args.concurrency}...")
                urls = unique_urls(args.checks, OFFSETS["off"])
                phases["off"] = await phase(
                    fake, "off", urls, args.concurrency, args.max_seconds, workdir, args.workers
                )
            if args.only in (None, "on"):
                urls, expected = pooled_urls(args.checks, OFFSETS["on"])
                say(
                    f"load: cache on, {args.checks} links from a pool of {len(set(urls))} "
                    f"(repeats: {100 * expected:.1f} %) at {args.concurrency}..."
                )
                phases["on"] = await phase(
                    fake, "on", urls, args.concurrency, args.max_seconds, workdir, args.workers
                )
                phases["on"]["distinct_links"] = len(set(urls))
                phases["on"]["repeat_ratio"] = round(expected, 4)
        finally:
            fake.stop()
        return {"phases": phases, "fake_peak_rss_kib": fake.peak_rss_kib}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--checks", type=int, default=20000, help="checks per phase")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument(
        "--max-seconds", type=float, default=1800, help="per phase: stop sending after this"
    )
    parser.add_argument("--only", choices=("off", "on"), help="run only one phase")
    parser.add_argument(
        "--workers", type=int, default=available_cpus(), help="`veriflien serve --workers N`"
    )
    args = parser.parse_args()
    if args.checks < 1 or args.concurrency < 1:
        parser.error("--checks and --concurrency must be at least 1")
    config = {
        "checks": args.checks,
        "concurrency": args.concurrency,
        "max_seconds_per_phase": args.max_seconds,
        "mix": [label for label, _make in KINDS.values()],
        "service_max_concurrent_checks_per_worker": 64,
        "workers": args.workers,
    }
    doc, res = run_and_write(RESULTS, config, lambda: asyncio.run(main_async(args)), "load_wall_s")
    m = doc["machine"]
    print(
        f"Vérif'Lien {m['veriflien']} load run, {doc['date']}, {m['cores']} cores ({m['cpu']}), "
        f"Python {m['python']}; `veriflien serve` subprocess over HTTP, {args.checks} checks per "
        f"phase at concurrency {args.concurrency} (service: {args.workers} workers, 64 checks at "
        f"once in each, the rest wait); fake "
        f"platform on loopback, +{DELAY * 1000:.0f} ms per response; load average at start "
        f"{m['loadavg_at_start'][0]:.1f}"
    )
    print(table(res["phases"]))
    on = res["phases"].get("on")
    if on:
        print(
            f"cache on: {on['distinct_links']} distinct links for {on['checks_asked']} checks "
            f"(a repeat for {100 * on['repeat_ratio']:.1f} % of them; measured hits "
            f"{100 * on['cache_hit_ratio']:.1f} %: repeats of a link still being checked, and "
            "uncacheable verdicts, miss)"
        )
    for name, r in res["phases"].items():
        if r["cut_by_time_limit"]:
            print(f"cache {name}: CUT after {args.max_seconds:.0f} s ({r['checks_done']} checks)")
        print(f"cache {name}: verdicts {r['verdicts']}; service log {r['service_log']['levels']}")
    print(f"written {RESULTS}; load run wall time {doc['load_wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
