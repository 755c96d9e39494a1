"""The extension's popup offers the analysis of a whole pasted message, and the result page shows
it: the kind of message, the payment details checked, and each link's own verdict card. The text
goes only to the configured instance (the fixture fails the test on any other request)."""

from __future__ import annotations

from pathlib import Path

import pytest

import e2e.test_extension as extension_tests
from e2e.test_extension import TIMEOUT_MS, Browser, _save_options
from messages_corpus import BTC_LOOKALIKE, CORPUS, LINK_PRIVATE

pytestmark = pytest.mark.e2e

# The extension tests' fixtures (a Chromium with the built extension, and its build), shared.
chromium_extension = extension_tests.chromium_extension
browser_with_extension = extension_tests.browser_with_extension


def _text(case_id: str) -> str:
    return next(c for c in CORPUS if c.id == case_id).text


def _analysis_tab(browser: Browser, action) -> object:
    with browser.context.expect_page(
        lambda page: page.url.startswith(browser.url("result.html")), timeout=TIMEOUT_MS
    ) as opened:
        action()
    tab = opened.value
    tab.wait_for_selector(".card.message[data-state=done], .card.message[data-state=error]",
                          timeout=60_000)  # fmt: skip
    return tab


def test_popup_offers_the_message_analysis_only_for_a_message(
    browser_with_extension: Browser, artifacts: Path
) -> None:
    browser = browser_with_extension
    _save_options(browser, minor=False)
    popup = browser.open("popup.html")
    popup.fill("#paste", f"{LINK_PRIVATE}\n{LINK_PRIVATE}")
    assert popup.locator("#message-offer").is_hidden()  # links only: nothing more to offer
    popup.fill("#paste", _text("fr-targeted-link-private"))
    assert popup.locator("#message-offer").is_visible()
    tab = _analysis_tab(browser, lambda: popup.click("#analyse-message"))
    tab.screenshot(path=str(artifacts / "extension-message-targeted.png"), full_page=True)
    card = tab.locator(".card.message")
    assert card.get_attribute("data-state") == "done", tab.inner_text("main")
    assert card.locator(".verdict").get_attribute("data-kind") == "targeted_blackmail"
    assert card.locator(".verdict-name").inner_text() == "Chantage ciblé"
    assert "Transcash" in card.locator(".payments").inner_text()
    # The link of the message has its own card, with its verdict, as for a pasted link.
    link_card = tab.locator(".card[data-index='0']")
    assert link_card.locator(".verdict").get_attribute("data-verdict") == "private"
    assert LINK_PRIVATE in link_card.inner_text()
    assert f"{browser.instance}/api/v1/messages" in browser.requests
    assert not any(url.endswith("/api/v1/checks") for url in browser.requests)


def test_look_alike_wallet_is_shown_as_unable_to_receive(browser_with_extension: Browser) -> None:
    browser = browser_with_extension
    _save_options(browser, minor=False)
    popup = browser.open("popup.html")
    popup.fill("#paste", _text("fr-mass-lookalike-wallet"))
    tab = _analysis_tab(browser, lambda: popup.click("#analyse-message"))
    card = tab.locator(".card.message")
    assert card.locator(".verdict").get_attribute("data-kind") == "mass_scam"
    wallet = card.locator(".payments li[data-kind=bitcoin]")
    assert BTC_LOOKALIKE in wallet.inner_text()
    assert "ne peut recevoir aucun paiement" in wallet.inner_text()
    assert tab.locator(".card[data-index]").count() == 0  # no link in this message
