"""The platform catalogue: a link lands on the right platform, look-alikes never do, and every
report route a frightened person is shown is a real, sourced https link or in-app steps.

These tests read the packaged platforms.toml, so an association's edit that breaks a promise
(an invented link, a 401 read as private, a Generic extractor) fails here before it ships.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from veriflien.platforms import Catalogue, CatalogueError, normalise_host
from veriflien.result import Strength, Verdict

REQUIRED = {
    "YouTube": "youtube",
    "Vimeo": "vimeo",
    "Dailymotion": "dailymotion",
    "TikTok": "tiktok",
    "X": "x",
    "Reddit": "reddit",
    "Facebook": "facebook",
    "Instagram": "instagram",
    "Snapchat": "snapchat",
    "Telegram": "telegram",
    "Discord": "discord",
    "Google Drive": "google_drive",
    "Dropbox": "dropbox",
    "MEGA": "mega",
    "WeTransfer": "wetransfer",
    "OneDrive": "onedrive",
    "Pornhub": "pornhub",
    "XVideos": "xvideos",
    "XNXX": "xnxx",
    "xHamster": "xhamster",
    "OnlyFans": "onlyfans",
    "Twitch": "twitch",
    "Meetic": "meetic",
    "Tinder": "tinder",
    "WhatsApp": "whatsapp",
}

# From the facts file (platform-behaviour.md, "Shorteners seen in scams").
SHORTENER_HOSTS = [
    "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.su", "cutt.ly", "is.gd", "v.gd", "ow.ly",
    "buff.ly", "rebrand.ly", "t.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "clck.ru", "u.to",
    "goo.gl", "surl.li", "urlz.fr", "qrco.de", "lnkd.in", "bl.ink",
]  # fmt: skip

# From the facts file (report-destinations.md): StopNCII partner platforms in our catalogue.
STOPNCII_PARTNERS = {"facebook", "instagram", "tiktok", "reddit", "snapchat", "onlyfans", "pornhub"}

YT = "dQw4w9WgXcQ"
DRIVE = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def _id(catalogue: Catalogue, url: str) -> str | None:
    platform = catalogue.match(url)
    return None if platform is None else platform.id


# ---------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------


def test_every_required_platform_is_in_the_catalogue(catalogue: Catalogue) -> None:
    missing = [name for name, pid in REQUIRED.items() if catalogue.get(pid) is None]
    assert missing == []
    for pid in REQUIRED.values():
        platform = catalogue.get(pid)
        assert platform is not None and platform.kind != "shortener" and platform.report


def test_stopncii_partners_follow_the_facts_file(catalogue: Catalogue) -> None:
    partners = {p.id for p in catalogue.platforms if p.stopncii_partner}
    assert partners == STOPNCII_PARTNERS


# ---------------------------------------------------------------------------------------------
# Host matching
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.youtube.com/watch?v={YT}", "youtube"),
        (f"https://m.youtube.com/watch?v={YT}", "youtube"),
        (f"https://YouTube.COM/watch?v={YT}", "youtube"),
        (f"https://www.youtube.com./watch?v={YT}", "youtube"),
        (f"youtu.be/{YT}", "youtube"),  # pasted without a scheme
        (f"https://ｙｏｕｔｕｂｅ.com/watch?v={YT}", "youtube"),  # full-width: browsers fold it
        ("https://web.facebook.com/watch/?v=123", "facebook"),
        ("https://old.reddit.com/r/a/comments/abc123/x/", "reddit"),
        ("https://fr.pornhub.com/view_video.php?viewkey=ph5f", "pornhub"),
        ("https://xhamster2.com/videos/some-title-123456", "xhamster"),
        ("https://drive.google.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view", "google_drive"),
        ("https://www.dropbox.com/scl/fi/abc123/video.mp4?rlkey=x&dl=0", "dropbox"),
        ("https://x.com/someone/status/1234567890", "x"),
        ("https://mobile.twitter.com/someone/status/1234567890", "x"),
        ("https://t.me/somechannel/42", "telegram"),
        ("https://www.meetic.fr/", "meetic"),
        ("http://wa.me/33600000000", "whatsapp"),
    ],
)
def test_links_are_recognised(catalogue: Catalogue, url: str, expected: str) -> None:
    assert _id(catalogue, url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"https://youtube.com.evil.example/watch?v={YT}",
        f"https://evilyoutube.com/watch?v={YT}",
        f"https://youtube.co/watch?v={YT}",
        f"https://xn--yutube-wqf.com/watch?v={YT}",  # Cyrillic "о" look-alike, punycode form
        f"https://yоutube.com/watch?v={YT}",  # the same look-alike, typed in Unicode
        f"https://www.youtube.com@evil.example/watch?v={YT}",  # userinfo trick: host is evil
        f"https://evil.example\\@www.youtube.com/watch?v={YT}",  # browsers read evil.example
        "https://notfacebook.com/watch/?v=1",
        "https://facebook.com.example.net/watch/?v=1",
        f"ftp://youtube.com/watch?v={YT}",
        "",
        "not a url at all",
    ],
)
def test_look_alikes_and_tricks_match_nothing(catalogue: Catalogue, url: str) -> None:
    assert catalogue.match(url) is None


def test_host_normalisation() -> None:
    assert normalise_host("WWW.YouTube.com.") == "www.youtube.com"
    assert normalise_host("bücher.example") == "xn--bcher-kva.example"
    assert normalise_host("a..b") is None
    assert normalise_host("") is None


# ---------------------------------------------------------------------------------------------
# Content URLs and ids
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.youtube.com/watch?v={YT}", YT),
        (f"https://www.youtube.com/watch?feature=share&v={YT}&t=42s", YT),
        (f"https://youtube.com/shorts/{YT}?si=abc", YT),
        (f"https://youtu.be/{YT}?si=abc", YT),
        (f"https://www.youtube-nocookie.com/embed/{YT}", YT),
        (f"https://www.youtube.com/live/{YT}", YT),
        (f"https://music.youtube.com/watch?v={YT}", YT),
        ("https://vimeo.com/76979871", "76979871"),
        ("https://vimeo.com/76979871/abcdef1234", "76979871"),  # unlisted hash kept in the link
        ("https://player.vimeo.com/video/76979871?h=abc", "76979871"),
        ("https://www.dailymotion.com/video/x8abc12", "x8abc12"),
        ("https://www.tiktok.com/@someone/video/7234567890123456789", "7234567890123456789"),
        ("https://twitter.com/someone/status/1234567890", "1234567890"),
        ("https://www.reddit.com/r/sub/comments/1abcde/title/", "1abcde"),
        ("https://www.facebook.com/watch/?v=1234567", "1234567"),
        ("https://www.facebook.com/reel/1234567", "1234567"),
        ("https://www.instagram.com/reel/Cabc_12-x/", "Cabc_12-x"),
        ("https://www.pornhub.com/view_video.php?viewkey=ph5f1a2b3c", "ph5f1a2b3c"),
        ("https://www.xvideos.com/video.ihfdkab1234/title", "ihfdkab1234"),
        ("https://www.xnxx.com/video-abc123/title", "abc123"),
        ("https://xhamster.com/videos/some-title-xhAbC12", "xhAbC12"),
        (f"https://drive.google.com/open?id={DRIVE}", DRIVE),
        ("https://mega.nz/file/AbCdEf12#keykeykey", "AbCdEf12"),
        ("https://www.twitch.tv/videos/123456789", "123456789"),
    ],
)  # fmt: skip
def test_video_id_for_common_url_shapes(catalogue: Catalogue, url: str, expected: str) -> None:
    platform = catalogue.match(url)
    assert platform is not None
    assert platform.is_content(url)
    assert platform.video_id(url) == expected


def test_a_channel_is_not_a_video(catalogue: Catalogue) -> None:
    youtube = catalogue.get("youtube")
    assert youtube is not None
    # An 11-letter channel name on youtube.com must not be read as a youtu.be video id.
    assert youtube.video_id("https://www.youtube.com/PewDiePie12") is None
    assert not youtube.is_content("https://www.youtube.com/@somechannel")
    # ...and such a page is never sent to oEmbed, where a 404 would read as "removed".
    assert youtube.oembed_url("https://www.youtube.com/@somechannel") is None


def test_video_id_refuses_another_platforms_host(catalogue: Catalogue) -> None:
    youtube = catalogue.get("youtube")
    assert youtube is not None
    assert youtube.video_id(f"https://evil.example/watch?v={YT}") is None
    assert youtube.oembed_url(f"https://evil.example/watch?v={YT}") is None


# ---------------------------------------------------------------------------------------------
# Shorteners
# ---------------------------------------------------------------------------------------------


def _resolved_first(catalogue: Catalogue, url: str) -> bool:
    """The link must be resolved (through the gate) before it says anything: a generic shortener,
    or a platform's own short link (vm.tiktok.com, dai.ly, fb.watch...), as oEmbed and the data
    API read it (`Platform.needs_resolution`)."""
    platform = catalogue.match(url)
    return platform is not None and platform.needs_resolution(url)


@pytest.mark.parametrize("host", SHORTENER_HOSTS)
def test_shorteners_from_the_facts_file_are_recognised(catalogue: Catalogue, host: str) -> None:
    url = f"https://{host}/AbC123"
    assert _resolved_first(catalogue, url)
    platform = catalogue.match(url)
    assert platform is not None and platform.kind == "shortener"


@pytest.mark.parametrize(
    "url",
    [
        "https://vm.tiktok.com/ZMabc123/",
        "https://www.tiktok.com/t/ZTabc123/",
        "https://dai.ly/x8abc12",
        "https://fb.watch/abcDEF/",
        "https://www.reddit.com/r/sub/s/AbC123",
        "https://db.tt/abc",
        "https://we.tl/t-abc",
        "https://1drv.ms/v/s!abc",
    ],
)
def test_platform_short_links_are_resolved_first(catalogue: Catalogue, url: str) -> None:
    assert _resolved_first(catalogue, url)
    platform = catalogue.match(url)
    assert platform is not None and platform.kind != "shortener"
    assert platform.oembed_url(url) is None  # ask oEmbed about the resolved address only


def test_a_plain_video_link_is_not_a_shortener(catalogue: Catalogue) -> None:
    assert not _resolved_first(catalogue, f"https://youtu.be/{YT}")
    assert not _resolved_first(catalogue, "https://www.tiktok.com/@a/video/123")
    assert not _resolved_first(catalogue, "https://unknown.example/x")


# ---------------------------------------------------------------------------------------------
# oEmbed
# ---------------------------------------------------------------------------------------------


def test_every_oembed_endpoint_is_https_and_never_strong(catalogue: Catalogue) -> None:
    with_oembed = [p for p in catalogue.platforms if p.oembed_endpoint]
    expected = {"youtube", "vimeo", "dailymotion", "tiktok", "x", "reddit"}
    assert {p.id for p in with_oembed} >= expected
    for platform in with_oembed:
        assert platform.oembed_endpoint.startswith("https://")
        rules = [*platform.oembed_rules.values(), *(r.rule for r in platform.oembed_body_rules)]
        assert all(rule.strength != "strong" for rule in rules), platform.id


def test_facebook_and_instagram_have_no_anonymous_oembed(catalogue: Catalogue) -> None:
    for pid in ("facebook", "instagram"):
        platform = catalogue.get(pid)
        assert platform is not None and platform.oembed_endpoint is None


def test_youtube_401_is_never_read_as_private(catalogue: Catalogue) -> None:
    youtube = catalogue.get("youtube")
    assert youtube is not None
    rule = youtube.oembed_rule(401, '{"error": "Unauthorized"}')
    assert rule is not None and rule.supports == "possibly_public"
    assert rule.to_finding("oembed").supports is not Verdict.PRIVATE


def test_youtube_oembed_meanings(catalogue: Catalogue) -> None:
    youtube = catalogue.get("youtube")
    assert youtube is not None
    ok = youtube.oembed_rule(200, '{"title": "x"}')
    assert ok is not None and ok.supports == "public" and ok.strength == "medium"
    assert "unlisted" in ok.detail  # it cannot tell public from unlisted, and says so
    private = youtube.oembed_rule(403)
    assert private is not None and private.to_finding("oembed").supports is Verdict.PRIVATE
    assert private.to_finding("oembed").strength is Strength.MEDIUM
    for status in (400, 404):
        gone = youtube.oembed_rule(status)
        assert gone is not None and gone.supports == "removed"
    busy = youtube.oembed_rule(429)
    assert busy is not None and busy.supports == "unknown" and busy.strength == "weak"
    odd = youtube.oembed_rule(200, "Forbidden")
    assert odd is not None and odd.strength == "weak"


def test_vimeo_embed_restriction_is_not_private(catalogue: Catalogue) -> None:
    vimeo = catalogue.get("vimeo")
    assert vimeo is not None
    rule = vimeo.oembed_rule(200, '{"type": "video", "domain_status_code": 403}')
    assert rule is not None and rule.supports == "possibly_public"
    assert vimeo.oembed_rule(200, '{"type": "video"}').supports == "public"  # type: ignore[union-attr]


@pytest.mark.parametrize("pid", ["dailymotion", "tiktok", "x", "reddit"])
def test_a_non_200_is_never_proof_of_private(catalogue: Catalogue, pid: str) -> None:
    platform = catalogue.get(pid)
    assert platform is not None
    for status in (401, 403, 404, 400, 500):
        rule = platform.oembed_rule(status)
        assert rule is not None and rule.supports == "unknown" and rule.strength == "weak"
    assert platform.oembed_rule(200).supports == "public"  # type: ignore[union-attr]


def test_oembed_url_percent_encodes_the_link(catalogue: Catalogue) -> None:
    tiktok = catalogue.get("tiktok")
    assert tiktok is not None
    url = "https://www.tiktok.com/@a/video/123?lang=fr&x=1"
    assert tiktok.oembed_url(url) == (
        "https://www.tiktok.com/oembed?url="
        "https%3A%2F%2Fwww.tiktok.com%2F%40a%2Fvideo%2F123%3Flang%3Dfr%26x%3D1"
    )
    youtube = catalogue.get("youtube")
    assert youtube is not None
    # The canonical form drops extra parameters the sender may have added.
    assert youtube.oembed_url(f"https://youtu.be/{YT}?si=tracking&list=x") == (
        f"https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D{YT}"
        "&format=json"
    )


# ---------------------------------------------------------------------------------------------
# Page markers (YouTube's player data: tests/unit/test_platform_states.py)
# ---------------------------------------------------------------------------------------------


def test_tiktok_private_status_codes(catalogue: Catalogue) -> None:
    tiktok = catalogue.get("tiktok")
    assert tiktok is not None
    assert tiktok.marker_hits("private", '{"statusCode":10216,"statusMsg":""}')
    assert tiktok.marker_hits("private", '{"statusCode":102160}') == []
    assert tiktok.marker_hits("private", '{"statusCode":10204}') == []  # an address block


def test_unknown_marker_kind_is_a_programming_error(catalogue: Catalogue) -> None:
    youtube = catalogue.get("youtube")
    assert youtube is not None
    with pytest.raises(ValueError):
        youtube.marker_hits("privat", "")


# ---------------------------------------------------------------------------------------------
# Report routes
# ---------------------------------------------------------------------------------------------


def test_every_report_route_is_usable_and_sourced(catalogue: Catalogue) -> None:
    for platform in catalogue.platforms:
        for route in platform.report:
            where = f"{platform.id}: {route.name_en}"
            assert route.url or (route.in_app_fr and route.in_app_en), where
            for link in (route.url, route.url_en):
                assert link is None or link.startswith("https://"), where
            assert route.source and route.status in {"confirmed", "secondary", "unconfirmed"}
            assert route.scope in {"content", "account"}
            assert route.name_fr and route.name_en


def test_report_routes_keep_the_facts_status(catalogue: Catalogue) -> None:
    def status_of(pid: str, url: str) -> str:
        platform = catalogue.get(pid)
        assert platform is not None
        return next(r.status for r in platform.report if r.url == url)

    assert status_of("pornhub", "https://www.pornhub.com/content-removal") == "secondary"
    assert status_of("xvideos", "https://info.xvideos.net/legal/repeat") == "unconfirmed"
    assert status_of("discord", "https://discord.com/report") == "confirmed"
    # Without a confirmed form, XVideos points to a help page and says so.
    xvideos = catalogue.get("xvideos")
    assert xvideos is not None and all(r.hub for r in xvideos.report if r.url)


def test_report_link_is_french_first(catalogue: Catalogue) -> None:
    tiktok = catalogue.get("tiktok")
    assert tiktok is not None
    route = next(r for r in tiktok.report if r.url_en)
    assert "/fr/" in (route.link("fr") or "")
    assert "/en/" in (route.link("en") or "")


# ---------------------------------------------------------------------------------------------
# yt-dlp extractors
# ---------------------------------------------------------------------------------------------


def test_ytdlp_extractor_keys_exist_and_never_generic(catalogue: Catalogue) -> None:
    extractor = pytest.importorskip("yt_dlp.extractor")
    installed = {ie.ie_key() for ie in extractor.gen_extractor_classes()}
    for platform in catalogue.platforms:
        assert "Generic" not in platform.ytdlp_extractors
        unknown = set(platform.ytdlp_extractors) - installed
        assert unknown == set(), platform.id


# ---------------------------------------------------------------------------------------------
# The loader refuses bad data, naming the entry and the field
# ---------------------------------------------------------------------------------------------

GOOD_ENTRY = """
[[platform]]
id = "example"
name = "Example"
kind = "video"
hosts = ["example.org"]

