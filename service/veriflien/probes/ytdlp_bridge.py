"""yt-dlp as one probe signal, with every byte it asks for forced through the guarded gate.

Why this exists: yt-dlp knows how dozens of platforms say "private", "removed" or "members
only", and keeping that knowledge current is its whole job. But left alone it opens its own
sockets (urllib, requests, curl_cffi, websockets), reads config files, loads plugins from the
user's home, may spawn a JavaScript runtime, and prints URLs to stderr. A blackmailer's link must
never make this service reach an address the gate refuses, so here yt-dlp is only a *library*:

* its request director holds exactly one handler, `VeriflienGateRH`, whose `_send` calls the
  injected synchronous `fetch` (the lead's gate adapter) and nothing else; the gate follows
  redirects itself, so the handler never opens a second location on its own;
* a refusal by the gate (`GateRefused`) becomes a yt-dlp `TransportError`, latches (every later
  request in the same extraction is refused without calling `fetch`) and yields the finding
  `ytdlp_request_refused`;
* only one extractor, picked from an explicit allow-list, is registered; the Generic extractor
  (which would crawl any page for embedded media) is refused even if listed;
* no cookies file, no browser cookies, no cache, no plugins, no JS runtime, no remote components,
  no netrc, no processing of formats, nothing downloaded;
* no program is ever started from yt-dlp's code (PhantomJS, JS runtimes, ffmpeg, a shell): the
  audit hook of net/processes.py refuses it, and the finding `ytdlp_program_refused` says so;
* yt-dlp's messages go to an in-memory logger that never writes anywhere: warnings are kept
  (yt-dlp reports "Private video" as a warning when `ignore_no_formats_error` is on) and mapped
  to findings with any URL stripped out.

Verdict honesty: yt-dlp error texts are mapped through a table of recognised patterns. Anything
unrecognised, bot checks, rate limits, geo blocks and "no formats" give findings that support no
verdict, so weak evidence ends as "unknown" rather than as a reassuring "private" or "removed".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import io
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import yt_dlp
import yt_dlp.globals
from yt_dlp.extractor import gen_extractor_classes
from yt_dlp.networking.common import Request, RequestDirector, RequestHandler, Response
from yt_dlp.networking.exceptions import HTTPError, RequestError, TransportError
from yt_dlp.utils import DownloadError, ExtractorError, GeoRestrictedError

from veriflien.net import processes
from veriflien.result import Finding, Strength, Verdict

PROBE = "ytdlp"

#: Titles come from the platform (i.e. possibly from the blackmailer): keep them short.
TITLE_MAX_CHARS = 200
#: Error/warning text kept in a finding's detail, after URLs are removed.
DETAIL_MAX_CHARS = 240
#: Warnings kept per extraction; yt-dlp can be chatty and we only need the playability ones.
MAX_KEPT_MESSAGES = 32

# Plugins are arbitrary code picked up from the user's home or sys.path; a self-hosted service
# must not run whatever happens to sit there (it could open its own sockets). This is
# process-wide on purpose: yt-dlp reads it once, when the first YoutubeDL is built.
yt_dlp.globals.plugin_dirs.value = []
# yt-dlp starts programs of its own (PhantomJS, JS runtimes, ffmpeg): none may ever start here,
# whatever option or extractor asks for one (net/processes.py).
processes.install()


# --------------------------------------------------------------------------------------------
# The gate contract
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GateResponse:
    """What the gate returns for one request, after it has followed any redirects.

    `body` must be the decoded entity (no Content-Encoding left to undo) and already capped by
    the gate's byte budget; `url` is the final URL after redirects.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


class GateRefused(Exception):
    """Raised by the fetch callable when the gate refuses an address (private IP, bad port...).

    `reason` must be a short, URL-free phrase: it ends up in a finding's detail.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: fetch(method, url, headers, body) -> GateResponse; may raise GateRefused or TimeoutError.
Fetch = Callable[[str, str, dict[str, str], bytes | None], GateResponse]


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


# --------------------------------------------------------------------------------------------
# The only request handler yt-dlp gets
# --------------------------------------------------------------------------------------------


class _Session:
    """Per-extraction state shared between the handler and the caller (thread-safe enough:
    one extraction runs on one worker thread; `cancel` is set from the event loop)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.cancel = threading.Event()
        self.refused: list[str] = []
        self.timed_out = False
        self.requests = 0


