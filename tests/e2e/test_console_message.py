"""The console's "paste the whole message" mode, in a real browser against a real service.

What a counsellor notices: choosing the mode with the keyboard, pasting the message, reading
whether it is a mass scam or targeted blackmail and why, which payment details are real and
which are look-alikes, the verdict card of each link, in French and English, on a 320 px phone
screen; and the page never contacts anything but the service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from messages_corpus import BTC_LOOKALIKE, CORPUS, LINK_PRIVATE

pytestmark = pytest.mark.e2e

# The console tests' helpers: one way of opening the console for every e2e test.
from e2e.test_console import Console, open_console, wait_for_verdict  # noqa: E402


def case(case_id: str) -> str:
    return next(c for c in CORPUS if c.id == case_id).text


@pytest.fixture
def console(browser: Any, live_service: str) -> Any:
    console = open_console(browser, live_service)
    yield console
    console.page.context.close()


def paste_message(console: Console, text: str) -> Any:
    page = console.page
    page.locator("#mode-message").check()
    box = page.locator("#message-text")
    box.fill(text)
    box.press("Control+Enter")
    card = page.locator("#message-result .message-card")
    card.wait_for(timeout=40_000)
    return card


def test_targeted_message_with_a_private_link(console: Console, artifacts: Path) -> None:
    page = console.page
    card = paste_message(console, case("fr-targeted-link-private"))
    assert card.get_attribute("data-kind") == "targeted_blackmail"
    assert card.locator("h3").inner_text() == "Chantage ciblé"
    reasons = card.locator(".message-reasons li").all_inner_texts()
    assert any("appel vidéo" in r for r in reasons)
    assert card.locator('.payment[data-kind="voucher"]').inner_text().count("Transcash") == 1
    assert "invérifiable hors ligne" in card.locator('.payment[data-kind="voucher"]').inner_text()
    assert "+225 07 48 12 33 90" in card.locator(".message-contacts").inner_text()
    # The link's own verdict card appears among the results, as for a pasted link.
    link_card = page.locator("#cards .card").first
    assert wait_for_verdict(link_card) == "private"
    assert link_card.locator(".checked-url").inner_text() == LINK_PRIVATE
    assert "Analyse terminée : Chantage ciblé" in page.locator("#message-status").inner_text()
    assert page.evaluate("() => document.activeElement.id") == "message-title"
    page.screenshot(path=str(artifacts / "console-message-form.png"))
    card.screenshot(path=str(artifacts / "console-message-targeted.png"))
    assert console.outsiders() == []


def test_mass_scam_with_a_look_alike_wallet_in_english(console: Console, artifacts: Path) -> None:
    page = console.page
    page.locator("#lang").select_option("en")
    card = paste_message(console, case("fr-mass-lookalike-wallet"))
    assert card.get_attribute("data-kind") == "mass_scam"
    assert card.locator("h3").inner_text() == "Mass scam"
    wallet = card.locator('.payment[data-kind="bitcoin"]').inner_text()
    assert BTC_LOOKALIKE in wallet and "checksum wrong" in wallet
    steps = card.locator(".steps li").all_inner_texts()
    assert any("spam" in step for step in steps)
    assert card.locator(".report-item").first.inner_text().startswith("Cybermalveillance")
    assert page.locator("#cards .card").count() == 0  # no link, no card
    # Switching the language re-labels the analysis and asks for a new one for the advice.
    page.locator("#lang").select_option("fr")
    assert card.locator("h3").inner_text() == "Arnaque envoyée en masse"
    assert "autre langue" in card.inner_text()
    card.screenshot(path=str(artifacts / "console-message-mass.png"))
    assert console.outsiders() == []


def test_keyboard_only_and_bad_input(console: Console) -> None:
    page = console.page
    page.locator("#mode-links").focus()
    page.keyboard.press("ArrowRight")  # radio group: arrow keys move the choice
    assert page.locator("#mode-message").is_checked()
    assert page.locator("#message-form").is_visible()
    assert not page.locator("#urls").is_visible()
    page.locator("#message-text").focus()
    page.keyboard.press("Control+Enter")
    assert "Collez le message" in page.locator("#message-error").inner_text()
    assert page.locator("#message-text").get_attribute("aria-invalid") == "true"
    page.locator("#message-text").fill("a" * 20_001)
    assert "20001 / 20000" in page.locator("#message-count").inner_text()
    page.keyboard.press("Control+Enter")
    assert "dépasse" in page.locator("#message-error").inner_text()
    page.keyboard.press("Shift+Tab")
    page.locator("#mode-message").focus()
    page.keyboard.press("ArrowLeft")
    assert page.locator("#urls").is_visible() and not page.locator("#message-form").is_visible()


def test_message_mode_on_a_320_pixel_phone(
    browser: Any, live_service: str, artifacts: Path
) -> None:
    console = open_console(browser, live_service, viewport={"width": 320, "height": 640})
    page = console.page
    try:
        card = paste_message(console, case("en-targeted-tron-lookalike-dogecoin"))
        assert card.get_attribute("data-kind") == "targeted_blackmail"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"the page scrolls sideways ({width} px)"
        page.screenshot(path=str(artifacts / "console-message-phone.png"), full_page=True)
        assert console.outsiders() == []
    finally:
        page.context.close()
