"""Signed answers: proof, for a complaint file, that this instance produced a document at a time.

A counsellor or a victim attaches a result to a police complaint; months later someone must be
able to tell that the file is what the service answered, unchanged. Every answer therefore gets an
`attestation` member: an Ed25519 signature (RFC 8032) over the RFC 8785 canonical form (jcs.py)
of the whole document, that member included but for its `signature`:

    "attestation": {"alg": "Ed25519", "key_id": "…", "canonicalization": "RFC8785",
                     "signed_at": "2026-11-21T05:30:00Z", "ephemeral": false,
                     "signature": "<86 characters of base64url, no padding>"}

The signing key is, in this order of preference:

- the PEM file named by `signing_key_file` (an operator-generated key; rotated by retiring the old
  public key to `signing_retired_keys_file`, which keeps it published);
- derived from the instance key with HKDF-SHA-256 (RFC 5869) under its own label, so every
  replica sharing `VERIFLIEN_INSTANCE_KEY` signs with the same key, and the signing key tells
  nothing about the other secrets drawn from the instance key (log digests, cache names and
  cache encryption keys are HMACs under it with their own labels);
- when no instance key is configured, the random per-process one: such a key vanishes with the
  process, so the attestation, the public keys document and every verification say `ephemeral`.

The signature is computed per answer, after the final `checked_at` is set (a cache hit gets its own
time and its own signature), and only ever over documents the service itself built: a document a
client sends (to the sheet, to /api/v1/verify) is verified, never signed, or anyone could have
their own text signed.

What a valid signature proves, and what not, is in SECURITY.md (*Signed answers*).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from veriflien.jcs import canonical_json
from veriflien.result import utc_timestamp

if TYPE_CHECKING:
    from veriflien.settings import Settings

__all__ = [
    "ALG",
    "CANONICALIZATION",
    "KEYS_PATH",
    "KeyRing",
    "PublicKey",
    "Signer",
    "Verification",
    "key_id_of",
    "verify",
]

ALG = "Ed25519"  # RFC 8032 pure Ed25519; the fully-specified JOSE name (RFC 9864)
CANONICALIZATION = "RFC8785"
KEYS_PATH = "/.well-known/veriflien-keys.json"
FIELD = "attestation"

# HKDF labels. The salt and info are fixed and public: they only separate this use of the instance
# key from its others (HMAC-SHA-256 of "veriflien-cache-name\0…", "veriflien-cache-key\0…",
# URLs in logs, rate-limit names), as RFC 5869 section 3.2 intends `info` to. Changing either
# changes every replica's key: a new version string, never an edit.
_HKDF_SALT = b"veriflien instance key"
_HKDF_INFO = b"veriflien/attestation/ed25519/v1"

_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{86}$")  # 64 bytes in base64url, no padding
_PUBLIC_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str, pattern: re.Pattern[str]) -> bytes | None:
    """Strict base64url: the one spelling of the bytes. Base64's last character carries spare bits;
    accepting any value for them would let a changed character leave the signature valid."""
    if not isinstance(text, str) or not pattern.match(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == text else None


def key_id_of(raw_public_key: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256. Verification always
    uses the whole key the id selects, so the id need not resist collisions."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def is_loopback(host: str) -> bool:
    """The machine itself: `localhost` or a loopback address (the one place plain http is fine)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 date-time with an offset, as an aware datetime; None otherwise."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment.astimezone(UTC)  # OverflowError past year 9999 in UTC
    except (ValueError, OverflowError):
        return None
    return moment


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One published key: the current one, or a retired one kept so older answers still verify."""

    key: Ed25519PublicKey
    status: str = "current"  # or "retired"
    ephemeral: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @property
    def raw(self) -> bytes:
        return _raw(self.key)

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    def covers(self, moment: datetime) -> bool:
        if self.valid_from is not None and moment < self.valid_from:
            return False
        return self.valid_until is None or moment <= self.valid_until

    def to_json(self) -> dict[str, Any]:
        """A JSON Web Key (RFC 7517, OKP key type of RFC 8037) plus this service's members."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64(self.raw),
            "kid": self.key_id,
            "alg": ALG,
            "use": "sig",
            "status": self.status,
            "ephemeral": self.ephemeral,
            "valid_from": None if self.valid_from is None else utc_timestamp(self.valid_from),
            "valid_until": None if self.valid_until is None else utc_timestamp(self.valid_until),
            "pem": _pem(self.key),
        }

    @classmethod
    def from_json(cls, entry: Any) -> PublicKey:
        if not isinstance(entry, Mapping):
            raise ValueError("a key entry is not an object")
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            raise ValueError("a key entry is not an Ed25519 key (kty OKP, crv Ed25519)")
        raw = _unb64(entry.get("x"), _PUBLIC_KEY)
        if raw is None:
            raise ValueError("a key entry's 'x' is not 32 bytes of base64url")
        key = cls(
            Ed25519PublicKey.from_public_bytes(raw),
            status=entry.get("status") if entry.get("status") in {"current", "retired"} else "",
            ephemeral=entry.get("ephemeral") is True,
            valid_from=_optional_time(entry, "valid_from"),
            valid_until=_optional_time(entry, "valid_until"),
        )
        if entry.get("kid") != key.key_id:
            raise ValueError(f"the key entry named {entry.get('kid')!r} holds another key")
        return key


