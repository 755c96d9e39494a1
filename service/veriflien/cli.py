"""`veriflien serve`, `veriflien check URL` and `veriflien message FILE|-`.

Exit codes of `check` and `message`: 0 the check ran (whatever the verdict), 2 bad usage (for
`message` also: an unreadable file, an empty text or one over 20,000 characters), 3 the check
could not run (bad settings, internal failure). `selftest`: 0 every example gave its recorded
verdict, 1 one did not (a platform changed, or the example did), 2 bad usage, 3 the self-test
could not run.
`verify`: 0 the document is intact and signed by a known key, 1 it is not, 2 bad usage, 3 the
public keys could not be obtained.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from veriflien import __version__
from veriflien.settings import MAX_WORKERS, Settings, SettingsError, load

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3

# The verdicts' names come from the texts catalogue (advice/texts.toml, `label`), the one
# wording the console, the extension and the evidence sheet use too.
_LABELS = {
    "fr": {
        "confidence": "confiance",
        "high": "élevée",
        "medium": "moyenne",
        "low": "faible",
        "verdict": "Verdict",
    },
    "en": {
        "confidence": "confidence",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "verdict": "Verdict",
    },
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veriflien",
        description="Check, without opening it, a link a blackmailer claims shows a video.",
    )
    parser.add_argument("--version", action="version", version=f"veriflien {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service (API and console)")
    serve.add_argument("--host", help="listen address (default from settings: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default from settings: 8080)")
    serve.add_argument(
        "--workers",
        type=_workers_arg,
        metavar="N",
        help="worker processes sharing the listening socket, or 'auto' "
        "(default from settings: one per CPU the service may use)",
    )
    serve.add_argument("--config", metavar="FILE", help="TOML settings file")
    check = sub.add_parser("check", help="check one link and print the verdict")
    check.add_argument("url", help="the link to check (it is never opened in a browser)")
    check.add_argument("--json", action="store_true", help="print the full result document")
    check.add_argument("--lang", choices=("fr", "en"), help="language of the answer (default fr)")
    check.add_argument("--country", help="two-letter country for report routing (default FR)")
    check.add_argument("--minor", action="store_true", help="the person is under 18")
    check.add_argument("--config", metavar="FILE", help="TOML settings file")
    message = sub.add_parser(
        "message",
        help="read a whole message received (file, or - for standard input): kind of message, "
        "payment details checked, each link's verdict, what to do",
    )
    message.add_argument("file", help="a text file holding the message, or - to read stdin")
    message.add_argument("--json", action="store_true", help="print the full analysis")
    message.add_argument("--lang", choices=("fr", "en"), help="language of the answer (default fr)")
    message.add_argument("--country", help="two-letter country for report routing (default FR)")
    message.add_argument("--minor", action="store_true", help="the person is under 18")
    message.add_argument("--config", metavar="FILE", help="TOML settings file")
    selftest = sub.add_parser(
        "selftest",
        help="check every catalogue example and report, per platform, whether the verdicts "
        "still match (exit 1 when one does not)",
    )
    selftest.add_argument(
        "--platform", action="append", metavar="ID", help="only this platform (repeatable)"
    )
    selftest.add_argument("--json", action="store_true", help="print the report as JSON")
    selftest.add_argument("--config", metavar="FILE", help="TOML settings file")
    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_add = keys_sub.add_parser(
        "add", help="create a key, print it once, append its salted hash to the keys file"
    )
    keys_add.add_argument("name", help="who the key is for (letters, digits, '.', '_', '-')")
    keys_add.add_argument("--file", help="keys file (default: the keys_file setting)")
    keys_add.add_argument("--config", metavar="FILE", help="TOML settings file")
    verify = sub.add_parser(
        "verify",
        help="check that a signed result (or any signed answer) is intact and was signed by the "
        "instance's key (exit 1 when not)",
    )
    verify.add_argument("file", help="the JSON document, or - for standard input")
    verify.add_argument(
        "--keys",
        metavar="URL|FILE",
        help="the instance's public keys: https://INSTANCE/.well-known/veriflien-keys.json or a "
        "saved copy (default: the key these settings configure)",
    )
    verify.add_argument("--lang", choices=("fr", "en"), help="language of the answer (default fr)")
    verify.add_argument("--json", action="store_true", help="print the outcome as JSON")
    verify.add_argument("--config", metavar="FILE", help="TOML settings file")
    signing_key = sub.add_parser(
        "signing-key",
        help="print the key that signs answers: its id, its public key, and the entry that "
        "retires it (for signing_retired_keys_file)",
    )
    signing_key.add_argument("--config", metavar="FILE", help="TOML settings file")
    return parser


def _workers_arg(text: str) -> int:
    """`--workers`: 1 to MAX_WORKERS, or 'auto' (0, one per CPU)."""
    if text.strip().lower() == "auto":
        return 0
    try:
        count = int(text)
    except ValueError:
        count = -1
    if not 1 <= count <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes from 1 to {MAX_WORKERS}, or 'auto' (one per CPU); "
            f"got {text!r}"
        )
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        settings = load(config_file=args.config)
    except SettingsError as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "keys":
        return _keys_add(settings, args.name, args.file)
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "selftest":
        return _selftest(settings, args.platform, args.json)
    if args.command == "message":
        return _message(settings, args)
    if args.command == "verify":
        return _verify(settings, args)
    if args.command == "signing-key":
        return _signing_key(settings)
    return _check(settings, args)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from veriflien import logs

    logs.configure(settings.log_level)
    overrides = {
        name: value
        for name, value in {"host": args.host, "port": args.port, "workers": args.workers}.items()
        if value is not None
    }
    try:
        settings = settings.with_overrides(**overrides)
    except SettingsError as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not hasattr(os, "fork"):  # Windows: no pre-fork workers, one process as before
        return _serve_single(settings)

    from veriflien import workers

    count = workers.worker_count(settings)
    try:
        workers.preflight(settings)
    except (ValueError, OSError) as exc:  # a catalogue that does not load
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        sockets = workers.bind(settings.host, settings.port)
    except OSError as exc:
        print(
            f"veriflien: cannot listen on {settings.host}:{settings.port} "
            f"({exc.strerror or type(exc).__name__})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    log = logging.getLogger("veriflien")
    logs.log(
        log,
        logging.INFO,
        f"Vérif'Lien {__version__} listening",
        event="listening",
        host=settings.host,
        port=sockets[0].getsockname()[1],
        count=count,
    )
    if count > 1 and not settings.redis_url:
        public = settings.anonymous_checks == "any" and settings.rate_limit_per_client > 0
        logs.log(
            log,
            logging.WARNING if public else logging.INFO,
            "no Redis: each worker keeps its own cache and rate limits "
            "(a client may get up to one allowance per worker)",
            event="state_per_worker",
            count=count,
        )
    return workers.serve(settings, count, sockets, args.config, overrides)


def _serve_single(settings: Settings) -> int:
    from aiohttp import web

    from veriflien.app import create_app

    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None
    )
    return EXIT_OK


def _keys_add(settings: Settings, name: str, path: str | None) -> int:
    from veriflien.access import KeysFileError, add_key

    path = path or settings.keys_file
    if not path:
        print("veriflien: no keys file: set VERIFLIEN_KEYS_FILE or pass --file", file=sys.stderr)
        return EXIT_USAGE
    try:
        key = add_key(path, name)
    except (ValueError, KeysFileError) as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"veriflien: cannot write {path} ({type(exc).__name__})", file=sys.stderr)
        return EXIT_FAILED
    # The key is shown this once; only its salted hash is kept.
    print(key)
    print(f"Key {name!r} added to {path}. Store it now: it cannot be shown again.", file=sys.stderr)
    return EXIT_OK


EXIT_MISMATCH = 1


def _selftest(settings: Settings, platform_ids: list[str] | None, as_json: bool) -> int:
    from veriflien import logs, selftest
    from veriflien.platforms import Catalogue, CatalogueError
    from veriflien.runtime import standalone_engine

    logs.configure("error" if settings.log_level == "info" else settings.log_level)
    try:
        platforms = selftest.selected(Catalogue.load(settings.platforms_file or None), platform_ids)
    except (ValueError, CatalogueError) as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not platforms:
        print("veriflien: no platform has examples to check", file=sys.stderr)
        return EXIT_USAGE

    async def run() -> tuple[selftest.Report, list[str]]:
        async with standalone_engine(settings) as engine:
            report = await selftest.run(engine, platforms)
        return report, await selftest.save(settings, report)

    try:
        report, stored = asyncio.run(run())
    except Exception as exc:
        print(f"veriflien: the self-test could not run ({type(exc).__name__})", file=sys.stderr)
        return EXIT_FAILED
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for platform, ok in report.platforms().items():
            results = [r for r in report.results if r.platform == platform]
            good = sum(r.match for r in results)
            print(f"{'ok ' if ok else 'BAD'} {platform}: {good}/{len(results)} as recorded")
            for r in results:
                if not r.match:
                    print(f"      {r.url}: expected {r.expected} ({r.checked}), got {r.verdict}")
        where = ", ".join(stored) if stored else "nowhere (no writable place)"
        print(f"report kept in: {where}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_MISMATCH


def _locale(settings: Settings, args: argparse.Namespace) -> tuple[str, str] | None:
    """Quiet logs for a terminal command, and its (lang, country); None (said) when invalid."""
    from veriflien import logs
    from veriflien.api.checks import LANGS

    logs.configure("error" if settings.log_level == "info" else settings.log_level)
    lang = args.lang or settings.default_lang
    country = (args.country or settings.default_country).upper()
    if lang not in LANGS or len(country) != 2 or not country.isalpha():
        print("veriflien: --country must be a two-letter code", file=sys.stderr)
        return None
    return lang, country


def _run_and_print(
    settings: Settings,
    args: argparse.Namespace,
    run: Callable[[], Coroutine[Any, Any, dict]],
    render: Callable[[dict], str],
    what: str,
) -> int:
    """Run a terminal command's work, then print its document (signed JSON, or text)."""
    try:
        doc = asyncio.run(run())
    except Exception as exc:
        print(f"veriflien: the {what} could not run ({type(exc).__name__})", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(_signed(settings, doc), ensure_ascii=False, indent=2))
    else:
        print(render(doc))
    return EXIT_OK


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from veriflien.check import CheckRequest
    from veriflien.runtime import standalone_engine

    locale = _locale(settings, args)
    if locale is None:
        return EXIT_USAGE
    lang, country = locale
    request = CheckRequest(url=args.url, lang=lang, country=country, minor=args.minor)

    async def run() -> dict:
        async with standalone_engine(settings) as engine:
            return (await engine.run(request)).to_json()

    return _run_and_print(settings, args, run, lambda doc: render_text(doc, lang), "check")


