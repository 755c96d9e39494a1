"""Accessibility, proven rather than estimated: axe-core's WCAG 2.1 A and AA rules, run in Debian's
chromium on every page a person meets, with zero violations allowed.

Why: the people who read these pages are frightened, sometimes on a phone, sometimes with a screen
reader or a keyboard only, and a counsellor reads the console aloud during a call. A page that
fails one of these rules (contrast, names, landmarks, headings, language) fails someone.

What is audited: the counsellor console in every verdict state, in French and in English, plus
its empty, running, error and history states; the extension's popup, options, welcome and result
pages (the result page in every verdict state and in its error and empty states), in both
languages and in both colour schemes (the extension follows the system's dark mode). Verdict
cards are rendered from result documents built with the service's own advice and report links
(as tests/e2e/test_console.py does), answered through Playwright's request routing, so each state
is exact and the audit does not depend on which probes are registered.

axe-core comes from npm (extension/package.json, pinned in the lockfile) and is injected into the
page by Playwright; the `axe_source` fixture runs `npm ci` when it is missing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, NODE, build_extension
from e2e.test_console import VERDICT_WORDS, event_stream, result_document
from tools import missing_reason

pytestmark = pytest.mark.e2e

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe's own best practices on top: one main landmark, content inside landmarks, a level-one
# heading, sensible heading levels. They are how a screen-reader user finds their way.
RULE_TAGS = [*WCAG_TAGS, "best-practice"]
VERDICTS = list(VERDICT_WORDS)  # every verdict the service can answer
LANGS = ["fr", "en"]
TIMEOUT_MS = 30_000


def audit(page: Any, axe_source: str) -> dict[str, Any]:
    """Run axe-core's WCAG 2.1 A/AA rules (and best practices) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations", "incomplete"],
        })""",
        RULE_TAGS,
    )


def describe(results: dict[str, Any]) -> list[str]:
    """Problems as lines a person can act on: rule, impact, where, and what to fix. "incomplete"
    is axe saying it could not decide (e.g. text over an image): not proven, so it counts."""
    lines = []
    for kind in ("violations", "incomplete"):
        for rule in results[kind]:
            for node in rule["nodes"][:5]:
                summary = (node.get("failureSummary") or rule["help"]).replace("\n", " ")
                lines.append(
                    f"{rule['id']} ({rule['impact']}, {kind}) at {' '.join(node['target'])}: "
                    f"{summary}"
                )
    return lines


class Audits:
    """Collects every audit of a test, so one run reports all the failing states at once."""

    def __init__(self, axe_source: str) -> None:
        self.axe_source = axe_source
        self.failures: dict[str, list[str]] = {}
        self.audited: list[str] = []

    def check(self, page: Any, state: str) -> None:
        results = audit(page, self.axe_source)
        self.audited.append(state)
        # The audit must have looked at something: rules ran, and some applied.
        assert len(results["passes"]) >= 5, (state, results["passes"])
        problems = describe(results)
        if problems:
            self.failures[state] = problems

    def assert_clean(self) -> None:
        report = "\n".join(
            f"[{state}] {line}" for state, lines in self.failures.items() for line in lines
        )
        assert self.failures == {}, f"axe-core found accessibility problems:\n{report}"


def answer_with(queue: list[dict[str, Any]]) -> Any:
    """A route handler answering POST /api/v1/checks with the next result document."""

    def answer(route: Any) -> None:
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream"},
            body=event_stream(queue.pop(0)),
        )

    return answer


# --- the counsellor console ------------------------------------------------------------------


@pytest.fixture
def console_page(browser: Any, live_service: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _console_check(page: Any, link: str) -> Any:
    page.locator("#urls").fill(link)
    page.locator("#urls").press("Enter")
    card = page.locator("#cards .card").first
    card.locator(".verdict-banner, .card-error, [role=alert]").first.wait_for(timeout=TIMEOUT_MS)
    return card


@pytest.mark.parametrize("lang", LANGS)
def test_console_every_verdict_state_has_no_wcag_violation(
    console_page: Any, live_service: str, axe_source: str, lang: str
) -> None:
    page = console_page
    audits = Audits(axe_source)
    page.goto(live_service + "/")
    page.locator("#lang").select_option(lang)
    assert page.locator("html").get_attribute("lang") == lang
    audits.check(page, f"console empty {lang}")

    queue: list[dict[str, Any]] = []
    page.route("**/api/v1/checks", answer_with(queue))
    for verdict in VERDICTS:
        page.reload()  # one card per audit, so a violation names its verdict
        queue.append(result_document(verdict, lang=lang))
        card = _console_check(page, f"https://videos.example.com/canned/{verdict}")
        assert card.get_attribute("data-verdict") == verdict
        card.locator(".progress summary").click()  # the steps, opened, are audited too
        audits.check(page, f"console {verdict} {lang}")

    # Several cards at once, with the local history switched on and listing them.
    page.locator("#history-enabled").check()
    for verdict in ("public", "private", "unknown"):
        queue.append(result_document(verdict, lang=lang))
        _console_check(page, f"https://videos.example.com/canned/{verdict}")
    assert page.locator("#history-list li").count() >= 3
    audits.check(page, f"console history {lang}")

    # The other language than the advice's: the card offers to check again in this one.
    other = "en" if lang == "fr" else "fr"
    page.locator("#lang").select_option(other)
    audits.check(page, f"console advice in {lang}, page in {other}")
    page.locator("#lang").select_option(lang)

    # The service refuses (rate limit): the card says so.
    page.unroute("**/api/v1/checks")
    page.route(
        "**/api/v1/checks",
        lambda route: route.fulfill(
            status=429,
            headers={"Content-Type": "application/json", "Retry-After": "30"},
            body=json.dumps({"error": {"code": "rate_limited", "message": "Too many checks."}}),
        ),
    )
    page.reload()
    page.locator("#urls").fill("https://videos.example.com/canned/busy")
    page.locator("#urls").press("Enter")
    page.locator("#cards .card").first.locator("[role=alert], .error").first.wait_for(
        timeout=TIMEOUT_MS
    )
    audits.check(page, f"console error {lang}")

    # A check still running: the answer never comes during the audit.
    page.unroute("**/api/v1/checks")
    page.route("**/api/v1/checks", lambda route: None)
    page.reload()
    page.locator("#urls").fill("https://videos.example.com/canned/running")
    page.locator("#urls").press("Enter")
    page.locator("#cards .card").first.wait_for(timeout=TIMEOUT_MS)
    audits.check(page, f"console running {lang}")

    audits.assert_clean()
    assert len(audits.audited) == len(VERDICTS) + 5


def test_console_on_a_phone_screen_has_no_wcag_violation(
    browser: Any, live_service: str, axe_source: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(live_service + "/")
        queue = [result_document("incomplete")]
        page.route("**/api/v1/checks", answer_with(queue))
        _console_check(page, "https://videos.example.com/canned/incomplete")
        audits = Audits(axe_source)
        audits.check(page, "console 320 px")
        audits.assert_clean()
    finally:
        context.close()


# --- the extension's pages -------------------------------------------------------------------


class CannedInstance(ThreadingHTTPServer):
    """Stands in for a Vérif'Lien instance: each check of ".../canned/<verdict>" is answered with
    that verdict's result document, in the language asked; ".../canned/busy" is refused (429).
    (Playwright's routing does not reliably catch the first request of a tab the extension opens
    itself, so the extension talks to this real server instead.)"""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                name = str(body.get("url", "")).rsplit("/", 1)[-1]
                if self.path != "/api/v1/checks" or name not in [*VERDICTS, "busy"]:
                    self.send_error(404)
                    return
                if name == "busy":
                    answer = json.dumps({"error": {"code": "rate_limited", "message": "Busy."}})
                    self.send_response(429)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Retry-After", "30")
                else:
                    answer = event_stream(result_document(name, lang=body.get("lang", "fr")))
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                data = answer.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


class Extension:
    def __init__(self, context: Any, worker: Any, instance: str) -> None:
        self.context = context
        self.worker = worker
        self.instance = instance
        self.extension_id = worker.url.split("/")[2]

    def url(self, page: str) -> str:
        return f"chrome-extension://{self.extension_id}/{page}"

    def settings(self, **values: Any) -> None:
        self.worker.evaluate("values => chrome.storage.local.set(values)", values)

    def result_page(self, links: list[str]) -> Any:
        """The result page for `links`, opened the way the context menu opens it."""
        with self.context.expect_page(
            lambda page: page.url.startswith(self.url("result.html")), timeout=TIMEOUT_MS
        ) as opened:
            self.worker.evaluate(
                "text => veriflien.onMenuClicked({menuItemId: veriflien.MENU_SELECTION, "
                "selectionText: text})",
                " ".join(links),
            )
        page = opened.value
        page.wait_for_selector(
            ".card[data-state=done], .card[data-state=error]", timeout=TIMEOUT_MS
        )
        return page


@pytest.fixture(scope="module")
def extension(
    playwright_instance: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Extension]:
    if NODE is None:
        pytest.skip(missing_reason("node"))
    dist = build_extension(tmp_path_factory.mktemp("a11y-extension"))["chromium"]
    instance = CannedInstance()
    threading.Thread(target=instance.serve_forever, daemon=True).start()
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("a11y-profile")),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--disable-features=DisableLoadExtensionCommandLineSwitch",
            f"--disable-extensions-except={dist}",
            f"--load-extension={dist}",
        ],
    )
    try:
        worker = (
            context.service_workers[0]
            if context.service_workers
            else context.wait_for_event("serviceworker", timeout=TIMEOUT_MS)
        )
        yield Extension(context, worker, instance.base)
    finally:
        context.close()
        instance.shutdown()
        instance.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LANGS)
def test_extension_pages_have_no_wcag_violation(
    extension: Extension, axe_source: str, lang: str, scheme: str
) -> None:
    audits = Audits(axe_source)
    extension.settings(
        instance=extension.instance, lang=lang, country="FR", minor=False, ageAnswered=False
    )
    for name in ("popup.html", "options.html", "welcome.html", "result.html"):
        page = extension.context.new_page()
        page.emulate_media(color_scheme=scheme)
        page.goto(extension.url(name))
        page.wait_for_function("document.title !== '' && document.documentElement.lang !== ''")
        if name == "result.html":  # opened without links: says there is nothing to check
            page.locator("#empty").wait_for()
        assert page.locator("html").get_attribute("lang") == lang
        audits.check(page, f"{name} {lang} {scheme}")
        if name == "options.html":
            page.locator("#instance").fill("http://aide.example.org")  # refused: not https
            page.locator("button[type=submit]").click()
            page.locator("#options-status[data-message=optionsInstanceHttps]").wait_for()
            audits.check(page, f"{name} with an error {lang} {scheme}")
        if name == "welcome.html":
            page.locator("#age-adult").check()
            page.locator("#age-status:not(:empty)").wait_for()
            audits.check(page, f"{name} answered {lang} {scheme}")
        page.close()

    for verdict in VERDICTS:
        page = extension.result_page([f"https://videos.example.com/canned/{verdict}"])
        page.emulate_media(color_scheme=scheme)
        assert page.get_attribute(".verdict", "data-verdict") == verdict
        page.locator("details.technical summary").click()  # opened, audited too
        audits.check(page, f"result {verdict} {lang} {scheme}")
        page.close()

    # The instance refuses (rate limit): the card says so and offers to try again.
    page = extension.result_page(["https://videos.example.com/canned/busy"])
    page.emulate_media(color_scheme=scheme)
    assert page.locator(".problem[role=alert]").count() == 1
    audits.check(page, f"result error {lang} {scheme}")
    page.close()

    audits.assert_clean()
    assert len(audits.audited) == 6 + len(VERDICTS) + 1
