"""Issue 7: API keys, anonymous policy, per-client rate limits, proxies, CORS, /readyz, /metrics.

All in process (aiohttp's test client connects from 127.0.0.1). Outside clients are simulated the
way they really arrive on a server behind a reverse proxy: through X-Forwarded-For from a listed
trusted proxy.
"""

from __future__ import annotations

import os
import re
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
    # Another address has its own allowance.
    assert (await _post(client, **{"X-Forwarded-For": "198.51.100.4"})).status == 200


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
    assert doc["dependencies"]["engine"] == "ok"
    assert doc["dependencies"]["redis"] == "disabled"


async def _scrape(client: Any) -> Any:
    """GET /metrics as a monitoring agent on this machine does: from a loopback address that is
    not the one listed as the reverse proxy (127.0.0.1 in these tests)."""
    import aiohttp

    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        response = await session.get(client.make_url("/metrics"))
        await response.read()
        return response


async def test_metrics_count_without_urls_addresses_or_keys(aiohttp_client, keyed) -> None:
    settings, key = keyed
    client = await _client(aiohttp_client, settings.with_overrides(rate_limit_per_client=1))
    auth = {"Authorization": f"Bearer {key}"}
    await _post(client, "https://videos.example.com/gone?token=zz-secret-zz", **auth)
    await _post(client, "https://videos.example.com/gone?token=zz-secret-zz", **auth)
    await _post(client, "http://127.0.0.1/", **auth)  # refused by the gate
    await _post(client, Authorization=f"Bearer {key}", **OUTSIDE)
    await _post(client, Authorization="Bearer wrong")
    await _post(client, **{"X-Forwarded-For": "203.0.113.77"})  # no key: 401
    response = await _scrape(client)
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = (await response.read()).decode()
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
    text = (await (await _scrape(client)).read()).decode()
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
    assert "helpline-paris" in text and key not in text and key.split("_", 2)[2] not in text
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


# --- issue 13, items 4 to 8: what an attacker reviewing the running service found -------------


def _public(settings: Settings, **changes: Any) -> Settings:
    """A public instance behind a reverse proxy on this machine (127.0.0.1), as deployed."""
    base = {"anonymous_checks": "any", "trusted_proxies": ["127.0.0.1/32"]}
    return settings.with_overrides(**{**base, **changes})


async def _statuses(client: Any, forwarded: list[str]) -> list[int]:
    return [(await _post(client, "hello", **{"X-Forwarded-For": f})).status for f in forwarded]


async def test_ipv6_client_cannot_dodge_the_limit_by_changing_its_address_in_its_64(
    aiohttp_client, settings
) -> None:
    # Item 4: an IPv6 client holds a whole /64 (2**64 addresses); counting each /128 on its own
    # gave it as many allowances as it cared to use.
    client = await _client(aiohttp_client, _public(settings, rate_limit_per_client=2))
    same_64 = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"]
    assert await _statuses(client, same_64) == [200, 200, 429]
    assert await _statuses(client, ["2001:db8:1:3::1"]) == [200]  # the next /64: someone else


async def test_ipv6_grouping_prefix_is_configurable(aiohttp_client, settings) -> None:
    per_56 = await _client(
        aiohttp_client, _public(settings, rate_limit_per_client=1, rate_limit_ipv6_prefix=56)
    )
    assert await _statuses(per_56, ["2001:db8:1:200::1", "2001:db8:1:2ff::1"]) == [200, 429]
    per_128 = await _client(
        aiohttp_client, _public(settings, rate_limit_per_client=1, rate_limit_ipv6_prefix=128)
    )
    assert await _statuses(per_128, ["2001:db8:1:2::1", "2001:db8:1:2::2"]) == [200, 200]


@pytest.mark.parametrize("value", ["0", "8", "129", "-64"])
def test_ipv6_prefix_out_of_range_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="VERIFLIEN_RATE_LIMIT_IPV6_PREFIX"):
        load({"VERIFLIEN_RATE_LIMIT_IPV6_PREFIX": value})


async def test_local_reverse_proxy_without_forwarding_header_does_not_make_visitors_local(
    aiohttp_client, settings
) -> None:
    # Item 5: nginx's default `proxy_pass` adds no X-Forwarded-For. Every visitor then arrived
    # from 127.0.0.1 with no header, exactly like the operator's own curl: no key, no limit,
    # /metrics served. A loopback address listed as a proxy is never the machine itself.
    behind_nginx = settings.with_overrides(trusted_proxies=["127.0.0.1/32"])
    client = await _client(aiohttp_client, behind_nginx)
    await _assert_error(await _post(client), 401, "key_required")
    await _assert_error(await client.get("/metrics"), 403, "forbidden")


