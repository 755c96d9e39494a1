// "Paste the whole message": the console's second mode.
//
// Why it exists: victims receive a message, not a link. The counsellor pastes the text; the
// service (POST /api/v1/messages) says whether it is a mass scam or targeted blackmail, checks the
// payment details and every link, and this page shows that analysis, then hands each link's result
// to the console, which shows it as an ordinary verdict card.
//
// Same rules as the rest of the console: only this origin is contacted, every value goes into the
// page through textContent, links are shown as text, the message is kept nowhere (it stays in the
// text box until the page is closed, and is never written to storage).

import { el } from "/static/client/dom.js";
import { verdictWord } from "/static/client/words.js";
import { applyI18n, t } from "/static/i18n.js";
import {
  actionsBox,
  errorMessage,
  fileStamp,
  openEvidenceSheet,
  saveJson,
  showResults,
} from "/static/console.js";

const MAX_CHARS = 20000;
const OTHER_COUNTRY = "ZZ";
const TONES = { mass_scam: "calm", targeted_blackmail: "alert", unknown: "neutral" };
const CHECKED = ["bitcoin", "ethereum", "litecoin", "dogecoin", "tron", "monero", "iban"];

const $ = (id) => document.getElementById(id);
let current = null; // {analysis} or {error}
let sheetError = null;

function lang() {
  return $("lang").value === "en" ? "en" : "fr";
}

function safeWebUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

// --- the mode switch ------------------------------------------------------------------------

function setMode(mode, focus) {
  const message = mode === "message";
  $("message-form").hidden = !message;
  $("links-mode").hidden = message;
  if (focus) (message ? $("message-text") : $("urls")).focus();
}

function updateCount() {
  const length = $("message-text").value.length;
  const count = $("message-count");
  count.textContent = t(lang(), "message.count", { count: length, max: MAX_CHARS });
  count.classList.toggle("over", length > MAX_CHARS);
}

// --- analysing ----------------------------------------------------------------------------

