// The counsellor console: paste a link, watch the check run, read the answer aloud.
//
// Why it is built this way:
// - The link comes from a blackmailer, so it is only ever shown as text (never an <a>, never
//   embedded), and every value from a result goes into the page through textContent.
// - The service keeps no history; this page keeps none either unless the counsellor ticks the
//   clearly labelled box, and then only in this browser's localStorage.
// - Progress is read from the POST /api/v1/checks event stream with fetch() and a ReadableStream
//   (EventSource cannot POST). Only this origin is ever contacted (CSP connect-src 'self').

import { LANGS, applyI18n, t } from "/static/i18n.js";
import { VERDICT_LOOK, verdictIcon } from "/static/icons.js";

const PREFS_KEY = "veriflien.prefs";
const HISTORY_KEY = "veriflien.history";
const HISTORY_MAX = 50;
const MAX_LINKS = 10;
const PARALLEL_CHECKS = 3;
// "Other" has no national entry: ZZ is an ISO 3166 user-assigned code, so the service falls back
// to the international resources and says so.
const OTHER_COUNTRY = "ZZ";
const REPORT_KINDS = ["platform", "authority", "support", "prevention"];
const KNOWN_PROBES = [
  "url",
  "fetch",
  "platform",
  "page",
  "oembed",
  "api",
  "media",
  "ytdlp",
  "embed",
  "check",
];
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

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === "") continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Only web addresses become links; anything else (javascript:, data:...) is shown as text. */
function safeWebUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

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

/** A verdict this console knows words for; a newer service's verdict reads as "unknown". */
function knownVerdict(verdict) {
  return Object.hasOwn(VERDICT_LOOK, verdict) ? verdict : "unknown";
}

/** Card headings take focus from script (tabindex -1) so a finished check can be announced. */
function heading(id, className, text) {
  return el("h3", { id, class: className, tabindex: "-1" }, text);
}

function probeLabel(lang, name) {
  return KNOWN_PROBES.includes(name) ? t(lang, `probe.${name}`) : t(lang, "probe.other", { name });
}

// --- the event stream ------------------------------------------------------------------------

/** Yield {event, data} for each Server-Sent Event block in a fetch() response body. */
async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
      }
      if (data.length) yield { event, data: data.join("\n") };
      end = buffer.indexOf("\n\n");
    }
  }
}

async function errorMessage(response) {
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
    for await (const { event, data } of serverEvents(response)) {
      const doc = JSON.parse(data);
      if (event === "progress") addProgress(card, doc);
      else if (event === "result") card.result = doc;
    }
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
  if (!event || event.event !== "probe" || typeof event.probe !== "string") return;
  const existing = card.steps.find((s) => s.probe === event.probe);
  if (existing) Object.assign(existing, event);
  else card.steps.push({ ...event });
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
  node.className = `card tone-${VERDICT_LOOK[verdict].tone}`;
  node.dataset.verdict = verdict;

  node.append(
    el(
      "div",
      { class: "verdict-banner" },
      el("span", { class: "verdict-icon" }, verdictIcon(verdict)),
      el(
        "div",
        { class: "verdict-text" },
        heading(headingId, "verdict-word", t(lang, `verdict.${verdict}`)),
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
  const findings = Array.isArray(card.result.findings) ? card.result.findings : [];
  const list = el("ul", { class: "findings", lang: "en" });
  for (const finding of findings) {
    const item = el("li", { class: finding.probe === "verdict" ? "finding rule" : "finding" });
    if (finding.strength) {
      const tag = t(lang, `strength.${finding.strength}`);
      item.append(el("span", { class: `tag strength-${finding.strength}`, lang }, tag));
    }
    item.append(el("span", { class: "detail" }, finding.detail));
    list.append(item);
  }
  return el(
    "section",
    { class: "findings-box" },
    el("h4", {}, t(lang, "card.findings")),
    lang === "fr" ? el("p", { class: "hint" }, t(lang, "card.findings_lang")) : null,
    list,
  );
}

function telHref(phone) {
  const digits = String(phone).replace(/[^\d+]/g, "");
  return digits ? `tel:${digits}` : null;
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
  const href = safeWebUrl(link.url);
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
  for (const kind of REPORT_KINDS) {
    const group = links.filter((link) => link.kind === kind && link.name);
    if (!group.length) continue;
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

function actionsSection(card) {
  const lang = prefs.lang;
  const sheet = el("button", { type: "button", class: "primary sheet" }, t(lang, "card.sheet"));
  sheet.addEventListener("click", () => openSheet(card));
  const json = el("button", { type: "button", class: "secondary json" }, t(lang, "card.json"));
  json.addEventListener("click", () => downloadJson(card));
  return el(
    "section",
    { class: "actions" },
    el("h4", {}, t(lang, "card.actions")),
    el("div", { class: "action-buttons" }, sheet, json),
    card.sheetError ? el("p", { class: "error", role: "alert" }, card.sheetError) : null,
  );
}

// --- evidence sheet and JSON ---------------------------------------------------------------------

function fileStamp(result) {
  return String(result.checked_at || "").replace(/[^0-9TZ]/g, "").slice(0, 16) || "result";
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

async function openSheet(card) {
  // Opened inside the click so pop-up blockers allow it; filled once the sheet arrives. The sheet
  // is the service's own page (no script, no external resource), shown from a blob: address.
  const win = window.open("", "_blank");
  card.sheetError = null;
  try {
    const response = await fetch(`/api/v1/sheet?lang=${encodeURIComponent(prefs.lang)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(card.result),
      cache: "no-store",
      credentials: "omit",
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    const html = await response.text();
    if (!win) throw new Error("pop-up");
    showSheet(win, html);
  } catch (error) {
    if (win) win.close();
    card.sheetError = t(prefs.lang, "card.sheet_error", { message: error.message });
    renderCard(card);
  }
}

function downloadJson(card) {
  const blob = new Blob([JSON.stringify(card.result, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = el("a", {
    href: url,
    download: `veriflien-${fileStamp(card.result)}-${card.result.verdict}.json`,
    hidden: true,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
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
    ? t(prefs.lang, `verdict.${knownVerdict(card.result.verdict)}`)
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
        el("strong", {}, t(lang, `verdict.${knownVerdict(entry.verdict)}`)),
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
}

init();
