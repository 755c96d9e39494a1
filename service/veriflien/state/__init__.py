"""Shared state: the result cache and the rate-limit counters, in Redis when configured.

Several replicas of the service behind one load balancer must agree on two things: a link checked a
minute ago by one replica need not be fetched again by another, and an abusive client must not get
N times its allowance by being spread over N replicas. `SharedState` keeps both in Redis (or Valkey)
when `VERIFLIEN_REDIS_URL` is set and in process memory otherwise. Redis is never a single point of
failure: when it stops answering, every operation falls back to the local store at once, /readyz
and the metrics report the degradation, and a background task reconnects with backoff.
"""

from veriflien.state.cache import (
    CACHEABLE_VERDICTS,
    NON_PUBLIC_VERDICTS,
    CachedCheck,
    ResultCache,
)
from veriflien.state.shared import LocalStore, RateDecision, SharedState

__all__ = [
    "CACHEABLE_VERDICTS",
    "NON_PUBLIC_VERDICTS",
    "CachedCheck",
    "LocalStore",
    "RateDecision",
    "ResultCache",
    "SharedState",
]
