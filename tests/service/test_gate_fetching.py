"""The gate against the fake platform: redirects, refresh hops, loops, caps and timeouts."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest
from aiohttp import web

from fakes.platform import scenario
from veriflien.app import create_app
from veriflien.net import BudgetExhausted, Gate, Unreachable


async def test_redirect_chain_is_followed_and_recorded(api) -> None:
    doc = await api.check("https://videos.example.com/chain/5")
    assert doc["final_url"] == "https://videos.example.com/chain/0"
    assert [r["url"].rsplit("/", 1)[1] for r in doc["redirects"]] == ["5", "4", "3", "2", "1"]
    assert {r["status"] for r in doc["redirects"]} <= {301, 302, 303, 307, 308}
    assert doc["verdict"] not in {"unreachable", "refused"}


async def test_more_than_ten_hops_stops(api) -> None:
    doc = await api.check("https://videos.example.com/chain/50")
    assert doc["verdict"] == "unreachable"
    assert any(f["code"] == "too_many_redirects" for f in doc["findings"])


async def test_redirect_loop_is_detected(api) -> None:
    doc = await api.check("https://videos.example.com/loop-a")
    assert doc["verdict"] == "unreachable"
    assert any(f["code"] == "redirect_loop" for f in doc["findings"])


async def test_meta_refresh_and_refresh_header_are_hops(api) -> None:
    for path, via in (("/meta-refresh", "meta-refresh"), ("/refresh-header", "refresh-header")):
        doc = await api.check(f"https://videos.example.com{path}")
        assert doc["final_url"] == "https://videos.example.com/ok"
        assert doc["redirects"][0]["via"] == via


async def test_shortener_is_resolved(api) -> None:
    doc = await api.check("https://bit.ly/short-ok")
    assert doc["final_url"] == "https://videos.example.com/ok"
    assert doc["redirects"][0]["status"] == 301


async def test_every_html_document_is_fingerprinted(api) -> None:
    doc = await api.check("https://bit.ly/short-ok")
    assert [d["status"] for d in doc["documents"]][:2] == [301, 200]
    html_docs = [d for d in doc["documents"] if d["content_type"] == "text/html"]
    assert html_docs and all(len(d["sha256"]) == 64 for d in html_docs)
    assert doc["server_address"] == "127.0.0.2"


async def test_http_410_means_removed(api) -> None:
    doc = await api.check("https://videos.example.com/gone")
    assert doc["verdict"] == "removed"


async def test_unknown_host_is_unreachable_with_a_reason(api) -> None:
    doc = await api.check("https://no-such-host.invalid/video")
    assert doc["verdict"] == "unreachable"
    assert any(f["code"] == "dns" for f in doc["findings"])


async def test_untrusted_certificate_is_unreachable(aiohttp_client, settings) -> None:
    # Without the test CA, the fake platform's certificate is not trusted: TLS is always verified.
    client = await aiohttp_client(create_app(settings.with_overrides(ca_bundle="")))
    response = await client.post("/api/v1/checks", json={"url": "https://videos.example.com/ok"})
    doc = await response.json()
    assert doc["verdict"] == "unreachable"
    assert any(f["code"] == "tls_certificate" for f in doc["findings"])


@pytest.mark.parametrize("path", ["/slow", "/silent"])
async def test_slow_and_silent_servers_end_within_the_deadline(settings, path) -> None:
    gate = Gate(settings.with_overrides(check_deadline=1.5, read_timeout=0.5))
    await gate.start()
    try:
        scope = gate.new_scope()
        with pytest.raises(Unreachable) as info:
            await gate.fetch("https://videos.example.com" + path, scope)
        assert info.value.reason in {"timeout", "deadline"}
    finally:
        await gate.close()


async def test_slow_drip_is_stopped_by_the_check_deadline(api, settings) -> None:
    # One byte per second never trips the read timeout; the per-check deadline ends it.
    doc = await api.check("https://videos.example.com/slow")
    assert doc["verdict"] == "unreachable"
    assert any(f["code"] in {"deadline", "timeout"} for f in doc["findings"])
    assert doc["duration_ms"] <= (settings.check_deadline + 1.5) * 1000


async def test_endless_body_is_capped(settings) -> None:
    gate = Gate(settings.with_overrides(max_response_bytes=100_000))
    await gate.start()
    try:
        scope = gate.new_scope()
        response = await gate.fetch("https://videos.example.com/endless", scope)
        assert response.truncated
        assert len(response.body) == 100_000
        assert settings.max_check_bytes - scope.bytes_left < 200_000
    finally:
        await gate.close()


async def test_gzip_bomb_is_decoded_only_up_to_the_cap(settings) -> None:
    gate = Gate(settings.with_overrides(max_response_bytes=1_000_000))
    await gate.start()
    try:
        response = await gate.fetch("https://videos.example.com/gzip-bomb", gate.new_scope())
        assert response.truncated
        assert len(response.body) == 1_000_000
    finally:
        await gate.close()


async def test_per_check_byte_budget_stops_further_requests(settings) -> None:
    gate = Gate(settings.with_overrides(max_check_bytes=150_000, max_response_bytes=100_000))
    await gate.start()
    try:
        scope = gate.new_scope()
        await gate.fetch("https://videos.example.com/endless", scope)
        await gate.fetch("https://videos.example.com/endless", scope)  # gets what is left
        with pytest.raises(BudgetExhausted) as info:
            await gate.fetch("https://videos.example.com/endless", scope)
        assert info.value.reason == "byte_budget"
        assert info.value.kind == "unreachable"
    finally:
        await gate.close()


seen_headers: dict[str, str] = {}


@scenario("videos.example.com", "/headers")
async def _headers(request: web.Request) -> web.Response:
    seen_headers.clear()
    seen_headers.update(request.headers)
    return web.Response(text="ok", headers={"Set-Cookie": "tracker=1; Path=/"})


async def test_no_cookie_no_referer_and_an_honest_user_agent(settings) -> None:
    gate = Gate(settings)
    await gate.start()
    try:
        scope = gate.new_scope()
        await gate.fetch(
            "https://videos.example.com/headers",
            scope,
            headers={"Referer": "https://victim.example/", "Cookie": "a=b"},
        )
        await gate.fetch("https://videos.example.com/headers", scope)  # after a Set-Cookie
    finally:
        await gate.close()
    assert "Cookie" not in seen_headers
    assert "Referer" not in seen_headers
    assert seen_headers["User-Agent"].startswith("VerifLien/")


async def test_concurrent_checks_do_not_block_each_other(aiohttp_client, settings) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(check_deadline=2.0)))
    slow = asyncio.create_task(
        client.post("/api/v1/checks", json={"url": "https://videos.example.com/silent"})
    )
    await asyncio.sleep(0.2)
    fast = await client.post("/api/v1/checks", json={"url": "https://videos.example.com/ok"})
    assert (await fast.json())["verdict"] != "unreachable"
    assert not slow.done()  # the silent server is still holding its own check
    assert (await (await slow).json())["verdict"] == "unreachable"


async def test_per_check_request_budget_stops_a_request_flood(settings) -> None:
    gate = Gate(settings.with_overrides(max_requests_per_check=3))
    await gate.start()
    try:
        scope = gate.new_scope()
        for _ in range(3):
            await gate.fetch("https://videos.example.com/ok", scope)
        with pytest.raises(BudgetExhausted) as info:
            await gate.fetch("https://videos.example.com/ok", scope)
        assert info.value.reason == "request_budget"
        # A new check starts with a fresh budget.
        await gate.fetch("https://videos.example.com/ok", gate.new_scope())
    finally:
        await gate.close()


# ---- the consent answer: the only cookie, and only for its platform -----------------------------

_SEEN_COOKIES: list[tuple[str, str]] = []


@scenario("www.youtube.com", "/to-elsewhere")
async def _youtube_to_elsewhere(request: web.Request) -> web.Response:
    _SEEN_COOKIES.append(("www.youtube.com", request.headers.get("Cookie", "")))
    return web.Response(status=302, headers={"Location": "https://videos.example.com/cookie-echo"})


@scenario("videos.example.com", "/cookie-echo")
async def _cookie_echo(request: web.Request) -> web.Response:
    _SEEN_COOKIES.append(("videos.example.com", request.headers.get("Cookie", "")))
    return web.Response(text="<html><body><p>ok</p></body></html>", content_type="text/html")


async def test_consent_answer_goes_to_its_platform_only(api) -> None:
    """YouTube gets its fixed "reject all" consent answer; the site it redirects to gets nothing."""
    _SEEN_COOKIES.clear()
    await api.check("https://www.youtube.com/to-elsewhere")
    assert _SEEN_COOKIES == [("www.youtube.com", "SOCS=CAI"), ("videos.example.com", "")]


# --- declarative refreshes, read as the HTML standard reads them (issue 13, item 2) ------------


@scenario("videos.example.com", "/declared-refresh")
async def _declared_refresh(request: web.Request) -> web.Response:
    """A page whose Refresh header (?header=) or <meta> refresh (?meta=, written as given, so
    a test can use character references) is whatever the test asks for."""
    headers = {"Content-Type": "text/html"}
    if "header" in request.query:
        headers["Refresh"] = request.query["header"]
    meta = request.query.get("meta")
    head = f'<meta http-equiv="Refresh" content="{meta}">' if meta is not None else ""
    page = f"<!doctype html><html><head>{head}</head><body><p>Wait…</p></body></html>"
    return web.Response(body=page.encode(), headers=headers)


@scenario("videos.example.com", "/commented-refresh")
async def _commented_refresh(request: web.Request) -> web.Response:
    # Browsers do not see a meta element inside a comment, a script or a <noscript> (scripts run
    # in the victim's browser); the one refresh they do see is the last one here.
    page = (
        '<!doctype html><html><head><!-- <meta http-equiv="refresh" content="0;url=/gone"> -->'
        '<script>var s = \'<meta http-equiv="refresh" content="0;url=/gone">\';</script>'
        '<noscript><meta http-equiv="refresh" content="0;url=/gone"></noscript>'
        '<meta http-equiv="refresh" content="not a refresh">'
        '<meta http-equiv="refresh" content="0;url=/ok">'
        "</head><body></body></html>"
    )
    return web.Response(body=page.encode(), headers={"Content-Type": "text/html"})


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("header", "1,https://videos.example.com/ok"),  # the reported case: no "url="
        ("header", "1, https://videos.example.com/ok"),
        ("header", "0;https://videos.example.com/ok"),
        ("header", "0 url=/ok"),  # whitespace is a separator too
        ("header", "3;URL = '/ok'"),
        ("header", ".5; url=/ok"),
        ("header", '0; url="/ok" and then anything'),
        ("meta", "1,https://videos.example.com/ok"),
        ("meta", "0; URL=&#39;/ok&#39;"),  # character references are decoded first
        ("meta", "5;url=/ok?a=1&amp;b=2"),
        ("meta", "0;\t/ok"),
    ],
)
async def test_refresh_values_browsers_follow_are_followed(api, where, value) -> None:
    doc = await api.check(
        f"https://videos.example.com/declared-refresh?{urlencode({where: value})}"
    )
    assert doc["final_url"].split("?")[0] == "https://videos.example.com/ok", doc["findings"]
    assert doc["redirects"][0]["via"] == ("refresh-header" if where == "header" else "meta-refresh")


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("header", "5"),  # reloads the same page: the page is what the victim sees
        ("header", "0;"),
        ("header", "url=/ok"),  # no time: browsers ignore it
        ("header", "5x; url=/ok"),
        ("meta", "-1; url=/ok"),
    ],
)
async def test_refresh_values_browsers_ignore_are_not_hops(api, where, value) -> None:
    doc = await api.check(
        f"https://videos.example.com/declared-refresh?{urlencode({where: value})}"
    )
    assert doc["redirects"] == [], doc["redirects"]
    assert doc["final_url"].startswith("https://videos.example.com/declared-refresh")


async def test_only_the_meta_refresh_browsers_see_is_followed(api) -> None:
    doc = await api.check("https://videos.example.com/commented-refresh")
    assert doc["final_url"] == "https://videos.example.com/ok"


# --- the caller's credentials stay with the caller's origin (issue 13, item 12) ----------------

headers_by_host: dict[str, dict[str, str]] = {}


@scenario("cdn.example.com", "/seen-headers")
@scenario("videos.example.com", "/seen-headers")
async def _seen_headers(request: web.Request) -> web.Response:
    headers_by_host[request.host.split(":", 1)[0]] = dict(request.headers)
    return web.Response(text="ok")


@scenario("videos.example.com", "/hop")
async def _hop(request: web.Request) -> web.Response:
    """/hop?to=URL answers 302 to URL, or a Refresh header when ?via=refresh."""
    target = request.query["to"]
    if request.query.get("via") == "refresh":
        return web.Response(text="wait", headers={"Refresh": f"0; url={target}"})
    return web.Response(status=302, headers={"Location": target})


CREDENTIALS = {
    "Authorization": "Bearer SECRET-BEARER",
    "X-Api-Token": "SECRET-TOKEN",
    "X-Goog-AuthUser": "SECRET-GOOG",
    "Accept-Language": "fr-FR",
}


@scenario("bit.ly", "/back-to-seen")
async def _back_to_seen(request: web.Request) -> web.Response:
    return web.Response(status=301, headers={"Location": "https://videos.example.com/seen-headers"})


async def _headers_seen(settings, start: str, host: str) -> dict[str, str]:
    """The headers `host` received at the end of a chain started with the caller's credentials."""
    headers_by_host.clear()
    gate = Gate(settings)
    await gate.start()
    try:
        await gate.fetch(start, gate.new_scope(), headers=CREDENTIALS)
    finally:
        await gate.close()
    return headers_by_host[host]


