// The result page: checks each link through the configured instance, shows the progress, then
// the verdict, what it means, what to do and who can help. For a whole pasted message, it shows
// the instance's analysis (mass scam or targeted blackmail, payment details checked) and then a
// card per link of the message, exactly as for a pasted link. The checked link is only ever shown
// as text: it is never a hyperlink, never loaded, previewed or embedded here.
import { ext } from "./lib/api.js";
import { analyseMessage, fetchSheet, InstanceError, runCheck, sheetBlobUrl } from "./lib/checks.js";
import { currentLang, formatDate, localize, t, useLanguage, verdictText } from "./lib/i18n.js";
import { el } from "./lib/client/dom.js";
import { findingsList } from "./lib/client/findings.js";
import { reportGroups, reportHref, telHref } from "./lib/client/reports.js";
import { probeStep } from "./lib/client/stream.js";
import { knownVerdict, verdictIcon, verdictTone } from "./lib/client/verdicts.js";
import { probeWord } from "./lib/client/words.js";
import { answerLang, instanceLabel, loadSettings } from "./lib/settings.js";
import {
  canWatch,
  DEFAULT_WATCH_HOURS,
  findWatch,
  getWatch,
  markSeen,
  startWatch,
  stopWatch,
  WATCH_DAYS,
  WATCH_HOURS,
} from "./lib/watch.js";

// Message kinds have a tone too, in the verdicts' vocabulary (see lib/client/verdicts.js).
const MESSAGE_TONES = { mass_scam: "calm", targeted_blackmail: "alert", unknown: "neutral" };

function linkButton(href, label, className) {
  return el("a", {
    class: `button ${className}`,
    href,
    target: "_blank",
    rel: "noopener noreferrer",
    referrerpolicy: "no-referrer",
    text: label,
  });
}

function phoneButton(phone) {
  const href = telHref(phone);
  return href ? el("a", { class: "button button-call", href, text: t("callNumber", [phone]) }) : null;
}

function renderProgress(list, event) {
  const step = probeStep(event);
  if (!step) return;
  const name = probeWord(currentLang(), step.probe) ?? t("probeOther");
  let item = list.querySelector(`[data-probe="${CSS.escape(step.probe)}"]`);
  if (!item) {
    item = el("li", { "data-probe": step.probe });
    list.append(item);
  }
  item.dataset.status = step.status;
  item.textContent = `${name} — ${t(`status_${step.status}`)}`;
}

function renderReportLinks(links, skipKinds) {
  const section = el("section", { class: "help" }, el("h3", { text: t("helpHeading") }));
  for (const { kind, links: group } of reportGroups(links, { skip: skipKinds })) {
    const box = el("div", { class: "help-group", "data-kind": kind }, el("h4", { text: t(`kind_${kind}`) }));
    const list = el("ul", { class: "report-links" });
    for (const link of group) {
      const href = link.url ? reportHref(link.url) : null;
      const actions = el(
        "div",
        { class: "actions" },
        link.phone ? phoneButton(link.phone) : null,
        href ? linkButton(href, t(kind === "platform" ? "reportOnSite" : "openSite"), "button-site") : null,
      );
      list.append(
        el(
          "li",
          { class: "report-link", "data-name": link.name },
          el("strong", { text: link.name }),
          link.why ? el("p", { text: link.why }) : null,
          actions,
          link.status === "unconfirmed" ? el("p", { class: "small", text: t("addressUnconfirmed") }) : null,
        ),
      );
    }
    box.append(list);
    section.append(box);
  }
  return section;
}

function renderPrevention(prevention) {
  if (!prevention || !prevention.name) return null;
  const href = prevention.url ? reportHref(prevention.url) : null;
  return el(
    "aside",
    { class: "prevention" },
    el("h3", { text: t("preventionHeading") }),
    prevention.text ? el("p", { text: prevention.text }) : null,
    el(
      "div",
      { class: "actions" },
      prevention.phone ? phoneButton(prevention.phone) : null,
      href ? linkButton(href, `${t("openSite")} (${prevention.name})`, "button-site") : null,
    ),
  );
}

