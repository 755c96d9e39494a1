"""`make bench` (page analysis): service CPU per page analysis, beside the old implementation.

Why this exists: page analysis was the service's main CPU cost on real pages (129 ms on a 989 KiB
YouTube watch page) and its worst case on hostile ones (0.9-3 s for 2 MB of plain text, links or
nested markup). This benchmark prints, for every recorded platform page in ../shared/real (when
present) and for 2 MiB pages of each slow or hostile shape, the CPU one analysis costs:

- "service": what a check pays, the probe's path (`veriflien.probes.page.analyse`: tag budget,
  lanes, steps run in slices on an event loop, the lxml parse in a thread) — the 150 ms target;
- "whole page": `analyse_page` on the whole page, without the probe's tag budget;
- the same two for the implementation before the rewrite (BeautifulSoup + one regex per
  detector), loaded from git history at run time (OLD_REVISION), measured in the same run;
- for the real pages, one bare lxml parse of the same bytes (the floor's parse).

CPU is process CPU (time.process_time: every thread of this process, the parse thread included),
the median of --reps runs after a warm-up, and "worst" is the largest of them. Nothing is asserted;
the exit status only says whether the benchmark could run. The machine's load average is printed:
other work on the machine inflates every figure. Results also go to bench/results/page-latest.json.

Usage: python bench/page.py [--reps N] [--no-old] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "service", ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from lxml import etree  # noqa: E402

import veriflien.probes.page as page_probe  # noqa: E402
from veriflien.platforms import Catalogue  # noqa: E402
from veriflien.probes.page import analyse, analyse_page  # noqa: E402
from veriflien.slices import SLICES  # noqa: E402

# The last commit with the BeautifulSoup implementation (page_analysis.py as one module).
OLD_REVISION = "3a8f072"
OLD_PATH = "service/veriflien/probes/page_analysis.py"
# The recorded corpus, as tests/real finds it: $VERIFLIEN_REAL_CORPUS, else ../shared/real next to
# the checkout (or next to the folder of worktrees).
REAL_CANDIDATES = [
    *(
        [Path(os.environ["VERIFLIEN_REAL_CORPUS"])]
        if os.environ.get("VERIFLIEN_REAL_CORPUS")
        else []
    ),
    ROOT.parent / "shared" / "real",
    ROOT.parent.parent / "shared" / "real",
]
RESULTS = ROOT / "bench" / "results" / "page-latest.json"
CAP = 2 * 1024 * 1024  # the service's response cap (max_response_bytes)
TARGET_MS = 150.0
BASE = "https://lure.example.net/watch/42"


# --------------------------------------------------------------------------- pages


def _fill(head: bytes, unit: bytes, tail: bytes = b"") -> bytes:
    body = head + unit * ((CAP - len(head) - len(tail)) // len(unit) + 1)
    return body[: CAP - len(tail)] + tail


def shapes() -> dict[str, tuple[str, bytes]]:
    """2 MiB pages, each built to make one part of the analysis work hard."""
    import fakes.scenarios_hostile as hostile

    row = b'<div class="row"><p>Regarde ta video avant que tout le monde la voie.</p></div>\n'
    words = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    script = b"<script>" + (b"var a = 'xxxxxxxxxx'; " * 460)[:10_000] + b"</script>\n"
    return {
        "plain_text": ("2 MiB of plain text, no markup", _fill(b"", words)),
        "quoted_tokens": (
            "one script of 2,000-character quoted tokens",
            _fill(b"<html><body><script>var t=[", b'"' + b"a" * 2000 + b'",'),
        ),
        "scripts_190": (
            "190 inline scripts of 10 KB, then text",
            b"<html><head>" + script * 190 + b"</head><body><p>hello</p></body></html>",
        ),
        "nested_divs": (
            "nested <div>s (hostile scenario), video at the bottom",
            _fill(b"<html><body>", b"<div>"),
        ),
        "links": ("2 MiB of <a> tags (hostile scenario)", hostile.links_page()[:CAP]),
        "rows": ("first 2 MiB of the 100 MB page (hostile scenario)", _fill(b"<html><body>", row)),
        "ext_tokens": (
            'quoted runs of ".mp4?" without a closing quote nearby',
            _fill(b'<html><body><script>x="', b"a.mp4?" * 700 + b'";y="'),
        ),
        "lure_words": (
            "visible text dense with lure and payment words and amounts",
            _fill(b"<html><body><p>", b"Install the player, pay the codec ransom of 100 EUR now. "),
        ),
        "wallet_like": (
            "visible text of base58-looking tokens",
            _fill(b"<html><body><p>", b"1BoatSLRHtKNngkdXEeobR76b53LETtpyT1 "),
        ),
        "attributes": (
            "form fields with long values",
            _fill(b"<html><body><form>", b'<input value="' + b"pay 5 BTC " * 50 + b'">'),
        ),
    }


def real_pages() -> list[tuple[str, bytes]]:
    """Every recorded HTML body of ../shared/real/platform, read in place (never copied)."""
    for corpus in REAL_CANDIDATES:
        platforms = corpus / "platform"
        if platforms.is_dir():
            return [
                (str(path.relative_to(platforms)), path.read_bytes())
                for path in sorted(platforms.glob("*/*/*.body.html"))
            ]
    return []


# --------------------------------------------------------------------------- implementations


def load_old() -> types.ModuleType | None:
    """The pre-rewrite page_analysis.py, straight from git history (never kept in the tree)."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{OLD_REVISION}:{OLD_PATH}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("bench_old_page_analysis")
    module.__file__ = f"<git {OLD_REVISION}:{OLD_PATH}>"
    sys.modules[module.__name__] = module  # dataclasses look their module up by name
    # Our own code from our own history, run only to be measured against: S102 does not apply.
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102
    return module


