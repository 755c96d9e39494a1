"""The message analysis on its own (no network): the corpus of tests/messages_corpus.py read and
classified right, spam-filter dodges undone, contacts and dates found, the advice fitting the
message, the signs as checked data, and hostile 20,000-character texts handled in bounded work."""

from __future__ import annotations

import re
import string
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messages_corpus import BTC_P2PKH, CORPUS, ETH_EIP55, Case
from veriflien.advice.catalogue import load_texts
from veriflien.advice.messages import CONDITIONAL_STEPS, render_message_advice
from veriflien.messages import MAX_TEXT_CHARS, analyse_text
from veriflien.messages.classify import (
    SignalsError,
    load_signals,
    parse_signals,
)
from veriflien.messages.extract import MAX_ITEMS
from veriflien.messages.text import fold, prepare


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_corpus_classification(case: Case) -> None:
    analysis = analyse_text(case.text)
    codes = {r.code for r in analysis.classification.reasons}
    assert analysis.classification.kind == case.kind, sorted(codes)
    assert case.reasons <= codes, sorted(codes)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_corpus_extraction(case: Case) -> None:
    analysis = analyse_text(case.text)
    ex = analysis.extraction
    assert tuple((p.kind, p.value, p.valid) for p in ex.payments) == case.payments
    assert tuple((a.value, a.currency) for a in ex.amounts) == case.amounts
    assert {(c.kind, c.value) for c in ex.contacts} == case.contacts
    assert tuple(ex.links) == case.links
    assert analysis.conditions == case.conditions


def test_corpus_covers_what_the_issue_asks_for() -> None:
    """Both languages, both kinds, every kind of payment, look-alikes, every link state."""
    kinds = {c.kind for c in CORPUS}
    assert {"mass_scam", "targeted_blackmail", "unknown"} <= kinds
    payment_kinds = {p[0] for c in CORPUS for p in c.payments}
    coins = {"bitcoin", "ethereum", "litecoin", "dogecoin", "tron", "monero"}
    assert coins | {"iban"} <= payment_kinds
    assert {"voucher", "voucher_code"} <= payment_kinds
    brands = {p[1] for c in CORPUS for p in c.payments if p[0] == "voucher"}
    assert {"PCS", "Transcash", "Neosurf", "Paysafecard"} <= brands
    assert any(p[2] is False for c in CORPUS for p in c.payments if p[0] == "iban")
    invalid_wallets = {p[0] for c in CORPUS for p in c.payments if p[2] is False}
    assert {"bitcoin", "ethereum", "tron"} <= invalid_wallets
    assert {"private", "public", "removed", "suspicious"} <= {v for c in CORPUS for v in c.verdicts}
    assert {c.id[:2] for c in CORPUS if c.kind == "mass_scam"} == {"fr", "en"}
    assert {c.id[:2] for c in CORPUS if c.kind == "targeted_blackmail"} == {"fr", "en"}


def test_a_look_alike_is_never_a_payment_address() -> None:
    for case in CORPUS:
        for payment in analyse_text(case.text).extraction.payments:
            if payment.kind not in ("voucher", "voucher_code", "iban"):
                assert payment.valid is (payment.value not in _LOOKALIKES), payment


_LOOKALIKES = {
    value
    for case in CORPUS
    for kind, value, valid in case.payments
    if valid is False and kind not in ("iban",)
}


# ---------------------------------------------------------------------------- normalisation


def test_fold_keeps_length_and_maps_look_alikes() -> None:
    text = "PIRATÉ vоtre Вitсoin — l’appareil\u00a0!"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "pirate votre bitcoin - l'appareil !"


def test_prepare_undoes_invisible_characters_and_defanged_links() -> None:
    prepared = prepare("hxxps://youtu[.]be/abc web\u200bcam ｂｉｔｃｏｉｎ")
    assert prepared.clean == "https://youtu.be/abc webcam bitcoin"
    assert len(prepared.folded) == len(prepared.clean)


def test_defanged_link_is_checked_as_a_link() -> None:
    analysis = analyse_text("la vidéo est ici hxxps://www.youtube[.]com/watch?v=prvVideo001 !")
    assert analysis.extraction.links == ["https://www.youtube.com/watch?v=prvVideo001"]


# ------------------------------------------------------------------------------------ links


def test_links_in_order_deduplicated_and_trimmed() -> None:
    text = (
        "Voir (https://vimeo.com/123456789), puis www.dailymotion.com/video/x7tgad0. "
        "Encore https://vimeo.com/123456789 et youtu.be/prvVideo001, "
        "https://en.wikipedia.org/wiki/Foo_(bar) et l'e-mail x@youtu.be/no"
    )
    assert analyse_text(text).extraction.links == [
        "https://vimeo.com/123456789",
        "www.dailymotion.com/video/x7tgad0",
        "youtu.be/prvVideo001",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
    ]


def test_a_long_link_is_never_cut() -> None:
    link = "https://videos.example.com/" + "a" * 5000
    assert analyse_text(f"voir {link} merci").extraction.links == [link]


