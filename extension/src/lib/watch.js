// Watching a checked link: "tell me if it ever goes public", the question after every "private".
//
// Why it is built this way:
// - The link stays in this browser. Each watch is one storage.local entry ("watch:<id>") holding
//   the link, the chosen interval, the last verdict and the last result document; it is deleted
//   when the person stops the watch or when the 30 days are over. The instance is never told that
//   a link is watched: it only receives ordinary checks (`fresh: true`, so that it looks again
//   rather than reusing a recent answer), with nothing that ties one check to the next.
// - The schedule is an alarm per watch (the `alarms` permission): it wakes the background
//   (Chromium's service worker, Firefox's event page) even after it was stopped. Firefox forgets
//   alarms when it quits, so restoreAlarms() re-creates them from storage on start-up.
// - A check that cannot conclude (a bot check, the site or the instance unreachable) changes
//   nothing: the watch keeps the last verdict it was sure of, and says nothing rather than raise
//   a false alarm or a false reassurance. Every other change of verdict is announced once: a badge
//   on the toolbar icon always, and a system notification when the person allowed them (the
//   `notifications` permission is optional, asked for when they first ask to watch).
// - A notification never shows the link: notification centres keep their messages, and other
//   people may see a locked screen.
import { ext } from "./api.js";
import { runCheck } from "./checks.js";
import { INCONCLUSIVE } from "./client/verdicts.js";
import { t, useLanguage, verdictText } from "./i18n.js";
import { TEST_WATCH_SECONDS } from "./preset.js";
import { answerLang, loadSettings } from "./settings.js";

export const WATCH_DAYS = 30;
export const WATCH_HOURS = [6, 12, 24];
export const DEFAULT_WATCH_HOURS = 24;
const DAY_MS = 24 * 60 * 60 * 1000;
const KEY_PREFIX = "watch:";
const ALARM_PREFIX = "watch:";
export const NOTIFICATION_PREFIX = "watch:";

// Answers that say nothing new about the video (the check could not tell): INCONCLUSIVE, shared
// with the console. Answers that mean someone may be able to watch it: announced with the report steps.
const ATTENTION = new Set(["public", "unlisted", "suspicious"]);
// Verdicts for which a watch is offered: re-checking a refused or invalid link tells nothing.
export function canWatch(verdict) {
  return !["refused", "invalid_url"].includes(verdict);
}

/** Minutes between two checks: the chosen hours, or the test build's seconds. */
export function periodMinutes(hours) {
  return TEST_WATCH_SECONDS ? TEST_WATCH_SECONDS / 60 : hours * 60;
}

function cleanHours(hours) {
  const value = Number(hours);
  return WATCH_HOURS.includes(value) ? value : DEFAULT_WATCH_HOURS;
}

async function read(id) {
  const key = KEY_PREFIX + id;
  return (await ext.storage.local.get(key))[key] ?? null;
}

async function write(watch) {
  await ext.storage.local.set({ [KEY_PREFIX + watch.id]: watch });
}

/** Every watch in this browser, the most recently started first. */
export async function listWatches() {
  const all = await ext.storage.local.get(null);
  return Object.entries(all)
    .filter(([key, value]) => key.startsWith(KEY_PREFIX) && value && typeof value.url === "string")
    .map(([, value]) => value)
    .sort((a, b) => b.started - a.started);
}

export async function getWatch(id) {
  return typeof id === "string" && id ? read(id) : null;
}

export async function findWatch(url) {
  return (await listWatches()).find((watch) => watch.url === url) ?? null;
}

function schedule(watch, delayMinutes) {
  const period = periodMinutes(watch.hours);
  return ext.alarms.create(ALARM_PREFIX + watch.id, {
    delayInMinutes: Math.max(delayMinutes, TEST_WATCH_SECONDS ? period : 1),
    periodInMinutes: period,
  });
}

/**
 * Starts watching `url`, whose last answer was `result`. One watch per link: watching a link
 * already watched changes its interval and keeps its history.
 */
export async function startWatch(url, hours, result) {
  const existing = await findWatch(url);
  const now = Date.now();
  const verdict = result && !INCONCLUSIVE.has(result.verdict) ? result.verdict : null;
  const watch = existing
    ? { ...existing, hours: cleanHours(hours) }
    : {
        id: crypto.randomUUID(),
        url,
        hours: cleanHours(hours),
        started: now,
        until: now + WATCH_DAYS * DAY_MS,
        verdict,
        result: verdict ? result : null,
        lastCheck: result ? { at: now, verdict: result.verdict } : null,
        changed: null,
      };
  await write(watch);
  await schedule(watch, periodMinutes(watch.hours));
  return watch;
}

