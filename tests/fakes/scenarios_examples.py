"""The catalogue's `examples`, answered the way the real platforms answered when they were recorded.

Why this exists: `veriflien selftest` checks every example link of the catalogue and reports per
platform whether the verdict still matches the recorded state. In the test suite it must run and
pass against the fakes, so the fakes answer each example link in its recorded state, with the
shape the real platform used (see ../shared/real; nothing of it is copied here): YouTube's player
data through the shared fake (tests/fakes/scenarios_platforms.py), TikTok's page data object and
oEmbed, X's status page (a script shell) and its oEmbed.
"""

from __future__ import annotations

import json
import re

from aiohttp import web

from fakes import youtube_shapes
from fakes.platform import html, scenario
from fakes.scenarios_platforms import (
    DAILYMOTION,
    VIMEO,
    YOUTUBE,
    DailymotionVideo,
    VimeoVideo,
    YouTubeVideo,
)

_SHAPES = {name: playability for name, playability, _, _ in youtube_shapes.PLAYABILITY}

# YouTube: the catalogue's four examples, each in the shape its recording had.
for _video in (
    YouTubeVideo("GJLlxj_dtq8", "Example public video", 200, _SHAPES["public"]),
    YouTubeVideo("udsB8KnIJTg", "Example unlisted video", 200, _SHAPES["public"], unlisted=True),
    YouTubeVideo("8VajtrESJzA", "", 403, _SHAPES["private-android-string"]),
    YouTubeVideo("irauhITDrsE", "", 404, _SHAPES["removed-web"]),
):
    YOUTUBE[_video.video_id] = _video

VIMEO["98605382"] = VimeoVideo("98605382", "Example concert")
VIMEO["74636562"] = VimeoVideo("74636562", "Private video", password=True)
DAILYMOTION["xy0wd"] = DailymotionVideo("xy0wd", "Example cats")

# ---------------------------------------------------------------------------------------------
# TikTok: the video page carries a "webapp.video-detail" object; oEmbed answers 200 when public.
# ---------------------------------------------------------------------------------------------

TIKTOK_PUBLIC = {"7571863205253778710": "illojuan"}


@scenario("www.tiktok.com", "/@*")
async def _tiktok_video(request: web.Request) -> web.Response:
    match = re.match(r"^/@([^/]+)/video/(\d+)", request.path)
    if match is None or TIKTOK_PUBLIC.get(match.group(2)) != match.group(1):
        detail = {"statusCode": 10204, "statusMsg": "", "itemInfo": {}}
    else:
        item = {
            "id": match.group(2),
            "desc": "Example clip",
            "privateItem": False,
            "secret": False,
            "forFriend": False,
            "author": {"uniqueId": match.group(1), "privateAccount": False},
        }
        detail = {"itemInfo": {"itemStruct": item}, "statusCode": 0, "statusMsg": ""}
    data = {"__DEFAULT_SCOPE__": {"webapp.video-detail": detail}}
    return html(
        '<div id="app"></div><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" '
        f'type="application/json">{json.dumps(data)}</script>',
        title="TikTok",
    )


@scenario("www.tiktok.com", "/oembed")
async def _tiktok_oembed(request: web.Request) -> web.Response:
    match = re.search(r"/video/(\d+)", request.query.get("url", ""))
    if match is None or match.group(1) not in TIKTOK_PUBLIC:
        return web.json_response({"code": 400, "message": "Something went wrong"}, status=400)
    return web.json_response({"version": "1.0", "type": "video", "provider_name": "TikTok"})


# ---------------------------------------------------------------------------------------------
# X: the status page is a script shell (nothing readable); oEmbed answers 200 for public posts.
# ---------------------------------------------------------------------------------------------

X_PUBLIC = {"436461658601713664": "pepephone"}


@scenario("x.com", "/*")
async def _x_status(request: web.Request) -> web.Response:
    return html(
        '<div id="react-root"></div><noscript>JavaScript is not available.</noscript>'
        '<script src="https://abs.twimg.com/responsive-web/client-web/main.js"></script>'
        "<script>window.__INITIAL_STATE__={};</script><script>window.__META_DATA__={};</script>",
        title="X",
    )


@scenario("publish.twitter.com", "/oembed")
async def _x_oembed(request: web.Request) -> web.Response:
    match = re.search(r"/status/(\d+)", request.query.get("url", ""))
    if match is None or match.group(1) not in X_PUBLIC:
        return web.Response(status=404, text="")
    return web.json_response(
        {"url": request.query["url"], "author_name": X_PUBLIC[match.group(1)], "type": "rich"}
    )