[[platform.report]]
name_fr = "Signaler"
name_en = "Report"
url = "https://example.org/report"
scope = "content"
hub = false
source = "facts: report-destinations.md"
status = "confirmed"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "platforms.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(_write(tmp_path, text))
    return caught.value


def test_a_good_minimal_file_loads(tmp_path: Path) -> None:
    catalogue = Catalogue.load(_write(tmp_path, GOOD_ENTRY))
    assert _id(catalogue, "https://www.example.org/x") == "example"


@pytest.mark.parametrize("field", ["source", "status"])
def test_a_report_route_without_source_or_status_is_refused(tmp_path: Path, field: str) -> None:
    text = "\n".join(line for line in GOOD_ENTRY.splitlines() if not line.startswith(field))
    error = _error(tmp_path, text)
    assert error.entry == "example" and error.field == f"report[0].{field}"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('url = "https://example.org/report"', 'url = "http://example.org/r"', "report[0].url"),
        ('url = "https://example.org/report"', "", "report[0].url"),  # neither url nor in-app
        ('status = "confirmed"', 'status = "probably"', "report[0].status"),
        ('scope = "content"', 'scope = "everything"', "report[0].scope"),
        ('kind = "video"', 'kind = "blog"', "kind"),
        ('hosts = ["example.org"]', 'hosts = ["example.org"]\nurl_patterns = ["(unclosed"]',
         "url_patterns[0]"),
        ('hosts = ["example.org"]', 'hosts = ["example.org"]\nytdlp_extractors = ["Generic"]',
         "ytdlp_extractors"),
        ('hosts = ["example.org"]', 'hosts = ["example.org"]\nstopncii_parter = true',
         "stopncii_parter"),
    ],
)  # fmt: skip
def test_bad_fields_are_refused(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in GOOD_ENTRY
    error = _error(tmp_path, GOOD_ENTRY.replace(old, new))
    assert (error.entry, error.field) == ("example", field)


def test_duplicate_ids_and_hosts_are_refused(tmp_path: Path) -> None:
    assert _error(tmp_path, GOOD_ENTRY + GOOD_ENTRY).field == "id"
    second = GOOD_ENTRY.replace('id = "example"', 'id = "other"')
    error = _error(tmp_path, GOOD_ENTRY + second.replace('"example.org"', '"*.example.org"'))
    assert (error.entry, error.field) == ("other", "hosts")


def test_an_oembed_rule_cannot_be_strong_proof_of_private(tmp_path: Path) -> None:
    text = GOOD_ENTRY + textwrap.dedent(
        """
        [platform.oembed]
        endpoint = "https://example.org/oembed?url={url}"
        [platform.oembed.rules]
        403 = { supports = "private", strength = "strong", code = "x", detail = "x" }
        """
    )
    error = _error(tmp_path, text)
    assert error.field == "oembed.rules.403.strength"


# ---------------------------------------------------------------------------------------------
# The fields that describe what platforms say (issue 11): one generic test per field, on every
# entry of the shipped catalogue, and the loader refusing each kind of mistake.
# ---------------------------------------------------------------------------------------------


def test_every_state_rule_is_specific_and_honest(catalogue: Catalogue) -> None:
    for platform in catalogue.platforms:
        for rule in platform.states:
            assert rule.fields or rule.texts or rule.keys or rule.document, platform.id
            # Texts are compared case-insensitively: they are stored folded.
            assert all(t == t.casefold() for t in rule.texts), platform.id
            # "private" read from the platform's own state may be strong; the rule must then
            # rest on the platform's words or fields, never on the document alone.
            if rule.rule.supports == "private" and rule.rule.strength == "strong":
                assert rule.fields or rule.texts or rule.keys, platform.id


def test_every_page_status_rule_is_never_proof_of_private(catalogue: Catalogue) -> None:
    tables = [catalogue.page_status, *(p.page_status for p in catalogue.platforms)]
    for table in tables:
        for status, rule in table.items():
            assert 400 <= status <= 599
            assert rule.supports != "private", (status, rule)
            assert not (rule.supports == "unknown" and rule.strength == "strong")


def test_every_consent_cookie_is_one_fixed_pair_for_its_own_hosts(catalogue: Catalogue) -> None:
    cookies = catalogue.consent_cookies()
    assert cookies["youtube.com"] == "SOCS=CAI"
    for host, cookie in cookies.items():
        owner = catalogue.match(f"https://{host}/")
        assert owner is not None and owner.consent_cookie == cookie
        assert ";" not in cookie and cookie.count("=") >= 1


def test_every_example_is_content_of_its_platform_with_a_known_state(catalogue: Catalogue) -> None:
    with_examples = [p for p in catalogue.platforms if p.examples]
    assert {p.id for p in with_examples} >= {"youtube", "vimeo", "dailymotion", "tiktok", "x"}
    for platform in with_examples:
        for example in platform.examples:
            assert catalogue.match(example.url) is platform
            assert platform.is_content(example.url)
            assert example.source and example.checked[:2] == "20"


def test_every_data_api_names_the_video_and_is_never_proof_of_private(
    catalogue: Catalogue,
) -> None:
    for platform in catalogue.platforms:
        if platform.api is None:
            continue
        assert platform.api.endpoint.startswith("https://")
        assert "{video_id}" in platform.api.endpoint
        rules = [*platform.api.rules.values(), *(b.rule for b in platform.api.body_rules)]
        assert all(not (r.supports == "private" and r.strength == "strong") for r in rules)


def test_yt_dlp_arguments_name_allowed_extractors(catalogue: Catalogue) -> None:
    for platform in catalogue.platforms:
        allowed = {key.lower() for key in platform.ytdlp_extractors}
        for extractor in platform.ytdlp_args:
            assert extractor in allowed, (platform.id, extractor)


@pytest.mark.parametrize(
    ("addition", "field"),
    [
        # A state rule with no condition would match every object.
        ('[[platform.states]]\nobject = "st"\nsupports = "public"\nstrength = "weak"\n'
         'code = "x"\ndetail = "x"', "states[0].fields"),
        ('[[platform.states]]\nobject = "st"\ntexts = ["ok"]\nsupports = "public"\n'
         'strength = "weak"\ncode = "x"\ndetail = "x"', "states[0].texts"),
        ('[[platform.states]]\nobject = "st"\nfields = { status = ["OK"] }\nsupports = "great"\n'
         'strength = "weak"\ncode = "x"\ndetail = "x"', "states[0].supports"),
        ('[[platform.states]]\nobject = "a b"\nfields = { status = ["OK"] }\n'
         'supports = "public"\nstrength = "weak"\ncode = "x"\ndetail = "x"', "states[0].object"),
        ('[platform.page_status]\n404 = { supports = "unknown", strength = "strong", code = "x", '
         'detail = "x" }', "page_status.404.strength"),
        ('[platform.consent]\nhosts = ["consent.example.org"]\ncookie = "a=1; tracker=2"',
         "consent.cookie"),
        ('[[platform.examples]]\nurl = "https://elsewhere.example/v/1"\nstate = "public"\n'
         'checked = "2026-01"\nsource = "x"', "examples[0].url"),
        ('[[platform.examples]]\nurl = "https://example.org/v/1"\nstate = "fine"\n'
         'checked = "2026-01"\nsource = "x"', "examples[0].state"),
        ('[platform.api]\nendpoint = "https://api.example.org/video"', "api.endpoint"),
        ('ytdlp_args = { youtube = { player_skip = "webpage" } }',
         "ytdlp_args.youtube.player_skip"),
    ],
)  # fmt: skip
def test_bad_platform_answer_fields_are_refused(tmp_path: Path, addition: str, field: str) -> None:
    head, _, report = GOOD_ENTRY.partition("[[platform.report]]")
    if addition.startswith("ytdlp_args"):
        text = head.rstrip() + "\n" + addition + "\n\n[[platform.report]]" + report
    else:
        text = GOOD_ENTRY + "\n" + addition + "\n"
    error = _error(tmp_path, text)
    assert (error.entry, error.field) == ("example", field)


def test_one_marker_matcher_for_the_catalogue_and_the_page_analysis() -> None:
    """The catalogue's readers and the page analysis answer alike, decomposed accents included
    (catalogue markers are NFC; some pages send "e" + a combining accent)."""
    from veriflien.platforms.markers import marker_found
    from veriflien.probes.page.analysis import analyse_page

    page = "<html><body><p>Cette vide\u0301o est prive\u0301e.</p></body></html>"
    markers = {"private": ("vidéo est privée",), "removed": ("re:vid[ée]o supprim",)}
    assert marker_found("vidéo est privée", page)
    assert not marker_found("re:vid[ée]o supprim", page)
    codes = {f.code for f in analyse_page(page.encode(), "https://example.org/", markers).findings}
    assert "marker_private" in codes and "marker_removed" not in codes
