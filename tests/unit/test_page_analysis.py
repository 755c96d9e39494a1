"""Behaviour of the page analysis a victim's check depends on.

Each test is a page a blackmailer (or a platform) could really serve, and asserts what the
counsellor would see: which evidence is reported, what it supports, and which URLs the lead may
follow. False alarms matter as much as misses: a normal video page must not look like a trap.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veriflien.probes.page_analysis import PageAnalysis, analyse_page
from veriflien.result import Finding, Strength, Verdict

BASE = "https://videos.example.net/watch/42"

BTC_LEGACY = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BTC_BECH32 = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
ETH = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e"
TRAP_CODES = {
    "download_lure",
    "codec_lure",
    "phishing_form",
    "payment_demand",
    "obfuscated_redirect",
}
# Long enough that the page is not mistaken for an empty shell.
ARTICLE = "<p>" + "Une page d'actualité ordinaire sur la météo de la semaine. " * 10 + "</p>"


def codes(result: PageAnalysis) -> set[str]:
    return {f.code for f in result.findings}


def finding(result: PageAnalysis, code: str) -> Finding:
    matches = [f for f in result.findings if f.code == code]
    assert matches, f"no {code!r} in {sorted(codes(result))}"
    return matches[0]


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


# ---- video evidence --------------------------------------------------------------------------


def test_public_looking_page_with_og_video_and_video_element() -> None:
    html = page(
        '<h1>Holiday</h1><video controls src="/media/clip.webm"><source src="clip.mp4" '
        'type="video/mp4"></video>',
        head='<title>  Holiday\n clip </title><meta property="og:video" '
        'content="https://cdn.example.net/v/clip.mp4"><meta property="og:video:type" '
        'content="video/mp4">',
    )
    result = analyse_page(html.encode(), BASE)
    assert result.has_video
    assert {"og_video", "video_element", "video_source"} <= codes(result)
    # og:video first, then <video src>, then <source src> (relative to the page URL).
    assert result.media_urls == [
        "https://cdn.example.net/v/clip.mp4",
        "https://videos.example.net/media/clip.webm",
        "https://videos.example.net/watch/clip.mp4",
    ]
    hint = finding(result, "direct_media_url")
    assert (hint.supports, hint.strength) == (Verdict.PUBLIC, Strength.WEAK)
    assert result.title == "Holiday clip"
    assert "no_video_evidence" not in codes(result)
    assert not codes(result) & TRAP_CODES


def test_jsonld_video_object_inside_graph() -> None:
    jsonld = (
        '{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},'
        '{"@type":["VideoObject"],"name":"x","contentUrl":"/files/v.mp4",'
        '"embedUrl":[{"@id":"https://player.example.org/e/9"}]}]}'
    )
    html = page(ARTICLE, head=f'<script type="application/ld+json">{jsonld}</script>')
    result = analyse_page(html, BASE)
    assert "jsonld_video" in codes(result)
    assert result.has_video
    assert result.media_urls == ["https://videos.example.net/files/v.mp4"]
    assert result.embed_urls == ["https://player.example.org/e/9"]


def test_jsonld_video_object_in_top_level_list_and_broken_jsonld_ignored() -> None:
    html = page(
        ARTICLE,
        head='<script type="application/ld+json">{broken</script>'
        '<script type="application/ld+json">[{"@type":"VideoObject",'
        '"contentUrl":"https://c.example/a.m3u8"}]</script>',
    )
    result = analyse_page(html, BASE)
    assert result.media_urls == ["https://c.example/a.m3u8"]


def test_youtube_iframe_is_an_embed_not_media() -> None:
    html = page(
        ARTICLE + '<iframe width="560" src="//www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0">'
        "</iframe><iframe src='https://ads.example.com/banner'></iframe>"
    )
    result = analyse_page(html, BASE)
    assert result.embed_urls == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0"]
    assert result.media_urls == []
    assert result.has_video
    detail = finding(result, "embedded_player").detail
    assert "youtube-nocookie.com" in detail and "dQw4w9WgXcQ" not in detail  # host, not URL


def test_twitter_player_and_og_video_player_page_go_to_embeds() -> None:
    html = page(
        ARTICLE,
        head='<meta name="twitter:player" content="https://x.example/player/1">'
        '<meta name="twitter:player:stream" content="https://x.example/s/1.mp4">'
        '<meta property="og:video" content="https://player.vimeo.com/video/123">',
    )
    result = analyse_page(html, BASE)
    assert result.media_urls == ["https://x.example/s/1.mp4"]
    assert result.embed_urls == ["https://player.vimeo.com/video/123", "https://x.example/player/1"]


def test_media_urls_are_deduplicated_capped_and_never_javascript() -> None:
    sources = "".join(f'<source src="/v{i}.mp4">' for i in range(12))
    html = page(f'<video src="/v0.mp4">{sources}</video><video src="javascript:alert(1)"></video>')
    result = analyse_page(html, BASE)
    assert len(result.media_urls) == 5
    assert len(set(result.media_urls)) == 5
    assert all(u.startswith("https://videos.example.net/v") for u in result.media_urls)


def test_picture_source_is_not_video() -> None:
    html = page(ARTICLE + '<picture><source srcset="a.webp" src="a.webp"><img src="a.jpg">')
    result = analyse_page(html, BASE)
    assert not result.has_video
    assert "no_video_evidence" in codes(result)


# ---- no video / js shell ---------------------------------------------------------------------


def test_page_without_video_says_no_video_with_medium_strength() -> None:
    result = analyse_page(page(ARTICLE, head="<title>Météo</title>"), BASE)
    no_video = finding(result, "no_video_evidence")
    assert (no_video.supports, no_video.strength) == (Verdict.NO_VIDEO, Strength.MEDIUM)
    assert not result.has_video
    assert result.media_urls == [] and result.embed_urls == []


def test_javascript_shell_is_not_reported_as_no_video() -> None:
    html = page(
        '<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>'
        '<script src="/static/js/main.1234.js"></script><script>window.__INITIAL__={"a":1};'
        + "var x=1;" * 500
        + "</script>",
        head="<title>App</title>",
    )
    result = analyse_page(html, BASE)
    shell = finding(result, "js_shell")
    assert shell.supports is None
    assert "no_video_evidence" not in codes(result)
    assert all(f.supports is not Verdict.NO_VIDEO for f in result.findings)


def test_single_page_app_with_external_bundle_is_a_js_shell() -> None:
    # All code comes from an external bundle: only <noscript> tells us the page is a shell.
    html = page(
        '<noscript>Veuillez activer JavaScript pour utiliser ce site.</noscript><div id="app">'
        '</div><script type="module" src="/assets/index-3f2a.js"></script>'
    )
    result = analyse_page(html, BASE)
    assert "js_shell" in codes(result)
    assert "no_video_evidence" not in codes(result)


def test_script_built_player_forbids_no_video() -> None:
    html = page(
        ARTICLE + '<div id="player"></div><script src="/jwplayer.js"></script>'
        '<script>jwplayer("player").setup({file: "https://cdn.example.org/s/master.m3u8"});</script>'
    )
    result = analyse_page(html, BASE)
    assert "no_video_evidence" not in codes(result)
    assert result.has_video
    assert result.media_urls == ["https://cdn.example.org/s/master.m3u8"]


def test_truncated_page_only_weakly_says_no_video() -> None:
    html = page(ARTICLE * 50).encode()
    result = analyse_page(html, BASE, max_bytes=5_000)
    assert "page_truncated_for_analysis" in codes(result)
    assert finding(result, "no_video_evidence").strength is Strength.WEAK


# ---- markers ---------------------------------------------------------------------------------

MARKERS = {
    "private": ["This video is private", 're:"status"\\s*:\\s*"PRIVATE"'],
    "removed": ["Cette vidéo a été supprimée"],
    "processing": ["re:encod(ing|age) en cours"],
    "playable": ['"playabilityStatus":{"status":"OK"'],
    "age_gate": ["confirm your age"],
}


def test_private_marker_substring_is_case_insensitive() -> None:
    result = analyse_page(page("<p>THIS VIDEO IS PRIVATE.</p>"), BASE, MARKERS)
    private = finding(result, "marker_private")
    assert (private.supports, private.strength) == (Verdict.PRIVATE, Strength.STRONG)
    assert "This video is private" in private.detail
    assert "no_video_evidence" not in codes(result)


def test_private_marker_regex_matches_json_token_in_script() -> None:
    html = page('<script>var ytInitial = {"status" : "private"};</script>' + ARTICLE)
    result = analyse_page(html, BASE, MARKERS)
    assert finding(result, "marker_private").supports is Verdict.PRIVATE


def test_removed_processing_playable_and_age_gate_markers() -> None:
    html = page(
        "<p>cette vidéo a été SUPPRIMÉE</p><p>Encodage en cours</p><p>Please confirm your age</p>"
        '<script>x={"playabilityStatus":{"status":"OK"}}</script>'
    )
    result = analyse_page(html.encode("utf-8"), BASE, MARKERS)
    assert finding(result, "marker_removed").supports is Verdict.REMOVED
    processing = finding(result, "marker_processing")
    assert (processing.supports, processing.strength) == (Verdict.INCOMPLETE, Strength.MEDIUM)
    playable = finding(result, "marker_playable")
    assert (playable.supports, playable.strength) == (Verdict.PUBLIC, Strength.MEDIUM)
    age_gate = finding(result, "marker_age_gate")  # any signed-in adult can watch: not hidden
    assert (age_gate.supports, age_gate.strength) == (Verdict.PUBLIC, Strength.MEDIUM)
    assert result.has_video  # a playable marker is video evidence


def test_marker_absent_gives_no_marker_finding_and_bad_regex_is_ignored() -> None:
    result = analyse_page(page(ARTICLE), BASE, {"private": ["re:(unclosed", "nothing here"]})
    assert not any(c.startswith("marker_") for c in codes(result))


def test_markers_in_latin1_page_with_meta_charset() -> None:
    html = page("<p>Cette vidéo a été supprimée</p>", head='<meta charset="iso-8859-1">')
    result = analyse_page(html.encode("latin-1"), BASE, MARKERS)
    assert "marker_removed" in codes(result)


# ---- traps -----------------------------------------------------------------------------------


def test_exe_download_with_watch_wording_is_a_strong_lure() -> None:
    html = page(
        "<h1>Your private video</h1><p>To watch the video, download the viewer.</p>"
        '<a href="/get/VideoViewer.exe?id=77">Watch the video</a>'
    )
    result = analyse_page(html, BASE)
    lure = finding(result, "download_lure")
    assert (lure.supports, lure.strength) == (Verdict.SUSPICIOUS, Strength.STRONG)
    assert ".exe" in lure.detail and "/get/" not in lure.detail
    assert "no_video_evidence" not in codes(result)


def test_auto_download_by_meta_refresh_and_script_is_strong() -> None:
    refresh = page(ARTICLE, head='<meta http-equiv="refresh" content="2; url=/dl/video.zip">')
    assert finding(analyse_page(refresh, BASE), "download_lure").strength is Strength.STRONG
    script = page(
        ARTICLE + '<script>setTimeout(function(){location.href="/f/clip.mp4.scr"})</script>'
    )
    assert finding(analyse_page(script, BASE), "download_lure").strength is Strength.STRONG


def test_plain_archive_link_is_only_medium() -> None:
    html = page(ARTICLE + '<a href="/press/kit.zip">Press kit</a>')
    assert finding(analyse_page(html, BASE), "download_lure").strength is Strength.MEDIUM


def test_video_page_with_app_store_links_is_not_a_lure() -> None:
    html = page(
        '<video src="/v/1.mp4"></video><a href="https://apps.apple.com/app/id123">Download our '
        'app</a> <a href="https://play.google.com/store/apps/details?id=net.example">Télécharger '
        "l'application</a><a href='/download?format=mp4'>Download</a>"
        '<script src="/static/app.js"></script>'
    )
    result = analyse_page(html, BASE)
    assert not codes(result) & TRAP_CODES
    assert result.has_video


@pytest.mark.parametrize(
    "text",
    [
        "Pour voir la vidéo, veuillez installer le codec vidéo.",
        "Votre lecteur n'est pas à jour : mettre à jour le lecteur pour continuer.",
        "Missing codec! Please install the latest codec to watch this video.",
        "Please update your player to view this content.",
        "This video requires Flash Player. Click to install Flash Player.",
    ],
)
def test_codec_lures_in_french_and_english(text: str) -> None:
    result = analyse_page(page(f"<div class='overlay'><p>{text}</p></div>" + ARTICLE), BASE)
    lure = finding(result, "codec_lure")
    assert (lure.supports, lure.strength) == (Verdict.SUSPICIOUS, Strength.STRONG)


def test_article_about_media_players_is_not_a_codec_lure() -> None:
    html = page(
        ARTICLE + "<p>Flash Player reached its end of life in 2020. VLC is a free media player "
        "that plays most formats without extra codecs.</p>"
    )
    assert "codec_lure" not in codes(analyse_page(html, BASE))


def test_fake_youtube_login_form_is_phishing() -> None:
    html = page(
        '<form action="https://collect.example.ru/p.php" method="post">'
        '<img src="/img/yt_logo.png" alt="YouTube"><h2>Sign in to YouTube</h2>'
        '<input type="email" name="e"><input type="password" name="p"><button>Next</button></form>',
        head="<title>YouTube - Sign in</title>",
    )
    result = analyse_page(html, "https://youtube-verify.example.com/login")
    phishing = finding(result, "phishing_form")
    assert (phishing.supports, phishing.strength) == (Verdict.SUSPICIOUS, Strength.STRONG)
    assert "YouTube" in phishing.detail
    assert "login_wall" not in codes(result)


def test_claimed_platform_allowed_makes_it_a_login_wall() -> None:
    html = page(
        '<form action="/signin"><input type="password"></form>',
        head="<title>Instagram</title>",
    )
    result = analyse_page(html, "https://www.instagram.com/p/x/", claimed_platform_allowed=True)
    assert "phishing_form" not in codes(result)
    wall = finding(result, "login_wall")
    assert (wall.supports, wall.strength) == (Verdict.LOGIN_REQUIRED, Strength.MEDIUM)


def test_own_login_with_google_button_is_not_phishing() -> None:
    html = page(
        "<h1>Members area</h1><form action='/login'><input name=u><input type=password name=p>"
        "<a href='/oauth/google'>Sign in with Google</a></form>"
        "<a href='https://facebook.com/share'><img src='/icons/facebook.svg' alt='Facebook'></a>",
        head="<title>Funny YouTube fails - MyTube Club</title>",
    )
    result = analyse_page(html, BASE)
    assert "phishing_form" not in codes(result)
    assert "login_wall" in codes(result)


def test_reupload_titled_after_youtube_with_header_login_is_not_phishing() -> None:
    html = page(
        "<header><form action='/login'><input name=u><input type=password></form></header>"
        "<video src='/v.mp4'></video>",
        head="<title>YouTube Rewind 2019 - TubeArchive</title>"
        "<meta property='og:title' content='YouTube'>",
    )
    result = analyse_page(html, BASE)
    assert not codes(result) & TRAP_CODES
    assert "login_wall" not in codes(result)  # the page offers a video


@pytest.mark.parametrize(
    "title", ["Google Accounts", "Connexion - Facebook", "Instagram", "Compte Microsoft"]
)
def test_titles_claiming_a_platform_over_a_password_form(title: str) -> None:
    html = page("<form action='x.php'><input type=password></form>", head=f"<title>{title}</title>")
    assert finding(analyse_page(html, BASE), "phishing_form").supports is Verdict.SUSPICIOUS


def test_card_number_form_is_phishing() -> None:
    html = page(
        ARTICLE + '<form action="/pay"><input name="cardnumber" placeholder="Numéro de carte">'
        '<input name="cvv"></form>'
    )
    assert finding(analyse_page(html, BASE), "phishing_form").strength is Strength.STRONG


def test_login_wall_only_when_the_page_offers_nothing_else() -> None:
    html = page('<video src="/a.mp4"></video><form><input type="password"></form>')
    assert "login_wall" not in codes(analyse_page(html, BASE))


@pytest.mark.parametrize("wallet", [BTC_LEGACY, BTC_BECH32, ETH])
def test_wallet_with_payment_words_is_a_strong_payment_demand(wallet: str) -> None:
    html = page(
        f"<p>Payez 500 € en bitcoin à l'adresse suivante :</p><code>{wallet}</code>"
        "<p>sinon la vidéo sera envoyée à vos contacts.</p>"
    )
    demand = finding(analyse_page(html, BASE), "payment_demand")
    assert (demand.supports, demand.strength) == (Verdict.SUSPICIOUS, Strength.STRONG)
    assert wallet not in demand.detail


def test_wallet_alone_is_medium_and_ransom_without_wallet_is_flagged() -> None:
    alone = analyse_page(page(f"<p>{ETH}</p>" + ARTICLE), BASE)
    assert finding(alone, "payment_demand").strength is Strength.MEDIUM
    ransom = analyse_page(page("<p>Send $800 in Bitcoin within 48 hours.</p>" + ARTICLE), BASE)
    assert finding(ransom, "payment_demand").supports is Verdict.SUSPICIOUS


def test_article_mentioning_bitcoin_is_not_a_payment_demand() -> None:
    html = page(
        "<h1>Bitcoin hits $60,000</h1><p>The price of bitcoin rose 5% to 60 000 $ on Monday; "
        "analysts say investors pay attention to the ETF flows.</p>"
        # A base58-looking token whose checksum is wrong is not a wallet.
        "<p>Ref 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb</p>" + ARTICLE
    )
    result = analyse_page(html, BASE)
    assert "payment_demand" not in codes(result)
    assert "no_video_evidence" in codes(result)


def test_script_redirect_to_other_host_is_flagged_same_site_is_not() -> None:
    away = page(ARTICLE + '<script>window.location.replace("https://lure.example.org/v");</script>')
    redirect = finding(analyse_page(away, BASE), "obfuscated_redirect")
    assert (redirect.supports, redirect.strength) == (Verdict.SUSPICIOUS, Strength.MEDIUM)
    assert "lure.example.org" in redirect.detail
    hidden = page(ARTICLE + '<script>location.href = atob("aHR0cHM6Ly94LmV4YW1wbGU=");</script>')
    assert "obfuscated_redirect" in codes(analyse_page(hidden, BASE))
    home = page(ARTICLE + '<script>location.href = "https://www.example.net/next";</script>')
    assert "obfuscated_redirect" not in codes(analyse_page(home, BASE))


def test_traps_suppress_no_video() -> None:
    html = page(f"<p>Pay 0.05 BTC to {BTC_LEGACY}</p>" + ARTICLE)
    assert "no_video_evidence" not in codes(analyse_page(html, BASE))


# ---- hostile input ---------------------------------------------------------------------------


def test_deeply_nested_markup_does_not_recurse() -> None:
    depth = 100_000
    html = "<div>" * depth + '<video src="/deep.mp4"></video>' + "</div>" * depth
    result = analyse_page(html, BASE)
    assert result.media_urls == ["https://videos.example.net/deep.mp4"]
    assert "page_unreadable" not in codes(result)


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x00\x01\x02\xff\xfe" * 1000,
        bytes(range(256)) * 50,
        b"\xef\xbb\xbf<p>bom</p>",
        b"<html><body><p>\xff\xfe broken \xc3</p>",
        b"<meta charset='utf-16'><p>liar</p>",
        b"<meta charset='no-such-codec'><p>x</p>",
        b"<<<>>></></x y='",
        "\ud800 lone surrogate <video src='a.mp4'>",
    ],
)
def test_garbage_never_raises(blob: bytes | str) -> None:
    result = analyse_page(blob, BASE)
    assert isinstance(result, PageAnalysis)
    # None of these says anything reliable: none may claim "no video".
    assert all(f.supports is not Verdict.NO_VIDEO for f in result.findings)


def test_binary_body_is_not_called_no_video() -> None:
    mp4ish = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 100
    result = analyse_page(mp4ish, BASE)
    assert "page_not_html" in codes(result)
    assert all(f.supports is None for f in result.findings)


def test_huge_input_is_cut_to_max_bytes_quickly() -> None:
    huge = b"<html><body><video src='/first.mp4'></video>" + b"<p>filler</p>" * 8_000_000
    assert len(huge) > 100_000_000
    start = time.monotonic()
    result = analyse_page(huge, BASE, max_bytes=1_000_000)
    assert time.monotonic() - start < 30
    assert "page_truncated_for_analysis" in codes(result)
    assert result.media_urls == ["https://videos.example.net/first.mp4"]


def test_title_is_trimmed_and_capped() -> None:
    html = page("", head="<title>\n  " + "Très long titre " * 40 + "</title>")
    title = analyse_page(html, BASE).title
    assert title is not None and len(title) == 200 and title.startswith("Très long titre")


def test_details_never_contain_the_full_url() -> None:
    secret = "https://cdn.example.net/very/secret/path/clip.mp4?token=abc"
    html = page(
        f'<video src="{secret}"></video><a href="https://evil.example/x/y.exe">watch</a>',
        head=f'<meta property="og:video" content="{secret}">',
    )
    for f in analyse_page(html, BASE).findings:
        assert "secret" not in f.detail and "token" not in f.detail and "/x/y" not in f.detail


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=2000),
        st.binary(max_size=2000),
        st.lists(
            st.sampled_from(
                [
                    "<div>",
                    "</div>",
                    "<video src='",
                    "'>",
                    "<a href=",
                    "x.exe",
                    "<script>",
                    "</script>",
                    "location.href='",
                    "<form>",
                    "<input type=password>",
                    "€ 5 ",
                    BTC_LEGACY,
                    "<meta property='og:video' content=",
                    "&#0;",
                    "<!--",
                    "\x00",
                ]
            ),
            max_size=60,
        ).map("".join),
    ),
    st.sampled_from([BASE, "", "not a url", "http://[::1", "https://h.example:99999/"]),
)
def test_random_input_never_raises(data: str | bytes, base: str) -> None:
    result = analyse_page(data, base, {"private": ["re:priv(ate|ée)", "x"]}, max_bytes=1500)
    assert isinstance(result, PageAnalysis)
    assert len(result.media_urls) <= 5 and len(result.embed_urls) <= 5
    assert all(u.startswith(("http://", "https://")) for u in result.media_urls)
    assert "page_unreadable" not in codes(result)


def test_utf8_page_with_one_bad_byte_still_matches_french_markers() -> None:
    html = page("<p>Cette vidéo a été supprimée</p>" + ARTICLE).encode() + b"\xff"
    result = analyse_page(html, BASE, MARKERS)
    assert "marker_removed" in codes(result)
    assert "no_video_evidence" not in codes(result)


def test_truncation_in_the_middle_of_an_accent_keeps_utf8() -> None:
    body = page("<p>Cette vidéo a été supprimée</p>" + ARTICLE).encode()
    cut = body.index("Une page d'actualité".encode()) + len(b"Une page d'actualit") + 1
    result = analyse_page(body, BASE, MARKERS, max_bytes=cut)  # cuts the "é" in half
    assert "marker_removed" in codes(result)