def _signed(settings: Settings, doc: dict) -> dict:
    """The result with its attestation, as the API answers it (attestation.py)."""
    from veriflien import logs
    from veriflien.attestation import Signer

    signer = Signer.from_settings(settings)
    try:
        signed = signer.sign(doc)
    except ValueError:  # a link that is not valid Unicode: I-JSON cannot carry it
        logs.log(
            logging.getLogger("veriflien"),
            logging.ERROR,
            "the result cannot be signed (not I-JSON)",
            event="unsigned",
        )
        return doc
    if signer.ephemeral and sys.stderr.isatty():
        # For the person at the terminal; scripts read `"ephemeral": true` in the attestation
        # (stderr otherwise carries JSON log lines only).
        print(
            "veriflien: signed with a temporary key (neither VERIFLIEN_INSTANCE_KEY nor "
            "signing_key_file is set): nobody can verify this signature once this command ends",
            file=sys.stderr,
        )
    return signed


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    from veriflien import verifier
    from veriflien.attestation import Signer

    # The local key is a fallback for the operator's own machine; a random one would only ever
    # answer "unknown key", so it is not offered.
    persistent = bool(settings.signing_key_file) or not settings.instance_key_is_random
    local = Signer.from_settings(settings) if persistent else None
    lang = args.lang or settings.default_lang
    return verifier.run(args.file, args.keys, local, lang, args.json)


