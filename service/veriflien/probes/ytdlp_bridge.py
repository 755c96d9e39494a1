"""yt-dlp as one probe signal: which extractor runs, with which options, and what it says.

Why this exists: yt-dlp knows how dozens of platforms say "private", "removed" or "members
only", and keeping that knowledge current is its whole job. Here it is only a *library*, and its
two jobs are kept apart:

* its traffic is the gate's (net/ytdlp.py: the one request handler it gets, no plugins, no
  programs); a refusal by the gate yields the finding `ytdlp_request_refused`, a program it wanted
  to start `ytdlp_program_refused`;
* what it says is read here: only one extractor, picked from an explicit allow-list, is
  registered (the Generic extractor, which would crawl any page for embedded media, is refused
  even if listed); no cookies file, no cache, no JS runtime, no remote components, no netrc, no
  processing of formats, nothing downloaded; its messages go to an in-memory logger that never
  writes anywhere: warnings are kept (yt-dlp reports "Private video" as a warning when
  `ignore_no_formats_error` is on) and mapped to findings with any URL stripped out.

Verdict honesty: yt-dlp's texts are mapped through the catalogue's table of recognised patterns
(platforms/ytdlp_messages.toml). Anything unrecognised, bot checks, rate limits, geo blocks and
"no formats" give findings that support no verdict, so weak evidence ends as "unknown" rather
than as a reassuring "private" or "removed".

Extractions run on the worker pool that runtime.py creates at start-up and shuts down at exit.
"""

from __future__ import annotations

import asyncio
import functools
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any

from yt_dlp.extractor import gen_extractor_classes
from yt_dlp.utils import DownloadError, ExtractorError, GeoRestrictedError

from veriflien.net import processes
from veriflien.net.ytdlp import ExtractionSession, Fetch, GatedYoutubeDL
from veriflien.platforms.ytdlp_messages import default_ytdlp_messages
from veriflien.result import Finding, Strength, Verdict

PROBE = "ytdlp"

#: Titles come from the platform (i.e. possibly from the blackmailer): keep them short.
TITLE_MAX_CHARS = 200
#: Error/warning text kept in a finding's detail, after URLs are removed.
DETAIL_MAX_CHARS = 240
#: Warnings kept per extraction; yt-dlp can be chatty and we only need the playability ones.
MAX_KEPT_MESSAGES = 32


@dataclass(slots=True)
class YtdlpOutcome:
    """What one yt-dlp run says, as findings plus a few facts for the evidence sheet.

    `status` is one of: extracted, error, not_supported, refused, timeout, indirect.
    """

    status: str
    findings: list[Finding] = field(default_factory=list)
    availability: str | None = None
    extractor: str | None = None
    title: str | None = None
    duration: float | None = None
    was_live: bool | None = None


