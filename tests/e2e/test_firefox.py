"""The Firefox build of the extension (dist/veriflien-firefox.zip), driven in Debian's firefox-esr.

Why a second browser: Firefox runs the background as an event page (`background.scripts`), not a
service worker; it has its own `storage.session`, its own host-permission model, its own
`moz-extension://` origin and its own manifest keys. The Chromium tests cannot tell whether the
package a Firefox user installs works at all, so the same flows run here: a private video checked
from the popup, the context-menu path, the welcome page's age answer, and no request to anything
but the configured instance.

How: firefox-esr starts headless with a fresh profile and its Marionette server
(`--marionette -remote-allow-system-access`); the zip is installed as a temporary add-on through
Marionette's addons API, its moz-extension UUID pinned by the `extensions.webextensions.uuids`
preference so page addresses are known in advance. Content pages cannot navigate to
moz-extension:// addresses, so extension pages are opened as tabs from the chrome context, as the
browser's own UI does. Every request Firefox makes goes through a counting proxy that forwards
only what is addressed to the instance: the proof that nothing else was contacted is what the
proxy saw, not what the page reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from e2e.conftest import NODE, build_extension, free_port
from e2e.recorder import LoopbackServer
from fakes.scenarios_console import FIREFOX_PRIVATE_VIDEO_ID, PRIVATE_VIDEO_ID
from tools import missing_reason

pytestmark = pytest.mark.e2e

FIREFOX = shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
ADDON_ID = "@veriflien"  # browser_specific_settings.gecko.id in extension/manifest.template.json
# Pinned so that every page address is known before the add-on is installed.
UUID = "5e7a1f0c-2b8d-4c3e-9f6a-0d1b2c3e4f5a"
PRIVATE_LINK = f"https://youtu.be/{PRIVATE_VIDEO_ID}"  # "Private video" (tests/fakes)
# Checked by the popup test only: a link the service has not cached, so progress is streamed.
FRESH_PRIVATE_LINK = f"https://youtu.be/{FIREFOX_PRIVATE_VIDEO_ID}"
GONE_LINK = "https://videos.example.com/gone"  # answers 410: "removed"
TIMEOUT_S = 30.0

# A fresh profile that makes no request of its own: no updates, telemetry, Safe Browsing, captive
# portal or connectivity checks, Normandy/Nimbus studies, remote settings, push, sponsored
# content, search-engine or region lookups, speculative connections. What is left is the
# extension's traffic, which the proxy then checks. (Marionette also applies its "recommended"
# preferences; these are written into user.js so they hold from the very first start.)
QUIET_PREFS: dict[str, object] = {
    # first run, default browser, home page
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank",
    "startup.homepage_welcome_url": "",
    "startup.homepage_welcome_url.additional": "",
    "browser.aboutwelcome.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.newtabpage.activity-stream.feeds.system.topstories": False,
    "browser.newtabpage.activity-stream.feeds.section.topstories": False,
    "browser.newtabpage.activity-stream.feeds.snippets": False,
    "browser.newtabpage.activity-stream.showSponsored": False,
    "browser.newtabpage.activity-stream.showSponsoredTopSites": False,
    "browser.newtabpage.activity-stream.telemetry": False,
    "browser.topsites.contile.enabled": False,
    "browser.discovery.enabled": False,
    "browser.uitour.enabled": False,
    "termsofuse.bypassNotification": True,
    "datareporting.policy.firstRunURL": "",
    "datareporting.policy.dataSubmissionPolicyBypassNotification": True,
    # updates (Firefox, add-ons, system add-ons, plugins, search engines)
    "app.update.auto": False,
    "app.update.enabled": False,
    "app.update.disabledForTesting": True,
    "app.update.checkInstallTime": False,
    "extensions.update.enabled": False,
    "extensions.update.autoUpdateDefault": False,
    "extensions.systemAddon.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.getAddons.showPane": False,
    "extensions.htmlaboutaddons.recommendations.enabled": False,
    "extensions.blocklist.enabled": False,
    "media.gmp-manager.updateEnabled": False,
    "media.gmp-gmpopenh264.enabled": False,
    "media.gmp-widevinecdm.enabled": False,
    "browser.search.update": False,
    "browser.search.geoip.url": "",
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "geo.provider.network.url": "",
    # telemetry and studies
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.telemetry.server": "",
    "toolkit.telemetry.shutdownPingSender.enabled": False,
    "toolkit.telemetry.firstShutdownPing.enabled": False,
    "toolkit.telemetry.newProfilePing.enabled": False,
    "toolkit.telemetry.updatePing.enabled": False,
    "toolkit.telemetry.bhrPing.enabled": False,
    "telemetry.fog.test.localhost_port": -1,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.usage.uploadEnabled": False,
    "browser.ping-centre.telemetry": False,
    "app.normandy.enabled": False,
    "app.normandy.api_url": "",
    "app.shield.optoutstudies.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "nimbus.profilesdatastoreservice.enabled": False,
    "breakpad.reportURL": "",
    "browser.tabs.crashReporting.sendReport": False,
    "browser.crashReports.unsubmittedCheck.enabled": False,
    # remote settings and the security lists it feeds (blocklists, CRLite, intermediates)
    # (honoured by release builds only with MOZ_REMOTE_SETTINGS_DEVTOOLS=1, set by the fixture)
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    "security.OCSP.enabled": 0,
    "security.certerrors.mitm.priming.enabled": False,
    # Safe Browsing
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.google4.gethashURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.safebrowsing.provider.mozilla.gethashURL": "",
    # network probes, prefetching, push, DNS over HTTPS
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.predictor.enabled": False,
    "network.http.speculative-parallel-limit": 0,
    "network.trr.mode": 5,
    "dom.push.connection.enabled": False,
    "dom.push.serverURL": "",
    # accounts, sync, translations, machine learning (downloads models), suggestions
    "identity.fxaccounts.enabled": False,
    "services.sync.enabled": False,
    "browser.translations.enable": False,
    "browser.ml.enable": False,
    "browser.ml.chat.enabled": False,
    "browser.urlbar.suggest.quicksuggest.sponsored": False,
    "browser.urlbar.suggest.quicksuggest.nonsponsored": False,
    "browser.urlbar.quicksuggest.enabled": False,
    "browser.contentblocking.report.monitor.enabled": False,
    "signon.rememberSignons": False,
    "signon.management.page.breach-alerts.enabled": False,
    "extensions.formautofill.addresses.enabled": False,
    "extensions.formautofill.creditCards.enabled": False,
}


# --- the counting proxy ----------------------------------------------------------------------


@dataclass
class CountingProxy(LoopbackServer):
    """An HTTP proxy that records the destination of every request Firefox makes and forwards only
    those addressed to the instance. Everything else (CONNECT tunnels included) gets a 403."""

    instance: str  # http://127.0.0.1:PORT
    port: int = 0
    seen: list[str] = field(default_factory=list)  # "METHOD absolute-URL" or "CONNECT host:port"
    _server: socket.socket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def urls(self) -> list[str]:
        with self._lock:
            return [entry.split(" ", 1)[1] for entry in self.seen]

    def outside(self) -> list[str]:
        """Every request for somewhere other than the configured instance."""
        with self._lock:
            return [e for e in self.seen if not e.split(" ", 1)[1].startswith(self.instance + "/")]

    def prefs(self) -> dict[str, object]:
        # Everything through the proxy, loopback included (Firefox bypasses proxies for
        # localhost unless told otherwise), and nothing resolved or fetched around it.
        return {
            "network.proxy.type": 1,
            "network.proxy.http": "127.0.0.1",
            "network.proxy.http_port": self.port,
            "network.proxy.ssl": "127.0.0.1",
            "network.proxy.ssl_port": self.port,
            "network.proxy.share_proxy_settings": True,
            "network.proxy.no_proxies_on": "",
            "network.proxy.allow_hijacking_localhost": True,
            "network.proxy.failover_direct": False,
            "network.proxy.socks_remote_dns": True,
        }

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            head, _, rest = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = [*lines[0].split(" "), "", ""][:3]
            with self._lock:
                self.seen.append(f"{method} {target}")
            parts = urlsplit(target)
            if method == "CONNECT" or f"{parts.scheme}://{parts.netloc}" != self.instance:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            # Forward as an origin-form request on a connection of its own: one request per
            # connection keeps the proxy a simple byte pipe (server-sent events stream through).
            headers = [
                line
                for line in lines[1:]
                if line.split(":", 1)[0].strip().lower()
                not in {"connection", "proxy-connection", "keep-alive"}
            ]
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            forwarded = "\r\n".join([f"{method} {path or '/'} {version}", *headers])
            with socket.create_connection((parts.hostname, parts.port or 80)) as upstream:
                upstream.sendall(forwarded.encode("latin-1") + b"\r\nConnection: close\r\n\r\n")
                upstream.sendall(rest)
                threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
                _pipe(upstream, client)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass  # the other side closed: the exchange is over


# --- Firefox with the add-on installed -------------------------------------------------------


@dataclass
class Firefox:
    marionette: Any
    instance: str
    proxy: CountingProxy

    def url(self, page: str) -> str:
        return f"moz-extension://{UUID}/{page}"

    def open(self, page: str) -> str:
        """Open an extension page in a new tab, from the chrome context; switch to it.

        Chosen by its address: the add-on's own welcome tab (runtime.onInstalled) may open at
        the same moment, and picking "the new tab" would then sometimes pick that one."""

        def add_tab() -> None:
            with self.marionette.using_context(self.marionette.CONTEXT_CHROME):
                self.marionette.execute_script(
                    "gBrowser.selectedTab = gBrowser.addTab(arguments[0], "
                    "{triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal()});",
                    script_args=[self.url(page)],
                )

        handle = self.new_tab(add_tab, self.url(page))
        self.wait_js("return document.readyState === 'complete' && document.title !== ''")
        return handle

    def js(self, script: str, *args: Any) -> Any:
        """Run a script in the current tab; `page` is the page's own window (its `browser`
        object, its globals), `arguments` the arguments. A returned promise is awaited."""
        return self.marionette.execute_script(
            "const page = window.wrappedJSObject;\n" + script, script_args=list(args)
        )

    def storage(self, keys: str | None = None) -> dict[str, Any]:
        return self.js("return page.browser.storage.local.get(arguments[0]);", keys)

    def wait(self, probe: Callable[[], Any], timeout: float = TIMEOUT_S) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {probe}")
            time.sleep(0.1)

    def wait_js(self, script: str, *args: Any, timeout: float = TIMEOUT_S) -> Any:
        return self.wait(lambda: self.js(script, *args), timeout)

    def css(self, selector: str) -> Any:
        from marionette_driver.by import By

        return self.marionette.find_element(By.CSS_SELECTOR, selector)

    def text(self, selector: str) -> str:
        return self.js("return document.querySelector(arguments[0]).innerText;", selector)

    def attribute_list(self, selector: str, name: str) -> list[str | None]:
        return self.js(
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(node => node.getAttribute(arguments[1]));",
            selector,
            name,
        )

    def tab_url(self, handle: str) -> str:
        self.marionette.switch_to_window(handle, focus=False)
        return self.marionette.get_url()

    def new_tab(self, action: Callable[[], Any], prefix: str) -> str:
        """Do `action`, then switch to the tab it opened whose address starts with `prefix`."""
        before = set(self.marionette.window_handles)
        action()

        def opened() -> str | None:
            for handle in set(self.marionette.window_handles) - before:
                if self.tab_url(handle).startswith(prefix):
                    return handle
            return None

        handle = self.wait(opened)
        self.marionette.switch_to_window(handle)
        return handle

    def result_tab(self, action: Callable[[], Any]) -> str:
        handle = self.new_tab(action, self.url("result.html"))
        self.wait_js(
            "return document.querySelector('.card[data-state=done], .card[data-state=error]')"
            " !== null"
        )
        return handle


def _wait_for_port(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 120
) -> None:
    """Wait for Marionette's port. (marionette-driver's own wait leaks a socket per attempt.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"Marionette did not listen on port {port} (firefox-esr status {process.poll()}):\n"
        + log.read_text(errors="replace")[-4000:]
    )


