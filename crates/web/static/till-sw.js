// Linli till service worker (收银台离线缓存). Scope: /till.
//
// Keeps the till page and its assets so the till opens and sells while the server is
// unreachable. The page is network-first (a fresh page whenever the server answers,
// the cached copy otherwise); the assets are cache-first, their URLs carry a hash of
// their contents, and a new hash is a new worker that drops the old cache. The catalog
// and the queue of offline sales live in IndexedDB (static/till.js), not here; API calls
// and every non-GET request pass straight through.
"use strict";

const VERSION = "__TILL_V__";
const CACHE = "linli-till-" + VERSION;
const PAGE = "/till";
const ASSETS = ["/static/till.js?v=__TILL_V__", "/static/till.css?v=__TILL_V__", "/static/app.css?v=__APP_V__"];
/** How long the page may take before the cached copy is shown instead. */
const PAGE_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      try {
        const res = await fetch(PAGE, { credentials: "same-origin" });
        if (isPage(res)) await cache.put(PAGE, res);
      } catch (_) {
        // Offline while installing: the page is cached on the next visit.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("linli-till-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE && req.mode === "navigate") {
    event.respondWith(page(req));
  } else if (ASSETS.includes(url.pathname + url.search)) {
    event.respondWith(asset(req));
  }
});

/** A signed-in till page (not the sign-in page a lapsed session is sent to). */
function isPage(res) {
  return res && res.ok && !res.redirected && new URL(res.url).pathname === PAGE;
}

async function page(req) {
  const cache = await caches.open(CACHE);
  try {
    const res = await withTimeout(fetch(req), PAGE_TIMEOUT_MS);
    if (isPage(res)) {
      await cache.put(PAGE, res.clone());
      return res;
    }
    // The server answered but could not serve the page (database down): the copy is better.
    if (res.status >= 500) {
      const copy = await cache.match(PAGE);
      if (copy) return copy;
    }
    return res;
  } catch (err) {
    const copy = await cache.match(PAGE);
    if (copy) return copy;
    throw err;
  }
}

async function asset(req) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) await cache.put(req, res.clone());
  return res;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