def _signing_key(settings: Settings) -> int:
    from veriflien.attestation import Signer, retired_entry_toml

    signer = Signer.from_settings(settings)
    if signer.ephemeral:
        print(
            "veriflien: no signing key is configured (VERIFLIEN_INSTANCE_KEY or "
            "signing_key_file): each start would draw a new random one",
            file=sys.stderr,
        )
        return EXIT_USAGE
    origin = (
        f"signing_key_file {settings.signing_key_file}"
        if settings.signing_key_file
        else "derived from VERIFLIEN_INSTANCE_KEY"
    )
    print(f"# Vérif'Lien signing key {signer.key_id} (Ed25519), {origin}.")
    print("# To retire it after a rotation, append this entry to signing_retired_keys_file;")
    print("# valid_until is now: set it to the moment the new key takes over.")
    print(retired_entry_toml(signer), end="")
    return EXIT_OK


def _verdict_word(lang: str, verdict: str) -> str:
    from veriflien.advice.catalogue import load_texts  # only when a result is printed

    return load_texts().verdict(lang, verdict)["label"]


def render_text(doc: dict, lang: str) -> str:
    labels = _LABELS[lang]
    word = _verdict_word(lang, doc["verdict"])
    advice = doc.get("advice") or {}
    lines = [
        f"{labels['verdict']} : {word} ({labels['confidence']} {labels[doc['confidence']]})"
        if lang == "fr"
        else f"{labels['verdict']}: {word} ({labels['confidence']} {labels[doc['confidence']]})"
    ]
    if advice.get("headline"):
        lines.append(advice["headline"])
    if advice.get("summary"):
        lines.extend(textwrap.wrap(advice["summary"], 78))
    for step in advice.get("steps", [])[:8]:
        lines.extend(textwrap.wrap(step, 76, initial_indent="- ", subsequent_indent="  "))
    links = [link for link in doc.get("report_links", []) if link.get("kind") != "prevention"]
    for link in links[:6]:
        where = link.get("url") or link.get("phone") or ""
        lines.append(f"  → {link.get('name')}: {where}")
    # The prevention line (3114 in France) closes every answer, whatever else was cut.
    prevention = advice.get("prevention") or {}
    if prevention.get("name"):
        where = prevention.get("phone") or prevention.get("url") or ""
        lines.append("")
        lines.extend(
            textwrap.wrap(f"{prevention['name']} — {where}. {prevention.get('text', '')}", 78)
        )
    return "\n".join(lines)