@pytest.fixture(scope="session")
def firefox_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if NODE is None:
        pytest.skip(missing_reason("node"))
    # The default preset (http://127.0.0.1:8080): the tests set the real instance through the
    # options page, as a person would.
    out = tmp_path_factory.mktemp("firefox-extension")
    build_extension(out)
    return out / "veriflien-firefox.zip"


@pytest.fixture
def firefox(firefox_zip: Path, live_service: str, tmp_path: Path) -> Iterator[Firefox]:
    if not Path(FIREFOX).exists():
        pytest.skip(missing_reason("firefox-esr"))
    from marionette_driver.addons import Addons
    from marionette_driver.errors import MarionetteException
    from marionette_driver.marionette import Marionette

    proxy = CountingProxy(live_service).start()
    port = free_port()
    profile = tmp_path / "profile"
    profile.mkdir()
    prefs = {
        **QUIET_PREFS,
        **proxy.prefs(),
        "marionette.port": port,
        "extensions.webextensions.uuids": json.dumps({ADDON_ID: UUID}),
    }
    (profile / "user.js").write_text(
        "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
    )
    log = tmp_path / "firefox.log"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "MOZ_CRASHREPORTER_DISABLE": "1",
        # Release builds ignore services.settings.server unless this is set (as geckodriver
        # does); without it, remote settings syncs from Mozilla's servers at start-up.
        "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                FIREFOX,
                "--headless",
                "--no-remote",
                "--marionette",
                "-remote-allow-system-access",
                "--profile",
                str(profile),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    marionette = Marionette(host="127.0.0.1", port=port)
    try:
        _wait_for_port(port, process, log)
        marionette.start_session(timeout=30)
        marionette.timeout.script = TIMEOUT_S
        assert Addons(marionette).install(str(firefox_zip), temp=True) == ADDON_ID
        browser = Firefox(marionette, live_service, proxy)
        yield browser
        assert proxy.outside() == [], "\n".join(proxy.seen)
    finally:
        # Firefox may already be gone (a crash is what the test reports); it is stopped below.
        with contextlib.suppress(OSError, MarionetteException):
            marionette.delete_session()
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        proxy.stop()


