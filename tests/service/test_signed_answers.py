"""Signed answers through the API and the CLI (issue 16, item 2).

Must hold: a result verifies with `veriflien verify`; changing its verdict, one finding or its
time makes verification fail; the public key document is served. What a person would notice: a
result file that the police cannot check, a check that says "valid" for a changed file, an
answer from the cache carrying a signature over another time, a sheet printing a signature that
does not hold, or keys taken over plain http.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from openapi_check import schema_of, validate_response
from veriflien.app import create_app
from veriflien.attestation import KeyRing, key_id_of, verify
from veriflien.settings import Settings

INSTANCE_KEY = "5a" * 32
KEYS = "/.well-known/veriflien-keys.json"
VERIFY = "/api/v1/verify"
PRIVATE = "https://www.youtube.com/watch?v=prvVideo001"  # the fake YouTube's private video
OK = "https://videos.example.com/ok"


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    """The test settings with a configured instance key: signatures outlive the process."""
    return settings.with_overrides(instance_key=INSTANCE_KEY)


@pytest.fixture
async def service(aiohttp_client: Any, keyed: Settings) -> Any:
    from conftest import ApiClient

    return ApiClient(await aiohttp_client(create_app(keyed)))


async def _keyring(api: Any) -> KeyRing:
    status, doc = await api.request("GET", KEYS)
    assert status == 200
    return KeyRing.from_document(doc)


# --- every answer is signed ---------------------------------------------------------------------


async def test_a_result_is_signed_and_verifies_with_the_published_keys(service) -> None:
    result = await service.check(PRIVATE)
    assert result["verdict"] == "private"
    attestation = result["attestation"]
    assert attestation["alg"] == "Ed25519" and attestation["ephemeral"] is False
    outcome = verify(result, await _keyring(service))
    assert outcome.valid, outcome
    status, answer = await service.request("POST", VERIFY, json=result)
    assert status == 200
    assert answer["valid"] is True and answer["code"] == "valid"
    assert answer["key_id"] == attestation["key_id"] and answer["key_status"] == "current"


async def test_the_streamed_result_event_is_signed(service) -> None:
    response = await service.raw.post(
        "/api/v1/checks", json={"url": OK}, headers={"Accept": "text/event-stream"}
    )
    blocks = (await response.text()).strip().split("\n\n")
    name, data = (line.split(": ", 1)[1] for line in blocks[-1].split("\n"))
    assert name == "result"
    result = json.loads(data)
    assert verify(result, await _keyring(service)).valid


async def test_an_answer_from_the_cache_is_signed_over_its_own_time(
    service, fake_platform, monkeypatch
) -> None:
    from veriflien.api import checks

    url = PRIVATE + "&signed=1"
    first = await service.check(url)
    fetched = fake_platform.count("www.youtube.com", "/watch")
    later = datetime(2031, 5, 4, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(checks, "utc_now", lambda: later)
    second = await service.check(url)
    assert fake_platform.count("www.youtube.com", "/watch") == fetched  # answered from the cache
    assert second["checked_at"] == "2031-05-04T12:00:00Z"
    keys = await _keyring(service)
    assert verify(first, keys).valid and verify(second, keys).valid
    assert first["attestation"]["signature"] != second["attestation"]["signature"]
    # The hit's signature is over its own time, not the first caller's.
    second["checked_at"] = first["checked_at"]
    assert verify(second, keys).code == "signature_mismatch"


async def test_replicas_sharing_the_instance_key_verify_each_others_answers(
    aiohttp_client, keyed, settings
) -> None:
    from conftest import ApiClient

    first = ApiClient(await aiohttp_client(create_app(keyed)))
    second = ApiClient(await aiohttp_client(create_app(keyed)))
    stranger = ApiClient(await aiohttp_client(create_app(settings)))  # its own random key
    result = await first.check(OK)
    assert (await second.request("POST", VERIFY, json=result))[1]["valid"] is True
    status, answer = await stranger.request("POST", VERIFY, json=result)
    assert status == 200 and answer["code"] == "unknown_key" and not answer["valid"]


# --- POST /api/v1/verify --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(verdict="public"),
        lambda d: d["findings"][0].update(detail=d["findings"][0]["detail"] + "."),
        lambda d: d.update(checked_at="2020-01-01T00:00:00Z"),
        lambda d: d["advice"].update(headline="Tout va bien."),
        lambda d: d["report_links"][0].update(url="https://evil.example/"),
        lambda d: d["attestation"].update(signed_at="2020-01-01T00:00:00Z"),
    ],
    ids=["verdict", "one-finding", "checked_at", "nested-advice", "nested-link", "signed_at"],
)
async def test_a_changed_result_does_not_verify(service, change) -> None:
    result = await service.check(PRIVATE)
    change(result)
    status, answer = await service.request("POST", VERIFY, json=result)
    assert status == 200
    assert answer["valid"] is False and answer["code"] == "signature_mismatch"
    assert "modifié" in answer["message"]  # the result's language: French


async def test_key_order_and_whitespace_do_not_matter(service) -> None:
    result = await service.check(PRIVATE, lang="en")
    text = json.dumps(dict(reversed(list(result.items()))), indent=3, ensure_ascii=True)
    status, answer = await service.request(
        "POST", VERIFY, data=text.encode(), headers={"Content-Type": "application/json"}
    )
    assert status == 200 and answer["valid"] is True, answer
    assert answer["message"].startswith("Valid signature")


async def test_verify_says_why_a_document_is_not_valid(service) -> None:
    result = await service.check(OK)
    unsigned = {k: v for k, v in result.items() if k != "attestation"}
    assert (await service.request("POST", VERIFY, json=unsigned))[1]["code"] == "unsigned"
    unknown = {**result, "attestation": {**result["attestation"], "key_id": "0" * 16}}
    status, answer = await service.request("POST", VERIFY + "?lang=en", json=unknown)
    assert answer["code"] == "unknown_key" and "0000000000000000" in answer["message"]
    # One member twice: a reader of the file would see the first value, JSON parsers keep the last.
    text = json.dumps(result)
    twice = '{"verdict": "public", ' + text[1:]
    status, answer = await service.request(
        "POST", VERIFY, data=twice.encode(), headers={"Content-Type": "application/json"}
    )
    assert status == 200 and answer["code"] == "invalid_document", answer
    assert "twice" in answer["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [(b"[1]", 400, "invalid_json"), (b"{oops", 400, "invalid_json"), (b"[NaN]", 400, None)],
)
async def test_verify_bad_bodies_are_json_errors(service, body, status, code) -> None:
    got, doc = await service.request(
        "POST", VERIFY, data=body, headers={"Content-Type": "application/json"}
    )
    assert got == status
    assert code is None or doc["error"]["code"] == code


# --- the public keys document -------------------------------------------------------------------


async def test_the_public_keys_document_is_served_to_anyone(aiohttp_client, keyed) -> None:
    from conftest import ApiClient

    # Even where every /api/v1 route needs an API key, the keys are public.
    api = ApiClient(await aiohttp_client(create_app(keyed.with_overrides(anonymous_checks="none"))))
    response = await api.raw.get(KEYS)
    body = await response.text()
    doc = validate_response("GET", KEYS, response.status, response.content_type, body)
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" in response.headers["Cache-Control"]
    assert doc["ephemeral"] is False and "notice" not in doc
    (key,) = doc["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["status"]) == (
        "OKP",
        "Ed25519",
        "Ed25519",
        "current",
    )
    from base64 import urlsafe_b64decode

    assert key["kid"] == key_id_of(urlsafe_b64decode(key["x"] + "="))
    assert key["pem"].startswith("-----BEGIN PUBLIC KEY-----")


async def test_an_instance_without_a_key_says_its_signatures_are_temporary(api) -> None:
    status, keys = await api.request("GET", KEYS)
    assert keys["ephemeral"] is True and keys["keys"][0]["ephemeral"] is True
    assert "redémarrage" in keys["notice"]["fr"] and "restart" in keys["notice"]["en"]
    result = await api.check(OK)
    assert result["attestation"]["ephemeral"] is True
    status, answer = await api.request("POST", VERIFY + "?lang=en", json=result)
    assert status == 200
    assert answer["valid"] is True and answer["ephemeral"] is True
    assert "nobody will be able to verify" in answer["message"]


# --- the evidence sheet -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_the_sheet_prints_the_signature_and_how_to_verify_it(service, lang: str) -> None:
    result = await service.check(PRIVATE, lang=lang)
    status, page = await service.request("POST", "/api/v1/sheet", json=result)
    assert status == 200
    attestation = result["attestation"]
    assert attestation["key_id"] in page and attestation["signature"] in page
    # Both languages, whatever the sheet's: the reader may not be the one who printed it.
    assert "Comment vérifier cette signature" in page and "How to verify this signature" in page
    assert (page.index("Comment vérifier") < page.index("How to verify")) == (lang == "fr")
    assert "veriflien verify" in page
    assert f"http://{service.raw.host}:{service.raw.port}{KEYS}" in page
    assert "ne prouve pas" in page or "does not prove" in page


async def test_the_sheet_refuses_a_changed_result_and_says_when_one_is_unsigned(service) -> None:
    result = await service.check(PRIVATE)
    changed = {**result, "verdict": "public"}
    status, error = await service.request("POST", "/api/v1/sheet", json=changed)
    assert status == 400 and error["error"]["code"] == "invalid_attestation"
    unsigned = {k: v for k, v in result.items() if k != "attestation"}
    status, page = await service.request("POST", "/api/v1/sheet", json=unsigned)
    assert status == 200
    assert "ne porte pas la signature du service" in page
    assert "veriflien verify" not in page  # nothing to verify: no instructions that would fail


# --- the command line ---------------------------------------------------------------------------


def veriflien(env: dict[str, str], *args: str, stdin: str | None = None, **extra: str) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "veriflien", *args],
        env={**env, **extra},
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@contextmanager
def live(app: web.Application, ssl_context: ssl.SSLContext | None = None) -> Iterator[str]:
    """The application on 127.0.0.1:<free port>, served from its own thread."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    port = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def signed_file(cli_env, tmp_path: Path) -> Path:
    """`veriflien check --json` output, as a counsellor saves it."""
    proc = veriflien(cli_env, "check", "--json", OK, VERIFLIEN_INSTANCE_KEY=INSTANCE_KEY)
    assert proc.returncode == 0, proc.stderr
    assert "temporary key" not in proc.stderr
    path = tmp_path / "resultat.json"
    path.write_text(proc.stdout, encoding="utf-8")
    return path


