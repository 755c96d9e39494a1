"""The result cache, built so that Redis (or a memory dump) cannot reveal which links were checked.

The submitted link is the most sensitive datum this service handles: it points at someone's
intimate video. So the cache never holds it, not even the redirect chain or the fetched documents'
addresses, in a form readable without the link itself:

- the entry's name is HMAC-SHA-256(instance key, normalised link, lang, country, minor): without
  the instance key nothing can be learnt from it, and even with it only a guessed link can be
  confirmed (the same property as the digests in the logs);
- the entry's value is the whole result document encrypted with AES-256-GCM under a key derived
  from the instance key *and the normalised link*, with the entry's name as associated data. A
  reader of Redis who does not already have the link cannot decrypt it; one who has it learns what
  a fresh check would have told them anyway.

The cache must not be false reassurance either (issue 13): a "private" kept for ten minutes is
still served after the uploader made the video public. Verdicts that reassure (private, removed,
incomplete, login_required, no_video) are kept `cache_ttl_non_public` seconds (60 by default);
those that warn (public, unlisted, suspicious) `cache_ttl`. A caller can always ask for a fresh
check (`"fresh": true`).

And it must not tell anyone that a link was checked recently. An entry keeps, besides the
document, the progress events of the check that made it and how long that check took, so a hit
can be answered the way the check itself was (api/checks.py replays it); the answer's `checked_at`
is the time of the request being answered, and no header says "hit".
"""

from __future__ import annotations

import hmac
import json
import os
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from veriflien.check import CheckRequest
from veriflien.net import InvalidUrl, RefusedUrl, parse_target
from veriflien.state.shared import SharedState

# Verdicts worth reusing. `unreachable` and `unknown` often come from a passing condition (a site
# briefly down, the deadline hit under load): the next person deserves a fresh attempt. `refused`
# and `invalid_url` cost no outbound request, so caching them would save nothing.
CACHEABLE_VERDICTS = frozenset(
    {"public", "unlisted", "private", "removed", "incomplete", "login_required", "no_video",
     "suspicious"}
)  # fmt: skip

# Verdicts that tell the person nobody can watch the video. A stale one is false reassurance, so
# they are kept for a short time only (ResultCache.ttl_non_public).
NON_PUBLIC_VERDICTS = frozenset({"private", "removed", "incomplete", "login_required", "no_video"})

_NONCE_BYTES = 12
_FORMAT = 2  # entries written before (a bare document, an old checked_at) are misses


@dataclass(slots=True)
class CachedCheck:
    """A check as its first caller saw it: the document, each progress event with its offset in
    milliseconds from the start, and how long the whole answer took."""

    doc: dict[str, Any]
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    elapsed_ms: int = 0


class ResultCache:
    def __init__(
        self,
        state: SharedState,
        secret: bytes,
        ttl: float,
        ports: frozenset[int],
        ttl_non_public: float | None = None,
    ) -> None:
        self.state = state
        self.secret = secret
        self.ttl = ttl
        self.ports = ports
        self.ttl_non_public = min(ttl, ttl if ttl_non_public is None else ttl_non_public)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def ttl_for(self, verdict: str) -> float:
        """Seconds a result with this verdict may be reused (0: not at all)."""
        if verdict not in CACHEABLE_VERDICTS:
            return 0.0
        return self.ttl_non_public if verdict in NON_PUBLIC_VERDICTS else self.ttl

    def _derive(self, request: CheckRequest) -> tuple[str, bytes, str] | None:
        """(entry name, encryption key, requester's link) or None for links not worth caching."""
        try:
            target = parse_target(request.url, self.ports)
        except (InvalidUrl, RefusedUrl):
            return None
        link = str(target.url).encode("utf-8", "surrogatepass")
        context = f"\0{request.lang}\0{request.country}\0{int(request.minor)}".encode()
        # hmac.digest: OpenSSL's one-shot HMAC, a fraction of hmac.new()'s cost on every hit.
        name = hmac.digest(self.secret, b"veriflien-cache-name\0" + link + context, "sha256")
        key = hmac.digest(self.secret, b"veriflien-cache-key\0" + link, "sha256")
        return "cache:" + name.hex(), key, target.given

    async def get(self, request: CheckRequest) -> CachedCheck | None:
        if not self.enabled:
            return None
        derived = self._derive(request)
        if derived is None:
            return None
        name, key, given = derived
        blob = await self.state.get(name)
        if not blob or len(blob) <= _NONCE_BYTES:
            return None
        try:
            plain = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], name.encode())
            entry = orjson.loads(zlib.decompress(plain))  # ~2x json.loads: a hit's largest cost
            if entry.get("format") != _FORMAT or not isinstance(entry.get("doc"), dict):
                return None
            cached = CachedCheck(
                entry["doc"],
                [(int(offset), event) for offset, event in entry["events"]],
                int(entry["elapsed_ms"]),
            )
        except (InvalidTag, zlib.error, ValueError, TypeError, KeyError, AttributeError):
            return None  # written under another instance key, or damaged: a miss, not an error
        if cached.doc.get("verdict") not in CACHEABLE_VERDICTS:
            return None
        cached.doc["url"] = given
        return cached

    async def put(self, request: CheckRequest, cached: CachedCheck) -> bool:
        ttl = self.ttl_for(str(cached.doc.get("verdict")))
        if not self.enabled or ttl <= 0:
            return False
        derived = self._derive(request)
        if derived is None:
            return False
        name, key, _given = derived
        entry = {
            "format": _FORMAT,
            "doc": cached.doc,
            "events": [[offset, event] for offset, event in cached.events],
            "elapsed_ms": cached.elapsed_ms,
        }
        # ASCII escapes: a lone surrogate in a link must not make caching fail.
        plain = zlib.compress(json.dumps(entry).encode())
        nonce = os.urandom(_NONCE_BYTES)
        blob = nonce + AESGCM(key).encrypt(nonce, plain, name.encode())
        await self.state.set(name, blob, ttl)
        return True
