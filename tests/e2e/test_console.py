"""The counsellor console, driven the way a helpline uses it: a real browser, a real service.

Why these tests: during a call the counsellor pastes a link, watches the check, reads the answer
aloud and may print the evidence sheet. Each test asserts what that person notices (words on the
card, the language, the sheet, the keyboard focus), and every test also checks that the page never
contacts anything but the service itself. Screenshots of each verdict card go to the `artifacts`
directory so a person can judge the design.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fakes import scenarios_console
from tools import require
from veriflien import __version__
from veriflien.advice import render
from veriflien.probes import registry

pytestmark = pytest.mark.e2e

REFUSED_URL = "http://127.0.0.1:1/"
SLOW_GONE_URL = "https://videos.example.com/console/slow-gone"
GONE_URL = "https://videos.example.com/gone"
PRIVATE_URL = f"https://youtu.be/{scenarios_console.CONSOLE_PRIVATE_VIDEO_ID}"
INCOMPLETE_URL = "https://videos.example.com/console/incomplete"
PUBLIC_URL = "https://videos.example.com/console/public"


@dataclass
class Console:
    page: Any
    base: str
    requests: list[str] = field(default_factory=list)

    def check(self, text: str) -> Any:
        """Paste `text` and press Enter, as a counsellor does; return the newest card."""
        box = self.page.locator("#urls")
        box.fill(text)
        box.press("Enter")
        return self.page.locator("#cards .card").first

    def outsiders(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not (url.startswith((self.base + "/", "blob:", "data:")) or url == self.base)
        ]


def open_console(browser: Any, base: str, **context_args: Any) -> Console:
    context = browser.new_context(
        viewport=context_args.pop("viewport", {"width": 1000, "height": 900}),
        accept_downloads=True,
        **context_args,
    )
    console = Console(page=None, base=base)
    context.on("request", lambda request: console.requests.append(request.url))
    console.page = context.new_page()
    console.page.goto(base + "/")
    return console


@pytest.fixture(scope="session")
def console_media(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A complete MP4 and an interrupted upload of it (40 %), served by scenarios_console."""
    from corpus import build_corpus

    require("ffmpeg")
    corpus = build_corpus(tmp_path_factory.mktemp("console-media"))
    data = corpus.mp4_faststart.read_bytes()
    scenarios_console.MEDIA["clip.mp4"] = data
    scenarios_console.MEDIA["cut.mp4"] = data[: int(len(data) * 0.4)]


@pytest.fixture
def console(browser: Any, live_service: str) -> Iterator[Console]:
    console = open_console(browser, live_service)
    yield console
    console.page.context.close()