/** Stops a watch: its alarm, its entry (the link) and its notification are removed. */
export async function stopWatch(id) {
  await ext.alarms.clear(ALARM_PREFIX + id);
  await ext.storage.local.remove(KEY_PREFIX + id);
  await ext.notifications?.clear(NOTIFICATION_PREFIX + id).catch(() => false);
  if (!(await listWatches()).some((watch) => watch.changed && !watch.seen)) {
    await ext.action.setBadgeText({ text: "" });
  }
}

/** The person has looked at the change: the badge can go. */
export async function markSeen(id) {
  const watch = await read(id);
  if (watch?.changed && !watch.seen) await write({ ...watch, seen: true });
  if (!(await listWatches()).some((w) => w.changed && !w.seen)) {
    await ext.action.setBadgeText({ text: "" });
  }
}

export function watchIdFromAlarm(name) {
  return typeof name === "string" && name.startsWith(ALARM_PREFIX)
    ? name.slice(ALARM_PREFIX.length)
    : null;
}

async function canNotify() {
  try {
    return Boolean(ext.notifications) && (await ext.permissions.contains({ permissions: ["notifications"] }));
  } catch {
    return false;
  }
}

async function notify(id, title, message) {
  if (!(await canNotify())) return;
  await ext.notifications.create(NOTIFICATION_PREFIX + id, {
    type: "basic",
    iconUrl: ext.runtime.getURL("icons/icon-128.png"),
    title,
    message,
  });
}

async function announceChange(watch) {
  await ext.action.setBadgeBackgroundColor({ color: "#8a4b00" });
  await ext.action.setBadgeText({ text: "!" });
  const settings = await loadSettings();
  await useLanguage(answerLang(settings));
  const words = verdictText(watch.verdict);
  const message = ATTENTION.has(watch.verdict)
    ? t("watchNotifyAttention", [words])
    : t("watchNotifyChange", [words]);
  await notify(watch.id, t("watchNotifyTitle"), message);
}

async function endWatch(watch) {
  await stopWatch(watch.id);
  const settings = await loadSettings();
  await useLanguage(answerLang(settings));
  const last = watch.verdict ? verdictText(watch.verdict) : verdictText("unknown");
  await notify(watch.id, t("watchEndedTitle"), t("watchEndedMessage", [String(WATCH_DAYS), last]));
}

/** One scheduled check of a watch (called by its alarm). */
export async function runWatch(id) {
  const watch = await read(id);
  if (!watch) {
    await ext.alarms.clear(ALARM_PREFIX + id);
    return;
  }
  if (Date.now() >= watch.until) {
    await endWatch(watch);
    return;
  }
  const settings = await loadSettings();
  let result = null;
  let failure = null;
  try {
    result = await runCheck(settings, watch.url, { fresh: true });
  } catch (error) {
    failure = typeof error?.kind === "string" ? error.kind : "network";
  }
  // Read again: the person may have stopped the watch while the check ran.
  const current = await read(id);
  if (!current) return;
  const now = Date.now();
  if (failure || !result || typeof result.verdict !== "string") {
    await write({ ...current, lastCheck: { at: now, error: failure ?? "incomplete" } });
    return;
  }
  const next = { ...current, lastCheck: { at: now, verdict: result.verdict } };
  if (INCONCLUSIVE.has(result.verdict)) {
    await write(next);
    return;
  }
  next.result = result;
  if (result.verdict === current.verdict) {
    await write(next);
    return;
  }
  next.changed = { at: now, from: current.verdict, to: result.verdict };
  next.verdict = result.verdict;
  next.seen = false;
  await write(next);
  await announceChange(next);
}

/** Alarms do not survive a Firefox restart: re-create each watch's from its storage entry. */
export async function restoreAlarms() {
  const alarms = await ext.alarms.getAll();
  const names = new Set(alarms.map((alarm) => alarm.name));
  for (const watch of await listWatches()) {
    if (names.has(ALARM_PREFIX + watch.id)) continue;
    const due = (watch.lastCheck?.at ?? watch.started) + periodMinutes(watch.hours) * 60_000;
    await schedule(watch, Math.max(0, due - Date.now()) / 60_000);
  }
}
