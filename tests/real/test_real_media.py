"""Real media files made by other people's software, whole and cut, checked through the service.

../shared/real/media holds phone, browser, Apple, GPAC, Bento4 and mkvmerge files (see its README).
Each file is served whole and cut at several points (2 … 99 % of its bytes, and exact box or cluster
boundaries) as if the upload had stopped there, by an HTTPS file server with byte ranges, reached
through the service's normal path: the API, the gate (pinned names, the tests' CA), the fetch and
media probes. For every file and cut the truth is computed at test time by ffmpeg on the very same
bytes (`corpus.played_seconds`: a full decode of the first video stream, else audio), and:

- the verdict must be right: a file that plays to its end -> `public`; a cut or unplayable one ->
  `incomplete`; `unknown` only where ffmpeg itself has no decoder for the codec;
- never a false reassurance: never a non-public verdict for something that plays to its end, and
  the playable seconds never under the truth by more than the tolerance;
- playable seconds within max(1 s, 10 %) of what ffmpeg decodes;
- at most 256 KiB sent by the server per check (bytes the server wrote, headers included, counted
  on the server side: what the service reads is smaller).

Two limits are physical, checked from the bytes and counted apart rather than hidden: a cut
exactly between two whole fragments or clusters of a file that declares no end looks like a
shorter complete file (public: a false alarm at worst, counted as not right), and a live-style
WebM whose last Cluster header lies further from the end than one read reaches cannot be dated
(no time is given, never a lower bound posing as one). The right-verdict rate must reach 97 %.

Nothing here is per file: the cut points, the truths and the expectations are computed from the
bytes, so the same test judges any other real file dropped into the folder. The file's recorded
state (MANIFEST.tsv) only says whether an uncut file is a complete recording. A summary table is
printed at the end of `make test-real`.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from corpus import Played, played_seconds
from fakes.platform import FAKE, FakePlatform, scenario
from realcorpus import SUMMARIES, corpus_dir
from veriflien.app import create_app
from veriflien.settings import Settings

HOST = "https://cdn.example.com"
FRACTIONS = (0.02, 0.10, 0.35, 0.50, 0.75, 0.90, 0.99)
SENT_LIMIT = 256 * 1024
CLUSTER_ID = b"\x1f\x43\xb6\x75"
# The end of a live-style WebM is read in one window of this size: a cluster whose header lies
# further back cannot be dated within the budget (its Timestamp is only in that header).
TAIL_REACH = 160 * 1024
RIGHT_TARGET = 0.97
MAX_LISTED = 400  # cases listed under the summary table
CHUNK = 16 * 1024
TYPES = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".m4a": "audio/mp4", ".mov": "video/quicktime",
    ".m4s": "video/iso.segment", ".webm": "video/webm", ".mkv": "video/x-matroska",
    ".ogv": "video/ogg", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
}  # fmt: skip
NOT_REACHABLE = frozenset({"private", "removed", "incomplete", "login_required", "no_video"})


# ---------------------------------------------------------------------------------------------
# Cases: every real file, whole and cut
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    source: Path  # the real file
    size: int  # bytes served (the whole file, or the first `size` bytes of it)
    label: str | None  # MANIFEST.tsv true_state of the whole file (None: not recorded)
    boundary: bool = False  # cut exactly where a box, cluster or page starts

    @property
    def whole(self) -> bool:
        return self.size == self.source.stat().st_size

    @property
    def url(self) -> str:
        return f"{HOST}/real/{self.id}/{self.source.name}"


def _labels(corpus: Path) -> dict[str, str]:
    labels = {}
    for line in (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) > 7 and fields[0].startswith("media/"):
            labels[fields[0].removeprefix("media/")] = fields[7]
    return labels


def _mp4_boundaries(data: bytes) -> list[int]:
    """Starts of the last top-level box and of the middle `moof` (a cut between fragments)."""
    starts, moofs, off = [], [], 0
    while off + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, off)
        if size == 1 and off + 16 <= len(data):
            size = struct.unpack_from(">Q", data, off + 8)[0]
        if size < 8:
            break
        starts.append(off)
        if kind == b"moof":
            moofs.append(off)
        off += size
    picks = starts[-1:] if len(starts) > 1 else []
    if len(moofs) > 1:
        picks.append(moofs[len(moofs) // 2])
    return picks


def _marker_boundaries(data: bytes, marker: bytes) -> list[int]:
    """The last and the middle occurrence of a structural marker (EBML Cluster, Ogg page)."""
    found, at = [], data.find(marker, 1)
    while at != -1:
        found.append(at)
        at = data.find(marker, at + 1)
    return sorted({found[-1], found[len(found) // 2]}) if found else []


def cut_points(data: bytes) -> dict[int, bool]:
    """Cut sizes -> whether the cut falls exactly on a structural boundary."""
    boundaries: list[int] = []
    if data[4:8] in {b"ftyp", b"styp", b"moov", b"free", b"sidx", b"wide"}:
        boundaries = _mp4_boundaries(data)
    elif data.startswith(b"\x1a\x45\xdf\xa3"):
        boundaries = _marker_boundaries(data, CLUSTER_ID)
    elif data.startswith(b"OggS"):
        boundaries = _marker_boundaries(data, b"OggS")
    points = {int(len(data) * f): False for f in FRACTIONS}
    points.update({p: True for p in boundaries})
    return {p: b for p, b in sorted(points.items()) if 0 < p < len(data)}


def build_cases(corpus: Path | None) -> list[Case]:
    if corpus is None:
        return []
    root = corpus / "media"
    labels = _labels(corpus)
    cases = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in TYPES):
        rel = path.relative_to(root).as_posix()
        stem = rel.replace("/", "-").rsplit(".", 1)[0]
        data = path.read_bytes()
        label = labels.get(rel)
        cases.append(Case(f"{stem}-whole", path, len(data), label))
        for size, boundary in cut_points(data).items():
            cases.append(Case(f"{stem}-cut{size}", path, size, label, boundary))
    return cases


CASES = build_cases(corpus_dir())


# ---------------------------------------------------------------------------------------------
# The file server: byte ranges, and a count of what it wrote
# ---------------------------------------------------------------------------------------------


@dataclass
class Served:
    files: dict[str, bytes] = field(default_factory=dict)  # path -> bytes
    sent: dict[str, int] = field(default_factory=dict)  # path -> bytes written (headers too)
    requests: dict[str, int] = field(default_factory=dict)


def _range(header: str, total: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a `bytes=a-b` / `bytes=a-` / `bytes=-n` header, else None."""
    spec = header.strip().removeprefix("bytes=").split(",", 1)[0].strip()
    first, sep, last = spec.partition("-")
    if not sep or not (first.isdigit() or last.isdigit()):
        return None
    if not first:
        return max(0, total - int(last)), total - 1
    start = int(first)
    return start, min(int(last), total - 1) if last else total - 1


