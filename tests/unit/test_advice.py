"""What a victim reads after a check: advice texts and where they are sent to report.

The matrix tests walk every verdict x language x age x country, because a single empty field or a
misplaced PHAROS link (it only takes public content) would send a frightened person the wrong way.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from veriflien.advice import Platform, ReportRoute, format_duration, render
from veriflien.advice.catalogue import (
    COUNTRIES,
    RESOURCES_PATH,
    TEXTS_PATH,
    CatalogueError,
    load_resources,
    load_texts,
)
from veriflien.result import Verdict

LANGS = ("fr", "en")
PUBLIC = {Verdict.PUBLIC, Verdict.UNLISTED}
NOT_PUBLIC = set(Verdict) - PUBLIC - {Verdict.SUSPICIOUS}
LINK_KEYS = {"kind", "name", "url", "phone", "why", "source", "status", "hub"}
RESOURCES = load_resources()
BY_NAME = {r.name(lang): r for r in RESOURCES for lang in LANGS}

# Words the safety checklist must always carry, whatever was (or was not) found.
SAFETY = {
    "fr": ("Ne payez pas", "Bloquez", "preuves", "plainte", "confiance"),
    "en": ("Do not pay", "Block", "evidence", "complaint", "trust"),
}
NOTHING_WRONG = {"fr": "rien fait de mal", "en": "done nothing wrong"}
PHAROS_ONLY_PUBLIC = {"fr": "PHAROS ne traite que", "en": "PHAROS only handles"}


def _ids(links: list[dict]) -> list[str]:
    return [BY_NAME[link["name"]].id if link["name"] in BY_NAME else "platform" for link in links]


def _youtube() -> Platform:
    return Platform(
        id="youtube",
        name="YouTube",
        kind="video",
        stopncii_partner=False,
        report=(
            ReportRoute(
                name_fr="Plainte pour atteinte à la vie privée",
                name_en="Privacy complaint",
                url="https://support.google.com/youtube/answer/142443",
                in_app_fr="sous la vidéo, ⋯ puis Signaler",
                in_app_en="under the player, ⋯ then Report",
                scope="content",
                hub=False,
                source="facts: report-destinations.md",
                status="confirmed",
            ),
            ReportRoute(
                name_fr="Signaler la chaîne",
                name_en="Report the channel",
                url=None,
                in_app_fr="page de la chaîne, À propos, drapeau",
                in_app_en="channel page, About, flag",
                scope="account",
                source="facts: report-destinations.md",
                status="secondary",
            ),
        ),
    )


def _meetic() -> Platform:
    return Platform(
        id="meetic",
        name="Meetic",
        kind="dating",
        report=(
            ReportRoute(
                name_fr="Signaler ce profil",
                name_en="Report this profile",
                url="https://www.meetic.fr/p/actualite/cyberharcelement/",
                in_app_fr="profil, « signaler ce profil »",
                in_app_en='profile, "report this profile"',
                scope="account",
                hub=True,
                source="facts: report-destinations.md",
                status="confirmed",
            ),
        ),
    )


# ----------------------------------------------------------------------------- the full matrix


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("minor", [False, True], ids=["adult", "minor"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("verdict", list(Verdict), ids=lambda v: v.value)
def test_every_situation_gets_complete_advice_and_the_right_destinations(
    verdict: Verdict, lang: str, minor: bool, country: str
) -> None:
    advice, links = render(verdict.value, lang=lang, country=country, minor=minor)

    for key in ("headline", "summary", "reassurance"):
        assert advice[key].strip(), key
    assert advice["steps"] and all(step.strip() for step in advice["steps"])
    everything = " ".join([advice["headline"], advice["summary"], advice["reassurance"]])
    everything += " ".join(advice["steps"])
    assert not re.search(r"\{[a-z_]+\}", everything), "unfilled placeholder shown to the user"
    assert "None" not in everything
    assert NOTHING_WRONG[lang] in advice["reassurance"]
    steps = " ".join(advice["steps"])
    for word in SAFETY[lang]:
        assert word in steps, f"safety step {word!r} missing"
    assert advice["notes"] == []  # a supported country needs no apology
    complaint = [r for r in RESOURCES if r.country == country and r.scope == "complaint"]
    named = "THESEE" if country == "FR" else complaint[0].name(lang)
    assert named in steps, "the complaint step names the country's own channel"

    assert links
    for link in links:
        assert set(link) == LINK_KEYS
        assert link["url"] is None or link["url"].startswith("https://")
        assert link["url"] or link["phone"]
        assert link["source"] and link["status"] in {"confirmed", "secondary", "unconfirmed"}
    ids = _ids(links)
    assert len(ids) == len(set(ids)), "a destination is listed twice"

    # PHAROS: France only, and only when the content is public (or the trap page itself).
    has_pharos = "fr_pharos" in ids
    assert has_pharos == (country == "FR" and verdict in PUBLIC | {Verdict.SUSPICIOUS})
    if country == "FR" and verdict in NOT_PUBLIC:
        assert PHAROS_ONLY_PUBLIC[lang] in steps, "say why PHAROS is not offered"

    # Age: youth line first and Take It Down for minors; StopNCII for adults, never both.
    youth = [r.id for r in RESOURCES if r.country == country and r.scope == "minors"]
    if minor:
        assert ids[0] in youth
        assert "int_take_it_down" in ids and "int_stopncii" not in ids
        assert not any(RESOURCES_BY_ID[i].scope == "adults" for i in ids if i != "platform")
    else:
        assert "int_stopncii" in ids and "int_take_it_down" not in ids
        assert not any(i in youth for i in ids), "youth lines are for minors and their parents"

    # The prevention line closes every list and is repeated in the advice itself.
    prevention = [r for r in RESOURCES if r.country == country and r.scope == "prevention"]
    assert links[-1]["kind"] == "prevention"
    assert links[-1]["name"] == prevention[0].name(lang) == advice["prevention"]["name"]
    assert advice["prevention"]["phone"] or advice["prevention"]["url"]
    assert advice["prevention"]["text"]


RESOURCES_BY_ID = {r.id: r for r in RESOURCES}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("verdict", sorted(NOT_PUBLIC | {Verdict.SUSPICIOUS}), ids=str)
def test_non_public_results_never_say_the_video_is_public(lang: str, verdict: Verdict) -> None:
    advice, _ = render(verdict.value, lang=lang)
    public_claim = "accessible à toute personne" if lang == "fr" else "can be watched by anyone"
    assert public_claim not in advice["summary"] + advice["headline"]


@pytest.mark.parametrize("verdict", sorted(PUBLIC), ids=str)
def test_public_results_say_so_honestly(verdict: Verdict) -> None:
    advice, _ = render(verdict.value, lang="fr")
    assert "accessible à toute personne qui a le lien" in advice["summary"]
    advice, _ = render(verdict.value, lang="en")
    assert "anyone who has the link" in advice["summary"]


def test_private_summary_states_the_vantage_point() -> None:
    advice, _ = render("private")
    assert advice["summary"].startswith(
        "Vu de l'extérieur, sans compte : cette vidéo n'est pas visible par le public."
    )


# ----------------------------------------------------------------------------- platform routes


def test_public_video_on_known_platform_puts_its_report_route_first_then_pharos_then_stopncii():
    advice, links = render("public", platform=_youtube())
    ids = _ids(links)
    assert links[0]["url"] == "https://support.google.com/youtube/answer/142443"
    assert links[0]["kind"] == "platform" and links[0]["name"].startswith("YouTube")
    assert ids.index("fr_pharos") < ids.index("int_stopncii")
    assert "YouTube" in advice["steps"][0]
    # the uploader's account is reported too, even though that route has no web address
    account = [link for link in links if "chaîne" in link["name"]]
    assert account and account[0]["url"] is None and "Dans l'application" in account[0]["why"]


def test_minor_youth_line_comes_before_the_platform_route():
    _, links = render("public", platform=_youtube(), minor=True)
    assert _ids(links)[:2] == ["fr_3018", "platform"]


@pytest.mark.parametrize("verdict", sorted(set(Verdict) - PUBLIC), ids=str)
def test_account_report_route_is_offered_whatever_the_verdict(verdict: Verdict) -> None:
    _, links = render(verdict.value, platform=_meetic(), lang="en")
    platform_links = [link for link in links if link["kind"] == "platform"]
    assert len(platform_links) == 1
    assert (
        platform_links[0]["name"].startswith("Meetic")
        and "Report this profile" in platform_links[0]["name"]
    )


def test_hub_route_says_it_is_a_help_page():
    _, links = render("private", platform=_meetic())
    meetic = next(link for link in links if link["kind"] == "platform")
    assert meetic["hub"] is True
    assert "page d'aide de la plateforme" in meetic["why"]


def test_private_video_offers_no_content_takedown_but_complaint_first():
    _, links = render("private", platform=_youtube())
    assert _ids(links)[0] == "fr_thesee"
    assert all("142443" not in (link["url"] or "") for link in links)


def test_dating_site_adds_moderator_and_escalation_steps():
    advice, _ = render("private", platform=_meetic())
    steps = " ".join(advice["steps"])
    assert "modérateurs de Meetic" in steps
    assert "Protégez vos données personnelles" in steps
    assert "contactez la police : Police ou gendarmerie (17" in steps
    advice, _ = render("private", platform=_youtube())
    assert "modérateurs" not in " ".join(advice["steps"])


def test_stopncii_step_says_whether_the_platform_is_a_partner():
    advice, _ = render("public", platform=_youtube(), lang="en")
    assert "YouTube is not a StopNCII partner" in " ".join(advice["steps"])
    partner = Platform(id="tiktok", name="TikTok", kind="video", stopncii_partner=True)
    advice, _ = render("public", platform=partner, lang="en")
    assert "TikTok is one of StopNCII's partners" in " ".join(advice["steps"])


def test_any_object_with_the_platform_attributes_is_accepted():
    class Route:
        name_fr = name_en = "Signaler"
        url = "https://discord.com/report"
        in_app_fr = in_app_en = None
        scope = "content"
        hub = False
        source = "facts"
        status = "confirmed"

    class Duck:
        id, name, kind, stopncii_partner = "discord", "Discord", "chat", False
        report = (Route(),)

    _, links = render("public", platform=Duck())
    assert links[0]["url"] == "https://discord.com/report"


# ----------------------------------------------------------------------------------- suspicious


def test_suspicious_link_warns_and_offers_pharos_only_for_the_page():
    advice, links = render("suspicious")
    steps = " ".join(advice["steps"])
    assert "N'ouvrez pas ce lien" in steps
    assert "n'installez rien" in steps
    assert "mot de passe" in steps
    pharos = next(link for link in links if link["name"].startswith("PHAROS"))
    assert "pas le chantage" in pharos["why"]
    ids = _ids(links)
    assert ids[0] == "fr_cybermalveillance"
    assert "fr_thesee" in ids


# ------------------------------------------------------------------------------- incomplete media


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "2 s sur 1 min 30 peuvent être lues"), ("en", "2 s of 1 min 30 can be played")],
)
def test_incomplete_states_how_much_can_be_played(lang: str, expected: str) -> None:
    media = {"container": "mp4", "duration_seconds": 90.0, "playable_seconds": 2.2}
    advice, _ = render("incomplete", lang=lang, media=media)
    assert expected in advice["summary"]


def test_incomplete_without_numbers_says_it_could_not_measure():
    advice, _ = render("incomplete", media={"duration_seconds": None, "playable_seconds": None})
    assert "nous n'avons pas pu mesurer" in advice["summary"]
    assert "None" not in advice["summary"]
    advice, _ = render("incomplete", lang="en", media={"duration_seconds": 3720})
    assert "announces 1 h 02 min" in advice["summary"]


@pytest.mark.parametrize(
    ("seconds", "fr", "en"),
    [
        (45, "45 s", "45 s"),
        (90, "1 min 30", "1 min 30"),
        (89.6, "1 min 30", "1 min 30"),
        (120, "2 min", "2 min"),
        (65, "1 min 05", "1 min 05"),
        (3720, "1 h 02 min", "1 h 02 min"),
        (0, "0 s", "0 s"),
        (0.4, "moins d'1 s", "less than 1 s"),
    ],
)
def test_format_duration(seconds: float, fr: str, en: str) -> None:
    assert format_duration(seconds, "fr") == fr
    assert format_duration(seconds, "en") == en


# ------------------------------------------------------------------------------ inputs and errors


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="language"):
        render("public", lang="de")


def test_unknown_verdict_is_rejected():
    with pytest.raises(ValueError):
        render("maybe")


@pytest.mark.parametrize("minor", [False, True])
def test_unknown_country_falls_back_to_international_help_with_a_note(minor: bool) -> None:
    advice, links = render("public", country="ZZ", minor=minor, lang="en")
    assert "ZZ" in advice["notes"][0]
    ids = _ids(links)
    assert ("int_take_it_down" if minor else "int_stopncii") in ids
    assert links[-1]["kind"] == "prevention" and links[-1]["phone"] == "112"
    assert "police in your country" in " ".join(advice["steps"])


def test_country_code_is_case_insensitive():
    assert render("public", country="fr") == render("public", country="FR")


# ----------------------------------------------------------------------------------- catalogue


def test_every_catalogue_entry_is_reachable_sourced_and_rated():
    for entry in RESOURCES:
        assert entry.url or entry.phone, entry.id
        for url in (entry.url, entry.url_fr, entry.url_en):
            assert url is None or url.startswith("https://"), entry.id
        assert entry.source.strip() and entry.status in {"confirmed", "secondary", "unconfirmed"}


def test_confirmation_status_reaches_the_user_facing_links():
    _, links = render("private")
    by_id = dict(zip(_ids(links), links, strict=True))
    assert by_id["fr_17cyber"]["status"] == "secondary"
    assert by_id["fr_thesee"]["status"] == "unconfirmed"
    assert by_id["fr_thesee"]["hub"] is True
    assert by_id["fr_3114"]["status"] == "confirmed"


def test_every_country_has_its_expected_core_destinations():
    ids = {r.id for r in RESOURCES}
    expected = {
        "fr_pharos", "fr_thesee", "fr_17cyber", "fr_police", "fr_114", "fr_cybermalveillance",
        "fr_3018", "fr_3114", "fr_france_victimes", "fr_info_escroqueries", "fr_ma_securite",
        "be_police", "be_child_focus", "be_iefh", "be_1813", "ch_police", "ch_147", "ch_epolice",
        "ch_ncsc", "ch_143", "ca_cybertip", "ca_needhelpnow", "ca_antifraud", "ca_988",
        "gb_rph", "gb_rhc", "gb_report_remove", "gb_police", "gb_samaritans", "us_ncmec",
        "us_ic3", "us_988", "int_stopncii", "int_take_it_down",
    }  # fmt: skip
    assert expected <= ids


def _write_catalogue(tmp_path: Path, mutate) -> Path:
    text = RESOURCES_PATH.read_text(encoding="utf-8")
    path = tmp_path / "resources.toml"
    path.write_text(mutate(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.replace("https://www.ic3.gov", "http://www.ic3.gov"), "https"),
        (lambda t: t.replace('status = "secondary"', 'status = "probably"', 1), "status"),
        (lambda t: t.replace('phone = "3114"\n', ""), None),  # 3114 keeps its url: still valid
        (lambda t: t.replace('phone = "116 006"\n', ""), "url or a phone"),
        (lambda t: t.replace('id = "be_1813"', 'id = "be_police"'), "duplicate"),
        (lambda t: t.replace('scope = "prevention"', 'scope = "support"'), "prevention line"),
        (lambda t: t.replace('kind = "authority"', 'kind = "government"', 1), "kind"),
        (lambda t: t.replace('source = "facts: report-destinations.md"\n', "", 1), "source"),
        (
            lambda t: t + "\n[[entry]]\nid = 'x'\ncountry = 'FR'\nurl = 'https://x.example'\n",
            "missing",
        ),
        (lambda t: t.replace("why_fr =", "why_fr_typo =", 1), "unknown field"),
        (lambda t: t + "\n[[entry\n", "cannot read"),
    ],
)
def test_loader_rejects_a_malformed_catalogue(tmp_path: Path, mutate, message: str | None) -> None:
    path = _write_catalogue(tmp_path, mutate)
    if message is None:
        assert load_resources(path)
        return
    with pytest.raises(CatalogueError, match=message):
        load_resources(path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["en"]["verdicts"].pop("refused"), "en.verdicts.refused"),
        (
            lambda d: d["fr"]["steps"].__setitem__("block", "Bloquez {platfrom}"),
            "unknown placeholder",
        ),
        (lambda d: d["en"]["steps"].__setitem__("complaint", "File a complaint."), "placeholders"),
        (lambda d: d["fr"]["steps"].pop("talk"), "missing talk"),
        (lambda d: d["plan"].pop("no_video"), "no_video"),
        (lambda d: d["en"]["steps"].pop("report_account_generic"), "_generic"),
        (lambda d: d["fr"]["steps"].pop("hash_partner"), "missing hash_partner"),
    ],
)
def test_texts_loader_rejects_broken_wording(tmp_path: Path, mutate, message: str) -> None:
    from veriflien.advice.catalogue import parse_texts

    doc = tomllib.loads(TEXTS_PATH.read_text(encoding="utf-8"))
    mutate(doc)
    with pytest.raises(CatalogueError, match=message):
        parse_texts(doc)


def test_packaged_texts_cover_every_verdict_in_both_languages():
    texts = load_texts()
    assert set(texts.plan) == {v.value for v in Verdict}


def _media(playable: float, duration: float = 30.0) -> dict:
    return {
        "container": "mp4",
        "complete": False,
        "duration_seconds": duration,
        "playable_seconds": playable,
        "playable_fraction": playable / duration,
        "bytes_total": 1000,
        "bytes_read": 100,
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_partly_playable_upload_is_routed_like_public_content(lang: str) -> None:
    # 11 s of 30 s can be played by anyone with the link: that part IS public. Telling the victim
    # "nothing can be seen, PHAROS is not for this" would be a wrong reassurance.
    advice, links = render("incomplete", lang=lang, country="FR", media=_media(11))
    names = " ".join(link["name"] for link in links)
    assert "PHAROS" in names
    text = " ".join([advice["reassurance"], *advice["steps"]])
    assert "ne montre rien" not in text and "shows nothing" not in text
    assert any("PHAROS" in step for step in advice["steps"])
    assert ("11 s" in advice["summary"]) and ("30 s" in advice["summary"])


def test_upload_with_nothing_playable_keeps_the_non_public_routing() -> None:
    advice, links = render("incomplete", lang="fr", country="FR", media=_media(0))
    assert "PHAROS" not in " ".join(link["name"] for link in links)
    assert "ne montre rien" in advice["reassurance"]
