"""The one gate: the only code in Vérif'Lien that opens outbound connections.

Every request a check makes — the page, oEmbed, media range reads, playlist segments and yt-dlp's
own traffic — goes through `Gate.fetch`, which:

- refuses URLs by their text (scheme, credentials, ports, obfuscated numeric hosts: urls.py);
- refuses addresses on what is actually dialled: the resolver checks every DNS answer and the
  connector's socket factory checks every connection attempt, including IP literals that never
  reach a resolver (policy.py, resolve.py);
- follows redirects itself, re-checking every hop, counting `Refresh` headers and
  `<meta http-equiv=refresh>` as hops (read as the HTML standard reads them: refresh.py), and
  records the chain; a hop to another origin does not carry the caller's credentials;
- enforces a per-check deadline, connect/read timeouts, a byte cap per response and per check, and
  decodes gzip/deflate/brotli itself with an output cap (a 10 KB bomb cannot become 10 GB);
- sends no cookies, no Referer, an honest User-Agent, and always verifies TLS;
- reuses connections and TLS sessions across checks only for the same host, port and TLS, with the
  address policy applied again to every connection a request is sent on (connections.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import re
import socket
import ssl
import sys
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import brotli
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from veriflien import __version__
from veriflien.media_types import is_media_file
from veriflien.net.connections import RESUMPTION_SAFE, GuardedConnector, tls_context
from veriflien.net.encoding import decode_html, decode_text
from veriflien.net.policy import AddressPolicy, Refusal
from veriflien.net.refresh import meta_refresh, might_refresh, parse_refresh
from veriflien.net.resolve import GuardedResolver, RefusedAddressError
from veriflien.net.urls import InvalidUrl, RefusedUrl, check_fetchable
from veriflien.result import FetchedDocument, Redirect
from veriflien.settings import Settings, parse_pins

_NEEDS_CLEANUP_CLOSED = sys.version_info < (3, 12, 8) or (3, 13) <= sys.version_info < (3, 13, 1)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xhtml",
    "application/xml",
    "application/ld+json",
    "application/vnd.apple.mpegurl",
    "application/x-mpegurl",
    "application/dash+xml",
    "application/javascript",
)
# Request headers a caller's request keeps when a redirect leaves its origin: content negotiation
# only. Authorization, cookies and any custom token header are for the origin they were set for
# (Fetch standard, "HTTP-redirect fetch"; curl without --location-trusted).
_CROSS_ORIGIN_HEADERS = frozenset({"accept", "accept-language", "content-type", "user-agent"})


class GateError(Exception):
    """A fetch that did not produce a response. `kind` maps to the verdict the user sees."""

    kind = "unreachable"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.redirects: list[Redirect] = []
        self.url: str | None = None  # the URL whose fetch failed


class Refused(GateError):
    """The policy refused the destination: no connection was attempted."""

    kind = "refused"


class Unreachable(GateError):
    """DNS, connection, TLS, timeout, redirect loop or other transport failure."""

    kind = "unreachable"


class InvalidTarget(GateError):
    """A redirect led to something that is not a fetchable web address."""

    kind = "invalid_url"


class BudgetExhausted(GateError):
    """The check has spent its byte budget or its time."""

    kind = "unreachable"


@dataclass(slots=True)
class CheckScope:
    """Per-check limits and the ledger of what the gate did for this check."""

    deadline: float  # loop.time() by which the whole check must end
    bytes_left: int
    documents: list[FetchedDocument] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    requests: int = 0

    def time_left(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    def spend(self, count: int) -> None:
        self.bytes_left -= count


@dataclass(slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes  # decoded, capped
    truncated: bool  # the cap stopped reading before the end of the body
    redirects: list[Redirect]
    server_address: str | None
    content_type: str
    total_length: int | None  # from Content-Range (…/TOTAL) or Content-Length of a full 200
    elapsed: float
    requested_range: tuple[int, int] | None = None  # the Range this answer was asked with

    @property
    def is_html(self) -> bool:
        return self.content_type in {"text/html", "application/xhtml+xml"}

    def text(self) -> str:
        """The body as text, decoded as browsers do (WHATWG labels only; never raises)."""
        content_type = self.headers.get("Content-Type")
        if self.is_html:
            return decode_html(self.body, content_type)
        return decode_text(self.body, content_type)


_scope: contextvars.ContextVar[CheckScope | None] = contextvars.ContextVar("scope", default=None)


class _BoundedDecoder:
    """Decodes a Content-Encoding with a hard cap on output, whatever the compression ratio."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in {"gzip", "x-gzip"}:
            self._zlib: Any = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif encoding == "br":
            self._brotli = brotli.Decompressor()
        else:
            raise ValueError(encoding)

    def feed(self, data: bytes, limit: int) -> bytes:
        if limit <= 0:
            return b""
        if self.encoding == "br":
            return self._brotli.process(data, output_buffer_limit=limit)[:limit]
        return self._zlib.decompress(self._zlib.unconsumed_tail + data, limit)


