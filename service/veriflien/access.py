"""Who may call the service, under which name, how often, and from which browser origins.

Four concerns that all run before a handler, in one place so their order is explicit:

0. The Host header, on every route: only the names in `allowed_hosts` (and the listen address) are
   answered, others get 421. A DNS-rebinding page (its name re-pointed at 127.0.0.1 after it
   loaded) would otherwise drive a `make run` instance from a visitor's browser, as "local".
1. CORS, for the browser extension: preflights are answered here (browsers send them without the
   Authorization header, so they must not need a key), and allowed origins get their headers.
2. Authentication: API keys are random 256-bit secrets; the keys file holds only a name and a salted
   scrypt hash per key, so a leaked file does not leak a usable key. A key looks like
   `vl_<id>_<secret>`: the id selects the one line to verify, so a request costs at most one scrypt,
   and verifications are counted per client before the hash is computed (guessing the secret of a
   known id must not buy 50 ms of CPU and 16 MiB per request).
3. Rate limits, per key and per client, in the shared state so every replica counts together. The
   client address comes from X-Forwarded-For only when the connecting peer is a listed proxy:
   otherwise anyone could pick their own address. IPv6 clients are counted per /64 (configurable):
   one subscriber holds billions of addresses.

A request from the machine itself (loopback, no forwarding header, the peer not a listed proxy) is
the operator's own: `make run`, the CLI, the tests. It may check anonymously under the default
policy. It is still rate limited unless `rate_limit_local` is off, because a reverse proxy on the
same machine that adds no forwarding header (nginx's default `proxy_pass`, one that uses
`CF-Connecting-IP`) looks exactly like it: that mistake must cost a shared allowance, not open the
service. A loopback peer listed in `trusted_proxies` is never local, with or without a header.
"""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from veriflien.http_errors import error_response
from veriflien.logs import log
from veriflien.settings import Settings
from veriflien.state import SharedState

