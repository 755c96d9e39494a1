// Options: the instance (its address and an optional API key), the language of the answers, the
// country used to suggest who can help, and the age question. Changing the instance asks the
// browser for access to that one address (permissions.request), and gives back the access to
// the previous one.
import { ext } from "./lib/api.js";
import { localize, t, useLanguage } from "./lib/i18n.js";
import {
  answerLang,
  instancePattern,
  loadSettings,
  parseInstance,
  PRESET_PATTERN,
  saveSettings,
} from "./lib/settings.js";

const form = document.getElementById("options-form");
const fields = {
  instance: document.getElementById("instance"),
  apiKey: document.getElementById("api-key"),
  lang: document.getElementById("lang"),
  country: document.getElementById("country"),
  minor: document.getElementById("minor"),
};
const status = document.getElementById("options-status");

function say(key, substitutions) {
  status.textContent = t(key, substitutions);
  status.dataset.message = key; // which message is shown, whatever the language
}

async function fill() {
  const settings = await loadSettings();
  await useLanguage(answerLang(settings));
  localize();
  fields.instance.value = settings.instance;
  fields.apiKey.value = settings.apiKey;
  fields.lang.value = ["fr", "en"].includes(settings.lang) ? settings.lang : "auto";
  fields.country.value = settings.country;
  fields.minor.checked = Boolean(settings.minor);
}

/** Gives back host access this extension no longer needs (earlier instances). */
async function dropUnusedOrigins(keep) {
  const { origins = [] } = await ext.permissions.getAll();
  const unused = origins.filter((origin) => origin !== keep && origin !== PRESET_PATTERN);
  if (unused.length) await ext.permissions.remove({ origins: unused }).catch(() => false);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const parsed = parseInstance(fields.instance.value);
  if (!parsed.ok) {
    say(parsed.error);
    fields.instance.focus();
    return;
  }
  const country = fields.country.value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) {
    say("optionsCountryInvalid");
    fields.country.focus();
    return;
  }
  const pattern = instancePattern(parsed.value);
  // permissions.request must run in the click's own task (Firefox drops the user gesture after
  // an await), so it is called before anything asynchronous.
  const granted =
    pattern === PRESET_PATTERN ? Promise.resolve(true) : ext.permissions.request({ origins: [pattern] });
  granted
    .then(async (ok) => {
      if (!ok) {
        say("optionsPermissionDenied");
        return;
      }
      await saveSettings({
        instance: parsed.value,
        apiKey: fields.apiKey.value.trim(),
        lang: fields.lang.value,
        country,
        minor: fields.minor.checked,
        ageAnswered: true,
      });
      await dropUnusedOrigins(pattern);
      await useLanguage(answerLang(await loadSettings())); // the page follows a new language
      localize();
      fields.instance.value = parsed.value;
      fields.country.value = country;
      say("optionsSaved");
    })
    .catch(() => say("optionsPermissionDenied"));
});

document.getElementById("test").addEventListener("click", async () => {
  const settings = await loadSettings();
  const pattern = instancePattern(settings.instance);
  if (!(await ext.permissions.contains({ origins: [pattern] }))) {
    say("errorPermission");
    return;
  }
  try {
    const response = await fetch(`${settings.instance}/healthz`, {
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      referrerPolicy: "no-referrer",
      headers: settings.apiKey ? { Authorization: `Bearer ${settings.apiKey}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
    const body = response.ok ? await response.json() : null;
    if (body?.status === "ok") say("optionsTestOk", [String(body.version ?? "")]);
    else say("errorHttp", [String(response.status)]);
  } catch {
    say("errorNetwork");
  }
});

fill();
