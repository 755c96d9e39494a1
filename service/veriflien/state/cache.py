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

On a hit the document's `url` is the requester's own text (two requesters may differ in a
fragment), everything else is as cached, `checked_at` included, so the answer says how old it is.
"""

from __future__ import annotations

import hmac
import json
import os
import zlib
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

_NONCE_BYTES = 12


class ResultCache:
    def __init__(
        self, state: SharedState, secret: bytes, ttl: float, ports: frozenset[int]
    ) -> None:
        self.state = state
        self.secret = secret
        self.ttl = ttl
        self.ports = ports

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

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

    async def get(self, request: CheckRequest) -> dict[str, Any] | None:
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
            doc = orjson.loads(zlib.decompress(plain))  # ~2x json.loads: a hit's largest cost
        except (InvalidTag, zlib.error, ValueError):
            return None  # written under another instance key, or damaged: a miss, not an error
        if not isinstance(doc, dict):
            return None
        doc["url"] = given
        return doc

    async def put(self, request: CheckRequest, doc: dict[str, Any]) -> bool:
        if not self.enabled or doc.get("verdict") not in CACHEABLE_VERDICTS:
            return False
        derived = self._derive(request)
        if derived is None:
            return False
        name, key, _given = derived
        # ASCII escapes: a lone surrogate in a link must not make caching fail.
        plain = zlib.compress(json.dumps(doc).encode())
        nonce = os.urandom(_NONCE_BYTES)
        blob = nonce + AESGCM(key).encrypt(nonce, plain, name.encode())
        await self.state.set(name, blob, self.ttl)
        return True
