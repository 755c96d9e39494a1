"""A YouTube video that goes from private to public between two checks: what a watch is for.

Why: "tell me if it ever goes public" is only proven by a link whose answer changes while it is
watched. The fake YouTube (scenarios_platforms.py) answers every endpoint — watch page, oEmbed,
the player API yt-dlp asks — from one table entry per video, so switching the entry switches every
answer at once, the way an uploader changing the video's visibility does on the real site.

Tests call `set_visibility(video_id, "private" | "public")`; each test uses its own id, because
the service may remember a recent answer (a watch asks with `fresh: true`, the first check does
not) and because the e2e tests share one fake platform.
"""

from __future__ import annotations

from typing import Literal

from fakes.scenarios_platforms import YOUTUBE, YouTubeVideo

#: Ids of our own (11 characters, as YouTube's): one per browser and one for the console.
CHROMIUM_WATCH_ID = "watchChrom1"
FIREFOX_WATCH_ID = "watchFirfx1"
CONSOLE_WATCH_ID = "watchConsl1"

_PRIVATE = {
    "status": "LOGIN_REQUIRED",
    "reason": "This video is private",
    "messages": ["This is a private video. Please sign in to verify that you may see it."],
}
_PUBLIC = {"status": "OK", "playableInEmbed": True}


def watch_link(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def set_visibility(video_id: str, visibility: Literal["private", "public"]) -> None:
    """What the uploader does in YouTube Studio: every endpoint answers the new state at once."""
    if visibility == "private":
        YOUTUBE[video_id] = YouTubeVideo(video_id, "", 403, _PRIVATE)
    else:
        YOUTUBE[video_id] = YouTubeVideo(video_id, "Summer evening", 200, _PUBLIC)


for _video_id in (CHROMIUM_WATCH_ID, FIREFOX_WATCH_ID, CONSOLE_WATCH_ID):
    set_visibility(_video_id, "private")