def wait_for_verdict(card: Any, timeout: float = 25_000) -> str:
    card.locator(".verdict-banner").wait_for(timeout=timeout)
    return card.get_attribute("data-verdict")


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => {
            const node = document.activeElement;
            const style = getComputedStyle(node);
            return {tag: node.tagName, id: node.id, cls: node.className,
                    text: (node.textContent || "").trim().slice(0, 80),
                    outline: style.outlineStyle, width: style.outlineWidth};
        }"""
    )


# --- paste -> progress -> verdict card, for the verdicts a helpline meets most ----------------

LIVE_CASES = [
    # (name, url, expected verdict, words on the card, probes that must exist for this verdict)
    ("refused", REFUSED_URL, "refused", "Lien non ouvert, par sécurité", set()),
    ("removed", SLOW_GONE_URL, "removed", "Supprimée ou inexistante", set()),
    ("private", PRIVATE_URL, "private", "Vidéo privée", {"page"}),
    ("incomplete", INCOMPLETE_URL, "incomplete", "Vidéo incomplète", {"page", "media"}),
    ("public", PUBLIC_URL, "public", "Visible par tout le monde", {"page", "media"}),
]


@pytest.mark.parametrize(
    ("name", "url", "verdict", "words", "needs"), LIVE_CASES, ids=[c[0] for c in LIVE_CASES]
)
def test_pasted_link_shows_progress_then_a_verdict_card(
    console: Console,
    console_media: None,
    artifacts: Path,
    name: str,
    url: str,
    verdict: str,
    words: str,
    needs: set[str],
) -> None:
    page = console.page
    card = console.check(url)
    if name == "removed":
        # The page answers after 1.5 s: the counsellor sees the step running before the answer.
        running = card.locator(".progress-list li.step-started")
        running.wait_for(timeout=5_000)
        assert "Lecture du lien" in running.inner_text()
        assert "en cours" in running.inner_text()
    got = wait_for_verdict(card)
    card.screenshot(path=str(artifacts / f"console-{name}.png"))

    # The link is shown as text and never as something that can be clicked.
    assert card.locator(".checked-url").inner_text() == url
    assert page.locator(f'a[href="{url}"]').count() == 0
    # The steps of the check stay one click away after the answer.
    card.locator(".progress summary").click()
    steps = card.locator(".progress").inner_text()
    assert "Résultat prêt." in steps
    if name != "refused":  # a refused link is never fetched, so no step runs
        assert "Lecture du lien" in steps
    assert "Ce que vous pouvez lui dire" in card.inner_text()
    assert console.outsiders() == []

    missing = needs - {probe.name for probe in registry()}
    if got != verdict and missing:
        pytest.xfail(f"the {', '.join(sorted(missing))} probe(s) are not registered yet")
    assert got == verdict
    banner = card.locator(".verdict-banner")
    assert banner.locator("h3").inner_text() == words
    assert banner.locator("svg.icon").count() == 1
    assert re.search(r"Confiance : (élevée|moyenne|faible)", banner.inner_text())
    if name == "incomplete":
        assert re.search(r"lisibles sur", card.locator(".media").inner_text())


# --- every verdict reads in words, an icon and a colour (rendered from result documents) -----


def result_document(verdict: str, lang: str = "fr") -> dict[str, Any]:
    """A complete result as the service sends it, with the service's own advice and links."""
    media = None
    if verdict == "incomplete":
        media = {
            "container": "mp4",
            "complete": False,
            "duration_seconds": 30.0,
            "playable_seconds": 12.0,
            "playable_fraction": 0.4,
            "bytes_total": 200_000,
            "bytes_read": 65_536,
        }
    advice, links = render(verdict, lang=lang, country="FR", minor=False, media=media)
    return {
        "schema_version": 1,
        "verdict": verdict,
        "confidence": "high",
        "url": f"https://videos.example.com/canned/{verdict}",
        "final_url": f"https://videos.example.com/canned/{verdict}",
        "redirects": [],
        "server_address": "127.0.0.2",
        "platform": None,
        "media": media,
        "findings": [
            {"probe": "fetch", "code": "http_ok", "detail": "The site answered 200 (text/html)."},
            {"probe": "verdict", "code": f"rule_{verdict}", "detail": "The rule that decided."},
        ],
        "advice": advice,
        "report_links": links,
        "documents": [],
        "lang": lang,
        "country": "FR",
        "minor": False,
        "checked_at": "2026-11-21T05:30:00Z",
        "duration_ms": 120,
        "version": __version__,
    }


def event_stream(result: dict[str, Any]) -> str:
    steps = [
        {"event": "probe", "probe": "fetch", "status": "started"},
        {"event": "probe", "probe": "fetch", "status": "done", "findings": [], "duration_ms": 80},
    ]
    events = [f"event: progress\ndata: {json.dumps(step)}\n\n" for step in steps]
    events.append(f"event: result\ndata: {json.dumps(result, ensure_ascii=False)}\n\n")
    return "".join(events)


# --- what the counsellor reads: the findings list in words, never regexes or English -----------

# What must never reach a counsellor's screen: regular-expression syntax (a platform marker such as
# re:"reason"\s*:\s*"Private video" quoted in a finding's technical detail) ...
REGEX_SYNTAX = re.compile(r"re:|\\[sdwbSDWB]|\(\?[:=!<]|\[\^|\.\*|\.\+|\{\d+,\d*\}")
# ... and English sentences: words that are common in English and never French words.
ENGLISH_WORDS = re.compile(
    r"\b(?:the|was|were|could|would|does|this|that|with|which|from|been|their|there|says|"
    r"answered|contains|asks|shows|video|marker|platform's)\b",
    re.IGNORECASE,
)