function renderEvidence(settings, result) {
  const status = el("p", { class: "small", role: "status" });
  const button = el("button", { type: "button", class: "button button-primary", text: t("sheetButton") });
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = t("sheetPreparing");
    try {
      const url = sheetBlobUrl(await fetchSheet(settings, result));
      const opener = el("a", { href: url, target: "_blank", rel: "noopener" });
      document.body.append(opener);
      opener.click();
      opener.remove();
      status.textContent = t("sheetOpened");
      setTimeout(() => URL.revokeObjectURL(url), 5 * 60 * 1000);
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      button.disabled = false;
    }
  });
  return el(
    "section",
    { class: "evidence" },
    el("h3", { text: t("sheetHeading") }),
    el("p", { text: t("sheetExplain") }),
    button,
    status,
  );
}

function renderDetails(result) {
  // What was observed, in words (the technical detail stays in the JSON and the evidence sheet).
  const list = findingsList(result.findings, currentLang(), (strength) => t(`strength_${strength}`));
  const facts = el("dl");
  const add = (key, value) => {
    if (value === null || value === undefined || value === "") return;
    facts.append(el("dt", { text: t(key) }), el("dd", { class: "link-text", text: String(value) }));
  };
  add("detailFinalUrl", result.final_url !== result.url ? result.final_url : null);
  add("detailRedirects", Array.isArray(result.redirects) ? result.redirects.length : null);
  add("detailPlatform", result.platform?.name);
  add("detailCheckedAt", result.checked_at);
  return el("details", { class: "technical" }, el("summary", { text: t("detailsHeading") }), facts, list);
}

/** "Check again": the instance reads the link anew instead of reusing a recent answer. */
function renderAgain(card, settings, link) {
  const hintId = `again-hint-${card.dataset.index}`;
  const button = el("button", {
    type: "button",
    class: "button button-again",
    "aria-describedby": hintId,
    text: t("checkAgain"),
  });
  button.addEventListener("click", () => checkOne(card, settings, link, { fresh: true }));
  return el("div", { class: "again" }, button, el("p", { class: "small", id: hintId, text: t("checkAgainHint") }));
}

/**
 * "Watch this link": re-checked every 6, 12 or 24 hours for 30 days, from this browser. The
 * permission to show notifications is asked for here, in the click (browsers grant permissions
 * only in answer to a gesture); refused, the watch still runs and shows changes on the toolbar
 * icon and the watched links page.
 */
function renderWatch(card, link, result) {
  const status = el("p", { class: "small watch-status", role: "status" });
  const body = el("div", { class: "watch-body" });
  const section = el("section", { class: "watch" }, el("h3", { text: t("watchHeading") }), body, status);

  function offer() {
    const id = `watch-hours-${card.dataset.index}`;
    const select = el("select", { id, class: "watch-hours" });
    for (const hours of WATCH_HOURS) {
      select.append(
        el("option", { value: String(hours), selected: hours === DEFAULT_WATCH_HOURS, text: t(`watchEvery${hours}`) }),
      );
    }
    const button = el("button", { type: "button", class: "button button-watch", text: t("watchStart") });
    button.addEventListener("click", () => {
      const asking = ext.permissions.request({ permissions: ["notifications"] }).catch(() => false);
      button.disabled = true;
      asking
        .then(async (allowed) => {
          show(await startWatch(link, select.value, result));
          status.textContent = t(allowed ? "watchStarted" : "watchStartedQuietly");
          section.querySelector(".button-unwatch")?.focus();
        })
        .catch(() => {
          status.textContent = t("watchFailed");
          button.disabled = false;
        });
    });
    return [
      el("p", { text: t("watchExplain", [String(WATCH_DAYS)]) }),
      el("p", { class: "small", text: t("watchPrivacy") }),
      el("div", { class: "watch-form" }, el("label", { for: id, text: t("watchInterval") }), select, button),
    ];
  }

  function watching(watch) {
    const stop = el("button", { type: "button", class: "button button-unwatch", text: t("watchStop") });
    stop.addEventListener("click", async () => {
      stop.disabled = true;
      await stopWatch(watch.id);
      show(null);
      status.textContent = t("watchStopped");
      section.querySelector(".button-watch")?.focus();
    });
    return [
      el("p", { class: "watch-state", text: t("watchActive", [t(`watchEvery${watch.hours}`), formatDate(watch.until)]) }),
      el("p", { class: "small", text: t("watchPrivacy") }),
      el("div", { class: "actions" }, stop, el("a", { href: "watches.html", target: "_blank", text: t("watchList") })),
    ];
  }

  function show(watch) {
    body.replaceChildren(...(watch ? watching(watch) : offer()));
  }

  findWatch(link).then(show, () => show(null));
  return section;
}

