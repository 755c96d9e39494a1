"""Issue 2's proof: refused destinations receive ZERO requests, whatever form the link takes.

The canary is a plain HTTP server on 127.0.0.1 that counts requests. Its port is in the allowed
ports for these tests, so every refusal below comes from the address policy, not the port rule.
"""

from __future__ import annotations

import pytest

from veriflien.app import create_app


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