def test_check_json_verifies_with_the_instance_keys_over_http(cli_env, keyed, signed_file) -> None:
    with live(create_app(keyed)) as origin:
        proc = veriflien(cli_env, "verify", str(signed_file), "--keys", origin + KEYS)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert proc.stdout.startswith("OK — Signature valide")
    assert origin + KEYS in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(verdict="private"), "modifié"),
        (lambda d: d["findings"][0].update(code="something_else"), "modifié"),
        (lambda d: d.update(checked_at="2020-01-01T00:00:00Z"), "modifié"),
        (lambda d: d.pop("attestation"), "pas de signature"),
        (lambda d: d["attestation"].update(key_id="f" * 16), "ffffffffffffffff"),
    ],
    ids=["verdict", "one-finding", "checked_at", "no-attestation", "unknown-key"],
)
def test_verify_exits_1_for_a_changed_or_unsigned_file(
    cli_env, keyed, signed_file, tmp_path, change, words
) -> None:
    keys = tmp_path / "keys.json"
    from veriflien.attestation import Signer

    keys.write_text(json.dumps(Signer.from_settings(keyed).keys_document()), encoding="utf-8")
    doc = json.loads(signed_file.read_text(encoding="utf-8"))
    change(doc)
    proc = veriflien(cli_env, "verify", "-", "--keys", str(keys), stdin=json.dumps(doc, indent=2))
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert proc.stdout.startswith("ÉCHEC — ")
    assert words in proc.stdout


