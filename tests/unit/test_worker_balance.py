"""How workers share new connections (workers.Balance): the least loaded live worker takes them.

A connection stays with the worker that accepted it for as long as the client keeps it open, so a
lopsided split at accept time makes one core do most of the work. These tests pin the rule each
worker applies before accepting; tests/service/test_workers.py runs the real processes.
"""

from __future__ import annotations

import pytest

from veriflien import workers
from veriflien.workers import BALANCE_SLACK, STALE_SECONDS, Balance


def test_a_worker_alone_always_accepts() -> None:
    balance = Balance(4)
    balance.publish(0, 500)
    assert balance.may_accept(0, 500)


def test_a_worker_over_its_share_lets_the_least_loaded_take_the_connection() -> None:
    balance = Balance(4)
    balance.publish(0, 10)
    balance.publish(1, 10 + BALANCE_SLACK + 1)
    balance.publish(2, 12)
    assert not balance.may_accept(1, 10 + BALANCE_SLACK + 1)
    assert balance.may_accept(1, 10 + BALANCE_SLACK)
    assert balance.may_accept(0, 10)  # the least loaded always accepts: nobody waits forever


def test_a_stopping_worker_no_longer_counts() -> None:
    balance = Balance(4)
    balance.publish(0, 0)  # idle, about to stop
    balance.publish(1, 20)
    assert not balance.may_accept(1, 20)
    balance.free(0)  # it stopped accepting: it must not hold the others back
    assert balance.may_accept(1, 20)


def test_a_silent_worker_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    balance = Balance(4)
    balance.publish(0, 0)
    balance.publish(1, 20)
    assert not balance.may_accept(1, 20)
    later = workers.time.monotonic() + STALE_SECONDS + 0.1
    monkeypatch.setattr(workers.time, "monotonic", lambda: later)
    # Worker 0 has not published since: busy in a long analysis, or dead.
    assert balance.may_accept(1, 20)