def test_only_five_links_are_checked_but_all_are_evidence() -> None:
    links = [f"https://videos.example.com/v/{i}" for i in range(8)]
    analysis = analyse_text("regarde " + " ".join(links))
    assert analysis.links_to_check == links[:5]
    evidence = [e["value"] for e in analysis.evidence_json() if e["kind"] == "link"]
    assert evidence == links


# --------------------------------------------------------------------- contacts and moments


def test_contacts_with_their_platform() -> None:
    text = (
        "Écris-moi sur WhatsApp : +33 6 12 34 56 78 ou au 06 98 76 54 32. "
        "Snap: dark_angel.75 — Insta @la.vengeance ; mail kevin.b@example.org. "
        "Telegram : je réponds pas. Tel US: (212) 555-0147"
    )
    contacts = {(c.kind, c.value, c.platform) for c in analyse_text(text).extraction.contacts}
    assert contacts == {
        ("phone", "+33 6 12 34 56 78", "WhatsApp"),
        ("phone", "06 98 76 54 32", None),
        ("handle", "dark_angel.75", "Snapchat"),
        ("handle", "@la.vengeance", "Instagram"),
        ("email", "kevin.b@example.org", None),
        ("phone", "(212) 555-0147", None),
    }


def test_numbers_that_are_not_phones() -> None:
    text = "Envoie 1 000 € le 12/03/2026 à 18h30 sur FR1420041010050500013M02606, code 1234567890"
    assert analyse_text(text).extraction.contacts == []


def test_dates_and_deadlines() -> None:
    text = (
        "Tu as 48 heures. Paie avant le 12/03/2026 ou le 5 mars 2026, au plus tard March 3rd, "
        "2026. Rendez-vous à 18 h. Within two days. Avant minuit !"
    )
    moments = [(m.kind, m.value, m.hours) for m in analyse_text(text).extraction.moments]
    assert moments == [
        ("deadline", "48 heures", 48),
        ("date", "12/03/2026", None),
        ("date", "5 mars 2026", None),
        ("date", "March 3rd, 2026", None),
        ("deadline", "two days", 48),
        ("deadline", "Avant minuit", 6.0),
    ]


# ------------------------------------------------------------------------------ the signs


def test_a_password_is_never_echoed() -> None:
    analysis = analyse_text("Votre mot de passe est : Secret-Pw-991. J'ai piraté votre PC.")
    assert analysis.classification.has("password_quoted")
    rendered = repr((analysis.payments_json(), analysis.contacts_json(), analysis.evidence_json()))
    assert "Secret-Pw-991" not in rendered


def test_words_inside_links_and_addresses_are_not_signs() -> None:
    analysis = analyse_text("https://snapchat-webcam-hacked.example/your-device-hacked")
    assert [r.code for r in analysis.classification.reasons] == ["link"]
    assert analysis.classification.kind == "unknown"


def test_named_relative_needs_a_first_name() -> None:
    named = analyse_text("Paie ou j'envoie la vidéo à ta sœur Léa.")
    generic = analyse_text("Paie ou j'envoie la vidéo à ta sœur. Et à ta famille.")
    assert named.classification.has("named_relatives")
    assert not generic.classification.has("named_relatives")
    assert generic.classification.has("relatives")


def test_every_sign_has_a_reason_text_in_both_languages() -> None:
    texts = load_texts()
    for signal in load_signals():
        for lang in ("fr", "en"):
            assert texts.message(lang, "reasons", signal.code), (lang, signal.code)


def test_every_reason_text_is_a_sign() -> None:
    codes = {signal.code for signal in load_signals()}
    for lang in ("fr", "en"):
        assert set(load_texts().by_lang[lang]["messages"]["reasons"]) == codes


def _signal(**fields: object) -> dict:
    return {"signal": [{"code": "x", "points_to": "mass_scam", "weight": 1, **fields}]}


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (_signal(points_to="nowhere", patterns=["a"]), "points_to"),
        (_signal(weight=9, patterns=["a"]), "weight"),
        (_signal(patterns=["("]), "bad pattern"),
        (_signal(), "non-empty"),
        (_signal(code="Bad Code"), "snake_case"),
        ({"signal": []}, "computed signal 'link' is missing"),
    ],
)
def test_signals_file_errors_are_reported(doc: dict, problem: str) -> None:
    with pytest.raises(SignalsError, match=re.escape(problem)):
        parse_signals(doc)


# ------------------------------------------------------------------------------- the advice


def _steps(kind: str, conditions: set[str], lang: str = "fr", **kw: object) -> list[str]:
    return render_message_advice(kind, conditions, lang=lang, **kw)[0]["steps"]  # type: ignore[arg-type]