function renderResult(card, settings, link, result) {
  const verdict = knownVerdict(result.verdict);
  const tone = verdictTone(verdict);
  const advice = result.advice ?? {};
  const outcome = el(
    "div",
    { class: "outcome" },
    el(
      "div",
      { class: "verdict", "data-verdict": verdict, "data-tone": tone },
      verdictIcon(verdict),
      el(
        "span",
        { class: "verdict-text" },
        el("span", { class: "small", text: t("verdictLabel") }),
        el("strong", { class: "verdict-name", text: verdictText(verdict) }),
        result.confidence ? el("span", { class: "small", text: t(`confidence_${result.confidence}`) }) : null,
      ),
    ),
    advice.headline ? el("h3", { class: "headline", text: advice.headline }) : null,
    advice.summary ? el("p", { class: "summary", text: advice.summary }) : null,
    advice.reassurance ? el("p", { class: "reassurance", text: advice.reassurance }) : null,
  );
  if (Array.isArray(advice.steps) && advice.steps.length) {
    const steps = el("ol", { class: "steps" });
    for (const step of advice.steps) steps.append(el("li", { text: step }));
    outcome.append(el("section", { class: "next" }, el("h3", { text: t("stepsHeading") }), steps));
  }
  if (Array.isArray(result.report_links) && result.report_links.length) {
    // The prevention line (suicide prevention) has its own box when the advice names it.
    const skip = advice.prevention?.name ? ["prevention"] : [];
    outcome.append(renderReportLinks(result.report_links, skip));
  }
  outcome.append(renderPrevention(advice.prevention) ?? "");
  if (Array.isArray(advice.notes) && advice.notes.length) {
    const notes = el("ul", { class: "notes" });
    for (const note of advice.notes) notes.append(el("li", { text: note }));
    outcome.append(notes);
  }
  outcome.append(renderAgain(card, settings, link));
  if (canWatch(verdict)) outcome.append(renderWatch(card, link, result));
  outcome.append(renderEvidence(settings, result), renderDetails(result));
  card.append(outcome);
}

function errorText(error) {
  if (error instanceof InstanceError) {
    switch (error.kind) {
      case "permission":
        return t("errorPermission");
      case "auth":
        return t("errorAuth");
      case "busy":
        return t("errorBusy");
      case "http":
        return t("errorHttp", [String(error.status)]);
      case "incomplete":
        return t("errorIncomplete");
      default:
        return t("errorNetwork");
    }
  }
  return t("errorNetwork");
}

