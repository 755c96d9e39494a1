"""What reaches the instance, recorded at the instance's door.

Why: "nothing about a watched link reaches the server except the checks themselves" is a claim
about the server's side, so it is proven there, not from what a page or a browser reports. The
recorder is a reverse proxy the browser is configured to use as its Vérif'Lien instance: it keeps
every request (method, path with query, headers, body) and forwards it unchanged to the real
`veriflien serve`, streaming the answer back (server-sent events included).

One request per connection (the forwarded request says `Connection: close`), which keeps the proxy
a plain byte pipe; browsers open a new connection for the next request.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class Seen:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def mentions(self, text: str) -> bool:
        """Whether `text` appears anywhere in the request: line, headers or body."""
        haystack = " ".join([self.target, *self.headers.values()]) + self.body.decode(
            "utf-8", "replace"
        )
        return text in haystack


class LoopbackServer:
    """A TCP server on 127.0.0.1 that serves each connection in a thread (`_serve`): the e2e tests'
    small HTTP stand-ins (the instance recorder, Firefox's counting proxy)."""

    port: int
    _server: socket.socket | None

    def start(self) -> Self:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        raise NotImplementedError


@dataclass
class InstanceRecorder(LoopbackServer):
    upstream: str  # http://127.0.0.1:PORT of the real service
    port: int = 0
    _seen: list[Seen] = field(default_factory=list)
    _server: socket.socket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def checks(self) -> list[Seen]:
        return [s for s in self.seen() if s.method == "POST" and s.path == "/api/v1/checks"]

    def _serve(self, client: socket.socket) -> None:
        with client:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = [*lines[0].split(" "), "", ""][:3]
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            while len(body) < length:
                chunk = client.recv(65536)
                if not chunk:
                    break
                body += chunk
            with self._lock:
                self._seen.append(Seen(method, target, headers, body))
            kept = [
                line
                for line in lines[1:]
                if line.split(":", 1)[0].strip().lower()
                not in {"connection", "proxy-connection", "keep-alive"}
            ]
            forwarded = "\r\n".join([f"{method} {target} {version}", *kept])
            parts = urlsplit(self.upstream)
            with socket.create_connection((parts.hostname, parts.port or 80)) as upstream:
                upstream.sendall(forwarded.encode("latin-1") + b"\r\nConnection: close\r\n\r\n")
                upstream.sendall(body)
                try:
                    while chunk := upstream.recv(65536):
                        client.sendall(chunk)
                except OSError:
                    pass  # the browser went away: the exchange is over


# --- fixtures: a test module puts the real service behind a recorder by importing both ----------
# (`from e2e.recorder import recorded_service, recorder_of_service`; the fixtures are named
# `live_service` and `recorder`): its pages and browsers then know the instance by the recorder's
# address, and `recorder` lists what reached it.

_RECORDERS: dict[str, InstanceRecorder] = {}


@pytest.fixture(scope="module", name="live_service")
def recorded_service(live_service: str) -> Iterator[str]:
    """The instance as this module's pages and browsers know it: the service behind a recorder."""
    recorder = InstanceRecorder(live_service).start()
    _RECORDERS[recorder.url] = recorder
    yield recorder.url
    recorder.stop()


@pytest.fixture(name="recorder")
def recorder_of_service(live_service: str) -> InstanceRecorder:
    return _RECORDERS[live_service]