# --- the flows -------------------------------------------------------------------------------


def _save_options(firefox: Firefox, *, minor: bool | None = None) -> None:
    firefox.open("options.html")
    firefox.wait_js("return document.getElementById('instance').value !== ''")
    instance = firefox.css("#instance")
    instance.clear()
    instance.send_keys(firefox.instance)
    firefox.css("#lang option[value=fr]").click()
    country = firefox.css("#country")
    country.clear()
    country.send_keys("fr")
    if minor is not None and firefox.css("#minor").is_selected() != minor:
        firefox.css("#minor").click()
    firefox.css("button[type=submit]").click()
    firefox.wait_js("return document.querySelector('#options-status[data-message=optionsSaved]')")
    assert firefox.text("#options-status") == "Réglages enregistrés."  # lang=fr chosen
    stored = firefox.storage()
    assert stored["instance"] == firefox.instance
    assert stored["country"] == "FR"
    firefox.marionette.close()


def _assert_link_never_loaded(firefox: Firefox, link: str) -> None:
    assert link in firefox.text(".checked-link")
    assert not firefox.js(
        "return document.querySelector("
        "'iframe, frame, img[src^=http], video, audio, embed, object') !== null"
    )
    assert not any(link in (href or "") for href in firefox.attribute_list("a[href]", "href"))