@pytest.mark.parametrize(
    ("start", "host"),
    [
        ("https://videos.example.com/hop?to=https://cdn.example.com/seen-headers", "cdn"),
        (
            "https://videos.example.com/hop?via=refresh&to=https://cdn.example.com/seen-headers",
            "cdn",
        ),
        # http -> https is another origin, even on the same host
        ("http://videos.example.com/hop?to=https://videos.example.com/seen-headers", "videos"),
        # a detour through another origin and back: the attacker chose the way back too
        ("https://videos.example.com/hop?to=https://bit.ly/back-to-seen", "videos"),
    ],
)
async def test_a_redirect_to_another_origin_drops_the_callers_credentials(
    settings, start, host
) -> None:
    seen = await _headers_seen(settings, start, f"{host}.example.com")
    for name in ("Authorization", "X-Api-Token", "X-Goog-AuthUser"):
        assert name not in seen, f"{name} was sent to another origin"
    assert seen["Accept-Language"] == "fr-FR"  # content negotiation is not a credential


async def test_a_same_origin_redirect_keeps_the_callers_headers(settings) -> None:
    # The control: same origin, the headers the caller set (yt-dlp's API tokens) still go.
    start = "https://videos.example.com/hop?to=/seen-headers"
    seen = await _headers_seen(settings, start, "videos.example.com")
    assert seen["Authorization"] == "Bearer SECRET-BEARER"
    assert seen["X-Api-Token"] == "SECRET-TOKEN"
