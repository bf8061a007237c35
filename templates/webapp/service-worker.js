// The portal's service worker (portal/webapp.py serves it at /sw.js): the pages an attendee opened or starred
// stay on their phone and open without a connection, with a note saying so and when they were saved.
//
// - Pages: from the network first, so a connection always shows the current schedule; each public page that
//   answers is kept. Without an answer (offline, nothing within NETWORK_WAIT, or the portal down), the kept
//   copy is served, marked with the time it was saved (data-offline-saved on <html>, which
//   static/js/portal.js turns into a note). A page never kept, or a form sent (signing up, cancelling), gets
//   the offline page instead.
// - Pages not opened yet: each page tells the worker which of the event's pages to keep (its navigation,
//   the schedule's days, My schedule and the starred talks), and the worker fetches the missing ones.
// - Never kept: a signup's own pages, whose address is the attendee's secret token; the admin is left alone.
// - Static files: names with a content hash (collectstatic's manifest) never change, so a kept copy is used
//   first; other names (make run, the tests) are asked for first and kept for when the network fails.
"use strict";

const CONFIG = {{ config|safe }};
const STATIC_CACHE = "portal-static";
const PAGE_CACHE = "portal-pages";
const SAVED_AT = "X-Portal-Saved-At";
// A page that has not answered within this long on the hall's Wi-Fi is shown as kept, if it was.
const NETWORK_WAIT = 6000;
// A page the visitor has not opened is fetched again at most this often when a page asks to keep it.
const REFRESH_AFTER = 10 * 60 * 1000;
const MOST_KEPT_AT_ONCE = 200;
const NEVER_KEPT = /\/office-hours\/signups\//;
// The language of a page is the first whose prefix its address starts with (English, at "/", comes last).
const ENGLISH = CONFIG.languages[CONFIG.languages.length - 1];
const languageOf = (pathname) => CONFIG.languages.find((language) => pathname.startsWith(language.prefix)) || ENGLISH;
// The language the visitor chose with the switcher (the language cookie, which portal.js passes on), kept with
// the pages: offline, an English address opens that language's copy, as the portal would send them there.
const SETTINGS_CACHE = "portal-settings";
const CHOSEN_LANGUAGE = "/portal-chosen-language"; // a key of SETTINGS_CACHE, not an address of the site
const isAdmin = (pathname) => CONFIG.languages.some((language) => pathname.startsWith(language.admin));
const isCatalog = (pathname) => CONFIG.languages.some((language) => pathname === language.catalog);
const HASHED_NAME = /\.[0-9a-f]{12}\.\w+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then((cache) => cache.addAll(CONFIG.static_files))
      .then(() => keepCatalogs())
      .then(() => keepPages(CONFIG.languages.flatMap((language) => [language.offline_page, language.prefix]), 0))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  // The page that registered the worker is served by it from now on, not only after its next load.
  event.waitUntil(self.clients.claim());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(
      rememberLanguage(data.language).then(() => keepPages(data.urls.slice(0, MOST_KEPT_AT_ONCE), REFRESH_AFTER))
    );
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The admin is for organisers at their desks: the browser handles it as if there were no worker.
  if (url.origin !== self.location.origin || isAdmin(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(request.method === "GET" ? page(event) : sent(request));
  } else if (request.method === "GET" && isCatalog(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (request.method === "GET" && url.pathname.startsWith(CONFIG.static_url)) {
    event.respondWith(HASHED_NAME.test(url.pathname) ? keptFirst(request) : networkFirst(request));
  }
});

function mayKeep(url, response) {
  return (
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    (response.headers.get("Content-Type") || "").startsWith("text/html") &&
    !NEVER_KEPT.test(new URL(url).pathname)
  );
}

async function keep(url, response) {
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const body = await response.blob();
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(url, new Response(body, { status: response.status, statusText: response.statusText, headers }));
}

// Fetches the pages of `urls` that are not kept, or were kept longer than `maxAge` ago, one at a time.
async function keepPages(urls, maxAge) {
  const cache = await caches.open(PAGE_CACHE);
  for (const address of urls) {
    const url = new URL(address, self.location.origin);
    url.hash = "";
    if (url.origin !== self.location.origin || NEVER_KEPT.test(url.pathname)) continue;
    const copy = await cache.match(url.href);
    const saved = copy ? Date.parse(copy.headers.get(SAVED_AT)) : NaN;
    if (maxAge && Date.now() - saved < maxAge) continue;
    try {
      // Without the visitor's cookies: an address is kept as itself, an English one in English.
      const response = await fetch(url.href, { credentials: "omit" });
      if (mayKeep(url.href, response)) await keep(url.href, response);
    } catch (error) {
      // No connection: the copy kept before stays.
    }
  }
}

async function rememberLanguage(code) {
  if (typeof code !== "string" || !(code === "" || CONFIG.languages.some((language) => language.code === code))) return;
  const cache = await caches.open(SETTINGS_CACHE);
  await cache.put(CHOSEN_LANGUAGE, new Response(code));
}

// The language a page is shown in: its address's, or for an English address the one the visitor chose.
async function languageFor(url) {
  const own = languageOf(url.pathname);
  if (own !== ENGLISH) return own;
  const kept = await caches.match(CHOSEN_LANGUAGE, { cacheName: SETTINGS_CACHE });
  const chosen = kept ? await kept.text() : "";
  return CONFIG.languages.find((language) => language.code === chosen) || ENGLISH;
}

// Without an answer: the kept copy of the page in the language it would be shown in, else of its own address.
async function offlineCopy(request) {
  const url = new URL(request.url);
  const language = await languageFor(url);
  if (language !== languageOf(url.pathname)) {
    const there = new URL(language.prefix + url.pathname.slice(ENGLISH.prefix.length) + url.search, url.origin);
    const copy = await savedCopy(there.href);
    if (copy) return copy;
  }
  return savedCopy(request.url);
}

// The kept copy of the page at `address`, marked for portal.js to say that it is not live and when it was saved.
async function savedCopy(address) {
  const copy = await caches.match(address, { cacheName: PAGE_CACHE });
  if (!copy) return null;
  const saved = (copy.headers.get(SAVED_AT) || "").replace(/[^0-9TZ:.-]/g, "");
  const html = (await copy.text()).replace(/<html\b/i, `<html data-offline-saved="${saved}"`);
  const headers = new Headers(copy.headers);
  headers.delete("Content-Length");
  return new Response(html, { status: 200, headers });
}

// The words of static/js/portal.js in every language, so a kept page in Spanish says "offline" in Spanish.
function keepCatalogs() {
  return caches.open(STATIC_CACHE).then((cache) => cache.addAll(CONFIG.languages.map((language) => language.catalog)));
}

async function offlinePage(request) {
  const language = await languageFor(new URL(request.url));
  const copy = await caches.match(language.offline_page, { cacheName: PAGE_CACHE });
  if (!copy) {
    return new Response(language.offline_text, { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return new Response(copy.body, { status: 503, headers: copy.headers });
}

function page(event) {
  const request = event.request;
  const network = fetch(request);
  event.waitUntil(
    network.then((response) => (mayKeep(request.url, response) ? keep(request.url, response.clone()) : null))
      .catch(() => null)
  );
  // The portal down (nginx's 503) is no better than no connection: the kept copy is more use.
  const answered = network.then((response) =>
    response.status >= 500 ? offlineCopy(request).then((copy) => copy || response) : response
  );
  // A hanging network gives way to the kept copy after a while; an answer that comes later is still kept.
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT))
    .then(() => offlineCopy(request))
    .then((copy) => copy || answered);
  return Promise.race([answered, slow])
    .catch(() => offlineCopy(request))
    .then((response) => response || offlinePage(request));
}

// A form sent without a connection says that it needs one instead of failing with the browser's error page.
function sent(request) {
  return fetch(request).catch(() => offlinePage(request));
}

async function keptFirst(request) {
  const copy = await caches.match(request, { cacheName: STATIC_CACHE });
  return copy || networkFirst(request);
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.status === 200) {
      const cache = await caches.open(STATIC_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const copy = await caches.match(request, { cacheName: STATIC_CACHE });
    if (copy) return copy;
    throw error;
  }
}
