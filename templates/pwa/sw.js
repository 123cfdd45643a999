/* Einzelfall's service worker (complaints/pwa/views.py renders it), version {{ version }}.
   The landing page and the report form open without a network; a report sent while the
   network is gone is kept in the outbox (static/js/outbox.js) and sent when it is back.
   Only the files listed in CONFIG are ever cached: never a private link, a POST's answer,
   the admin or any JSON of the intake. */
"use strict";
{% autoescape off %}var CONFIG = {{ config }};{% endautoescape %}
var CACHE = "einzelfall-" + CONFIG.version;
// Long enough for a slow page, short enough that "lie-fi" (a connection that answers
// nothing) falls back to the cached form before the person gives up.
var NETWORK_TIMEOUT = 4000;
importScripts(CONFIG.outbox);
EinzelfallOutbox.configure({ report: CONFIG.report, token: CONFIG.token });

var PAGES = CONFIG.pages;
var CACHED = CONFIG.required.concat(CONFIG.optional);
// Pages carry a fresh CSRF token and form stamp, the manifest the language, the centroids
// may change: network first. The rest are static files and icons: cache first.
var NETWORK_FIRST = PAGES.concat(CONFIG.optional, CONFIG.manifest ? [CONFIG.manifest] : []);
// A report POST that has had no answer for this long ("lie-fi") is kept in the outbox; if it
// arrives after all, its client_id makes the outbox's second sending harmless.
var POST_TIMEOUT = CONFIG.post_timeout || 15000;

function noop() {}

// Only what the form needs to open: the first visit stays small. The centroids (for "use my
// location" offline, about 60 KB) come later, see cacheLater.
self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(CONFIG.required);
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key !== CACHE; })
        .map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function cached(path) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(path, { ignoreSearch: true, ignoreVary: true });
  });
}

function store(path, response) {
  if (!response.ok || response.type !== "basic" || response.redirected) return Promise.resolve();
  var copy = response.clone();
  return caches.open(CACHE).then(function (cache) { return cache.put(path, copy); });
}

function networkFirst(event, path, keep) {
  var network = fetch(event.request).then(function (response) {
    if (keep) event.waitUntil(store(path, response).catch(noop));
    return response;
  });
  event.waitUntil(network.catch(noop));
  return new Promise(function (resolve, reject) {
    var done = false;
    function answer(response) {
      if (!done) { done = true; resolve(response); }
    }
    var timer = setTimeout(function () {
      cached(path).then(function (hit) { if (hit) answer(hit); });
    }, NETWORK_TIMEOUT);
    network.then(function (response) {
      clearTimeout(timer);
      answer(response);
    }, function (error) {
      clearTimeout(timer);
      cached(path).then(function (hit) {
        if (hit) answer(hit);
        else if (!done) { done = true; reject(error); }
      });
    });
  });
}

// Cached after the install, not during it: when the worker first controls a navigation (the
// next page the person opens) if not cached yet; locate.js also fetches them on the
// button's focus, which the fetch handler stores.
function cacheLater() {
  if (!self.navigator.onLine) return Promise.resolve();
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(CONFIG.optional.map(function (url) {
      return cache.match(url, { ignoreVary: true }).then(function (hit) {
        if (hit) return null;
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          return store(url, response);
        });
      });
    }));
  }).catch(noop);
}

function cacheFirst(event, path) {
  return cached(path).then(function (hit) {
    return hit || fetch(event.request).then(function (response) {
      event.waitUntil(store(path, response).catch(noop));
      return response;
    });
  });
}

// A report form posted while the browser thought it was online, and the network failed:
// kept in the outbox, and the person sent to the cached form, which lists it as waiting.
function postReport(event) {
  var copy = event.request.clone();
  // When the person sent it: its observed_at if the form had none (sent online).
  var at = new Date().toISOString();
  var network = fetch(event.request);
  network.catch(noop);
  var timeout = new Promise(function (resolve, reject) {
    setTimeout(function () { reject(new Error("no answer")); }, POST_TIMEOUT);
  });
  return Promise.race([network, timeout]).catch(function () {
    return copy.formData().then(function (data) {
      var fields = [];
      data.forEach(function (value, name) {
        if (typeof value === "string") fields.push([name, value]);
      });
      return EinzelfallOutbox.keep(fields, null, at);
    }).then(function () {
      EinzelfallOutbox.askForSync(self.registration);
      return Response.redirect(new URL(CONFIG.report, self.location.origin).href, 303);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST") {
    if (url.pathname === CONFIG.report && request.mode === "navigate") {
      event.respondWith(postReport(event));
    }
    return;
  }
  if (request.method !== "GET") return;
  // The site opened again: what waits in the outbox is sent (the page does too; the
  // server stores a report once, whoever sends it).
  if (request.mode === "navigate" && self.navigator.onLine) {
    event.waitUntil(EinzelfallOutbox.sendAll().catch(noop));
  }
  if (request.mode === "navigate") event.waitUntil(cacheLater());
  var path = url.pathname;
  if (CACHED.indexOf(path) === -1) return; // never cache anything else
  if (NETWORK_FIRST.indexOf(path) !== -1) {
    event.respondWith(networkFirst(event, path, url.search === ""));
  } else {
    event.respondWith(cacheFirst(event, path));
  }
});

// Background Sync, where the browser has it: the outbox is sent when the network is back,
// even with no page of the site open.
self.addEventListener("sync", function (event) {
  if (event.tag !== EinzelfallOutbox.SYNC_TAG) return;
  // Still waiting (the network failed again): a rejection makes the browser try later.
  event.waitUntil(EinzelfallOutbox.sendAll().then(EinzelfallOutbox.all).then(function (items) {
    if (items.some(function (item) { return item.status === "waiting"; })) {
      throw new Error("reports still waiting");
    }
  }));
});
