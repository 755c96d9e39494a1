"""A printable evidence sheet built from one check result.

Victims and counsellors bring this page to the police or a helpline: it records what the service
saw (when, which addresses, which server, which HTML documents and their SHA-256) so the check can
be cited later, plus a checklist of the evidence only the victim holds. It is a self-contained
HTML page: inline CSS, no script, no external resource, no image or video of any kind, and every
value from the result is escaped, because the URLs and page details come from the blackmailer.
The checked link is printed as text, never as a clickable link, so nobody opens it by accident.

Given the analysis of a whole message (POST /api/v1/messages) instead, the sheet lists what a
complaint needs from it: the kind of message and the signs found, every payment detail with the
result of its checksum (a look-alike address is marked as unable to receive anything), the sums,
contacts, links, dates and deadlines, and the verdict of each link checked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from veriflien.advice import format_duration
from veriflien.advice.catalogue import LANGS, load_texts
from veriflien.advice.findings import load_finding_codes
from veriflien.result import Confidence, Verdict

__all__ = [
    "is_message_analysis",
    "render_message_sheet",
    "render_sheet",
    "validate_message_for_sheet",
    "validate_result_for_sheet",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")

_LABELS: Mapping[str, Mapping[str, str]] = {
    "fr": {
        "title": "Fiche de vérification d'un lien – Vérif'Lien",
        "intro": (
            "Cette fiche résume une vérification faite par le serveur Vérif'Lien, anonymement et "
            "sans compte. Elle ne contient aucune image ni vidéo : seules des adresses, des codes "
            "de réponse et des empreintes SHA-256 des pages HTML lues."
        ),
        "check": "Vérification",
        "checked_at": "Date et heure de la vérification (UTC)",
        "verdict": "Résultat",
        "confidence": "Niveau de confiance",
        "platform": "Plateforme",
        "unknown_platform": "non identifiée",
        "media": "Fichier vidéo (données techniques seulement)",
        "media_line": "format {container} ; complet : {complete} ; durée annoncée : {duration} ; "
        "durée lisible : {playable} ; octets lus : {bytes_read}",
        "version": "Version du service",
        "addresses": "Adresses",
        "url": "Lien tel que reçu",
        "redirects": "Redirections suivies",
        "no_redirects": "Aucune redirection.",
        "final_url": "Adresse finale",
        "server_address": "Adresse IP du serveur joint",
        "none": "non disponible",
        "hop": "n°",
        "address": "Adresse",
        "status": "Code HTTP",
        "via": "Type",
        "findings": "Constats",
        "no_findings": "Aucun constat enregistré.",
        "probe": "Sonde",
        "code": "Code",
        "finding": "Constat",
        "detail": "Détail technique (en anglais)",
        "documents": "Documents HTML lus et leur empreinte SHA-256",
        "no_documents": "Aucun document enregistré.",
        "content_type": "Type",
        "server": "Serveur",
        "checklist": "Preuves à joindre (à compléter par vous)",
        "checklist_intro": (
            "Ces éléments, vous seul·e les avez. Joignez-les à cette fiche pour votre plainte ou "
            "votre signalement. Ne supprimez pas la conversation."
        ),
        "item_threats": "Captures d'écran de chaque menace, avec la date et l'heure visibles",
        "item_profiles": (
            "Pseudos et liens des profils du maître-chanteur, sur chaque application utilisée"
        ),
        "item_payment": (
            "Demandes de paiement : montants, IBAN, adresse de portefeuille crypto, "
            "moyen de paiement demandé"
        ),
        "item_dates": "Dates et heures des échanges : premier contact, menaces, délais imposés",
        "item_links": "Autres liens envoyés par le maître-chanteur (copiés, sans les ouvrir)",
        "yes": "oui",
        "no": "non",
        "unknown": "inconnu",
        "footer": "Généré par Vérif'Lien {version}. Les heures sont en temps universel (UTC).",
        "signature": "Signature électronique du service",
        "sig_key_id": "Identifiant de la clé",
        "sig_alg": "Méthode",
        "sig_alg_value": "Ed25519 sur la forme canonique RFC 8785 (JCS) du résultat",
        "sig_signed_at": "Signé le (UTC)",
        "sig_value": "Signature",
        "sig_keys": "Clés publiques de l'instance",
        "sig_proves": (
            "Cette signature prouve que le serveur Vérif'Lien qui détient cette clé a produit ce "
            "résultat à la date indiquée, et que rien n'y a été changé depuis. Elle ne prouve pas "
            "que la vidéo est encore dans cet état aujourd'hui : une nouvelle vérification peut "
            "donner un autre résultat."
        ),
        "sig_ephemeral": (
            "Attention : ce serveur signe avec une clé temporaire (aucune clé permanente n'est "
            "réglée). Après son redémarrage, plus personne ne pourra vérifier cette signature."
        ),
        "unsigned": (
            "Ce résultat ne porte pas la signature du service : rien ne prouve qu'il n'a pas été "
            "modifié. Pour un résultat signé, vérifiez le lien à nouveau avec une version à jour "
            "de Vérif'Lien, puis imprimez cette fiche depuis ce nouveau résultat."
        ),
        "how_title": "Comment vérifier cette signature",
        "how_file_name": "resultat.json",
        "how_file": (
            "Gardez le fichier JSON du résultat (bouton « Télécharger le résultat (JSON) » de "
            "la console) : c'est lui qui est signé ; cette page en est la version imprimée."
        ),
        "how_cli": (
            "Avec l'outil en ligne de commande de Vérif'Lien (paquet Python veriflien), tapez : "
            "{command} — il répond « Signature valide » si rien n'a changé, sinon il dit "
            "pourquoi."
        ),
        "how_api": "Ou envoyez le fichier JSON à l'adresse {verify_url} (requête POST).",
        "how_compare": (
            "Vérifiez que l'identifiant de clé imprimé ici figure dans {keys_url}, et que la "
            "signature imprimée est celle du fichier (champ attestation.signature)."
        ),
    },
    "en": {
        "title": "Link check record – Vérif'Lien",
        "intro": (
            "This record sums up a check made by the Vérif'Lien server, anonymously and without an "
            "account. It contains no image or video: only addresses, response codes and SHA-256 "
            "fingerprints of the HTML pages read."
        ),
        "check": "Check",
        "checked_at": "Date and time of the check (UTC)",
        "verdict": "Result",
        "confidence": "Confidence",
        "platform": "Platform",
        "unknown_platform": "not identified",
        "media": "Video file (technical data only)",
        "media_line": "format {container}; complete: {complete}; announced length: {duration}; "
        "playable length: {playable}; bytes read: {bytes_read}",
        "version": "Service version",
        "addresses": "Addresses",
        "url": "Link as received",
        "redirects": "Redirects followed",
        "no_redirects": "No redirect.",
        "final_url": "Final address",
        "server_address": "IP address of the server reached",
        "none": "not available",
        "hop": "#",
        "address": "Address",
        "status": "HTTP status",
        "via": "Type",
        "findings": "Findings",
        "no_findings": "No finding recorded.",
        "probe": "Probe",
        "code": "Code",
        "finding": "Finding",
        "detail": "Technical detail",
        "documents": "HTML documents read and their SHA-256 fingerprint",
        "no_documents": "No document recorded.",
        "content_type": "Type",
        "server": "Server",
        "checklist": "Evidence to add (for you to fill in)",
        "checklist_intro": (
            "Only you hold these. Attach them to this record for your complaint or report. "
            "Do not delete the conversation."
        ),
        "item_threats": "Screenshots of every threat, with the date and time visible",
        "item_profiles": "The blackmailer's usernames and profile links, on every app they used",
        "item_payment": (
            "Payment demands: amounts, IBAN, crypto wallet address, payment method asked for"
        ),
        "item_dates": "Dates and times of the exchanges: first contact, threats, deadlines given",
        "item_links": "Other links the blackmailer sent (copied, not opened)",
        "yes": "yes",
        "no": "no",
        "unknown": "unknown",
        "footer": "Generated by Vérif'Lien {version}. Times are in Coordinated Universal Time "
        "(UTC).",
        "signature": "The service's electronic signature",
        "sig_key_id": "Key identifier",
        "sig_alg": "Method",
        "sig_alg_value": "Ed25519 over the result's RFC 8785 (JCS) canonical form",
        "sig_signed_at": "Signed on (UTC)",
        "sig_value": "Signature",
        "sig_keys": "The instance's public keys",
        "sig_proves": (
            "This signature proves that the Vérif'Lien server holding this key produced this "
            "result at the time shown, and that nothing in it has changed since. It does not "
            "prove that the video is still in that state today: a new check may find otherwise."
        ),
        "sig_ephemeral": (
            "Beware: this server signs with a temporary key (no permanent key is configured). "
            "After it restarts, nobody will be able to verify this signature."
        ),
        "unsigned": (
            "This result does not carry the service's signature: nothing proves it was not "
            "changed. For a signed result, check the link again with an up-to-date Vérif'Lien, "
            "then print this record from that new result."
        ),
        "how_title": "How to verify this signature",
        "how_file_name": "result.json",
        "how_file": (
            "Keep the result's JSON file (the console's \"Download the result (JSON)\" button): "
            "that file is what is signed; this page is its printed form."
        ),
        "how_cli": (
            "With Vérif'Lien's command-line tool (Python package veriflien), run: {command} — it "
            'answers "Valid signature" when nothing changed, and otherwise says why.'
        ),
        "how_api": "Or send the JSON file to {verify_url} (a POST request).",
        "how_compare": (
            "Check that the key identifier printed here is listed in {keys_url}, and that the "
            "printed signature is the file's (field attestation.signature)."
        ),
    },
}

_CONFIDENCE = {
    "fr": {"high": "élevé", "medium": "moyen", "low": "faible"},
    "en": {"high": "high", "medium": "medium", "low": "low"},
}

_CSS = """
*{box-sizing:border-box}
body{font:11pt/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;
background:#fff;margin:0}
main{max-width:52rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.45rem;margin:0 0 .5rem}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #999;padding-bottom:.2rem}
p.intro{color:#333}
dl{display:grid;grid-template-columns:minmax(10rem,16rem) 1fr;gap:.3rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Consolas,monospace;font-size:.9em;
overflow-wrap:anywhere;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
ul.checklist{list-style:none;padding:0}
ul.checklist li{margin:.6rem 0}
.box{font-size:1.3em;line-height:1;margin-right:.4rem}
.lines{display:block;height:2.6rem;border-bottom:1px dotted #777;margin-top:.2rem}
footer{margin-top:2rem;font-size:.85em;color:#444}
@media print{
@page{margin:15mm}
main{max-width:none;padding:0}
th{background:none}
tr,li,dl{break-inside:avoid}
h2{break-after:avoid}
}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    try:
        # The sheet states the time in UTC: "9999-12-31T23:59:59-23:59" is a valid ISO 8601 text
        # whose UTC time is past year 9999, which Python cannot represent (OverflowError).
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


def validate_result_for_sheet(doc: Any) -> list[str]:
    """Return one plain sentence per missing or invalid field; an empty list means printable."""
    if not isinstance(doc, Mapping):
        return ["The result must be a JSON object."]
    errors: list[str] = []
    if not _is_str(doc.get("url")):
        errors.append("Field 'url' is missing or empty: the sheet must show the link as received.")
    if doc.get("verdict") not in {v.value for v in Verdict}:
        errors.append(f"Field 'verdict' must be one of: {', '.join(v.value for v in Verdict)}.")
    if doc.get("confidence") not in {c.value for c in Confidence}:
        errors.append(
            f"Field 'confidence' must be one of: {', '.join(c.value for c in Confidence)}."
        )
    if _parse_time(doc.get("checked_at")) is None:
        errors.append(
            "Field 'checked_at' must be an ISO 8601 date and time with a time zone, between "
            "the years 1 and 9999 in UTC (for example 2026-11-21T05:30:00+00:00)."
        )
    if not _is_str(doc.get("version")):
        errors.append("Field 'version' is missing or empty.")
    for key in ("final_url", "server_address"):
        if doc.get(key) is not None and not isinstance(doc.get(key), str):
            errors.append(f"Field '{key}' must be text or null.")
    platform = doc.get("platform")
    if platform is not None and not (
        isinstance(platform, Mapping) and _is_str(platform.get("name"))
    ):
        errors.append("Field 'platform' must be null or an object with a 'name'.")
    media = doc.get("media")
    if media is not None and not isinstance(media, Mapping):
        errors.append("Field 'media' must be null or an object.")
    errors += _list_errors(doc, "redirects", {"url": _is_str, "status": _is_int})
    errors += _list_errors(doc, "findings", {"probe": _is_str, "code": _is_str, "detail": _is_str})
    errors += _list_errors(
        doc,
        "documents",
        {
            "url": _is_str,
            "status": _is_int,
            "sha256": lambda v: v is None or (isinstance(v, str) and bool(_SHA256.match(v))),
        },
    )
    return errors


def _list_errors(doc: Mapping[str, Any], key: str, checks: Mapping[str, Any]) -> list[str]:
    items = doc.get(key, [])
    if items is None:
        items = []
    if not isinstance(items, list):
        return [f"Field '{key}' must be a list."]
    errors = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            errors.append(f"Item {index} of '{key}' must be an object.")
            continue
        for field_name, ok in checks.items():
            if not ok(item.get(field_name)):
                hint = " (64 lower-case hex digits or null)" if field_name == "sha256" else ""
                errors.append(
                    f"Item {index} of '{key}' has a missing or invalid '{field_name}'{hint}."
                )
    return errors


def _fmt_seconds(value: Any, lang: str, unknown: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return format_duration(float(value), lang)
    return unknown


def render_sheet(
    result: Mapping[str, Any],
    *,
    lang: str = "fr",
    verified: bool = False,
    instance: str = "http://127.0.0.1:8080",
) -> str:
    """Return the complete printable HTML page for one result (CheckResult.to_json()).

    `verified`: the caller checked the result's `attestation` against the instance's keys; only
    then is the signature printed, with how to verify it in French and English (`instance`, the
    service's origin, tells where). Otherwise the sheet says the result is not signed.

    Raises ValueError for an unsupported language or a result that validate_result_for_sheet
    rejects (the message lists the problems).
    """
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    errors = validate_result_for_sheet(result)
    if errors:
        raise ValueError("result cannot be printed: " + " ".join(errors))
    t = _LABELS[lang]
    none = f'<span class="none">{_e(t["none"])}</span>'
    checked = _parse_time(result["checked_at"]).astimezone(UTC)  # type: ignore[union-attr]
    verdict = result["verdict"]
    words = load_texts().verdict(lang, verdict)
    headline = f"{words['label']} — {words['headline']}"
    platform = result.get("platform") or None

    def text_or_none(value: Any) -> str:
        return f"<code>{_e(value)}</code>" if value else none

    rows = [
        (
            t["checked_at"],
            f"{_e(checked.strftime('%Y-%m-%d %H:%M:%S'))} UTC "
            f"(<code>{_e(result['checked_at'])}</code>)",
        ),
        (t["verdict"], f"<strong>{_e(headline)}</strong> (<code>{_e(verdict)}</code>)"),
        (t["confidence"], _e(_CONFIDENCE[lang][result["confidence"]])),
        (t["platform"], _e(platform["name"]) if platform else _e(t["unknown_platform"])),
    ]
    media = result.get("media")
    if isinstance(media, Mapping):
        complete = {True: t["yes"], False: t["no"]}.get(media.get("complete"), t["unknown"])
        line = t["media_line"].format(
            container=media.get("container") or t["unknown"],
            complete=complete,
            duration=_fmt_seconds(media.get("duration_seconds"), lang, t["unknown"]),
            playable=_fmt_seconds(media.get("playable_seconds"), lang, t["unknown"]),
            bytes_read=media.get("bytes_read", t["unknown"]),
        )
        rows.append((t["media"], _e(line)))
    rows.append((t["version"], f"<code>{_e(result['version'])}</code>"))

    address_rows = [
        (t["url"], f"<code>{_e(result['url'])}</code>"),
        (t["final_url"], text_or_none(result.get("final_url"))),
        (t["server_address"], text_or_none(result.get("server_address"))),
    ]

    redirects_html = _table_or(
        (t["hop"], t["address"], t["status"], t["via"]),
        [
            f"<tr><td>{i}</td><td><code>{_e(r['url'])}</code></td><td>{_e(r['status'])}</td>"
            f"<td>{_e(r.get('via', 'http'))}</td></tr>"
            for i, r in enumerate(result.get("redirects") or [], start=1)
        ],
        f"<p>{_e(t['no_redirects'])}</p>",
    )

    # The sheet's own language, from the finding catalogue (the document may be in another
    # language, or older than the labels); the technical detail is printed as recorded.
    codes = load_finding_codes()
    findings_html = _table_or(
        (t["probe"], t["code"], t["finding"], t["detail"]),
        [
            f"<tr><td>{_e(f['probe'])}</td><td><code>{_e(f['code'])}</code></td>"
            f"<td>{_e(codes.words(f['code'], lang)[0])}</td><td>{_e(f['detail'])}</td></tr>"
            for f in result.get("findings") or []
        ],
        f"<p>{_e(t['no_findings'])}</p>",
    )
    documents_html = _table_or(
        (t["address"], t["status"], t["content_type"], "SHA-256", t["server"]),
        [
            f"<tr><td><code>{_e(d['url'])}</code></td><td>{_e(d['status'])}</td>"
            f"<td>{_e(d.get('content_type') or '')}</td>"
            f"<td>{text_or_none(d.get('sha256'))}</td>"
            f"<td>{text_or_none(d.get('server_address'))}</td></tr>"
            for d in result.get("documents") or []
        ],
        f"<p>{_e(t['no_documents'])}</p>",
    )

    return _document(
        lang,
        t,
        [
            f"<section>\n<h2>{_e(t['check'])}</h2>\n{_dl(rows)}</section>\n",
            f"<section>\n<h2>{_e(t['addresses'])}</h2>\n{_dl(address_rows)}",
            f"<h3>{_e(t['redirects'])}</h3>\n{redirects_html}</section>\n",
            f"<section>\n<h2>{_e(t['findings'])}</h2>\n{findings_html}</section>\n",
            f"<section>\n<h2>{_e(t['documents'])}</h2>\n{documents_html}</section>\n",
            _checklist(t),
            _signature_section(result, lang, verified, instance),
        ],
        t["footer"].format(version=result["version"]),
    )


def _checklist(labels: Mapping[str, str]) -> str:
    """The section a counsellor fills in by hand: what to keep as evidence, with room to write."""
    items = ("item_threats", "item_profiles", "item_payment", "item_dates", "item_links")
    boxes = "".join(
        f'<li><span class="box" aria-hidden="true">\u2610</span>{_e(labels[key])}'
        '<span class="lines"></span></li>'
        for key in items
    )
    return (
        f"<section>\n<h2>{_e(labels['checklist'])}</h2>\n<p>{_e(labels['checklist_intro'])}</p>\n"
        f'<ul class="checklist">{boxes}</ul>\n</section>\n'
    )


def _document(lang: str, t: Mapping[str, str], sections: list[str], footer: str) -> str:
    """A whole sheet: self-contained HTML that loads nothing, around its sections."""
    return "".join(
        [
            "<!DOCTYPE html>\n",
            f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            # Belt and braces: even a browser that mis-parsed something may load nothing external.
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
            '<meta name="referrer" content="no-referrer">\n',
            f"<title>{_e(t['title'])}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n",
            f'<h1>{_e(t["title"])}</h1>\n<p class="intro">{_e(t["intro"])}</p>\n',
            *sections,
            f"<footer>{_e(footer)}</footer>\n",
            "</main>\n</body>\n</html>\n",
        ]
    )


def _dl(rows: list[tuple[str, str]]) -> str:
    """rows: (label, already-escaped HTML)."""
    return "<dl>\n" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>\n" for k, v in rows) + "</dl>\n"


def _table(headers: tuple[str, ...], body: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>\n"


def _table_or(headers: tuple[str, ...], rows: list[str], empty: str, after: str = "") -> str:
    """A table of `rows` (each a `<tr>`) followed by `after`, or `empty` when there is none."""
    return _table(headers, "".join(rows)) + after if rows else empty


# ------------------------------------------------------------------------ message analyses

_MESSAGE_LABELS: Mapping[str, Mapping[str, str]] = {
    "fr": {
        "title": "Fiche de preuves d'un message – Vérif'Lien",
        "intro": (
            "Cette fiche résume l'analyse d'un message de chantage par le service Vérif'Lien. "
            "Le texte du message n'a été ni conservé ni transmis à qui que ce soit : seuls les "
            "éléments qui en ont été extraits figurent ici. Les liens ont été vérifiés par le "
            "serveur, sans être ouverts dans un navigateur."
        ),
        "analysis": "Analyse",
        "analysed_at": "Date et heure de l'analyse (UTC)",
        "kind": "Type de message",
        "reasons": "Indices relevés",
        "no_reasons": "Aucun indice particulier.",
        "evidence": "Éléments à joindre à la plainte",
        "no_evidence": "Aucun élément extrait (ni paiement, ni contact, ni lien, ni date).",
        "type": "Type",
        "value": "Valeur",
        "check": "Vérification",
        "detail": "Précision",
        "links": "Liens du message, vérifiés sans être ouverts",
        "no_links": "Le message ne contient aucun lien.",
        "link": "Lien tel que reçu",
        "result": "Résultat",
        "checked_at": "Vérifié le (UTC)",
        "final_url": "Adresse finale",
        "server": "Serveur joint",
        "links_note": (
            "Le détail technique de chaque lien (redirections, constats, empreintes SHA-256) "
            "peut être imprimé sur sa propre fiche."
        ),
        "valid": "somme de contrôle correcte",
        "invalid": "somme de contrôle FAUSSE : cette adresse ne peut recevoir aucun paiement",
        "unverifiable": "invérifiable hors ligne (seul l'émetteur peut dire si un code est valide)",
        "none": "non disponible",
        "version": "Version du service",
    },
    "en": {
        "title": "Message evidence record – Vérif'Lien",
        "intro": (
            "This record sums up the analysis of a blackmail message by the Vérif'Lien service. "
            "The text of the message was neither kept nor passed on to anyone: only what was "
            "extracted from it appears here. The links were checked by the server, without "
            "being opened in a browser."
        ),
        "analysis": "Analysis",
        "analysed_at": "Date and time of the analysis (UTC)",
        "kind": "Kind of message",
        "reasons": "Signs found",
        "no_reasons": "No particular sign.",
        "evidence": "Items to attach to the complaint",
        "no_evidence": "Nothing was extracted (no payment detail, contact, link or date).",
        "type": "Type",
        "value": "Value",
        "check": "Check",
        "detail": "Detail",
        "links": "Links in the message, checked without being opened",
        "no_links": "The message contains no link.",
        "link": "Link as received",
        "result": "Result",
        "checked_at": "Checked at (UTC)",
        "final_url": "Final address",
        "server": "Server reached",
        "links_note": (
            "The technical detail of each link (redirects, findings, SHA-256 fingerprints) can "
            "be printed on its own record."
        ),
        "valid": "checksum correct",
        "invalid": "checksum WRONG: this address cannot receive any payment",
        "unverifiable": "cannot be checked offline (only the issuer can tell whether a code is "
        "valid)",
        "none": "not available",
        "version": "Service version",
    },
}

_EVIDENCE_KINDS: Mapping[str, Mapping[str, str]] = {
    "fr": {
        "bitcoin": "Adresse Bitcoin",
        "ethereum": "Adresse Ethereum",
        "litecoin": "Adresse Litecoin",
        "dogecoin": "Adresse Dogecoin",
        "tron": "Adresse Tron",
        "monero": "Adresse Monero",
        "iban": "IBAN",
        "voucher": "Coupon ou carte prépayée demandé",
        "voucher_code": "Code de coupon",
        "amount": "Somme demandée",
        "email": "Adresse e-mail",
        "phone": "Numéro de téléphone",
        "handle": "Pseudo",
        "link": "Lien",
        "date": "Date",
        "deadline": "Délai imposé",
    },
    "en": {
        "bitcoin": "Bitcoin address",
        "ethereum": "Ethereum address",
        "litecoin": "Litecoin address",
        "dogecoin": "Dogecoin address",
        "tron": "Tron address",
        "monero": "Monero address",
        "iban": "IBAN",
        "voucher": "Prepaid voucher or card asked for",
        "voucher_code": "Voucher code",
        "amount": "Sum demanded",
        "email": "E-mail address",
        "phone": "Phone number",
        "handle": "Username",
        "link": "Link",
        "date": "Date",
        "deadline": "Deadline given",
    },
}
_MESSAGE_KINDS = ("mass_scam", "targeted_blackmail", "unknown")
_CHECKED_KINDS = frozenset(
    {"bitcoin", "ethereum", "litecoin", "dogecoin", "tron", "monero", "iban"}
)


def is_message_analysis(doc: Any) -> bool:
    """Whether a document sent to the sheet is a message analysis rather than a check result."""
    return isinstance(doc, Mapping) and "classification" in doc and "verdict" not in doc


def validate_message_for_sheet(doc: Any) -> list[str]:
    """One plain sentence per missing or invalid field of a message analysis; empty: printable."""
    if not isinstance(doc, Mapping):
        return ["The analysis must be a JSON object."]
    errors: list[str] = []
    classification = doc.get("classification")
    if not isinstance(classification, Mapping) or classification.get("kind") not in _MESSAGE_KINDS:
        errors.append(f"Field 'classification.kind' must be one of: {', '.join(_MESSAGE_KINDS)}.")
    elif not isinstance(classification.get("reasons", []), list) or not all(
        isinstance(r, Mapping) and _is_str(r.get("text")) for r in classification.get("reasons", [])
    ):
        errors.append("Field 'classification.reasons' must be a list of objects with a 'text'.")
    if _parse_time(doc.get("analysed_at")) is None:
        errors.append(
            "Field 'analysed_at' must be an ISO 8601 date and time with a time zone "
            "(for example 2026-11-21T05:30:00+00:00)."
        )
    if not _is_str(doc.get("version")):
        errors.append("Field 'version' is missing or empty.")
    evidence = doc.get("evidence", [])
    if not isinstance(evidence, list):
        errors.append("Field 'evidence' must be a list.")
    else:
        for index, item in enumerate(evidence, start=1):
            value = item.get("value") if isinstance(item, Mapping) else None
            if (
                not isinstance(item, Mapping)
                or not _is_str(item.get("kind"))
                or isinstance(value, bool)
                or not (_is_str(value) or isinstance(value, (int, float)))
            ):
                errors.append(f"Item {index} of 'evidence' needs a 'kind' and a 'value'.")
    links = doc.get("links", [])
    if not isinstance(links, list):
        errors.append("Field 'links' must be a list.")
    else:
        for index, link in enumerate(links, start=1):
            errors += [f"Link {index}: {problem}" for problem in validate_result_for_sheet(link)]
    return errors


def _check_text(item: Mapping[str, Any], t: Mapping[str, str]) -> str:
    kind, valid = item.get("kind"), item.get("valid")
    if kind in _CHECKED_KINDS and isinstance(valid, bool):
        return t["valid"] if valid else t["invalid"]
    if kind in ("voucher", "voucher_code"):
        return t["unverifiable"]
    return ""


def render_message_sheet(
    analysis: Mapping[str, Any],
    *,
    lang: str = "fr",
    verified: bool = False,
    instance: str = "http://127.0.0.1:8080",
) -> str:
    """The printable HTML page for one message analysis (POST /api/v1/messages' answer).

    `verified`, `instance`: as for render_sheet (the analysis' own signature is printed)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    errors = validate_message_for_sheet(analysis)
    if errors:
        raise ValueError("analysis cannot be printed: " + " ".join(errors))
    t = _MESSAGE_LABELS[lang]
    kinds = _EVIDENCE_KINDS[lang]
    texts = load_texts()
    classification = analysis["classification"]
    kind = classification["kind"]
    analysed = _parse_time(analysis["analysed_at"]).astimezone(UTC)  # type: ignore[union-attr]
    reasons = classification.get("reasons") or []
    reasons_html = (
        "<ul>" + "".join(f"<li>{_e(r['text'])}</li>" for r in reasons) + "</ul>"
        if reasons
        else f"<p>{_e(t['no_reasons'])}</p>"
    )
    rows = [
        (
            t["analysed_at"],
            f"{_e(analysed.strftime('%Y-%m-%d %H:%M:%S'))} UTC "
            f"(<code>{_e(analysis['analysed_at'])}</code>)",
        ),
        (
            t["kind"],
            f"<strong>{_e(texts.message(lang, 'kinds', kind)['headline'])}</strong> "
            f"(<code>{_e(kind)}</code>)",
        ),
        (t["version"], f"<code>{_e(analysis['version'])}</code>"),
    ]
    evidence_html = _table_or(
        (t["type"], t["value"], t["check"], t["detail"]),
        [
            f"<tr><td>{_e(kinds.get(item['kind'], item['kind']))}</td>"
            f"<td><code>{_e(item['value'])}</code></td>"
            f"<td>{_e(_check_text(item, t))}</td>"
            f"<td>{_e(item.get('currency') or item.get('brand') or item.get('platform') or '')}"
            "</td></tr>"
            for item in analysis.get("evidence") or []
        ],
        f"<p>{_e(t['no_evidence'])}</p>",
    )
    links_html = _table_or(
        (t["link"], t["result"], t["checked_at"], t["final_url"], t["server"]),
        [
            f"<tr><td><code>{_e(link['url'])}</code></td>"
            f"<td>{_e(texts.verdict(lang, link['verdict'])['headline'])} "
            f"(<code>{_e(link['verdict'])}</code>)</td>"
            f"<td><code>{_e(link['checked_at'])}</code></td>"
            f"<td>{_message_code(link.get('final_url'), t)}</td>"
            f"<td>{_message_code(link.get('server_address'), t)}</td></tr>"
            for link in analysis.get("links") or []
        ],
        f"<p>{_e(t['no_links'])}</p>\n",
        after=f"<p>{_e(t['links_note'])}</p>\n",
    )
    check_labels = _LABELS[lang]
    return _document(
        lang,
        t,
        [
            f"<section>\n<h2>{_e(t['analysis'])}</h2>\n{_dl(rows)}",
            f"<h3>{_e(t['reasons'])}</h3>\n{reasons_html}</section>\n",
            f"<section>\n<h2>{_e(t['evidence'])}</h2>\n{evidence_html}</section>\n",
            f"<section>\n<h2>{_e(t['links'])}</h2>\n{links_html}</section>\n",
            _signature_section(analysis, lang, verified, instance),
            _checklist(check_labels),
        ],
        check_labels["footer"].format(version=analysis["version"]),
    )


def _message_code(value: Any, t: Mapping[str, str]) -> str:
    return f"<code>{_e(value)}</code>" if value else f'<span class="none">{_e(t["none"])}</span>'


def _signature_section(result: Mapping[str, Any], lang: str, verified: bool, instance: str) -> str:
    t = _LABELS[lang]
    attestation = result.get("attestation")
    if not verified or not isinstance(attestation, Mapping):
        return f"<section>\n<h2>{_e(t['signature'])}</h2>\n<p>{_e(t['unsigned'])}</p>\n</section>\n"
    keys_url = f"{instance}/.well-known/veriflien-keys.json"
    rows = [
        (t["sig_key_id"], f"<code>{_e(attestation.get('key_id'))}</code>"),
        (t["sig_alg"], _e(t["sig_alg_value"])),
        (t["sig_signed_at"], f"<code>{_e(attestation.get('signed_at'))}</code>"),
        (t["sig_value"], f"<code>{_e(attestation.get('signature'))}</code>"),
        (t["sig_keys"], f"<code>{_e(keys_url)}</code>"),
    ]
    warning = ""
    if attestation.get("ephemeral") is not False:
        warning = f"<p><strong>{_e(t['sig_ephemeral'])}</strong></p>\n"
    # Both languages, the sheet's first: the person reading it may not be the one who printed it.
    how = "".join(
        _how_to_verify(other, keys_url, instance, first=other == lang)
        for other in sorted(LANGS, key=lambda code: code != lang)
    )
    return (
        f"<section>\n<h2>{_e(t['signature'])}</h2>\n{_dl(rows)}<p>{_e(t['sig_proves'])}</p>\n"
        f"{warning}{how}</section>\n"
    )


def _how_to_verify(lang: str, keys_url: str, instance: str, *, first: bool) -> str:
    t = _LABELS[lang]
    command = f"veriflien verify {t['how_file_name']} --keys {keys_url}"
    steps = (
        _e(t["how_file"]),
        _with_code(t["how_cli"], command=command),
        _with_code(t["how_api"], verify_url=f"{instance}/api/v1/verify"),
        _with_code(t["how_compare"], keys_url=keys_url),
    )
    items = "".join(f"<li>{step}</li>" for step in steps)
    opening = "<section>" if first else f'<section lang="{lang}">'
    return f"{opening}\n<h3>{_e(t['how_title'])}</h3>\n<ul>{items}</ul>\n</section>\n"


def _with_code(template: str, **values: str) -> str:
    """The template escaped, with each {name} replaced by its value, escaped, in <code>."""
    html_values = {name: f"<code>{_e(value)}</code>" for name, value in values.items()}
    parts = re.split(r"(\{[a-z_]+\})", template)
    return "".join(
        html_values[part[1:-1]] if part[1:-1] in html_values else _e(part) for part in parts
    )
