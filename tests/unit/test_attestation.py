"""Signed answers (issue 16, item 2): what a police officer checking a result file relies on.

A result verifies while intact, whatever its formatting; changing its verdict, one finding, its
time, any nested value or the signature itself makes it fail, and so do an unknown or retired key.
Replicas sharing an instance key sign alike; a process without a configured key says its
signatures die with it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from veriflien.attestation import (
    KeyRing,
    PublicKey,
    Signer,
    derive_private_key,
    key_id_of,
    retired_entry_toml,
    verify,
)
from veriflien.jcs import canonical_json, loads
from veriflien.result import (
    CheckResult,
    Confidence,
    FetchedDocument,
    Finding,
    MediaInfo,
    Redirect,
    Strength,
    Verdict,
)
from veriflien.runtime import make_advisor
from veriflien.settings import Settings, SettingsError, load

INSTANCE_KEY = "0f" * 32


def _result() -> dict[str, Any]:
    result = CheckResult(
        url="https://videos.example.com/v?x=é",
        verdict=Verdict.PRIVATE,
        confidence=Confidence.HIGH,
        checked_at="2026-11-21T05:30:00Z",
        version="0.1.0",
        final_url="https://videos.example.com/v2",
        redirects=[Redirect("https://videos.example.com/v", 302)],
        platform={"id": "youtube", "name": "YouTube"},
        media=MediaInfo("mp4", True, 10.0, 10.0, 1000, 512),
        findings=[
            Finding("page", "private_marker", "Private video.", Verdict.PRIVATE, Strength.STRONG),
            Finding("verdict", "rule_private", "The platform says private."),
        ],
        documents=[
            FetchedDocument("https://videos.example.com/v2", 200, "text/html", "a" * 64, "")
        ],
        server_address="203.0.113.7",
    )
    settings = Settings().with_overrides(instance_key=INSTANCE_KEY)
    make_advisor(settings)(result, None)
    return result.to_json()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_settings(Settings().with_overrides(instance_key=INSTANCE_KEY))


@pytest.fixture
def signed(signer: Signer) -> dict[str, Any]:
    return signer.sign(_result())


def test_a_signed_result_verifies(signer: Signer, signed: dict[str, Any]) -> None:
    outcome = verify(signed, signer.keyring)
    assert outcome.valid, outcome
    assert outcome.key_id == signer.key_id == signed["attestation"]["key_id"]
    assert set(signed["attestation"]) == {
        "alg", "key_id", "canonicalization", "signed_at", "ephemeral", "signature"
    }  # fmt: skip
    assert signed["attestation"]["alg"] == "Ed25519"
    assert signed["attestation"]["ephemeral"] is False
    assert "Signature valide" in outcome.message("fr")
    assert "has not been changed" in outcome.message("en")


def test_signing_does_not_touch_the_document_it_is_given(signer: Signer) -> None:
    doc = _result()
    before = copy.deepcopy(doc)
    signer.sign(doc)
    assert doc == before  # the cache keeps the unsigned document


def test_the_signature_covers_the_canonical_form_without_the_signature(
    signer: Signer, signed: dict[str, Any]
) -> None:
    """What README says a verifier must rebuild, byte for byte."""
    unsigned = {k: v for k, v in signed["attestation"].items() if k != "signature"}
    message = canonical_json({**signed, "attestation": unsigned})
    public = serialization.load_pem_public_key(signer.current.to_json()["pem"].encode())
    from base64 import urlsafe_b64decode

    signature = urlsafe_b64decode(signed["attestation"]["signature"] + "==")
    public.verify(signature, message)  # raises if not


Mutation = Callable[[dict[str, Any]], None]

TAMPERING: dict[str, Mutation] = {
    "verdict": lambda d: d.update(verdict="public"),
    "confidence": lambda d: d.update(confidence="low"),
    "one finding's detail": lambda d: d["findings"][0].update(detail="Public video."),
    "one finding's code": lambda d: d["findings"][1].update(code="rule_public"),
    "a finding removed": lambda d: d["findings"].pop(0),
    "a finding added": lambda d: d["findings"].append({"probe": "x", "code": "y", "detail": "z"}),
    "checked_at by one second": lambda d: d.update(checked_at="2026-11-21T05:30:01Z"),
    "nested number": lambda d: d["media"].update(bytes_read=513),
    "nested float": lambda d: d["media"].update(duration_seconds=10.000000000000002),
    "nested boolean": lambda d: d["media"].update(complete=False),
    "nested null": lambda d: d.update(final_url=None),
    "report link": lambda d: d["report_links"][0].update(url="https://evil.example/"),
    "advice step": lambda d: d["advice"]["steps"].__setitem__(0, "Pay the blackmailer."),
    "url, one trailing space": lambda d: d.update(url=d["url"] + " "),
    "url, é as e": lambda d: d.update(url=d["url"].replace("é", "e")),
    "a member added": lambda d: d.update(note="verified by the police"),
    "a member removed": lambda d: d.pop("server_address"),
    "number as string": lambda d: d.update(duration_ms=str(d["duration_ms"])),
    "signed_at": lambda d: d["attestation"].update(signed_at="2030-01-01T00:00:00Z"),
    "ephemeral flag": lambda d: d["attestation"].update(ephemeral=True),
}


@pytest.mark.parametrize("change", list(TAMPERING), ids=list(TAMPERING))
def test_any_change_of_a_value_breaks_the_signature(
    signer: Signer, signed: dict[str, Any], change: str
) -> None:
    TAMPERING[change](signed)
    outcome = verify(signed, signer.keyring)
    assert not outcome.valid
    assert outcome.code == "signature_mismatch", outcome
    assert "modifié" in outcome.message("fr") and "changed" in outcome.message("en")


def test_every_character_of_the_signature_matters(signer: Signer, signed: dict[str, Any]) -> None:
    # The last base64 character carries 4 spare bits: a lenient decoder would accept 15 other
    # characters there as the same signature.
    signature = signed["attestation"]["signature"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = len(signature) - 1
    changes = [(last, other) for other in alphabet] + [
        (position, alphabet[(alphabet.index(signature[position]) + 1) % 64])
        for position in range(last)
    ]
    accepted = []
    for position, other in changes:
        if other != signature[position]:
            forged = copy.deepcopy(signed)
            forged["attestation"]["signature"] = (
                signature[:position] + other + signature[position + 1 :]
            )
            if verify(forged, signer.keyring).valid:
                accepted.append((position, other))
    assert accepted == []


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda d: json.dumps(d, indent=4),
        lambda d: json.dumps(d, sort_keys=True, separators=(",", ":")),
        lambda d: json.dumps(dict(reversed(list(d.items()))), ensure_ascii=False),
        lambda d: json.dumps(d, indent="\t").replace("\n", "\r\n"),
        lambda d: "\ufeff" + json.dumps(d, indent=1),  # Notepad's byte order mark
    ],
    ids=["indented", "sorted-compact", "reversed-unicode", "crlf-tabs", "bom"],
)
def test_formatting_changes_do_not_break_the_signature(
    signer: Signer, signed: dict[str, Any], rewrite: Callable[[dict[str, Any]], str]
) -> None:
    assert verify(loads(rewrite(signed).encode("utf-8")), signer.keyring).valid


def test_unsigned_and_malformed_attestations(signer: Signer, signed: dict[str, Any]) -> None:
    doc = _result()
    assert verify(doc, signer.keyring).code == "unsigned"
    assert "pas de signature" in verify(doc, signer.keyring).message("fr")
    cases = {
        "not an object": ("x", "malformed_attestation"),
        "short signature": (
            {**signed["attestation"], "signature": "AAAA"},
            "malformed_attestation",
        ),
        "no key id": (
            {k: v for k, v in signed["attestation"].items() if k != "key_id"},
            "malformed_attestation",
        ),
        "signed_at not a time": (
            {**signed["attestation"], "signed_at": "yesterday"},
            "malformed_attestation",
        ),
        "another algorithm": ({**signed["attestation"], "alg": "HS256"}, "unsupported_algorithm"),
        "another canonicalisation": (
            {**signed["attestation"], "canonicalization": "none"},
            "unsupported_algorithm",
        ),
    }
    for name, (attestation, code) in cases.items():
        outcome = verify({**signed, "attestation": attestation}, signer.keyring)
        assert outcome.code == code, name
    assert verify(["not", "a", "document"], signer.keyring).code == "invalid_document"


def test_a_key_of_another_instance_is_unknown(signer: Signer) -> None:
    other = Signer(Ed25519PrivateKey.generate())
    outcome = verify(other.sign(_result()), signer.keyring)
    assert outcome.code == "unknown_key"
    assert other.key_id in outcome.message("en")


def test_a_forgery_claiming_our_key_id_does_not_verify(signer: Signer) -> None:
    forger = Signer(Ed25519PrivateKey.generate())
    forged = forger.sign(_result())
    forged["attestation"]["key_id"] = signer.key_id
    # Re-sign with the forger's key over the document that now names our key: still not ours.
    unsigned = {k: v for k, v in forged["attestation"].items() if k != "signature"}
    from base64 import urlsafe_b64encode

    signature = forger._private.sign(canonical_json({**forged, "attestation": unsigned}))
    forged["attestation"]["signature"] = urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert verify(forged, signer.keyring).code == "signature_mismatch"


def test_a_lone_surrogate_or_a_huge_number_cannot_be_signed_or_verified(
    signer: Signer, signed: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        signer.sign({**_result(), "url": "https://a.example/\udcff"})
    assert verify({**signed, "duration_ms": 2**60}, signer.keyring).code == "invalid_document"


# --- keys ---------------------------------------------------------------------------------------


def test_replicas_with_the_same_instance_key_sign_with_the_same_key() -> None:
    first = Signer.from_settings(Settings().with_overrides(instance_key=INSTANCE_KEY))
    second = Signer.from_settings(load(env={"VERIFLIEN_INSTANCE_KEY": INSTANCE_KEY}))
    other = Signer.from_settings(Settings().with_overrides(instance_key="1e" * 32))
    assert first.key_id == second.key_id != other.key_id
    assert verify(first.sign(_result()), second.keyring).valid


def test_the_derivation_is_pinned() -> None:
    """Every operator's published key depends on it: a change here orphans every answer ever
    signed. HKDF-SHA-256, salt "veriflien instance key", info "veriflien/attestation/ed25519/v1"
    (README: Signed answers)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    seed = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"veriflien instance key",
        info=b"veriflien/attestation/ed25519/v1",
    ).derive(INSTANCE_KEY.encode())
    expected = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    derived = derive_private_key(INSTANCE_KEY.encode()).public_key()
    assert derived.public_bytes_raw() == expected.public_bytes_raw()
    assert key_id_of(derived.public_bytes_raw()) == "1fbbd7c3feecca66"