def _optional_time(entry: Mapping[str, Any], name: str) -> datetime | None:
    value = entry.get(name)
    if value is None:
        return None
    moment = parse_time(value)
    if moment is None:
        raise ValueError(f"'{name}' is not an RFC 3339 date-time: {str(value)[:40]!r}")
    return moment


class KeyRing:
    """The public keys a verifier trusts, by key id."""

    def __init__(self, keys: Iterable[PublicKey], *, source: str = "") -> None:
        self.keys = {key.key_id: key for key in keys}
        self.source = source  # where the keys came from, for messages

    def get(self, key_id: Any) -> PublicKey | None:
        return self.keys.get(key_id) if isinstance(key_id, str) else None

    @classmethod
    def from_document(cls, doc: Any, *, source: str = "") -> KeyRing:
        """The keys of a public keys document (GET /.well-known/veriflien-keys.json).
        ValueError when it is not one."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
            raise ValueError("not a Vérif'Lien public keys document (no 'keys' list)")
        keys = [PublicKey.from_json(entry) for entry in doc["keys"]]
        if not keys:
            raise ValueError("the public keys document lists no key")
        return cls(keys, source=source)


class Signer:
    """The instance's signing key and its published public keys."""

    def __init__(
        self,
        private: Ed25519PrivateKey,
        *,
        ephemeral: bool = False,
        retired: Iterable[PublicKey] = (),
    ) -> None:
        self._private = private
        self.ephemeral = ephemeral
        self.current = PublicKey(private.public_key(), "current", ephemeral)
        self.key_id = self.current.key_id
        self.keyring = KeyRing([*retired, self.current], source=KEYS_PATH)
        self._keys_document = self._build_keys_document()

    @classmethod
    def from_settings(cls, settings: Settings) -> Signer:
        """The signer the settings describe; ValueError (naming the setting) for unusable files."""
        private, retired = load_key_files(settings)
        if private is None:
            private = derive_private_key(settings.secret)
        ephemeral = not settings.signing_key_file and settings.instance_key_is_random
        return cls(private, ephemeral=ephemeral, retired=retired)

    def sign(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of `doc` with a fresh `attestation` (any previous one replaced). ValueError when
        the document holds what I-JSON forbids (a lone surrogate, a huge integer, NaN)."""
        attestation: dict[str, Any] = {
            "alg": ALG,
            "key_id": self.key_id,
            "canonicalization": CANONICALIZATION,
            "signed_at": utc_timestamp(datetime.now(UTC)),
            "ephemeral": self.ephemeral,
        }
        signed = dict(doc)
        signed[FIELD] = attestation
        attestation["signature"] = _b64(self._private.sign(canonical_json(signed)))
        return signed

    def keys_document(self) -> dict[str, Any]:
        return self._keys_document

    def _build_keys_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "issuer": "Vérif'Lien",
            "canonicalization": CANONICALIZATION,
            "ephemeral": self.ephemeral,
            "keys": [self.current.to_json()]
            + [key.to_json() for key in self.keyring.keys.values() if key is not self.current],
        }
        if self.ephemeral:
            doc["notice"] = {
                "fr": _EPHEMERAL_NOTICE["fr"],
                "en": _EPHEMERAL_NOTICE["en"],
            }
        return doc


_EPHEMERAL_NOTICE = {
    "fr": (
        "Cette instance signe avec une clé temporaire, tirée au hasard à son démarrage (ni "
        "VERIFLIEN_INSTANCE_KEY ni signing_key_file ne sont réglés). Après un redémarrage, "
        "plus personne ne pourra vérifier les réponses signées avant."
    ),
    "en": (
        "This instance signs with a temporary key drawn at random when it started (neither "
        "VERIFLIEN_INSTANCE_KEY nor signing_key_file is set). After a restart, nobody will be "
        "able to verify the answers signed before."
    ),
}


def derive_private_key(instance_secret: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key of an instance key: HKDF-SHA-256 (RFC 5869) with this use's own label; the
    32 bytes are the Ed25519 seed (RFC 8032, section 5.1.5)."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        instance_secret
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_key_files(settings: Settings) -> tuple[Ed25519PrivateKey | None, list[PublicKey]]:
    """The private key of `signing_key_file` (None when unset) and the retired public keys of
    `signing_retired_keys_file`. ValueError, naming the setting, when a file cannot be used."""
    private = None
    if settings.signing_key_file:
        private = _load_private_pem(Path(settings.signing_key_file))
    retired: list[PublicKey] = []
    if settings.signing_retired_keys_file:
        retired = _load_retired(Path(settings.signing_retired_keys_file))
    return private, retired


def _load_private_pem(path: Path) -> Ed25519PrivateKey:
    where = f"VERIFLIEN_SIGNING_KEY_FILE ({path})"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{where}: cannot read the file ({type(exc).__name__})") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(
            f"{where}: not an unencrypted PEM private key (make one with "
            "`openssl genpkey -algorithm ed25519 -out FILE`)"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{where}: the key is not an Ed25519 key")
    return key


def _load_retired(path: Path) -> list[PublicKey]:
    where = f"VERIFLIEN_SIGNING_RETIRED_KEYS_FILE ({path})"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{where}: cannot read the file ({type(exc).__name__})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where}: not TOML ({exc})") from exc
    entries = data.get("key", [])
    if not isinstance(entries, list) or set(data) - {"key"}:
        raise ValueError(f"{where}: expected only [[key]] tables")
    keys = []
    for number, entry in enumerate(entries, start=1):
        try:
            keys.append(_retired_entry(entry))
        except ValueError as exc:
            raise ValueError(f"{where}: key {number}: {exc}") from exc
    return keys


def _retired_entry(entry: Any) -> PublicKey:
    if not isinstance(entry, dict):
        raise ValueError("not a table")
    unknown = sorted(set(entry) - {"key_id", "public_key", "valid_from", "valid_until"})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    try:
        public = serialization.load_pem_public_key(str(entry.get("public_key", "")).encode())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError("'public_key' is not a PEM public key") from exc
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError("'public_key' is not an Ed25519 key")
    valid_until = _optional_time(entry, "valid_until")
    if valid_until is None:
        raise ValueError("'valid_until' (when the key stopped signing) is required")
    key = PublicKey(public, "retired", False, _optional_time(entry, "valid_from"), valid_until)
    if "key_id" in entry and entry["key_id"] != key.key_id:
        raise ValueError(f"'key_id' says {entry['key_id']!r} but the key's id is {key.key_id}")
    return key


def retired_entry_toml(signer: Signer) -> str:
    """The [[key]] table that retires the signer's current key now (`veriflien signing-key`)."""
    return (
        "[[key]]\n"
        f'key_id = "{signer.key_id}"\n'
        f'public_key = """\n{_pem(signer.current.key)}"""\n'
        f"valid_until = {utc_timestamp(datetime.now(UTC))}\n"
    )


# --- verification ----------------------------------------------------------------------------

_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "valid": {
        "fr": "Signature valide : ce document a été produit par l'instance Vérif'Lien qui détient "
        "la clé {key_id}, le {signed_at} (UTC), et il n'a pas été modifié depuis.",
        "en": "Valid signature: this document was produced by the Vérif'Lien instance holding "
        "key {key_id}, on {signed_at} (UTC), and it has not been changed since.",
    },
    "unsigned": {
        "fr": "Ce document ne porte pas de signature (pas de champ « attestation ») : rien ne "
        "montre qui l'a produit, ni quand.",
        "en": "This document carries no signature (no 'attestation' field): nothing shows who "
        "produced it, or when.",
    },
    "invalid_document": {
        "fr": "Ce fichier n'est pas un document JSON lisible ({detail}) : il a été abîmé ou "
        "modifié.",
        "en": "This file is not a readable JSON document ({detail}): it was damaged or changed.",
    },
    "malformed_attestation": {
        "fr": "La signature de ce document est illisible ({detail}) : elle a été abîmée ou "
        "modifiée.",
        "en": "This document's signature cannot be read ({detail}): it was damaged or changed.",
    },
    "unsupported_algorithm": {
        "fr": "Cette signature utilise une méthode que Vérif'Lien n'emploie pas ({detail}).",
        "en": "This signature uses a method Vérif'Lien does not use ({detail}).",
    },
    "unknown_key": {
        "fr": "La clé {key_id} ne figure pas parmi les clés publiques utilisées ({source}) : le "
        "document vient d'une autre instance, d'une instance à clé temporaire qui a redémarré, "
        "ou il n'a pas été produit par Vérif'Lien.",
        "en": "Key {key_id} is not among the public keys used ({source}): the document comes "
        "from another instance, from an instance with a temporary key that has restarted, or "
        "it was not produced by Vérif'Lien.",
    },
    "key_not_valid": {
        "fr": "La clé {key_id} n'était pas en service le {signed_at} (UTC) ({detail}) : la "
        "signature ne peut pas être tenue pour authentique.",
        "en": "Key {key_id} was not in service on {signed_at} (UTC) ({detail}): the signature "
        "cannot be taken as authentic.",
    },
    "signature_mismatch": {
        "fr": "La signature ne correspond pas au contenu : le document a été modifié après avoir "
        "été signé (un seul caractère suffit : le résultat, un constat, une date…).",
        "en": "The signature does not match the content: the document was changed after it was "
        "signed (a single character is enough: the result, a finding, a date…).",
    },
}

