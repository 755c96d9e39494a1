"""Fake YouTube, Vimeo, Dailymotion and link shorteners, answering the way the real sites do.

Why this exists: the verdict a frightened person reads comes from several probes that each ask the
platform something different (the watch page, oEmbed, yt-dlp's own API calls, an embedded player).
Each fake video below has ONE state, and every endpoint answers consistently with it, so a test can
check that the probes agree when the platform does and that the engine stays honest when it does
not (a bot check, embedding disabled, a title that lies).

What is modelled on which fact (shared/facts/platform-behaviour.md, yt-dlp's extractors):
- YouTube: watch page with `ytInitialPlayerResponse` (playabilityStatus, videoDetails,
  microformat.isUnlisted) and `ytInitialData`; /youtubei/v1/player and /next (what yt-dlp asks);
  oEmbed 200 public or unlisted, 401 embedding disabled (may be public), 403 private, 404 removed;
  an unknown id is a 200 watch page saying "Video unavailable", as on YouTube. The /embed/ player
  page does not carry the player response as plain JSON (the real one builds the player by
  script); the fake gives it at most as an escaped string inside ytcfg, so a marker written for
  the watch page's JSON does not match it there.
- Vimeo: oEmbed 200 public, 404 private; a password-protected video shows the `pw_form` form.
- Dailymotion: oEmbed, the GraphQL API and the player metadata yt-dlp reads (access error DM002
  "Content has been deleted." for a removed video).
- Google Drive: a file shared with named people sends anonymous visitors to Google's sign-in.
- Shorteners: plain 301s, and a three-hop chain that ends on a 410.
Wording marked "fake" is ours where the real wording could not be confirmed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from aiohttp import web

from fakes import youtube_shapes
from fakes.platform import html, scenario

YOUTUBE_HOSTS = ("www.youtube.com", "youtube.com", "m.youtube.com")
_YT_ID = re.compile(r"(?:[?&]v=|youtu\.be/|/(?:embed|shorts|live|v)/)([A-Za-z0-9_-]{11})")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# YouTube
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YouTubeVideo:
    """One fake video. `playability` is the player response's playabilityStatus, verbatim."""

    video_id: str
    title: str
    oembed_status: int  # 200, 401 (embedding disabled), 403 (private), 404 (removed)
    playability: dict[str, object]
    unlisted: bool = False
    description: str = "Holiday clip."

    @property
    def playable(self) -> bool:
        return self.playability.get("status") == "OK"


_OK = {"status": "OK", "playableInEmbed": True}
_AGE_GATE = {
    "status": "LOGIN_REQUIRED",
    "reason": "Sign in to confirm your age",
    "messages": ["This video may be inappropriate for some users."],
    "desktopLegacyAgeGateReason": 1,
}