def test_the_signing_key_is_none_of_the_instance_keys_other_secrets() -> None:
    import hashlib
    import hmac

    seed = derive_private_key(INSTANCE_KEY.encode()).private_bytes_raw()
    key = INSTANCE_KEY.encode()
    others = {
        key,
        hashlib.sha256(key).digest(),
        hmac.new(key, b"veriflien-cache-key\0", hashlib.sha256).digest(),
        hmac.new(key, b"", hashlib.sha256).digest(),
    }
    assert seed not in others


def test_without_an_instance_key_the_signer_says_it_is_ephemeral() -> None:
    signer = Signer.from_settings(Settings().with_overrides())
    assert signer.ephemeral
    signed = signer.sign(_result())
    assert signed["attestation"]["ephemeral"] is True
    keys = signer.keys_document()
    assert keys["ephemeral"] is True and keys["keys"][0]["ephemeral"] is True
    assert "redémarrage" in keys["notice"]["fr"] and "restart" in keys["notice"]["en"]
    outcome = verify(signed, signer.keyring)
    assert outcome.valid and outcome.ephemeral is True
    assert "temporaire" in outcome.message("fr") and "temporary" in outcome.message("en")
    # After a restart: another random key, so the answer can no longer be verified.
    restarted = Signer.from_settings(Settings().with_overrides())
    assert verify(signed, restarted.keyring).code == "unknown_key"