# Hop-by-hop and encoding headers are the gate's business: if yt-dlp's "Accept-Encoding: gzip,
# deflate, br" reached a gate that does not decode, extractors would parse compressed bytes.
_DROPPED_REQUEST_HEADERS = frozenset(
    {"accept-encoding", "connection", "keep-alive", "proxy-connection", "te", "upgrade"}
)


class VeriflienGateRH(RequestHandler):
    """Sends each yt-dlp request through the injected gate fetch; never touches a socket."""

    _SUPPORTED_URL_SCHEMES = ("http", "https")
    # Proxies (from the environment or from an extractor's geo-bypass) are ignored, not
    # rejected: the gate is the only egress, so there is nothing to route through them.
    _SUPPORTED_PROXY_SCHEMES = None
    _SUPPORTED_FEATURES = None

    def __init__(self, *, fetch: Fetch, session: _Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fetch = fetch
        self._session = session

    def _check_extensions(self, extensions: dict[str, Any]) -> None:
        super()._check_extensions(extensions)
        # Accepted and ignored: timeouts and TLS are the gate's; cookies are applied below.
        # "impersonate" is deliberately left unsupported so extractors fall back to plain HTTP.
        for name in ("cookiejar", "timeout", "legacy_ssl", "keep_header_casing"):
            extensions.pop(name, None)

    def _send(self, request: Request) -> Response:
        session = self._session
        if session.refused:
            # Latch: once the gate refused an address, this extraction is a trap or broken;
            # we do not let the extractor keep probing other addresses.
            raise TransportError("an earlier request of this extraction was refused by the gate")
        if session.cancel.is_set() or time.monotonic() >= session.deadline:
            session.timed_out = True
            raise TransportError("yt-dlp extraction deadline passed")

        headers = {
            k: v
            for k, v in self._get_headers(request).items()
            if k.lower() not in _DROPPED_REQUEST_HEADERS
        }
        cookiejar = self._get_cookiejar(request)
        if not any(k.lower() == "cookie" for k in headers):
            # In-memory jar only (no cookie file): extractors set consent cookies and expect
            # them back, exactly as the urllib handler would send them.
            cookie = cookiejar.get_cookie_header(request.url)
            if cookie:
                headers["Cookie"] = cookie

        session.requests += 1
        try:
            gate_response = self._fetch(request.method, request.url, headers, _body_bytes(request))
        except GateRefused as exc:
            session.refused.append(exc.reason)
            raise TransportError(f"refused by the gate: {exc.reason}", cause=exc) from exc
        except RequestError:
            raise
        except (TimeoutError, concurrent.futures.TimeoutError) as exc:
            raise TransportError("the gate timed out", cause=exc) from exc
        except Exception as exc:  # anything else from the gate is a transport failure for yt-dlp
            raise TransportError(f"gate error: {type(exc).__name__}", cause=exc) from exc

        response = Response(
            io.BytesIO(gate_response.body),
            url=gate_response.url or request.url,
            headers=dict(gate_response.headers),
            status=gate_response.status,
        )
        # The urllib Request is only the cookie policy's view of the URL; it is never opened.
        cookie_key = urllib.request.Request(response.url)  # noqa: S310
        cookiejar.extract_cookies(_CookieView(response.headers), cookie_key)
        # The gate already followed redirects; a 3xx reaching us means it stopped (limit or
        # refusal), and yt-dlp must not follow it by itself, so it is an error like 4xx/5xx.
        if not 200 <= gate_response.status < 300:
            raise HTTPError(response)
        return response


class _CookieView:
    """The tiny slice of a urllib response that CookieJar.extract_cookies reads."""

    def __init__(self, headers: Message) -> None:
        self._headers = headers

    def info(self) -> Message:
        return self._headers


def _body_bytes(request: Request) -> bytes | None:
    data = request.data
    if data is None or isinstance(data, bytes):
        return data
    if isinstance(data, io.IOBase) or hasattr(data, "read"):
        return data.read()
    if isinstance(data, Iterable):
        return b"".join(data)
    raise RequestError("unsupported request body type")


class _GatedYoutubeDL(yt_dlp.YoutubeDL):
    """YoutubeDL whose request director can only ever contain VeriflienGateRH.

    `_request_director` is a cached_property that calls `build_request_director` with every
    registered handler (urllib, requests, curl_cffi, websockets); it is also rebuilt after
    close(). Overriding the builder, not the cached value, covers both paths.
    """

    def __init__(self, params: dict[str, Any], *, fetch: Fetch, session: _Session) -> None:
        self._veriflien_handler = functools.partial(VeriflienGateRH, fetch=fetch, session=session)
        super().__init__(params, auto_init=False)

    def build_request_director(self, handlers: Any, preferences: Any = None) -> RequestDirector:
        director = super().build_request_director([self._veriflien_handler], None)
        if list(director.handlers) != [VeriflienGateRH.RH_KEY]:  # belt and braces
            raise RuntimeError("yt-dlp request director must contain only the gate handler")
        return director


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
    return _extract(url, fetch, allowed, _Session(time.monotonic() + timeout), extractor_args)


def _extract(
    url: str,
    fetch: Fetch,
    allowed: Sequence[str],
    session: _Session,
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
        _GatedYoutubeDL(
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


def _socket_timeout(session: _Session) -> float:
    return max(1.0, session.deadline - time.monotonic())


def _timeout_outcome(key: str | None) -> YtdlpOutcome:
    return YtdlpOutcome(
        status="timeout",
        extractor=key,
        findings=[Finding(PROBE, "ytdlp_timeout", "yt-dlp did not finish within its time budget.")],
    )


_AVAILABILITY: dict[str, tuple[str, Verdict | None, Strength | None, str]] = {
    "public": ("ytdlp_public", Verdict.PUBLIC, Strength.STRONG, "The platform marks it public."),
    "unlisted": (
        "ytdlp_unlisted",
        Verdict.UNLISTED,
        Strength.STRONG,
        "The platform marks it unlisted: anyone with the link can watch it.",
    ),
    "private": (
        "ytdlp_private",
        Verdict.PRIVATE,
        Strength.STRONG,
        "The platform marks it private.",
    ),
    # Paying viewers only: the video exists and anyone who pays can watch it (no verdict).
    "subscriber_only": (
        "ytdlp_paid_access",
        Verdict.UNKNOWN,
        Strength.STRONG,
        "The platform restricts it to the channel's paying members.",
    ),
    "premium_only": (
        "ytdlp_paid_access",
        Verdict.UNKNOWN,
        Strength.STRONG,
        "The platform restricts it to paying (Premium) accounts.",
    ),
    # YouTube sets needs_auth for every 18+ video, including public ones behind a mere age
    # check, so this can never be strong evidence that the content is hidden.
    "needs_auth": (
        "ytdlp_needs_auth",
        Verdict.LOGIN_REQUIRED,
        Strength.MEDIUM,
        "The platform asks viewers to sign in; this is often only an age check on content "
        "that any adult account can watch.",
    ),
}


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

    mapped = _AVAILABILITY.get(outcome.availability or "")
    if mapped is not None:
        code, verdict, strength, detail = mapped
        outcome.findings.append(Finding(PROBE, code, detail, verdict, strength))
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


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    code: str
    detail: str
    supports: Verdict | None = None
    strength: Strength | None = None


def _p(
    pattern: str,
    code: str,
    detail: str,
    supports: Verdict | None = None,
    strength: Strength | None = None,
) -> _Pattern:
    return _Pattern(re.compile(pattern, re.IGNORECASE), code, detail, supports, strength)


# Order matters: the first match wins. Rules that must NOT be read as "private" or "removed"
# come first, because platforms wrap them in the same words (YouTube says "Video unavailable.
# The uploader has not made this video available in your country", "Sign in to confirm you're
# not a bot", "This content isn't available, try again later" for rate limits).
ERROR_PATTERNS: tuple[_Pattern, ...] = (
    _p(
        r"confirm you(?:'|’)?re not a bot|not a robot|captcha|rate[- ]limit|too many requests"
        r"|HTTP Error 429|this content isn(?:'|’)?t available",
        "ytdlp_blocked",
        "The platform blocked or rate-limited the automated check; this says nothing about "
        "the video.",
    ),
    _p(
        r"requested format is not available|no video formats found|only images are available",
        "ytdlp_formats_unavailable",
        "yt-dlp could not list the video streams; this is not evidence of removal.",
    ),
    _p(
        r"not made this video available in your country|not available in your country"
        r"|geo[- ]?restrict|not available from your location",
        "ytdlp_geo_restricted",
        "The platform blocks this video in the server's country; it may be visible elsewhere.",
    ),
    _p(
        r"private video|this video is private|video is private|this video has been made private",
        "ytdlp_private",
        "The platform says the video is private.",
        Verdict.PRIVATE,
        Strength.STRONG,
    ),
    # Members-only, Premium, rentals: the video exists and anyone who pays can watch it. That is
    # neither "private" nor "public": it supports no verdict, and the explanation says why.
    _p(
        r"premium members|youtube premium|music premium|requires (?:a )?(?:paid )?subscription"
        r"|requires payment|members[- ]only|join this channel"
        r"|available to this channel(?:'|’)s members|members on level",
        "ytdlp_paid_access",
        "The platform shows this video only to viewers who pay (channel membership, Premium or "
        "rental): it exists, and anyone who pays can watch it.",
        Verdict.UNKNOWN,
        Strength.STRONG,
    ),
    # The page itself failed: the fetch and platform probes already weighed its HTTP status, and
    # yt-dlp read the same answer, so it is not a second, independent piece of evidence.
    _p(
        r"webpage: HTTP Error \d{3}",
        "ytdlp_page_error",
        "yt-dlp could not read the page (its HTTP status is reported by the page check above).",
    ),
    _p(
        r"sign in to confirm your age|age[- ]restricted|inappropriate for some users"
        r"|confirm your age",
        "ytdlp_age_gate",
        "The video sits behind an age check: it is typically public content that any "
        "signed-in adult can watch.",
        Verdict.PUBLIC,  # never "login required": an adult account is all it takes
        Strength.MEDIUM,
    ),
    _p(
        r"has been removed|account associated with this video has been terminated"
        r"|this video does not exist|video (?:is )?no longer available|removed by the uploader"
        r"|removed for violating|copyright claim|has been deleted|isn(?:'|’)?t available any ?more",
        "ytdlp_removed",
        "The platform says the video was removed or no longer exists.",
        Verdict.REMOVED,
        Strength.STRONG,
    ),
    # Bare "Video unavailable" is YouTube's umbrella wording; with the specific reasons above
    # handled first, what is left is usually removal, but not reliably enough to be strong.
    # An HTTP 404 from an auxiliary API endpoint says more about yt-dlp's age than the video.
    _p(
        r"video unavailable|this video is unavailable",
        "ytdlp_unavailable",
        "The platform reports the video as unavailable or not found.",
        Verdict.REMOVED,
        Strength.MEDIUM,
    ),
    _p(
        r"will begin in|premieres in|live event will begin|is not currently live"
        r"|this live event has ended",
        "ytdlp_not_live_now",
        "The video is a scheduled or finished live stream; its visibility was not shown.",
    ),
)


def match_message(message: str) -> Finding | None:
    """Finding for a recognised yt-dlp error/warning text, or None if not recognised."""
    # Matched without URLs: a link's slug ("/this-video-is-private") must not decide anything.
    text = _strip(message)
    for pattern in ERROR_PATTERNS:
        if pattern.regex.search(text):
            detail = f"{pattern.detail} (yt-dlp: {_clean(text)})"
            return Finding(PROBE, pattern.code, detail, pattern.supports, pattern.strength)
    return None


def map_error(error: BaseException) -> Finding:
    """Map an exception raised by extract_info to exactly one finding."""
    chain = _exception_chain(error)
    if any(isinstance(exc, GeoRestrictedError) for exc in chain):
        return Finding(
            PROBE,
            "ytdlp_geo_restricted",
            "The platform blocks this video in the server's country; it may be visible elsewhere.",
        )
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
    """Runs extractions on a bounded thread pool, each bounded in time.

    yt-dlp is synchronous and a Python thread cannot be killed, so the timeout is enforced in
    two places: asyncio.wait_for gives the caller its answer on time, and the session's cancel
    flag makes the worker's next request fail at once, so an abandoned extraction stops after at
    most the one gate call in flight (which the gate adapter bounds itself). When all workers
    are busy the call queues; queueing counts against the same timeout, and a call that times
    out before starting is removed from the queue.
    """

    def __init__(self, max_workers: int, timeout: float) -> None:
        if max_workers < 1 or timeout <= 0:
            raise ValueError("max_workers must be >= 1 and timeout > 0")
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="ytdlp"
        )

    async def run(
        self,
        url: str,
        fetch: Fetch,
        allowed: Sequence[str],
        extractor_args: ExtractorArgs | None = None,
    ) -> YtdlpOutcome:
        loop = asyncio.get_running_loop()
        session = _Session(time.monotonic() + self.timeout)
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

    def close(self, wait: bool = False) -> None:
        """Stop accepting work and drop queued checks. By default do not wait for abandoned
        extractions: their cancel flag is set and they end at their next request."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
