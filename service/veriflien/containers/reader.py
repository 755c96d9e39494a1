"""Range-read plumbing shared by the container parsers.

Why this exists: the parsers must decide "complete video or partial upload" from a handful of
small range reads, never from a download. Every read goes through a `RangeReader` that counts the
bytes and refuses to go past a hard per-check budget (512 KiB, whatever the file size), so a
hostile 1 GB file costs us no more than a harmless 1 MB one. The parsers never open sockets: the
lead's network gate supplies a `RangeReader` (media files) and a `ChildFetcher` (playlist children).
`probe_file` and `probe_manifest` are the one place where a parser's failure becomes a finding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from veriflien.result import Findings, MediaInfo, Strength, Verdict

#: Hard cap on media bytes read for one check, whatever the file size.
DEFAULT_BUDGET = 512 * 1024
#: What the parsers plan to read of one file, first window included: the few big reads (a moov, a
#: cluster, a tail) are sized so that a check stays under 256 KiB on the wire (HTTP headers
#: included), well inside the hard budget. An index that does not fit is reported, not fetched.
READ_TARGET = 240 * 1024

PROBE = "media"


class BudgetExceeded(Exception):
    """The next read would take the check past its byte budget."""


class RangeUnavailable(Exception):
    """The reader cannot supply these bytes (e.g. only a prefix of a larger file is known)."""


@runtime_checkable
class RangeReader(Protocol):
    total: int | None  # full length when known (Content-Range /TOTAL or Content-Length)
    bytes_read: int  # bytes actually read so far for this check

    async def read(self, start: int, length: int) -> bytes:
        """Return up to `length` bytes at `start`; fewer at EOF; BudgetExceeded past the budget."""
        ...


@runtime_checkable
class ChildFetcher(Protocol):
    """Fetches playlist children through the guarded gate (which enforces the network policy)."""

    async def get(self, url: str, max_bytes: int) -> tuple[int, bytes]:
        """GET at most `max_bytes` of an absolute URL; returns (HTTP status, body)."""
        ...

    async def probe(self, url: str) -> int:
        """HEAD or `Range: bytes=0-0` an absolute URL; the HTTP status (0 if unreachable)."""
        ...


class BytesRangeReader:
    """In-memory `RangeReader` over `data`, a prefix of a (possibly longer) virtual file.

    - `total` defaults to `len(data)`: the server holds exactly these bytes, which is how tests
      model a truncated upload (the bytes simply stop).
    - With `total > len(data)`, the file is longer than what we hold (e.g. the lead already read the
      first window of a huge file): reads past the prefix raise `RangeUnavailable`, because
      inventing bytes would let a parser conclude something false.
    - Reads past `total` return fewer bytes (b'' at or after EOF), like an HTTP 416 / short 206.
    The budget is charged for the bytes actually returned, and checked before serving them.
    """

    def __init__(self, data: bytes, total: int | None = None, budget: int = DEFAULT_BUDGET):
        if total is not None and total < len(data):
            raise ValueError("total must be >= len(data)")
        self._data = data
        self.total: int | None = len(data) if total is None else total
        self.budget = budget
        self.bytes_read = 0

    async def read(self, start: int, length: int) -> bytes:
        if start < 0 or length < 0:
            raise ValueError("negative range")
        end = start + length
        if self.total is not None:
            end = min(end, self.total)
        if end <= start:
            return b""
        if end > len(self._data):
            raise RangeUnavailable(f"bytes {start}-{end - 1} are beyond the known prefix")
        if self.bytes_read + (end - start) > self.budget:
            raise BudgetExceeded(f"read of {end - start} bytes would exceed {self.budget}")
        self.bytes_read += end - start
        return self._data[start:end]


class CachedReader:
    """Serves reads from windows already fetched, so re-reading a header costs no budget."""

    def __init__(self, reader: RangeReader, max_windows: int = 64):
        self.inner = reader
        self._windows: list[tuple[int, bytes]] = []
        self._max = max_windows

    @property
    def total(self) -> int | None:
        return self.inner.total

    @property
    def bytes_read(self) -> int:
        return self.inner.bytes_read

    async def read(self, start: int, length: int) -> bytes:
        for off, buf in self._windows:
            if off <= start and start + length <= off + len(buf):
                return buf[start - off : start - off + length]
        data = await self.inner.read(start, length)
        if data:
            self._windows.append((start, data))
            if len(self._windows) > self._max:
                self._windows.pop(0)
        return data

    async def read_exact(self, start: int, length: int) -> bytes | None:
        """`length` bytes at `start`, or None when the file ends first."""
        data = await self.read(start, length)
        return data if len(data) == length else None


class MediaResult(Findings):
    """What one container parser concluded: the MediaInfo plus the evidence behind it."""

    def __init__(self, media: MediaInfo) -> None:
        super().__init__(PROBE)
        self.media = media

    def nothing_plays(self, code: str, detail: str, strength: Strength) -> None:
        """The bytes prove that no second of media plays: an incomplete upload, said as `code`."""
        self.media.complete, self.media.playable_seconds = False, 0.0
        self.add(code, detail, Verdict.INCOMPLETE, strength)


def fmt_seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} s"


def give_up(res: MediaResult, code: str, detail: str) -> None:
    """Record why a parser stopped: a proven truncation stays, a "complete" no longer holds."""
    if res.media.complete is True:
        res.media.complete = None
    res.add(code, detail)


async def probe_file(
    container: str,
    reader: RangeReader,
    walk: Callable[[CachedReader, MediaResult], Awaitable[None]],
    *,
    malformed: tuple[type[Exception], ...],
    malformed_code: str,
    malformed_detail: str,
    budget_detail: str = "The file index is larger than the read budget allows.",
) -> MediaResult:
    """Run one file parser's `walk` within the byte budget; every way it can stop is a finding.

    The parsers read untrusted sizes, so a hostile file must end in a clean result: the budget,
    a server that will not serve a range, and the exceptions in `malformed` all become findings
    (`malformed_detail` is completed with the exception's type name), never an exception.
    """
    res = MediaResult(MediaInfo(container, None, bytes_total=reader.total))
    try:
        await walk(CachedReader(reader), res)
    except BudgetExceeded:
        give_up(res, "budget_exceeded", budget_detail)
    except RangeUnavailable:
        give_up(res, "range_unavailable", "The server did not supply the bytes needed.")
    except malformed as exc:
        give_up(res, malformed_code, f"{malformed_detail} ({type(exc).__name__}).")
    res.media.bytes_read = reader.bytes_read
    return res


async def probe_manifest(
    container: str,
    url: str,
    body: bytes | str,
    fetcher: ChildFetcher,
    walk: Callable[[str, bytes | str, ChildFetcher, MediaResult], Awaitable[None]],
    *,
    malformed_code: str,
    malformed_detail: str,
) -> MediaResult:
    """Run one manifest parser's `walk` over a body the gate already fetched from `url`.

    Hostile manifests must end in a clean result: any exception becomes the `malformed_code`
    finding (`malformed_detail` completed with the exception's type name), and a "complete"
    reached before it no longer stands.
    """
    res = MediaResult(MediaInfo(container, None))
    try:
        await walk(url, body, fetcher, res)
    except Exception as exc:  # hostile manifests must end in a clean result
        give_up(res, malformed_code, f"{malformed_detail} ({type(exc).__name__}).")
    return res
