// Cascade's service worker: the site keeps working offline, reloads included, once visited.
// Network first (a new deploy is picked up at once), the cache when the network is gone. Only
// this site's own GET requests are touched; nothing is fetched from anywhere else.
const CACHE = "cascade-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(() =>
        // An embed's page differs from the playground's only by its query string.
        caches.match(request).then((hit) => hit || caches.match(request, { ignoreSearch: true }))
          .then((hit) => hit || Response.error()),
      ),
  );
});
