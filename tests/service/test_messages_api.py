"""POST /api/v1/messages through the HTTP API: the corpus' links get their normal verdicts from the
fake platform (private, public, removed, trap), the answer has the documented shape (every
response is validated against the OpenAPI document by the `api` fixture), each link counts
against the rate limit, bad input gets a clear 4xx, the text is never sent back, and the
evidence sheet prints the analysis."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest

from messages_corpus import (
    BTC_LOOKALIKE,
    BTC_P2PKH_2,
    CORPUS,
    LINK_PRIVATE,
    LINK_PUBLIC,
    LINK_TRAP,
    Case,
)
from veriflien.app import create_app
from veriflien.settings import Settings

MESSAGES = "/api/v1/messages"
WITH_LINKS = [case for case in CORPUS if case.links]
OUTSIDE = {"X-Forwarded-For": "203.0.113.9"}


async def analyse(api: Any, text: str, **fields: Any) -> dict[str, Any]:
    status, doc = await api.request("POST", MESSAGES, json={"text": text, **fields})
    assert status == 200, doc
    return doc


@pytest.mark.parametrize("case", WITH_LINKS, ids=lambda c: c.id)
async def test_links_get_their_normal_verdicts(api, case: Case) -> None:
    doc = await analyse(api, case.text)
    assert [link["url"] for link in doc["links"]] == list(case.links)
    assert [link["verdict"] for link in doc["links"]] == list(case.verdicts)
    assert doc["classification"]["kind"] == case.kind
    # Each one is the very document POST /api/v1/checks gives for that link.
    for link in doc["links"]:
        alone = await api.check(link["url"])
        assert alone["verdict"] == link["verdict"]
        assert alone["findings"][-1]["code"] == link["findings"][-1]["code"]


async def test_mass_scam_answer_in_full(api) -> None:
    case = next(c for c in CORPUS if c.id == "fr-mass-classic")
    doc = await analyse(api, case.text, lang="fr", country="FR")
    assert doc["classification"]["kind"] == "mass_scam"
    reasons = doc["classification"]["reasons"]
    assert reasons[0]["points_to"] == "mass_scam" and reasons[0]["text"]
    assert {"kind": "bitcoin", "value": BTC_P2PKH_2, "valid": True, "currency": "BTC"} in doc[
        "payments"
    ]
    assert {"kind": "amount", "value": 500, "currency": "EUR"} in doc["payments"]
    assert doc["links"] == [] and doc["links_found"] == 0
    assert "pas de vidéo" in doc["advice"]["headline"]
    assert any("indésirable" in step for step in doc["advice"]["steps"])
    assert doc["report_links"][0]["url"].startswith("https://cybermalveillance.gouv.fr/")
    kinds = [item["kind"] for item in doc["evidence"]]
    assert kinds == ["bitcoin", "amount", "deadline"]
    assert (doc["lang"], doc["country"], doc["minor"]) == ("fr", "FR", False)


async def test_the_text_is_not_sent_back(api) -> None:
    text = "Je connais ton secret UNIQUE-CANARY-7781, paie 300 € ou j'envoie la vidéo à ta mère."
    doc = await analyse(api, text)
    assert "UNIQUE-CANARY-7781" not in json.dumps(doc, ensure_ascii=False)


async def test_look_alike_wallet_is_reported_invalid(api) -> None:
    doc = await analyse(api, f"Envoyez 0,01 BTC à {BTC_LOOKALIKE} sous 48 heures.")
    wallet = next(p for p in doc["payments"] if p["kind"] == "bitcoin")
    assert wallet == {"kind": "bitcoin", "value": BTC_LOOKALIKE, "valid": False, "currency": "BTC"}
    assert not any("portefeuille" in step for step in doc["advice"]["steps"])


async def test_at_most_five_links_checked_in_order(api) -> None:
    links = [LINK_PRIVATE, LINK_PUBLIC, LINK_TRAP, LINK_PRIVATE] + [
        f"https://videos.example.com/v/extra-{i}" for i in range(4)
    ]
    doc = await analyse(api, "Regarde : " + " , ".join(links))
    distinct = list(dict.fromkeys(links))
    assert [link["url"] for link in doc["links"]] == distinct[:5]
    assert doc["links_found"] == len(distinct)
    assert [e["value"] for e in doc["evidence"] if e["kind"] == "link"] == distinct


async def test_english_answer(api) -> None:
    case = next(c for c in CORPUS if c.id == "en-targeted-snapchat-nudes")
    doc = await analyse(api, case.text, lang="en", country="US", minor=True)
    assert doc["classification"]["kind"] == "targeted_blackmail"
    assert doc["advice"]["headline"].startswith("This message is blackmail")
    assert doc["report_links"][0]["kind"] in ("support", "authority")
    assert any(
        "NCMEC" in link["name"] or "Take It Down" in link["name"] for link in doc["report_links"]
    )
    assert {"kind": "phone", "value": "+1 (415) 555-0199"} in doc["contacts"]


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing_text"),
        ({"text": ""}, 400, "empty_text"),
        ({"text": "   \n "}, 400, "empty_text"),
        ({"text": 12}, 400, "invalid_field"),
        ({"text": "x" * 20_001}, 400, "text_too_long"),
        ({"text": "hello", "lang": "de"}, 400, "unknown_lang"),
        ({"text": "hello", "country": "FRA"}, 400, "invalid_country"),
        ({"text": "hello", "minor": "yes"}, 400, "invalid_field"),
        ({"text": "hello", "url": "https://x.example"}, 400, "unknown_field"),
    ],
)
async def test_bad_input_gets_a_clear_error(api, body: dict, status: int, code: str) -> None:
    got, doc = await api.request("POST", MESSAGES, json=body)
    assert got == status and doc["error"]["code"] == code and doc["error"]["message"]


async def test_twenty_thousand_characters_are_accepted(api) -> None:
    text = ("Paie 500 € ou j'envoie la vidéo à ta sœur. " * 500)[:20_000]
    doc = await analyse(api, text)
    assert doc["classification"]["kind"] in ("targeted_blackmail", "unknown")


async def test_body_too_large_and_wrong_type(api) -> None:
    status, doc = await api.request(
        "POST",
        MESSAGES,
        data=json.dumps({"text": "\u0001" * 20_000 + "x" * 20_000}),
        headers={"Content-Type": "application/json"},
    )
    assert status == 413 and doc["error"]["code"] == "body_too_large"
    status, doc = await api.request("POST", MESSAGES, data="text=hello")
    assert status == 415


# ---------------------------------------------------------------------------- rate limits


async def test_each_link_counts_as_one_check(aiohttp_client, settings: Settings) -> None:
    settings = settings.with_overrides(
        anonymous_checks="any", trusted_proxies=["127.0.0.1/32"], rate_limit_per_client=4
    )
    client = await aiohttp_client(create_app(settings))

    async def post(text: str, address: str) -> Any:
        return await client.post(
            MESSAGES, json={"text": text}, headers={"X-Forwarded-For": address}
        )

    three = f"{LINK_PRIVATE} {LINK_PUBLIC} {LINK_TRAP}"
    assert (await post(three, "203.0.113.10")).status == 200  # 3 of 4
    assert (await post("no link, paie 100 €", "203.0.113.10")).status == 200  # 4 of 4
    refused = await post("still no link", "203.0.113.10")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 0
    assert (await refused.json())["error"]["code"] == "rate_limited"
    # Five links at once are refused outright when only four checks are allowed: no check runs.
    five = " ".join(
        [LINK_PRIVATE, LINK_PUBLIC, LINK_TRAP] + [f"{LINK_PUBLIC}&t={i}" for i in (1, 2)]
    )
    assert (await post(five, "203.0.113.11")).status == 429
    # Checks and messages share the one budget.
    assert (await post(LINK_PRIVATE, "203.0.113.12")).status == 200
    for _ in range(3):
        response = await client.post(
            "/api/v1/checks", json={"url": LINK_PUBLIC}, headers={"X-Forwarded-For": "203.0.113.12"}
        )
        assert response.status == 200
    response = await client.post(
        "/api/v1/checks", json={"url": LINK_PUBLIC}, headers={"X-Forwarded-For": "203.0.113.12"}
    )
    assert response.status == 429


async def test_outside_client_needs_a_key(aiohttp_client, settings: Settings) -> None:
    settings = settings.with_overrides(trusted_proxies=["127.0.0.1/32"])
    client = await aiohttp_client(create_app(settings))
    response = await client.post(MESSAGES, json={"text": "hello"}, headers=OUTSIDE)
    assert response.status == 401


# ---------------------------------------------------------------------------------- sheet


async def test_sheet_prints_the_message_analysis(api) -> None:
    case = next(c for c in CORPUS if c.id == "fr-targeted-link-private")
    doc = await analyse(api, case.text)
    status, markup = await api.request("POST", "/api/v1/sheet", json=doc)
    assert status == 200
    page = html.unescape(markup)
    assert "<a " not in markup and "<script" not in markup.lower()
    assert "Fiche de preuves d'un message" in page
    assert "Ce message est un chantage qui vous vise personnellement" in page
    assert "+225 07 48 12 33 90" in page and "Transcash" in page
    assert "invérifiable hors ligne" in page
    assert LINK_PRIVATE in page and "(<code>private</code>)" in page
    status, page = await api.request("POST", "/api/v1/sheet?lang=en", json=doc)
    assert status == 200 and "Message evidence record" in page


async def test_sheet_marks_look_alikes(api) -> None:
    doc = await analyse(api, f"Bitcoin : {BTC_LOOKALIKE} et {BTC_P2PKH_2}, 500 €")
    status, markup = await api.request("POST", "/api/v1/sheet", json=doc)
    assert status == 200
    page = html.unescape(markup)
    assert page.count("somme de contrôle FAUSSE") == 1
    assert page.count("somme de contrôle correcte") == 1


async def test_sheet_refuses_a_broken_analysis(api) -> None:
    doc = await analyse(api, "Paie 500 € ou j'envoie la vidéo à ta mère.")
    doc["classification"]["kind"] = "something"
    status, error = await api.request("POST", "/api/v1/sheet", json=doc)
    assert status == 400 and error["error"]["code"] == "invalid_result"


async def test_a_link_already_in_the_cache_is_answered_like_a_check(api) -> None:
    """The second analysis of a message finds its link in the result cache (as POST /checks
    does): same verdict, a fresh time, and no 500."""
    text = "Regarde https://videos.example.com/ok avant ce soir, sinon j'envoie tout à ta famille."
    first_status, first = await api.request("POST", "/api/v1/messages", json={"text": text})
    second_status, second = await api.request("POST", "/api/v1/messages", json={"text": text})
    assert (first_status, second_status) == (200, 200)
    assert [d["verdict"] for d in first["links"]] == [d["verdict"] for d in second["links"]]
