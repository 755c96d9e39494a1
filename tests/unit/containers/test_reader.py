"""The byte budget and the prefix semantics every parser relies on."""

from __future__ import annotations

import asyncio

import pytest

from veriflien.containers import BudgetExceeded, BytesRangeReader, RangeReader, RangeUnavailable


def test_reader_counts_bytes_and_enforces_the_budget():
    reader = BytesRangeReader(b"x" * 1000, budget=100)
    assert isinstance(reader, RangeReader)
    assert asyncio.run(reader.read(0, 60)) == b"x" * 60
    assert reader.bytes_read == 60
    with pytest.raises(BudgetExceeded):
        asyncio.run(reader.read(100, 60))
    assert reader.bytes_read == 60


def test_truncated_upload_returns_short_reads_at_eof():
    reader = BytesRangeReader(b"abcdef")  # the server has exactly these bytes
    assert reader.total == 6
    assert asyncio.run(reader.read(4, 10)) == b"ef"
    assert asyncio.run(reader.read(10, 10)) == b""
    assert reader.bytes_read == 2


def test_prefix_of_a_longer_file_refuses_to_invent_bytes():
    reader = BytesRangeReader(b"abcdef", total=10_000)
    assert asyncio.run(reader.read(0, 6)) == b"abcdef"
    with pytest.raises(RangeUnavailable):
        asyncio.run(reader.read(5, 10))