_MESSAGE_LABELS = {
    "fr": {
        "kind": "Type de message",
        "mass_scam": "arnaque envoyée en masse",
        "targeted_blackmail": "chantage ciblé",
        "unknown": "indéterminé",
        "reasons": "Indices relevés :",
        "payments": "Paiements demandés :",
        "valid": "somme de contrôle correcte",
        "invalid": "somme de contrôle FAUSSE : ne peut recevoir aucun paiement",
        "unverifiable": "invérifiable hors ligne",
        "amount": "somme demandée",
        "voucher": "coupon ou carte prépayée",
        "voucher_code": "code de coupon",
        "links": "Liens (vérifiés sans être ouverts) :",
        "more_links": "{count} autre(s) lien(s) non vérifié(s), dans les preuves (--json).",
        "contacts": "Contacts :",
        "steps": "Que faire :",
    },
    "en": {
        "kind": "Kind of message",
        "mass_scam": "mass scam",
        "targeted_blackmail": "targeted blackmail",
        "unknown": "unknown",
        "reasons": "Signs found:",
        "payments": "Payments demanded:",
        "valid": "checksum correct",
        "invalid": "checksum WRONG: cannot receive any payment",
        "unverifiable": "cannot be checked offline",
        "amount": "sum demanded",
        "voucher": "prepaid voucher or card",
        "voucher_code": "voucher code",
        "links": "Links (checked without being opened):",
        "more_links": "{count} more link(s) not checked, listed in the evidence (--json).",
        "contacts": "Contacts:",
        "steps": "What to do:",
    },
}


