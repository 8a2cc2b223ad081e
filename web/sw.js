/**
 * The page's service worker: after the first visit, the page, its modules (src/), TF.js and its WASM files
 * (vendor/) and the model work offline, as on a phone out of signal.
 *
 * - install: caches the page and src/ (`PAGE`), and vendor/ as `vendor/files.json` lists it (written by
 *   tools/vendor.mjs with the files it copies);
 * - a message `{type: 'cache', model: FOLDER_URL}` from the page (page.js, once its model is loaded) caches that
 *   export: model.json, model_card.json and the weight shards model.json names, and drops the folder's other
 *   entries (an older export's shards); it answers `{ok}` or `{ok: false, message}` on the message's port;
 * - fetch: network first, so a new export or page shows at once when online; each good answer refreshes the cache,
 *   and the cache answers when the network does not (a page URL whatever its ?parameters).
 *
 * Service workers need a secure context: HTTPS, or http://localhost and http://127.0.0.1. The page works without
 * one, online.
 */

/** The cache's name; a new name drops the old cache on activation. */
const CACHE = 'mtg-card-corners-v2';

/** The page and its modules, relative to this file (tests/test_web_page.py checks that every file of src/ is here). */
const PAGE = ['./', 'index.html', 'page.js', 'page.css', 'src/cardTracks.js', 'src/findCard.js', 'src/index.js',
  'src/letterbox.js', 'src/liveLetterbox.js', 'src/liveTracker.js', 'src/liveWorker.js', 'src/modelCard.js',
  'src/pixels.js', 'src/rectify.js', 'src/rotations.js', 'src/tracking.js', 'src/workerTracker.js'];

/** Fetches a JSON file, failing on an HTTP error. */
async function fetchJSON(url) {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** Caches the page, src/ and vendor/. */
async function cachePage() {
  const vendor = await fetchJSON(new URL('vendor/files.json', self.location.href));
  const cache = await caches.open(CACHE);
  await cache.addAll([...PAGE, 'vendor/files.json', ...vendor.map((file) => `vendor/${file}`)]);
}

/**
 * Caches one export: model.json, model_card.json and the weight shards model.json lists; then drops what the cache
 * held of that folder besides them (the shards of an export it replaced), so a re-exported model does not leave its
 * old weights behind.
 *
 * @param {string} folder the export's folder, an absolute URL
 */
async function cacheModel(folder) {
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  const { weightsManifest } = await fetchJSON(new URL('model.json', base));
  const files = ['model.json', 'model_card.json', ...weightsManifest.flatMap((group) => group.paths)];
  const kept = new Set(files.map((file) => new URL(file, base).href));
  const cache = await caches.open(CACHE);
  await cache.addAll([...kept]);
  const stale = (await cache.keys()).filter(({ url }) => url.startsWith(base) && !kept.has(url));
  await Promise.all(stale.map((request) => cache.delete(request)));
}

/**
 * The network's answer, kept in the cache where it is a good one (the copy is written while the page already reads
 * the answer); the cache's when the network fails.
 *
 * @param {FetchEvent} event
 */
async function networkFirst(event) {
  const { request } = event;
  try {
    const response = await fetch(request);
    if (response.ok && (response.type === 'basic' || response.type === 'cors')) {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request, { ignoreSearch: request.mode === 'navigate' });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(cachePage().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method === 'GET' && request.url.startsWith('http')) event.respondWith(networkFirst(event));
});

self.addEventListener('message', (event) => {
  const { data, ports: [port] } = event;
  if (data?.type !== 'cache') return;
  event.waitUntil(cacheModel(data.model).then(() => port.postMessage({ ok: true }),
    (error) => port.postMessage({ ok: false, message: error.message })));
});
