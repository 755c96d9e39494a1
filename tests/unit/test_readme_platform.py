"""README's "Adding a platform" example is a real catalogue entry, and it works (issue 15).

The entry is read from the README itself, so the documentation cannot drift: it is added to the
packaged catalogue (the loader must accept it), and each of its `[[platform.examples]]` links is
checked through the whole service against a stand-in Clipbox on the tests' fake platform: a page
that carries the entry's own marker for that state, and an oEmbed endpoint that answers with the
status the entry gives that meaning. The service must answer each example's recorded state.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from fakes.platform import scenario
from veriflien.app import create_app
from veriflien.platforms import Catalogue
from veriflien.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
# The marker kind that shows each state on the platform's page.
MARKER_OF_STATE = {"public": "playable", "private": "private", "removed": "removed"}


def readme_entry() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Adding a platform\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert match, "README's 'Adding a platform' section has no ```toml block"
    return match.group(1)


def catalogue_with_readme_entry(tmp_path: Path) -> Path:
    packaged = resources.files("veriflien.platforms").joinpath("platforms.toml").read_text("utf-8")
    path = tmp_path / "platforms.toml"
    path.write_text(packaged + "\n" + readme_entry(), encoding="utf-8")
    return path


def test_the_readme_entry_is_a_valid_catalogue_entry(tmp_path: Path) -> None:
    entry = tomllib.loads(readme_entry())["platform"][0]
    platform = Catalogue.load(catalogue_with_readme_entry(tmp_path)).get(entry["id"])
    assert platform is not None
    assert {e.state for e in platform.examples} == set(MARKER_OF_STATE)
    for example in platform.examples:
        assert platform.is_content(example.url)
        assert platform.oembed_url(example.url) is not None
    assert platform.markers and platform.report


async def test_the_readme_examples_get_their_recorded_state(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
) -> None:
    entry = tomllib.loads(readme_entry())["platform"][0]
    examples = {urlsplit(e["url"]).path: e["state"] for e in entry["examples"]}
    oembed_rules = entry["oembed"]["rules"]

    def oembed_status(state: str) -> int:
        """The status the entry gives this state's meaning, else one it gives no meaning."""
        found = [int(s) for s, rule in oembed_rules.items() if rule["supports"] == state]
        return found[0] if found else 403

    async def page(request: web.Request) -> web.Response:
        state = examples[request.path]
        markers = entry["markers"][MARKER_OF_STATE[state]]
        plain = next(m for m in markers if not m.startswith("re:"))
        body = f"<html><head><title>Clipbox</title></head><body><!-- {plain} --></body></html>"
        return web.Response(text=body, content_type="text/html")

    async def oembed(request: web.Request) -> web.Response:
        state = examples[urlsplit(request.query["url"]).path]
        return web.json_response({"type": "video"}, status=oembed_status(state))

    endpoint = urlsplit(entry["oembed"]["endpoint"])
    host = endpoint.hostname
    assert host is not None
    for example_path in examples:
        scenario(host, example_path)(page)
    scenario(host, endpoint.path)(oembed)

    path = catalogue_with_readme_entry(tmp_path)
    client = await aiohttp_client(create_app(settings.with_overrides(platforms_file=str(path))))
    for example in entry["examples"]:
        response = await client.post("/api/v1/checks", json={"url": example["url"], "fresh": True})
        assert response.status == 200
        doc = await response.json()
        assert doc["platform"]["id"] == entry["id"]
        assert doc["verdict"] == example["state"], (example["url"], doc["findings"])
