"""Watching a link from the extension, in Chromium and in Firefox (issue 16, section 3).

What must hold for the person who asked "tell me if it ever goes public": after a "private"
answer they can watch the link; the extension re-checks it on its own schedule with `fresh: true`;
when the video becomes public a notification says so — calmly, without the link, with what to do
next — and only once; the result page opened from it shows the new answer and the report steps;
stopping erases the link and the checks stop. And the server learns nothing but the checks: every
request that reaches the instance is recorded at its door (e2e/recorder.py), and the only ones
that carry anything about the watched link are ordinary `POST /api/v1/checks`.

How time is shortened: the extension is built with VERIFLIEN_TEST_WATCH_SECONDS (build.mjs), a
build-time setting that no published package has; such a build names itself "TEST BUILD". The
fake YouTube video switches from private to public between two scheduled checks
(fakes/scenarios_watch.py).

How the notification is observed: Chromium — `chrome.notifications.getAll()` lists the
extension's live notifications, and a spy wrapped around `chrome.notifications.create` in the
extension's own service worker keeps the title and message. Firefox — a headless Firefox has no
system notification service (its alerts close at once, so `notifications.getAll()` stays empty):
the test registers, from the browser's chrome context, a stand-in for the alerts service
(`@mozilla.org/alerts-service;1`) that keeps what Firefox asks the system to show, and through
which the test clicks the notification the way the system would (`alertclickcallback`).

The permission: `notifications` is optional and asked for in the click on "Watch this link".
Firefox's prompt is turned off by its `extensions.webextOptionalPermissionPrompts` preference (the
request still needs the click; the test checks that the permission is absent before and present
after). Chromium shows its prompt as a native dialog, which a headless browser cannot answer: the
profile is prepared as a person's would be after answering "Allow" once (a first start of the same
extension with the permission granted), and a spy checks that the click does ask.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, EXTENSION, NODE
from e2e.recorder import InstanceRecorder, recorded_service, recorder_of_service  # noqa: F401
from e2e.test_accessibility import Audits, Extension, extension  # noqa: F401 (the fixture)
from e2e.test_console import result_document
from e2e.test_extension import Browser, _result_tab, _save_options
from e2e.test_firefox import Firefox, _popup_check, firefox  # noqa: F401 (the fixture)
from e2e.test_firefox import _save_options as _firefox_save_options
from fakes.scenarios_watch import (
    CHROMIUM_WATCH_ID,
    FIREFOX_WATCH_ID,
    set_visibility,
    watch_link,
)
from tools import missing_reason

pytestmark = pytest.mark.e2e

WATCH_SECONDS = 3  # the test build's interval between two scheduled checks
TIMEOUT_S = 60.0
TIMEOUT_MS = 30_000
# What an ordinary check sends (lib/checks.js): nothing that could tie one check to the next.
CHECK_FIELDS = {"url", "lang", "country", "minor", "fresh"}
OPTIONAL_PROMPTS_PREF = "extensions.webextOptionalPermissionPrompts"


def wait_for(probe: Callable[[], Any], timeout: float = TIMEOUT_S, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or probe}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def watch_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if NODE is None:
        pytest.skip(missing_reason("node"))
    out = tmp_path_factory.mktemp("watch-build")
    env = {
        **os.environ,
        "VERIFLIEN_DIST": str(out),
        "VERIFLIEN_TEST_WATCH_SECONDS": str(WATCH_SECONDS),
    }
    built = subprocess.run(
        [NODE, str(EXTENSION / "build.mjs")], env=env, check=True, capture_output=True, text=True
    )
    assert "test build" in built.stderr  # such a build says what it is
    return {
        "chromium": out / "chromium",
        "firefox": out / "firefox",
        "firefox_zip": out / "veriflien-firefox.zip",
    }


@pytest.fixture(scope="module")
def firefox_zip(watch_build: dict[str, Path]) -> Path:
    """The test build, for the `firefox` fixture of test_firefox.py."""
    return watch_build["firefox_zip"]


def _watch_entries(storage: dict[str, Any]) -> list[dict[str, Any]]:
    return [value for key, value in storage.items() if key.startswith("watch:")]


def _assert_only_checks_carried_the_link(recorder: InstanceRecorder, video_id: str) -> None:
    """At the instance's door: the link arrived in ordinary checks only, and each scheduled one
    asked the instance to look again."""
    carrying = [seen for seen in recorder.seen() if seen.mentions(video_id)]
    assert carrying, "the recorder saw nothing: the browser did not use the instance"
    for seen in carrying:
        assert (seen.method, seen.path) == ("POST", "/api/v1/checks"), seen.target
        assert set(seen.json()) <= CHECK_FIELDS, seen.json()
        assert "cookie" not in seen.headers
    first, *scheduled = carrying
    assert "fresh" not in first.json()  # the result page's own check
    assert len(scheduled) >= 2
    assert all(seen.json()["fresh"] is True for seen in scheduled)
    # Nothing else was asked of the instance: no watch registration, no statistics.
    paths = {seen.path for seen in recorder.seen()}
    assert paths <= {"/api/v1/checks", "/healthz"}, paths


# --- Chromium --------------------------------------------------------------------------------


def _launch(playwright: Any, profile: Path, unpacked: Path) -> tuple[Any, Any]:
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--disable-features=DisableLoadExtensionCommandLineSwitch",
            f"--disable-extensions-except={unpacked}",
            f"--load-extension={unpacked}",
        ],
    )
    worker = (
        context.service_workers[0]
        if context.service_workers
        else context.wait_for_event("serviceworker", timeout=TIMEOUT_MS)
    )
    return context, worker


@pytest.fixture
def chromium_watching(
    playwright_instance: Any, watch_build: dict[str, Path], live_service: str, tmp_path: Path
) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(missing_reason("chromium"))
    unpacked = tmp_path / "extension"  # one folder for both starts: the same extension id
    shutil.copytree(watch_build["chromium"], unpacked)
    manifest_file = unpacked / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    assert manifest["optional_permissions"] == ["notifications"]
    assert "notifications" not in manifest["permissions"]
    # The person answered "Allow" to the notification prompt on an earlier day.
    earlier = {**manifest, "permissions": [*manifest["permissions"], "notifications"]}
    manifest_file.write_text(json.dumps(earlier))
    context, _ = _launch(playwright_instance, tmp_path / "profile", unpacked)
    context.close()
    manifest_file.write_text(json.dumps(manifest))

    context, worker = _launch(playwright_instance, tmp_path / "profile", unpacked)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        browser = Browser(context, worker.url.split("/")[2], worker, live_service, requests)
        yield browser
        assert browser.outside_requests() == []
    finally:
        context.close()


def test_chromium_watch_notifies_once_when_a_private_video_becomes_public(
    chromium_watching: Browser, recorder: InstanceRecorder, artifacts: Path
) -> None:
    browser = chromium_watching
    worker = browser.worker
    link = watch_link(CHROMIUM_WATCH_ID)
    set_visibility(CHROMIUM_WATCH_ID, "private")
    _save_options(browser)
    popup = browser.open("popup.html")
    popup.fill("#paste", link)
    tab = _result_tab(browser, lambda: popup.click("button[type=submit]"))
    assert tab.get_attribute(".verdict", "data-verdict") == "private"

    # Spies that let everything through: what the page asks the browser, what the background
    # asks it to show.
    tab.evaluate(
        """() => {
            const real = chrome.permissions.request.bind(chrome.permissions);
            window.asked = [];
            chrome.permissions.request = (wanted) => { asked.push(wanted); return real(wanted); };
        }"""
    )
    worker.evaluate(
        """() => {
            const real = chrome.notifications.create.bind(chrome.notifications);
            globalThis.created = [];
            chrome.notifications.create = (id, options) => {
                created.push({id, options});
                return real(id, options);
            };
        }"""
    )
    box = tab.locator(".watch")
    assert "Surveiller ce lien" in box.inner_text()
    assert "Le lien reste dans ce navigateur" in box.inner_text()
    assert box.locator("select").input_value() == "24"  # once a day, unless chosen otherwise
    box.locator("select").select_option("12")
    box.locator(".button-watch").click()
    box.locator(".button-unwatch").wait_for(timeout=TIMEOUT_MS)
    assert tab.evaluate("asked") == [{"permissions": ["notifications"]}]
    assert "Vous recevrez une notification" in tab.inner_text(".watch-status")
    assert "Toutes les 12 heures" in box.inner_text()
    tab.screenshot(path=str(artifacts / "extension-watch-started.png"), full_page=True)

    (watch,) = _watch_entries(worker.evaluate("chrome.storage.local.get(null)"))
    assert (watch["url"], watch["verdict"], watch["hours"]) == (link, "private", 12)
    (alarm,) = worker.evaluate("chrome.alarms.getAll()")
    assert alarm["name"] == f"watch:{watch['id']}"
    assert alarm["periodInMinutes"] == pytest.approx(WATCH_SECONDS / 60)

    # A scheduled check while the video is still private: no notification.
    def scheduled() -> int:
        return sum(1 for seen in recorder.checks() if seen.mentions(CHROMIUM_WATCH_ID)) - 1

    wait_for(lambda: scheduled() >= 1, what="a first scheduled check")
    assert worker.evaluate("created") == []

    set_visibility(CHROMIUM_WATCH_ID, "public")
    notification_id = f"watch:{watch['id']}"
    wait_for(
        lambda: notification_id in worker.evaluate("chrome.notifications.getAll()"),
        what="the notification",
    )
    (created,) = worker.evaluate("created")
    assert created["id"] == notification_id
    options = created["options"]
    assert options["title"] == "Vérif'Lien : un lien surveillé a changé"
    assert "Visible par tout le monde" in options["message"]
    assert "signaler à la plateforme" in options["message"]
    assert "youtube" not in json.dumps(options).lower()  # never the link
    assert worker.evaluate("chrome.action.getBadgeText({})") == "!"
    (watch,) = _watch_entries(worker.evaluate("chrome.storage.local.get(null)"))
    assert watch["verdict"] == "public"
    assert (watch["changed"]["from"], watch["changed"]["to"]) == ("private", "public")

    # Still public at the next check: nothing new to say, so nothing is said.
    seen_so_far = scheduled()
    wait_for(lambda: scheduled() > seen_so_far, what="one more scheduled check")
    assert len(worker.evaluate("created")) == 1

    # The notification's click opens the new answer with what to do, without a new check.
    checks_before = len(recorder.checks())
    with browser.context.expect_page(
        lambda page: page.url.startswith(browser.url("result.html#watch:")), timeout=TIMEOUT_MS
    ) as opened:
        worker.evaluate("id => veriflien.onNotificationClicked(id)", notification_id)
    page = opened.value
    page.wait_for_selector(".card[data-state=done] .verdict", timeout=TIMEOUT_MS)
    assert page.get_attribute(".verdict", "data-verdict") == "public"
    assert "« Vidéo privée » est devenu « Visible par tout le monde »" in page.inner_text(
        ".watch-change"
    )
    assert page.locator(".steps li").count() >= 3
    assert page.locator(".help-group[data-kind=platform] a[href^='https://']").count() >= 1
    assert worker.evaluate("chrome.action.getBadgeText({})") == ""  # seen
    assert link in page.inner_text(".checked-link")
    assert page.locator(f'a[href*="{CHROMIUM_WATCH_ID}"]').count() == 0
    page.screenshot(path=str(artifacts / "extension-watch-changed.png"), full_page=True)
    # No check for opening it (scheduled ones may still run: count only non-fresh ones).
    opening = [s for s in recorder.checks()[checks_before:] if "fresh" not in s.json()]
    assert opening == []

    # Stop: the alarm, the stored link and the notification go; the checks stop.
    page.locator(".watch .button-unwatch").click()
    page.wait_for_selector(".watch .button-watch", timeout=TIMEOUT_MS)
    assert "Le lien a été effacé de ce navigateur" in page.inner_text(".watch-status")
    assert _watch_entries(worker.evaluate("chrome.storage.local.get(null)")) == []
    assert worker.evaluate("chrome.alarms.getAll()") == []
    assert worker.evaluate("chrome.notifications.getAll()") == {}
    stopped_at = scheduled()
    time.sleep(WATCH_SECONDS * 2.5)
    assert scheduled() == stopped_at

    _assert_only_checks_carried_the_link(recorder, CHROMIUM_WATCH_ID)


# --- Firefox ---------------------------------------------------------------------------------

# The system's side of Firefox's notifications, for a headless browser: keeps each alert Firefox
# shows, and its listener, through which a click is reported back (nsIAlertsService).
ALERTS_STAND_IN = """
const alerts = {shown: [], listeners: new Map()};
const service = {
  QueryInterface: ChromeUtils.generateQI(["nsIAlertsService"]),
  showAlert(alert, listener) {
    alerts.shown.push({name: alert.name, title: alert.title, text: alert.text});
    alerts.listeners.set(alert.name, [listener, alert.cookie]);
    if (listener) listener.observe(null, "alertshow", alert.cookie);
  },
  showAlertNotification(image, title, text, clickable, cookie, listener, name) {
    alerts.shown.push({name, title, text});
    alerts.listeners.set(name, [listener, cookie]);
  },
  closeAlert(name) { alerts.listeners.delete(name); },
  teardown() {},
  pbmTeardown() {},
};
Components.manager.QueryInterface(Ci.nsIComponentRegistrar).registerFactory(
  Services.uuid.generateUUID(), "alerts stand-in", "@mozilla.org/alerts-service;1",
  {createInstance: iid => service.QueryInterface(iid)});