async function checkOne(card, settings, link, { fresh = false } = {}) {
  card.querySelector(".outcome, .problem")?.remove();
  const progress = card.querySelector(".progress");
  progress.replaceChildren();
  card.dataset.state = "running";
  card.setAttribute("aria-busy", "true");
  const waiting = el("p", { class: "waiting", role: "status", text: t("checking") });
  card.append(waiting);
  try {
    const result = await runCheck(settings, link, {
      onProgress: (event) => renderProgress(progress, event),
      fresh,
    });
    renderResult(card, settings, link, result);
    card.dataset.state = "done";
    if (fresh) {
      // The button that was pressed is gone with the old result: give focus to the new verdict.
      const verdict = card.querySelector(".verdict");
      verdict.setAttribute("tabindex", "-1");
      verdict.focus();
    }
  } catch (error) {
    const retry = el("button", { type: "button", class: "button", text: t("retry") });
    retry.addEventListener("click", () => checkOne(card, settings, link));
    card.append(el("div", { class: "problem", role: "alert" }, el("p", { text: errorText(error) }),
      el("p", { class: "small", text: t("linkStillNotOpened") }), retry));
    card.dataset.state = "error";
  } finally {
    waiting.remove();
    card.removeAttribute("aria-busy");
  }
}

function checkCard(link, index, total) {
  return el(
    "section",
    { class: "card", "data-index": String(index) },
    el("h2", { text: total > 1 ? t("checkedLinkN", [String(index + 1), String(total)]) : t("checkedLink") }),
    el("p", { class: "checked-link" }, el("span", { class: "link-text", text: link })),
    el("ul", { class: "progress", "aria-live": "polite" }),
  );
}

async function pending() {
  const key = `check:${location.hash.slice(1)}`;
  const stored = (await ext.storage.session.get(key))[key] ?? {};
  const links = Array.isArray(stored.links) ? stored.links.filter((l) => typeof l === "string") : [];
  const message = typeof stored.message === "string" && stored.message.trim() ? stored.message : null;
  return { links, message };
}

const CHECKED = ["bitcoin", "ethereum", "litecoin", "dogecoin", "tron", "monero", "iban"];

function paymentLine(item) {
  if (item.kind === "amount") {
    return el("li", { "data-kind": "amount", text: `${t("messageAmount")} : ${item.value} ${item.currency}` });
  }
  let check = "";
  if (CHECKED.includes(item.kind)) check = t(item.valid ? "messageValid" : "messageInvalid");
  else if (item.kind === "voucher" || item.kind === "voucher_code") check = t("messageUnverifiable");
  return el(
    "li",
    { "data-kind": item.kind, "data-valid": String(item.valid) },
    el("span", { text: `${item.kind} ` }),
    el("span", { class: "link-text", text: String(item.value) }),
    check ? el("span", { class: "small", text: ` — ${check}` }) : null,
  );
}

function renderMessage(card, settings, analysis) {
  const kind = Object.hasOwn(MESSAGE_TONES, analysis.classification?.kind)
    ? analysis.classification.kind
    : "unknown";
  const advice = analysis.advice ?? {};
  const outcome = el(
    "div",
    { class: "outcome" },
    el(
      "div",
      { class: "verdict", "data-kind": kind, "data-tone": MESSAGE_TONES[kind] },
      el("strong", { class: "verdict-name", text: t(`messageKind_${kind}`) }),
    ),
    advice.headline ? el("h3", { class: "headline", text: advice.headline }) : null,
    advice.summary ? el("p", { class: "summary", text: advice.summary }) : null,
  );
  const reasons = analysis.classification?.reasons ?? [];
  if (reasons.length) {
    const list = el("ul", { class: "reasons" });
    for (const reason of reasons) list.append(el("li", { text: reason.text }));
    outcome.append(el("section", {}, el("h3", { text: t("messageReasons") }), list));
  }
  if (Array.isArray(analysis.payments) && analysis.payments.length) {
    const list = el("ul", { class: "payments" });
    for (const item of analysis.payments) list.append(paymentLine(item));
    outcome.append(el("section", {}, el("h3", { text: t("messagePayments") }), list));
  }
  if (Array.isArray(analysis.contacts) && analysis.contacts.length) {
    const list = el("ul", { class: "contacts" });
    for (const contact of analysis.contacts) {
      const where = contact.platform ? ` (${contact.platform})` : "";
      list.append(el("li", { class: "link-text", text: `${contact.value}${where}` }));
    }
    outcome.append(el("section", {}, el("h3", { text: t("messageContacts") }), list));
  }
  if (Array.isArray(advice.steps) && advice.steps.length) {
    const steps = el("ol", { class: "steps" });
    for (const step of advice.steps) steps.append(el("li", { text: step }));
    outcome.append(el("section", { class: "next" }, el("h3", { text: t("stepsHeading") }), steps));
  }
  if (Array.isArray(analysis.report_links) && analysis.report_links.length) {
    outcome.append(renderReportLinks(analysis.report_links, []));
  }
  outcome.append(renderEvidence(settings, analysis));
  card.append(outcome);
}