@pytest.mark.parametrize(
    "header", ["CF-Connecting-IP", "True-Client-IP", "X-Client-IP", "Fastly-Client-IP", "Via"]
)
async def test_proxy_naming_the_client_in_another_header_does_not_make_it_local(
    aiohttp_client, settings, header: str
) -> None:
    client = await _client(aiohttp_client, settings)  # the proxy is not listed as trusted
    await _assert_error(await _post(client, **{header: "203.0.113.9"}), 401, "key_required")
    await _assert_error(await client.get("/metrics", headers={header: "x"}), 403, "forbidden")


async def test_local_callers_are_rate_limited_unless_the_operator_says_otherwise(
    aiohttp_client, settings
) -> None:
    # Item 5: a proxy nobody listed and that adds no header looks local; being local no longer
    # means being unlimited, so the mistake costs one shared allowance, not an open service.
    client = await _client(aiohttp_client, settings.with_overrides(rate_limit_per_client=2))
    assert [(await _post(client, "hello")).status for _ in range(3)] == [200, 200, 429]
    unlimited = await _client(
        aiohttp_client, settings.with_overrides(rate_limit_per_client=2, rate_limit_local=False)
    )
    assert [(await _post(unlimited, "hello")).status for _ in range(3)] == [200] * 3


async def test_forwarded_for_with_ports_and_brackets_counts_each_real_client(
    aiohttp_client, settings
) -> None:
    # Item 6: "1.2.3.4:5555" and "[v6]" were unreadable and fell back to the proxy's own counter,
    # one allowance shared by every visitor (a denial of service on everyone else).
    client = await _client(aiohttp_client, _public(settings, rate_limit_per_client=1))
    different = ["203.0.113.9:5555", "198.51.100.4:443", "[2001:db8::1]", "[2001:db8:9::1]:8443"]
    assert await _statuses(client, different) == [200] * 4
    # The same clients again, written another way: each has used its allowance.
    again = ["203.0.113.9", "198.51.100.4:1", "2001:db8::1", "[2001:db8:9::1]"]
    assert await _statuses(client, again) == [429] * 4


@pytest.mark.parametrize(
    "forwarded", ["unknown", "garbage", "1.2.3.4.5", "[2001:db8::1", "1.2.3.4:99999", "_hidden"]
)
async def test_unreadable_forwarded_for_from_a_trusted_proxy_is_a_400(
    aiohttp_client, settings, forwarded: str
) -> None:
    client = await _client(aiohttp_client, _public(settings))
    response = await _post(client, "hello", **{"X-Forwarded-For": forwarded})
    await _assert_error(response, 400, "invalid_forwarded_for")


async def test_forwarded_for_split_over_two_header_lines_cannot_be_spoofed(
    aiohttp_client, settings
) -> None:
    # A proxy may append its own X-Forwarded-For line after the client's instead of extending
    # it; reading only the first line believed the client's own claim.
    client = await _client(aiohttp_client, _public(settings, rate_limit_per_client=1))
    statuses = []
    for spoofed in ("1.1.1.1", "8.8.8.8"):
        headers = [("X-Forwarded-For", spoofed), ("X-Forwarded-For", "203.0.113.9")]
        response = await client.post("/api/v1/checks", json={"url": "hello"}, headers=headers)
        statuses.append(response.status)
    assert statuses == [200, 429]


@pytest.fixture
def scrypt_runs(monkeypatch) -> list[int]:
    from veriflien import access

    runs: list[int] = []
    real = access._scrypt

    def counting(secret: str, salt: bytes) -> bytes:
        runs.append(1)
        return real(secret, salt)

    monkeypatch.setattr(access, "_scrypt", counting)
    return runs


async def test_guessing_secrets_for_a_known_key_id_is_limited_before_hashing(
    aiohttp_client, keyed, scrypt_runs
) -> None:
    # Item 8: each guess for a known key id cost a scrypt (about 50 ms and 16 MiB), unthrottled.
    settings, key = keyed
    client = await _client(aiohttp_client, settings.with_overrides(key_attempts_per_client=3))
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    statuses = [
        (await _post(client, Authorization=f"Bearer {forged}", **OUTSIDE)).status for _ in range(8)
    ]
    assert statuses == [401] * 3 + [429] * 5
    assert len(scrypt_runs) == 3
    response = await _post(client, Authorization=f"Bearer {forged}", **OUTSIDE)
    await _assert_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Someone else, from another address, is not affected.
    other = {"X-Forwarded-For": "198.51.100.4"}
    assert (await _post(client, Authorization=f"Bearer {key}", **other)).status == 200