@scenario("cdn.example.com", "/real/*")
async def _real_file(request: web.Request) -> web.StreamResponse:
    served: Served = request[FAKE].context["real_media"]  # type: ignore[assignment]
    data = served.files.get(request.path)
    if data is None:
        return web.Response(status=404, text="not found")
    served.requests[request.path] = served.requests.get(request.path, 0) + 1
    total = len(data)
    ctype = TYPES.get(Path(request.path).suffix.lower(), "application/octet-stream")
    headers = {"Accept-Ranges": "bytes", "Content-Type": ctype}
    wanted = _range(request.headers.get("Range", ""), total) if "Range" in request.headers else None
    if wanted is not None and wanted[0] >= total:
        headers["Content-Range"] = f"bytes */{total}"
        response = web.Response(status=416, headers=headers)
        served.sent[request.path] = served.sent.get(request.path, 0) + 200
        return response
    start, end = wanted if wanted is not None else (0, total - 1)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
    response = web.StreamResponse(status=206 if wanted else 200, headers=headers)
    response.content_length = end - start + 1
    await response.prepare(request)
    head = 40 + sum(len(k) + len(v) + 4 for k, v in response.headers.items())
    served.sent[request.path] = served.sent.get(request.path, 0) + head
    position = start
    try:
        while position <= end:
            if request.transport is None or request.transport.is_closing():
                break  # the client hung up: a real server stops sending too
            piece = data[position : min(end + 1, position + CHUNK)]
            await response.write(piece)
            # Counted once written: an upper bound of what reached the wire (never an under-count).
            served.sent[request.path] += len(piece)
            position += len(piece)
            await asyncio.sleep(0)
        await response.write_eof()
    except (ConnectionResetError, RuntimeError):
        pass
    return response


