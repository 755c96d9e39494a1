"""Connection and TLS session reuse across checks, and why it never weakens the address policy.

Reuse is what makes a second check on the same platform cheaper (no TCP or TLS handshake, or a
resumed one). The tests below pin the rules: reuse only for the same (host, port, TLS); the policy
applied to every connection a request is sent on, pooled ones included; a TLS session offered only
to the host name and port that issued it; the canary still sees nothing with a warm pool.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from fakes.platform import FAKE_ADDRESS, html, scenario
from veriflien.app import create_app
from veriflien.net import Gate, Refused
from veriflien.settings import Settings

OTHER_PORT = 8443  # a second port pinned to the very same fake server


@scenario("videos.example.com", "/reuse/*")
@scenario("www.youtube.com", "/reuse/*")
async def _page(request: web.Request) -> web.Response:
    return html("<p>reuse</p>")


@pytest.fixture
def reuse_settings(settings: Settings, fake_platform) -> Settings:
    return settings.with_overrides(
        allowed_ports=[*settings.allowed_ports, str(OTHER_PORT)],
        resolve=[
            *settings.resolve,
            f"videos.example.com:{OTHER_PORT}:{FAKE_ADDRESS}:{fake_platform.https_port}",
        ],
    )


@pytest.fixture
async def gate(reuse_settings: Settings) -> AsyncIterator[Gate]:
    gate = Gate(reuse_settings)
    # Resumption on even where the runtime leaks a little memory per session read (see
    # RESUMPTION_SAFE): these tests check which sessions may be offered where.
    await gate.start(tls_resumption=True)
    try:
        yield gate
    finally:
        await gate.close()


def new_connections(gate: Gate) -> int:
    return sum(gate.connection_counts.values())


async def test_checks_on_the_same_host_share_one_connection(gate: Gate) -> None:
    for n in range(5):  # as five checks would: each with its own scope
        response = await gate.fetch(f"https://videos.example.com/reuse/{n}", gate.new_scope())
        assert response.status == 200
    assert gate.connection_counts == {"plain": 0, "tls_full": 1, "tls_resumed": 0}


async def test_a_connection_is_reused_only_for_the_same_host_port_and_tls(gate: Gate) -> None:
    # Four destinations served by one server at one address: each gets its own connection.
    for url in (
        "https://videos.example.com/reuse/a",
        "https://www.youtube.com/reuse/a",  # another name, same address and port
        f"https://videos.example.com:{OTHER_PORT}/reuse/a",  # another port, same server
        "http://videos.example.com/reuse/a",  # no TLS
    ):
        before = new_connections(gate)
        await gate.fetch(url, gate.new_scope())
        assert new_connections(gate) == before + 1, url
        await gate.fetch(url.replace("/a", "/b"), gate.new_scope())
        assert new_connections(gate) == before + 1, f"{url}: not reused"


async def test_a_pooled_connection_is_not_used_once_its_address_is_refused(
    gate: Gate, fake_platform
) -> None:
    await gate.fetch("https://videos.example.com/reuse/warm", gate.new_scope())
    # The lab exemption for the fake's address is withdrawn while a connection to it is pooled:
    # the next request on that pooled connection must be refused, and the fake must see nothing.
    allowed = gate.policy.allow_networks
    gate.policy.allow_networks = ()
    try:
        with pytest.raises(Refused) as info:
            await gate.fetch("https://videos.example.com/reuse/after", gate.new_scope())
    finally:
        gate.policy.allow_networks = allowed
    assert info.value.reason == "loopback"
    assert fake_platform.count("videos.example.com", "/reuse/after") == 0
    # The connection was dropped, not returned to the pool: the next request dials again.
    before = new_connections(gate)
    await gate.fetch("https://videos.example.com/reuse/again", gate.new_scope())
    assert new_connections(gate) == before + 1


async def test_a_warm_pool_never_carries_a_request_to_the_canary(
    aiohttp_client, reuse_settings: Settings, canary
) -> None:
    pinned = reuse_settings.with_overrides(
        resolve=[*reuse_settings.resolve, f"canary.test:{canary.port}:127.0.0.1"]
    )
    client = await aiohttp_client(create_app(pinned))

    async def check(url: str) -> dict:
        response = await client.post("/api/v1/checks", json={"url": url})
        assert response.status == 200
        return await response.json()

    assert (await check("https://videos.example.com/reuse/warm"))["verdict"] != "refused"
    for url in (
        "https://videos.example.com/to-canary",  # the warm host redirects to the canary
        "https://videos.example.com/meta-to-canary",
        f"http://127.0.0.1:{canary.port}/",
        f"http://canary.test:{canary.port}/",
        f"http://[::ffff:127.0.0.1]:{canary.port}/",
    ):
        doc = await check(url)
        assert doc["verdict"] == "refused", (url, doc["findings"])
    assert canary.hits == []
    assert canary.connections == []


async def test_tls_sessions_are_resumed_only_by_the_host_and_port_that_issued_them(
    gate: Gate,
) -> None:
    close = {"Connection": "close"}  # every request below needs a new connection

    async def fetch(url: str) -> None:
        response = await gate.fetch(url, gate.new_scope(), headers=close)
        assert response.status == 200

    await fetch("https://videos.example.com/reuse/1")
    await fetch("https://videos.example.com/reuse/2")
    await fetch("https://videos.example.com/reuse/3")
    assert gate.connection_counts == {"plain": 0, "tls_full": 1, "tls_resumed": 2}
    # The fake serves every name and port with one TLS context, so it WOULD resume a session
    # offered by another name or port: a full handshake here means none was offered.
    await fetch("https://www.youtube.com/reuse/1")
    await fetch(f"https://videos.example.com:{OTHER_PORT}/reuse/1")
    assert gate.connection_counts == {"plain": 0, "tls_full": 3, "tls_resumed": 2}
    await fetch("https://www.youtube.com/reuse/2")
    assert gate.connection_counts == {"plain": 0, "tls_full": 3, "tls_resumed": 3}


async def test_resumption_is_on_by_default_only_where_reading_a_session_does_not_leak(
    reuse_settings: Settings,
) -> None:
    gate = Gate(reuse_settings)
    await gate.start()
    try:
        for n in range(3):
            await gate.fetch(
                f"https://videos.example.com/reuse/{n}",
                gate.new_scope(),
                headers={"Connection": "close"},
            )
        resumed = 2 if sys.version_info >= (3, 12, 7) else 0  # python/cpython#116810
        assert gate.connection_counts == {
            "plain": 0,
            "tls_full": 3 - resumed,
            "tls_resumed": resumed,
        }
    finally:
        await gate.close()


async def test_without_resumption_every_connection_is_a_full_handshake(
    reuse_settings: Settings,
) -> None:
    gate = Gate(reuse_settings)
    await gate.start(tls_resumption=False)
    try:
        for n in range(3):
            await gate.fetch(
                f"https://videos.example.com/reuse/{n}",
                gate.new_scope(),
                headers={"Connection": "close"},
            )
        assert gate.connection_counts == {"plain": 0, "tls_full": 3, "tls_resumed": 0}
    finally:
        await gate.close()


async def test_metrics_show_how_many_connections_checks_opened(
    aiohttp_client, reuse_settings: Settings
) -> None:
    client = await aiohttp_client(create_app(reuse_settings))
    await client.post("/api/v1/checks", json={"url": "https://videos.example.com/reuse/m1"})
    text = await (await client.get("/metrics")).text()
    assert 'veriflien_gate_connections_total{kind="tls_full"} 1.0' in text
    await client.post("/api/v1/checks", json={"url": "https://videos.example.com/reuse/m2"})
    text = await (await client.get("/metrics")).text()
    assert 'veriflien_gate_connections_total{kind="tls_full"} 1.0' in text  # reused, none new