class Gate:
    """Owns the one shared aiohttp ClientSession. Create in a cleanup context; call `fetch`."""

    def __init__(
        self, settings: Settings, *, consent_cookies: Mapping[str, str] | None = None
    ) -> None:
        self.settings = settings
        # The only cookies ever sent: a platform's "reject all" consent answer, to that platform's
        # own hosts (host -> "NAME=VALUE", from the catalogue). Nothing is ever stored.
        self.consent_cookies = dict(consent_cookies or {})
        self.policy = AddressPolicy(settings.allow_networks)
        self._pins = parse_pins(settings.resolve)
        self._session: aiohttp.ClientSession | None = None
        self._ports = settings.port_set
        self.user_agent = settings.user_agent.replace("{version}", __version__)
        self.refusal_counts: dict[str, int] = {}
        self._connector: GuardedConnector | None = None
        self._ssl_context: ssl.SSLContext | None = None

    @property
    def connection_counts(self) -> dict[str, int]:
        """New outbound connections so far, by kind: plain, tls_full, tls_resumed."""
        return dict(self._connector.opened) if self._connector is not None else {}

    async def start(self, *, tls_resumption: bool | None = None) -> None:
        # One pool per gate (per worker process), shared by every check: see connections.py.
        # TLS resumption by default only where it does not leak memory (RESUMPTION_SAFE).
        resume = RESUMPTION_SAFE if tls_resumption is None else tls_resumption
        self._ssl_context = tls_context(self.settings.ca_bundle, resume=resume)
        connector = GuardedConnector(
            policy=self.policy,
            ssl=self._ssl_context,
            resolver=GuardedResolver(self.policy, self._pins),
            socket_factory=self._open_socket,
            limit=256,
            limit_per_host=16,
            ttl_dns_cache=10,
            # Aborted TLS connections leaked before CPython 3.12.8 / 3.13.1 (cpython#118960);
            # later versions fixed it, and aiohttp warns when asked for the workaround there.
            enable_cleanup_closed=_NEEDS_CLEANUP_CLOSED,
        )
        self._connector = connector
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # no cookies kept or sent, ever
            auto_decompress=False,  # decoded here, with a cap (see _BoundedDecoder)
            trust_env=False,  # never route through a proxy named by the environment
            max_line_size=self.settings.max_header_bytes,
            max_field_size=self.settings.max_header_bytes,
            headers={"User-Agent": self.user_agent},
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def new_scope(self, deadline: float | None = None) -> CheckScope:
        loop = asyncio.get_running_loop()
        return CheckScope(
            deadline=deadline or loop.time() + self.settings.check_deadline,
            bytes_left=self.settings.max_check_bytes,
        )

    def _open_socket(self, addr_info: tuple[Any, ...]) -> socket.socket:
        """aiohttp's hook for every connection attempt: the last line of defence."""
        family, type_, proto, _canon, sockaddr = addr_info
        refusal = self.policy.check(str(sockaddr[0]))
        if refusal is not None:
            scope = _scope.get()
            if scope is not None:
                scope.refusals.append(refusal)
            raise RefusedAddressError(refusal)
        sock = socket.socket(family=family, type=type_, proto=proto)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _consent_cookie(self, host: str | None) -> str | None:
        """The consent answer for `host` or a parent domain, if the catalogue has one."""
        if not host or not self.consent_cookies:
            return None
        host = host.lower().rstrip(".")
        while host:
            if host in self.consent_cookies:
                return self.consent_cookies[host]
            _, _, host = host.partition(".")
        return None

    def _note_refusal(self, reason: str) -> None:
        self.refusal_counts[reason] = self.refusal_counts.get(reason, 0) + 1

    async def fetch(
        self,
        url: str | URL,
        scope: CheckScope,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int | None = None,
        byte_range: tuple[int, int] | None = None,
        follow_redirects: bool = True,
        follow_refresh: bool = True,
        record: bool = True,
        media_window: int | None = None,
        range_first: Callable[[URL], bool] | None = None,
    ) -> Response:
        """Fetch `url` within `scope`'s limits. Raises Refused, Unreachable or InvalidTarget.

        `media_window`: a media file answering a plain GET is read only this far, then dropped.
        `range_first(url)`: for each hop it approves, the request asks for the first
        `media_window` bytes only (`Range: bytes=0-…`), so a media file is never pushed whole
        into the socket; a document that answers 206 is then completed (one more range request)
        so its readers see the same bytes as a plain GET would have given.
        """
        if self._session is None:
            raise RuntimeError("Gate.start() was not called")
        started = time.monotonic()
        current = URL(url) if isinstance(url, str) else url
        redirects: list[Redirect] = []
        seen: dict[str, None] = {}  # ordered: the last key is the URL being fetched
        token = _scope.set(scope)
        try:
            return await self._follow(
                current,
                scope,
                redirects,
                seen,
                started,
                method=method,
                headers=headers,
                body=body,
                max_bytes=max_bytes,
                byte_range=byte_range,
                follow_redirects=follow_redirects,
                follow_refresh=follow_refresh,
                record=record,
                media_window=media_window,
                range_first=range_first,
            )
        except GateError as exc:
            exc.redirects = redirects  # the chain that led to the failure is evidence too
            exc.url = next(reversed(seen), None) if seen else str(current)
            raise
        finally:
            _scope.reset(token)

    async def _follow(
        self,
        current: URL,
        scope: CheckScope,
        redirects: list[Redirect],
        seen: dict[str, None],
        started: float,
        *,
        method: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        max_bytes: int | None,
        byte_range: tuple[int, int] | None,
        follow_redirects: bool,
        follow_refresh: bool,
        record: bool,
        media_window: int | None,
        range_first: Callable[[URL], bool] | None,
    ) -> Response:
        origin = _origin(current)
        while True:
            self._check_text(current)
            key = str(current.with_fragment(None))
            if key in seen:
                raise Unreachable("redirect_loop", "The link redirects in a loop.")
            seen[key] = None
            hop_range, probing = byte_range, False
            if hop_range is None and media_window and range_first is not None and method == "GET":
                probing = range_first(current)
                hop_range = (0, media_window - 1) if probing else None
            fetch_hop = functools.partial(
                self._fetch_once,
                current,
                scope,
                method=method,
                headers=headers,
                body=body,
                max_bytes=max_bytes,
                follow_refresh=follow_refresh and follow_redirects,
                media_window=media_window,
            )
            response, next_url, via = await fetch_hop(byte_range=hop_range, raw_bytes=not probing)
            if probing and response.status == 416:
                # An empty resource cannot serve bytes 0-…: ask again the plain way.
                response, next_url, via = await fetch_hop(byte_range=None)
            elif probing and response.status == 206 and not is_media_file(response.content_type):
                response = await self._complete(current, scope, response, max_bytes, headers)
            if record:
                self._record(scope, response)
            if next_url is None or not follow_redirects:
                response.redirects = redirects
                response.elapsed = time.monotonic() - started
                return response
            redirects.append(Redirect(url=str(current), status=response.status, via=via))
            if len(redirects) > self.settings.max_redirects:
                raise Unreachable(
                    "too_many_redirects",
                    f"The link redirects more than {self.settings.max_redirects} times.",
                )
            try:
                current = current.join(URL(next_url))
            except (ValueError, TypeError) as exc:
                raise InvalidTarget(
                    "bad_redirect", "A redirect points to an invalid address."
                ) from exc
            if response.status == 303 or (response.status in {301, 302} and method == "POST"):
                method, body = "GET", None
            if headers and _origin(current) != origin:
                # Once the chain leaves the caller's origin, its credentials stay behind (and
                # are not re-sent if a later hop comes back: the attacker chose that hop too).
                headers = {k: v for k, v in headers.items() if k.lower() in _CROSS_ORIGIN_HEADERS}

    def _check_text(self, url: URL) -> None:
        try:
            check_fetchable(url, self._ports)
        except RefusedUrl as exc:
            self._note_refusal(exc.code)
            raise Refused(exc.code, exc.message) from exc
        except InvalidUrl as exc:
            raise InvalidTarget(exc.code, exc.message) from exc

    async def _fetch_once(
        self,
        url: URL,
        scope: CheckScope,
        *,
        method: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        max_bytes: int | None,
        byte_range: tuple[int, int] | None,
        follow_refresh: bool,
        media_window: int | None,
        raw_bytes: bool = True,
    ) -> tuple[Response, str | None, str]:
        assert self._session is not None
        time_left = scope.time_left()
        if time_left <= 0:
            raise BudgetExhausted("deadline", "The check ran out of time.")
        if scope.bytes_left <= 0:
            raise BudgetExhausted("byte_budget", "The check read as much as it is allowed to.")
        if scope.requests >= self.settings.max_requests_per_check:
            raise BudgetExhausted(
                "request_budget", "The check made as many requests as it is allowed to."
            )
        request_headers = CIMultiDict(
            {
                "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
                "Accept-Language": self.settings.accept_language,
                "Accept-Encoding": "gzip, deflate, br",
            }
        )
        for name, value in (headers or {}).items():
            if name.lower() not in {"cookie", "referer", "host"}:  # never forwarded
                request_headers[name] = value
        consent = self._consent_cookie(url.host)
        if consent is not None:
            request_headers["Cookie"] = consent
        if byte_range is not None:
            request_headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
            if raw_bytes:
                request_headers["Accept-Encoding"] = "identity"  # ranges address raw bytes
        timeout = aiohttp.ClientTimeout(
            total=time_left,
            sock_connect=self.settings.connect_timeout,
            sock_read=min(self.settings.read_timeout, time_left),
        )
        cap = min(max_bytes or self.settings.max_response_bytes, scope.bytes_left)
        refusals_before = len(scope.refusals)
        scope.requests += 1
        try:
            async with asyncio.timeout(time_left):
                async with self._session.request(
                    method,
                    url,
                    headers=request_headers,
                    data=body,
                    allow_redirects=False,
                    timeout=timeout,
                    max_redirects=0,
                ) as resp:
                    server = _peer(resp)
                    if media_window is not None and is_media_file(
                        resp.headers.get("Content-Type", "")
                    ):
                        # A media file: read only its first window (container headers), never the
                        # whole file; later reads are range requests within the media budget.
                        cap = min(cap, media_window)
                    data, truncated = await self._read_body(resp, cap, scope)
                    response = self._response(url, resp, data, truncated, server)
                    response.requested_range = byte_range
        except RefusedAddressError as exc:
            raise self._refused(exc.refusal, scope) from exc
        except aiohttp.ClientConnectorError as exc:
            refusal = _find_refusal(exc) or (
                scope.refusals[refusals_before] if len(scope.refusals) > refusals_before else None
            )
            if refusal is not None:
                raise self._refused(refusal, scope) from exc
            raise _unreachable(exc) from exc
        except TimeoutError as exc:
            if scope.time_left() <= 0.05:
                raise Unreachable("deadline", "The site did not answer in time.") from exc
            raise Unreachable("timeout", "The site stopped answering.") from exc
        except aiohttp.InvalidURL as exc:
            raise InvalidTarget("unparsable", "The address could not be read.") from exc
        except aiohttp.ClientResponseError as exc:
            raise Unreachable(
                "bad_response", f"The site sent an invalid answer ({exc.status})."
            ) from exc
        except aiohttp.ClientPayloadError as exc:
            raise Unreachable("bad_body", "The site sent a broken answer.") from exc
        except (aiohttp.ClientError, zlib.error, brotli.error) as exc:
            raise Unreachable(
                "protocol_error", f"The exchange failed ({type(exc).__name__})."
            ) from exc
        except OSError as exc:
            raise Unreachable("network_error", "The connection failed.") from exc

        next_url, via = None, "http"
        if response.status in _REDIRECT_STATUSES:
            next_url = response.headers.get("Location")
            if not next_url:
                return response, None, via
        elif follow_refresh:
            next_url, via = await _refresh_hop(url, response)
        return response, next_url, via

    async def _complete(
        self,
        url: URL,
        scope: CheckScope,
        first: Response,
        max_bytes: int | None,
        headers: Mapping[str, str] | None,
    ) -> Response:
        """A document that answered the first-window range request with 206: fetch the rest.

        The rest is one more range request from where the first answer stopped, up to the usual
        response cap, so the page reader sees exactly the bytes a plain GET would have given. A
        compressed slice (Content-Encoding on a 206) cannot be continued byte for byte: the
        document is then fetched again whole, the plain way.
        """
        cap = min(max_bytes or self.settings.max_response_bytes, self.settings.max_response_bytes)
        total = first.total_length
        if total is not None and total <= len(first.body):
            return first
        if len(first.body) >= cap:
            first.truncated = True
            return first
        encoded = first.headers.get("Content-Encoding", "identity").strip().lower()
        start = len(first.body)
        end = cap - 1 if total is None else min(total, cap) - 1
        whole = encoded not in {"", "identity"}
        try:
            rest, _next, _via = await self._fetch_once(
                url,
                scope,
                method="GET",
                headers=headers,
                body=None,
                max_bytes=cap if whole else end - start + 1,
                byte_range=None if whole else (start, end),
                follow_refresh=False,
                media_window=None,
            )
        except GateError:
            first.truncated = True  # what came first is still the page's beginning: keep it
            return first
        if rest.status == 200:
            return rest  # the server answered the whole document (or the plain GET did)
        if rest.status != 206 or not _continues(rest, start):
            first.truncated = True  # the rest could not be had: say the page is partial
            return first
        first.body += rest.body
        first.truncated = rest.truncated or (total is not None and total > len(first.body))
        return first

    async def _read_body(
        self, resp: aiohttp.ClientResponse, cap: int, scope: CheckScope
    ) -> tuple[bytes, bool]:
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        decoder = None
        if encoding and encoding != "identity":
            try:
                decoder = _BoundedDecoder(encoding)
            except ValueError:
                decoder = None  # unknown coding: keep raw bytes; parsers will find nothing
        chunks: list[bytes] = []
        size = 0
        truncated = False
        # Raw bytes on the wire are also capped: a body that never decodes to anything must not
        # keep us reading forever (endless stream of compressed padding).
        raw_cap = cap * 4 if decoder else cap
        raw_read = 0
        async for chunk in resp.content.iter_chunked(16 * 1024):
            raw_read += len(chunk)
            piece = decoder.feed(chunk, cap - size) if decoder else chunk[: cap - size]
            chunks.append(piece)
            size += len(piece)
            if size >= cap or raw_read >= raw_cap:
                truncated = True
                break
        scope.spend(raw_read)
        if truncated and _body_complete(resp, raw_read):
            # The body ended exactly at the cap (a range read of the size asked for): nothing was
            # cut, and the connection can go back to the pool instead of paying a new handshake.
            truncated = False
        if truncated:
            resp.close()  # drop the connection rather than drain an unbounded body
        return b"".join(chunks), truncated

    @staticmethod
    def _response(
        url: URL, resp: aiohttp.ClientResponse, data: bytes, truncated: bool, server: str | None
    ) -> Response:
        content_type = resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        total: int | None = None
        content_range = resp.headers.get("Content-Range", "")
        if resp.status == 206 and "/" in content_range:
            tail = content_range.rsplit("/", 1)[1].strip()
            total = int(tail) if tail.isdigit() else None
        elif resp.status == 200 and resp.headers.get("Content-Length", "").isdigit():
            total = int(resp.headers["Content-Length"])
        return Response(
            url=str(url),
            status=resp.status,
            headers=resp.headers,
            body=data,
            truncated=truncated,
            redirects=[],
            server_address=server,
            content_type=content_type,
            total_length=total,
            elapsed=0.0,
        )

    @staticmethod
    def _record(scope: CheckScope, response: Response) -> None:
        is_text = response.content_type.startswith(_TEXT_TYPES)
        scope.documents.append(
            FetchedDocument(
                url=response.url,
                status=response.status,
                content_type=response.content_type or "unknown",
                # Digest of documents only: media bytes are never fingerprinted or kept.
                sha256=hashlib.sha256(response.body).hexdigest() if is_text else None,
                server_address=response.server_address,
            )
        )

    def _refused(self, refusal: Refusal, scope: CheckScope) -> Refused:
        if refusal not in scope.refusals:  # the resolver path has not recorded it yet
            scope.refusals.append(refusal)
        self._note_refusal(refusal.reason)
        # The class of address only: naming the address would disclose what a host name
        # resolves to inside our network (a Kubernetes ClusterIP, an internal DNS record).
        return Refused(
            refusal.reason,
            f"The link leads to {refusal.describe()}; the service does not connect to such "
            "addresses.",
        )


