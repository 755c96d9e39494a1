"""The console on a phone: installable, shared to, watching — in Debian's chromium (issue 16).

What must hold for a young person whose only device is a phone: the console installs as an app
(Chromium's own installability checks pass: manifest, service worker, icons); "Share →
Vérif'Lien" from a messaging app opens it with the shared text, and the link in that text is
checked without ever being opened; the service worker keeps the app's own files and nothing else
— never a result, a link or a message; the first screen fits 320 px, in both languages, with the
"under 18" toggle on it. And for a counsellor who keeps the console open: a checked link can be
watched while the page is open, with a notification when a private video becomes public, and
nothing about the watched link reaches the server but the checks themselves.

Every request that reaches the instance is recorded at its door (e2e/recorder.py). The console's
watch runs on the page's own timers: the test installs Playwright's fake clock and moves it a day
forward, so no test-only setting exists in the console at all.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from e2e.recorder import InstanceRecorder, recorded_service, recorder_of_service  # noqa: F401
from e2e.test_accessibility import Audits
from fakes.scenarios_console import PRIVATE_VIDEO_ID
from fakes.scenarios_watch import CONSOLE_WATCH_ID, set_visibility, watch_link
from veriflien.app import STATIC_DIR

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
SHARED_LINK = f"https://youtu.be/{PRIVATE_VIDEO_ID}"  # "Private video" (fakes/scenarios_console)
# What a messaging app hands over: the message, with the link somewhere in it.
MESSAGE_WORDS = "avant que je l'envoie à ta mère"  # the rest of the message: never sent
SHARED_TEXT = f"Regarde ta vidéo ici {SHARED_LINK} {MESSAGE_WORDS} !!"
DAY_MS = 24 * 60 * 60 * 1000
LIST_CACHES = """async () => {
    const listing = {};
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        listing[name] = [];
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            const type = response.headers.get("Content-Type") || "";
            const text = type.startsWith("image/png") ? "" : await response.text();
            listing[name].push({url: request.url, type, text});
        }
    }
    return listing;
}"""


def worker_app_files() -> list[str]:
    """The files /sw.js caches at install (its APP_FILES list)."""
    text = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    block = re.search(r"const APP_FILES = \[(.*?)\];", text, re.S)
    assert block is not None
    return re.findall(r'"([^"]+)"', block.group(1))


@pytest.fixture
def phone(playwright_instance: Any, tmp_path: Path) -> Iterator[Any]:
    """A phone-sized browser with a profile of its own (Chromium installs nothing from an
    incognito context), whose every request is kept (context.requests)."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        permissions=["notifications"],
    )
    context.requests = []
    context.on("request", lambda request: context.requests.append(request.url))
    yield context
    context.close()


def controlled(page: Any) -> None:
    """Wait until the console's service worker is active and controls the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)


def assert_only_the_instance(context: Any, base: str) -> None:
    outside = [
        url
        for url in context.requests
        if not (url == base or url.startswith((base + "/", "blob:", "data:")))
    ]
    assert outside == []


def test_chromium_finds_the_console_installable(phone: Any, live_service: str) -> None:
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto(live_service + "/")
    controlled(page)
    cdp = phone.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == live_service + "/manifest.webmanifest"
    assert manifest.get("errors", []) == []
    parsed = json.loads(manifest["data"])  # the manifest as Chromium read it
    assert parsed["share_target"]["params"]["text"] == "text"
    registration = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.getRegistration();
            return {scope: registration.scope, script: registration.active.scriptURL};
        }"""
    )
    assert registration == {"scope": live_service + "/", "script": live_service + "/sw.js"}
    assert_only_the_instance(phone, live_service)