window.veriflienAlerts = alerts;
"""


def _chrome(fox: Firefox, script: str, *args: Any) -> Any:
    with fox.marionette.using_context(fox.marionette.CONTEXT_CHROME):
        return fox.marionette.execute_script(script, script_args=list(args))


def _alerts_shown(fox: Firefox) -> list[dict[str, str]]:
    return _chrome(fox, "return window.veriflienAlerts.shown;")


def _click_alert(fox: Firefox, name: str) -> None:
    _chrome(
        fox,
        "const [listener, cookie] = window.veriflienAlerts.listeners.get(arguments[0]);"
        "listener.observe(null, 'alertclickcallback', cookie);",
        name,
    )


def test_firefox_watch_notifies_when_a_private_video_becomes_public(
    firefox: Firefox,  # noqa: F811 (the fixture imported above)
    recorder: InstanceRecorder,
) -> None:
    link = watch_link(FIREFOX_WATCH_ID)
    set_visibility(FIREFOX_WATCH_ID, "private")
    _chrome(firefox, ALERTS_STAND_IN)
    # No prompt: permissions.request() then grants at once, but only from a click.
    _chrome(firefox, "Services.prefs.setBoolPref(arguments[0], false);", OPTIONAL_PROMPTS_PREF)
    _firefox_save_options(firefox)
    _popup_check(firefox, link)
    assert firefox.attribute_list(".verdict", "data-verdict") == ["private"]

    def permitted() -> bool:
        return firefox.js(
            "return page.browser.permissions.contains({permissions: ['notifications']});"
        )

    assert permitted() is False  # nothing asked at install
    assert "Surveiller ce lien" in firefox.text(".watch")
    firefox.css(".watch .button-watch").click()  # a real click: Firefox asks only then
    firefox.wait_js("return document.querySelector('.watch .button-unwatch') !== null")
    assert permitted() is True
    assert "Vous recevrez une notification" in firefox.text(".watch-status")

    def watches() -> list[dict[str, Any]]:
        return _watch_entries(firefox.js("return page.browser.storage.local.get(null);"))

    (watch,) = watches()
    assert (watch["url"], watch["verdict"], watch["hours"]) == (link, "private", 24)
    alarms = firefox.js("return page.browser.alarms.getAll();")
    assert [alarm["name"] for alarm in alarms] == [f"watch:{watch['id']}"]

    def scheduled() -> int:
        return sum(1 for seen in recorder.checks() if seen.mentions(FIREFOX_WATCH_ID)) - 1

    def notifications() -> dict[str, Any]:
        return firefox.js("return page.browser.notifications.getAll();")

    wait_for(lambda: scheduled() >= 1, what="a first scheduled check")
    assert notifications() == {}
    assert _alerts_shown(firefox) == []

    set_visibility(FIREFOX_WATCH_ID, "public")
    notification_id = f"watch:{watch['id']}"
    options = wait_for(lambda: notifications().get(notification_id), what="the notification")
    (shown,) = _alerts_shown(firefox)  # what Firefox handed to the system
    for sent in (options, shown):
        assert sent["title"] == "Vérif'Lien : un lien surveillé a changé"
        text = sent.get("message") or sent["text"]
        assert "Visible par tout le monde" in text
        assert "signaler à la plateforme" in text
        assert "youtube" not in json.dumps(sent).lower()  # never the link
    assert firefox.js("return page.browser.action.getBadgeText({});") == "!"
    (watch,) = watches()
    assert (watch["changed"]["from"], watch["changed"]["to"]) == ("private", "public")

    # Still public at the next check: nothing new to say, so nothing is said.
    seen_so_far = scheduled()
    wait_for(lambda: scheduled() > seen_so_far, what="one more scheduled check")
    assert len(_alerts_shown(firefox)) == 1

    # A click on the notification opens the new answer, what changed and what to do.
    firefox.new_tab(lambda: _click_alert(firefox, shown["name"]), firefox.url("result.html#watch:"))
    firefox.wait_js("return document.querySelector('.card[data-state=done] .verdict') !== null")
    assert firefox.attribute_list(".verdict", "data-verdict") == ["public"]
    assert "est devenu « Visible par tout le monde »" in firefox.text(".watch-change")
    assert len(firefox.attribute_list(".steps li", "class")) >= 3
    assert firefox.attribute_list(".help-group[data-kind=platform] a[href^='https://']", "href")
    assert firefox.js("return page.browser.action.getBadgeText({});") == ""  # seen

    firefox.css(".watch .button-unwatch").click()
    firefox.wait_js("return document.querySelector('.watch .button-watch') !== null")
    assert watches() == []
    assert firefox.js("return page.browser.alarms.getAll();") == []
    stopped_at = scheduled()
    time.sleep(WATCH_SECONDS * 2.5)
    assert scheduled() == stopped_at

    _assert_only_checks_carried_the_link(recorder, FIREFOX_WATCH_ID)


# --- accessibility of what watching adds ---------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_watch_pages_have_no_wcag_violation(
    extension: Extension,  # noqa: F811 (the fixture imported above)
    axe_source: str,
    lang: str,
) -> None:
    """The watched links page (with a changed watch, and empty) and a watch's result page, in
    both colour schemes, audited by axe-core as test_accessibility.py audits the other pages."""
    audits = Audits(axe_source)
    extension.settings(instance=extension.instance, lang=lang, country="FR", minor=False)
    now = int(time.time() * 1000)
    document = result_document("public", lang=lang)
    watch = {
        "id": "a11y-watch",
        "url": "https://videos.example.com/canned/public",
        "hours": 24,
        "started": now - 3 * 86_400_000,
        "until": now + 27 * 86_400_000,
        "verdict": "public",
        "result": document,
        "lastCheck": {"at": now, "verdict": "public"},
        "changed": {"at": now, "from": "private", "to": "public"},
        "seen": False,
    }
    extension.worker.evaluate("w => chrome.storage.local.set({['watch:' + w.id]: w})", watch)
    try:
        for scheme in ("light", "dark"):
            page = extension.context.new_page()
            page.emulate_media(color_scheme=scheme)
            page.goto(extension.url("watches.html"))
            page.locator(".watch-item").wait_for()
            assert page.locator("html").get_attribute("lang") == lang
            audits.check(page, f"watches.html {lang} {scheme}")
            page.goto(extension.url("result.html#watch:a11y-watch"))
            page.locator(".card[data-state=done] .watch .button-unwatch").wait_for()
            audits.check(page, f"result.html#watch {lang} {scheme}")
            page.close()
    finally:
        extension.worker.evaluate("chrome.storage.local.remove('watch:a11y-watch')")
    page = extension.context.new_page()
    page.goto(extension.url("watches.html"))
    page.locator("#watches-empty:not([hidden])").wait_for()
    audits.check(page, f"watches.html empty {lang}")
    page.close()
    audits.assert_clean()
