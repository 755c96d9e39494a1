"""`make bench` (real page): service CPU per uncached check of a REAL watch page, beside its floor.

Why this exists (issue 12): on the benchmark's synthetic pages a check costs a few milliseconds,
but a real YouTube watch page (989 KiB, recorded in 2025, in ../shared/real) cost 244 ms of
service CPU, 14.5 times the floor. This benchmark serves that recorded page from the fake
platform's own process and prints, measured in the same run:

- the floor: one bare TLS fetch of the page (a new connection each time) plus one lxml parse of
  it, CPU of this process, median of the runs;
- the service: `veriflien serve --workers 1` as a subprocess (cache off, rate limits off), the
  CPU of its process tree per uncached check of the page (each check a new link: REAL<n>), over
  sequential checks; then the real-page throughput at concurrency 8, in checks per second and
  checks per second per core (throughput divided by the cores the service actually used).

The fake answers oEmbed 200 (the public shape), so a check is what it is in production for a
public video: the page, oEmbed, the verdict, the advice, the signature; yt-dlp is not asked when
the page's player data is conclusive. Nothing is asserted; the machine's load average is printed.
Without the real corpus the benchmark says so and exits 0.

Usage: python bench/realpage.py [--checks N] [--reps N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "service", ROOT / "tests", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import aiohttp  # noqa: E402
import lxml.html  # noqa: E402
import scale  # noqa: E402
from fake_server import real_youtube_page  # noqa: E402
from replay import bare_session  # noqa: E402
from run import FAKE_ADDRESS, Fake, free_port  # noqa: E402


async def floor(fake: Fake, reps: int) -> dict[str, Any]:
    """CPU of one bare TLS fetch (new connection) plus one lxml parse of the page."""
    info = fake.info
    url = "https://www.youtube.com/watch?v=REALfloor00"
    samples: list[float] = []
    size = 0
    for _ in range(reps + 3):
        started = time.process_time()
        async with (
            bare_session(
                FAKE_ADDRESS, info["https_port"], info["http_port"], info["ca_file"]
            ) as session,
            session.get(url) as resp,
        ):
            body = await resp.read()
        lxml.html.document_fromstring(body)
        samples.append(time.process_time() - started)
        size = len(body)
    samples = samples[3:]  # warm-up: imports, certificate loading
    return {"bytes": size, "cpu_ms": round(statistics.median(samples) * 1000, 1)}


async def service(fake: Fake, workdir: Path, checks: int, concurrency: int) -> dict[str, Any]:
    env = {
        **os.environ,
        **fake.info["env"],
        "VERIFLIEN_CACHE_TTL": "0",
        "VERIFLIEN_RATE_LIMIT_PER_CLIENT": "0",
        "VERIFLIEN_LOG_LEVEL": "warning",
        "HOME": str(workdir),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "service"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    port = free_port()
    svc = scale.Service(env, 1, port, workdir / "serve-realpage.log")
    base = f"http://127.0.0.1:{port}"
    verdicts: dict[str, int] = {}
    try:
        await svc.ready()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as client:

            async def one(n: int) -> None:
                url = f"https://www.youtube.com/watch?v=REAL{n:07d}"
                async with client.post(f"{base}/api/v1/checks", json={"url": url}) as resp:
                    doc = await resp.json(content_type=None)
                verdict = doc.get("verdict", "?") if isinstance(doc, dict) else "?"
                verdicts[verdict] = verdicts.get(verdict, 0) + 1

            for n in range(5):  # warm-up: imports, first connections, caches of compiled rules
                await one(n)
            verdicts.clear()
            cpu_before = svc.cpu()
            for n in range(checks):
                await one(100 + n)
            sequential_cpu = (svc.cpu() - cpu_before) / checks

            gate = asyncio.Semaphore(concurrency)

            async def bounded(n: int) -> None:
                async with gate:
                    await one(n)

            total = max(checks * 2, 4 * concurrency)
            cpu_before, started = svc.cpu(), time.perf_counter()
            await asyncio.gather(*(bounded(10_000 + n) for n in range(total)))
            wall = time.perf_counter() - started
            used = (svc.cpu() - cpu_before) / wall
    finally:
        svc.stop()
    return {
        "cpu_ms_per_check": round(sequential_cpu * 1000, 1),
        "concurrency": concurrency,
        "checks_per_s": round(total / wall, 1),
        "cores_used": round(used, 2),
        "checks_per_s_per_core": round(total / wall / max(used, 1e-9), 1),
        "verdicts": verdicts,
    }


async def main_async(args: argparse.Namespace) -> int:
    if real_youtube_page() is None:
        print("bench/realpage.py: the real corpus (../shared/real) is not here; nothing measured")
        return 0
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="veriflien-realpage-") as tmp:
        fake = Fake(Path(tmp))
        try:
            base = await floor(fake, args.reps)
            svc = await service(fake, Path(tmp), args.checks, args.concurrency)
        finally:
            fake.stop()
    ratio = svc["cpu_ms_per_check"] / base["cpu_ms"] if base["cpu_ms"] else float("nan")
    print(
        f"Real YouTube watch page ({base['bytes'] / 1024:.0f} KiB, recorded 2025), load average "
        f"at start {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}:"
    )
    print(f"  floor (bare TLS fetch + one lxml parse): {base['cpu_ms']:.1f} ms CPU")
    print(
        f"  service, uncached check over HTTP (--workers 1): {svc['cpu_ms_per_check']:.1f} ms CPU "
        f"= {ratio:.2f}x the floor (target <= 3x; 14.5x before issue 12)"
    )
    print(
        f"  throughput at concurrency {svc['concurrency']}: {svc['checks_per_s']} checks/s on "
        f"{svc['cores_used']} cores = {svc['checks_per_s_per_core']} checks/s per core "
        f"(target >= 40; about 4 before issue 12); verdicts {svc['verdicts']}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--checks", type=int, default=60, help="sequential checks measured")
    parser.add_argument("--reps", type=int, default=30, help="floor repetitions")
    parser.add_argument("--concurrency", type=int, default=8)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