def _report_names(firefox: Firefox) -> list[str]:
    return firefox.attribute_list(".report-link", "data-name")


def _popup_check(firefox: Firefox, text: str) -> str:
    firefox.open("popup.html")
    firefox.wait_js("return document.getElementById('instance-label').textContent !== ''")
    firefox.css("#paste").send_keys(text)
    return firefox.result_tab(lambda: firefox.css("button[type=submit]").click())


def test_popup_check_of_a_private_video_shows_the_verdict_and_who_can_help(
    firefox: Firefox,
) -> None:
    _save_options(firefox, minor=False)
    _popup_check(firefox, f"Regarde ta vidéo ici : {FRESH_PRIVATE_LINK} !!")

    assert firefox.js("return document.querySelector('.card').dataset.state") == "done", (
        firefox.text("main")
    )
    assert firefox.attribute_list(".verdict", "data-verdict") == ["private"]
    assert firefox.attribute_list(".verdict svg.verdict-icon", "data-shape") == ["lock"]
    assert firefox.text(".verdict-name") == "Vidéo privée"  # the page follows lang=fr
    assert firefox.text(".headline").strip() and firefox.text(".reassurance").strip()
    assert len(firefox.attribute_list(".steps li", "class")) >= 3
    assert len(firefox.attribute_list(".progress li", "data-probe")) >= 1  # progress streamed
    assert firefox.attribute_list(".help-group[data-kind=authority]", "data-kind") == ["authority"]
    assert firefox.attribute_list(".help-group[data-kind=platform] a[href^='https://']", "href")
    assert "tel:17" in firefox.attribute_list("a[href^='tel:']", "href")
    assert any("YouTube" in name for name in _report_names(firefox))
    _assert_link_never_loaded(firefox, FRESH_PRIVATE_LINK)
    # The link is not in the address bar: it travelled through storage.session.
    assert FRESH_PRIVATE_LINK not in firefox.marionette.get_url()
    # The proxy saw the extension's own traffic (so the final "nowhere else" check bites).
    assert f"{firefox.instance}/api/v1/checks" in firefox.proxy.urls()

    # The evidence sheet: rendered by the instance, opened from a blob in a new tab.
    firefox.new_tab(
        lambda: firefox.css(".evidence button").click(), f"blob:moz-extension://{UUID}/"
    )
    firefox.wait_js("return document.readyState === 'complete'")
    source = firefox.marionette.page_source
    assert FIREFOX_PRIVATE_VIDEO_ID in source
    assert "Content-Security-Policy" in source
    assert f"{firefox.instance}/api/v1/sheet?lang=fr" in firefox.proxy.urls()


