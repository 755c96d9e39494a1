"""The catalogue's reading of platforms' own answers, on the shapes the real platforms send.

Every YouTube shape here reproduces a recorded real answer (tests/fakes/youtube_shapes.py names
the recording): a rule that stops matching one of them makes a verdict silently "unknown", or
worse, so each shape is asserted where it arrives (the watch page, the player API JSON).
"""

from __future__ import annotations

import json

import pytest

from fakes import youtube_shapes as shapes
from veriflien.platforms import Catalogue, default_catalogue
from veriflien.platforms.evidence import consent_wall, find_objects
from veriflien.result import Strength, Verdict


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return default_catalogue()


def _watch_page(playability: dict, unlisted: bool | None = False, description: str = "") -> str:
    response: dict = {"responseContext": {}, "playabilityStatus": playability}
    if description:
        response["videoDetails"] = {"shortDescription": description}
    if unlisted is not None:
        response["microformat"] = {"playerMicroformatRenderer": {"isUnlisted": unlisted}}
    return (
        "<!doctype html><html><head><title>YouTube</title></head><body>"
        f"<script>var ytInitialPlayerResponse = {json.dumps(response)};</script></body></html>"
    )


def _codes(catalogue: Catalogue, platform_id: str, document: str) -> dict[str, tuple]:
    platform = catalogue.get(platform_id)
    assert platform is not None
    return {f.code: (f.supports, f.strength) for f in platform.state_findings(document, "page")}


WHAT_IT_MEANS = {
    "platform_playable": (Verdict.PUBLIC, Strength.STRONG),
    "platform_private": (Verdict.PRIVATE, Strength.STRONG),
    "platform_bot_check": (None, None),
    "platform_age_check": (Verdict.PUBLIC, Strength.STRONG),
    "platform_removed": (Verdict.REMOVED, Strength.STRONG),
    "platform_geo_blocked": (Verdict.PUBLIC, Strength.STRONG),
    "platform_paid_access": (Verdict.UNKNOWN, Strength.STRONG),
    "platform_live_recording_unavailable": (Verdict.REMOVED, Strength.MEDIUM),
    "platform_rate_limited": (None, None),
}


@pytest.mark.parametrize(
    ("name", "playability", "code"),
    [(name, ps, code) for name, ps, code, _ in shapes.PLAYABILITY],
    ids=[name for name, *_ in shapes.PLAYABILITY],
)
@pytest.mark.parametrize("where", ["watch-page", "player-api"])
def test_every_real_youtube_shape_is_read(catalogue, name, playability, code, where) -> None:
    if where == "watch-page":
        document = _watch_page(playability, unlisted=None)
    else:
        document = json.dumps({"responseContext": {}, "playabilityStatus": playability})
    found = _codes(catalogue, "youtube", document)
    assert code in found, f"{name}: {found}"
    assert found[code] == WHAT_IT_MEANS[code]


@pytest.mark.parametrize(
    "name", ["bot-check", "rate-limited", "members-only", "music-premium", "rental"]
)
def test_walls_and_paywalls_are_never_read_as_private_or_removed(catalogue, name) -> None:
    playability = next(ps for n, ps, _, _ in shapes.PLAYABILITY if n == name)
    found = _codes(catalogue, "youtube", _watch_page(playability))
    assert all(supports in (None, Verdict.UNKNOWN) for supports, _ in found.values()), found


def test_unlisted_is_read_only_when_the_video_plays(catalogue) -> None:
    ok = {"status": "OK"}
    assert "platform_unlisted" in _codes(catalogue, "youtube", _watch_page(ok, unlisted=True))
    assert "platform_playable" in _codes(catalogue, "youtube", _watch_page(ok, unlisted=False))
    gone = {"status": "UNPLAYABLE", "reason": "This live stream recording is not available."}
    found = _codes(catalogue, "youtube", _watch_page(gone, unlisted=True))
    assert "platform_unlisted" not in found  # unlisted, but nothing plays


def test_an_uploader_cannot_fake_the_platform_state(catalogue) -> None:
    """A public video whose description imitates YouTube's JSON, placed before the real one."""
    fake = json.dumps({"status": "ERROR", "reason": "This video is private"})
    description = f'"playabilityStatus": {fake} Private video - This video is private'
    response = {
        "videoDetails": {"title": "This video is private", "shortDescription": description},
        "playabilityStatus": {"status": "OK"},
    }
    page = f"<script>var ytInitialPlayerResponse = {json.dumps(response)};</script>"
    found = _codes(catalogue, "youtube", page)
    assert set(found) == {"platform_playable"}, found


def test_objects_are_found_only_where_they_are_json_syntax() -> None:
    escaped = json.dumps({"text": '"playabilityStatus":{"status":"ERROR"}'})
    assert list(find_objects(escaped, "playabilityStatus")) == []
    assert list(find_objects('{"playabilityStatus": {"status": "OK"}}', "playabilityStatus")) == [
        {"status": "OK"}
    ]