def cpu_ms(run: Callable[[], Any], reps: int) -> tuple[float, float]:
    """(median, worst) process CPU of `run` in ms, after one warm-up run."""
    run()
    samples = []
    for _ in range(reps):
        started = time.process_time()
        run()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples), max(samples)


def service_run(loop: asyncio.AbstractEventLoop, body: bytes, url: str, markers: Any) -> Any:
    def run() -> Any:
        return loop.run_until_complete(
            analyse(body, url, markers, claimed_platform_allowed=markers is not None)
        )

    return run


def old_service_run(old: types.ModuleType, body: bytes, url: str, markers: Any) -> Any:
    _, limit = page_probe._tag_budget(body)  # the old probe cut pages at the same tag budget

    def run() -> Any:
        return old.analyse_page(
            body, url, markers, max_bytes=limit, claimed_platform_allowed=markers is not None
        )

    return run


def platform_of(name: str, catalogue: Catalogue) -> tuple[str, Any]:
    """The URL and catalogue markers the service would use for a recorded page."""
    platform = catalogue.get(name.split("/", 1)[0])
    if platform is None:
        return BASE, None
    url = f"https://{next(iter(platform.hosts), 'example.org').lstrip('*.')}/recorded"
    return url, platform.markers


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-old", action="store_true", help="skip the pre-rewrite figures")
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    args = parser.parse_args()

    old = None if args.no_old else load_old()
    catalogue = Catalogue.load()
    loop = asyncio.new_event_loop()
    started = time.monotonic()
    load_before = [round(x, 2) for x in os.getloadavg()]
    print(
        f"page analysis CPU, {args.reps} runs each after a warm-up; load average {load_before} "
        f"on {len(os.sched_getaffinity(0))} cores"
    )
    if old is None and not args.no_old:
        print(f"(old implementation unavailable: git show {OLD_REVISION} failed)")
    rows: list[dict[str, Any]] = []

    def measure(kind: str, name: str, what: str, body: bytes, url: str, markers: Any) -> None:
        if args.only and args.only not in name:
            return
        row: dict[str, Any] = {"kind": kind, "name": name, "what": what, "kib": len(body) // 1024}
        SLICES.reset()
        row["service_ms"], row["service_worst_ms"] = cpu_ms(
            service_run(loop, body, url, markers), args.reps
        )
        row["longest_slice_ms"] = round(SLICES.longest * 1000, 2)
        row["whole_ms"], row["whole_worst_ms"] = cpu_ms(
            lambda: analyse_page(body, url, markers, claimed_platform_allowed=markers is not None),
            args.reps,
        )
        if kind == "real":
            html_parser = etree.HTMLParser(huge_tree=True)
            row["lxml_parse_ms"], _ = cpu_ms(lambda: etree.fromstring(body, html_parser), args.reps)
        if old is not None:
            old_reps = max(1, min(args.reps, 3))  # the old one takes seconds on hostile shapes
            row["old_service_ms"], row["old_service_worst_ms"] = cpu_ms(
                old_service_run(old, body, url, markers), old_reps
            )
            row["old_whole_ms"], row["old_whole_worst_ms"] = cpu_ms(
                lambda: old.analyse_page(
                    body, url, markers, claimed_platform_allowed=markers is not None
                ),
                old_reps,
            )
        rows.append(row)
        print(_line(row), flush=True)

    print(_header())
    for name, body in real_pages():
        url, markers = platform_of(name, catalogue)
        measure("real", name, "recorded platform page", body, url, markers)
    for name, (what, body) in shapes().items():
        measure("shape", name, what, body, BASE, None)
    loop.close()

    shapes_rows = [r for r in rows if r["kind"] == "shape"]
    if shapes_rows:
        worst = max(shapes_rows, key=lambda r: r["service_worst_ms"])
        verdict = "holds" if worst["service_worst_ms"] <= TARGET_MS else "MISSED"
        print(
            f"\nworst service CPU over the 2 MiB shapes: {worst['service_worst_ms']:.1f} ms "
            f"({worst['name']}); target <= {TARGET_MS:.0f} ms: {verdict}"
        )
    print(f"load average after: {[round(x, 2) for x in os.getloadavg()]}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "reps": args.reps,
                "old_revision": OLD_REVISION if old is not None else None,
                "loadavg_at_start": load_before,
                "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
                "wall_s": round(time.monotonic() - started, 1),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


def _header() -> str:
    return (
        f"{'page':58} {'KiB':>5} | {'service':>8} {'worst':>7} {'slice':>6} | {'whole':>7} | "
        f"{'old svc':>8} {'old whole':>9} | {'lxml':>5}  (ms of CPU)"
    )


def _line(row: dict[str, Any]) -> str:
    def num(key: str, width: int) -> str:
        value = row.get(key)
        return f"{value:{width}.1f}" if isinstance(value, int | float) else " " * (width - 1) + "-"

    return (
        f"{row['name'][:58]:58} {row['kib']:5} | {num('service_ms', 8)} "
        f"{num('service_worst_ms', 7)} {num('longest_slice_ms', 6)} | {num('whole_ms', 7)} | "
        f"{num('old_service_ms', 8)} {num('old_whole_ms', 9)} | {num('lxml_parse_ms', 5)}"
    )


if __name__ == "__main__":
    sys.exit(main())
