// Every word the console shows, French first, then English.
//
// Why a separate module: counsellors read these sentences aloud to a frightened person, so the
// wording is reviewed on its own, without reading code. One small helper fills `data-i18n`
// attributes; nothing else in the console holds user-facing text. The advice itself (what to say,
// where to report) comes from the service, already in the language asked for.

import { MESSAGE_MODE } from "/static/i18n-message.js";

export const LANGS = ["fr", "en"];

export const MESSAGES = {
  fr: {
    "page.title": "Vérif'Lien – console d'écoute",
    "skip": "Aller aux résultats",
    "app.name": "Vérif'Lien",
    "app.tagline":
      "Vérifier un lien sans l'ouvrir : le serveur le lit à votre place, anonymement, et ne montre jamais son contenu.",
    "settings.title": "Réglages",
    "settings.lang": "Langue",
    "settings.country": "Pays de la personne",
    "settings.minor": "La personne a moins de 18 ans",
    "settings.saved": "Ces réglages restent dans ce navigateur uniquement.",
    "country.FR": "France",
    "country.BE": "Belgique",
    "country.CH": "Suisse",
    "country.CA": "Canada",
    "country.GB": "Royaume-Uni",
    "country.US": "États-Unis",
    "country.other": "Autre pays (ressources internationales)",
    "form.label": "Lien(s) reçu(s)",
    "form.hint":
      "Collez le lien tel qu'il a été reçu ; un lien par ligne. Entrée lance la vérification, Maj + Entrée va à la ligne.",
    "form.submit": "Vérifier",
    "form.empty": "Collez au moins un lien avant de vérifier.",
    "form.too_many": "Seuls les {max} premiers liens sont vérifiés.",
    "results.title": "Résultats",
    "results.none": "Aucune vérification pour l'instant.",
    "status.running": "Vérification en cours de {count} lien(s)…",
    "status.done": "Vérification terminée : {summary}",
    "status.one": "{url} : {verdict}",
    "card.link": "Lien vérifié (affiché comme texte, jamais ouvert)",
    "card.progress": "Étapes de la vérification",
    "card.waiting": "Connexion au service…",
    "card.confidence": "Confiance : {level}",
    "card.findings": "Ce qui a été constaté",
    "card.media": "Fichier vidéo : {text}",
    "card.say": "Ce que vous pouvez lui dire",
    "card.steps": "Les étapes, dans l'ordre",
    "card.notes": "À savoir",
    "card.prevention": "Si la personne va mal",
    "card.report": "Où signaler et trouver de l'aide",
    "card.actions": "Garder une trace",
    "card.sheet": "Ouvrir la fiche de preuves (à imprimer)",
    "card.json": "Télécharger le résultat (JSON)",
    "card.sheet_error": "La fiche n'a pas pu être préparée : {message}",
    "card.other_lang":
      "Ce résultat a été rédigé en anglais. Vous pouvez relancer la vérification pour l'obtenir en français.",
    "card.rerun": "Vérifier à nouveau en français",
    "card.checked_at": "Vérifié le {date}",
    "card.again": "Vérifier à nouveau",
    "card.again_hint":
      "Le serveur relit le lien maintenant, au lieu de redonner une vérification faite peu avant (jusqu'à 1 minute plus tôt pour un lien privé ou supprimé, 10 minutes sinon). Utile avant d'imprimer la fiche de preuves.",
    "watch.title": "Surveiller ce lien",
    "watch.explain":
      "Tant que cette page reste ouverte, la console revérifie ce lien à la fréquence choisie (pendant {days} jours au plus) et prévient si la réponse change, par exemple si la vidéo devient visible. Le lien reste dans la mémoire de cette page : rien n'est enregistré, ni ici ni sur le serveur. Pour une surveillance qui continue page fermée, l'extension Vérif'Lien le fait.",
    "watch.interval": "Fréquence",
    "watch.every_1": "Toutes les heures",
    "watch.every_6": "Toutes les 6 heures",
    "watch.every_24": "Une fois par jour",
    "watch.start": "Surveiller ce lien",
    "watch.active":
      "Surveillance en cours, tant que cette page reste ouverte. Fréquence : {every}. Jusqu'au {date} au plus tard.",
    "watch.last": "Dernière vérification : {date} — {verdict}.",
    "watch.last_failed": "Dernière vérification impossible ({date}) ; la console réessaiera.",
    "watch.stop": "Arrêter la surveillance",
    "watch.stopped": "Surveillance arrêtée. Le lien n'est plus gardé par cette page.",
    "watch.started": "Surveillance activée : une notification préviendra si la réponse change.",
    "watch.started_quiet":
      "Surveillance activée, sans notification : un changement s'affichera sur cette page.",
    "watch.changed": "Changement constaté le {date} : « {from} » est devenu « {to} ».",
    "watch.notify_title": "Vérif'Lien : un lien surveillé a changé",
    "watch.notify_attention":
      "Réponse maintenant : {verdict}. Inutile de la regarder. Ouvrez la console pour la signaler à la plateforme et garder une preuve, étape par étape.",
    "watch.notify_change":
      "Réponse maintenant : {verdict}. Ouvrez la console pour voir ce que cela veut dire.",
    "watch.status_changed": "Un lien surveillé a changé. Réponse maintenant : {verdict}.",
    "watch.ended": "Surveillance terminée après {days} jours.",
    "share.found": "Texte reçu par le partage : le(s) lien(s) qu'il contient sont vérifiés sans être ouverts.",
    "share.none":
      "Le texte partagé ne contient aucun lien à vérifier. Vous pouvez coller le lien ci-dessus.",
    "card.error_title": "La vérification n'a pas pu se faire",
    "card.error_network":
      "Le service Vérif'Lien n'a pas répondu. Vérifiez la connexion et réessayez.",
    "card.error_incomplete":
      "La réponse du service s'est interrompue avant le résultat. Réessayez.",
    "confidence.high": "élevée",
    "confidence.medium": "moyenne",
    "confidence.low": "faible",
    "strength.strong": "indice fort",
    "strength.medium": "indice moyen",
    "strength.weak": "indice faible",
    "media.of": "{playable} lisibles sur {total}",
    "media.playable_only": "{playable} lisibles, durée totale inconnue",
    "media.total_only": "durée annoncée {total}, durée lisible inconnue",
    "media.nothing": "aucune durée lisible n'a pu être mesurée",
    "media.complete": "fichier complet",
    "media.incomplete": "fichier incomplet",
    "media.percent": "{percent} %",
    "time.seconds": "{s} s",
    "time.minutes": "{m} min {s} s",
    "card.unverified":
      "À noter : lors de notre dernier contrôle automatique, {platform} ne répondait plus comme prévu. Ce résultat est peut-être moins sûr que d'habitude ; en cas de doute, refaites la vérification plus tard.",
    "probe.other": "Étape « {name} »",
    "progress.line": "{label} : {status}",
    "list.separator": " ; ",
    "status.started": "en cours…",
    "status.ok": "terminée",
    "status.failed": "n'a pas abouti (c'est un constat)",
    "status.error": "erreur interne, preuve manquante",
    "status.final": "Résultat prêt.",
    "report.platform": "Signaler sur la plateforme",
    "report.authority": "Autorités et plainte",
    "report.support": "Aide et écoute",
    "report.prevention": "Si la personne se sent dépassée",
    "report.call": "Appeler le {phone}",
    "report.hub": "page d'aide, le formulaire est à l'intérieur",
    "report.unconfirmed": "adresse à vérifier",
    "report.new_tab": "(s'ouvre dans un nouvel onglet)",
    "history.title": "Historique local",
    "history.enable": "Garder un historique sur cet ordinateur (désactivé par défaut)",
    "history.explain":
      "Rien n'est gardé sur le serveur. Si vous cochez cette case, les liens vérifiés et leur résultat restent dans ce navigateur jusqu'à ce que vous les effaciez ; décocher efface aussi l'historique.",
    "history.clear": "Effacer l'historique",
    "history.empty": "Historique vide.",
    "history.cleared": "Historique effacé.",
    "footer.privacy":
      "Vérif'Lien ne garde aucun lien sur le serveur et ne charge rien d'autre que ce service. Le contenu vérifié n'est jamais affiché.",
    "meaning.public":
      "La plateforme montre ce contenu à n'importe quel visiteur anonyme.",
    "meaning.unlisted":
      "Quiconque a le lien peut le voir, mais il n'apparaît pas dans les recherches.",
    "meaning.private":
      "La plateforme refuse de le montrer aux visiteurs anonymes : il n'est pas visible publiquement.",
    "meaning.removed": "Il n'y a plus rien à cette adresse.",
    "meaning.incomplete":
      "Le fichier est incomplet : seule une partie, ou rien, peut être lue.",
    "meaning.login_required":
      "La plateforme demande un compte avant de montrer quoi que ce soit.",
    "meaning.no_video": "La page ouverte par ce lien ne contient pas de vidéo.",
    "meaning.suspicious":
      "La page présente des signes de piège. Il ne faut ni l'ouvrir ni télécharger quoi que ce soit.",
    "meaning.unreachable": "Le site n'a pas pu être joint : rien n'a pu être vérifié.",
    "meaning.refused":
      "Le service n'ouvre pas ce genre d'adresse ; rien n'a été téléchargé.",
    "meaning.invalid_url": "Le texte collé n'est pas une adresse web vérifiable.",
    "meaning.unknown":
      "Les indices ne suffisent pas pour dire si ce contenu est public ; il n'est pas supposé privé.",
  },
  en: {
    "page.title": "Vérif'Lien – helpline console",
    "skip": "Skip to results",
    "app.name": "Vérif'Lien",
    "app.tagline":
      "Check a link without opening it: the server reads it for you, anonymously, and never shows its content.",
    "settings.title": "Settings",
    "settings.lang": "Language",
    "settings.country": "Country of the person",
    "settings.minor": "The person is under 18",
    "settings.saved": "These settings stay in this browser only.",
    "country.FR": "France",
    "country.BE": "Belgium",
    "country.CH": "Switzerland",
    "country.CA": "Canada",
    "country.GB": "United Kingdom",
    "country.US": "United States",
    "country.other": "Other country (international resources)",
    "form.label": "Link(s) received",
    "form.hint":
      "Paste the link exactly as received; one link per line. Enter starts the check, Shift + Enter adds a line.",
    "form.submit": "Check",
    "form.empty": "Paste at least one link before checking.",
    "form.too_many": "Only the first {max} links are checked.",
    "results.title": "Results",
    "results.none": "No check yet.",
    "status.running": "Checking {count} link(s)…",
    "status.done": "Check finished: {summary}",
    "status.one": "{url}: {verdict}",
    "card.link": "Link checked (shown as text, never opened)",
    "card.progress": "Steps of the check",
    "card.waiting": "Contacting the service…",
    "card.confidence": "Confidence: {level}",
    "card.findings": "What was found",
    "card.media": "Video file: {text}",
    "card.say": "What you can tell them",
    "card.steps": "The steps, in order",
    "card.notes": "Good to know",
    "card.prevention": "If the person is struggling",
    "card.report": "Where to report and find help",
    "card.actions": "Keep a record",
    "card.sheet": "Open the evidence sheet (printable)",
    "card.json": "Download the result (JSON)",
    "card.sheet_error": "The sheet could not be prepared: {message}",
    "card.other_lang":
      "This result was written in French. You can run the check again to get it in English.",
    "card.rerun": "Check again in English",
    "card.checked_at": "Checked on {date}",
    "card.again": "Check again",
    "card.again_hint":
      "The server reads the link again now, instead of giving back a check made shortly before (up to 1 minute earlier for a private or removed link, 10 minutes otherwise). Useful before printing the evidence sheet.",
    "watch.title": "Watch this link",
    "watch.explain":
      "While this page stays open, the console checks this link again as often as chosen (for {days} days at most) and tells you if the answer changes, for example if the video becomes visible. The link stays in this page's memory: nothing is saved, neither here nor on the server. To keep watching once the page is closed, the Vérif'Lien extension does it.",
    "watch.interval": "How often",
    "watch.every_1": "Every hour",
    "watch.every_6": "Every 6 hours",
    "watch.every_24": "Once a day",
    "watch.start": "Watch this link",
    "watch.active":
      "Being watched, as long as this page stays open. How often: {every}. Until {date} at the latest.",
    "watch.last": "Last check: {date} — {verdict}.",
    "watch.last_failed": "The last check could not be made ({date}); the console will try again.",
    "watch.stop": "Stop watching",
    "watch.stopped": "Watching stopped. This page no longer keeps the link.",
    "watch.started": "Watching: a notification will tell you if the answer changes.",
    "watch.started_quiet": "Watching, without notifications: a change will show on this page.",
    "watch.changed": "Change noticed on {date}: “{from}” became “{to}”.",
    "watch.notify_title": "Vérif'Lien: a watched link has changed",
    "watch.notify_attention":
      "Answer now: {verdict}. There is no need to look at it. Open the console to report it to the platform and keep evidence, step by step.",
    "watch.notify_change": "Answer now: {verdict}. Open the console to see what it means.",
    "watch.status_changed": "A watched link has changed. Answer now: {verdict}.",
    "watch.ended": "Watching ended after {days} days.",
    "share.found": "Text received by sharing: the link(s) in it are checked without being opened.",
    "share.none": "The shared text contains no link to check. You can paste the link above.",
    "card.error_title": "The check could not run",
    "card.error_network":
      "The Vérif'Lien service did not answer. Check the connection and try again.",
    "card.error_incomplete": "The service's answer stopped before the result. Try again.",
    "confidence.high": "high",
    "confidence.medium": "medium",
    "confidence.low": "low",
    "strength.strong": "strong sign",
    "strength.medium": "medium sign",
    "strength.weak": "weak sign",
    "media.of": "{playable} playable of {total}",
    "media.playable_only": "{playable} playable, total length unknown",
    "media.total_only": "announced length {total}, playable length unknown",
    "media.nothing": "no playable length could be measured",
    "media.complete": "complete file",
    "media.incomplete": "incomplete file",
    "media.percent": "{percent}%",
    "time.seconds": "{s} s",
    "time.minutes": "{m} min {s} s",
    "card.unverified":
      "Note: in our last automatic check, {platform} no longer answered as expected. This result may be less reliable than usual; if in doubt, check again later.",
    "probe.other": "Step “{name}”",
    "progress.line": "{label}: {status}",
    "list.separator": "; ",
    "status.started": "running…",
    "status.ok": "done",
    "status.failed": "did not succeed (this is a finding)",
    "status.error": "internal error, evidence missing",
    "status.final": "Result ready.",
    "report.platform": "Report on the platform",
    "report.authority": "Authorities and complaints",
    "report.support": "Help and listening",
    "report.prevention": "If the person feels overwhelmed",
    "report.call": "Call {phone}",
    "report.hub": "help page, the form is inside",
    "report.unconfirmed": "address to be checked",
    "report.new_tab": "(opens in a new tab)",
    "history.title": "Local history",
    "history.enable": "Keep a history on this computer (off by default)",
    "history.explain":
      "Nothing is kept on the server. If you tick this box, the links checked and their result stay in this browser until you clear them; unticking also clears the history.",
    "history.clear": "Clear the history",
    "history.empty": "History is empty.",
    "history.cleared": "History cleared.",
    "footer.privacy":
      "Vérif'Lien keeps no link on the server and loads nothing but this service. The content checked is never shown.",
    "meaning.public": "The platform shows this content to any anonymous visitor.",
    "meaning.unlisted":
      "Anyone who has the link can watch it, but it does not show up in searches.",
    "meaning.private":
      "The platform refuses to show it to anonymous visitors: it is not publicly visible.",
    "meaning.removed": "There is nothing at this address any more.",
    "meaning.incomplete": "The file is incomplete: only part of it, or nothing, can be played.",
    "meaning.login_required": "The platform asks for an account before showing anything.",
    "meaning.no_video": "The page this link opens holds no video.",
    "meaning.suspicious":
      "The page shows signs of a trap. Do not open it or download anything from it.",
    "meaning.unreachable": "The site could not be reached: nothing could be checked.",
    "meaning.refused": "The service does not open this kind of address; nothing was downloaded.",
    "meaning.invalid_url": "The text pasted is not a web address that can be checked.",
    "meaning.unknown":
      "The signs are too weak to tell whether this content is public; it is not assumed to be private.",
  },
};

// The "paste the whole message" mode keeps its words in their own module.
for (const lang of LANGS) Object.assign(MESSAGES[lang], MESSAGE_MODE[lang]);

/** The text for `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function t(lang, key, vars = {}) {
  const table = MESSAGES[lang] || MESSAGES.fr;
  const text = table[key] ?? MESSAGES.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

/** Fill every `data-i18n` (text) and `data-i18n-attr` ("attr:key;attr:key") under `root`. */
export function applyI18n(root, lang) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(lang, node.dataset.i18n);
  }
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      node.setAttribute(attr.trim(), t(lang, key.trim()));
    }
  }
}
