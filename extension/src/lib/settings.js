// The user's settings, kept in storage.local on this device only. Nothing is synced.
import { ext } from "./api.js";
import { DEFAULT_INSTANCE } from "./preset.js";

export const LANGS = ["fr", "en"];

function defaultCountry() {
  // The region of the browser's language ("fr-BE" -> BE), else France, the first audience.
  const region = (ext.i18n.getUILanguage() || "").split(/[-_]/)[1];
  return region && /^[A-Za-z]{2}$/.test(region) ? region.toUpperCase() : "FR";
}

export function defaults() {
  return {
    instance: DEFAULT_INSTANCE,
    apiKey: "",
    lang: "auto",
    country: defaultCountry(),
    minor: false,
    ageAnswered: false,
  };
}

export async function loadSettings() {
  const base = defaults();
  const stored = await ext.storage.local.get(Object.keys(base));
  return { ...base, ...stored };
}

export async function saveSettings(changes) {
  const allowed = Object.keys(defaults());
  const clean = Object.fromEntries(Object.entries(changes).filter(([k]) => allowed.includes(k)));
  await ext.storage.local.set(clean);
}

/** The language of the answers: the user's choice, else the browser's language. */
export function answerLang(settings) {
  if (LANGS.includes(settings.lang)) return settings.lang;
  return (ext.i18n.getUILanguage() || "fr").toLowerCase().startsWith("fr") ? "fr" : "en";
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * An instance address as typed by the user -> {ok, value} or {ok: false, error: messageKey}.
 * https only, except on this computer (http://127.0.0.1 for a local instance): over plain http
 * anyone on the network path could read the link being checked.
 */
export function parseInstance(raw) {
  let url;
  try {
    url = new URL(String(raw ?? "").trim());
  } catch {
    return { ok: false, error: "optionsInstanceInvalid" };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    return { ok: false, error: "optionsInstanceHttps" };
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, error: "optionsInstanceInvalid" };
  }
  return { ok: true, value: (url.origin + url.pathname).replace(/\/+$/, "") };
}

/** The host permission that covers an instance (no port: see build.mjs). */
export function instancePattern(instance) {
  const url = new URL(instance);
  return `${url.protocol}//${url.hostname}/*`;
}

export const PRESET_PATTERN = instancePattern(DEFAULT_INSTANCE);

/** A short form of the instance address to show people ("aide.example.org"). */
export function instanceLabel(instance) {
  try {
    const url = new URL(instance);
    return url.host + (url.pathname === "/" ? "" : url.pathname);
  } catch {
    return String(instance);
  }
}