YOUTUBE: dict[str, YouTubeVideo] = {
    v.video_id: v
    for v in (
        YouTubeVideo("pubVideo001", "Beach holiday 2026", 200, _OK),
        YouTubeVideo("unlVideo001", "Family dinner", 200, _OK, unlisted=True),
        YouTubeVideo(
            "prvVideo001",
            "",
            403,
            {
                "status": "LOGIN_REQUIRED",
                "reason": "This video is private",
                "messages": [
                    "This is a private video. Please sign in to verify that you may see it."
                ],
            },
        ),
        YouTubeVideo(
            "remVideo001",
            "",
            404,
            {"status": "ERROR", "reason": "This video has been removed by the uploader"},
        ),
        YouTubeVideo(
            "unaVideo001",
            "",
            404,
            {
                "status": "ERROR",
                "reason": "Video unavailable",
                "errorScreen": {
                    "playerErrorMessageRenderer": {"reason": {"simpleText": "Video unavailable"}}
                },
            },
        ),
        # The owner disabled embedding: oEmbed answers 401, yet anyone can watch it on YouTube.
        YouTubeVideo(
            "embOffVid01", "Concert in the park", 401, {"status": "OK", "playableInEmbed": False}
        ),
        # YouTube asked the (data-centre) checker to prove it is not a bot: this says nothing
        # about the video, which oEmbed still reports as watchable.
        YouTubeVideo(
            "botCheck001",
            "Morning run",
            200,
            {
                "status": "LOGIN_REQUIRED",
                "reason": "Sign in to confirm you’re not a bot",
                "messages": ["This helps protect our community. Learn more"],
            },
        ),
        # Age-restricted (18+): public on YouTube, but anonymous viewers must sign in to confirm
        # their age. Any adult with an account can watch it: this is not a private video.
        YouTubeVideo("ageGate0001", "Party night", 200, _AGE_GATE),
        YouTubeVideo("ageGateNoEm", "Party night 2", 401, _AGE_GATE),  # and embedding disabled
        # A public video whose uploader wrote "private" wording in the title and description:
        # uploader text must never be read as the platform's own status.
        YouTubeVideo(
            "lieTitle001",
            "This video is private",
            200,
            _OK,
            description='"reason": "This video is private" - Private video - Vidéo privée',
        ),
    )
}
# One fake video per real shape of YouTube's answers (tests/fakes/youtube_shapes.py), with the
# oEmbed answer YouTube gives in that state: 403 private, 404 removed, 401 age-restricted (no
# embedding), 200 otherwise. Ids: "shape" + two digits + the padding YouTube ids need.
_SHAPE_OEMBED = {
    "platform_private": 403,
    "platform_removed": 404,
    "platform_live_recording_unavailable": 404,
    "platform_age_check": 401,
}


def shape_video_id(name: str) -> str:
    index = next(i for i, (n, *_) in enumerate(youtube_shapes.PLAYABILITY) if n == name)
    return f"shape{index:02d}xxxx"


for _name, _playability, _code, _source in youtube_shapes.PLAYABILITY:
    _vid = shape_video_id(_name)
    YOUTUBE[_vid] = YouTubeVideo(
        _vid, f"Shape {_name}", _SHAPE_OEMBED.get(_code, 200), _playability
    )
# The EU consent interstitial: without YouTube's "reject all" consent cookie the watch page sends
# visitors there first; "consentAlw1" sends them there whatever they send.
CONSENT_IDS = {"consentWal1": False, "consentAlw1": True}
for _vid in CONSENT_IDS:  # behind the consent page: a public video
    YOUTUBE[_vid] = YouTubeVideo(_vid, "Garden party", 200, _OK)
# A page from before 2017: no player response, the reason in #unavailable-message.
OLD_LAYOUT_ID = "oldLayout01"

#: An id no table entry has: YouTube answers a 200 page saying "Video unavailable".
_UNKNOWN_PLAYABILITY = {"status": "ERROR", "reason": "Video unavailable"}


def _youtube_video(video_id: str) -> YouTubeVideo:
    return YOUTUBE.get(video_id) or YouTubeVideo(video_id, "", 404, _UNKNOWN_PLAYABILITY)


def _player_response(video: YouTubeVideo) -> dict[str, object]:
    response: dict[str, object] = {
        "responseContext": {"visitorData": "CgtGYWtlVmlzaXRvcg%3D%3D"},
        "playabilityStatus": video.playability,
    }
    if not video.playable:
        return response  # private and removed videos come without details or streams
    response["videoDetails"] = {
        "videoId": video.video_id,
        "title": video.title,
        "lengthSeconds": "30",
        "channelId": "UCfakeChannel000000000000",
        "shortDescription": video.description,
        "isPrivate": False,
        "isLiveContent": False,
        "author": "Fake Channel",
    }
    response["microformat"] = {
        "playerMicroformatRenderer": {
            "title": {"simpleText": video.title},
            "description": {"simpleText": video.description},
            "lengthSeconds": "30",
            "isUnlisted": video.unlisted,
            "isFamilySafe": True,
            "category": "People & Blogs",
            "publishDate": "2026-10-01T10:00:00-07:00",
            "uploadDate": "2026-10-01T10:00:00-07:00",
        }
    }
    response["streamingData"] = {
        "expiresInSeconds": "21540",
        "formats": [
            {
                "itag": 18,
                "url": f"https://rr3---sn-fake.googlevideo.com/videoplayback?id={video.video_id}"
                "&itag=18&source=youtube",
                "mimeType": 'video/mp4; codecs="avc1.42001E, mp4a.40.2"',
                "bitrate": 300000,
                "width": 640,
                "height": 360,
                "quality": "medium",
                "fps": 25,
                "approxDurationMs": "30000",
            }
        ],
    }
    return response