_EPHEMERAL_WARNING = {
    "fr": " Attention : cette clé est temporaire (l'instance n'a ni VERIFLIEN_INSTANCE_KEY ni "
    "signing_key_file) ; après un redémarrage du service, plus personne ne pourra vérifier ce "
    "document.",
    "en": " Beware: this key is temporary (the instance has neither VERIFLIEN_INSTANCE_KEY nor "
    "signing_key_file); after the service restarts, nobody will be able to verify this document.",
}

_RETIRED_NOTE = {
    "fr": " Cette clé a été remplacée depuis ; elle reste publiée pour vérifier les documents "
    "signés avant.",
    "en": " This key has since been replaced; it stays published so that documents signed "
    "before can be verified.",
}


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of checking one document's attestation."""

    code: str  # "valid" or why not: a key of _MESSAGES
    key_id: str | None = None
    signed_at: str | None = None
    key: PublicKey | None = None
    detail: str = ""
    source: str = ""

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    @property
    def ephemeral(self) -> bool | None:
        return None if self.key is None else self.key.ephemeral

    def message(self, lang: str) -> str:
        text = _MESSAGES[self.code][lang].format(
            key_id=self.key_id or "?",
            signed_at=self.signed_at or "?",
            detail=self.detail,
            source=self.source or "?",
        )
        if self.valid and self.key is not None:
            if self.key.ephemeral:
                text += _EPHEMERAL_WARNING[lang]
            if self.key.status == "retired":
                text += _RETIRED_NOTE[lang]
        return text

    def to_json(self, lang: str) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "code": self.code,
            "message": self.message(lang),
            "key_id": self.key_id,
            "signed_at": self.signed_at,
            "key_status": None if self.key is None else self.key.status or None,
            "ephemeral": self.ephemeral,
        }


