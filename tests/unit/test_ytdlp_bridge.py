"""yt-dlp bridge: it may only ever talk through the gate, and its words must map honestly.

No real network: a fake fetch serves canned YouTube-shaped pages (watch page + innertube JSON),
which makes yt-dlp issue several requests of its own (next, player...) — exactly the traffic
that must all go through the injected fetch. Sockets are patched to record any attempt to
bypass it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from veriflien.net.ytdlp import ExtractionSession, GatedYoutubeDL, GateRefused, GateResponse
from veriflien.probes import ytdlp_bridge
from veriflien.probes.ytdlp_bridge import (
    YtdlpRunner,
    extract,
    map_error,
    match_message,
)
from veriflien.result import Strength, Verdict

WATCH_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
ALLOWED = ["Youtube", "Vimeo", "Dailymotion"]

PRIVATE_PR = {
    "playabilityStatus": {
        "status": "LOGIN_REQUIRED",
        "reason": "Private video. Sign in if you've been granted access to this video",
    }
}
AGE_GATE_PR = {
    "playabilityStatus": {
        "status": "LOGIN_REQUIRED",
        "reason": "Sign in to confirm your age",
        "desktopLegacyAgeGateReason": 1,
    }
}


def _playable_pr(*, unlisted: bool) -> dict:
    return {
        "playabilityStatus": {"status": "OK"},
        "videoDetails": {
            "videoId": "dQw4w9WgXcQ",
            "title": "Holiday clip",
            "lengthSeconds": "212",
            "isPrivate": False,
            "isLiveContent": False,
        },
        "microformat": {"playerMicroformatRenderer": {"isUnlisted": unlisted}},
        "streamingData": {
            "formats": [
                {
                    "itag": 18,
                    "url": "https://rr1.googlevideo.com/videoplayback?id=1&itag=18",
                    "mimeType": 'video/mp4; codecs="avc1.42001E, mp4a.40.2"',
                    "width": 640,
                    "height": 360,
                    "approxDurationMs": "212000",
                }
            ]
        },
    }


class FakeYouTube:
    """A gate fetch that answers like YouTube would, recording every call."""

    def __init__(self, player_response: dict, *, refuse_after: int | None = None) -> None:
        self.player_response = player_response
        self.refuse_after = refuse_after
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, method, url, headers, body) -> GateResponse:
        with self.lock:
            self.calls.append((method, url))
            n = len(self.calls)
        assert isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
        if self.refuse_after is not None and n > self.refuse_after:
            raise GateRefused("address is in a private network")
        payload = json.dumps(self.player_response)
        if "/watch" in url:
            html = (
                "<html><head><title>YouTube</title></head><body><script>"
                f"var ytInitialPlayerResponse = {payload};</script></body></html>"
            )
            return GateResponse(200, {"Content-Type": "text/html"}, html.encode(), url)
        if "/youtubei/v1/player" in url:
            return GateResponse(200, {"Content-Type": "application/json"}, payload.encode(), url)
        if "/youtubei/v1/" in url:
            return GateResponse(200, {"Content-Type": "application/json"}, b"{}", url)
        if "/embed/" in url:  # the age-gate path fetches the embedded player's client config
            ytcfg = {
                "INNERTUBE_CONTEXT": {
                    "client": {
                        "clientName": "WEB_EMBEDDED_PLAYER",
                        "clientVersion": "1.20260101.01.00",
                    }
                }
            }
            html = f"<html><script>ytcfg.set({json.dumps(ytcfg)});</script></html>"
            return GateResponse(200, {"Content-Type": "text/html"}, html.encode(), url)
        return GateResponse(404, {"Content-Type": "text/html"}, b"not found", url)


@pytest.fixture
def no_sockets(monkeypatch):
    """Record (and fail) any socket use that did not go through the injected fetch."""
    attempts: list[str] = []

    def deny(name):
        def _deny(*args, **kwargs):
            attempts.append(name)
            raise OSError(f"test forbids {name}")

        return _deny

    monkeypatch.setattr(socket.socket, "connect", deny("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", deny("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", deny("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", deny("getaddrinfo"))
    return attempts


def codes(outcome) -> list[str]:
    return [f.code for f in outcome.findings]


# ---- every request goes through the gate, and only through the gate ------------------------


def test_all_of_ytdlps_requests_go_through_fetch_and_none_around_it(no_sockets):
    fake = FakeYouTube(PRIVATE_PR)

    outcome = extract(WATCH_URL, fake, ALLOWED, timeout=20)

    # The watch page made yt-dlp call innertube endpoints too: all of them reached fetch.
    assert len(fake.calls) >= 3
    assert {url.split("?")[0] for _, url in fake.calls} >= {
        "https://www.youtube.com/watch",
        "https://www.youtube.com/youtubei/v1/player",
    }
    assert no_sockets == []
    assert outcome.extractor == "Youtube"
    assert "ytdlp_private" in codes(outcome)


def test_control_a_stock_youtubedl_would_have_opened_sockets(no_sockets):
    # Proves the socket trap above is live: without our director yt-dlp goes straight to DNS.
    import yt_dlp

    params = {
        "logger": ytdlp_bridge._SilentLogger(),
        "js_runtimes": {},
        "retries": 0,
        "extractor_retries": 0,
    }
    with yt_dlp.YoutubeDL(params) as ydl, pytest.raises(yt_dlp.utils.DownloadError):
        ydl.extract_info(WATCH_URL, download=False, process=False, ie_key="Youtube")

    assert no_sockets


def test_refused_address_stops_extraction_without_any_other_connection(no_sockets):
    fake = FakeYouTube(_playable_pr(unlisted=False), refuse_after=1)

    outcome = extract(WATCH_URL, fake, ALLOWED, timeout=20)

    assert outcome.status == "refused"
    assert codes(outcome) == ["ytdlp_request_refused"]
    assert outcome.findings[0].supports is None
    assert "private network" in outcome.findings[0].detail
    # One page fetched, one refused, then nothing: not through fetch, not around it.
    assert len(fake.calls) == 2
    assert no_sockets == []


def test_refusal_on_first_request_reports_refused(no_sockets):
    fake = FakeYouTube(PRIVATE_PR, refuse_after=0)

    outcome = extract(WATCH_URL, fake, ALLOWED, timeout=20)

    assert outcome.status == "refused"
    assert len(fake.calls) == 1
    assert no_sockets == []


def test_request_director_only_ever_holds_the_gate_handler():
    session = ExtractionSession(time.monotonic() + 5)
    ydl = GatedYoutubeDL(
        {"logger": ytdlp_bridge._SilentLogger()}, fetch=FakeYouTube({}), session=session
    )
    assert list(ydl._request_director.handlers) == ["VeriflienGate"]
    ydl.close()  # drops the cached director; the next access rebuilds it
    assert list(ydl._request_director.handlers) == ["VeriflienGate"]
    ydl.close()


# ---- extractor allow-list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.org/some/page.html", ALLOWED),
        ("https://example.org/clip.mp4", ["Generic"]),
        ("https://example.org/clip.mp4", ["generic", "Youtube"]),
        (WATCH_URL, ["Generic"]),
        (WATCH_URL, ["Dailymotion"]),
        (WATCH_URL, []),
    ],
)
def test_link_outside_the_allow_list_is_not_supported_and_nothing_is_fetched(
    url, allowed, no_sockets
):
    fake = FakeYouTube(PRIVATE_PR)

    outcome = extract(url, fake, allowed, timeout=5)

    assert outcome.status == "not_supported"
    assert all(f.supports is None for f in outcome.findings)
    assert fake.calls == []
    assert no_sockets == []


def test_generic_listed_first_is_skipped_for_a_real_extractor():
    fake = FakeYouTube(PRIVATE_PR)

    outcome = extract(WATCH_URL, fake, ["Generic", "Youtube"], timeout=20)

    assert outcome.extractor == "Youtube"


# ---- what the user sees from canned platform answers ----------------------------------------


def test_unlisted_video_is_reported_unlisted_with_metadata():
    outcome = extract(WATCH_URL, FakeYouTube(_playable_pr(unlisted=True)), ALLOWED, timeout=20)

    assert outcome.status == "extracted"
    assert outcome.availability == "unlisted"
    unlisted = [f for f in outcome.findings if f.supports is Verdict.UNLISTED]
    assert unlisted and unlisted[0].strength is Strength.STRONG
    assert not any(f.supports is Verdict.PRIVATE for f in outcome.findings)
    assert outcome.title == "Holiday clip"
    assert outcome.duration == 212.0
    assert outcome.was_live is False


def test_playable_video_without_stated_visibility_is_public_at_medium_strength():
    # The fake's "next" endpoint is empty, so yt-dlp cannot tell public from unlisted: streams
    # are listed, which is evidence that anyone can watch, but not the platform's own word.
    outcome = extract(WATCH_URL, FakeYouTube(_playable_pr(unlisted=False)), ALLOWED, timeout=20)

    assert outcome.availability is None
    assert [(f.code, f.supports, f.strength) for f in outcome.findings] == [
        ("ytdlp_info", Verdict.PUBLIC, Strength.MEDIUM)
    ]


@pytest.mark.parametrize(
    ("availability", "supports", "strength"),
    [
        ("public", Verdict.PUBLIC, Strength.STRONG),
        ("unlisted", Verdict.UNLISTED, Strength.STRONG),
        ("private", Verdict.PRIVATE, Strength.STRONG),
        # Paying viewers only: it exists and anyone who pays can watch it: "unknown", firmly.
        ("subscriber_only", Verdict.UNKNOWN, Strength.STRONG),
        ("premium_only", Verdict.UNKNOWN, Strength.STRONG),
        # YouTube marks every 18+ video needs_auth, public ones included.
        ("needs_auth", Verdict.LOGIN_REQUIRED, Strength.MEDIUM),
    ],
)
def test_platform_availability_maps_to_verdict(availability, supports, strength):
    info = {"id": "x", "title": "t", "availability": availability, "formats": []}

    outcome = ytdlp_bridge._outcome_from_info("Youtube", info, [])

    assert [(f.supports, f.strength) for f in outcome.findings] == [(supports, strength)]


def test_metadata_without_streams_supports_nothing():
    info = {"id": "x", "title": "t", "duration": 30, "formats": []}

    outcome = ytdlp_bridge._outcome_from_info("Youtube", info, [])

    assert all(f.supports is None for f in outcome.findings)


def test_link_to_another_page_is_not_followed():
    info = {"_type": "url", "url": "https://example.org/elsewhere", "ie_key": "Generic"}

    outcome = ytdlp_bridge._outcome_from_info("Youtube", info, [])

    assert outcome.status == "indirect"
    assert all(f.supports is None for f in outcome.findings)


def test_age_gated_video_is_never_called_private():
    # The age-gate path also makes yt-dlp fetch a player script that the fake answers with 404:
    # such auxiliary failures must not read as "removed".
    outcome = extract(WATCH_URL, FakeYouTube(AGE_GATE_PR), ALLOWED, timeout=20)

    hidden = (Verdict.PRIVATE, Verdict.REMOVED, Verdict.LOGIN_REQUIRED)
    assert not any(f.supports in hidden for f in outcome.findings)
    age_gate = [f for f in outcome.findings if f.code == "ytdlp_age_gate"]
    assert age_gate and age_gate[0].supports is Verdict.PUBLIC


def test_missing_page_is_at_most_medium_removed(no_sockets):
    def fetch(method, url, headers, body):
        return GateResponse(404, {"Content-Type": "text/html"}, b"gone", url)

    outcome = extract(WATCH_URL, fetch, ALLOWED, timeout=20)

    removed = [f for f in outcome.findings if f.supports is Verdict.REMOVED]
    assert all(f.strength is Strength.MEDIUM for f in removed)
    assert no_sockets == []


def test_findings_never_carry_the_link():
    fake = FakeYouTube(PRIVATE_PR)

    outcome = extract(WATCH_URL, fake, ALLOWED, timeout=20)

    for f in outcome.findings:
        assert "youtube.com" not in f.detail and "dQw4w9WgXcQ" not in f.detail
        assert "://" not in f.detail


# ---- error text -> finding table ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code", "supports", "strength"),
    [
        (
            "[youtube] dQw4w9WgXcQ: Private video. Sign in if you've been granted access to "
            "this video. Use --cookies-from-browser or --cookies for the authentication.",
            "ytdlp_private",
            Verdict.PRIVATE,
            Strength.STRONG,
        ),
        ("This video is private", "ytdlp_private", Verdict.PRIVATE, Strength.STRONG),
        (
            "Sign in to confirm your age. This video may be inappropriate for some users.",
            "ytdlp_age_gate",
            Verdict.PUBLIC,
            Strength.MEDIUM,
        ),
        (
            "Video unavailable. This video is no longer available because the YouTube account "
            "associated with this video has been terminated.",
            "ytdlp_removed",
            Verdict.REMOVED,
            Strength.STRONG,
        ),
        (
            "This video has been removed by the uploader",
            "ytdlp_removed",
            Verdict.REMOVED,
            Strength.STRONG,
        ),
        ("This video does not exist.", "ytdlp_removed", Verdict.REMOVED, Strength.STRONG),
        ("Video unavailable", "ytdlp_unavailable", Verdict.REMOVED, Strength.MEDIUM),
        # The page's own status was already weighed by the page checks: not a second witness.
        (
            "Unable to download webpage: HTTP Error 404: Not Found",
            "ytdlp_page_error",
            None,
            None,
        ),
        (
            "Unable to download webpage: HTTP Error 410: Gone",
            "ytdlp_page_error",
            None,
            None,
        ),
        (
            "Join this channel to get access to members-only content like this video",
            "ytdlp_paid_access",
            Verdict.UNKNOWN,
            Strength.STRONG,
        ),
        (
            "This video is only available to Music Premium members",
            "ytdlp_paid_access",
            Verdict.UNKNOWN,
            Strength.STRONG,
        ),
        (
            "Video unavailable. The uploader has not made this video available in your country",
            "ytdlp_geo_restricted",
            None,
            None,
        ),
        (
            "Requested format is not available. Use --list-formats",
            "ytdlp_formats_unavailable",
            None,
            None,
        ),
        ("No video formats found!", "ytdlp_formats_unavailable", None, None),
        (
            "Sign in to confirm you're not a bot. Use --cookies-from-browser",
            "ytdlp_blocked",
            None,
            None,
        ),
        (
            "Video unavailable. This content isn't available, try again later.",
            "ytdlp_blocked",
            None,
            None,
        ),
        (
            "Unable to download API page: HTTP Error 429: Too Many Requests",
            "ytdlp_blocked",
            None,
            None,
        ),
    ],
)
def test_error_text_maps_to_the_honest_finding(message, code, supports, strength):
    finding = match_message(message)

    assert finding is not None
    assert (finding.code, finding.supports, finding.strength) == (code, supports, strength)
    assert finding.probe == "ytdlp"
    assert "--cookies" not in finding.detail


@pytest.mark.parametrize(
    "message",
    [
        "Unable to download API page: HTTP Error 404: Not Found",  # an endpoint, not the video
        "Unable to extract yt initial data",
        "Unable to download webpage: https://example.org/this-video-is-private/x (caused by x)",
    ],
)
def test_unrecognised_or_ambiguous_text_supports_nothing(message):
    assert match_message(message) is None


def test_unrecognised_error_keeps_class_name_and_drops_urls():
    from yt_dlp.utils import DownloadError, ExtractorError

    try:
        try:
            raise ExtractorError(
                "Unable to parse https://www.youtube.com/watch?v=dQw4w9WgXcQ player", expected=True
            )
        except ExtractorError as inner:
            raise DownloadError("ERROR: " + str(inner), (type(inner), inner, None)) from inner
    except DownloadError as exc:
        finding = map_error(exc)

    assert finding.code == "ytdlp_error"
    assert finding.supports is None
    assert "ExtractorError" in finding.detail
    assert "youtube.com" not in finding.detail and "[url]" in finding.detail


def test_geo_restriction_exception_supports_nothing():
    from yt_dlp.utils import GeoRestrictedError

    finding = map_error(GeoRestrictedError("This video is not available", countries=["US"]))

    assert finding.code == "ytdlp_geo_restricted"
    assert finding.supports is None


# ---- time budget ---------------------------------------------------------------------------


def test_slow_gate_gives_a_timeout_finding_not_a_verdict():
    fake = FakeYouTube(_playable_pr(unlisted=False))

    def slow(method, url, headers, body):
        time.sleep(0.3)
        return fake(method, url, headers, body)

    outcome = extract(WATCH_URL, slow, ALLOWED, timeout=0.2)

    assert outcome.status == "timeout"
    assert codes(outcome) == ["ytdlp_timeout"]
    assert outcome.findings[0].supports is None
    assert len(fake.calls) == 1  # no request started after the deadline


async def test_runner_answers_on_time_and_the_abandoned_worker_stops_fetching():
    release = threading.Event()
    fake = FakeYouTube(_playable_pr(unlisted=False))

    def stuck(method, url, headers, body):
        release.wait(5)
        return fake(method, url, headers, body)

    pool = ThreadPoolExecutor(max_workers=2)
    runner = YtdlpRunner(pool, timeout=0.3)
    started = time.monotonic()
    outcome = await runner.run(WATCH_URL, stuck, ALLOWED)
    elapsed = time.monotonic() - started

    assert codes(outcome) == ["ytdlp_timeout"]
    assert elapsed < 1.5
    release.set()
    pool.shutdown(wait=True)
    assert len(fake.calls) == 1  # the cancelled extraction made no further request


async def test_saturated_runner_waits_then_times_out_without_running_the_queued_check():
    release = threading.Event()
    first = FakeYouTube(PRIVATE_PR)
    second = FakeYouTube(PRIVATE_PR)

    def stuck(method, url, headers, body):
        release.wait(5)
        return first(method, url, headers, body)

    pool = ThreadPoolExecutor(max_workers=1)
    runner = YtdlpRunner(pool, timeout=0.3)
    try:
        import asyncio

        busy = asyncio.ensure_future(runner.run(WATCH_URL, stuck, ALLOWED))
        await asyncio.sleep(0.05)
        queued = await runner.run(WATCH_URL, second, ALLOWED)
        assert codes(queued) == ["ytdlp_timeout"]
        assert "busy" in queued.findings[0].detail
        await busy
    finally:
        release.set()
        pool.shutdown(wait=True, cancel_futures=True)
    assert second.calls == []


async def test_runner_returns_the_extraction_when_in_time():
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        runner = YtdlpRunner(pool, timeout=20)
        outcome = await runner.run(WATCH_URL, FakeYouTube(PRIVATE_PR), ALLOWED)
    finally:
        pool.shutdown()

    assert "ytdlp_private" in codes(outcome)
