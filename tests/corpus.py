"""Media corpus for the container tests, generated with ffmpeg at test time.

Why generated rather than checked in: the fixtures are synthetic test patterns (never real people),
tiny, and regenerating them keeps the repository free of binary media. Other test modules import
`build_corpus`, `truncated`, `decoded_seconds` and `played_seconds` from here; the corpus is cached
per directory so a session pays the ffmpeg cost once.
"""

from __future__ import annotations

import json
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


@dataclass(frozen=True)
class Played:
    """What a full ffmpeg run makes of one file: the ground truth the media tests compare with."""

    seconds: float  # decoded seconds of the first video stream, else of the first audio stream
    decodable: bool  # False: ffmpeg has no decoder for the codec (e.g. VVC); seconds are demuxed
    declared: float | None = None  # the container's own duration, as ffprobe reports it
    encrypted: bool = False  # ffmpeg decodes ciphertext: its seconds say nothing (CENC)
    cut_frame: bool = False  # the file ends inside a frame of that stream (flagged corrupt)


def _probe(path: Path) -> tuple[list[str], float | None, bool]:
    """(stream kinds, declared duration, encrypted) as ffprobe reads them from the header."""
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "stream=codec_type:stream_side_data=side_data_type:format=duration", "-of", "json",
         str(path)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return [], None, False
    streams = doc.get("streams", [])
    kinds = [str(s.get("codec_type")) for s in streams]
    encrypted = "Encryption" in json.dumps([s.get("side_data_list", []) for s in streams])
    try:
        declared = float(doc.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        declared = None
    return kinds, declared, encrypted


def played_seconds(path: Path) -> Played:
    """Seconds ffmpeg really plays from `path`, whatever its frame rate or container.

    A full decode (`ffmpeg -i FILE -map 0:v:0 -f null -`, the first audio stream when there is no
    video) and the output time of the last decoded frame (`-progress`: out_time_us). The header
    duration is never used: it is the full length of a cut faststart file. When ffmpeg has no
    decoder for the codec, the demuxed packets are timed instead (their last end): the container
    truth, which is all a decoder-less check can know.
    """
    kinds, declared, encrypted = _probe(path)
    if "video" in kinds:
        selector = "0:v:0"
    elif "audio" in kinds:
        selector = "0:a:0"
    else:
        return Played(0.0, True, declared)
    proc = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostats", "-progress", "pipe:1", "-i", str(path),
         "-map", selector, "-f", "null", "-"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    demuxed, cut_frame = _packets(path, selector)
    if re.search(r"Decoder \(codec \w+\) not found|Error while opening decoder", proc.stderr):
        return Played(demuxed, False, declared, encrypted, cut_frame)
    times = re.findall(r"^out_time_us=(-?\d+)$", proc.stdout, re.M)
    seconds = max(0, int(times[-1])) / 1e6 if times else 0.0
    return Played(seconds, True, declared, encrypted, cut_frame)


def _packets(path: Path, selector: str) -> tuple[float, bool]:
    """(summed duration of the whole packets, in file order up to the first cut one; whether
    there is a cut one).

    `-c copy -f framecrc` lists every packet (duration, flags) without decoding; a packet the file
    ends inside is flagged corrupt (0x2), and a player stops there. The sum, not the span of the
    timestamps: reordered frames (B-frames) make the span of a cut stream meaningless.
    """
    proc = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", selector, "-c", "copy",
         "-f", "framecrc", "-"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    base = re.search(r"^#tb 0: (\d+)/(\d+)$", proc.stdout, re.M)
    if base is None:
        return 0.0, False
    unit = int(base.group(1)) / int(base.group(2))
    total = 0
    for line in proc.stdout.splitlines():
        if line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        flags = next((int(f[2:], 16) for f in fields[6:] if f.startswith("F=")), 0)
        if len(fields) < 5 or flags & 0x2:
            return total * unit, True
        total += int(fields[3])
    return total * unit, False