# ---------------------------------------------------------------------------------------------
# Running every check once, then judging each one
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    truth: Played  # of the served bytes
    full: Played  # of the whole file
    doc: dict[str, Any]
    sent: int
    requests: int

    @property
    def verdict(self) -> str:
        return str(self.doc["verdict"])

    @property
    def playable(self) -> float | None:
        media = self.doc.get("media") or {}
        return media.get("playable_seconds")

    @property
    def tolerance(self) -> float:
        return max(1.0, 0.10 * self.truth.seconds)

    @property
    def whole_plays_fully(self) -> bool:
        """The uncut file is a complete recording: recorded as such, or ffmpeg decodes all of it."""
        if self.case.label == "public":
            return True
        w = self.full
        if self.case.label is None and w.seconds > 0 and w.declared is None:
            return True
        return w.seconds > 0 and w.declared is not None and w.seconds >= w.declared - 1.0

    @property
    def plays_fully(self) -> bool:
        """Everything the whole file plays, this copy plays too (a frame cut in two does not)."""
        if not self.whole_plays_fully:
            return False
        if self.case.whole:
            return True
        return not self.truth.cut_frame and self.truth.seconds >= self.full.seconds - 0.01

    @property
    def measurable(self) -> bool:
        """ffmpeg's figure means something: not for ciphertext (CENC), which it decodes to noise
        and stops on wherever its decryption bookkeeping trips."""
        return not (self.truth.encrypted or self.full.encrypted)

    @property
    def right_verdicts(self) -> set[str]:
        right = {"public"} if self.plays_fully else {"incomplete"}
        if not self.truth.decodable or not self.measurable:
            right.add("unknown")  # ffmpeg itself cannot tell: nothing to compare with
        return right

    @property
    def right(self) -> bool:
        return self.verdict in self.right_verdicts

    @property
    def false_reassurance(self) -> str | None:
        if self.plays_fully and self.verdict in NOT_REACHABLE:
            return f"{self.verdict} for a file that plays to its end"
        if (
            self.measurable
            and self.playable is not None
            and self.playable < self.truth.seconds - self.tolerance
        ):
            return f"{self.playable:.2f} s playable said, {self.truth.seconds:.2f} s decode"
        return None

    @property
    def seconds_error(self) -> float | None:
        """|said - decoded|; None when nothing was said (counted as a miss)."""
        if self.playable is None:
            return None
        return abs(self.playable - self.truth.seconds)

    @property
    def out_of_reach(self) -> bool:
        """No time given, and rightly: a live-style WebM whose last Cluster header (the only place
        its Timestamp is written) lies further from the end than one read reaches."""
        codes = {f["code"] for f in self.doc["findings"]}
        if self.playable is not None or "ebml_time_unknown" not in codes:
            return False
        data = self.case.source.read_bytes()[: self.case.size]
        return len(data) - data.rfind(CLUSTER_ID) > TAIL_REACH

    @property
    def seconds_ok(self) -> bool:
        if not self.measurable or self.out_of_reach:
            return True
        error = self.seconds_error
        if error is None:
            # Saying nothing is only right where there is nothing to measure.
            return self.verdict == "unknown" and not self.truth.decodable
        return error <= self.tolerance

    @property
    def undecidable_boundary(self) -> bool:
        """Cut exactly between two whole units (fragments, clusters) of a file that declares no
        end: it looks like a shorter complete file. Public is then a false alarm at worst, never
        a false reassurance; such cases count as not right but do not fail on their own."""
        return self.case.boundary and self.verdict == "public" and not self.false_reassurance

    def summary(self) -> str:
        media = self.doc.get("media") or {}
        lines = [
            f"{self.case.id}: {self.case.size} bytes of {self.case.source.stat().st_size}; "
            f"ffmpeg plays {self.truth.seconds:.3f} s (whole file {self.full.seconds:.3f} s, "
            f"declared {self.full.declared}); plays fully: {self.plays_fully}",
            f"  verdict={self.verdict} (right: {sorted(self.right_verdicts)}) media={media}",
            f"  server sent {self.sent} bytes in {self.requests} request(s)",
        ]
        lines += [
            f"  {f['probe']}:{f['code']} -> {f.get('supports')}/{f.get('strength')}: {f['detail']}"
            for f in self.doc["findings"]
        ]
        return "\n".join(lines)


def _settings(fake: FakePlatform) -> Settings:
    return Settings().with_overrides(
        **fake.settings_overrides(), check_deadline=15.0, read_timeout=5.0, cache_ttl=0.0
    )


async def _run_checks(settings: Settings, cases: list[Case]) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    slots = asyncio.Semaphore(4)
    try:

        async def one(case: Case) -> None:
            async with slots:
                response = await client.post("/api/v1/checks", json={"url": case.url, "lang": "en"})
                assert response.status == 200, await response.text()
                docs[case.id] = await response.json()

        await asyncio.gather(*(one(c) for c in cases))
    finally:
        await client.close()
    return docs