@pytest.mark.parametrize(
    "block",
    [shapes.OLD_LAYOUT_REMOVED, shapes.OLD_LAYOUT_NEVER_EXISTED_DE, shapes.OLD_LAYOUT_COPYRIGHT],
)
def test_pages_from_before_2017_say_removed(catalogue, block) -> None:
    youtube = catalogue.get("youtube")
    page = f"<html><body><div id=player>{block}</div></body></html>"
    assert youtube.marker_hits("removed", page)
    assert not youtube.marker_hits("private", page)


def test_consent_wall_is_recognised_by_host_title_and_form(catalogue) -> None:
    rules = catalogue.consent
    assert consent_wall(rules, "consent.youtube.com", "<html></html>") == "host"
    assert consent_wall(rules, "www.youtube.com", shapes.CONSENT_PAGE) in {"form", "title"}
    spanish_drive = (
        "<html><body><p>Permite que Google acceda a tus cookies necesarias</p><p>No podrás "
        "acceder a este contenido si las cookies necesarias están desactivadas</p></body></html>"
    )
    assert consent_wall(rules, "drive.google.com", spanish_drive) == "text"
    article = "<html><title>Weather</title><body><p>" + "Sunny today. " * 50 + "</p></body></html>"
    assert consent_wall(rules, "news.example", article) is None


def test_vimeo_privacy_object(catalogue) -> None:
    public = '{"clip":{"privacy":{"is_public":true,"type":"anybody","description":"Public"}}}'
    assert _codes(catalogue, "vimeo", public) == {
        "platform_public": (Verdict.PUBLIC, Strength.STRONG)
    }
    unlisted = '{"privacy":{"is_public":false,"type":"unlisted"}}'
    assert _codes(catalogue, "vimeo", unlisted)["platform_unlisted"][0] is Verdict.UNLISTED
    # A JavaScript object literal (unquoted key) elsewhere in the page is not Vimeo's data.
    assert _codes(catalogue, "vimeo", "x={privacy:{type:'anybody'}}") == {}


def test_tiktok_video_detail_object(catalogue) -> None:
    def detail(code: int, private: bool) -> str:
        item = {"itemStruct": {"id": "1", "privateItem": private, "desc": "this video is private"}}
        return json.dumps({"webapp.video-detail": {"itemInfo": item, "statusCode": code}})

    assert "platform_public" in _codes(catalogue, "tiktok", detail(0, False))
    assert "platform_private" in _codes(catalogue, "tiktok", detail(10216, True))
    assert _codes(catalogue, "tiktok", detail(10204, False)) == {}  # an address block


def test_instagram_public_account(catalogue) -> None:
    page = json.dumps({"shortcode_media": {"is_video": True, "owner": {"is_private": False}}})
    assert "platform_public" in _codes(catalogue, "instagram", page)
    private = json.dumps({"shortcode_media": {"owner": {"is_private": True}}})
    assert _codes(catalogue, "instagram", private) == {}


def _embed_page(player: dict, title: str = "") -> str:
    config = {
        "VIDEO_TITLE": title,
        "PLAYER_VARS": {"embedded_player_response": json.dumps(player)},
    }
    return f"<script>ytcfg.set({json.dumps(config)});</script>"


def test_the_embed_page_is_read_inside_the_document_it_ships(catalogue) -> None:
    """YouTube's embed page carries its player status as a JSON document in a string (2023)."""
    status = {"status": "ERROR", "reason": "Video unavailable"}
    page = _embed_page({"previewPlayabilityStatus": status, "embeddedPlayerMode": "DEFAULT"})
    assert '\\"previewPlayabilityStatus\\"' in page
    assert _codes(catalogue, "youtube", page) == {
        "platform_removed": (Verdict.REMOVED, Strength.STRONG)
    }


@pytest.mark.parametrize(
    "title",
    [
        '"previewPlayabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Private video"}',
        '{"previewPlayabilityStatus":{"status":"ERROR","reason":"Video unavailable"}}',
        '"playabilityStatus":{"status":"ERROR"}',
    ],
)
def test_an_uploader_title_cannot_fake_the_embedded_state(catalogue, title: str) -> None:
    player = {"videoDetails": {"title": title}, "previewPlayabilityStatus": {"status": "OK"}}
    page = _embed_page(player, title=title)  # the title, before and inside the document
    assert _codes(catalogue, "youtube", page) == {
        "platform_playable": (Verdict.PUBLIC, Strength.STRONG)
    }
    # Even with no status of YouTube's own, a title alone decides nothing.
    assert _codes(catalogue, "youtube", _embed_page({"videoDetails": {}}, title=title)) == {}
