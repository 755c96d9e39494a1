"""A probe's failure says whether it is a fact about the link or a defect of the service (issue 15).

What must hold: a probe that crashes (an exception nobody expected) costs the victim that probe's
evidence only: the check still answers 200 with a valid result, the probe's finding carries no
verdict weight (its evidence is unknown), its progress status is "error", the crash is logged at
error level and counted in /metrics (`veriflien_probe_defects_total{probe=...}`). A fact about the
link (here: the server refuses the connection) is a finding with its own meaning, status "failed",
nothing logged as an error and nothing counted as a defect.
"""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import aiohttp
import pytest

from fakes.platform import FAKE_ADDRESS
from veriflien.app import create_app
from veriflien.probes.fetch import FetchProbe
from veriflien.probes.page import PageProbe
from veriflien.settings import Settings

OK = "https://videos.example.com/ok"


async def _events(client: Any, url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The probe events and the final result of one streamed check."""
    response = await client.post(
        "/api/v1/checks", json={"url": url}, headers={"Accept": "text/event-stream"}
    )
    assert response.status == 200
    probes: list[dict[str, Any]] = []
    result: dict[str, Any] | None = None
    for block in (await response.text()).split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        data = json.loads(lines["data"]) if "data" in lines else None
        if lines.get("event") == "probe" or (data and data.get("event") == "probe"):
            probes.append(data)
        elif lines.get("event") == "result":
            result = data
    assert result is not None, "the stream ended without a result"
    return probes, result


async def _metrics(client: Any) -> str:
    """GET /metrics from a loopback address that is not the tests' reverse proxy."""
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"http://127.0.0.1:{client.port}/metrics") as response,
    ):
        assert response.status == 200
        return await response.text()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind((FAKE_ADDRESS, 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("probe_class", "name"), [(FetchProbe, "fetch"), (PageProbe, "page")])
async def test_a_crashing_probe_is_a_counted_defect_and_the_check_still_answers(
    aiohttp_client, settings: Settings, monkeypatch, caplog, probe_class: type, name: str
) -> None:
    async def crash(self: Any, ctx: Any) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(probe_class, "run", crash)
    caplog.set_level(logging.DEBUG)
    client = await aiohttp_client(create_app(settings))
    probes, result = await _events(client, OK)

    finished = [e for e in probes if e["probe"] == name and e["status"] != "started"]
    assert [e["status"] for e in finished] == ["error"]
    own = [f for f in result["findings"] if f["probe"] == name]
    assert [f["code"] for f in own] == ["probe_error"]
    assert "supports" not in own[0]  # its evidence is unknown, not a guess
    if name == "fetch":  # nothing else could be read: the answer is "unknown", never a 500
        assert result["verdict"] == "unknown"
    crashes = [r for r in caplog.records if r.getMessage() == "probe crashed"]
    assert crashes and all(r.levelno == logging.ERROR for r in crashes)
    assert f'veriflien_probe_defects_total{{probe="{name}"}} 1.0' in await _metrics(client)

    await _events(client, OK)  # counted per crash
    assert f'veriflien_probe_defects_total{{probe="{name}"}} 2.0' in await _metrics(client)


async def test_a_fact_about_the_link_is_a_finding_not_a_defect(
    aiohttp_client, settings: Settings, caplog
) -> None:
    port = _closed_port()  # the fake platform's address, where nothing listens on this port
    settings = settings.with_overrides(
        allowed_ports=[*settings.allowed_ports, str(port)],
        resolve=[*settings.resolve, f"videos.example.com:{port}:{FAKE_ADDRESS}:{port}"],
    )
    caplog.set_level(logging.DEBUG)
    client = await aiohttp_client(create_app(settings))
    probes, result = await _events(client, f"https://videos.example.com:{port}/ok")

    fetch = [e for e in probes if e["probe"] == "fetch" and e["status"] != "started"]
    assert [e["status"] for e in fetch] == ["failed"]
    assert result["verdict"] == "unreachable"
    assert any(
        f["probe"] == "fetch" and f["code"] == "connect" and f["supports"] == "unreachable"
        for f in result["findings"]
    ), result["findings"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "veriflien_probe_defects_total{" not in await _metrics(client)


async def test_a_bug_inside_the_page_analysis_is_counted_not_hidden_as_an_unreadable_page(
    aiohttp_client, settings: Settings, monkeypatch, caplog
) -> None:
    # The analysis has a last resort (the page is "unreadable", the check goes on), which once
    # hid a bug that made every page unreadable: the bug must also be logged and counted.
    from veriflien.probes.page import analysis

    def broken_scan(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyError("a bug of ours")
        yield  # a generator, as scan is

    monkeypatch.setattr(analysis, "scan", broken_scan)
    caplog.set_level(logging.DEBUG)
    client = await aiohttp_client(create_app(settings))
    probes, result = await _events(client, OK)

    page = [e for e in probes if e["probe"] == "page" and e["status"] != "started"]
    assert [e["status"] for e in page] == ["error"]
    codes = [f["code"] for f in result["findings"] if f["probe"] == "page"]
    assert "page_unreadable" in codes and "probe_error" in codes
    crashes = [r for r in caplog.records if r.getMessage() == "probe crashed"]
    assert crashes and all(r.levelno == logging.ERROR for r in crashes)
    assert 'veriflien_probe_defects_total{probe="page"} 1.0' in await _metrics(client)
