"""YouTube's answers in their real shapes, written by hand from recorded answers (2016-2026).

Why this exists: YouTube says "private", "removed", "age check" or "not a bot" in its player
response, and the SHAPE matters more than any one sentence: `reason` as a string, as
{"simpleText": ...} or as {"runs": [...]}, `messages`, `errorScreen` renderers whose names change,
`desktopLegacyAgeGateReason`, and before 2017 a `#unavailable-message` block with no JSON at all.
Each constant below reproduces the structure of a real recording in ../shared/real (named in its
comment) with our own minimal values; none of those files is copied. The unit tests read these
shapes through the catalogue's rules, and the fake YouTube serves them, so a rule that stops
matching a real shape fails a test here before it fails a frightened person.
"""

from __future__ import annotations

from typing import Any


def pemr(reason: Any, subreason: Any = None) -> dict[str, Any]:
    """errorScreen.playerErrorMessageRenderer, as YouTube nests it."""
    renderer: dict[str, Any] = {"reason": reason, "icon": {"iconType": "ERROR_OUTLINE"}}
    if subreason is not None:
        renderer["subreason"] = subreason
    return {"playerErrorMessageRenderer": renderer}


def simple(text: str) -> dict[str, str]:
    return {"simpleText": text}


def runs(*texts: str) -> dict[str, list[dict[str, str]]]:
    return {"runs": [{"text": t} for t in texts]}


#: (shape name, playabilityStatus object, the rule code the catalogue must give, where it is from)
PLAYABILITY: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "public",
        {"status": "OK", "playableInEmbed": True, "contextParams": "Q0FFU0FnZ0I="},
        "platform_playable",
        "ytta-2025-02_public (watch page), ytta-2025-06_innertube_public (player API)",
    ),
    (
        "private-web-simpletext",
        {
            "status": "LOGIN_REQUIRED",
            "messages": ["This is a private video. Please sign in to verify that you may see it."],
            "errorScreen": pemr(
                simple("Private video"), runs("Sign in if you've been granted access to this video")
            ),
        },
        "platform_private",
        "pytube-2023-05_private (watch page and player API), newpipe-2025-07_private (WEB)",
    ),
    (
        "private-android-string",
        {
            "status": "LOGIN_REQUIRED",
            "reason": "This video is private",
            "messages": ["This is a private video. Please sign in to verify that you may see it."],
            "errorScreen": pemr(
                None, runs("If the owner of this video has granted you access, please sign in.")
            ),
        },
        "platform_private",
        "newpipe-2026-06_private (ANDROID player)",
    ),
    (
        "bot-check",
        {
            "status": "LOGIN_REQUIRED",
            "reason": "Sign in to confirm you’re not a bot",
            "errorScreen": pemr(
                simple("Sign in to confirm you’re not a bot"),
                runs("This helps protect our community. ", "Learn more"),
            ),
        },
        "platform_bot_check",
        "ytta-2025-02_botcheck (watch page), ytta-2025-06_innertube_request_blocked",
    ),
    (
        "age-check-web",
        {
            "status": "LOGIN_REQUIRED",
            "reason": "Sign in to confirm your age",
            "errorScreen": pemr(
                simple("Sign in to confirm your age"),
                simple("This video may be inappropriate for some users."),
            ),
            "desktopLegacyAgeGateReason": 1,
        },
        "platform_age_check",
        "ytta-2025-02_agerestricted, ytdlcore-2020-12_agerestricted, newpipe-2021-02",
    ),
    (
        "age-check-confirm-dialog",
        {
            "status": "LOGIN_REQUIRED",
            "reason": "This video may be inappropriate for some users.",
            "errorScreen": {"confirmDialogRenderer": {"title": simple("Age-restricted video")}},
            "desktopLegacyAgeGateReason": 1,
        },
        "platform_age_check",
        "ytta-2025-06_innertube_age_restricted, pytube-2021-08 player API",
    ),
    (
        "removed-web",
        {
            "status": "ERROR",
            "reason": "Video unavailable",
            "errorScreen": pemr(simple("Video unavailable")),
        },
        "platform_removed",
        "pytube-2023-05_removed, ytta-2025-02_unavailable_abc, ytdlcore-2020-05_nonexistent",
    ),
    (
        "removed-spanish-copyright",
        {
            "status": "ERROR",
            "reason": "El vídeo no está disponible",
            "errorScreen": pemr(
                simple("El vídeo no está disponible"),
                runs("Este vídeo ya no está disponible debido a una reclamación de derechos."),
            ),
        },
        "platform_removed",
        "videoinfo-2023-10_removedcopyright (es-ES)",
    ),
    (
        "removed-innertube",
        {
            "status": "ERROR",
            "reason": "This video is unavailable",
            "errorScreen": pemr(simple("This video is unavailable")),
        },
        "platform_removed",
        "ytta-2025-06_innertube_video_unavailable",
    ),
    (
        "geo-web-subreason",
        {
            "status": "UNPLAYABLE",
            "reason": "Video unavailable",
            "errorScreen": pemr(
                simple("Video unavailable"),
                runs("The uploader has not made this video available in your country"),
            ),
        },
        "platform_geo_blocked",
        "ytta-2023-07_geoblocked (watch page)",
    ),
    (
        "geo-android-reason",
        {
            "status": "UNPLAYABLE",
            "reason": "The uploader has not made this video available in your country",
            "errorScreen": pemr(
                runs("The uploader has not made this video available in your country")
            ),
        },
        "platform_geo_blocked",
        "newpipe-2026-06_geoblocked (ANDROID player)",
    ),
    (
        "members-only",
        {
            "status": "UNPLAYABLE",
            "reason": "This video is available to this channel's members on level: Gold (or any "
            "higher priced level). Join this channel to get access to members-only content.",
        },
        "platform_paid_access",
        "newpipe-2026-06_membersonly",
    ),
    (
        "music-premium",
        {"status": "UNPLAYABLE", "reason": "This video is only available to Music Premium members"},
        "platform_paid_access",
        "newpipe-2026-06_musicpremium",
    ),
    (
        "rental",
        {
            "status": "UNPLAYABLE",
            "reason": "This video requires payment to watch.",
            "errorScreen": {
                "playerLegacyDesktopYpcOfferRenderer": {"itemTitle": "A film", "offerId": "x"}
            },
        },
        "platform_paid_access",
        "ytdlcore-2020-12_rental",
    ),
    (
        "live-recording-unavailable",
        {
            "status": "UNPLAYABLE",
            "reason": "This live stream recording is not available.",
            "errorScreen": pemr(simple("This live stream recording is not available.")),
        },
        "platform_live_recording_unavailable",
        "pytube-2021-08_livenotavailable",
    ),
    (
        "rate-limited",
        {
            "status": "ERROR",
            "reason": "This content isn't available, try again later.",
        },
        "platform_rate_limited",
        "yt-dlp's handling of YouTube's rate limit (no recording)",
    ),
]