def _initial_data(video: YouTubeVideo) -> dict[str, object]:
    title = video.title or "YouTube"
    primary = {"videoPrimaryInfoRenderer": {"title": {"runs": [{"text": title}]}}}
    return {
        "responseContext": {"visitorData": "CgtGYWtlVmlzaXRvcg%3D%3D"},
        "contents": {
            "twoColumnWatchNextResults": {"results": {"results": {"contents": [primary]}}}
        },
    }


def _video_id_of(request: web.Request) -> str:
    if request.path == "/watch":
        return request.query.get("v", "")[:11]
    return request.path.rstrip("/").rsplit("/", 1)[-1][:11]


async def _youtube_watch(request: web.Request) -> web.Response:
    video_id = _video_id_of(request)
    if video_id in CONSENT_IDS:
        consented = "SOCS=CAI" in request.headers.get("Cookie", "")
        if CONSENT_IDS[video_id] or not consented:
            target = quote(str(request.url), safe="")
            return web.Response(
                status=302,
                headers={"Location": f"https://consent.youtube.com/m?continue={target}&gl=FR"},
            )
        video_id = "pubVideo001"
    if video_id == OLD_LAYOUT_ID:
        return html(youtube_shapes.OLD_LAYOUT_REMOVED, title="YouTube")
    video = _youtube_video(video_id)
    title = f"{escape(video.title)} - YouTube" if video.title else "YouTube"
    head = f'<link rel="canonical" href="https://www.youtube.com/watch?v={video.video_id}">'
    if video.playable:
        head += (
            f'<meta property="og:title" content="{escape(video.title)}">'
            '<meta property="og:type" content="video.other">'
        )
    body = (
        '<div id="player"></div>'
        f"<script>var ytInitialPlayerResponse = {_json(_player_response(video))};</script>"
        f"<script>var ytInitialData = {_json(_initial_data(video))};</script>"
    )
    return html(body, title=title, head=head)


async def _youtube_embed(request: web.Request) -> web.Response:
    video = _youtube_video(_video_id_of(request))
    ytcfg = {
        "INNERTUBE_CONTEXT": {
            "client": {"clientName": "WEB_EMBEDDED_PLAYER", "clientVersion": "1.20261101.01.00"}
        },
        # A JSON document inside a JSON string: its quotes are escaped (\"), so the watch
        # page's markers cannot match here.
        "PLAYER_VARS": {"embedded_player_response": _json(_player_response(video))},
    }
    title = f"{escape(video.title)} - YouTube" if video.title else "YouTube"
    return html(f'<div id="player"></div><script>ytcfg.set({_json(ytcfg)});</script>', title=title)


async def _youtubei(request: web.Request) -> web.Response:
    try:
        payload = json.loads(await request.read() or b"{}")
    except ValueError:
        return web.json_response({"error": {"code": 400, "status": "INVALID_ARGUMENT"}}, status=400)
    video = _youtube_video(str(payload.get("videoId", ""))[:11])
    if request.path.startswith("/youtubei/v1/player"):
        return web.json_response(_player_response(video))
    if request.path.startswith("/youtubei/v1/next"):
        return web.json_response(_initial_data(video))
    return web.json_response({})


