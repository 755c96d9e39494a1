"""Who may call the API, how often, and from which browser origins.

Three concerns that all run before a handler, in one place so their order is explicit:

1. CORS, for the browser extension: preflights are answered here (browsers send them without the
   Authorization header, so they must not need a key), and allowed origins get their headers.
2. Authentication: API keys are random 256-bit secrets; the keys file holds only a name and a salted
   scrypt hash per key, so a leaked file does not leak a usable key. A key looks like
   `vl_<id>_<secret>`: the id selects the one line to verify, so a request costs at most one scrypt.
3. Rate limits, per key and per client address, in the shared state so every replica counts
   together. The client address comes from X-Forwarded-For only when the connecting peer is a
   listed proxy: otherwise anyone could pick their own address.

A request from the machine itself (loopback, no forwarding header) is the operator's own: `make
run`, the CLI, the tests. It may check anonymously under the default policy and is not counted per
address. A local reverse proxy that forwards outside traffic adds X-Forwarded-For, which takes the
request out of that category even when the proxy is not listed as trusted, so forgetting
`VERIFLIEN_TRUSTED_PROXIES` fails closed.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from veriflien.api.errors import error_response
from veriflien.logs import log
from veriflien.settings import Settings
from veriflien.state import SharedState

logger = logging.getLogger("veriflien.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

API_PREFIX = "/api/v1/"
RATE_LIMITED_PATHS = frozenset({"/api/v1/checks"})  # the only route that sends traffic out

# scrypt at n=2**14, r=8, p=1: 16 MiB and ~50 ms. The keys are random, so this is defence in depth
# against a leaked file, not against guessing; it is paid once per key and process (see _verified).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_KEY_RE = re.compile(r"^vl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


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
        # Digests of keys already verified in this process, under a per-process random key: the
        # expensive scrypt runs once per key, and memory never holds a key in clear.
        self._memo_key = os.urandom(32)
        self._verified: dict[bytes, str] = {}
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

    async def identify(self, key: str) -> str | None:
        """The name of the key, or None if it is not a valid key of this instance."""
        if not self.path:
            return None
        self.refresh()
        memo = hmac.new(self._memo_key, key.encode(), hashlib.sha256).digest()
        if memo in self._verified:
            return self._verified[memo]
        match = _KEY_RE.match(key)
        entry = self._entries.get(match.group(1)) if match else None
        if match is None or entry is None:
            return None
        digest = await asyncio.to_thread(_scrypt, match.group(2), entry.salt)
        if not hmac.compare_digest(digest, entry.digest):
            return None
        self._verified[memo] = entry.name
        return entry.name


def _networks(cidrs: list[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True, slots=True)
class Client:
    address: str  # the client as far as can be trusted; never written to logs or metrics
    local: bool  # the machine itself, not through a proxy


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
        self.trusted = _networks(settings.trusted_proxies)
        self.metrics_networks = _networks(settings.metrics_networks)
        self.rate_limited = {"key": 0, "client": 0}
        self.auth_failures = 0

    def client(self, request: web.Request) -> Client:
        peer = _address(request.remote)
        forwarded = any(h in request.headers for h in _FORWARDING_HEADERS)
        if peer is not None and any(peer in net for net in self.trusted):
            # Walk X-Forwarded-For from the right, skipping our own proxies: the first address
            # not in the trusted list is the one the outermost trusted proxy saw.
            hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
            for hop in reversed([h for h in hops if h]):
                address = _address(hop)
                if address is None:
                    break
                if not any(address in net for net in self.trusted):
                    return Client(str(address), local=False)
            return Client(str(peer), local=not forwarded and peer.is_loopback)
        text = str(peer) if peer is not None else "unknown"
        return Client(text, local=peer is not None and peer.is_loopback and not forwarded)

    def may_read_metrics(self, request: web.Request) -> bool:
        peer = _address(request.remote)
        if peer is None or any(h in request.headers for h in _FORWARDING_HEADERS):
            return False
        return any(peer in net for net in self.metrics_networks)

    def _identity(self, scope: str, value: str) -> str:
        # Rate-limit counters are named by a keyed digest: Redis never holds a client address.
        digest = hmac.new(self.settings.secret, f"{scope}\0{value}".encode(), hashlib.sha256)
        return f"{scope}:{digest.hexdigest()[:32]}"

    async def limit(self, scope: str, value: str, limit: int, cost: int = 1) -> web.Response | None:
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
            f"Too many checks; try again in {decision.retry_after} s.",
            {"Retry-After": str(decision.retry_after)},
        )

    def _cors_origin(self, request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin and any(fnmatch.fnmatchcase(origin, p) for p in self.settings.cors_origins):
            return origin
        return None

    async def middleware_impl(self, request: web.Request, handler: Handler) -> web.StreamResponse:
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
        client = self.client(request)
        key_name: str | None = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                key_name = await self.keys.identify(token.strip())
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

    async def charge(self, request: web.Request, checks: int) -> web.Response | None:
        """Count `checks` checks against the caller's limit (per key, else per client address;
        the machine's own calls are not counted); the 429 answer when over it, else None.

        The middleware charges one per POST /api/v1/checks; the messages handler charges one
        per link it will check (at least one), once it has read the message."""
        caller = request.get(CALLER) or Caller(self.client(request), None)
        if caller.key_name is not None:
            return await self.limit(
                "key", caller.key_name, self.settings.rate_limit_per_key, checks
            )
        if caller.client.local:
            return None
        return await self.limit(
            "client", caller.client.address, self.settings.rate_limit_per_client, checks
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
