"""yt-dlp's traffic through the gate: the one request handler yt-dlp is given, and nothing else.

Why this is part of net/: yt-dlp is a library that left alone opens its own sockets (urllib,
requests, curl_cffi, websockets), reads config files, loads plugins from the user's home and may
spawn a JavaScript runtime. A blackmailer's link must never make the service reach an address the
gate refuses, so this module is the adapter that makes yt-dlp's traffic the gate's traffic:

* its request director holds exactly one handler, `VeriflienGateRH`, whose `_send` calls the
  injected synchronous `fetch` and nothing else (`GateThreadFetch` runs `Gate.fetch` on the event
  loop, within the check's scope: same policy, byte budget and deadline); the gate follows
  redirects itself, so the handler never opens a second location on its own;
* a refusal by the gate (`GateRefused`) becomes a yt-dlp `TransportError` and latches: every later
  request of the same extraction is refused without calling `fetch`;
* no plugin is ever loaded and no program is ever started from yt-dlp's code (PhantomJS, JS
  runtimes, ffmpeg, a shell): the audit hook of net/processes.py refuses it.

What yt-dlp's answers mean is not decided here (probes/ytdlp_bridge.py and the catalogue's
`ytdlp_messages.toml` do that).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import io
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

import yt_dlp
import yt_dlp.globals
from yt_dlp.networking.common import Request, RequestDirector, RequestHandler, Response
from yt_dlp.networking.exceptions import HTTPError, RequestError, TransportError

from veriflien.net import processes
from veriflien.net.gate import CheckScope, Gate, GateError, Refused
from veriflien.net.gate import Response as GateAnswer

__all__ = [
    "ExtractionSession",
    "Fetch",
    "GateRefused",
    "GateResponse",
    "GateThreadFetch",
    "GatedYoutubeDL",
    "VeriflienGateRH",
]

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


# --------------------------------------------------------------------------------------------
# The only request handler yt-dlp gets
# --------------------------------------------------------------------------------------------


class ExtractionSession:
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

    def __init__(self, *, fetch: Fetch, session: ExtractionSession, **kwargs: Any) -> None:
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


class GatedYoutubeDL(yt_dlp.YoutubeDL):
    """YoutubeDL whose request director can only ever contain VeriflienGateRH.

    `_request_director` is a cached_property that calls `build_request_director` with every
    registered handler (urllib, requests, curl_cffi, websockets); it is also rebuilt after
    close(). Overriding the builder, not the cached value, covers both paths.
    """

    def __init__(self, params: dict[str, Any], *, fetch: Fetch, session: ExtractionSession) -> None:
        self._veriflien_handler = functools.partial(VeriflienGateRH, fetch=fetch, session=session)
        super().__init__(params, auto_init=False)

    def build_request_director(self, handlers: Any, preferences: Any = None) -> RequestDirector:
        director = super().build_request_director([self._veriflien_handler], None)
        if list(director.handlers) != [VeriflienGateRH.RH_KEY]:  # belt and braces
            raise RuntimeError("yt-dlp request director must contain only the gate handler")
        return director


class GateThreadFetch:
    """`Gate.fetch` for yt-dlp's worker thread: each request runs on the event loop, within the
    check's scope, and the thread waits for it at most `timeout` seconds."""

    def __init__(
        self, gate: Gate, scope: CheckScope, loop: asyncio.AbstractEventLoop, timeout: float
    ) -> None:
        self.gate = gate
        self.scope = scope
        self.loop = loop
        self.timeout = timeout

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> GateAnswer:
        future = asyncio.run_coroutine_threadsafe(
            self.gate.fetch(url, self.scope, method=method, headers=headers, body=body), self.loop
        )
        try:
            return future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError("gate fetch timed out") from None
        except Refused as exc:
            raise GateRefused(exc.reason) from exc
        except GateError as exc:
            raise OSError(exc.reason) from exc

    @staticmethod
    def answer(response: GateAnswer) -> GateResponse:
        """The gate's response as the request handler reads it."""
        return GateResponse(
            status=response.status,
            headers={k: v for k, v in response.headers.items()},
            body=response.body,
            url=response.url,
        )
