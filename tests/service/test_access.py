"""Issue 7: API keys, anonymous policy, per-client rate limits, proxies, CORS, /readyz, /metrics.

All in process (aiohttp's test client connects from 127.0.0.1). Outside clients are simulated the
way they really arrive on a server behind a reverse proxy: through X-Forwarded-For from a listed
trusted proxy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from veriflien import cli
from veriflien.access import add_key, load_keys
from veriflien.app import create_app
from veriflien.settings import Settings, SettingsError, load

OK = "https://videos.example.com/ok"
OUTSIDE = {"X-Forwarded-For": "203.0.113.9"}


@pytest.fixture
def keyed(settings: Settings, tmp_path: Path) -> tuple[Settings, str]:
    path = tmp_path / "keys"
    key = add_key(path, "association-a")
    return settings.with_overrides(keys_file=str(path), trusted_proxies=["127.0.0.1/32"]), key


async def _client(aiohttp_client: Any, settings: Settings) -> Any:
    return await aiohttp_client(create_app(settings))


async def _post(client: Any, url: str = OK, **headers: str) -> Any:
    return await client.post("/api/v1/checks", json={"url": url}, headers=headers)


async def _assert_error(response: Any, status: int, code: str) -> dict:
    assert response.status == status
    assert response.content_type == "application/json"
    doc = await response.json()
    assert doc["error"]["code"] == code and doc["error"]["message"]
    return doc


async def test_outside_client_without_key_gets_401_with_challenge(aiohttp_client, keyed) -> None:
    client = await _client(aiohttp_client, keyed[0])
    response = await _post(client, **OUTSIDE)
    await _assert_error(response, 401, "key_required")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="veriflien"'


async def test_local_client_may_check_anonymously_by_default(api) -> None:
    doc = await api.check(OK)
    assert doc["verdict"]


async def test_anonymous_none_refuses_even_local(aiohttp_client, keyed) -> None:
    client = await _client(aiohttp_client, keyed[0].with_overrides(anonymous_checks="none"))
    await _assert_error(await _post(client), 401, "key_required")
    response = await _post(client, Authorization=f"Bearer {keyed[1]}")
    assert response.status == 200


async def test_anonymous_any_lets_outside_clients_in(aiohttp_client, keyed) -> None:
    client = await _client(aiohttp_client, keyed[0].with_overrides(anonymous_checks="any"))
    assert (await _post(client, **OUTSIDE)).status == 200


async def test_valid_key_from_outside_is_accepted(aiohttp_client, keyed) -> None:
    client = await _client(aiohttp_client, keyed[0])
    response = await _post(client, Authorization=f"Bearer {keyed[1]}", **OUTSIDE)
    assert response.status == 200
    assert (await response.json())["verdict"]


@pytest.mark.parametrize(
    "header",
    ["Bearer vl_000000000000_" + "A" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "],
)
async def test_invalid_key_is_401_even_when_anonymous_is_allowed(
    aiohttp_client, keyed, header
) -> None:
    client = await _client(aiohttp_client, keyed[0])
    response = await _post(client, Authorization=header)
    await _assert_error(response, 401, "invalid_key")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_wrong_secret_for_a_known_key_id_is_401(aiohttp_client, keyed) -> None:
    client = await _client(aiohttp_client, keyed[0])
    forged = keyed[1][:-4] + ("AAAA" if not keyed[1].endswith("AAAA") else "BBBB")
    await _assert_error(await _post(client, Authorization=f"Bearer {forged}"), 401, "invalid_key")


async def test_key_added_while_running_works_without_restart(aiohttp_client, keyed) -> None:
    settings, _ = keyed
    client = await _client(aiohttp_client, settings)
    later = add_key(settings.keys_file, "added-later")
    response = await _post(client, Authorization=f"Bearer {later}", **OUTSIDE)
    assert response.status == 200


async def test_forwarded_header_from_untrusted_peer_is_not_local(aiohttp_client, settings) -> None:
    # A local reverse proxy that nobody listed as trusted: its traffic must not pass as the
    # machine's own (that would make every visitor anonymous-local and unlimited).
    client = await _client(aiohttp_client, settings)
    await _assert_error(await _post(client, **OUTSIDE), 401, "key_required")


async def test_per_client_limit_is_429_with_retry_after(aiohttp_client, settings) -> None:
    limited = settings.with_overrides(
        anonymous_checks="any", trusted_proxies=["127.0.0.1/32"], rate_limit_per_client=2
    )
    client = await _client(aiohttp_client, limited)
    statuses = [(await _post(client, **OUTSIDE)).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = await _post(client, **OUTSIDE)
    await _assert_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another address has its own allowance; the machine's own calls are not counted.
    assert (await _post(client, **{"X-Forwarded-For": "198.51.100.4"})).status == 200
    assert [(await _post(client)).status for _ in range(3)] == [200] * 3


async def test_spoofed_forwarded_for_cannot_dodge_the_limit(aiohttp_client, settings) -> None:
    # The proxy appends the address it saw; whatever the client wrote before it is not believed.
    limited = settings.with_overrides(
        anonymous_checks="any", trusted_proxies=["127.0.0.1/32"], rate_limit_per_client=1
    )
    client = await _client(aiohttp_client, limited)
    assert (await _post(client, **{"X-Forwarded-For": "1.1.1.1, 203.0.113.9"})).status == 200
    response = await _post(client, **{"X-Forwarded-For": "8.8.8.8, 203.0.113.9"})
    assert response.status == 429


async def test_cors_preflight_and_response_for_extension_origin(aiohttp_client, keyed) -> None:
    client = await _client(aiohttp_client, keyed[0])
    origin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
    preflight = await client.options(
        "/api/v1/checks",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    response = await _post(client, Origin=origin, Authorization=f"Bearer {keyed[1]}")
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    # Error answers carry CORS headers too, or the extension could not read them.
    response = await _post(client, Origin=origin, **OUTSIDE)
    assert response.status == 401
    assert response.headers["Access-Control-Allow-Origin"] == origin


async def test_cors_refuses_other_origins(aiohttp_client, settings) -> None:
    client = await _client(aiohttp_client, settings)
    preflight = await client.options(
        "/api/v1/checks",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    await _assert_error(preflight, 403, "origin_not_allowed")
    response = await _post(client, Origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_readyz_without_redis_is_ready(api) -> None:
    status, doc = await api.request("GET", "/readyz")
    assert status == 200
    assert doc["dependencies"] == {"engine": "ok", "redis": "disabled", "selftest": "not_run"}


async def test_metrics_count_without_urls_addresses_or_keys(aiohttp_client, keyed) -> None:
    settings, key = keyed
    client = await _client(aiohttp_client, settings.with_overrides(rate_limit_per_client=1))
    await _post(client, "https://videos.example.com/gone?token=zz-secret-zz")
    await _post(client, "https://videos.example.com/gone?token=zz-secret-zz")
    await _post(client, "http://127.0.0.1/")  # refused by the gate
    await _post(client, Authorization=f"Bearer {key}", **OUTSIDE)
    await _post(client, Authorization="Bearer wrong")
    await _post(client, **{"X-Forwarded-For": "203.0.113.77"})  # no key: 401
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert 'veriflien_checks_total{verdict="removed"} 2.0' in text
    assert 'veriflien_cache_requests_total{result="hit"} 1.0' in text
    assert 'veriflien_gate_refusals_total{reason="loopback"} 1.0' in text
    assert "veriflien_auth_failures_total 1.0" in text
    assert 'veriflien_probe_duration_seconds_count{probe="fetch"' in text
    assert "veriflien_redis_degraded 0.0" in text
    for needle in ("videos.example", "zz-secret-zz", "203.0.113", "127.0.0.1", key, "association"):
        assert needle not in text


async def test_metrics_count_rate_limited_requests(aiohttp_client, settings) -> None:
    limited = settings.with_overrides(
        anonymous_checks="any", trusted_proxies=["127.0.0.1/32"], rate_limit_per_client=1
    )
    client = await _client(aiohttp_client, limited)
    for _ in range(3):
        await _post(client, "hello", **OUTSIDE)
    text = await (await client.get("/metrics")).text()
    assert 'veriflien_rate_limited_requests_total{scope="client"} 2.0' in text


async def test_metrics_refused_through_a_proxy_or_from_elsewhere(aiohttp_client, settings) -> None:
    client = await _client(aiohttp_client, settings)
    await _assert_error(await client.get("/metrics", headers=OUTSIDE), 403, "forbidden")
    closed = await _client(aiohttp_client, settings.with_overrides(metrics_networks=["10.0.0.0/8"]))
    await _assert_error(await closed.get("/metrics"), 403, "forbidden")


def test_keys_add_prints_the_key_once_and_stores_only_a_salted_hash(tmp_path, capsys) -> None:
    path = tmp_path / "keys"
    assert cli.main(["keys", "add", "helpline-paris", "--file", str(path)]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("vl_")
    text = path.read_text()
    assert "helpline-paris" in text and key not in text and key.split("_")[2] not in text
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert cli.main(["keys", "add", "second", "--file", str(path)]) == 0
    first, second = (entry.salt for entry in load_keys(path).values())
    assert first != second
    assert cli.main(["keys", "add", "helpline-paris", "--file", str(path)]) == 2
    assert cli.main(["keys", "add", "bad name", "--file", str(path)]) == 2


def test_keys_add_needs_a_file(monkeypatch) -> None:
    monkeypatch.delenv("VERIFLIEN_KEYS_FILE", raising=False)
    assert cli.main(["keys", "add", "someone"]) == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VERIFLIEN_ANONYMOUS_CHECKS", "sometimes"),
        ("VERIFLIEN_TRUSTED_PROXIES", "not-a-network"),
        ("VERIFLIEN_REDIS_URL", "http://redis:6379"),
        ("VERIFLIEN_CACHE_TTL", "-1"),
    ],
)
def test_bad_access_settings_are_refused(name, value) -> None:
    with pytest.raises(SettingsError, match=name):
        load({name: value})


def test_broken_keys_file_stops_start_up(tmp_path) -> None:
    path = tmp_path / "keys"
    path.write_text("only-a-name\n")
    with pytest.raises(ValueError, match="line 1"):
        create_app(Settings().with_overrides(keys_file=str(path)))
