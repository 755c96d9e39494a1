// Background: the context menu, the toolbar popup's "check" and "analyse the message" requests,
// opening the result page, and the watched links' scheduled checks (lib/watch.js). Apart from
// those scheduled checks it never fetches anything: the result page talks to the instance.
//
// Listeners are registered synchronously at the top level, so that Chromium's service worker and
// Firefox's event page are woken for them after being stopped; menus are created once, in
// runtime.onInstalled (they persist across restarts of the background).
import { ext } from "./lib/api.js";
import { MAX_MESSAGE_CHARS, extractLinks, linkFromMenu } from "./lib/client/links.js";
import {
  markSeen,
  NOTIFICATION_PREFIX,
  restoreAlarms,
  runWatch,
  watchIdFromAlarm,
} from "./lib/watch.js";

const MENU_LINK = "veriflien-check-link";
const MENU_SELECTION = "veriflien-check-selection";
const PENDING_PREFIX = "check:";
const PENDING_TTL_MS = 6 * 60 * 60 * 1000;
let listeningToNotifications = false;

ext.runtime.onInstalled.addListener(onInstalled);
ext.contextMenus.onClicked.addListener(onMenuClicked);
ext.runtime.onMessage.addListener(onMessage);
ext.runtime.onStartup.addListener(restoreAlarms);
ext.alarms.onAlarm.addListener(onAlarm);
ext.permissions.onAdded.addListener(listenToNotifications);
listenToNotifications();

function onAlarm(alarm) {
  const id = watchIdFromAlarm(alarm.name);
  return id ? runWatch(id) : undefined;
}

// `notifications` is an optional permission: its API exists only once the person allowed it,
// which may happen while this background is running (permissions.onAdded).
function listenToNotifications() {
  if (listeningToNotifications || !ext.notifications) return;
  ext.notifications.onClicked.addListener(onNotificationClicked);
  listeningToNotifications = true;
}

/** A click on a watch's notification opens what changed, with what to do next. */
async function onNotificationClicked(notificationId) {
  if (!notificationId.startsWith(NOTIFICATION_PREFIX)) return;
  const id = notificationId.slice(NOTIFICATION_PREFIX.length);
  await ext.notifications.clear(notificationId);
  await markSeen(id);
  await ext.tabs.create({ url: ext.runtime.getURL(`result.html#watch:${id}`) });
}

async function onInstalled(details) {
  await ext.contextMenus.removeAll();
  ext.contextMenus.create({
    id: MENU_LINK,
    title: ext.i18n.getMessage("menuCheckLink"),
    contexts: ["link"],
  });
  ext.contextMenus.create({
    id: MENU_SELECTION,
    title: ext.i18n.getMessage("menuCheckSelection"),
    contexts: ["selection"],
  });
  if (details.reason === "install") {
    await ext.tabs.create({ url: ext.runtime.getURL("welcome.html") });
  }
  await restoreAlarms();
}

/** What a click on one of our menu items does. `info` is a contextMenus.OnClickData. */
async function onMenuClicked(info, tab) {
  let links;
  switch (info.menuItemId) {
    case MENU_LINK:
      links = linkFromMenu(info.linkUrl);
      break;
    case MENU_SELECTION:
      links = extractLinks(info.selectionText);
      break;
    default:
      return undefined;
  }
  return openResultPage(links, tab);
}

/**
 * Hands the links to a new result tab. They travel through storage.session — kept in memory
 * only, never written to disk, emptied when the browser closes — so that the link does not
 * appear in the tab's address, nor in the browser history.
 */
async function openResultPage(links, tab) {
  await forgetOldChecks();
  const id = crypto.randomUUID();
  await ext.storage.session.set({ [PENDING_PREFIX + id]: { links, created: Date.now() } });
  const created = await ext.tabs.create({
    url: ext.runtime.getURL(`result.html#${id}`),
    ...(tab && tab.index >= 0 ? { index: tab.index + 1 } : {}),
  });
  return { id, tabId: created.id, count: links.length };
}

/** A whole pasted message, handed to the result page the same way (memory only). */
async function openMessagePage(text) {
  await forgetOldChecks();
  const id = crypto.randomUUID();
  await ext.storage.session.set({ [PENDING_PREFIX + id]: { message: text, created: Date.now() } });
  await ext.tabs.create({ url: ext.runtime.getURL(`result.html#${id}`) });
  return { id };
}

async function forgetOldChecks() {
  const all = await ext.storage.session.get(null);
  const old = Object.entries(all)
    .filter(([key]) => key.startsWith(PENDING_PREFIX))
    .filter(([, value]) => !(value?.created > Date.now() - PENDING_TTL_MS))
    .map(([key]) => key);
  if (old.length) await ext.storage.session.remove(old);
}

/** Messages from our own pages only, routed by an allow-list of types. */
function onMessage(message, sender, sendResponse) {
  if (sender.id !== ext.runtime.id || !String(sender.url ?? "").startsWith(ext.runtime.getURL(""))) {
    return false;
  }
  switch (message?.type) {
    case "check-text": {
      const links = extractLinks(String(message.text ?? ""));
      openResultPage(links).then(
        (opened) => sendResponse({ ok: true, count: opened.count }),
        () => sendResponse({ ok: false }),
      );
      return true; // answered asynchronously
    }
    case "analyse-message": {
      const text = String(message.text ?? "").slice(0, MAX_MESSAGE_CHARS);
      openMessagePage(text).then(
        () => sendResponse({ ok: true }),
        () => sendResponse({ ok: false }),
      );
      return true; // answered asynchronously
    }
    case "open-options":
      ext.runtime.openOptionsPage();
      return false;
    default:
      return false;
  }
}

// The end-to-end tests call the menu's own handler with a synthetic OnClickData (a headless
// browser cannot open a context menu), and the notification's click handler with a watch's
// notification id (a headless browser shows no notification to click). A worker's global scope
// is unreachable from web pages.
globalThis.veriflien = Object.freeze({
  onMenuClicked,
  onNotificationClicked,
  MENU_LINK,
  MENU_SELECTION,
});
