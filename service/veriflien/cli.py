"""`veriflien serve` and `veriflien check URL`.

Exit codes of `check`: 0 the check ran (whatever the verdict), 2 bad usage, 3 the check could not
run (bad settings, internal failure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import textwrap
from collections.abc import Sequence

from veriflien import __version__
from veriflien.settings import MAX_WORKERS, Settings, SettingsError, load

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3

_LABELS = {
    "fr": {
        "public": "Publique",
        "unlisted": "Non répertoriée (visible avec le lien)",
        "private": "Privée",
        "removed": "Supprimée ou inexistante",
        "incomplete": "Envoi incomplet",
        "login_required": "Connexion exigée",
        "no_video": "Aucune vidéo",
        "suspicious": "Piège probable",
        "unreachable": "Site injoignable",
        "refused": "Lien refusé",
        "invalid_url": "Adresse invalide",
        "unknown": "Indéterminé",
        "confidence": "confiance",
        "high": "élevée",
        "medium": "moyenne",
        "low": "faible",
        "verdict": "Verdict",
    },
    "en": {
        "public": "Public",
        "unlisted": "Unlisted (visible with the link)",
        "private": "Private",
        "removed": "Removed or never existed",
        "incomplete": "Incomplete upload",
        "login_required": "Login required",
        "no_video": "No video",
        "suspicious": "Probable trap",
        "unreachable": "Site unreachable",
        "refused": "Link refused",
        "invalid_url": "Invalid address",
        "unknown": "Unknown",
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
    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_add = keys_sub.add_parser(
        "add", help="create a key, print it once, append its salted hash to the keys file"
    )
    keys_add.add_argument("name", help="who the key is for (letters, digits, '.', '_', '-')")
    keys_add.add_argument("--file", help="keys file (default: the keys_file setting)")
    keys_add.add_argument("--config", metavar="FILE", help="TOML settings file")
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


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from veriflien import logs
    from veriflien.api.checks import LANGS
    from veriflien.check import CheckRequest
    from veriflien.runtime import standalone_engine

    logs.configure("error" if settings.log_level == "info" else settings.log_level)
    lang = args.lang or settings.default_lang
    country = (args.country or settings.default_country).upper()
    if lang not in LANGS or len(country) != 2 or not country.isalpha():
        print("veriflien: --country must be a two-letter code", file=sys.stderr)
        return EXIT_USAGE
    request = CheckRequest(url=args.url, lang=lang, country=country, minor=args.minor)

    async def run() -> dict:
        async with standalone_engine(settings) as engine:
            return (await engine.run(request)).to_json()

    try:
        doc = asyncio.run(run())
    except Exception as exc:
        print(f"veriflien: the check could not run ({type(exc).__name__})", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(render_text(doc, lang))
    return EXIT_OK


def render_text(doc: dict, lang: str) -> str:
    labels = _LABELS[lang]
    advice = doc.get("advice") or {}
    lines = [
        f"{labels['verdict']} : {labels[doc['verdict']]} "
        f"({labels['confidence']} {labels[doc['confidence']]})"
        if lang == "fr"
        else f"{labels['verdict']}: {labels[doc['verdict']]} "
        f"({labels['confidence']} {labels[doc['confidence']]})"
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
