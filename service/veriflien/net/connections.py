"""Outbound connection reuse for the gate: pooled connections and resumed TLS sessions.

Checks from many people go to the same few platform hosts, so a check should not pay a TCP and TLS
handshake for each request. No credential, Referer or cookie is sent (gate.py; the one exception
is a platform's fixed consent answer, the same for everyone), so a connection carries nothing from
one check into another; the platform could link two checks by the connection or the TLS session,
as it already can by this service's address. What reuse must not do is weaken the address policy,
so:

- **Pooled connections** are aiohttp's keep-alive pool, one per gate (one per worker process). A
  connection goes back to the pool only after a complete response and is taken again only for the
  same aiohttp `ConnectionKey` it was opened for: host name, port, TLS or not, and TLS context.
  A request for any other (host, port, TLS) dials, and dialling goes through the resolver and the
  socket factory, where the policy applies.
- **Every use is checked**: `GuardedConnector.connect` applies the address policy to the peer of
  the connection a request is about to be sent on, pooled or new, just before it is used. The
  policy does not change while the service runs, so this never refuses a pooled connection
  today; it makes "no request is ever sent to a refused address" hold by construction, whatever
  a future pool, resolver cache or policy change does.
- **TLS sessions**: `ResumingTLSContext` offers a saved session (TLS 1.3 ticket or TLS 1.2 id) only
  to the same host name and port that issued it, which was verified with a full handshake (the
  certificate checked for that name). Resumption skips the certificate exchange and its
  verification. The session store is bounded and in memory only. It is on by default only where
  reading a session does not leak memory (`RESUMPTION_SAFE`).
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
import sys
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import aiohttp

from veriflien.net.policy import AddressPolicy, Refusal
from veriflien.net.resolve import RefusedAddressError

# The (host, port) a connection is being opened for, read by the TLS context when it wraps the
# socket: SSLContext.wrap_bio only learns the host name, and asyncio gives no other way in.
_tls_target: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar(
    "tls_target", default=None
)

MAX_TLS_SESSIONS = 1024

# CPython 3.10 to 3.12.6 leak a copy of the session each time `SSLObject.session` is read
# (python/cpython#116810, fixed in 3.12.7 and 3.13; 3.11 only gets security fixes): saving
# sessions there grew a worker by ~11 KiB per new TLS connection (measured: +16 MiB over 1,500).
# Connections are pooled either way; only resumption of new ones waits for a fixed Python.
RESUMPTION_SAFE = sys.version_info >= (3, 12, 7)


def _host_key(host: str) -> str:
    return host.rstrip(".").lower()


@contextlib.contextmanager
def opening_tls_to(host: str, port: int) -> Iterator[None]:
    """TLS connections opened inside this block (in this task) may resume a session saved for
    (host, port), and only such a session."""
    token = _tls_target.set((_host_key(host), port))
    try:
        yield
    finally:
        _tls_target.reset(token)


class TLSSessions:
    """The latest resumable TLS session per (host name, port), least recently used out first."""

    def __init__(self, max_entries: int = MAX_TLS_SESSIONS) -> None:
        self.max_entries = max_entries
        self._sessions: OrderedDict[tuple[str, int], ssl.SSLSession] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, key: tuple[str, int]) -> ssl.SSLSession | None:
        session = self._sessions.get(key)
        if session is not None:
            self._sessions.move_to_end(key)
        return session

    def remember(self, key: tuple[str, int], ssl_object: Any) -> None:
        """Keep the session of a connection that has answered (TLS 1.3 tickets come after the
        handshake, with the first data)."""
        session = getattr(ssl_object, "session", None)
        if session is None or not (session.has_ticket or session.id):
            return
        self._sessions[key] = session
        self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_entries:
            self._sessions.popitem(last=False)


class ResumingTLSContext(ssl.SSLContext):
    """A client TLS context that resumes the session it saved for the same (host name, port)."""

    sessions: TLSSessions

    def wrap_bio(  # type: ignore[override]
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        target = _tls_target.get()
        if (
            session is None
            and not server_side
            and server_hostname
            and target is not None
            and target[0] == _host_key(server_hostname)
        ):
            session = self.sessions.get(target)
        return super().wrap_bio(
            incoming,
            outgoing,
            server_side=server_side,
            server_hostname=server_hostname,
            session=session,
        )


def tls_context(ca_bundle: str = "", resume: bool = True) -> ssl.SSLContext:
    """The gate's TLS context: the system's trusted CAs (plus a lab bundle), always verified."""
    reference = ssl.create_default_context()
    context = ResumingTLSContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname, CERT_REQUIRED
    context.options |= reference.options
    context.verify_flags = reference.verify_flags
    context.load_default_certs()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    context.sessions = TLSSessions(MAX_TLS_SESSIONS if resume else 0)
    return context


class GuardedConnector(aiohttp.TCPConnector):
    """aiohttp's connector, with the address policy applied to every connection it hands out.

    Also counts new connections (plain, TLS with a full handshake, TLS resumed) for the metrics:
    the ratio of requests to connections is what reuse saves.
    """

    def __init__(self, *, policy: AddressPolicy, ssl: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(ssl=ssl, **kwargs)
        self._policy = policy
        self._sessions: TLSSessions | None = getattr(ssl, "sessions", None)
        self._known: weakref.WeakSet[Any] = weakref.WeakSet()
        self.opened = {"plain": 0, "tls_full": 0, "tls_resumed": 0}

    async def connect(  # the signature aiohttp calls
        self,
        req: Any,
        traces: list[Any],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109
    ) -> aiohttp.connector.Connection:
        with opening_tls_to(req.host, req.port) if req.is_ssl() else contextlib.nullcontext():
            conn = await super().connect(req, traces, timeout)
        transport = conn.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        if not peer:
            conn.close()
            raise aiohttp.ServerDisconnectedError()
        refusal: Refusal | None = self._policy.check(str(peer[0]))
        if refusal is not None:
            conn.close()
            # A connector error, like a refusal while dialling: aiohttp does not retry it, and
            # the gate finds the refusal in it.
            raise aiohttp.ClientConnectorError(req.connection_key, RefusedAddressError(refusal))
        protocol = conn.protocol
        if protocol is not None and protocol not in self._known:
            self._known.add(protocol)
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is None:
                self.opened["plain"] += 1
                return conn
            self.opened["tls_resumed" if ssl_object.session_reused else "tls_full"] += 1
            sessions = self._sessions
            if sessions is not None and sessions.max_entries:
                # TLS 1.3 tickets arrive after the handshake: the session is saved when the
                # first response has been read and the connection is released (or closed).
                key = (_host_key(req.host), req.port)
                conn.add_callback(lambda: sessions.remember(key, ssl_object))
        return conn