async function analyse(event) {
  event.preventDefault();
  const l = lang();
  const box = $("message-text");
  const text = box.value;
  const error = $("message-error");
  if (!text.trim() || text.length > MAX_CHARS) {
    error.textContent = t(l, text.trim() ? "message.too_long" : "message.empty", { max: MAX_CHARS });
    box.setAttribute("aria-invalid", "true");
    box.focus();
    return;
  }
  box.removeAttribute("aria-invalid");
  error.textContent = "";
  const country = $("country").value === "other" ? OTHER_COUNTRY : $("country").value;
  const button = $("message-submit");
  button.disabled = true;
  $("message-status").textContent = t(l, "message.running");
  current = null;
  sheetError = null;
  render();
  try {
    const response = await fetch("/api/v1/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ text, lang: l, country, minor: $("minor").checked }),
      cache: "no-store",
      credentials: "omit",
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    current = { analysis: await response.json() };
  } catch (err) {
    current = { error: err.message || t(l, "card.error_network") };
  } finally {
    button.disabled = false;
  }
  render();
  const kind = current.analysis ? t(l, `message.kind.${current.analysis.classification.kind}`) : "";
  $("message-status").textContent = current.analysis
    ? t(l, "message.done", { kind, count: current.analysis.links.length })
    : t(l, "card.error_title");
  if (current.analysis && current.analysis.links.length) showResults(current.analysis.links);
  $("message-result").querySelector("h3")?.focus();
}

// --- showing the analysis --------------------------------------------------------------------

function checkText(l, item) {
  if (CHECKED.includes(item.kind) && item.valid === true) return ["ok", t(l, "message.valid")];
  if (CHECKED.includes(item.kind) && item.valid === false) return ["bad", t(l, "message.invalid")];
  if (item.kind === "voucher" || item.kind === "voucher_code") {
    return ["unknown", t(l, "message.unverifiable")];
  }
  return ["", ""];
}

function paymentsSection(l, analysis) {
  const payments = Array.isArray(analysis.payments) ? analysis.payments : [];
  if (!payments.length) return null;
  const rows = payments.map((item) => {
    const [state, words] = checkText(l, item);
    const value =
      item.kind === "amount" ? `${item.value} ${item.currency}` : String(item.value ?? "");
    const detail = item.kind === "voucher_code" && item.brand ? ` (${item.brand})` : "";
    return el(
      "li",
      { class: `payment payment-${state || "plain"}`, "data-kind": item.kind },
      el("span", { class: "payment-kind" }, t(l, `message.pay.${item.kind}`) + detail),
      " ",
      el("code", { class: "payment-value", translate: "no" }, value),
      words ? el("span", { class: `payment-check check-${state}` }, words) : null,
    );
  });
  return el(
    "section",
    { class: "message-payments" },
    el("h4", {}, t(l, "message.payments")),
    el("ul", { class: "payment-list" }, rows),
  );
}

function contactsSection(l, analysis) {
  const contacts = Array.isArray(analysis.contacts) ? analysis.contacts : [];
  if (!contacts.length) return null;
  return el(
    "section",
    { class: "message-contacts" },
    el("h4", {}, t(l, "message.contacts")),
    el(
      "ul",
      {},
      contacts.map((c) =>
        el(
          "li",
          {},
          `${t(l, `message.contact.${c.kind}`)} `,
          el("code", { translate: "no" }, c.value),
          c.platform ? ` (${c.platform})` : "",
        ),
      ),
    ),
  );
}

function linksSection(l, analysis) {
  const links = Array.isArray(analysis.links) ? analysis.links : [];
  if (!links.length) return el("p", { class: "hint" }, t(l, "message.no_links"));
  const extra = (analysis.links_found || 0) - links.length;
  return el(
    "section",
    { class: "message-links" },
    el("h4", {}, t(l, "message.links")),
    el(
      "ul",
      {},
      links.map((link) =>
        el(
          "li",
          {},
          el("code", { class: "checked-url", translate: "no" }, link.url),
          " — ",
          el("strong", {}, verdictWord(l, link.verdict)),
        ),
      ),
    ),
    el("p", { class: "hint" }, t(l, "message.links_below")),
    extra > 0 ? el("p", { class: "hint" }, t(l, "message.more_links", { count: extra })) : null,
  );
}

function adviceSection(l, analysis) {
  const advice = analysis.advice || {};
  const section = el("section", { class: "say", lang: analysis.lang || l });
  section.append(el("h4", { class: "say-title", lang: l }, t(l, "card.say")));
  if (advice.summary) section.append(el("p", { class: "summary" }, advice.summary));
  if (Array.isArray(advice.steps) && advice.steps.length) {
    section.append(
      el("h5", { lang: l }, t(l, "card.steps")),
      el("ol", { class: "steps" }, advice.steps.map((step) => el("li", {}, step))),
    );
  }
  if (Array.isArray(advice.notes) && advice.notes.length) {
    section.append(el("ul", { class: "notes" }, advice.notes.map((note) => el("li", {}, note))));
  }
  return section;
}

function reportItem(l, link) {
  const href = safeWebUrl(link.url);
  const digits = link.phone ? String(link.phone).replace(/[^\d+]/g, "") : "";
  const name = href
    ? el(
        "a",
        { class: "button report", href, target: "_blank", rel: "noopener noreferrer" },
        link.name,
        el("span", { class: "visually-hidden" }, ` ${t(l, "report.new_tab")}`),
      )
    : el("span", { class: "report-name" }, link.name);
  const call = digits
    ? el("a", { class: "button call", href: `tel:${digits}` }, t(l, "report.call", { phone: link.phone }))
    : null;
  return el(
    "li",
    { class: "report-item", "data-kind": link.kind },
    el("div", { class: "report-buttons" }, name, call),
    link.why ? el("p", { class: "why" }, link.why) : null,
    link.status === "unconfirmed"
      ? el("p", { class: "report-tags", lang: l }, t(l, "report.unconfirmed"))
      : null,
  );
}

/** Where to turn, in the service's order: for a mass scam the reference advice page comes first
 * (cybermalveillance.gouv.fr in France), for blackmail the complaint. */
function reportSection(l, analysis) {
  const links = Array.isArray(analysis.report_links) ? analysis.report_links : [];
  return el(
    "section",
    { class: "report", lang: analysis.lang || l },
    el("h4", { lang: l }, t(l, "card.report")),
    el(
      "ul",
      { class: "report-list" },
      links.filter((link) => link.name).map((link) => reportItem(l, link)),
    ),
  );
}

function actionsSection(l, analysis) {
  return actionsBox(l, {
    onSheet: () => openSheet(analysis),
    onJson: () => downloadJson(analysis),
    error: sheetError,
  });
}

function render() {
  const l = lang();
  const root = $("message-result");
  root.replaceChildren();
  if (!current) return;
  $("no-results").hidden = true;
  if (current.error) {
    root.append(
      el(
        "article",
        { class: "card message-card tone-neutral", "aria-labelledby": "message-title" },
        el("h3", { id: "message-title", class: "verdict-word", tabindex: "-1" }, t(l, "card.error_title")),
        el("p", { class: "error" }, current.error),
      ),
    );
    return;
  }
  const analysis = current.analysis;
  const kind = Object.hasOwn(TONES, analysis.classification.kind)
    ? analysis.classification.kind
    : "unknown";
  const reasons = Array.isArray(analysis.classification.reasons)
    ? analysis.classification.reasons
    : [];
  const card = el(
    "article",
    {
      class: `card message-card tone-${TONES[kind]}`,
      "aria-labelledby": "message-title",
      "data-kind": kind,
    },
    el("p", { class: "label" }, t(l, "message.card_label")),
    el(
      "div",
      { class: "verdict-banner" },
      el(
        "div",
        { class: "verdict-text" },
        el("h3", { id: "message-title", class: "verdict-word", tabindex: "-1" }, t(l, `message.kind.${kind}`)),
        analysis.advice?.headline ? el("p", { class: "meaning" }, analysis.advice.headline) : null,
      ),
    ),
    reasons.length
      ? el(
          "section",
          { class: "message-reasons" },
          el("h4", {}, t(l, "message.reasons")),
          el("ul", {}, reasons.map((r) => el("li", { "data-code": r.code }, r.text))),
        )
      : null,
    paymentsSection(l, analysis),
    contactsSection(l, analysis),
    linksSection(l, analysis),
    adviceSection(l, analysis),
    reportSection(l, analysis),
    actionsSection(l, analysis),
  );
  if (analysis.lang && analysis.lang !== l) {
    card.append(el("p", { class: "notice" }, t(l, "message.other_lang")));
  }
  root.append(card);
}

// --- sheet and JSON ----------------------------------------------------------------------------

async function openSheet(analysis) {
  sheetError = null;
  const problem = await openEvidenceSheet(analysis, lang());
  if (problem === null) return;
  sheetError = t(lang(), "card.sheet_error", { message: problem });
  render();
}

function downloadJson(analysis) {
  const stamp = fileStamp(analysis.analysed_at, "analysis");
  saveJson(analysis, `veriflien-message-${stamp}-${analysis.classification.kind}.json`);
}

// --- wiring ------------------------------------------------------------------------------------

function init() {
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => setMode(radio.value, true));
  }
  // The choice sits inside the links form: Enter on it must not submit that form.
  $("mode").addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
  $("message-form").addEventListener("submit", analyse);
  $("message-text").addEventListener("input", updateCount);
  $("message-text").addEventListener("keydown", (event) => {
    // Enter writes a new line in a message; Ctrl+Enter (or Cmd+Enter) analyses it.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      $("message-form").requestSubmit();
    }
  });
  $("lang").addEventListener("change", () => {
    applyI18n($("message-form"), lang());
    updateCount();
    render();
  });
  const checked = document.querySelector('input[name="mode"]:checked');
  setMode(checked ? checked.value : "links", false);
  updateCount();
}

init();