async def _youtube_oembed(request: web.Request) -> web.Response:
    match = _YT_ID.search(request.query.get("url", ""))
    if match is None:
        return web.Response(status=400, text="Bad Request")
    video = _youtube_video(match.group(1))
    if video.oembed_status != 200:
        reasons = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
        return web.Response(status=video.oembed_status, text=reasons[video.oembed_status])
    return web.json_response(
        {
            "title": video.title,
            "author_name": "Fake Channel",
            "author_url": "https://www.youtube.com/@fakechannel",
            "type": "video",
            "height": 113,
            "width": 200,
            "version": "1.0",
            "provider_name": "YouTube",
            "provider_url": "https://www.youtube.com/",
            "thumbnail_height": 360,
            "thumbnail_width": 480,
            "thumbnail_url": f"https://i.ytimg.com/vi/{video.video_id}/hqdefault.jpg",
            "html": f'<iframe width="200" height="113" src="https://www.youtube.com/embed/'
            f'{video.video_id}?feature=oembed" frameborder="0" allowfullscreen></iframe>',
        }
    )


for _host in YOUTUBE_HOSTS:
    scenario(_host, "/watch")(_youtube_watch)
    scenario(_host, "/embed/*")(_youtube_embed)
    scenario(_host, "/shorts/*")(_youtube_watch)
    scenario(_host, "/youtubei/v1/*")(_youtubei)
scenario("www.youtube.com", "/oembed")(_youtube_oembed)


@scenario("videos.example.com", "/cookie-wall")
async def _cookie_wall(request: web.Request) -> web.Response:
    # A small site that shows nothing until the visitor accepts its cookies.
    return html(
        "<h1>Avant de continuer</h1><p>Nous utilisons des cookies et des données pour "
        "mesurer l'audience.</p><form action='/consent/accept' method='post'>"
        "<button>Tout accepter</button><button>Refuser tous les cookies</button></form>",
        title="Gérer les préférences de cookies",
    )


@scenario("consent.youtube.com", "/m")
async def _youtube_consent(request: web.Request) -> web.Response:
    return web.Response(text=youtube_shapes.CONSENT_PAGE, content_type="text/html")


@scenario("youtu.be", "/*")
async def _youtu_be(request: web.Request) -> web.Response:
    video_id = request.path.lstrip("/")[:11]
    return web.Response(
        status=301,
        headers={"Location": f"https://www.youtube.com/watch?v={video_id}&feature=youtu.be"},
    )


# ---------------------------------------------------------------------------------------------
# Vimeo
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VimeoVideo:
    video_id: str
    title: str
    password: bool = False  # a password form instead of the player; oEmbed answers 404
    hidden: bool = False  # "hide from Vimeo": the page answers 404, oEmbed still answers


VIMEO: dict[str, VimeoVideo] = {
    v.video_id: v
    for v in (
        VimeoVideo("100000001", "Wedding speech"),
        VimeoVideo("100000002", "Private video", password=True),
        VimeoVideo("100000003", "Hidden talk", hidden=True),
    )
}
_VIMEO_ID = re.compile(r"vimeo\.com/(?:video/)?(\d+)")


def _vimeo_config(video: VimeoVideo) -> dict[str, object]:
    """The player configuration yt-dlp reads (config_url): title, duration and the files."""
    return {
        "video": {
            "id": int(video.video_id),
            "title": video.title,
            "duration": 30,
            "owner": {"name": "Fake Owner", "url": "https://vimeo.com/fakeowner"},
            "thumbs": {},
        },
        "request": {
            "files": {
                "progressive": [
                    {
                        "url": f"https://vod-progressive.example.com/{video.video_id}.mp4",
                        "quality": "360p",
                        "width": 640,
                        "height": 360,
                        "fps": 25,
                    }
                ]
            }
        },
    }


