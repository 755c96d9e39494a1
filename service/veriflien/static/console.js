// The counsellor console: paste a link, watch the check run, read the answer aloud.
//
// Why it is built this way:
// - The link comes from a blackmailer, so it is only ever shown as text (never an <a>, never
//   embedded), and every value from a result goes into the page through textContent.
// - The service keeps no history; this page keeps none either unless the counsellor ticks the
//   clearly labelled box, and then only in this browser's localStorage.
// - Progress is read from the POST /api/v1/checks event stream with fetch() and a ReadableStream
//   (EventSource cannot POST). Only this origin is ever contacted (CSP connect-src 'self').
// - What it shares with the browser extension (stream parsing, verdict words, icons and tones,
//   findings, report links, links in a text, building elements) is the client library in
//   /static/client/, one source for both; this file is the console's own page logic, and the
//   message mode (message.js) takes its sheet, JSON and error helpers from here.

import { el } from "/static/client/dom.js";
import { findingsList } from "/static/client/findings.js";
import { extractLinks } from "/static/client/links.js";
import { reportGroups, reportHref, telHref } from "/static/client/reports.js";
import { probeStep, readCheck } from "/static/client/stream.js";
import { INCONCLUSIVE, knownVerdict, verdictIcon, verdictTone } from "/static/client/verdicts.js";
import { probeWord, verdictWord } from "/static/client/words.js";
import { LANGS, applyI18n, t } from "/static/i18n.js";

const PREFS_KEY = "veriflien.prefs";
const HISTORY_KEY = "veriflien.history";
const HISTORY_MAX = 50;
const MAX_LINKS = 10;
const PARALLEL_CHECKS = 3;
// "Other" has no national entry: ZZ is an ISO 3166 user-assigned code, so the service falls back
// to the international resources and says so.
const OTHER_COUNTRY = "ZZ";
// Platforms whose answers the last `veriflien selftest` could not verify (GET /api/v1/selftest).
let unverifiedPlatforms = new Set();

const $ = (id) => document.getElementById(id);
const cards = [];
let prefs = loadPrefs();
let cardCounter = 0;

// --- preferences and local history (localStorage only) -------------------------------------

function readStorage(key, fallback) {
  try {
    const raw = window.localStorage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function writeStorage(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage may be disabled (private mode, policy): the console still works, it just forgets.
  }
}

function loadPrefs() {
  const saved = readStorage(PREFS_KEY, {}) || {};
  return {
    lang: LANGS.includes(saved.lang) ? saved.lang : "fr",
    country: typeof saved.country === "string" ? saved.country : "FR",
    minor: saved.minor === true,
    history: saved.history === true,
  };
}

function savePrefs() {
  writeStorage(PREFS_KEY, prefs);
}

function historyEntries() {
  const entries = readStorage(HISTORY_KEY, []);
  return Array.isArray(entries) ? entries : [];
}

function remember(result) {
  if (!prefs.history) return;
  const entry = { url: result.url, verdict: result.verdict, checked_at: result.checked_at };
  writeStorage(HISTORY_KEY, [entry, ...historyEntries()].slice(0, HISTORY_MAX));
  renderHistory();
}

function clearHistory() {
  writeStorage(HISTORY_KEY, null);
  renderHistory();
  $("history-status").textContent = t(prefs.lang, "history.cleared");
}

// --- small DOM helpers ---------------------------------------------------------------------

function formatSeconds(lang, value) {
  const total = Math.max(0, Math.round(value));
  if (total < 60) return t(lang, "time.seconds", { s: total });
  const seconds = String(total % 60).padStart(2, "0");
  return t(lang, "time.minutes", { m: Math.floor(total / 60), s: seconds });
}

function formatDate(lang, iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(lang === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "long",
    timeStyle: "medium",
  });
}

/** Card headings take focus from script (tabindex -1) so a finished check can be announced. */
function heading(id, className, text) {
  return el("h3", { id, class: className, tabindex: "-1" }, text);
}

function probeLabel(lang, name) {
  return probeWord(lang, name) ?? t(lang, "probe.other", { name });
}

// --- the event stream ------------------------------------------------------------------------

/** The service's own words for a refused request (its JSON error), else the HTTP status. */
export async function errorMessage(response) {
  try {
    const doc = await response.json();
    if (doc && doc.error && doc.error.message) return doc.error.message;
  } catch {
    // not JSON: fall through to the status line
  }
  return `HTTP ${response.status}`;
}

