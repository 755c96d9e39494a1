"""The process-memory store (the cache without Redis) stays within its bounds.

Without Redis every worker keeps its answers in memory: a flood of distinct links, or a few very
large answers, must not grow the process without limit (README: Load run, "RSS per worker").
"""

from __future__ import annotations

from veriflien.state.shared import LocalStore


def test_entries_beyond_the_count_bound_drop_the_least_recently_used() -> None:
    store = LocalStore(max_entries=3, max_bytes=10_000)
    for name in "abc":
        store.set(name, b"x" * 10, ttl=60)
    assert store.get("a") == b"x" * 10  # "a" used again: "b" is now the oldest
    store.set("d", b"y" * 10, ttl=60)
    assert store.get("b") is None
    assert [store.get(n) is not None for n in "acd"] == [True, True, True]
    assert store.value_bytes == 30


def test_large_values_are_bounded_by_their_bytes_whatever_their_count() -> None:
    store = LocalStore(max_entries=10_000, max_bytes=1_000)
    for n in range(50):
        store.set(f"k{n}", b"z" * 300, ttl=60)
        assert store.value_bytes <= 1_000
    assert store.get("k49") == b"z" * 300 and store.get("k46") is None


def test_replacing_and_expiring_values_keep_the_byte_count_true() -> None:
    now = [0.0]
    store = LocalStore(max_entries=10, max_bytes=1_000)
    store.clock = lambda: now[0]
    store.set("a", b"1" * 100, ttl=10)
    store.set("a", b"2" * 40, ttl=10)  # replaced, not added
    assert store.value_bytes == 40
    now[0] = 11.0
    assert store.get("a") is None  # expired on read
    assert store.value_bytes == 0
    store.set("b", b"3" * 999, ttl=10)
    store.set("c", b"4" * 2_000, ttl=10)  # alone above the bound: kept by nobody
    assert store.get("b") is None and store.get("c") is None and store.value_bytes == 0