#: Before 2017 there was no player response: the reason sat in #unavailable-message (2016, 2019).
OLD_LAYOUT_REMOVED = (
    '<div id="player-unavailable" class="player-width"><div class="content">'
    '<h1 id="unavailable-message" class="message">\n      This video is unavailable.\n</h1>'
    '<div id="unavailable-submessage" class="submessage">Sorry about that.</div></div></div>'
)
OLD_LAYOUT_NEVER_EXISTED_DE = (
    '<h1 id="unavailable-message" class="message">\n  Dieses Video existiert nicht.\n</h1>'
)
OLD_LAYOUT_COPYRIGHT = (
    '<h1 id="unavailable-message" class="message">\n  &quot;Addicted t...&quot; This video is '
    "no longer available due to a copyright claim by A Label. Sorry about that.\n</h1>"
)

#: The EU consent interstitial (consent.youtube.com), as it reached a German visitor in 2021.
CONSENT_PAGE = (
    "<!doctype html><html lang=de><head><title>Bevor Sie zu YouTube weitergehen</title></head>"
    "<body><h1>Bevor Sie zu YouTube weitergehen</h1><p>Google verwendet Cookies und Daten, um "
    "Dienste und Werbung zur Verfügung zu stellen.</p>"
    '<form action="https://consent.youtube.com/s" method="POST" style="display:inline;">'
    '<input type="hidden" name="gl" value="DE"><button>Alle ablehnen</button></form>'
    '<form action="https://consent.youtube.com/s" method="POST"><button>Ich stimme zu</button>'
    "</form></body></html>"
)