def _origin(url: URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one when implicit): what "same origin" compares."""
    return (url.scheme.lower(), (url.host or "").lower().rstrip("."), url.port)


async def _refresh_hop(url: URL, response: Response) -> tuple[str | None, str]:
    """Where a `Refresh` header or a `<meta http-equiv=refresh>` sends a browser, if anywhere.

    The header is read first and, when valid, the page's own refresh is ignored (HTML standard:
    a document refreshes once). A refresh that reloads the same document is not a hop: the page
    itself is what the victim sees. An unparsable URL means browsers stay on the page.
    """
    via = "refresh-header"
    target = parse_refresh(response.headers.get("Refresh", ""))
    if target is None and response.is_html and might_refresh(response.body):
        via = "meta-refresh"
        # Tokenizing is pure Python (tens of ms on a hostile page): not on the event loop.
        target = await asyncio.to_thread(
            meta_refresh, response.body, response.headers.get("Content-Type")
        )
    if not target:  # None (no refresh) or SAME_DOCUMENT
        return None, via
    try:
        joined = url.join(URL(target))
    except (ValueError, TypeError):
        return None, via
    if joined.with_fragment(None) == url.with_fragment(None):
        return None, via
    return target, via


def _body_complete(resp: aiohttp.ClientResponse, raw_read: int) -> bool:
    length = resp.headers.get("Content-Length", "")
    if length.isdigit() and raw_read >= int(length):
        return True
    return resp.content.at_eof()


def _continues(response: Response, start: int) -> bool:
    """True when a 206 answer starts at byte `start` (Content-Range: bytes START-…/…)."""
    match = re.match(r"\s*bytes\s+(\d+)-", response.headers.get("Content-Range", ""))
    return match is not None and int(match.group(1)) == start


def _peer(resp: aiohttp.ClientResponse) -> str | None:
    """The address actually connected to, for the evidence sheet.

    `resp.connection` is already released when a small body arrived with the headers, so read the
    protocol the response keeps (private attribute, stable since aiohttp 3.0).
    """
    protocol = getattr(resp, "_protocol", None)
    transport = getattr(protocol, "transport", None)
    peer = transport.get_extra_info("peername") if transport is not None else None
    return str(peer[0]) if peer else None


def _find_refusal(exc: BaseException) -> Refusal | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RefusedAddressError):
            return current.refusal
        os_error = getattr(current, "os_error", None)
        if isinstance(os_error, RefusedAddressError):
            return os_error.refusal
        current = current.__cause__ or current.__context__
    return None


def _unreachable(exc: aiohttp.ClientConnectorError) -> Unreachable:
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return Unreachable("dns", "The site's name does not exist or could not be looked up.")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return Unreachable("tls_certificate", "The site's security certificate is not valid.")
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return Unreachable("tls", "A secure connection to the site could not be made.")
    return Unreachable("connect", "The site could not be reached.")