@scenario("vimeo.com", "/api/oembed.json")
async def _vimeo_oembed(request: web.Request) -> web.Response:
    match = _VIMEO_ID.search(request.query.get("url", ""))
    video = VIMEO.get(match.group(1)) if match else None
    if video is None or video.password:
        return web.Response(status=404, text="404 Not Found")
    if video.hidden:
        # Stripped (no title, no author) and the link's hash in "uri" (recorded 2024).
        return web.json_response(
            {
                "type": "video",
                "version": "1.0",
                "provider_name": "Vimeo",
                "html": f'<iframe src="https://player.vimeo.com/video/{video.video_id}"></iframe>',
                "video_id": int(video.video_id),
                "uri": f"/videos/{video.video_id}:0a1b2c3d4e",
            }
        )
    return web.json_response(
        {
            "type": "video",
            "version": "1.0",
            "provider_name": "Vimeo",
            "provider_url": "https://vimeo.com/",
            "title": video.title,
            "author_name": "Fake Owner",
            "duration": 30,
            "video_id": int(video.video_id),
            "html": f'<iframe src="https://player.vimeo.com/video/{video.video_id}" '
            'width="640" height="360" frameborder="0"></iframe>',
        }
    )


@scenario("vimeo.com", "/*")
async def _vimeo_page(request: web.Request) -> web.Response:
    video = VIMEO.get(request.path.strip("/").split("/", 1)[0])
    if video is None or video.hidden:
        return html("<h1>Sorry, we couldn’t find that page</h1>", status=404, title="VimeUhOh")
    if video.password:
        form = (
            f'<form id="pw_form" class="pw_form" method="post" action="/{video.video_id}/password">'
            "<h1>This video is password-protected</h1>"
            '<label for="password">Password</label>'
            '<input type="password" id="password" name="password">'
            '<input type="submit" value="Watch video"></form>'
        )
        return html(form, title="Private Video on Vimeo")
    page_config = {
        "clip": {
            "id": int(video.video_id),
            "title": video.title,
            "uploaded_on": "2026-10-01",
            # Vimeo's own words for who may view (recorded 2023).
            "privacy": {"is_public": True, "type": "anybody", "description": "Public"},
            "unlisted_hash": None,
        },
        "player": {"config_url": f"https://player.vimeo.com/video/{video.video_id}/config?h=0"},
    }
    head = (
        f'<meta property="og:title" content="{escape(video.title)}">'
        '<meta property="og:type" content="video.other">'
        f'<meta property="og:video:url" content="https://player.vimeo.com/video/{video.video_id}'
        '?autoplay=1">'
    )
    body = (
        f"<h1>{escape(video.title)}</h1>"
        f"<script>window.vimeo = window.vimeo || {{}}; "
        f"window.vimeo.clip_page_config = {_json(page_config)};</script>"
    )
    return html(body, title=f"{escape(video.title)} on Vimeo", head=head)


@scenario("player.vimeo.com", "/video/*")
async def _vimeo_player(request: web.Request) -> web.Response:
    parts = request.path.strip("/").split("/")  # video/ID or video/ID/config
    video = VIMEO.get(parts[1]) if len(parts) > 1 else None
    if video is None:
        return web.Response(status=404, text="Not found")
    if video.password:
        # Vimeo's own wording for a player it refuses to show outside its site.
        return html(
            "<p>Because of its privacy settings, this video cannot be played here.</p>",
            status=403,
            title="Vimeo",
        )
    if parts[-1] == "config":
        return web.json_response(_vimeo_config(video))
    return html(
        f"<script>window.playerConfig = {_json(_vimeo_config(video))};</script>",
        title=f"{escape(video.title)} from Fake Owner on Vimeo",
    )


# ---------------------------------------------------------------------------------------------
# Dailymotion
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailymotionVideo:
    xid: str
    title: str
    removed: bool = False


DAILYMOTION: dict[str, DailymotionVideo] = {
    v.xid: v
    for v in (
        DailymotionVideo("x8fkpub", "Street festival"),
        DailymotionVideo("x8fkgon", "", removed=True),
    )
}
_DM_ID = re.compile(r"/video/(x[0-9a-zA-Z]+)")


