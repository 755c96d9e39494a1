// The console's service worker (served as /sw.js, scope "/"): what makes the console an
// installable app on a phone, and nothing more.
//
// What it keeps: the app's own files (APP_FILES, and any other /static/ file, which are all the
// console's own), in one cache, so the installed app opens without a network. What it never keeps:
// a result, a link or a message. Requests to the API (checks, evidence sheet, self-test), every
// request that is not a GET, and every address with a query string go to the network untouched
// and are never stored.
//
// "Share → Vérif'Lien" from another app opens /?text=… (manifest share_target). That navigation
// is answered with the console page fetched WITHOUT its query (or from the cache): the shared text
// is not sent to the server in a page request; the page reads it from its own address, checks the
// links it holds, and takes it out of the address at once.
//
// Network first for everything it serves: online, the console is always the server's current one.

const CACHE = "veriflien-console-v1";
const APP_FILES = [
  "/",
  "/manifest.webmanifest",
  "/static/console.css",
  "/static/console.js",
  "/static/i18n.js",
  "/static/i18n-message.js",
  "/static/message.js",
  "/static/client/dom.js",
  "/static/client/findings.js",
  "/static/client/links.js",
  "/static/client/reports.js",
  "/static/client/stream.js",
  "/static/client/verdicts.js",
  "/static/client/words.js",
  "/static/favicon.svg",
  "/static/icon-192.png",
  "/static/icon-512.png",
  "/static/icon-maskable-192.png",
  "/static/icon-maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(APP_FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

/** The path of one of the app's own files, or null for anything this worker leaves alone. */
function appFile(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (request.mode === "navigate" && url.pathname === "/") return "/"; // query dropped on purpose
  if (url.search) return null;
  if (url.pathname === "/manifest.webmanifest" || url.pathname.startsWith("/static/")) {
    return url.pathname;
  }
  return null;
}

self.addEventListener("fetch", (event) => {
  const path = appFile(event.request);
  if (path !== null) event.respondWith(networkFirst(path));
});

async function networkFirst(path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(path, { credentials: "omit", cache: "no-store" });
    if (response.ok && response.type === "basic") await cache.put(path, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(path);
    if (cached) return cached;
    throw error;
  }
}

// A watch's notification (console.js): bring the console back to the front.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).pathname === "/");
      if (open) await open.focus();
      else await self.clients.openWindow("/");
    })(),
  );
});