def _pem_file(path: Path, key: Any, password: bytes | None = None) -> Path:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return path


def test_a_key_file_signs_instead_of_the_instance_key(tmp_path: Path) -> None:
    private = Ed25519PrivateKey.generate()
    path = _pem_file(tmp_path / "signing.pem", private)
    settings = load(env={"VERIFLIEN_SIGNING_KEY_FILE": str(path)})
    signer = Signer.from_settings(settings)
    assert not signer.ephemeral  # a file outlives the process, even without an instance key
    assert signer.key_id == key_id_of(private.public_key().public_bytes_raw())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda p: p.write_text("not a key"), "not an unencrypted PEM"),
        (lambda p: _pem_file(p, Ed25519PrivateKey.generate(), b"secret"), "unencrypted PEM"),
        (lambda p: _pem_file(p, Ed448PrivateKey.generate()), "not an Ed25519 key"),
        (lambda p: None, "cannot read"),
    ],
    ids=["garbage", "encrypted", "ed448", "missing"],
)
def test_an_unusable_key_file_stops_the_start_naming_the_setting(
    tmp_path: Path, content: Callable[[Path], Any], message: str
) -> None:
    path = tmp_path / "signing.pem"
    content(path)
    with pytest.raises(SettingsError, match="VERIFLIEN_SIGNING_KEY_FILE") as error:
        load(env={"VERIFLIEN_SIGNING_KEY_FILE": str(path)})
    assert message in str(error.value)