def test_mass_scam_advice_says_no_video_dont_pay_spam() -> None:
    advice, links = render_message_advice("mass_scam", set(), lang="fr", country="FR")
    assert "arnaque" in advice["headline"] and "pas de vidéo" in advice["headline"]
    text = " ".join(advice["steps"])
    assert "aucune vidéo" in text and "Ne payez pas" in text and "indésirable" in text
    assert links[0]["url"] == (
        "https://cybermalveillance.gouv.fr/tous-nos-contenus/fiches-reflexes/sextorsion"
    )
    assert links[0]["status"] == "confirmed"
    assert all(link["source"] and link["status"] for link in links)
    en = render_message_advice("mass_scam", set(), lang="en", country="GB")[0]
    assert "no video" in en["headline"]


@pytest.mark.parametrize("step_id", sorted(CONDITIONAL_STEPS))
def test_conditional_steps_appear_only_with_their_reason(step_id: str) -> None:
    condition = CONDITIONAL_STEPS[step_id]
    for kind, plan in load_texts().message_plan.items():
        if step_id not in plan:
            continue
        for lang in ("fr", "en"):
            text = load_texts().message(lang, "steps", step_id)
            with_it = _steps(kind, {condition}, lang)
            without = _steps(kind, set(), lang)
            assert any(s.startswith(text[:40]) for s in with_it), (kind, lang)
            assert not any(s.startswith(text[:40]) for s in without), (kind, lang)


def test_targeted_advice_for_a_minor_starts_with_the_youth_line() -> None:
    advice, links = render_message_advice("targeted_blackmail", set(), minor=True, country="FR")
    assert "3018" in advice["steps"][0]
    assert links[0]["name"].startswith("3018")
    assert any("Take It Down" in link["name"] for link in links)


def test_unknown_country_gets_a_note_and_international_lines() -> None:
    advice, links = render_message_advice("unknown", set(), lang="en", country="ZZ")
    assert advice["notes"]
    assert links[-1]["kind"] == "prevention"


# ----------------------------------------------------------------------- hostile, bounded

HOSTILE = {
    "letters": "a" * MAX_TEXT_CHARS,
    "digits": "1" * MAX_TEXT_CHARS,
    "dotted": "a." * (MAX_TEXT_CHARS // 2),
    "at-signs": "a@" * (MAX_TEXT_CHARS // 2),
    "spaced digits": "1 " * (MAX_TEXT_CHARS // 2),
    "phone-like": "+3" * (MAX_TEXT_CHARS // 2),
    "labels": "snap: " * (MAX_TEXT_CHARS // 6),
    "dates": "12/12/" * (MAX_TEXT_CHARS // 6),
    "sign words": ("j'ai piraté votre appareil your device webcam " * 500)[:MAX_TEXT_CHARS],
    "addresses": (f"{BTC_P2PKH} {ETH_EIP55} " * 400)[:MAX_TEXT_CHARS],
    "iban groups": "FR76 " * (MAX_TEXT_CHARS // 5),
    "expanding ligatures": "\ufdfa" * MAX_TEXT_CHARS,  # NFKC: 18 characters each
    "urls": ("https://a.b/" + "x" * 4000 + " ") * 4,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_texts_are_read_with_every_list_capped(name: str) -> None:
    analysis = analyse_text(HOSTILE[name])
    ex = analysis.extraction
    assert len(ex.contacts) <= MAX_ITEMS and len(ex.moments) <= MAX_ITEMS
    assert len(ex.payments) <= 3 * 64 and len(ex.amounts) <= 64
    assert len(analysis.links_to_check) <= 5


def test_hostile_text_costs_about_what_an_ordinary_one_does() -> None:
    """No pattern is superlinear: 20,000 hostile characters cost at most a small multiple of
    20,000 ordinary ones, measured in the same run (CPU time, so other load does not count;
    the ratio, not a duration, is asserted)."""
    ordinary = (CORPUS[0].text + "\n") * (MAX_TEXT_CHARS // len(CORPUS[0].text))
    analyse_text(ordinary[:MAX_TEXT_CHARS])  # warm the caches

    def cost(text: str) -> float:
        start = time.process_time()
        for _ in range(3):
            analyse_text(text)
        return time.process_time() - start

    baseline = cost(ordinary[:MAX_TEXT_CHARS])
    worst = max(cost(text) for text in HOSTILE.values())
    assert worst < 8 * baseline + 0.05, (worst, baseline)


_PIECES = [
    *string.printable,
    *"éèàçœ€£\u00a0\u200b\u202eаоес@+$",
    "bitcoin ", "PCS ", "webcam ", "https://", "www.", ".com/", "ta sœur ", "0x", "votre ",
    "piraté ", "48 heures", "1 000 €", BTC_P2PKH, ETH_EIP55, "FR76 3000 ",
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=600).map("".join))
def test_any_text_gives_a_well_formed_analysis(text: str) -> None:
    analysis = analyse_text(text)
    assert analysis.classification.kind in ("mass_scam", "targeted_blackmail", "unknown")
    for item in analysis.payments_json():
        assert item["kind"] == "amount" or item["valid"] in (True, False, None)
    for link in analysis.links_to_check:
        assert link and not any(c.isspace() for c in link)