async function analyseOne(settings, text) {
  const container = document.getElementById("checks");
  document.querySelector("h1").textContent = t("messageHeading");
  const card = el(
    "section",
    { class: "card message", "aria-busy": "true" },
    el("h2", { text: t("messageHeading") }),
    el("p", { class: "small", text: t("messageNotKept") }),
  );
  card.dataset.state = "running";
  const waiting = el("p", { class: "waiting", role: "status", text: t("messageAnalysing") });
  card.append(waiting);
  container.append(card);
  let analysis;
  try {
    analysis = await analyseMessage(settings, text);
    renderMessage(card, settings, analysis);
    card.dataset.state = "done";
  } catch (error) {
    const retry = el("button", { type: "button", class: "button", text: t("retry") });
    retry.addEventListener("click", () => {
      card.remove();
      analyseOne(settings, text);
    });
    card.append(el("div", { class: "problem", role: "alert" }, el("p", { text: errorText(error) }), retry));
    card.dataset.state = "error";
    return;
  } finally {
    waiting.remove();
    card.removeAttribute("aria-busy");
  }
  // Each link of the message, already checked by the instance: the same card as a pasted link.
  const links = Array.isArray(analysis.links) ? analysis.links : [];
  for (const [i, result] of links.entries()) {
    const linkCard = checkCard(result.url, i, links.length);
    renderResult(linkCard, settings, result.url, result);
    linkCard.dataset.state = "done";
    container.append(linkCard);
  }
}

/** result.html#watch:<id> — a watched link's latest answer, opened from its notification or
 * from the watched links page; no new check is made to show it. */
async function showWatched(settings, id) {
  const watch = await getWatch(id);
  if (!watch) {
    const empty = document.getElementById("empty");
    empty.textContent = t("watchGone");
    empty.hidden = false;
    return;
  }
  await markSeen(id);
  const card = checkCard(watch.url, 0, 1);
  document.getElementById("checks").append(card);
  if (watch.changed) {
    const from = verdictText(watch.changed.from ?? "unknown");
    const to = verdictText(watch.changed.to);
    card.append(el("p", { class: "notice watch-change", text: t("watchChangedOn", [formatDate(watch.changed.at), from, to]) }));
  }
  if (watch.result) {
    renderResult(card, settings, watch.url, watch.result);
    card.dataset.state = "done";
  } else {
    await checkOne(card, settings, watch.url);
  }
}

async function main() {
  const settings = await loadSettings();
  await useLanguage(answerLang(settings));
  localize();
  document.getElementById("instance-label").textContent = instanceLabel(settings.instance);
  const hash = location.hash.slice(1);
  if (hash.startsWith("watch:")) {
    await showWatched(settings, hash.slice("watch:".length));
    return;
  }
  const { links, message } = await pending();
  if (message) {
    await analyseOne(settings, message);
    return;
  }
  if (!links.length) {
    document.getElementById("empty").hidden = false;
    return;
  }
  const container = document.getElementById("checks");
  const cards = links.map((link, i) => checkCard(link, i, links.length));
  container.append(...cards);
  for (const [i, link] of links.entries()) await checkOne(cards[i], settings, link);
}

main();