async def test_valid_key_is_verified_once_then_again_after_a_short_while(
    aiohttp_client, keyed, scrypt_runs
) -> None:
    from veriflien import access
    from veriflien.appkeys import ACCESS

    settings, key = keyed
    app = create_app(settings)
    client = await aiohttp_client(app)
    for _ in range(4):
        assert (await _post(client, Authorization=f"Bearer {key}", **OUTSIDE)).status == 200
    assert len(scrypt_runs) == 1
    # The remembered verification expires: a key cannot stay trusted from memory indefinitely.
    keys = app[ACCESS].keys
    real = keys.clock
    keys.clock = lambda: real() + access.KEY_MEMORY_SECONDS + 1
    assert (await _post(client, Authorization=f"Bearer {key}", **OUTSIDE)).status == 200
    assert len(scrypt_runs) == 2


# --- item 7: DNS rebinding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/checks"), ("GET", "/"), ("GET", "/metrics"), ("GET", "/healthz")],
)
async def test_dns_rebinding_host_name_is_refused_with_421(
    aiohttp_client, settings, fake_platform, method: str, path: str
) -> None:
    # A page on rebind.attacker.example whose name now resolves to 127.0.0.1: the browser sends
    # the attacker's name as Host, and the page may read the answers (same origin for it).
    client = await _client(aiohttp_client, settings)
    before = len(fake_platform.requests)
    response = await client.request(
        method,
        path,
        json={"url": "https://videos.example.com/ok"} if method == "POST" else None,
        headers={"Host": f"rebind.attacker.example:{client.port}"},
    )
    await _assert_error(response, 421, "unknown_host")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert len(fake_platform.requests) == before  # no check ran


@pytest.mark.parametrize(
    ("allowed", "host", "status"),
    [
        ([], "localhost:8080", 200),
        ([], "LOCALHOST.", 200),
        ([], "127.0.0.1", 200),
        ([], "[::1]:8080", 200),
        ([], "[::1]x8080", 421),
        ([], "localhost:http", 421),
        ([], "127.0.0.2:8080", 421),
        ([], "localhost.attacker.example", 421),
        (["verif.example.org"], "verif.example.org", 200),
        (["verif.example.org"], "localhost:8080", 421),  # the list replaces the defaults
        (["*.example.org"], "a.b.example.org:443", 200),
        (["*.example.org"], "example.org", 421),
        (["*.example.org"], "evilexample.org", 421),
        (["10.0.0.0/8"], "10.1.2.3:8080", 200),  # a pod address: Kubernetes probes, Prometheus
        (["10.0.0.0/8"], "10.example.org", 421),
    ],
)
async def test_allowed_hosts_setting_decides_which_host_names_are_answered(
    aiohttp_client, settings, allowed: list[str], host: str, status: int
) -> None:
    chosen = settings.with_overrides(allowed_hosts=allowed) if allowed else settings
    client = await _client(aiohttp_client, chosen)
    response = await client.get("/healthz", headers={"Host": host})
    assert response.status == status, await response.text()


async def test_listen_address_is_always_an_allowed_host(aiohttp_client, settings) -> None:
    on_lan = settings.with_overrides(host="192.168.1.20", allowed_hosts=["verif.example.org"])
    client = await _client(aiohttp_client, on_lan)
    assert (await client.get("/healthz", headers={"Host": "192.168.1.20:8080"})).status == 200


async def test_request_without_host_is_400_in_http_1_1_and_answered_in_http_1_0(
    aiohttp_client, settings
) -> None:
    import asyncio

    client = await _client(aiohttp_client, settings)

    async def raw(request_line: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
        writer.write(request_line + b"\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer

    # (aiohttp's parser refuses it before any handler; the access middleware would too.)
    assert re.match(rb"HTTP/1\.[01] 400 ", await raw(b"GET /healthz HTTP/1.1"))
    # HTTP/1.0 had no Host; a browser never sends it, so it cannot be a rebinding page.
    assert (await raw(b"GET /healthz HTTP/1.0")).startswith(b"HTTP/1.0 200")


@pytest.mark.parametrize("value", ["verif.example.org:443", "10.0.0.0/33", "a b", "*"])
def test_bad_allowed_hosts_are_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="VERIFLIEN_ALLOWED_HOSTS"):
        load({"VERIFLIEN_ALLOWED_HOSTS": value})