def verify(doc: Any, keyring: KeyRing) -> Verification:
    """Check the attestation of a document against trusted public keys. Never raises."""
    source = keyring.source
    if not isinstance(doc, Mapping):
        return Verification("invalid_document", detail="not a JSON object", source=source)
    attestation = doc.get(FIELD)
    if attestation is None:
        return Verification("unsigned", source=source)
    if not isinstance(attestation, Mapping):
        return Verification("malformed_attestation", detail="not an object", source=source)
    key_id = attestation.get("key_id")
    key_id = key_id if isinstance(key_id, str) else None
    raw_time = attestation.get("signed_at")
    signed_at = raw_time if isinstance(raw_time, str) else None

    def fail(code: str, detail: str = "", key: PublicKey | None = None) -> Verification:
        return Verification(code, key_id, signed_at, key, detail, source)

    if attestation.get("alg") != ALG:
        return fail("unsupported_algorithm", f"alg {str(attestation.get('alg'))[:40]!r}")
    if attestation.get("canonicalization") != CANONICALIZATION:
        canon = str(attestation.get("canonicalization"))[:40]
        return fail("unsupported_algorithm", f"canonicalization {canon!r}")
    signature = _unb64(attestation.get("signature"), _SIGNATURE)
    if signature is None:
        return fail("malformed_attestation", "'signature' is not 64 bytes of base64url")
    if key_id is None:
        return fail("malformed_attestation", "no 'key_id'")
    moment = parse_time(raw_time)
    if moment is None:
        return fail("malformed_attestation", "'signed_at' is not a date and time")
    key = keyring.get(key_id)
    if key is None:
        return fail("unknown_key")
    unsigned = {name: value for name, value in attestation.items() if name != "signature"}
    try:
        message = canonical_json({**doc, FIELD: unsigned})
    except (ValueError, TypeError) as exc:
        return fail("invalid_document", str(exc))
    try:
        key.key.verify(signature, message)
    except InvalidSignature:
        return fail("signature_mismatch")
    if not key.covers(moment):
        since = "…" if key.valid_from is None else utc_timestamp(key.valid_from)
        until = "…" if key.valid_until is None else utc_timestamp(key.valid_until)
        return fail("key_not_valid", f"{since} – {until}", key)
    return Verification("valid", key_id, signed_at, key, source=source)