def _read_message(path: str) -> str:
    """The message text, or ValueError with what is wrong (bad usage, exit 2)."""
    from veriflien.messages import MAX_TEXT_CHARS

    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(MAX_TEXT_CHARS + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path} ({type(exc).__name__})") from exc
    if not text.strip():
        raise ValueError("the message is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the message is longer than {MAX_TEXT_CHARS:,} characters")
    return text


def _message(settings: Settings, args: argparse.Namespace) -> int:
    from veriflien.check import CheckRequest
    from veriflien.messages.report import analyse_message
    from veriflien.runtime import standalone_engine

    locale = _locale(settings, args)
    if locale is None:
        return EXIT_USAGE
    lang, country = locale
    try:
        text = _read_message(args.file)
    except ValueError as exc:
        print(f"veriflien: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def run() -> dict:
        async with standalone_engine(settings) as engine:

            async def check_link(url: str) -> dict:
                request = CheckRequest(url=url, lang=lang, country=country, minor=args.minor)
                doc = (await engine.run(request)).to_json()
                return _signed(settings, doc) if args.json else doc

            return await analyse_message(
                text, check_link, lang=lang, country=country, minor=args.minor
            )

    return _run_and_print(
        settings, args, run, lambda doc: render_message_text(doc, lang), "analysis"
    )


def render_message_text(doc: dict, lang: str) -> str:
    """A message analysis as a terminal reads it: kind, advice, payments, links, contacts."""
    labels, verdicts = _MESSAGE_LABELS[lang], _LABELS[lang]
    colon = " :" if lang == "fr" else ":"
    kind = doc["classification"]["kind"]
    advice = doc.get("advice") or {}
    lines = [f"{labels['kind']}{colon} {labels[kind]}", advice.get("headline", "")]
    lines.extend(textwrap.wrap(advice.get("summary", ""), 78))
    reasons = doc["classification"].get("reasons") or []
    if reasons:
        lines += ["", labels["reasons"]]
        for reason in reasons[:10]:
            lines.extend(
                textwrap.wrap(reason["text"], 76, initial_indent="- ", subsequent_indent="  ")
            )
    if doc.get("payments"):
        lines += ["", labels["payments"]]
        for item in doc["payments"]:
            if item["kind"] == "amount":
                lines.append(f"- {labels['amount']}{colon} {item['value']} {item['currency']}")
                continue
            check = {True: labels["valid"], False: labels["invalid"]}.get(
                item.get("valid"), labels["unverifiable"]
            )
            name = labels.get(item["kind"], item["kind"].capitalize())
            lines.append(f"- {name} {item['value']} — {check}")
    if doc.get("links"):
        lines += ["", labels["links"]]
        for link in doc["links"]:
            lines.append(
                f"- {link['url']} → {_verdict_word(lang, link['verdict'])} "
                f"({verdicts['confidence']} {verdicts[link['confidence']]})"
            )
        extra = doc.get("links_found", 0) - len(doc["links"])
        if extra > 0:
            lines.append(labels["more_links"].format(count=extra))
    if doc.get("contacts"):
        lines += ["", labels["contacts"]]
        for contact in doc["contacts"]:
            where = f" ({contact['platform']})" if contact.get("platform") else ""
            lines.append(f"- {contact['value']}{where}")
    lines += ["", labels["steps"]]
    for step in advice.get("steps", []):
        lines.extend(textwrap.wrap(step, 76, initial_indent="- ", subsequent_indent="  "))
    for link in (doc.get("report_links") or [])[:6]:
        where = link.get("url") or link.get("phone") or ""
        lines.append(f"  → {link.get('name')}: {where}")
    return "\n".join(lines)