@pytest.fixture(scope="session")
def outcomes(
    real_corpus: Path, fake_platform: FakePlatform, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    assert CASES, f"no media file found under {real_corpus / 'media'}"
    workdir = tmp_path_factory.mktemp("real-media")
    served = Served()
    fake_platform.context["real_media"] = served
    paths: dict[str, Path] = {}
    for case in CASES:
        data = case.source.read_bytes()[: case.size]
        digest = hashlib.sha256(data).hexdigest()[:16]
        path = workdir / f"{digest}{case.source.suffix}"
        if not path.exists():
            path.write_bytes(data)
        paths[case.id] = path
        served.files[f"/real/{case.id}/{case.source.name}"] = data
    # The truths: one full ffmpeg decode per distinct byte string, two at a time.
    unique = sorted(set(paths.values()))
    with ThreadPoolExecutor(max_workers=2) as pool:
        truths = dict(zip(unique, pool.map(played_seconds, unique), strict=True))
    docs = asyncio.run(_run_checks(_settings(fake_platform), CASES))
    asyncio.run(asyncio.sleep(0.5))  # let the server notice hang-ups before reading its counts
    wholes = {c.source: truths[paths[c.id]] for c in CASES if c.whole}
    return {
        case.id: Outcome(
            case=case,
            truth=truths[paths[case.id]],
            full=wholes[case.source],
            doc=docs[case.id],
            sent=served.sent.get(f"/real/{case.id}/{case.source.name}", 0),
            requests=served.requests.get(f"/real/{case.id}/{case.source.name}", 0),
        )
        for case in CASES
    }


def _table(results: list[Outcome]) -> str:
    right = sum(o.right for o in results)
    false = [o for o in results if o.false_reassurance]
    measured = [o for o in results if o.measurable and o.seconds_error is not None]
    errors = [o.seconds_error for o in measured if o.seconds_error is not None]
    worst = max(measured or results, key=lambda o: o.seconds_error or 0.0)
    missing = sum(1 for o in results if not o.seconds_ok)
    unreachable = sum(1 for o in results if o.out_of_reach)
    heaviest = max(results, key=lambda o: o.sent)
    by_kind: dict[str, list[Outcome]] = {}
    for o in results:
        by_kind.setdefault(o.case.source.parent.name, []).append(o)
    lines = [
        "Real media replay (../shared/real/media, whole files and cut copies, truth: ffmpeg)",
        f"  verdict right       {right}/{len(results)} ({100 * right / len(results):.1f} %, "
        f"target {100 * RIGHT_TARGET:.0f} %)",
        f"  false reassurance   {len(false)}",
        f"  playable seconds    worst error {max(errors, default=0):.2f} s ({worst.case.id}) "
        f"over {len(errors)} measured; {missing} outside max(1 s, 10 %) or missing; "
        f"{unreachable} not given because the last cluster header is out of reach (> "
        f"{TAIL_REACH // 1024} KiB from the end)",
        f"  server bytes/check  max {heaviest.sent / 1024:.1f} KiB ({heaviest.case.id}), "
        f"limit {SENT_LIMIT // 1024} KiB; mean "
        f"{sum(o.sent for o in results) / len(results) / 1024:.1f} KiB",
    ]
    for kind, group in sorted(by_kind.items()):
        lines.append(
            f"  {kind:<6} {sum(o.right for o in group)}/{len(group)} right, max "
            f"{max(o.sent for o in group) / 1024:.1f} KiB sent"
        )
    wrong = [
        o
        for o in results
        if not o.right or not o.seconds_ok or o.sent > SENT_LIMIT or o.out_of_reach
    ]
    wrong.sort(key=lambda o: (o.false_reassurance is None, o.right, o.seconds_ok))
    if wrong:
        lines.append(f"  not right, not measured or over the limit ({len(wrong)}, worst first):")
    for o in wrong[:MAX_LISTED]:
        said = "-" if o.playable is None else f"{o.playable:.2f}"
        lines.append(
            f"    {o.case.id}: {o.verdict} (want {'/'.join(sorted(o.right_verdicts))}), "
            f"{said} s for {o.truth.seconds:.2f} s, {o.sent / 1024:.0f} KiB"
            + (f" - FALSE REASSURANCE: {o.false_reassurance}" if o.false_reassurance else "")
            + (" - cut on a boundary, undecidable" if o.undecidable_boundary else "")
            + (" - time out of reach" if o.out_of_reach else "")
        )
    return "\n".join(lines)


def _ids() -> Iterator[str]:
    return (c.id for c in CASES)


@pytest.mark.parametrize("case_id", list(_ids()))
def test_real_media(case_id: str, outcomes: dict[str, Outcome]) -> None:
    o = outcomes[case_id]
    assert o.false_reassurance is None, f"false reassurance: {o.false_reassurance}\n{o.summary()}"
    assert o.right or o.undecidable_boundary, o.summary()
    assert o.seconds_ok, o.summary()
    assert o.sent <= SENT_LIMIT, o.summary()
    media = o.doc.get("media") or {}
    assert (media.get("bytes_read") or 0) <= 512 * 1024, o.summary()


def test_real_media_summary(outcomes: dict[str, Outcome], request: pytest.FixtureRequest) -> None:
    results = list(outcomes.values())
    table = _table(results)
    request.config.stash.setdefault(SUMMARIES, []).append(table)
    right = sum(o.right for o in results) / len(results)
    assert not [o for o in results if o.false_reassurance], table
    assert right >= RIGHT_TARGET, table
    assert max(o.sent for o in results) <= SENT_LIMIT, table
