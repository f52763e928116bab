/*
 * Ladda's service worker: makes the app installable and opens it without a network.
 * It caches the app shell only: the page (index.html, which carries no personal data), the
 * content-hashed /assets/ files, the icon and the manifest. It never touches API answers
 * (/v1, /c offers as JSON, receipts, tokens): those go to the network as if it were not here.
 */
const SHELL = "ladda-shell-v1";
const ASSETS = "ladda-assets-v1";
const PAGE = "/app-shell";
const API = ["/v1/", "/.well-known/", "/openapi.json", "/docs", "/healthz", "/readyz", "/metrics"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(["/icon.svg", "/manifest.webmanifest"]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL && n !== ASSETS).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function pageFirstFromNetwork(request) {
  try {
    const response = await fetch(request);
    if (response.ok && (response.headers.get("content-type") || "").startsWith("text/html")) {
      const cache = await caches.open(SHELL);
      await cache.put(PAGE, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(PAGE);
    if (cached) return cached;
    throw error;
  }
}

async function assetFromCache(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(ASSETS);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (API.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(assetFromCache(request));
  } else if (request.mode === "navigate") {
    event.respondWith(pageFirstFromNetwork(request));
  }
});
