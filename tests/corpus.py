"""Media corpus for the container tests, generated with ffmpeg at test time.

Why generated rather than checked in: the fixtures are synthetic test patterns (never real people),
tiny, and regenerating them keeps the repository free of binary media. Other test modules import
`build_corpus`, `truncated` and `decoded_seconds` from here; everything is cached per directory so a
session pays the ffmpeg cost once.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: Every fixture is this long and runs at this frame rate, so frames / FPS = seconds.
SECONDS = 30
FPS = 10
_SOURCES = [
    "-f", "lavfi", "-i", f"testsrc=duration={SECONDS}:size=160x120:rate={FPS}",
    "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}",
]  # fmt: skip
_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "20", "-pix_fmt", "yuv420p"]
_AAC = ["-c:a", "aac", "-b:a", "32k"]


@dataclass(frozen=True)
class Corpus:
    root: Path
    mp4_moov_end: Path  # ftyp|mdat|moov (ffmpeg default)
    mp4_faststart: Path  # ftyp|moov|mdat
    fmp4_sidx: Path  # moov+mvex, global sidx, moof/mdat pairs, mfra
    fmp4_plain: Path  # fragmented without sidx
    webm: Path
    hls_dir: Path  # index.m3u8 (VOD media playlist) + master.m3u8 + seg*.ts
    dash_dir: Path  # manifest.mpd + init/chunk files


_CACHE: dict[Path, Corpus] = {}


def _run(args: list[str]) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


def build_corpus(root: Path) -> Corpus:
    """Generate (once per directory) the fixtures; each file is a few hundred KiB."""
    root = Path(root)
    if root in _CACHE:
        return _CACHE[root]
    root.mkdir(parents=True, exist_ok=True)
    c = Corpus(
        root=root,
        mp4_moov_end=root / "moov_end.mp4",
        mp4_faststart=root / "faststart.mp4",
        fmp4_sidx=root / "frag_sidx.mp4",
        fmp4_plain=root / "frag_plain.mp4",
        webm=root / "clip.webm",
        hls_dir=root / "hls",
        dash_dir=root / "dash",
    )
    av = [*_SOURCES, *_X264, *_AAC]
    _run([*av, str(c.mp4_moov_end)])
    _run([*av, "-movflags", "+faststart", str(c.mp4_faststart)])
    frag = "frag_keyframe+empty_moov+default_base_moof"
    _run([*av, "-movflags", frag + "+global_sidx", str(c.fmp4_sidx)])
    _run([*av, "-movflags", frag, str(c.fmp4_plain)])
    vp8 = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "150k", "-g", "20"]
    _run([*_SOURCES, *vp8, "-c:a", "libvorbis", "-b:a", "48k", str(c.webm)])
    c.hls_dir.mkdir(exist_ok=True)
    _run(
        [
            *av, "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
            "-hls_segment_filename", str(c.hls_dir / "seg%03d.ts"),
            "-master_pl_name", "master.m3u8", str(c.hls_dir / "index.m3u8"),
        ]
    )  # fmt: skip
    c.dash_dir.mkdir(exist_ok=True)
    _run([*av, "-f", "dash", "-seg_duration", "2", str(c.dash_dir / "manifest.mpd")])
    _CACHE[root] = c
    return c


def truncated(src: Path, fraction: float, dest: Path | None = None) -> Path:
    """Write the first `fraction` of `src` (an interrupted upload) and return its path."""
    data = src.read_bytes()
    return cut_at(src, int(len(data) * fraction), dest)


def cut_at(src: Path, size: int, dest: Path | None = None) -> Path:
    dest = dest or src.with_name(f"{src.stem}.cut{size}{src.suffix}")
    dest.write_bytes(src.read_bytes()[:size])
    return dest


def decoded_seconds(path: Path) -> float:
    """Seconds of video a full ffmpeg decode really plays (frames decoded / FPS).

    This is the ground truth: ffprobe's header duration is not (it reports the full length of a
    cut faststart file). A file ffmpeg cannot open at all plays 0 seconds.
    """
    proc = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostats", "-progress", "pipe:1", "-i", str(path),
         "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    frames = re.findall(r"^frame=(\d+)$", proc.stdout, re.M)
    return int(frames[-1]) / FPS if frames else 0.0
