// Talking to the configured Vérif'Lien instance — the only server this extension ever contacts.
// POST /api/v1/checks (streamed as server-sent events), POST /api/v1/messages (a whole pasted
// message, when the person asks for it) and POST /api/v1/sheet. No cookies, no
// referrer, no redirects followed (a redirect would resend the link to another address).
import { ext } from "./api.js";
import { readCheck } from "./client/stream.js";
import { answerLang, instancePattern } from "./settings.js";

const CHECK_TIMEOUT_MS = 90_000;

export class InstanceError extends Error {
  /** kind: "permission" | "network" | "auth" | "busy" | "http" | "incomplete" */
  constructor(kind, status = 0, detail = "") {
    super(`${kind} ${status} ${detail}`.trim());
    this.kind = kind;
    this.status = status;
    this.detail = detail;
  }
}

function endpoint(instance, path) {
  return `${instance.replace(/\/+$/, "")}${path}`;
}

function headers(settings, extra) {
  const all = { ...extra };
  if (settings.apiKey) all.Authorization = `Bearer ${settings.apiKey}`;
  return all;
}

/** What every check and analysis sends: `fields`, then the answers' language, country and age. */
function askBody(settings, fields) {
  return {
    ...fields,
    lang: answerLang(settings),
    country: settings.country,
    minor: Boolean(settings.minor),
  };
}

/** The caller's signal, if any, joined to the time a check or an analysis may take at most. */
function withTimeout(signal) {
  const timeout = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

async function post(settings, path, body, accept, signal) {
  const granted = await ext.permissions.contains({ origins: [instancePattern(settings.instance)] });
  if (!granted) throw new InstanceError("permission");
  let response;
  try {
    response = await fetch(endpoint(settings.instance, path), {
      method: "POST",
      headers: headers(settings, { "Content-Type": "application/json", Accept: accept }),
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      referrerPolicy: "no-referrer",
      signal,
    });
  } catch (error) {
    throw new InstanceError("network", 0, error?.name === "AbortError" ? "timeout" : "");
  }
  if (response.status === 401 || response.status === 403) {
    throw new InstanceError("auth", response.status);
  }
  if (response.status === 429) throw new InstanceError("busy", 429);
  if (!response.ok) {
    let detail = "";
    try {
      detail = (await response.json())?.error?.code ?? "";
    } catch {
      // not JSON: the status says enough
    }
    throw new InstanceError("http", response.status, String(detail).slice(0, 80));
  }
  return response;
}

/**
 * Runs one check. onProgress receives each `progress` event's data; the promise resolves with
 * the result document. The instance fetches the link; this browser never does. fresh: ask the
 * instance to look again instead of reusing a recent check of the same link ("check again");
 * sent only when asked, so instances that predate it still accept ordinary checks.
 */
export async function runCheck(settings, url, { onProgress = () => {}, signal, fresh = false } = {}) {
  const combined = withTimeout(signal);
  const body = askBody(settings, { url });
  if (fresh) body.fresh = true;
  const response = await post(settings, "/api/v1/checks", body, "text/event-stream", combined);
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) {
    // An instance (or a proxy) that does not stream still answers with the whole document.
    try {
      return await response.json();
    } catch {
      throw new InstanceError("incomplete");
    }
  }
  let result;
  try {
    result = await readCheck(response.body, onProgress);
  } catch (error) {
    if (error instanceof InstanceError) throw error;
    throw new InstanceError("incomplete", 0, error?.name === "AbortError" ? "timeout" : "");
  }
  if (!result) throw new InstanceError("incomplete");
  return result;
}

/**
 * The analysis of a whole message (kind of message, payment details checked, each link's result
 * document, advice). The text goes to the instance only, which neither keeps nor logs it.
 */
export async function analyseMessage(settings, text, { signal } = {}) {
  const combined = withTimeout(signal);
  const body = askBody(settings, { text });
  const response = await post(settings, "/api/v1/messages", body, "application/json", combined);
  try {
    return await response.json();
  } catch {
    throw new InstanceError("incomplete");
  }
}

/** The printable evidence sheet for a result or a message analysis, as HTML text. */
export async function fetchSheet(settings, result) {
  const lang = answerLang(settings);
  const response = await post(
    settings,
    `/api/v1/sheet?lang=${encodeURIComponent(lang)}`,
    result,
    "text/html",
    AbortSignal.timeout(30_000),
  );
  return response.text();
}

// The sheet is opened from a blob: URL, which takes this extension's origin. It is the
// instance's own HTML (inline styles, no script) and is served with a strict CSP; a blob carries
// no headers, so the same policy is written into the document itself before anything else.
const SHEET_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function sheetBlobUrl(html) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${SHEET_CSP}">`;
  const guarded = /<head[^>]*>/i.test(html)
    ? html.replace(/<head[^>]*>/i, (head) => `${head}${meta}`)
    : `${meta}${html}`;
  return URL.createObjectURL(new Blob([guarded], { type: "text/html;charset=utf-8" }));
}
