"""The two stores behind SharedState (process memory and Redis) and the fallback between them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from veriflien.logs import log

logger = logging.getLogger("veriflien.state")

# Every key this service writes starts with this, so a Redis shared with other software (or a
# future version of this one) cannot collide with it.
PREFIX = "veriflien:v1:"

# Reconnection backoff: quick first retries (a Redis restart takes a second or two), then at most
# one attempt every few seconds so a long outage costs nothing measurable.
BACKOFF_FIRST = 0.2
BACKOFF_MAX = 5.0


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after: int  # whole seconds until the current window ends (Retry-After)


def _window(now: float, window: float) -> tuple[int, int]:
    """The index of the fixed window `now` falls in, and whole seconds until it ends."""
    index = int(now // window)
    remaining = max(1, math.ceil((index + 1) * window - now))
    return index, remaining


class LocalStore:
    """Process-memory cache and counters: the embedded default and the fallback when Redis fails.

    Bounded (least recently used entries go first) so a flood of distinct links or addresses cannot
    grow the process without limit: at most `max_entries` values and `max_bytes` of them (a cached
    answer is about 4 KB; the byte bound holds whatever their size), and as many counters.
    """

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 48 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = time.monotonic  # when cached values expire; tests move it instead of waiting
        self._values: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._counters: OrderedDict[str, tuple[float, int]] = OrderedDict()

    @property
    def value_bytes(self) -> int:
        """Bytes of the values held (keys and bookkeeping aside)."""
        return self._bytes

    def get(self, key: str) -> bytes | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= self.clock():
            del self._values[key]
            self._bytes -= len(value)
            return None
        self._values.move_to_end(key)
        return value

    def set(self, key: str, value: bytes, ttl: float) -> None:
        previous = self._values.get(key)
        if previous is not None:
            self._bytes -= len(previous[1])
        self._values[key] = (self.clock() + ttl, value)
        self._bytes += len(value)
        self._values.move_to_end(key)
        while self._values and (
            len(self._values) > self.max_entries or self._bytes > self.max_bytes
        ):
            _key, (_expires, dropped) = self._values.popitem(last=False)
            self._bytes -= len(dropped)

    def hit(self, key: str, limit: int, window: float, cost: int = 1) -> RateDecision:
        index, remaining = _window(time.time(), window)
        slot = f"{key}:{index}"
        expires, count = self._counters.get(slot, (time.monotonic() + remaining, 0))
        count += cost
        self._counters[slot] = (expires, count)
        self._counters.move_to_end(slot)
        now = time.monotonic()
        while self._counters and (
            len(self._counters) > self.max_entries or next(iter(self._counters.values()))[0] <= now
        ):
            self._counters.popitem(last=False)
        return RateDecision(count <= limit, remaining)


class SharedState:
    """Redis when configured and answering, the local store otherwise; never raises for Redis."""

    def __init__(self, redis_url: str = "", timeout: float = 0.5) -> None:
        self.redis_url = redis_url
        self.timeout = timeout
        self.local = LocalStore()
        self._redis: object | None = None  # redis.asyncio.Redis, imported lazily
        self._degraded = False
        self._reconnect: asyncio.Task[None] | None = None
        self.degradations = 0  # how many times Redis was lost (metrics)

    @property
    def configured(self) -> bool:
        return bool(self.redis_url)

    @property
    def degraded(self) -> bool:
        return self.configured and self._degraded

    @property
    def status(self) -> str:
        if not self.configured:
            return "disabled"
        return "degraded" if self._degraded else "ok"

    async def start(self) -> None:
        if not self.configured:
            return
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No retries inside redis-py: a failed call falls back to local state at once, and the
        # reconnect task below owns retrying. The timeouts bound how long a dead Redis can delay a
        # check (TCP connects to a vanished host would otherwise wait for the kernel's timeout).
        self._redis = aioredis.Redis.from_url(
            self.redis_url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        try:
            await asyncio.wait_for(self._redis.ping(), self.timeout * 2)  # type: ignore[attr-defined]
        except Exception as exc:
            self._lost(exc)

    async def close(self) -> None:
        if self._reconnect is not None:
            self._reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect
            self._reconnect = None
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()  # type: ignore[attr-defined]
            self._redis = None

    def _usable(self) -> bool:
        return self._redis is not None and not self._degraded

    def _lost(self, exc: BaseException) -> None:
        if not self._degraded:
            self.degradations += 1
            log(
                logger,
                logging.WARNING,
                "redis unavailable, using local state",
                error_type=type(exc).__name__,
            )
        self._degraded = True
        if self._reconnect is None or self._reconnect.done():
            self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            await asyncio.sleep(delay)
            try:
                await asyncio.wait_for(self._redis.ping(), self.timeout * 2)  # type: ignore[union-attr]
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = min(BACKOFF_MAX, delay * 2)
                continue
            self._degraded = False
            log(logger, logging.WARNING, "redis available again", event="redis_recovered")
            return

    async def probe(self) -> str:
        """Ask Redis now (for /readyz): an idle replica must not report a stale "ok"."""
        if self._usable():
            try:
                await asyncio.wait_for(self._redis.ping(), self.timeout * 2)  # type: ignore[union-attr]
            except Exception as exc:
                self._lost(exc)
        return self.status

    async def get(self, key: str) -> bytes | None:
        if self._usable():
            try:
                return await self._redis.get(PREFIX + key)  # type: ignore[union-attr]
            except Exception as exc:
                self._lost(exc)
        return self.local.get(key)

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        if self._usable():
            try:
                await self._redis.set(PREFIX + key, value, px=max(1, int(ttl * 1000)))  # type: ignore[union-attr]
                return
            except Exception as exc:
                self._lost(exc)
        self.local.set(key, value, ttl)

    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> RateDecision:
        """Count `cost` events (one by default) against `key`, at once; allowed while the
        window's count is within `limit`. A message with three links costs three checks."""
        if self._usable():
            index, remaining = _window(time.time(), window)
            slot = f"{PREFIX}rate:{key}:{index}"
            try:
                pipe = self._redis.pipeline(transaction=True)  # type: ignore[union-attr]
                pipe.incrby(slot, cost)
                pipe.expire(slot, remaining + 1)
                count, _ = await pipe.execute()
                return RateDecision(int(count) <= limit, remaining)
            except Exception as exc:
                self._lost(exc)
        return self.local.hit(key, limit, window, cost)
