"""A replay server for the real recorded platform answers in ../shared/real/platform.

It follows the generic rules of that folder's README: route on (method, host, path) first, then on
the video id (the `v` parameter of /watch, the id inside oEmbed's `url` parameter, the `videoId` in
the JSON body of POST .../youtubei/v1/player, else the id in the path); ignore the parameters
clients add; answer the recorded status, body and headers minus hop-by-hop, encoding and cookie
headers; serve NewPipe's `reel_item_watch` bodies unwrapped as `/youtubei/v1/player`; answer 404
to anything not recorded and log it. Nothing is invented: a case that recorded only half of what a
check asks for replays as half.

One case is active at a time (`activate`): the check of that case sees that case's exchanges only.
The server listens on loopback over HTTPS (a test CA for every recorded host) and plain HTTP.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aiohttp import web

from fakes.sites import LoopbackSites

ADDRESS = "127.0.0.3"
# Hosts a check may ask for even when nothing was recorded on them (they answer 404).
EXTRA_HOSTS = (
    "www.youtube.com",
    "youtube.com",
    "m.youtube.com",
    "youtu.be",
    "consent.youtube.com",
    "consent.google.com",
    "youtubei.googleapis.com",
    "accounts.google.com",
    "vimeo.com",
    "www.vimeo.com",
    "player.vimeo.com",
    "api.vimeo.com",
    "www.dailymotion.com",
    "dailymotion.com",
    "geo.dailymotion.com",
    "graphql.api.dailymotion.com",
    "www.tiktok.com",
    "tiktok.com",
    "x.com",
    "twitter.com",
    "mobile.twitter.com",
    "api.x.com",
    "api.twitter.com",
    "publish.twitter.com",
    "www.reddit.com",
    "reddit.com",
    "old.reddit.com",
    "www.twitch.tv",
    "twitch.tv",
    "clips.twitch.tv",
    "gql.twitch.tv",
    "www.facebook.com",
    "facebook.com",
    "m.facebook.com",
    "www.instagram.com",
    "instagram.com",
    "i.instagram.com",
    "drive.google.com",
    "docs.google.com",
    "drive.usercontent.google.com",
)
_DROPPED_HEADERS = frozenset(
    {
        "transfer-encoding",
        "content-encoding",
        "content-length",
        "connection",
        "keep-alive",
        "alt-svc",
        "set-cookie",
        "strict-transport-security",
    }
)
_PLAYER_PATHS = ("/youtubei/v1/player", "/youtubei/v1/reel/reel_item_watch")
_API_HOSTS = ("api.", "publish.", "youtubei.")

# What a verdict must be for each recorded state. An age check or a geo block says the video is
# out there for (adult, or foreign) viewers: the truthful answer is "public".
EXPECTED = {
    "public": {"public"},
    "unlisted": {"unlisted"},
    "private": {"private"},
    "removed": {"removed"},
    "age_restricted": {"public"},
    "geo_blocked": {"public"},
    "unknown": {"unknown"},
}
# Recordings the corpus README calls real pages without any video: "no video" is their answer.
NO_VIDEO_CASES = {"onebox-2019-04_public_textfile": {"no_video"}}
REACHABLE_STATES = frozenset({"public", "unlisted", "age_restricted", "geo_blocked"})
REASSURING_VERDICTS = frozenset({"private", "removed", "incomplete", "no_video", "login_required"})


@dataclass
class Exchange:
    case: str
    method: str
    url: str
    host: str
    path: str
    query: dict[str, list[str]]
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    video_id: str
    request_body: str | None = None

    @property
    def is_player(self) -> bool:
        return self.method == "POST" and self.path.rstrip("/").endswith(_PLAYER_PATHS)

    @property
    def is_oembed(self) -> bool:
        return "oembed" in self.path

    def player_body(self) -> bytes:
        """reel_item_watch wraps the player response: unwrap it (README rule)."""
        if self.path.rstrip("/").endswith("reel_item_watch"):
            try:
                doc = json.loads(self.body)
            except ValueError:
                return self.body
            if isinstance(doc, dict) and isinstance(doc.get("playerResponse"), dict):
                return json.dumps(doc["playerResponse"]).encode()
        return self.body


@dataclass
class Case:
    platform: str
    name: str
    true_state: str
    ambiguous: str | None
    exchanges: list[Exchange] = field(default_factory=list)
    derived: str | None = None  # a labelled variant built from the recording (see variants())

    @property
    def id(self) -> str:
        return self.name + (f"+{self.derived}" if self.derived else "")

    def check_url(self) -> str:
        """The link a person would check for this case."""
        if self.derived == "consent-redirect":
            return "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        if self.derived == "embed-page":
            return next(ex.url for ex in self.exchanges if ex.path.startswith("/embed/"))
        for ex in self.exchanges:
            if ex.method == "GET" and not ex.is_oembed and not ex.host.startswith(_API_HOSTS):
                url = re.sub(r"[?&]pbj=1\b", "", ex.url)
                return url
        for ex in self.exchanges:
            if ex.is_oembed and ex.query.get("url"):
                return ex.query["url"][0]
        for ex in self.exchanges:
            if ex.is_player:
                # A recording without an id (the request was not kept) replays under any id.
                return f"https://www.youtube.com/watch?v={ex.video_id or 'Zx1_abcDE-9'}"
        for ex in self.exchanges:
            if ex.host == "api.dailymotion.com":
                return f"https://www.dailymotion.com/video/{ex.video_id}"
        raise ValueError(f"no checkable link in {self.name}")

    def accepted(self) -> set[str]:
        accepted = set(NO_VIDEO_CASES.get(self.name, EXPECTED[self.true_state]))
        if self.ambiguous:
            accepted.add("unknown")  # the recording itself cannot decide
        return accepted


def load_cases(corpus: Path) -> list[Case]:
    cases: dict[str, Case] = {}
    for index in sorted((corpus / "platform").glob("*/index.json")):
        platform = index.parent.name
        for raw in json.loads(index.read_text(encoding="utf-8")):
            meta = json.loads((corpus / raw["meta"]).read_text(encoding="utf-8"))
            case = cases.setdefault(
                raw["case"],
                Case(platform, raw["case"], raw["true_state"], raw.get("ambiguous")),
            )
            request = meta.get("request") or {}
            headers = (meta.get("response") or {}).get("headers") or {}
            header_list = []
            for name, values in headers.items():
                for value in values if isinstance(values, list) else [values]:
                    header_list.append((str(name), str(value)))
            if not any(k.lower() == "content-type" for k, _ in header_list) and raw.get(
                "content_type"
            ):
                header_list.append(("Content-Type", raw["content_type"]))
            post = request.get("body")
            case.exchanges.append(
                Exchange(
                    case=raw["case"],
                    method=raw["method"],
                    url=raw["url"],
                    host=raw["host"].lower(),
                    path=raw["path"],
                    query=parse_qs(raw.get("query") or ""),
                    status=int(raw["status"]),
                    headers=[(k, v) for k, v in header_list if k.lower() not in _DROPPED_HEADERS],
                    body=(corpus / raw["body"]).read_bytes(),
                    video_id=raw.get("video_id") or "",
                    request_body=post if isinstance(post, str) else None,
                )
            )
    return list(cases.values())


def variants(cases: Iterable[Case]) -> list[Case]:
    """The recorded cases, plus labelled derived variants that real traffic produces.

    consent-redirect: from a European server, www.youtube.com/watch answers 302 to the recorded
    consent interstitial (the recording holds only the interstitial itself).
    embed-page: the link is the recorded embed page (youtube.com/embed/ID) rather than the watch
    page; the check then sees only what the embed page says.
    """
    out: list[Case] = []
    for case in cases:
        out.append(case)
        if "consent" in case.name:
            derived = Case(case.platform, case.name, case.true_state, case.ambiguous)
            derived.exchanges = list(case.exchanges)
            derived.derived = "consent-redirect"
            out.append(derived)
        if any(ex.method == "GET" and ex.path.startswith("/embed/") for ex in case.exchanges):
            derived = Case(case.platform, case.name, case.true_state, case.ambiguous)
            derived.exchanges = [ex for ex in case.exchanges if not ex.path.startswith("/watch")]
            derived.derived = "embed-page"
            out.append(derived)
    return out


def _request_video_id(request: web.Request, body: bytes) -> str | None:
    query = request.query
    if "v" in query:
        return query["v"]
    if "url" in query:
        inner = query["url"]
        parts = urlsplit(inner)
        inner_q = parse_qs(parts.query)
        if "v" in inner_q:
            return inner_q["v"][0]
        segments = [s for s in parts.path.split("/") if s]
        return segments[-1] if segments else None
    if body:
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("videoId"), str):
            return doc["videoId"]
    segments = [s for s in request.path.split("/") if s]
    return segments[-1] if segments else None


def _same_path(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


@dataclass
class RealReplay:
    """The running replay server; `pins` and `ca_file` are what the service's settings need."""

    https_port: int = 0
    http_port: int = 0
    ca_file: Path | None = None
    hosts: tuple[str, ...] = ()
    active: Case | None = None
    unrecorded: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    _sites: LoopbackSites | None = None

    def activate(self, case: Case) -> None:
        self.active = case
        self.unrecorded.clear()
        self.served.clear()

    @property
    def pins(self) -> list[str]:
        return self._sites.pins(self.hosts) if self._sites is not None else []

    def settings_overrides(self) -> dict[str, Any]:
        return {
            "resolve": self.pins,
            "ca_bundle": str(self.ca_file),
            "allow_networks": [f"{ADDRESS}/32"],
        }

    def start(self, workdir: Path, cases: Iterable[Case]) -> RealReplay:
        hosts = set(EXTRA_HOSTS)
        for case in cases:
            hosts.update(ex.host for ex in case.exchanges)
        self.hosts = tuple(sorted(hosts))
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._sites = LoopbackSites(ADDRESS, "real-replay").start(
            app, self.hosts, workdir / "real-ca.pem"
        )
        self.ca_file = self._sites.ca_file
        self.https_port, self.http_port = self._sites.https_port, self._sites.http_port
        return self

    def stop(self) -> None:
        if self._sites is not None:
            self._sites.stop()

    def _match(self, request: web.Request, body: bytes) -> tuple[Exchange, bytes] | None:
        case = self.active
        if case is None:
            return None
        host = (request.host or "").split(":", 1)[0].lower()
        wanted = _request_video_id(request, body)
        path = request.path
        if request.method == "POST" and path.rstrip("/").endswith(_PLAYER_PATHS):
            # Host first (README rule 1), then any recorded player answer for this video.
            players = [ex for ex in case.exchanges if ex.is_player]
            players.sort(key=lambda ex: (ex.host != host, not _same_path(ex.path, path)))
            for ex in players:
                if not ex.video_id or ex.video_id == wanted:
                    return ex, ex.player_body()
            return None
        candidates = [
            ex
            for ex in case.exchanges
            if ex.method == request.method and ex.host == host and _same_path(ex.path, path)
        ]
        if case.derived == "consent-redirect" and host == "www.youtube.com" and path == "/watch":
            consent = next(ex for ex in case.exchanges if ex.host == "consent.youtube.com")
            return (
                Exchange(
                    case.name, "GET", "", host, path, {}, 302,
                    [("Location", consent.url)], b"", "",
                ),
                b"",
            )  # fmt: skip
        for ex in candidates:
            if (
                not ex.video_id
                or ex.video_id == "UNKNOWN"
                or ex.video_id == wanted
                or ex.video_id in unquote(request.path_qs)
            ):
                fmt = request.query.get("format")
                if fmt and ex.query.get("format") and ex.query["format"][0] != fmt:
                    continue
                return ex, ex.body
        return None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        host = (request.host or "").split(":", 1)[0].lower()
        found = self._match(request, body)
        line = f"{request.method} {host}{request.path_qs}"
        if found is None:
            self.unrecorded.append(line)
            return web.Response(status=404, text="not recorded", content_type="text/plain")
        exchange, payload = found
        self.served.append(line)
        response = web.Response(status=exchange.status, body=payload)
        for name, value in exchange.headers:
            response.headers.add(name, value)
        return response