def test_a_shared_text_has_its_link_checked_without_opening_it(
    phone: Any, live_service: str, recorder: InstanceRecorder, artifacts: Path
) -> None:
    shared = f"{live_service}/?text={quote(SHARED_TEXT)}"
    page = phone.new_page()
    page.goto(shared)
    card = page.locator("#cards .card").first
    card.locator(".verdict-banner").wait_for(timeout=TIMEOUT_MS)
    assert card.get_attribute("data-verdict") == "private"
    assert card.locator(".checked-url").inner_text() == SHARED_LINK
    assert page.locator("#urls").input_value() == SHARED_LINK
    assert "le(s) lien(s) qu'il contient sont vérifiés sans être ouverts" in page.inner_text(
        "#live-status"
    )
    # The shared text left the address at once: not in the address bar, not in a reload.
    assert page.url == live_service + "/"
    assert page.evaluate("location.search") == ""
    # Never opened: the page made no request anywhere but the instance, and shows no link to it.
    assert_only_the_instance(phone, live_service)
    assert page.locator(f'a[href*="{PRIVATE_VIDEO_ID}"]').count() == 0
    assert page.locator("iframe, video, img[src^=http]").count() == 0
    page.screenshot(path=str(artifacts / "console-shared-private.png"), full_page=True)

    # At the instance: the link arrived in a check, and the rest of the message never did.
    checks = [seen for seen in recorder.checks() if seen.mentions(PRIVATE_VIDEO_ID)]
    assert checks and checks[-1].json()["url"] == SHARED_LINK
    assert not any(seen.mentions(MESSAGE_WORDS) for seen in recorder.checks())

    # Shared again once the app is installed: the service worker answers the page request
    # without the query, so the shared text does not reach the server at all.
    controlled(page)
    before = len(recorder.seen())
    page.goto(shared)
    page.locator("#cards .card .verdict-banner").first.wait_for(timeout=TIMEOUT_MS)
    page_requests = [seen for seen in recorder.seen()[before:] if seen.method == "GET"]
    assert page_requests and all("text=" not in seen.target for seen in page_requests)
    assert not any(seen.mentions(MESSAGE_WORDS) for seen in recorder.seen())


def test_a_shared_text_without_a_link_says_so(phone: Any, live_service: str) -> None:
    page = phone.new_page()
    page.goto(f"{live_service}/?text={quote('Je sais ce que tu as fait. Paie ou je publie.')}")
    page.locator("#form-error:not(:empty)").wait_for(timeout=TIMEOUT_MS)
    assert "ne contient aucun lien" in page.inner_text("#form-error")
    assert page.locator("#cards .card").count() == 0
    assert page.url == live_service + "/"