@scenario("www.dailymotion.com", "/video/*")
async def _dailymotion_page(request: web.Request) -> web.Response:
    xid = request.path.rsplit("/", 1)[-1].split("_", 1)[0]
    video = DAILYMOTION.get(xid)
    if video is None or video.removed:
        return html(
            "<h1>This video does not exist or has been deleted</h1>",  # fake wording
            status=404,
            title="Dailymotion",
        )
    ld = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": video.title,
        "duration": "PT30S",
        "uploadDate": "2026-10-01T10:00:00+00:00",
        "embedUrl": f"https://www.dailymotion.com/embed/video/{xid}",
        "thumbnailUrl": f"https://s1.dmcdn.example.com/{xid}.jpg",
    }
    head = (
        f'<meta property="og:title" content="{escape(video.title)}">'
        '<meta property="og:type" content="video.other">'
        f'<script type="application/ld+json">{_json(ld)}</script>'
    )
    return html(
        f"<h1>{escape(video.title)}</h1><div id='player'></div>",
        title=f"{escape(video.title)} - video Dailymotion",
        head=head,
    )


@scenario("api.dailymotion.com", "/video/*")
async def _dailymotion_api(request: web.Request) -> web.Response:
    # The public data API's two recorded shapes (2015-2023): the video's fields, or not_found.
    xid = request.path.rsplit("/", 1)[-1]
    video = DAILYMOTION.get(xid)
    if video is None or video.removed:
        return web.json_response(
            {
                "error": {
                    "code": 404,
                    "message": "This video does not exist or has been deleted.",
                    "type": "not_found",
                }
            },
            status=404,
        )
    return web.json_response({"id": xid, "private": False, "status": "published"})


@scenario("www.dailymotion.com", "/services/oembed")
async def _dailymotion_oembed(request: web.Request) -> web.Response:
    match = _DM_ID.search(request.query.get("url", ""))
    video = DAILYMOTION.get(match.group(1)) if match else None
    if video is None or video.removed:
        return web.json_response({"error": {"message": "Object not found"}}, status=404)
    return web.json_response(
        {
            "type": "video",
            "version": "1.0",
            "provider_name": "Dailymotion",
            "title": video.title,
            "author_name": "Fake Channel",
            "html": f'<iframe src="https://geo.dailymotion.com/player.html?video={video.xid}" '
            'width="480" height="270"></iframe>',
        }
    )


@scenario("www.dailymotion.com", "/player/metadata/video/*")
async def _dailymotion_metadata(request: web.Request) -> web.Response:
    video = DAILYMOTION.get(request.path.rsplit("/", 1)[-1])
    if video is None or video.removed:
        return web.json_response(
            {
                "error": {
                    "code": "DM002",
                    "title": "Content has been deleted.",
                    "raw_message": "Content has been deleted.",
                    "status_code": 410,
                }
            }
        )
    return web.json_response(
        {
            "id": video.xid,
            "title": video.title,
            "duration": 30,
            "created_time": 1_790_000_000,
            "owner": {"id": "x2fake", "screenname": "Fake Channel"},
            "explicit": False,
            "qualities": {
                "auto": [
                    {
                        "type": "video/mp4",
                        "url": f"https://vod.dailymotion.example.com/{video.xid}.mp4",
                    }
                ]
            },
        }
    )


@scenario("graphql.api.dailymotion.com", "/oauth/token")
async def _dailymotion_token(request: web.Request) -> web.Response:
    return web.json_response(
        {"access_token": "fake-client-token", "token_type": "Bearer", "expires_in": 36000}
    )


