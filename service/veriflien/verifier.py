"""`veriflien verify FILE|- [--keys URL|FILE]`: checking a signed answer away from the service.

This runs on a counsellor's or a police officer's computer, months after the check, so it needs
nothing of the service but the package: the document, and the instance's public keys (a saved copy
of its `/.well-known/veriflien-keys.json`, or that address). It is the one place in the package
that fetches something outside the gate (net/): the gate exists for links sent by blackmailers and
refuses private addresses, whereas this is a plain client fetching, at the user's request, the
keys of an instance the user names.

Whoever can swap the keys can make a forgery pass, so the keys are fetched over https only, with
the system's certificate store, host name checking and no redirect to plain http: a network
between the verifier and the instance can neither read nor change them. Plain http is accepted
for the machine itself only (`http://127.0.0.1:8080`, a local instance). The user's proxy settings
(HTTPS_PROXY) are honoured: TLS runs end to end through them. What https proves is the name: the
output says where the keys came from, and the printed evidence sheet says which address to use.
"""

from __future__ import annotations

import json
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from veriflien import __version__
from veriflien.attestation import KeyRing, Signer, Verification, is_loopback, verify
from veriflien.jcs import loads

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_NO_KEYS = 0, 1, 2, 3
MAX_KEYS_BYTES = 1024 * 1024
KEYS_TIMEOUT = 15.0


class KeysUnavailable(Exception):
    """The public keys could not be fetched or read; the message says why, for the user."""


class UsageError(Exception):
    pass


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and is_loopback(parts.hostname or "")


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects stay on https (or on the machine itself)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not _allowed(newurl):
            raise urllib.error.URLError(f"refused a redirect to {newurl[:80]} (https only)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_keys(url: str) -> KeyRing:
    """The keys at `url`. UsageError for a non-https address; KeysUnavailable otherwise."""
    if not _allowed(url):
        raise UsageError(
            f"{url[:100]}: the keys must come over https:// (plain http:// only for this machine, "
            "127.0.0.1 or localhost), or else anyone on the network could replace them"
        )
    context = ssl.create_default_context()  # the system's CAs, host name checked, TLS 1.2+
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), _SafeRedirects()
    )
    request = urllib.request.Request(  # noqa: S310 (https, or http to loopback: _allowed above)
        url,
        headers={"Accept": "application/json", "User-Agent": f"veriflien-verify/{__version__}"},
    )
    try:
        with opener.open(request, timeout=KEYS_TIMEOUT) as response:
            body = response.read(MAX_KEYS_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise KeysUnavailable(f"{url}: the server answered HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise KeysUnavailable(
                f"{url}: the server's certificate could not be verified "
                f"({reason.verify_message}); the keys were not used"
            ) from exc
        raise KeysUnavailable(f"{url}: cannot fetch the keys ({reason})") from exc
    except (OSError, ValueError) as exc:
        raise KeysUnavailable(f"{url}: cannot fetch the keys ({type(exc).__name__})") from exc
    if len(body) > MAX_KEYS_BYTES:
        raise KeysUnavailable(f"{url}: the answer is larger than a keys document can be")
    return _parse_keys(body, url)


def read_keys_file(path: str) -> KeyRing:
    try:
        body = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the keys file ({type(exc).__name__})") from exc
    return _parse_keys(body, path)


def _parse_keys(body: bytes, source: str) -> KeyRing:
    try:
        return KeyRing.from_document(loads(body), source=source)
    except ValueError as exc:
        raise KeysUnavailable(f"{source}: not a usable public keys document ({exc})") from exc


def keys_from(source: str | None, local: Signer | None) -> KeyRing:
    """The keys named by --keys (an http(s) address or a file), else the local configuration's."""
    if source:
        if "://" in source:
            return fetch_keys(source)
        return read_keys_file(source)
    if local is None:
        raise UsageError(
            "say where the instance's public keys are: --keys "
            "https://INSTANCE/.well-known/veriflien-keys.json (or a saved copy of that file)"
        )
    local.keyring.source = "this machine's settings"
    return local.keyring


def read_document(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the file ({type(exc).__name__})") from exc


def check_document(raw: bytes, keyring: KeyRing) -> tuple[Verification, Any]:
    try:
        doc = loads(raw)
    except ValueError as exc:  # also UnicodeDecodeError
        return Verification("invalid_document", detail=str(exc), source=keyring.source), None
    return verify(doc, keyring), doc


_TEXT = {
    "fr": {
        "ok": "OK",
        "bad": "ÉCHEC",
        "keys": "Clés publiques lues dans : {source}",
        "signed": "Document signé : résultat « {verdict} » (confiance {confidence}), lien "
        "vérifié le {checked_at} (UTC).",
        "proves": "La signature prouve qui a produit ce document et quand ; elle ne prouve pas "
        "que la vidéo est encore dans cet état aujourd'hui.",
    },
    "en": {
        "ok": "OK",
        "bad": "FAILED",
        "keys": "Public keys read from: {source}",
        "signed": "Signed document: result '{verdict}' (confidence {confidence}), link checked "
        "on {checked_at} (UTC).",
        "proves": "The signature proves who produced this document and when; it does not prove "
        "that the video is still in that state today.",
    },
}


def render(outcome: Verification, doc: Any, lang: str) -> str:
    t = _TEXT[lang]
    lines = [f"{t['ok'] if outcome.valid else t['bad']} — {outcome.message(lang)}"]
    if outcome.valid and isinstance(doc, dict) and "verdict" in doc:
        lines.append(
            t["signed"].format(
                verdict=doc.get("verdict"),
                confidence=doc.get("confidence"),
                checked_at=doc.get("checked_at"),
            )
        )
    if outcome.valid:
        lines.append(t["proves"])
    lines.append(t["keys"].format(source=outcome.source or "?"))
    return "\n".join(lines)


def run(path: str, keys: str | None, local: Signer | None, lang: str, as_json: bool) -> int:
    """The command; returns its exit code (0 intact and signed by a known key, 1 not, 2 bad
    usage, 3 the keys could not be obtained)."""
    try:
        raw = read_document(path)
        keyring = keys_from(keys, local)
    except UsageError as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeysUnavailable as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_NO_KEYS
    outcome, doc = check_document(raw, keyring)
    if as_json:
        print(json.dumps({**outcome.to_json(lang), "keys": keyring.source}, ensure_ascii=False))
    else:
        print(render(outcome, doc, lang))
    return EXIT_VALID if outcome.valid else EXIT_INVALID