logger = logging.getLogger("veriflien.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

API_PREFIX = "/api/v1/"
RATE_LIMITED_PATHS = frozenset({"/api/v1/checks"})  # the only route that sends traffic out

# scrypt at n=2**14, r=8, p=1: 16 MiB and ~50 ms. The keys are random, so this is defence in depth
# against a leaked file, not against guessing. A verified key is remembered for a short while
# (KEY_MEMORY_SECONDS), and at most SCRYPT_AT_ONCE hashes run at a time whoever asks.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
KEY_MEMORY_SECONDS = 60.0
SCRYPT_AT_ONCE = 2
_KEY_RE = re.compile(r"^vl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Any of these says a proxy relayed the request, so it is not the machine's own even when the
# proxy is not listed: the standard ones, and the vendor ones some proxies use instead (a CDN's
# CF-Connecting-IP, True-Client-IP...). Via is what RFC 9110 asks every proxy to add.
_FORWARDING_HEADERS = (
    "X-Forwarded-For",
    "Forwarded",
    "X-Real-IP",
    "CF-Connecting-IP",
    "True-Client-IP",
    "X-Client-IP",
    "X-Cluster-Client-IP",
    "Fastly-Client-IP",
    "Via",
)


class KeysFileError(ValueError):
    """The keys file has a line that cannot be read; the message gives the line number."""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    name: str
    key_id: str
    salt: bytes
    digest: bytes


def _scrypt(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32, maxmem=64 << 20
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key(name: str) -> tuple[str, str]:
    """A fresh key and the keys-file line that stores it: `NAME ID scrypt$n$r$p$SALT$HASH`."""
    if not _NAME_RE.match(name):
        raise ValueError("a key name is 1 to 64 letters, digits, '.', '_' or '-'")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = os.urandom(16)
    line = (
        f"{name} {key_id} scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}"
        f"${_b64(salt)}${_b64(_scrypt(secret, salt))}"
    )
    return f"vl_{key_id}_{secret}", line


def add_key(path: str | Path, name: str) -> str:
    """Append a new key named `name` to the keys file; return the key (shown once, never stored)."""
    path = Path(path)
    existing = load_keys(path) if path.exists() else {}
    if any(entry.name == name for entry in existing.values()):
        raise ValueError(f"a key named {name!r} already exists")
    key, line = new_key(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Only salted hashes are written: the file may be readable by the service user (0644).
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    return key


def load_keys(path: str | Path) -> dict[str, KeyEntry]:
    """Key id -> entry. Blank lines and lines starting with '#' are ignored."""
    entries: dict[str, KeyEntry] = {}
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            name, key_id, stored = line.split()
            scheme, n, r, p, salt, digest = stored.split("$")
            if (scheme, int(n), int(r), int(p)) != ("scrypt", SCRYPT_N, SCRYPT_R, SCRYPT_P):
                raise ValueError("unsupported hash parameters")
            entries[key_id] = KeyEntry(name, key_id, _unb64(salt), _unb64(digest))
        except ValueError as exc:
            raise KeysFileError(f"{path}: line {number} is not 'NAME ID scrypt$...'") from exc
    return entries


class KeyRing:
    """The keys file, re-read when it changes, so `veriflien keys add` needs no restart."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._entries: dict[str, KeyEntry] = {}
        self._stamp: tuple[int, int] | None = None
        # Digests of keys verified in the last KEY_MEMORY_SECONDS, under a per-process random key:
        # the expensive scrypt runs about once a minute per key in use, and memory never holds a
        # key in clear. Only valid keys are remembered, so this holds at most one entry per key.
        self._memo_key = os.urandom(32)
        self._verified: dict[bytes, tuple[float, str]] = {}
        self._hashing = asyncio.Semaphore(SCRYPT_AT_ONCE)
        self.clock = time.monotonic  # when remembered verifications expire (tests move it)
        if path:
            self.refresh(strict=True)  # at start-up a broken file stops the service

    @property
    def configured(self) -> bool:
        return bool(self.path)

    def refresh(self, strict: bool = False) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._entries, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            if strict:
                self._entries = load_keys(self.path)
            else:
                try:
                    self._entries = load_keys(self.path)
                except (KeysFileError, OSError) as exc:
                    # A half-edited file at run time: keep serving with the keys known so far.
                    log(
                        logger, logging.ERROR, "keys file unreadable", error_type=type(exc).__name__
                    )
                    return
            self._stamp = stamp
            self._verified.clear()  # a removed key must stop working

    def _memo(self, key: str) -> bytes:
        text = key.encode("utf-8", "surrogatepass")
        return hmac.new(self._memo_key, text, hashlib.sha256).digest()

    def recall(self, key: str) -> str | None:
        """The name of a key verified in the last KEY_MEMORY_SECONDS; costs no hash."""
        if not self.path:
            return None
        self.refresh()
        memo = self._memo(key)
        remembered = self._verified.get(memo)
        if remembered is None:
            return None
        if remembered[0] <= self.clock():
            del self._verified[memo]
            return None
        return remembered[1]

    async def identify(self, key: str) -> str | None:
        """The name of the key, or None if it is not a valid key of this instance. May cost a
        scrypt: callers count the attempt first (AccessPolicy._authenticate)."""
        remembered = self.recall(key)
        if remembered is not None or not self.path:
            return remembered
        match = _KEY_RE.match(key)
        entry = self._entries.get(match.group(1)) if match else None
        if match is None or entry is None:
            return None
        async with self._hashing:
            digest = await asyncio.to_thread(_scrypt, match.group(2), entry.salt)
        if not hmac.compare_digest(digest, entry.digest):
            return None
        self._verified[self._memo(key)] = (self.clock() + KEY_MEMORY_SECONDS, entry.name)
        return entry.name


def _networks(cidrs: list[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


_PORT_RE = re.compile(r"^[0-9]{1,5}$")


def forwarded_address(text: str) -> IPAddress | None:
    """One X-Forwarded-For element, written the ways proxies write it: `203.0.113.9`,
    `203.0.113.9:5555`, `2001:db8::1`, `[2001:db8::1]` and `[2001:db8::1]:443`. None when it is
    none of these (`unknown`, an obfuscated name, garbage)."""
    text = text.strip()
    port: str | None = None  # None: no port written
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or ":" not in host:  # brackets hold an IPv6 address, nothing else
            return None
        if rest:
            if not rest.startswith(":"):
                return None
            port = rest[1:]
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host = text  # an address without port (IPv6 ones have several colons)
    if port is not None and not _valid_port(port):
        return None
    return _address(host)


def _valid_port(text: str) -> bool:
    return bool(_PORT_RE.match(text)) and int(text) <= 65535


class UnreadableForwardedFor(ValueError):
    """A listed proxy sent an X-Forwarded-For element naming no address."""


@dataclass(frozen=True, slots=True)
class Client:
    address: str  # the client as far as can be trusted; never written to logs or metrics
    local: bool  # the machine itself, not through a proxy
    counter: str = ""  # what rate limits count: the address, or its IPv6 network


class HostPolicy:
    """Which Host headers are answered: the listen address and `allowed_hosts`.

    DNS rebinding always carries a name the attacker controls (the page's own origin), so names
    are matched exactly or as '*.domain'; IP-literal Hosts match listed addresses or CIDRs, which
    cannot come from a rebinding page. The port is ignored: the page must use the real one anyway.
    """

    # Listening on every interface names no host anyone types: those add nothing to the list.
    _WILDCARD_LISTEN = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (compared, not bound)

    def __init__(self, listen: str, allowed: list[str]) -> None:
        self.names: set[str] = set()
        self.suffixes: list[str] = []
        self.networks: list[IPNetwork] = []
        entries = list(allowed)
        if listen.strip() not in self._WILDCARD_LISTEN:
            entries.append(listen)
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if entry.startswith("[") and entry.endswith("]"):
                entry = entry[1:-1]
            if entry.startswith("*."):
                self.suffixes.append(entry[1:])
            elif "/" in entry:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            else:
                address = _address(entry)
                self.names.add(str(address) if address is not None else entry)

    def allows(self, host: str) -> bool:
        host = host.strip().lower()
        if host.startswith("["):
            name, bracket, rest = host[1:].partition("]")
            if not bracket or (rest and not (rest[0] == ":" and _PORT_RE.match(rest[1:]))):
                return False
        else:
            name, _, port = host.partition(":")
            if port and not _PORT_RE.match(port):
                return False
        name = name.rstrip(".")
        address = _address(name)
        if address is not None:
            return str(address) in self.names or any(address in net for net in self.networks)
        return name in self.names or any(
            name.endswith(suffix) and len(name) > len(suffix) for suffix in self.suffixes
        )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request, as the middleware established it (for handlers that charge checks)."""

    client: Client
    key_name: str | None


CALLER: web.RequestKey[Caller] = web.RequestKey("veriflien_caller", Caller)


class AccessPolicy:
    def __init__(self, settings: Settings, state: SharedState) -> None:
        self.settings = settings
        self.state = state
        self.keys = KeyRing(settings.keys_file)
        self.hosts = HostPolicy(settings.host, settings.allowed_hosts)
        self.trusted = _networks(settings.trusted_proxies)
        self.metrics_networks = _networks(settings.metrics_networks)
        self.rate_limited = {"key": 0, "client": 0, "key_attempt": 0}
        self.auth_failures = 0

    def _is_proxy(self, address: IPAddress) -> bool:
        return any(address in net for net in self.trusted)

    def _counter(self, address: IPAddress) -> str:
        if isinstance(address, ipaddress.IPv6Address):
            prefix = self.settings.rate_limit_ipv6_prefix
            return str(ipaddress.IPv6Network((address, prefix), strict=False))
        return str(address)

    def _client(self, address: IPAddress, local: bool) -> Client:
        return Client(str(address), local=local, counter=self._counter(address))

    def client(self, request: web.Request) -> Client:
        """Who is calling. Raises UnreadableForwardedFor when a listed proxy names the client in
        a form that is no address: guessing would put every such visitor on one counter."""
        peer = _address(request.remote)
        if peer is None:
            return Client("unknown", local=False, counter="unknown")
        if self._is_proxy(peer):
            # Walk X-Forwarded-For from the right, skipping our own proxies: the first address
            # not in the trusted list is the one the outermost trusted proxy saw. A proxy may add
            # its own header line rather than extend the client's, so every line counts, in order.
            lines = request.headers.getall("X-Forwarded-For", [])
            hops = [hop.strip() for line in lines for hop in line.split(",")]
            for hop in reversed([h for h in hops if h]):
                address = forwarded_address(hop)
                if address is None:
                    raise UnreadableForwardedFor(hop[:64])
                if not self._is_proxy(address):
                    return self._client(address, local=False)
            # No client named: the proxy itself is the client. Never local, even on loopback
            # (nginx's default proxy_pass sends no header at all).
            return self._client(peer, local=False)
        forwarded = any(h in request.headers for h in _FORWARDING_HEADERS)
        return self._client(peer, local=peer.is_loopback and not forwarded)

    def may_read_metrics(self, request: web.Request) -> bool:
        peer = _address(request.remote)
        if peer is None or any(h in request.headers for h in _FORWARDING_HEADERS):
            return False
        # A loopback address listed as a proxy cannot be told from a local scraper: it is the
        # proxy (a proxy elsewhere, e.g. a Kubernetes ingress, is told apart by its headers).
        if peer.is_loopback and self._is_proxy(peer):
            return False
        return any(peer in net for net in self.metrics_networks)

    def _identity(self, scope: str, value: str) -> str:
        # Rate-limit counters are named by a keyed digest: Redis never holds a client address.
        digest = hmac.new(self.settings.secret, f"{scope}\0{value}".encode(), hashlib.sha256)
        return f"{scope}:{digest.hexdigest()[:32]}"

    async def limit(
        self, scope: str, value: str, limit: int, what: str = "checks", cost: int = 1
    ) -> web.Response | None:
        if limit <= 0:
            return None
        window = self.settings.rate_limit_window
        decision = await self.state.hit(self._identity(scope, value), limit, window, cost)
        if decision.allowed:
            return None
        self.rate_limited[scope] += 1
        log(logger, logging.INFO, "rate limited", reason=scope)
        return error_response(
            429,
            "rate_limited",
            f"Too many {what}; try again in {decision.retry_after} s.",
            {"Retry-After": str(decision.retry_after)},
        )

    def _cors_origin(self, request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin and any(fnmatch.fnmatchcase(origin, p) for p in self.settings.cors_origins):
            return origin
        return None

    def _host_refusal(self, request: web.Request) -> web.Response | None:
        host = request.headers.get("Host", "")
        if not host.strip():
            if request.version < (1, 1):
                return None  # HTTP/1.0 had no Host; browsers never send it, so no rebinding
            # RFC 9112, section 3.2: a server must answer 400 to HTTP/1.1 without Host.
            return error_response(400, "missing_host", "HTTP/1.1 requests must carry Host.")
        if self.hosts.allows(host):
            return None
        log(logger, logging.INFO, "unknown host refused", reason="unknown_host")
        return error_response(
            421,
            "unknown_host",
            "This service does not answer to this host name. Its operator can add the name to "
            "VERIFLIEN_ALLOWED_HOSTS.",
        )

    async def middleware_impl(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refused = self._host_refusal(request)
        if refused is not None:
            return refused
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        origin = self._cors_origin(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return self._preflight(request, origin)
        response = await self._guarded(request, handler)
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After, WWW-Authenticate"
            response.headers.add("Vary", "Origin")
        return response

    def _preflight(self, request: web.Request, origin: str | None) -> web.StreamResponse:
        if origin is None:
            return error_response(
                403, "origin_not_allowed", "This origin may not call the API from a browser."
            )
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )

    async def _guarded(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            client = self.client(request)
        except UnreadableForwardedFor:
            log(logger, logging.WARNING, "unreadable X-Forwarded-For", reason="forwarded_for")
            return error_response(
                400,
                "invalid_forwarded_for",
                "The proxy in front of this service sent an X-Forwarded-For value that is not "
                "an address.",
            )
        key_name: str | None = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                outcome = await self._authenticate(client, token.strip())
                if isinstance(outcome, web.Response):
                    return outcome
                key_name = outcome
            if key_name is None:
                self.auth_failures += 1
                log(logger, logging.INFO, "rejected key", reason="invalid_key")
                return self._unauthorized("invalid_key", "This API key is not valid here.")
        elif not self._anonymous_allowed(client):
            return self._unauthorized(
                "key_required", "This service needs an API key (Authorization: Bearer KEY)."
            )
        request[CALLER] = Caller(client, key_name)
        if request.path in RATE_LIMITED_PATHS and request.method == "POST":
            limited = await self.charge(request, 1)
            if limited is not None:
                return limited
        return await handler(request)

    async def _authenticate(self, client: Client, token: str) -> str | web.Response | None:
        """The key's name, None for an invalid key, or a 429 when this client has used up its
        verifications. Counted BEFORE hashing: a known key id plus random secrets would
        otherwise make this service compute scrypt (about 50 ms, 16 MiB) for every request."""
        remembered = self.keys.recall(token)
        if remembered is not None:
            return remembered
        limited = await self.limit(
            "key_attempt",
            client.counter,
            self.settings.key_attempts_per_client,
            what="API key attempts",
        )
        if limited is not None:
            return limited
        return await self.keys.identify(token)

    async def charge(self, request: web.Request, checks: int) -> web.Response | None:
        """Count `checks` checks against the caller's limit (per key, else per client address or
        IPv6 network; the machine's own calls only when `rate_limit_local` is on); the 429
        answer when over it, else None.

        The middleware charges one per POST /api/v1/checks; the messages handler charges one
        per link it will check (at least one), once it has read the message."""
        caller = request.get(CALLER) or Caller(self.client(request), None)
        if caller.key_name is not None:
            return await self.limit(
                "key", caller.key_name, self.settings.rate_limit_per_key, cost=checks
            )
        if caller.client.local and not self.settings.rate_limit_local:
            return None
        return await self.limit(
            "client", caller.client.counter, self.settings.rate_limit_per_client, cost=checks
        )

    def _anonymous_allowed(self, client: Client) -> bool:
        policy = self.settings.anonymous_checks
        return policy == "any" or (policy == "local" and client.local)

    @staticmethod
    def _unauthorized(code: str, message: str) -> web.Response:
        # RFC 6750 section 3: no error attribute when the request carried no credentials at all.
        challenge = 'Bearer realm="veriflien"'
        if code == "invalid_key":
            challenge += ', error="invalid_token"'
        return error_response(401, code, message, {"WWW-Authenticate": challenge})


def access_middleware(policy_of: Callable[[web.Request], AccessPolicy]) -> Callable[..., object]:
    @web.middleware
    async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await policy_of(request).middleware_impl(request, handler)

    return access