@scenario("graphql.api.dailymotion.com", "/")
async def _dailymotion_graphql(request: web.Request) -> web.Response:
    try:
        query = str(json.loads(await request.read() or b"{}").get("query", ""))
    except ValueError:
        query = ""
    match = re.search(r'media\(xid: "([^"]+)"', query)
    xid = match.group(1) if match else ""
    if xid not in DAILYMOTION:
        return web.json_response(
            {"data": {"media": None}, "errors": [{"message": "Media not found."}]}  # fake wording
        )
    # A deleted video still has its media object; the player metadata says it is gone.
    return web.json_response(
        {
            "data": {
                "media": {
                    "__typename": "Video",
                    "xid": xid,
                    "description": "",
                    "geoblockedCountries": None,
                    "stats": {"likes": {"total": 0}, "views": {"total": 12}},
                }
            }
        }
    )


# ---------------------------------------------------------------------------------------------
# Google Drive
# ---------------------------------------------------------------------------------------------

#: A file shared with named people only: anonymous visitors are sent to Google's sign-in.
DRIVE_RESTRICTED = "1RestrictedDriveFile00000000000"


@scenario("drive.google.com", "/file/d/*")
async def _drive_file(request: web.Request) -> web.Response:
    file_id = request.path.split("/")[3] if request.path.count("/") >= 3 else ""
    if file_id != DRIVE_RESTRICTED:
        return html("<p>Sorry, the file you have requested does not exist.</p>", status=404)
    back = quote(f"https://drive.google.com/file/d/{file_id}/view", safe="")
    return web.Response(
        status=302,
        headers={
            "Location": "https://accounts.google.com/ServiceLogin?service=wise&passive=1209600"
            f"&continue={back}&followup={back}"
        },
    )


@scenario("accounts.google.com", "/ServiceLogin")
async def _google_service_login(request: web.Request) -> web.Response:
    return web.Response(
        status=302,
        headers={
            "Location": f"/v3/signin/identifier?{request.query_string}&flowName=GlifWebSignIn"
        },
    )


@scenario("accounts.google.com", "/v3/signin/identifier")
async def _google_sign_in(request: web.Request) -> web.Response:
    # Google's own sign-in page, reduced: the e-mail step, with the hidden password field the
    # real page carries for password managers (as remembered from the real markup; unconfirmed).
    return html(
        '<form method="post" action="/v3/signin/_/AccountsSignInUi/data/batchexecute">'
        "<h1>Sign in</h1><div>to continue to Google Drive</div>"
        '<input type="email" name="identifier" autocomplete="username" '
        'aria-label="Email or phone">'
        '<input type="password" name="hiddenPassword" tabindex="-1" aria-hidden="true">'
        "<button>Next</button></form>",
        title="Google Drive: Sign-in",
    )


# ---------------------------------------------------------------------------------------------
# Shorteners and redirect chains
# ---------------------------------------------------------------------------------------------


def _moved(location: str, status: int = 301) -> web.Response:
    # Bitly's own answer: a 301 with a tiny HTML body naming the destination.
    return web.Response(
        status=status,
        headers={"Location": location},
        text=f'<html><head><title>Bitly</title></head><body><a href="{escape(location)}">'
        "moved here</a></body></html>",
        content_type="text/html",
    )


SHORT_LINKS = {
    "/yt-prv01": "https://www.youtube.com/watch?v=prvVideo001",
    "/yt-pub01": "https://youtu.be/pubVideo001",
    "/chain-410": "https://tinyurl.com/hop2-gone",
}


@scenario("bit.ly", "/*")
async def _bitly(request: web.Request) -> web.Response:
    target = SHORT_LINKS.get(request.path)
    if target is None:
        return html("<h1>Something went wrong</h1>", status=404, title="Bitly")
    return _moved(target)


@scenario("tinyurl.com", "/hop2-gone")
async def _tinyurl_hop(request: web.Request) -> web.Response:
    return _moved("https://videos.example.com/r/hop3", status=301)


@scenario("videos.example.com", "/r/hop3")
async def _hop3(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "/clips/deleted-4471"})


@scenario("videos.example.com", "/clips/deleted-4471")
async def _deleted_clip(request: web.Request) -> web.Response:
    return html("<h1>This video has been deleted.</h1>", status=410, title="Gone")