def test_context_menu_handler_opens_the_result_page(firefox: Firefox) -> None:
    _save_options(firefox)
    firefox.open("popup.html")  # any extension page can reach the background page

    def menu_click(info: dict[str, Any]) -> Callable[[], Any]:
        # A headless browser cannot open a context menu: call the very function the menu's
        # onClicked listener calls, with the OnClickData a right-click produces. Firefox runs
        # the background as an event page, reachable from the extension's own pages.
        return lambda: firefox.js(
            "return page.browser.runtime.getBackgroundPage().then(found => {"
            "  const background = found.wrappedJSObject;"
            "  const menu = background.veriflien;"
            # Built by the background's own JSON, so the handler gets one of its own objects.
            "  const info = background.JSON.parse(arguments[0]);"
            "  info.menuItemId = menu[info.menuItemId];"
            "  return menu.onMenuClicked(info).then(opened => opened.count);"
            "});",
            json.dumps(info),
        )

    firefox.result_tab(
        menu_click(
            {
                "menuItemId": "MENU_LINK",
                "linkUrl": GONE_LINK,
                "pageUrl": "https://mail.example.org/inbox",
                "editable": False,
            }
        )
    )
    assert firefox.attribute_list(".verdict", "data-verdict") == ["removed"]
    _assert_link_never_loaded(firefox, GONE_LINK)
    assert GONE_LINK not in firefox.marionette.get_url()  # not in the address bar nor history

    # Selected text with two links: one result page, one check per link.
    firefox.open("popup.html")
    firefox.result_tab(
        menu_click(
            {
                "menuItemId": "MENU_SELECTION",
                "selectionText": f"il a envoyé {GONE_LINK}, puis {PRIVATE_LINK}.",
            }
        )
    )
    firefox.wait_js("return document.querySelector(\".card[data-index='1'][data-state=done]\")")
    assert firefox.attribute_list(".verdict", "data-verdict") == ["removed", "private"]


def test_welcome_age_answer_changes_who_is_suggested(firefox: Firefox) -> None:
    # runtime.onInstalled opened the welcome page when the add-on was installed.
    welcome = firefox.wait(
        lambda: next(
            (
                h
                for h in firefox.marionette.window_handles
                if firefox.tab_url(h) == firefox.url("welcome.html")
            ),
            None,
        )
    )
    _save_options(firefox)
    firefox.marionette.switch_to_window(welcome)
    firefox.marionette.refresh()  # the options changed the language: show it in French
    firefox.wait_js("return document.getElementById('instance-label').textContent !== ''")
    # What is sent, and where, is said before anything is checked.
    assert "127.0.0.1" in firefox.text("#instance-label")

    def check_private() -> list[str]:
        _popup_check(firefox, PRIVATE_LINK)
        assert firefox.attribute_list(".verdict", "data-verdict") == ["private"]
        names = _report_names(firefox)
        firefox.marionette.close()
        firefox.marionette.switch_to_window(welcome)
        return names

    firefox.css("#age-minor").click()
    firefox.wait_js("return document.getElementById('age-status').textContent !== ''")
    assert firefox.storage("minor") == {"minor": True}
    minor = check_private()
    assert any("3018" in name for name in minor)
    assert any("Take It Down" in name for name in minor)
    assert minor.index(next(n for n in minor if "3018" in n)) == 0  # the youth line comes first

    firefox.css("#age-adult").click()
    firefox.wait(lambda: firefox.storage("minor") == {"minor": False})
    adult = check_private()
    assert not any("3018" in name for name in adult)
    assert not any("Take It Down" in name for name in adult)