class _SilentLogger:
    """Receives every yt-dlp message; prints nothing, keeps warnings/errors for the mapping."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def debug(self, msg: str) -> None:  # to_screen() lands here too; it is progress chatter
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        self._keep(msg)

    def error(self, msg: str) -> None:
        self._keep(msg)

    def _keep(self, msg: str) -> None:
        if len(self.messages) < MAX_KEPT_MESSAGES:
            self.messages.append(str(msg))


#: Extractor arguments, as the catalogue gives them: {"youtube": {"player_skip": ("webpage",)}}.
ExtractorArgs = Mapping[str, Mapping[str, Sequence[str]]]


def _params(
    logger: _SilentLogger, timeout: float, extractor_args: ExtractorArgs | None = None
) -> dict[str, Any]:
    return {
        # One attempt per request: the check's deadline, not yt-dlp's retry loop, bounds the time
        # spent, and a retried 404 says nothing new.
        "extractor_retries": 0,
        "extractor_args": {
            ie: {name: list(values) for name, values in args.items()}
            for ie, args in (extractor_args or {}).items()
        },
        "logger": logger,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "skip_download": True,
        "simulate": True,
        "cookiefile": None,
        "cookiesfrombrowser": None,
        "cachedir": False,
        "ignoreconfig": True,  # CLI-only in practice; stated so intent survives refactors
        "usenetrc": False,
        "netrc_cmd": None,
        "socket_timeout": timeout,
        "ignore_no_formats_error": True,
        "ignoreerrors": False,
        "extract_flat": False,
        "noplaylist": True,
        "playlistend": 1,
        "geo_bypass": False,
        "mark_watched": False,
        "getcomments": False,
        "check_formats": False,
        "allow_unplayable_formats": False,
        # No deno/node/bun/quickjs subprocess (it would be an egress we do not control) and no
        # downloaded solver scripts: we never need playable stream URLs, only availability.
        "js_runtimes": {},
        "remote_components": [],
        "color": {"stdout": "never", "stderr": "never"},
    }


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------

_GENERIC_KEYS = frozenset({"generic"})


@functools.cache
def _extractors_by_key() -> dict[str, type]:
    # Plugins are disabled above, so this set is fixed for the life of the process.
    return {ie.ie_key(): ie for ie in gen_extractor_classes()}


def _extractor_for(url: str, allowed: Sequence[str]) -> type | None:
    """First allowed extractor (in the caller's order) that claims the URL; never Generic."""
    wanted = [key for key in allowed if key.lower() not in _GENERIC_KEYS]
    if not wanted:
        return None
    by_key = _extractors_by_key()
    for key in wanted:
        ie = by_key.get(key)
        if ie is None or ie.ie_key().lower() in _GENERIC_KEYS:
            continue
        if ie.suitable(url):
            return ie
    return None


def extract(
    url: str,
    fetch: Fetch,
    allowed: Sequence[str],
    timeout: float,
    extractor_args: ExtractorArgs | None = None,
) -> YtdlpOutcome:
    """Run one allow-listed yt-dlp extractor on `url`, all traffic through `fetch`.

    Synchronous and blocking: call it from a worker thread (see YtdlpRunner). yt-dlp's own
    failures are findings; an exception that escapes is a defect of the bridge, and the check
    engine logs and counts it as one.
    """
    return _extract(
        url, fetch, allowed, ExtractionSession(time.monotonic() + timeout), extractor_args
    )


def _extract(
    url: str,
    fetch: Fetch,
    allowed: Sequence[str],
    session: ExtractionSession,
    extractor_args: ExtractorArgs | None = None,
) -> YtdlpOutcome:
    ie = _extractor_for(url, allowed)
    if ie is None:
        return YtdlpOutcome(
            status="not_supported",
            findings=[
                Finding(
                    PROBE, "ytdlp_not_supported", "No allowed yt-dlp extractor handles this link."
                )
            ],
        )
    key = ie.ie_key()
    logger = _SilentLogger()
    info: Any = None
    error: BaseException | None = None
    with (
        processes.watch() as refused_programs,
        GatedYoutubeDL(
            _params(logger, _socket_timeout(session), extractor_args), fetch=fetch, session=session
        ) as ydl,
    ):
        ydl.add_info_extractor(ie)
        try:
            info = ydl.extract_info(
                url, download=False, process=False, ie_key=key, force_generic_extractor=False
            )
        except Exception as exc:  # yt-dlp wraps most failures in DownloadError, not all
            error = exc

    if session.refused:
        return YtdlpOutcome(
            status="refused",
            extractor=key,
            findings=[
                Finding(
                    PROBE,
                    "ytdlp_request_refused",
                    f"The gate refused an address yt-dlp needed ({_clean(session.refused[0])}); "
                    "extraction stopped.",
                )
            ],
        )
    if session.timed_out or session.cancel.is_set():
        return _timeout_outcome(key)
    if error is not None and refused_programs:
        # yt-dlp gave up because it could not start a program (PhantomJS for a page that asks
        # for a browser check...): its "not installed" message would mislead, say what happened.
        return YtdlpOutcome(
            status="error",
            extractor=key,
            findings=[
                Finding(
                    PROBE,
                    "ytdlp_program_refused",
                    f"yt-dlp wanted to start a program ({refused_programs[0]}) to read this page; "
                    "the service never starts programs for a link, so it stopped. This says "
                    "nothing about the video.",
                )
            ],
        )
    if error is not None:
        return YtdlpOutcome(status="error", extractor=key, findings=[map_error(error)])
    return _outcome_from_info(key, info, logger.messages)


def _socket_timeout(session: ExtractionSession) -> float:
    return max(1.0, session.deadline - time.monotonic())


def _timeout_outcome(key: str | None) -> YtdlpOutcome:
    return YtdlpOutcome(
        status="timeout",
        extractor=key,
        findings=[Finding(PROBE, "ytdlp_timeout", "yt-dlp did not finish within its time budget.")],
    )


def _outcome_from_info(key: str, info: Any, messages: list[str]) -> YtdlpOutcome:
    if not isinstance(info, dict):
        return YtdlpOutcome(
            status="error",
            extractor=key,
            findings=[Finding(PROBE, "ytdlp_error", "yt-dlp returned no information.")],
        )
    kind = info.get("_type", "video")
    if kind in ("url", "url_transparent", "playlist", "multi_video"):
        # We never follow these: doing so would run another extractor (maybe Generic).
        return YtdlpOutcome(
            status="indirect",
            extractor=key,
            findings=[
                Finding(
                    PROBE,
                    "ytdlp_indirect",
                    f"yt-dlp found a {kind.replace('_', ' ')} rather than a single video; "
                    "not followed.",
                )
            ],
        )

    outcome = YtdlpOutcome(
        status="extracted",
        extractor=key,
        availability=info.get("availability")
        if isinstance(info.get("availability"), str)
        else None,
        title=_cap_title(info.get("title")),
        duration=_as_float(info.get("duration")),
        was_live=_was_live(info),
    )

    # Playability problems arrive as warnings because ignore_no_formats_error is on. Warnings
    # about auxiliary requests (a 404 on some player script, retries) say nothing about the
    # video and must not turn into "removed".
    message_findings = [
        f
        for f in (match_message(m) for m in messages if not _TRANSPORT_NOISE.search(m))
        if f is not None
    ]
    outcome.findings.extend(_dedupe(message_findings))

    mapped = default_ytdlp_messages().availability.get(outcome.availability or "")
    if mapped is not None:
        outcome.findings.append(mapped.to_finding(PROBE))
    elif outcome.availability is None and not message_findings and _looks_playable(info):
        outcome.findings.append(
            Finding(
                PROBE,
                "ytdlp_info",
                "yt-dlp read the video's details and found playable streams without signing in; "
                "the platform did not state its visibility.",
                Verdict.PUBLIC,
                Strength.MEDIUM,
            )
        )
    elif not outcome.findings:
        outcome.findings.append(
            Finding(
                PROBE,
                "ytdlp_info_inconclusive",
                "yt-dlp read some details but nothing that shows who can watch the video.",
            )
        )
    return outcome


_TRANSPORT_NOISE = re.compile(
    r"HTTP Error \d{3}|Unable to download|Retrying \(|Giving up after|timed out"
    r"|refused by the gate|deadline passed|gate error",
    re.IGNORECASE,
)


def _looks_playable(info: Mapping[str, Any]) -> bool:
    # Duration alone is not enough: removed or private videos often keep their metadata.
    formats = info.get("formats")
    has_streams = bool(formats) or bool(info.get("url"))
    return has_streams and info.get("live_status") != "is_upcoming"


def _was_live(info: Mapping[str, Any]) -> bool | None:
    if isinstance(info.get("was_live"), bool):
        return info["was_live"]
    status = info.get("live_status")
    if status in ("was_live", "post_live"):
        return True
    if status in ("not_live", "is_live", "is_upcoming"):
        return False
    return None


def _cap_title(title: Any) -> str | None:
    if not isinstance(title, str) or not title.strip():
        return None
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX_CHARS else title[: TITLE_MAX_CHARS - 1] + "…"


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value >= 0 else None


# --------------------------------------------------------------------------------------------
# Error / warning text -> findings
# --------------------------------------------------------------------------------------------


def match_message(message: str) -> Finding | None:
    """Finding for a recognised yt-dlp error/warning text, or None if not recognised."""
    # Matched without URLs: a link's slug ("/this-video-is-private") must not decide anything.
    text = _strip(message)
    rule = default_ytdlp_messages().match(text)
    if rule is None:
        return None
    return replace(rule.to_finding(PROBE), detail=f"{rule.detail} (yt-dlp: {_clean(text)})")


def map_error(error: BaseException) -> Finding:
    """Map an exception raised by extract_info to exactly one finding."""
    chain = _exception_chain(error)
    if any(isinstance(exc, GeoRestrictedError) for exc in chain):
        return default_ytdlp_messages().rule("ytdlp_geo_restricted").to_finding(PROBE)
    messages = _messages(chain)
    for message in messages:
        found = match_message(message)
        if found is not None:
            return found
    message = messages[0] if messages else ""
    cls = next((type(e).__name__ for e in chain if not isinstance(e, DownloadError)), None)
    cls = cls or type(error).__name__
    return Finding(PROBE, "ytdlp_error", f"yt-dlp failed ({cls}): {_clean(message)}")


def _exception_chain(error: BaseException) -> list[BaseException]:
    """The DownloadError yt-dlp raises wraps the ExtractorError, which wraps the HTTP error."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 12:
        exc = todo.pop(0)
        if exc is None or any(exc is s for s in seen):
            continue
        seen.append(exc)
        exc_info = getattr(exc, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1:
            todo.append(exc_info[1])
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            todo.append(cause)
        todo.extend([exc.__cause__, exc.__context__])
    return seen


def _messages(chain: list[BaseException]) -> list[str]:
    """Texts to match, most specific first: ExtractorError.orig_msg has no "[ie] id:" prefix and
    no bug-report blurb; the HTTP error below it may carry the status the extractor hid."""
    first = [e.orig_msg for e in chain if isinstance(e, ExtractorError)]
    rest = [str(e) for e in chain if not isinstance(e, ExtractorError)]
    return [m for m in first + rest if m]


_URL_RE = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+", re.IGNORECASE)
# "ERROR: [youtube] <id>: " prefixes (the id is part of the link) and yt-dlp's CLI advice.
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:ERROR|WARNING):\s*)?(?:\[[^\]\s]{1,40}\]\s*(?:[\w-]{1,64}:\s+)?)?",
    re.IGNORECASE,
)
_ADVICE_RE = re.compile(
    r";?\s*please report this issue on.*$|\s*Confirm you are on the latest version.*$"
    r"|\s*Use --cookies(?:-from-browser)?\b.*$|\s*It is recommended to use `-t sleep`.*$"
    r"|\s*You might want to use a VPN.*$",
    re.IGNORECASE | re.DOTALL,
)


def _strip(message: str) -> str:
    """Message with no URL, no "[ie] id:" prefix and no CLI advice; not yet length-bounded."""
    text = _URL_RE.sub("[url]", str(message))
    text = _ADVICE_RE.sub("", _PREFIX_RE.sub("", text, count=1))
    return " ".join(text.split())


def _clean(message: str) -> str:
    """Message safe to store and to log: no URLs, no yt-dlp CLI advice, bounded."""
    text = _strip(message)
    return text if len(text) <= DETAIL_MAX_CHARS else text[: DETAIL_MAX_CHARS - 1] + "…"


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.code not in seen:
            seen.add(f.code)
            out.append(f)
    return out


# --------------------------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------------------------


class YtdlpRunner:
    """Runs extractions on a bounded thread pool (runtime.py's, sized by `ytdlp_workers`), each
    bounded in time.

    yt-dlp is synchronous and a Python thread cannot be killed, so the timeout is enforced in
    two places: asyncio.wait_for gives the caller its answer on time, and the session's cancel
    flag makes the worker's next request fail at once, so an abandoned extraction stops after at
    most the one gate call in flight (which the gate adapter bounds itself). When all workers
    are busy the call queues; queueing counts against the same timeout, and a call that times
    out before starting is removed from the queue.
    """

    def __init__(self, pool: Executor, timeout: float) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        self.timeout = timeout
        self._pool = pool

    async def run(
        self,
        url: str,
        fetch: Fetch,
        allowed: Sequence[str],
        extractor_args: ExtractorArgs | None = None,
    ) -> YtdlpOutcome:
        loop = asyncio.get_running_loop()
        session = ExtractionSession(time.monotonic() + self.timeout)
        started = threading.Event()

        def work() -> YtdlpOutcome:
            started.set()
            return _extract(url, fetch, allowed, session, extractor_args)

        future = loop.run_in_executor(self._pool, work)
        try:
            return await asyncio.wait_for(future, timeout=self.timeout)
        except TimeoutError:
            session.cancel.set()
            outcome = _timeout_outcome(None)
            if not started.is_set():
                outcome.findings = [
                    Finding(
                        PROBE,
                        "ytdlp_timeout",
                        "yt-dlp did not start within its time budget: all workers were busy.",
                    )
                ]
            return outcome
