"""Pages blackmailers send instead of a video: lures, fake logins, ransom notes, empty shells.

Why this exists: the person checking the link must be told "do not open or download this" when the
page is a trap, whatever else it shows, and must not be told "no video" about a page we simply
cannot read (built by JavaScript). Each page here is shaped on the lures the page analysis is
written against (shared facts, page_analysis.py): a fake "download the full video" program, a
"missing codec" installer, a sign-in form dressed as YouTube on another host, a payment demand
with a Bitcoin address, an ordinary article with no video, and a JavaScript-only shell.

All are served on lure.example.net (and a members-only page on videos.example.com).
"""

from __future__ import annotations

from aiohttp import web

from fakes.platform import html, scenario

LURE = "lure.example.net"
#: A checksum-valid Bitcoin address derived from a fixed test string: nobody's wallet.
FAKE_WALLET = "1NmDTVPcUEdwr2jFwh68HyfsbbMPGKB85x"


@scenario(LURE, "/get/video-4471")
async def _download_lure(request: web.Request) -> web.Response:
    return html(
        "<h1>Your private video is ready</h1>"
        "<p>The file is too large to play in the browser. Download it to watch the full video.</p>"
        '<a class="btn" href="/files/video_4471_full_HD.mp4.exe" download>'
        "Download the full video (HD, 212 MB)</a>",
        title="video_4471.mp4",
    )


@scenario(LURE, "/watch/codec")
async def _codec_lure(request: web.Request) -> web.Response:
    return html(
        '<div class="player"><img src="/static/poster.jpg" alt="video"></div>'
        "<p><strong>Error:</strong> this video cannot be played because a codec is missing.</p>"
        "<p>Install the HD codec pack to watch the video, then reload this page.</p>"
        '<a href="/files/HDCodecPack-setup.exe">Install codec</a>',
        title="Video player",
    )


@scenario(LURE, "/youtube/signin")
async def _phishing_youtube(request: web.Request) -> web.Response:
    return html(
        '<form action="/collect" method="post">'
        '<img src="/static/youtube-logo.png" alt="YouTube">'
        "<h1>Sign in</h1><p>to continue to YouTube</p>"
        '<input type="email" name="identifier" placeholder="Email or phone">'
        '<input type="password" name="Passwd" placeholder="Enter your password">'
        '<button type="submit">Next</button></form>',
        title="YouTube",
    )


@scenario(LURE, "/pay")
async def _payment_demand(request: web.Request) -> web.Response:
    return html(
        "<h1>Last warning</h1>"
        "<p>I have recorded you. The video is ready to be sent to all your contacts and family.</p>"
        "<p>Send 500 € in Bitcoin (BTC) to this wallet within 48 hours and the video will be "
        f"deleted:</p><p><code>{FAKE_WALLET}</code></p>"
        "<p>If you do not pay, everyone will see it.</p>",
        title="Payment",
    )


@scenario(LURE, "/article")
async def _no_video(request: web.Request) -> web.Response:
    paragraph = (
        "<p>Tomatoes need sun, regular watering and a little patience. Plant them after the last "
        "frost, stake them early and remove the side shoots every week. Water at the foot of the "
        "plant rather than on the leaves, in the morning, so that the foliage dries during the "
        "day. A layer of straw keeps the soil moist and clean.</p>"
    )
    return html(f"<h1>Growing tomatoes on a balcony</h1>{paragraph * 3}", title="Garden notes")


@scenario(LURE, "/app")
async def _js_shell(request: web.Request) -> web.Response:
    scripts = "".join(
        f"<script>window.__chunk{n} = function () {{ return {n}; }};</script>" for n in range(3)
    )
    return html(
        '<div id="root"></div>'
        "<noscript>You need to enable JavaScript to run this app.</noscript>"
        f'<script src="/static/js/main.4471.js"></script>{scripts}',
        title="Video",
    )


@scenario("videos.example.com", "/members/clip-88")
async def _members_only(request: web.Request) -> web.Response:
    # A members area: HTTP 401 and a sign-in form, no video for anonymous visitors.
    return html(
        "<h1>Members only</h1><p>Sign in to watch this clip.</p>"
        '<form action="/members/login" method="post">'
        '<input type="text" name="user" placeholder="User name">'
        '<input type="password" name="password" placeholder="Password">'
        '<button type="submit">Sign in</button></form>',
        status=401,
        title="Sign in - Videos",
    )


@scenario("videos.example.com", "/watch/deleted-clip")
async def _not_found(request: web.Request) -> web.Response:
    return html("<h1>Video not found</h1><p>This page does not exist.</p>", status=404)


@scenario("videos.example.com", "/embed-page/*")
async def _embedding_page(request: web.Request) -> web.Response:
    """A page of the blackmailer's own that only wraps a YouTube player: /embed-page/VIDEO_ID."""
    video_id = request.path.rsplit("/", 1)[-1][:11]
    return html(
        "<h1>Look what I have</h1>"
        f'<iframe width="560" height="315" src="https://www.youtube.com/embed/{video_id}" '
        'frameborder="0" allowfullscreen></iframe>'
        "<p>Everyone will see it soon.</p>",
        title="Your video",
    )


#: A trap page with every lure at once: a sign-in form dressed as YouTube, a Bitcoin demand and a
#: download of an .exe. Served below with whatever charset label the test names.
TRAP_BODY = (
    '<form action="/collect" method="post">'
    '<img src="/static/youtube-logo.png" alt="YouTube">'
    "<h1>Sign in</h1><p>to continue to YouTube and watch your private vidéo</p>"
    '<input type="email" name="identifier" placeholder="Email or phone">'
    '<input type="password" name="Passwd" placeholder="Enter your password">'
    '<button type="submit">Next</button></form>'
    "<p>I have recorded you. Send 500 € in Bitcoin (BTC) to this wallet within 48 hours or the "
    f"video goes to all your contacts: <code>{FAKE_WALLET}</code></p>"
    '<a href="/files/video_4471_full_HD.mp4.exe" download>Download the full video (HD)</a>'
)


@scenario(LURE, "/charset-trap/meta")
async def _charset_in_meta(request: web.Request) -> web.Response:
    # Issue 13, item 1: `<meta charset="punycode">` (any Python-only codec name) made the service
    # read garbage and say "unknown"; browsers ignore the label and show the page. No charset in
    # the header (aiohttp's text= would add one, and a header charset wins over the meta).
    label = request.query.get("label", "")
    page = (
        f'<!doctype html><html><head><meta charset="{label}"><title>YouTube</title></head>'
        f"<body>{TRAP_BODY}</body></html>"
    )
    return web.Response(body=page.encode("utf-8"), headers={"Content-Type": "text/html"})


@scenario(LURE, "/charset-trap/header")
async def _charset_in_header(request: web.Request) -> web.Response:
    label = request.query.get("label", "")
    page = f"<!doctype html><html><head><title>YouTube</title></head><body>{TRAP_BODY}</body>"
    return web.Response(
        body=page.encode("utf-8"), headers={"Content-Type": f"text/html; charset={label}"}
    )


@scenario(LURE, "/charset-trap/utf-16le")
async def _utf16_by_header(request: web.Request) -> web.Response:
    # A real encoding browsers honour from the header (never from a <meta>): the bytes are UTF-16
    # with no BOM, so a reader that ignores the header sees NUL bytes, not a trap.
    page = f"<!doctype html><html><head><title>YouTube</title></head><body>{TRAP_BODY}</body>"
    return web.Response(
        body=page.encode("utf-16-le"), headers={"Content-Type": "text/html; charset=UTF-16LE"}
    )