def test_the_findings_list_reads_in_french_without_regex_or_english(
    console: Console, live_service: str, tmp_path: Path
) -> None:
    # The result document, as the API gives it: its technical details are English and quote the
    # platform's markers. They stay there (and in the evidence sheet) ...
    request = urllib.request.Request(
        f"{live_service}/api/v1/checks",
        data=json.dumps({"url": PRIVATE_URL, "lang": "fr"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        doc = json.load(response)
    details = [f["detail"] for f in doc["findings"]]
    assert any(ENGLISH_WORDS.search(d) for d in details), details
    labels = [f["label"] for f in doc["findings"]]
    assert all(labels), doc["findings"]

    # ... and the console shows the words of the finding catalogue instead.
    card = console.check(PRIVATE_URL)
    assert wait_for_verdict(card) == "private"
    box = card.locator(".findings-box")
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(tmp_path / "console-findings-fr.png"))  # a test artifact, not in git
    assert (tmp_path / "console-findings-fr.png").stat().st_size > 0
    shown = box.inner_text()
    assert box.locator("li").count() >= 2
    for label in labels:
        assert label in shown
    assert "Conclusion : vidéo privée" in shown
    assert REGEX_SYNTAX.search(shown) is None, shown
    assert ENGLISH_WORDS.search(shown) is None, shown
    for detail in details:
        assert detail not in shown
    assert box.locator("[lang=en]").count() == 0


VERDICT_WORDS = {
    "public": ("Visible par tout le monde", "alert"),
    "unlisted": ("Visible par qui a le lien", "alert"),
    "suspicious": ("Lien suspect (piège probable)", "alert"),
    "private": ("Vidéo privée", "calm"),
    "removed": ("Supprimée ou inexistante", "calm"),
    "incomplete": ("Vidéo incomplète", "calm"),
    "no_video": ("Aucune vidéo", "calm"),
    "login_required": ("Compte demandé", "neutral"),
    "unreachable": ("Site injoignable", "neutral"),
    "refused": ("Lien non ouvert, par sécurité", "neutral"),
    "invalid_url": ("Adresse non valide", "neutral"),
    "unknown": ("Impossible de conclure", "neutral"),
}


def test_every_verdict_has_words_an_icon_and_a_colour(console: Console, artifacts: Path) -> None:
    page = console.page
    queue: list[str] = []

    def answer(route: Any) -> None:
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream"},
            body=event_stream(result_document(queue.pop(0))),
        )

    page.route("**/api/v1/checks", answer)
    colours: dict[str, set[str]] = {}
    for verdict, (words, tone) in VERDICT_WORDS.items():
        queue.append(verdict)
        card = console.check(f"https://videos.example.com/canned/{verdict}")
        assert wait_for_verdict(card) == verdict
        banner = card.locator(".verdict-banner")
        assert banner.locator("h3").inner_text() == words
        assert banner.locator("svg.icon").count() == 1
        assert "Confiance : élevée" in banner.inner_text()
        colour = banner.evaluate("node => getComputedStyle(node).backgroundColor")
        colours.setdefault(tone, set()).add(colour)
        card.screenshot(path=str(artifacts / f"console-card-{verdict}.png"))

        # Report destinations: grouped buttons, new tab without opener or referrer; phones dial.
        report = card.locator(".report")
        assert report.locator("h5").first.is_visible()
        for link in report.locator("a.report").all():
            assert link.get_attribute("target") == "_blank"
            assert link.get_attribute("rel") == "noopener noreferrer"
        calls = card.locator("a.call")
        assert calls.count() >= 1
        assert all(c.get_attribute("href").startswith("tel:") for c in calls.all())
        if verdict == "incomplete":
            assert card.locator(".media").inner_text() == (
                "Fichier vidéo : 12 s lisibles sur 30 s (40 %) ; fichier incomplet"
            )

    # One colour per tone, and the three tones differ: colour adds to the words, never replaces.
    assert all(len(found) == 1 for found in colours.values())
    assert len(set().union(*colours.values())) == 3
    groups = page.locator("#cards .card").first.locator(".report-group h5").all_inner_texts()
    assert groups[0] == "Autorités et plainte"
    assert "Si la personne se sent dépassée" in groups
    assert console.outsiders() == []


# --- language, country and age are remembered in this browser only ---------------------------


def test_language_switch_changes_the_console_and_the_answer(console: Console) -> None:
    page = console.page
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("label[for=urls]").inner_text() == "Lien(s) reçu(s)"

    page.locator("#lang").select_option("en")
    page.locator("#country").select_option("BE")
    page.locator("#minor").check()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("label[for=urls]").inner_text() == "Link(s) received"
    assert page.locator("#submit").inner_text() == "Check"

    card = console.check(REFUSED_URL)
    assert wait_for_verdict(card) == "refused"
    assert card.locator(".verdict-banner h3").inner_text() == "Not opened, for safety"
    assert "What you can tell them" in card.inner_text()
    assert card.locator(".say .headline").get_attribute("lang") is None
    assert card.locator(".say").get_attribute("lang") == "en"

    page.reload()
    assert page.locator("#lang").input_value() == "en"
    assert page.locator("#country").input_value() == "BE"
    assert page.locator("#minor").is_checked()
    assert page.locator("label[for=urls]").inner_text() == "Link(s) received"

    card = console.check(REFUSED_URL)
    wait_for_verdict(card)
    page.locator("#lang").select_option("fr")
    assert card.locator(".verdict-banner h3").inner_text() == "Lien non ouvert, par sécurité"
    assert "Ce que vous pouvez lui dire" in card.inner_text()
    # The advice came in English: the card says so and offers to run it again in French.
    assert card.locator("button", has_text="Vérifier à nouveau en français").is_visible()
    assert console.outsiders() == []


# --- "check again": a new look, never a cached answer (issue 13, item 3) -----------------------


def test_check_again_makes_the_server_look_at_the_link_anew(
    console: Console, fake_platform: Any
) -> None:
    page = console.page
    bodies: list[dict] = []
    page.on(
        "request",
        lambda r: (
            bodies.append(json.loads(r.post_data or "{}"))
            if r.url.endswith("/api/v1/checks")
            else None
        ),
    )
    url = GONE_URL + "?again=console"
    card = console.check(url)
    assert wait_for_verdict(card) == "removed"
    fetched = fake_platform.count("videos.example.com", "/gone?again=console")
    assert fetched == 1
    # The same link pasted again within the minute: the service may reuse its answer.
    console.check(url)
    wait_for_verdict(page.locator("#cards .card").first)
    assert fake_platform.count("videos.example.com", "/gone?again=console") == fetched

    again = card.locator("button.again")
    assert again.inner_text() == "Vérifier à nouveau"
    hint = card.locator(f"#{again.get_attribute('aria-describedby')}").inner_text()
    assert "relit le lien maintenant" in hint
    again.click()
    assert wait_for_verdict(card) == "removed"
    # The server read the link again, because the console asked for it.
    assert bodies[-1] == {**bodies[0], "fresh": True}
    assert "fresh" not in bodies[0]
    assert fake_platform.count("videos.example.com", "/gone?again=console") == fetched + 1
    # The same card is updated in place, and focus returns to its verdict for screen readers.
    assert page.locator("#cards .card").count() == 2
    page.locator(".card h3:focus").wait_for(timeout=5_000)
    assert "Supprimée ou inexistante" in page.locator("#live-status").inner_text()
    assert console.outsiders() == []


# --- the evidence sheet and the JSON record --------------------------------------------------


def test_evidence_sheet_prints_with_time_url_verdict_findings_and_sha256(
    console: Console, artifacts: Path
) -> None:
    page = console.page
    card = console.check(GONE_URL)
    assert wait_for_verdict(card) == "removed"

    with page.context.expect_page() as opened:
        card.locator("button.sheet").click()
    sheet = opened.value
    sheet.wait_for_url(lambda url: url.startswith("blob:"))
    sheet.locator("html[data-styled=true]").wait_for(timeout=10_000)
    text = sheet.locator("body").inner_text()
    assert "Fiche de vérification d'un lien" in text
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", text)
    assert GONE_URL in text
    assert sheet.locator("a").count() == 0  # the link is printed, never clickable
    assert "removed" in text and "plus en ligne" in text
    assert "http_410" in text
    assert "SHA-256" in text
    assert re.search(r"\b[0-9a-f]{64}\b", text)
    # The sheet keeps its own layout (the service's CSS), not the browser's defaults.
    assert "Times" not in sheet.evaluate("() => getComputedStyle(document.body).fontFamily")

    pdf = sheet.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    (artifacts / "console-sheet.pdf").write_bytes(pdf)
    sheet.screenshot(path=str(artifacts / "console-sheet.png"), full_page=True)

    with page.expect_download() as download:
        card.locator("button.json").click()
    record = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert download.value.suggested_filename.endswith("-removed.json")
    assert record["url"] == GONE_URL and record["verdict"] == "removed"
    assert console.outsiders() == []


# --- keyboard only ---------------------------------------------------------------------------


def test_keyboard_only_from_paste_to_evidence_sheet(console: Console) -> None:
    page = console.page
    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip"  # the first stop lets a keyboard user jump ahead
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "urls"
    page.keyboard.type(REFUSED_URL)
    page.keyboard.press("Enter")

    card = page.locator("#cards .card").first
    assert wait_for_verdict(card) == "refused"
    # Focus moves to the verdict, so a screen reader reads it and Tab continues from there.
    page.locator(".card h3:focus").wait_for(timeout=5_000)
    assert focused(page)["text"] == "Lien non ouvert, par sécurité"
    assert "Lien non ouvert" in page.locator("#live-status").inner_text()

    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focused(page)
        stops.append(now)
        assert now["outline"] != "none", f"no visible focus on {now}"
        if "sheet" in now["cls"]:
            break
    else:
        pytest.fail(f"Tab never reached the evidence sheet button: {stops}")
    labels = [s["text"] for s in stops]
    assert any(label.startswith("Appeler le") for label in labels)  # phones are reachable
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    sheet = opened.value
    sheet.wait_for_url(lambda url: url.startswith("blob:"))
    assert REFUSED_URL in sheet.locator("body").inner_text()
    assert console.outsiders() == []


# --- history stays off unless asked, and clears with one button -------------------------------


def test_local_history_is_off_by_default_and_clears_with_one_button(console: Console) -> None:
    page = console.page
    assert not page.locator("#history-enabled").is_checked()
    wait_for_verdict(console.check(REFUSED_URL))
    assert page.evaluate("() => localStorage.getItem('veriflien.history')") is None
    assert page.locator("#history-list").inner_text() == "Historique vide."

    page.locator("#history-enabled").check()
    wait_for_verdict(console.check(REFUSED_URL))
    assert REFUSED_URL in page.locator("#history-list").inner_text()
    page.reload()
    assert REFUSED_URL in page.locator("#history-list").inner_text()

    page.locator("#history-clear").click()
    assert page.locator("#history-list").inner_text() == "Historique vide."
    assert page.evaluate("() => localStorage.getItem('veriflien.history')") is None
    assert page.locator("#history-status").inner_text() == "Historique effacé."
    assert console.outsiders() == []


# --- a phone screen ---------------------------------------------------------------------------


def test_readable_on_a_320_pixel_phone_screen(
    browser: Any, live_service: str, artifacts: Path
) -> None:
    console = open_console(browser, live_service, viewport={"width": 320, "height": 640})
    page = console.page
    try:
        card = console.check(f"{REFUSED_URL}\n{GONE_URL}")
        wait_for_verdict(page.locator("#cards .card").nth(0))
        wait_for_verdict(page.locator("#cards .card").nth(1))
        assert page.locator("#cards .card .checked-url").all_inner_texts() == [
            REFUSED_URL,
            GONE_URL,
        ]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"the page scrolls sideways ({width} px)"
        assert card.locator(".verdict-banner h3").is_visible()
        page.screenshot(path=str(artifacts / "console-phone.png"))
        assert console.outsiders() == []
    finally:
        page.context.close()


# --- DNS rebinding (issue 13, item 7) ----------------------------------------------------------


def test_dns_rebinding_page_cannot_load_or_drive_a_local_instance(
    playwright_instance: Any, live_service: str
) -> None:
    # A page on rebind.attacker.test whose name now resolves to 127.0.0.1 (Chromium's resolver
    # rules stand in for the attacker's DNS): to the browser it is the same origin, so it could
    # read every answer. The service must refuse the name.
    from e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1",
            # Chromium's own private-network checks would stop the page's requests first;
            # Firefox and Safari have none, so the service must not count on them.
            "--disable-features=BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessSendPreflights,LocalNetworkAccessChecks",
        ],
    )
    try:
        page = browser.new_page()
        port = live_service.rsplit(":", 1)[1]
        origin = f"http://rebind.attacker.test:{port}"
        # Loading the console under the attacker's name fails...
        response = page.goto(origin + "/")
        assert response.status == 421
        assert page.locator("#urls").count() == 0
        # ...and so do the requests of the attacker's own page, served before the name was
        # re-pointed (here by Playwright), once they reach the service.
        page.route(origin + "/attack.html", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>attack</title>"
        ))  # fmt: skip
        page.goto(origin + "/attack.html")
        answer = page.evaluate(
            """async () => {
                const r = await fetch("/api/v1/checks", {method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({url: "https://videos.example.com/gone"})});
                return {status: r.status, body: await r.json()};
            }"""
        )
        assert answer["status"] == 421
        assert answer["body"]["error"]["code"] == "unknown_host"
    finally:
        browser.close()