def test_the_service_worker_cache_holds_only_the_apps_own_files(
    phone: Any, live_service: str, recorder: InstanceRecorder
) -> None:
    page = phone.new_page()
    page.goto(live_service + "/")
    controlled(page)
    # A check, the evidence sheet and a shared text: everything that could be cached.
    page.reload()
    page.locator("#urls").fill(SHARED_LINK)
    page.locator("#urls").press("Enter")
    card = page.locator("#cards .card").first
    card.locator(".verdict-banner").wait_for(timeout=TIMEOUT_MS)
    with phone.expect_page(timeout=TIMEOUT_MS) as sheet:
        card.locator("button.sheet").click()
    sheet.value.wait_for_load_state()
    page.goto(f"{live_service}/?text={quote(SHARED_TEXT)}")
    page.locator("#cards .card .verdict-banner").first.wait_for(timeout=TIMEOUT_MS)
    assert any(seen.path == "/api/v1/sheet" for seen in recorder.seen())

    listing = page.evaluate(LIST_CACHES)
    assert list(listing) == ["veriflien-console-v1"]
    entries = listing["veriflien-console-v1"]
    cached = sorted(entry["url"].removeprefix(live_service) for entry in entries)
    # Exactly the app's own files: the console page (without any query) and its static files.
    assert cached == sorted(worker_app_files())
    for entry in entries:
        assert "?" not in entry["url"] and "/api/" not in entry["url"]
        for secret in (PRIVATE_VIDEO_ID, MESSAGE_WORDS):
            assert secret not in entry["text"], (entry["url"], secret)
        if entry["text"]:  # each text file is the server's own file, byte for byte
            with urllib.request.urlopen(entry["url"], timeout=10) as answer:
                assert entry["text"] == answer.read().decode("utf-8"), entry["url"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_first_screen_fits_a_320_px_phone_with_the_under_18_toggle(
    browser: Any, live_service: str, axe_source: str, artifacts: Path, lang: str
) -> None:
    context = browser.new_context(
        viewport={"width": 320, "height": 568}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(live_service + "/")
        page.locator("#lang").select_option(lang)
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=str(artifacts / f"console-320-{lang}.png"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320  # nothing wider than the screen: no sideways scrolling
        toggle = page.locator("label[for=minor]").bounding_box()
        box = page.locator("#minor").bounding_box()
        assert box is not None and toggle is not None
        assert box["y"] + box["height"] <= 568 and toggle["y"] + toggle["height"] <= 568
        assert box["width"] >= 20  # big enough to touch
        words = {"fr": "moins de 18 ans", "en": "under 18"}[lang]
        assert words in page.inner_text("label[for=minor]")
        audits = Audits(axe_source)
        audits.check(page, f"console 320 px {lang}")
        audits.assert_clean()
    finally:
        context.close()


def test_the_console_watch_notifies_when_a_private_video_becomes_public(
    phone: Any, live_service: str, recorder: InstanceRecorder, axe_source: str, artifacts: Path
) -> None:
    link = watch_link(CONSOLE_WATCH_ID)
    set_visibility(CONSOLE_WATCH_ID, "private")
    page = phone.new_page()
    page.clock.install()
    page.goto(live_service + "/")
    controlled(page)
    page.locator("#urls").fill(link)
    page.locator("#urls").press("Enter")
    card = page.locator("#cards .card").first
    card.locator(".verdict-banner").wait_for(timeout=TIMEOUT_MS)
    assert card.get_attribute("data-verdict") == "private"

    box = card.locator(".watch")
    assert "Tant que cette page reste ouverte" in box.inner_text()
    assert box.locator("select").input_value() == "24"  # once a day unless chosen otherwise
    box.locator(".watch-start").click()
    box.locator(".watch-stop").wait_for(timeout=TIMEOUT_MS)
    assert "une notification préviendra" in box.inner_text()
    audits = Audits(axe_source)
    audits.check(page, "console watching")
    # Kept in the page's memory only, even with the local history switched on.
    assert link not in json.dumps(page.evaluate("({...localStorage})"))

    def watch_checks() -> list[Any]:
        return [seen for seen in recorder.checks() if seen.mentions(CONSOLE_WATCH_ID)]

    assert len(watch_checks()) == 1
    page.clock.fast_forward(DAY_MS)  # a day later, still private: nothing to say
    page.wait_for_function(
        "() => document.querySelector('#cards .card .watch-last') !== null", timeout=TIMEOUT_MS
    )
    assert len(watch_checks()) == 2
    assert "Dernière vérification" in card.locator(".watch-last").inner_text()
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications())") == []

    set_visibility(CONSOLE_WATCH_ID, "public")
    page.clock.fast_forward(DAY_MS)
    page.wait_for_function(
        "() => document.querySelector('#cards .card').dataset.verdict === 'public'",
        timeout=TIMEOUT_MS,
    )
    assert (
        "« Vidéo privée » est devenu « Visible par tout le monde »"
        in card.locator(".watch-change").inner_text()
    )
    assert "Un lien surveillé a changé" in page.inner_text("#live-status")
    # Shown through the service worker a moment after the card changed.
    notifications: list[dict[str, str]] = []
    for _ in range(100):
        notifications = page.evaluate(
            """() => navigator.serviceWorker.ready
                .then(r => r.getNotifications())
                .then(list => list.map(n => ({title: n.title, body: n.body})))"""
        )
        if notifications:
            break
        page.wait_for_timeout(100)
    assert len(notifications) == 1
    (shown,) = notifications
    assert shown["title"] == "Vérif'Lien : un lien surveillé a changé"
    assert "Visible par tout le monde" in shown["body"]
    assert "signaler à la plateforme" in shown["body"]
    assert CONSOLE_WATCH_ID not in json.dumps(shown) and "youtube" not in json.dumps(shown)
    assert card.locator(".report a[href^='https://']").count() >= 1  # the report steps
    audits.check(page, "console watched link changed")
    page.screenshot(path=str(artifacts / "console-watch-changed.png"), full_page=True)
    card.locator(".watch").screenshot(path=str(artifacts / "console-watch-box.png"))
    card.locator(".verdict-banner").screenshot(path=str(artifacts / "console-watch-verdict.png"))

    # Stop: no more checks, however much time passes.
    card.locator(".watch-stop").click()
    card.locator(".watch-start").wait_for(timeout=TIMEOUT_MS)
    count = len(watch_checks())
    page.clock.fast_forward(3 * DAY_MS)
    page.wait_for_timeout(500)
    assert len(watch_checks()) == count

    # At the instance's door: the link came in checks only, the scheduled ones fresh.
    carrying = [seen for seen in recorder.seen() if seen.mentions(CONSOLE_WATCH_ID)]
    assert [(seen.method, seen.path) for seen in carrying] == [("POST", "/api/v1/checks")] * 3
    assert "fresh" not in carrying[0].json()
    assert [seen.json().get("fresh") for seen in carrying[1:]] == [True, True]
    assert all(
        set(seen.json()) <= {"url", "lang", "country", "minor", "fresh"} for seen in carrying
    )
    audits.assert_clean()
    assert_only_the_instance(phone, live_service)