def test_verify_json_output_and_a_damaged_file(cli_env, keyed, signed_file, tmp_path) -> None:
    keys = tmp_path / "keys.json"
    from veriflien.attestation import Signer

    keys.write_text(json.dumps(Signer.from_settings(keyed).keys_document()), encoding="utf-8")
    proc = veriflien(cli_env, "verify", str(signed_file), "--keys", str(keys), "--json")
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout)
    assert not list(
        schema_of("Verification").iter_errors({k: v for k, v in outcome.items() if k != "keys"})
    )
    assert outcome["valid"] is True and outcome["keys"] == str(keys)
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(signed_file.read_bytes()[:-20])
    proc = veriflien(cli_env, "verify", str(damaged), "--keys", str(keys), "--lang", "en")
    assert proc.returncode == 1
    assert "not a readable JSON document" in proc.stdout


def test_verify_without_keys_uses_the_local_key_or_asks_for_one(cli_env, signed_file) -> None:
    mine = veriflien(cli_env, "verify", str(signed_file), VERIFLIEN_INSTANCE_KEY=INSTANCE_KEY)
    assert mine.returncode == 0, mine.stderr
    assert "this machine's settings" in mine.stdout
    nothing = veriflien(cli_env, "verify", str(signed_file))
    assert nothing.returncode == 2
    assert "--keys" in nothing.stderr and nothing.stdout == ""


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (["verify", "{file}", "--keys", "http://keys.example.org/k.json"], 2, "https://"),
        (["verify", "/nonexistent/result.json", "--keys", "k.json"], 2, "cannot read"),
        (["verify", "{file}", "--keys", "/nonexistent/keys.json"], 2, "cannot read"),
        (["verify", "{file}", "--keys", "{file}"], 3, "not a usable public keys document"),
        (["verify", "{file}", "--keys", "https://127.0.0.1:9/k.json"], 3, "cannot fetch"),
    ],
    ids=["plain-http", "no-file", "no-keys-file", "not-keys", "unreachable"],
)
def test_verify_usage_and_unavailable_keys(cli_env, signed_file, args, status, words) -> None:
    proc = veriflien(cli_env, *(a.replace("{file}", str(signed_file)) for a in args))
    assert proc.returncode == status, (proc.stdout, proc.stderr)
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr


def test_keys_are_taken_over_tls_only_from_a_certificate_the_system_trusts(
    cli_env, keyed, signed_file, tmp_path
) -> None:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with live(create_app(keyed), ssl_context=server) as origin:
        untrusted = veriflien(cli_env, "verify", str(signed_file), "--keys", origin + KEYS)
        # The system's store is what decides: OpenSSL reads SSL_CERT_FILE as part of it.
        trusted = veriflien(
            cli_env, "verify", str(signed_file), "--keys", origin + KEYS, SSL_CERT_FILE=str(ca_file)
        )
    assert untrusted.returncode == 3, (untrusted.stdout, untrusted.stderr)
    assert "certificate could not be verified" in untrusted.stderr
    assert trusted.returncode == 0, (trusted.stdout, trusted.stderr)


def test_a_redirect_of_the_keys_to_plain_http_is_refused(cli_env, signed_file) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://keys.example.org/veriflien-keys.json")

    app = web.Application()
    app.router.add_get(KEYS, moved)
    with live(app) as origin:
        proc = veriflien(cli_env, "verify", str(signed_file), "--keys", origin + KEYS)
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert "refused a redirect" in proc.stderr


def test_signing_key_prints_the_entry_that_retires_it(cli_env, tmp_path) -> None:
    proc = veriflien(cli_env, "signing-key", VERIFLIEN_INSTANCE_KEY=INSTANCE_KEY)
    assert proc.returncode == 0, proc.stderr
    retired = tmp_path / "retired.toml"
    retired.write_text(proc.stdout, encoding="utf-8")
    from veriflien.attestation import Signer
    from veriflien.settings import load

    old = Signer.from_settings(load(env={"VERIFLIEN_INSTANCE_KEY": INSTANCE_KEY}))
    rotated = Signer.from_settings(
        load(
            env={
                "VERIFLIEN_INSTANCE_KEY": "77" * 32,
                "VERIFLIEN_SIGNING_RETIRED_KEYS_FILE": str(retired),
            }
        )
    )
    assert [k["kid"] for k in rotated.keys_document()["keys"]] == [rotated.key_id, old.key_id]
    without = veriflien(cli_env, "signing-key")
    assert without.returncode == 2 and "no signing key is configured" in without.stderr
