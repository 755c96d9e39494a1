"""Runs the fake platform (with the bench scenarios) in a process of its own.

Why a separate process: on a 2-core machine, a fake served from a thread of the benchmark process
would share its GIL with the engine being measured, and every figure would include the fake's own
TLS and handler work as if it were the service's. Started by run.py; prints one JSON line (ports,
CA file, settings overrides), then serves until its stdin closes.

Usage: python bench/fake_server.py WORKDIR [DELAY_SECONDS]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "tests", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import scenarios  # noqa: E402  (registers the bench scenarios)

from fakes.platform import FakePlatform  # noqa: E402

CLIP_SECONDS = 30


def make_clip(workdir: Path) -> Path:
    """A 30 s synthetic test pattern, H.264 + AAC, moov at the end (ffmpeg's default layout)."""
    clip = workdir / "bench-moov-end.mp4"
    if not clip.exists():
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y",
             "-f", "lavfi", "-i", f"testsrc=duration={CLIP_SECONDS}:size=160x120:rate=10",
             "-f", "lavfi", "-i", f"sine=frequency=440:duration={CLIP_SECONDS}",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "20", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "32k", str(clip)],
            check=True, capture_output=True,
        )  # fmt: skip
    return clip


#: The recorded page issue 12 measures (public video, 2025), inside the real corpus.
REAL_PAGE = (
    "platform/youtube/ytta-2025-02_public_GJLlxj_dtq8/01_GET_www_youtube_com_watch.body.html"
)


def real_youtube_page() -> Path | None:
    """$VERIFLIEN_REAL_CORPUS, else ../shared/real next to the checkout (or its worktree folder)."""
    import os

    roots = (
        [Path(os.environ["VERIFLIEN_REAL_CORPUS"])] if "VERIFLIEN_REAL_CORPUS" in os.environ else []
    )
    roots += [ROOT.parent / "shared" / "real", ROOT.parent.parent / "shared" / "real"]
    for root in roots:
        if (root / REAL_PAGE).is_file():
            return root / REAL_PAGE
    return None


def main() -> None:
    workdir = Path(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.04
    workdir.mkdir(parents=True, exist_ok=True)
    clip = make_clip(workdir)
    scenarios.install(clip)
    # The real 989 KiB YouTube watch page of ../shared/real, for bench/realpage.py (when present).
    scenarios.install_real_page(real_youtube_page())
    fake = FakePlatform(delay=delay).start(workdir)
    info = {
        "https_port": fake.https_port,
        "http_port": fake.http_port,
        "ca_file": str(fake.ca_file),
        "overrides": fake.settings_overrides(),
        "env": fake.env(),
        "clip_bytes": len(scenarios.Media.clip),
        "virtual": {name: scenarios.virtual_mp4(name).total for name in scenarios.VIRTUAL},
    }
    print(json.dumps(info), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fake.stop()
    print(json.dumps({"peak_rss_kib": rss}), flush=True)


if __name__ == "__main__":
    main()