/** fresh: ask the server to look again rather than reuse a recent answer ("check again"). */
async function runCheck(card, { fresh = false } = {}) {
  const body = { url: card.url, lang: card.lang, country: card.country, minor: card.minor };
  if (fresh) body.fresh = true;
  let response;
  try {
    response = await fetch("/api/v1/checks", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    card.error = t(prefs.lang, "card.error_network");
    return;
  }
  if (!response.ok) {
    card.error = await errorMessage(response);
    return;
  }
  try {
    card.result = await readCheck(response.body, (event) => addProgress(card, event));
  } catch {
    // the stream broke off; handled below
  }
  if (!card.result) card.error = t(prefs.lang, "card.error_incomplete");
}

// --- progress lines ----------------------------------------------------------------------------

function progressText(lang, step) {
  const label = probeLabel(lang, step.probe);
  const status = t(lang, `status.${step.status === "done" ? "ok" : step.status}`);
  let text = t(lang, "progress.line", { label, status });
  if (typeof step.duration_ms === "number" && step.status !== "started") {
    text += ` (${(step.duration_ms / 1000).toFixed(1)} s)`;
  }
  return text;
}

function addProgress(card, event) {
  const step = probeStep(event);
  if (!step) return;
  const existing = card.steps.find((s) => s.probe === step.probe);
  if (existing) Object.assign(existing, step);
  else card.steps.push(step);
  renderProgress(card);
}

function renderProgress(card) {
  const list = card.node.querySelector(".progress-list");
  if (!list) return;
  const lang = prefs.lang;
  card.steps.forEach((step, index) => {
    let item = list.children[index];
    if (!item) {
      item = el("li");
      list.append(item);
    }
    item.className = `step step-${step.status}`;
    item.textContent = progressText(lang, step);
  });
}

// --- verdict cards -------------------------------------------------------------------------------

function newCard(url, before) {
  cardCounter += 1;
  const card = {
    id: `card-${cardCounter}`,
    url,
    lang: prefs.lang,
    country: prefs.country === "other" ? OTHER_COUNTRY : prefs.country,
    minor: prefs.minor,
    steps: [],
    result: null,
    error: null,
    sheetError: null,
    node: el("article", { class: "card tone-pending" }),
  };
  cards.push(card);
  $("cards").insertBefore(card.node, before);
  $("no-results").hidden = true;
  renderCard(card);
  return card;
}

function renderCard(card) {
  const lang = prefs.lang;
  const node = card.node;
  const result = card.result;
  node.replaceChildren();
  node.id = card.id;
  const headingId = `${card.id}-title`;
  node.setAttribute("aria-labelledby", headingId);

  node.append(
    el(
      "div",
      { class: "card-link" },
      el("span", { class: "label" }, t(lang, "card.link")),
      el("code", { class: "checked-url", translate: "no" }, card.url),
    ),
  );

  if (card.error) {
    node.className = "card tone-neutral";
    node.dataset.state = "error";
    node.dataset.verdict = "";
    node.append(
      heading(headingId, "verdict-word", t(lang, "card.error_title")),
      el("p", { class: "error" }, card.error),
      againBox(card),
    );
    return;
  }

  if (!result) {
    node.className = "card tone-pending";
    node.dataset.state = "running";
    node.append(
      heading(headingId, "pending-title", t(lang, "card.waiting")),
      progressSection(card, true),
    );
    renderProgress(card);
    return;
  }

  node.dataset.state = "done";
  const verdict = knownVerdict(result.verdict);
  node.className = `card tone-${verdictTone(verdict)}`;
  node.dataset.verdict = verdict;

  node.append(
    el(
      "div",
      { class: "verdict-banner" },
      el("span", { class: "verdict-icon" }, verdictIcon(verdict)),
      el(
        "div",
        { class: "verdict-text" },
        heading(headingId, "verdict-word", verdictWord(lang, verdict)),
        el("p", { class: "meaning" }, t(lang, `meaning.${verdict}`)),
        el(
          "p",
          { class: "confidence" },
          t(lang, "card.confidence", { level: t(lang, `confidence.${result.confidence}`) }),
        ),
      ),
    ),
  );

  if (result.platform && unverifiedPlatforms.has(result.platform.id)) {
    node.append(
      el(
        "p",
        { class: "selftest-warning", role: "note" },
        t(lang, "card.unverified", { platform: result.platform.name }),
      ),
    );
  }

  const media = mediaText(lang, result.media);
  if (media) node.append(el("p", { class: "media" }, t(lang, "card.media", { text: media })));

  const date = formatDate(lang, result.checked_at);
  node.append(el("p", { class: "checked-at" }, t(lang, "card.checked_at", { date })), againBox(card));

  if (result.lang && result.lang !== lang) {
    const rerun = el("button", { type: "button", class: "secondary" }, t(lang, "card.rerun"));
    rerun.addEventListener("click", () => startChecks([card.url]));
    node.append(el("div", { class: "notice" }, el("p", {}, t(lang, "card.other_lang")), rerun));
  }

  node.append(
    findingsSection(card),
    adviceSection(card),
    reportSection(card),
    actionsSection(card),
    watchSection(card),
    progressSection(card, false),
  );
  renderProgress(card);
}

/** "Check again": the server looks at the link anew instead of reusing a recent answer, which
 * may be up to a minute old for "private" or "removed" (ten for "public"). */
function againBox(card) {
  const lang = prefs.lang;
  const hintId = `${card.id}-again-hint`;
  const button = el(
    "button",
    { type: "button", class: "secondary again", "aria-describedby": hintId },
    t(lang, "card.again"),
  );
  button.addEventListener("click", () => checkAgain(card));
  return el(
    "div",
    { class: "again-box" },
    button,
    el("p", { class: "hint", id: hintId }, t(lang, "card.again_hint")),
  );
}

function mediaText(lang, media) {
  if (!media || typeof media !== "object") return "";
  const parts = [];
  const playable = typeof media.playable_seconds === "number" ? media.playable_seconds : null;
  const total = typeof media.duration_seconds === "number" ? media.duration_seconds : null;
  if (playable !== null && total !== null) {
    let text = t(lang, "media.of", {
      playable: formatSeconds(lang, playable),
      total: formatSeconds(lang, total),
    });
    if (typeof media.playable_fraction === "number") {
      const percent = Math.round(media.playable_fraction * 100);
      text += ` (${t(lang, "media.percent", { percent })})`;
    }
    parts.push(text);
  } else if (playable !== null) {
    parts.push(t(lang, "media.playable_only", { playable: formatSeconds(lang, playable) }));
  } else if (total !== null) {
    parts.push(t(lang, "media.total_only", { total: formatSeconds(lang, total) }));
  } else {
    parts.push(t(lang, "media.nothing"));
  }
  if (media.complete === true) parts.push(t(lang, "media.complete"));
  if (media.complete === false) parts.push(t(lang, "media.incomplete"));
  return parts.join(t(lang, "list.separator"));
}

function progressSection(card, running) {
  const lang = prefs.lang;
  // A list that announces its new steps: aria-live, not role="log", which would take away the
  // list semantics its items need (WCAG 1.3.1; axe-core rule "listitem").
  const list = el("ol", { class: "progress-list", "aria-live": "polite" });
  if (running) {
    return el(
      "section",
      { class: "progress", "aria-label": t(lang, "card.progress") },
      el("h4", {}, t(lang, "card.progress")),
      list,
    );
  }
  return el(
    "details",
    { class: "progress" },
    el("summary", {}, t(lang, "card.progress")),
    list,
    el("p", { class: "step step-final" }, t(lang, "status.final")),
  );
}

function findingsSection(card) {
  const lang = prefs.lang;
  // Human words from the service's finding catalogue, in the result's language; the technical
  // detail (English, regular expressions) is in the JSON and the evidence sheet only.
  const list = findingsList(card.result.findings, card.result.lang || lang, (strength) =>
    t(lang, `strength.${strength}`),
  );
  list.setAttribute("lang", card.result.lang || lang);
  return el("section", { class: "findings-box" }, el("h4", {}, t(lang, "card.findings")), list);
}

function callButton(lang, phone) {
  const href = telHref(phone);
  if (!href) return null;
  return el("a", { class: "button call", href }, t(lang, "report.call", { phone }));
}

function adviceSection(card) {
  const lang = prefs.lang;
  const advice = card.result.advice || {};
  const section = el("section", { class: "say", lang: card.result.lang || lang });
  section.append(el("h4", { class: "say-title", lang }, t(lang, "card.say")));
  if (advice.headline) section.append(el("p", { class: "headline" }, advice.headline));
  if (advice.summary) section.append(el("p", { class: "summary" }, advice.summary));
  if (advice.reassurance) section.append(el("p", { class: "reassurance" }, advice.reassurance));
  if (Array.isArray(advice.steps) && advice.steps.length) {
    section.append(
      el("h5", { lang }, t(lang, "card.steps")),
      el("ol", { class: "steps" }, advice.steps.map((step) => el("li", {}, step))),
    );
  }
  if (Array.isArray(advice.notes) && advice.notes.length) {
    section.append(
      el("h5", { lang }, t(lang, "card.notes")),
      el("ul", { class: "notes" }, advice.notes.map((note) => el("li", {}, note))),
    );
  }
  // The prevention line is also a report link; say it here only when it is not listed below.
  const prevention = advice.prevention;
  const listed = (card.result.report_links || []).some((link) => link.kind === "prevention");
  if (!listed && prevention && typeof prevention === "object" && prevention.text) {
    section.append(
      el(
        "div",
        { class: "prevention" },
        el("h5", { lang }, t(lang, "card.prevention")),
        el("p", {}, prevention.text),
        prevention.phone ? callButton(lang, prevention.phone) : null,
      ),
    );
  }
  return section;
}

function reportItem(lang, link) {
  const item = el("li", { class: "report-item" });
  const buttons = el("div", { class: "report-buttons" });
  const href = reportHref(link.url);
  if (href) {
    buttons.append(
      el(
        "a",
        { class: "button report", href, target: "_blank", rel: "noopener noreferrer" },
        link.name,
        el("span", { class: "visually-hidden" }, ` ${t(lang, "report.new_tab")}`),
      ),
    );
  } else {
    buttons.append(el("span", { class: "report-name" }, link.name));
  }
  if (link.phone) buttons.append(callButton(lang, link.phone));
  item.append(buttons);
  if (link.why) item.append(el("p", { class: "why" }, link.why));
  const tags = [];
  if (link.hub) tags.push(t(lang, "report.hub"));
  if (link.status === "unconfirmed") tags.push(t(lang, "report.unconfirmed"));
  if (tags.length) item.append(el("p", { class: "report-tags", lang }, tags.join(" · ")));
  return item;
}

function reportSection(card) {
  const lang = prefs.lang;
  const links = Array.isArray(card.result.report_links) ? card.result.report_links : [];
  const section = el("section", { class: "report", lang: card.result.lang || lang });
  section.append(el("h4", { lang }, t(lang, "card.report")));
  for (const { kind, links: group } of reportGroups(links)) {
    section.append(
      el(
        "div",
        { class: `report-group report-${kind}` },
        el("h5", { lang }, t(lang, `report.${kind}`)),
        el("ul", { class: "report-list" }, group.map((link) => reportItem(lang, link))),
      ),
    );
  }
  return section;
}

/** The evidence sheet and JSON buttons under an answer (a verdict card or a message analysis):
 * `onSheet` and `onJson` are what their clicks do, `error` why the last sheet could not be shown. */
export function actionsBox(lang, { onSheet, onJson, error }) {
  const sheet = el("button", { type: "button", class: "primary sheet" }, t(lang, "card.sheet"));
  sheet.addEventListener("click", onSheet);
  const json = el("button", { type: "button", class: "secondary json" }, t(lang, "card.json"));
  json.addEventListener("click", onJson);
  return el(
    "section",
    { class: "actions" },
    el("h4", {}, t(lang, "card.actions")),
    el("div", { class: "action-buttons" }, sheet, json),
    error ? el("p", { class: "error", role: "alert" }, error) : null,
  );
}

function actionsSection(card) {
  return actionsBox(prefs.lang, {
    onSheet: () => openSheet(card),
    onJson: () => downloadJson(card),
    error: card.sheetError,
  });
}

// --- watching a link while the console is open ----------------------------------------------------
//
// "Tell me if it goes public": the card's link is checked again at the chosen interval (fresh, so
// the server looks anew), for at most WATCH_DAYS, as long as this page stays open. The link stays
// in this page's memory only — never in localStorage, even with the history on — because the
// console is often a shared helpline computer and a watch that outlived the page would leave the
// link behind; the extension is the tool for a watch that goes on with the page closed. The
// server is never told that a link is watched: it receives ordinary checks.

const WATCH_HOURS = [1, 6, 24];
const DEFAULT_WATCH_HOURS = 24;
const WATCH_DAYS = 30;
const HOUR_MS = 60 * 60 * 1000;
// Answers that say nothing new about the video (the check could not tell) are INCONCLUSIVE, from
// the client library; these mean someone may be able to watch it.
const ATTENTION = new Set(["public", "unlisted", "suspicious"]);

function watchSection(card) {
  const verdict = knownVerdict(card.result.verdict);
  if (verdict === "refused" || verdict === "invalid_url") return null;
  const lang = prefs.lang;
  const section = el("section", { class: "watch" }, el("h4", {}, t(lang, "watch.title")));
  const watch = card.watch;
  if (watch?.changed) {
    section.append(
      el(
        "p",
        { class: "watch-change" },
        t(lang, "watch.changed", {
          date: formatDate(lang, new Date(watch.changed.at).toISOString()),
          from: verdictWord(lang, watch.changed.from || "unknown"),
          to: verdictWord(lang, watch.changed.to),
        }),
      ),
    );
  }
  if (!watch) {
    const id = `${card.id}-watch-hours`;
    const select = el(
      "select",
      { id, class: "watch-hours" },
      WATCH_HOURS.map((hours) =>
        el(
          "option",
          { value: String(hours), selected: hours === DEFAULT_WATCH_HOURS },
          t(lang, `watch.every_${hours}`),
        ),
      ),
    );
    const start = el("button", { type: "button", class: "secondary watch-start" }, t(lang, "watch.start"));
    start.addEventListener("click", () => startWatch(card, Number(select.value)));
    section.append(
      el("p", { class: "hint" }, t(lang, "watch.explain", { days: WATCH_DAYS })),
      el("div", { class: "watch-form" }, el("label", { for: id }, t(lang, "watch.interval")), select, start),
    );
  } else {
    const stop = el("button", { type: "button", class: "secondary watch-stop" }, t(lang, "watch.stop"));
    stop.addEventListener("click", () => stopWatch(card));
    section.append(
      el(
        "p",
        { class: "watch-state" },
        t(lang, "watch.active", {
          every: t(lang, `watch.every_${watch.hours}`),
          date: formatDate(lang, new Date(watch.until).toISOString()),
        }),
      ),
      watch.last
        ? el(
            "p",
            { class: "hint watch-last" },
            watch.last.verdict
              ? t(lang, "watch.last", {
                  date: formatDate(lang, new Date(watch.last.at).toISOString()),
                  verdict: verdictWord(lang, watch.last.verdict),
                })
              : t(lang, "watch.last_failed", { date: formatDate(lang, new Date(watch.last.at).toISOString()) }),
          )
        : null,
      stop,
    );
  }
  section.append(el("p", { class: "hint watch-status", role: "status" }, card.watchStatus || ""));
  return section;
}

async function startWatch(card, hours) {
  // Asked here, in the click: browsers only ask for permissions in answer to a gesture.
  let notify = false;
  if ("Notification" in window) {
    try {
      notify = (await Notification.requestPermission()) === "granted";
    } catch {
      notify = false;
    }
  }
  const verdict = card.result && !INCONCLUSIVE.has(card.result.verdict) ? card.result.verdict : null;
  card.watch = {
    hours: WATCH_HOURS.includes(hours) ? hours : DEFAULT_WATCH_HOURS,
    until: Date.now() + WATCH_DAYS * 24 * HOUR_MS,
    verdict,
    notify,
    changed: null,
    last: null,
    timer: null,
  };
  card.watchStatus = t(prefs.lang, notify ? "watch.started" : "watch.started_quiet");
  scheduleWatch(card);
  renderCard(card);
  card.node.querySelector(".watch-stop")?.focus();
}

function stopWatch(card, reason = "watch.stopped") {
  if (card.watch) clearTimeout(card.watch.timer);
  card.watch = null;
  card.watchStatus = t(prefs.lang, reason, { days: WATCH_DAYS });
  renderCard(card);
  card.node.querySelector(".watch-start")?.focus();
}

function scheduleWatch(card) {
  const watch = card.watch;
  watch.timer = setTimeout(() => watchTick(card, watch), watch.hours * HOUR_MS);
}

async function watchTick(card, watch) {
  if (card.watch !== watch) return; // stopped, or started again, meanwhile
  if (Date.now() >= watch.until) {
    stopWatch(card, "watch.ended");
    return;
  }
  // A check of its own: the card keeps showing its answer until a new one is in.
  const probe = {
    url: card.url,
    lang: card.lang,
    country: card.country,
    minor: card.minor,
    steps: [],
    result: null,
    error: null,
    node: document.createElement("div"),
  };
  await runCheck(probe, { fresh: true });
  if (card.watch !== watch) return;
  const verdict = probe.result?.verdict;
  watch.last = { at: Date.now(), verdict: typeof verdict === "string" ? verdict : null };
  if (probe.result && !INCONCLUSIVE.has(verdict) && verdict !== watch.verdict) {
    watch.changed = { at: Date.now(), from: watch.verdict, to: verdict };
    watch.verdict = verdict;
    // Not added to the local history: the watched link is kept in this page's memory only.
    Object.assign(card, { result: probe.result, steps: probe.steps, error: null, sheetError: null });
    card.watchStatus = "";
    renderCard(card);
    announceChange(card, verdict);
  } else {
    const box = card.node.querySelector(".watch");
    box?.replaceWith(watchSection(card));
  }
  scheduleWatch(card);
}

function announceChange(card, verdict) {
  const lang = prefs.lang;
  const words = verdictWord(lang, verdict);
  setStatus(t(lang, "watch.status_changed", { verdict: words }));
  if (!card.watch.notify || !("Notification" in window) || Notification.permission !== "granted") {
    return;
  }
  const body = t(lang, ATTENTION.has(verdict) ? "watch.notify_attention" : "watch.notify_change", {
    verdict: words,
  });
  // Never the link in a notification: notification centres keep their messages, and others may
  // see a locked screen. Through the service worker where there is one (phones require it).
  showNotification(t(lang, "watch.notify_title"), {
    body,
    lang,
    icon: "/static/icon-192.png",
    tag: `veriflien-watch-${card.id}`,
  });
}

async function showNotification(title, options) {
  try {
    const registration = await navigator.serviceWorker?.getRegistration("/");
    if (registration) {
      await registration.showNotification(title, options);
      return;
    }
  } catch {
    // fall back to a page notification below
  }
  try {
    new Notification(title, options);
  } catch {
    // The change is on the page and in the status line anyway.
  }
}

// --- evidence sheet and JSON ---------------------------------------------------------------------

/** The date and time of an answer for a file name (digits, T and Z only), else `fallback`. */
export function fileStamp(iso, fallback) {
  return String(iso || "").replace(/[^0-9TZ]/g, "").slice(0, 16) || fallback;
}

/** The sheet's own CSS, applied as a constructed stylesheet once the sheet has loaded.
 *
 * A blob: document inherits this console's CSP (style-src 'self'), which blocks the sheet's
 * inline <style>; constructed stylesheets are not subject to that directive, so the sheet keeps
 * its print layout without loosening the console's policy. The <style> element itself is taken
 * out, so the blocked copy does not fill the browser console with errors. */
function splitSheet(html) {
  // The sheet is the service's own markup with plain <style> elements; parsing it with
  // DOMParser would itself trip the CSP check, so the CSS is lifted out as text.
  const css = [];
  const page = html.replace(/<style>([\s\S]*?)<\/style>/gi, (whole, text) => {
    css.push(text);
    return "";
  });
  return { css: css.join("\n"), page };
}

export function showSheet(win, html) {
  const { css, page } = splitSheet(html);
  const url = URL.createObjectURL(new Blob([page], { type: "text/html" }));
  const started = Date.now();
  // The new document replaces the pop-up's window object, so a load listener would be lost:
  // watch for the sheet to be there instead, for at most ten seconds.
  const style = () => {
    let doc = null;
    try {
      doc = win.document;
    } catch {
      return;
    }
    if (doc && doc.URL === url && doc.readyState !== "loading") {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(css);
      doc.adoptedStyleSheets = [sheet];
      doc.documentElement.dataset.styled = "true";
      URL.revokeObjectURL(url);
    } else if (!win.closed && Date.now() - started < 10_000) {
      setTimeout(style, 50);
    } else {
      URL.revokeObjectURL(url);
    }
  };
  win.location.replace(url);
  setTimeout(style, 50);
}

/**
 * The evidence sheet of `doc` (a check result or a message analysis) in a new window, in `lang`.
 * Call it inside the click: the window is opened at once, so pop-up blockers allow it, and filled
 * once the sheet arrives. The sheet is the service's own page (no script, no external resource),
 * shown from a blob: address. Resolves with null, or with why the sheet could not be shown.
 */
export async function openEvidenceSheet(doc, lang) {
  const win = window.open("", "_blank");
  try {
    const response = await fetch(`/api/v1/sheet?lang=${encodeURIComponent(lang)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(doc),
      cache: "no-store",
      credentials: "omit",
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    const html = await response.text();
    if (!win) throw new Error("pop-up");
    showSheet(win, html);
    return null;
  } catch (error) {
    if (win) win.close();
    return error.message;
  }
}

async function openSheet(card) {
  card.sheetError = null;
  const problem = await openEvidenceSheet(card.result, prefs.lang);
  if (problem === null) return;
  card.sheetError = t(prefs.lang, "card.sheet_error", { message: problem });
  renderCard(card);
}

/** `doc` downloaded as an indented JSON file called `name`; nothing is sent anywhere. */
export function saveJson(doc, name) {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function downloadJson(card) {
  const result = card.result;
  saveJson(result, `veriflien-${fileStamp(result.checked_at, "result")}-${result.verdict}.json`);
}

/** Results of checks made elsewhere on this page (the message mode checks a message's links):
 * each one becomes an ordinary card, newest batch first and in the order given. */
export function showResults(results) {
  const before = $("cards").firstElementChild;
  for (const result of results) {
    if (!result || typeof result.url !== "string") continue;
    const card = newCard(result.url, before);
    card.result = result;
    renderCard(card);
    remember(result);
  }
}

// --- running checks ----------------------------------------------------------------------------

function parseLinks(text) {
  const seen = new Set();
  const links = [];
  for (const line of text.split(/\r?\n/)) {
    const link = line.trim();
    if (link && !seen.has(link)) {
      seen.add(link);
      links.push(link);
    }
  }
  return links;
}

function setStatus(text) {
  $("live-status").textContent = text;
}

function cardWords(card) {
  return card.result
    ? verdictWord(prefs.lang, card.result.verdict)
    : t(prefs.lang, "card.error_title");
}

async function checkAgain(card) {
  if (card.node.dataset.state === "running") return;
  Object.assign(card, {
    result: null,
    error: null,
    sheetError: null,
    steps: [],
    lang: prefs.lang,
    country: prefs.country === "other" ? OTHER_COUNTRY : prefs.country,
    minor: prefs.minor,
  });
  renderCard(card);
  setStatus(t(prefs.lang, "status.running", { count: 1 }));
  await runCheck(card, { fresh: true });
  renderCard(card);
  if (card.result) remember(card.result);
  setStatus(t(prefs.lang, "status.done", { summary: cardWords(card) }));
  card.node.querySelector("h3")?.focus();
}

async function startChecks(links) {
  const lang = prefs.lang;
  // Newest batch first, and inside a batch the links in the order they were pasted.
  const before = $("cards").firstElementChild;
  const batch = links.slice(0, MAX_LINKS).map((link) => newCard(link, before));
  setStatus(t(lang, "status.running", { count: batch.length }));
  const queue = [...batch];
  const worker = async () => {
    while (queue.length) {
      const card = queue.shift();
      await runCheck(card);
      renderCard(card);
      if (card.result) remember(card.result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CHECKS, batch.length) }, worker));
  const summary =
    batch.length === 1
      ? cardWords(batch[0])
      : batch
          .map((card) => t(prefs.lang, "status.one", { url: card.url, verdict: cardWords(card) }))
          .join(t(prefs.lang, "list.separator"));
  setStatus(t(prefs.lang, "status.done", { summary }));
  const active = document.activeElement;
  if (!active || active === document.body || active.closest("#check-form")) {
    batch[0].node.querySelector("h3")?.focus();
  }
}

function onSubmit(event) {
  event.preventDefault();
  const lang = prefs.lang;
  const links = parseLinks($("urls").value);
  const error = $("form-error");
  if (!links.length) {
    error.textContent = t(lang, "form.empty");
    $("urls").setAttribute("aria-invalid", "true");
    $("urls").focus();
    return;
  }
  $("urls").removeAttribute("aria-invalid");
  error.textContent = links.length > MAX_LINKS ? t(lang, "form.too_many", { max: MAX_LINKS }) : "";
  startChecks(links);
}

// --- the installed app: service worker and "Share → Vérif'Lien" ---------------------------------

/** The service worker makes the console installable (and open without a network); the console
 * works the same without it. It caches the app's own files only: see /sw.js. */
function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

/**
 * A text shared to the installed console (manifest share_target: GET /?title=&text=&url=). Its
 * links are checked, never opened; the rest of the text is not sent anywhere. The address is
 * put back to "/" at once, so the shared text stays neither in the address bar nor in a bookmark
 * or a reload.
 */
function checkSharedText() {
  const params = new URLSearchParams(window.location.search);
  const parts = ["title", "text", "url"].map((name) => params.get(name) || "").filter(Boolean);
  if (!window.location.search) return;
  window.history.replaceState(null, "", "/");
  if (!parts.length) return;
  const lang = prefs.lang;
  const links = extractLinks(parts.join("\n"), MAX_LINKS);
  if (!links.length) {
    $("form-error").textContent = t(lang, "share.none");
    return;
  }
  $("urls").value = links.join("\n");
  $("form-error").textContent = "";
  startChecks(links).then(() => {
    const done = $("live-status").textContent;
    setStatus(`${t(prefs.lang, "share.found")} ${done}`);
  });
}

// --- settings, language, history ---------------------------------------------------------------

function renderHistory() {
  const lang = prefs.lang;
  const list = $("history-list");
  const entries = prefs.history ? historyEntries() : [];
  list.replaceChildren(
    ...entries.map((entry) =>
      el(
        "li",
        {},
        el("span", { class: "history-when" }, formatDate(lang, entry.checked_at)),
        " — ",
        el("strong", {}, verdictWord(lang, entry.verdict)),
        " — ",
        el("code", { class: "checked-url", translate: "no" }, entry.url),
      ),
    ),
  );
  if (!entries.length) list.append(el("li", { class: "hint" }, t(lang, "history.empty")));
  $("history-clear").disabled = historyEntries().length === 0;
}

/** Which platforms the last self-test could not verify; a courtesy warning, never a blocker. */
async function loadSelftest() {
  try {
    const response = await fetch("/api/v1/selftest", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const doc = await response.json();
    const states = Object.entries(doc.platforms || {});
    unverifiedPlatforms = new Set(states.filter(([, s]) => s !== "verified").map(([id]) => id));
    for (const card of cards) if (card.result) renderCard(card);
  } catch {
    // Without it the console works the same; only the warning is missing.
  }
}

function applyLanguage() {
  const lang = prefs.lang;
  document.documentElement.lang = lang;
  document.title = t(lang, "page.title");
  applyI18n(document, lang);
  for (const card of cards) renderCard(card);
  renderHistory();
}

function init() {
  $("lang").value = prefs.lang;
  const countries = [...$("country").options].map((o) => o.value);
  $("country").value = countries.includes(prefs.country) ? prefs.country : "FR";
  prefs.country = $("country").value;
  $("minor").checked = prefs.minor;
  $("history-enabled").checked = prefs.history;

  $("check-form").addEventListener("submit", onSubmit);
  $("urls").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("check-form").requestSubmit();
    }
  });
  $("lang").addEventListener("change", () => {
    prefs.lang = $("lang").value;
    savePrefs();
    applyLanguage();
  });
  $("country").addEventListener("change", () => {
    prefs.country = $("country").value;
    savePrefs();
  });
  $("minor").addEventListener("change", () => {
    prefs.minor = $("minor").checked;
    savePrefs();
  });
  $("history-enabled").addEventListener("change", () => {
    prefs.history = $("history-enabled").checked;
    savePrefs();
    if (!prefs.history) writeStorage(HISTORY_KEY, null);
    $("history-status").textContent = "";
    renderHistory();
  });
  $("history-clear").addEventListener("click", clearHistory);
  applyLanguage();
  loadSelftest();
  registerServiceWorker();
  checkSharedText();
}

init();
