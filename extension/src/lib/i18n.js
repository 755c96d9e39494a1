// The one i18n helper: every visible string lives in _locales/<lang>/messages.json. HTML carries
// data-i18n (text), data-i18n-placeholder, data-i18n-title and data-i18n-aria-label attributes;
// localize() fills them. Text is always set with textContent, never parsed as HTML.
//
// browser.i18n follows the browser's language only. When the person picks another language in
// the options (to match the answers of the service), useLanguage() loads that locale's own
// messages.json from the extension package; browser.i18n stays the fallback.
import { ext } from "./api.js";
import { verdictWord } from "./client/words.js";

let chosen = null; // {lang, messages} once useLanguage() loaded a locale
// The newest useLanguage() call wins, whatever order the fetches finish in: the options page
// loads the saved language on opening and the new one on saving, and on a slow machine the
// first could otherwise land last and put the page back in the old language.
let latest = 0;

export async function useLanguage(lang) {
  const call = ++latest;
  let loaded = null; // null: the browser's language
  if (/^[a-z]{2}$/.test(lang ?? "")) {
    try {
      const response = await fetch(ext.runtime.getURL(`_locales/${lang}/messages.json`));
      loaded = { lang, messages: await response.json() };
    } catch {
      loaded = null;
    }
  }
  if (call === latest) chosen = loaded;
}

export function t(key, substitutions) {
  const list = substitutions === undefined ? [] : [].concat(substitutions).map(String);
  const entry = chosen?.messages?.[key];
  if (entry && typeof entry.message === "string") {
    return entry.message.replace(/\$(\d)/g, (_, n) => list[Number(n) - 1] ?? "");
  }
  const text = ext.i18n.getMessage(key, list.length ? list : undefined);
  return text || key; // a missing message shows its key, which a test then catches
}

/** The language the pages are shown in: the one chosen in the options, else the browser's. */
export function currentLang() {
  return chosen?.lang ?? (ext.i18n.getUILanguage() || "fr").split(/[-_]/)[0];
}

/** A verdict's name in the page's language: the words the console, the CLI and the evidence
 * sheet use too (service/veriflien/advice/texts.toml, through the shared client's words.js). */
export function verdictText(verdict) {
  return verdictWord(currentLang(), verdict);
}

/** A moment (milliseconds since the epoch) as a date and time in the page's language, as the
 * result and watched links pages show when a watched link was checked or changed. */
export function formatDate(ms) {
  return new Date(ms).toLocaleString(document.documentElement.lang || undefined, {
    dateStyle: "long",
    timeStyle: "short",
  });
}

const ATTRIBUTES = {
  "data-i18n-placeholder": "placeholder",
  "data-i18n-title": "title",
  "data-i18n-aria-label": "aria-label",
};

export function localize(root = document) {
  if (root === document) {
    document.documentElement.lang = currentLang();
  }
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const [attribute, target] of Object.entries(ATTRIBUTES)) {
    for (const element of root.querySelectorAll(`[${attribute}]`)) {
      element.setAttribute(target, t(element.getAttribute(attribute)));
    }
  }
}
