"""Issue 2's proof: refused destinations receive ZERO requests, whatever form the link takes.

The canary is a plain HTTP server on 127.0.0.1 that counts requests. Its port is in the allowed
ports for these tests, so every refusal below comes from the address policy, not the port rule.
"""

from __future__ import annotations

import ipaddress
import json
import logging

import pytest

from veriflien.app import create_app
from veriflien.logs import JsonFormatter
from veriflien.net import policy as policy_module


def _refused_reason(doc: dict) -> str:
    assert doc["verdict"] == "refused", doc["findings"]
    return next(f["code"] for f in doc["findings"] if f.get("supports") == "refused")


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://127。0。0。1:{port}/",
        "http://localhost:{port}/",
        "http://canary.test:{port}/",  # pinned to 127.0.0.1 through VERIFLIEN_RESOLVE below
    ],
)
async def test_loopback_forms_are_refused_without_a_request(
    aiohttp_client, settings, canary, template
) -> None:
    pinned = settings.with_overrides(
        resolve=[*settings.resolve, f"canary.test:{canary.port}:127.0.0.1"]
    )
    client = await aiohttp_client(create_app(pinned))
    response = await client.post("/api/v1/checks", json={"url": template.format(port=canary.port)})
    doc = await response.json()
    assert response.status == 200
    assert _refused_reason(doc) == "loopback"
    assert canary.hits == []
    assert canary.connections == []


@pytest.mark.parametrize("path", ["/to-canary", "/meta-to-canary"])
async def test_public_looking_host_redirecting_to_canary_is_refused(api, canary, path) -> None:
    doc = await api.check(f"https://videos.example.com{path}")
    assert _refused_reason(doc) == "loopback"
    assert canary.hits == []
    assert canary.connections == []
    # The hop that led there is recorded for the evidence sheet.
    assert doc["redirects"][0]["url"] == f"https://videos.example.com{path}"


async def test_redirect_to_cloud_metadata_is_refused(api) -> None:
    doc = await api.check("https://videos.example.com/to-metadata")
    assert _refused_reason(doc) == "link_local"


async def test_redirect_to_file_scheme_is_refused(api) -> None:
    doc = await api.check("https://videos.example.com/to-file")
    assert doc["verdict"] == "refused"


async def test_redirect_to_unlisted_port_is_refused(api) -> None:
    doc = await api.check("https://videos.example.com/to-port")
    assert _refused_reason(doc) == "port"


async def test_canary_reachable_when_its_network_is_allowed(
    aiohttp_client, settings, canary
) -> None:
    allowed = settings.with_overrides(allow_networks=[*settings.allow_networks, "127.0.0.1/32"])
    client = await aiohttp_client(create_app(allowed))
    response = await client.post(
        "/api/v1/checks", json={"url": f"http://127.0.0.1:{canary.port}/page"}
    )
    doc = await response.json()
    assert doc["verdict"] != "refused"
    assert canary.hits == ["/page"]
    # and through the redirecting public-looking host too
    response = await client.post(
        "/api/v1/checks", json={"url": "https://videos.example.com/to-canary"}
    )
    assert (await response.json())["final_url"] == f"http://127.0.0.1:{canary.port}/stolen"
    assert canary.hits == ["/page", "/stolen"]


# Issue 13, item 9: "leads to a private address (10.20.30.40)" mapped an internal network for
# anyone who could submit links (in Kubernetes, http://kubernetes.default.svc/ revealed the
# ClusterIP). A refusal names the class of address, never the address. One host name per class
# and per form (IPv4, IPv6, IPv4 hidden in IPv6), each pinned to a distinctive address.
HIDDEN = [
    ("0.12.34.56", "unspecified"),
    ("127.12.34.56", "loopback"),
    ("10.20.30.40", "private"),
    ("172.20.30.41", "private"),
    ("192.168.30.42", "private"),
    ("100.64.30.43", "cgnat"),
    ("169.254.30.44", "link_local"),
    ("224.20.30.45", "multicast"),
    ("240.20.30.46", "reserved"),
    ("192.0.0.47", "reserved"),
    ("198.51.100.48", "documentation"),
    ("fd12:3456:789a::bcde", "private"),
    ("fe80::1234:5678:9abc", "link_local"),
    ("ff05::1234:5678", "multicast"),
    ("2001:db8:1234::5678", "documentation"),
    ("3fff:123::5678", "documentation"),
    ("5f00:1234::5678", "reserved"),
    ("::ffff:10.20.30.49", "private"),  # IPv4-mapped
    ("64:ff9b::a14:1e32", "private"),  # NAT64 of 10.20.30.50
    ("2002:a14:1e33::1", "private"),  # 6to4 of 10.20.30.51
    ("::ffff:0:a14:1e34", "reserved"),  # SIIT
    ("64:ff9b:1:a14:1e:3500::", "reserved"),  # local-use NAT64
    ("2001:0:4136:e378:8000:63bf:f5eb:e1ca", "reserved"),  # Teredo
    ("93.184.30.52", "own_address"),  # a public address this machine answers on
]


def _spellings(address: str) -> set[str]:
    """Every way the address could be written in a message: as given, compressed, exploded,
    and the IPv4 address an IPv6 form embeds."""
    parsed = ipaddress.ip_address(address)
    found = {address, str(parsed), parsed.exploded}
    if isinstance(parsed, ipaddress.IPv6Address):
        tail = ipaddress.IPv4Address(int(parsed) & 0xFFFFFFFF)
        if str(tail) != "0.0.0.1":
            found.add(str(tail))
        if parsed.sixtofour is not None:
            found.add(str(parsed.sixtofour))
        if parsed.teredo is not None:
            found.update(str(a) for a in parsed.teredo)
    return found


async def test_refusals_never_disclose_what_a_host_name_resolved_to(
    aiohttp_client, settings, monkeypatch, caplog
) -> None:
    own = ipaddress.ip_address("93.184.30.52")
    monkeypatch.setattr(policy_module, "machine_addresses", lambda: {own})
    pins = [
        f"internal-{n}.svc.test:443:[{address}]" if ":" in address
        else f"internal-{n}.svc.test:443:{address}"
        for n, (address, _) in enumerate(HIDDEN)
    ]  # fmt: skip
    client = await aiohttp_client(
        create_app(settings.with_overrides(resolve=[*settings.resolve, *pins]))
    )
    caplog.set_level(logging.DEBUG)
    formatter = JsonFormatter()
    for n, (address, reason) in enumerate(HIDDEN):
        caplog.clear()
        response = await client.post(
            "/api/v1/checks", json={"url": f"https://internal-{n}.svc.test/admin"}
        )
        text = await response.text()
        doc = json.loads(text)
        assert _refused_reason(doc) == reason, (address, doc["findings"])
        logged = "\n".join(
            formatter.format(record) + record.getMessage() for record in caplog.records
        )
        for spelling in _spellings(address):
            assert spelling not in text, f"the answer discloses {spelling}"
            assert spelling not in logged, f"a log line discloses {spelling}"