def test_a_retired_key_still_verifies_what_it_signed_before_its_end(tmp_path: Path) -> None:
    old_settings = Settings().with_overrides(instance_key=INSTANCE_KEY)
    old = Signer.from_settings(old_settings)
    before = old.sign(_result())
    retired = tmp_path / "retired.toml"
    # What `veriflien signing-key` prints, with valid_until moved an hour ahead.
    later = datetime.now(UTC) + timedelta(hours=1)
    entry = retired_entry_toml(old).rsplit("valid_until", 1)[0]
    retired.write_text(entry + f"valid_until = {later:%Y-%m-%dT%H:%M:%SZ}\n", encoding="utf-8")
    new_key = _pem_file(tmp_path / "new.pem", Ed25519PrivateKey.generate())
    new = Signer.from_settings(
        load(
            env={
                "VERIFLIEN_SIGNING_KEY_FILE": str(new_key),
                "VERIFLIEN_SIGNING_RETIRED_KEYS_FILE": str(retired),
            }
        )
    )
    assert new.key_id != old.key_id
    outcome = verify(before, new.keyring)
    assert outcome.valid and outcome.to_json("en")["key_status"] == "retired"
    assert "replaced" in outcome.message("en")
    keys = new.keys_document()["keys"]
    assert [k["status"] for k in keys] == ["current", "retired"]
    assert keys[1]["kid"] == old.key_id and keys[1]["valid_until"]
    # Signed after the key's end: not accepted, even with a valid signature.
    retired.write_text(entry + "valid_until = 2020-01-01T00:00:00Z\n", encoding="utf-8")
    strict = Signer.from_settings(
        load(
            env={
                "VERIFLIEN_SIGNING_KEY_FILE": str(new_key),
                "VERIFLIEN_SIGNING_RETIRED_KEYS_FILE": str(retired),
            }
        )
    )
    outcome = verify(before, strict.keyring)
    assert outcome.code == "key_not_valid"
    assert "2020-01-01T00:00:00Z" in outcome.message("fr")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[key]\n", "not TOML"),
        ('[[key]]\npublic_key = "x"\nvalid_until = 2026-01-01T00:00:00Z\n', "not a PEM"),
        ("[[key]]\nvalid_until = 2026-01-01T00:00:00Z\n", "not a PEM"),
        ("{pem}", "'valid_until'"),
        ('{pem}valid_until = 2026-01-01T00:00:00Z\nkey_id = "0000000000000000"\n', "key_id"),
        ("{pem}valid_until = 2026-01-01T00:00:00Z\ncomment = 1\n", "unknown field"),
        ("{pem}valid_until = 2026-01-01T00:00:00\n", "RFC 3339"),  # no offset
        ("[other]\na = 1\n", "only [[key]]"),
    ],
    ids=["toml", "pem", "no-key", "no-end", "wrong-id", "unknown", "local-time", "table"],
)
def test_an_unusable_retired_keys_file_stops_the_start(
    tmp_path: Path, text: str, message: str
) -> None:
    pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    path = tmp_path / "retired.toml"
    path.write_text(
        text.replace("{pem}", f'[[key]]\npublic_key = """\n{pem.decode()}"""\n'), encoding="utf-8"
    )
    with pytest.raises(SettingsError, match="VERIFLIEN_SIGNING_RETIRED_KEYS_FILE") as error:
        load(env={"VERIFLIEN_SIGNING_RETIRED_KEYS_FILE": str(path)})
    assert message in str(error.value)


def test_the_keys_document_round_trips_and_refuses_a_mislabelled_key(signer: Signer) -> None:
    document = json.loads(json.dumps(signer.keys_document()))
    ring = KeyRing.from_document(document)
    assert list(ring.keys) == [signer.key_id]
    assert verify(signer.sign(_result()), ring).valid
    entry = document["keys"][0]
    assert entry["kty"] == "OKP" and entry["crv"] == "Ed25519" and entry["use"] == "sig"
    assert entry["kid"] == key_id_of(signer.current.raw)
    mislabelled = copy.deepcopy(document)
    mislabelled["keys"][0]["x"] = PublicKey(Ed25519PrivateKey.generate().public_key()).to_json()[
        "x"
    ]
    with pytest.raises(ValueError, match="holds another key"):
        KeyRing.from_document(mislabelled)
    for broken in ({}, {"keys": []}, {"keys": [{"kty": "RSA"}]}, []):
        with pytest.raises(ValueError):
            KeyRing.from_document(broken)
