// Drives the page (web/index.html) in headless Chromium with playwright-core, for the browser test and
// the latency benchmark.
//
//     node web/node/page_check.mjs JOB.json OUT.json
//
// JOB.json: {"url": PAGE_URL, "chromium": PATH, "swiftshader": BOOL (lets WebGL run on the CPU),
//            "webgl": BOOL (false makes every canvas refuse a WebGL context, as a browser without WebGL
//                     does, so the page must fall back to WASM; default true),
//            "photos": [FILE, ...], "repeat": N (each photo is analysed N times; default 1), "input": SELECTOR (the
//                      file input the photos go to; default "#photo"),
//            "webcam": {"video": Y4M_FILE, "frames": N (live frames), "capture": BOOL (then press "Capture": the
//                       photo path on the next frame)} (optional), "screenshot": PNG_PATH (optional),
//            "saveDir": DIR (optional: press "Save the card" on each found card and "Save the cards" where the
//                      photo has any, and keep the downloads there),
//            "phone": BOOL (a 360 x 740 touch screen at 2x, as a phone; default a 1280 x 1000 desktop window),
//            "kinds": IMAGE_FILE (optional: findCard and a new LiveTracker's first frame on the photo given as each
//                     image kind, in the page; with "webcam", also the fake camera's video element),
//            "offline": IMAGE_FILE (optional: once the service worker keeps the page, put a stale file into the
//                       model's folder in its cache and have it keep the model again; then cut the network, reload,
//                       and analyse the photo, through the "Take a photo" input)}
// OUT.json: {"backend", "worker" (whether the live path ran in a Worker),
//            "photos": {NAME: {status, last (the page's result), card (PNG data URL or null),
//            cards: [PNG data URL of each card of the strip], milliseconds: [per run: findCard's, to the corners],
//            shownMilliseconds: [per run: the bitmap read to the outlines and straightened cards drawn],
//            timings: [per run: {read, letterbox, model, decode, warp, draw} milliseconds, the page's split],
//            saved: the downloaded file,
//            savedCards: the files "Save the cards" downloaded}}, "webcam": {status, last (the live path's),
//            milliseconds: [per live frame], first (the first live answer), capture: {status, last, card},
//            track: [per live frame, with ?stamp: {index (the frame's stamp), corners, presence, found}]},
//            "layout": {innerWidth, scrollWidth (the page's, after the photos), controls: [{name, left, right,
//                       height}] (CSS pixels), camera: the photo inputs' capture attributes},
//            "kinds": {KIND: {corners, presence, found, crop: [w, h] or null, live: {raw, presence}}},
//            "offline": {cached (cardPage.offline before the cut), recache: {answer (the service worker's to the
//                        second 'cache' message), staleDropped, modelKept (model.json still cached)}, networkCut (a
//                        fetch the cache cannot answer failed), backend, error, photo: as "photos"' records},
//            "console": [...]}

import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

// Flags for a headless run on a machine without a GPU, network or sandbox.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

function launchArgs(job) {
  const args = [...FLAGS];
  if (job.swiftshader) args.push('--enable-unsafe-swiftshader');
  if (job.webcam) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${job.webcam.video}`);
  }
  return args;
}

/** Makes the page's canvases refuse WebGL contexts (Chromium 156 headless keeps WebGL despite --disable-webgl). */
function refuseWebGL() {
  for (const Canvas of [HTMLCanvasElement, OffscreenCanvas]) {
    const getContext = Canvas.prototype.getContext;
    Canvas.prototype.getContext = function context(type, ...rest) {
      return String(type).includes('webgl') ? null : getContext.call(this, type, ...rest);
    };
  }
}

/** What the page shows after it finished `frames` analyses. */
async function waitForFrames(page, frames, timeout = 120000) {
  await page.waitForFunction((n) => window.cardPage.frames >= n, frames, { timeout, polling: 50 });
  return page.evaluate(() => ({
    status: document.getElementById('status').textContent,
    last: window.cardPage.last,
    frames: window.cardPage.frames,
  }));
}

/** Presses a button that downloads `count` files; keeps them in `folder` as PREFIX.FILENAME, in the order they came. */
async function downloads(page, button, count, folder, prefix, timeout = 60000) {
  const started = [];
  const collect = (download) => started.push(download);
  page.on('download', collect);
  await page.click(button);
  const deadline = Date.now() + timeout;
  while (started.length < count && Date.now() < deadline) await new Promise((resolve) => { setTimeout(resolve, 50); });
  page.off('download', collect);
  if (started.length < count) throw new Error(`${button} downloaded ${started.length} files, not ${count}`);
  return Promise.all(started.map(async (download) => {
    const file = path.join(folder, `${prefix}.${download.suggestedFilename()}`);
    await download.saveAs(file);
    return file;
  }));
}

async function runPhotos(page, job, out) {
  for (const file of job.photos ?? []) {
    const record = { milliseconds: [], shownMilliseconds: [], timings: [] };
    for (let run = 0; run < (job.repeat ?? 1); run += 1) {
      const before = await page.evaluate(() => window.cardPage.frames);
      await page.setInputFiles(job.input ?? '#photo', []);
      await page.setInputFiles(job.input ?? '#photo', file);
      Object.assign(record, await waitForFrames(page, before + 1));
      record.milliseconds.push(record.last.milliseconds);
      record.shownMilliseconds.push(record.last.shownMilliseconds);
      record.timings.push(record.last.timings);
    }
    record.card = record.last.found ? await page.evaluate(() => document.getElementById('card').toDataURL('image/png'))
      : null;
    record.cards = await page.evaluate(() => [...document.querySelectorAll('#cards canvas')]
      .map((canvas) => canvas.toDataURL('image/png')));
    if (record.last.found && job.saveDir) {
      [record.saved] = await downloads(page, '#save', 1, job.saveDir, path.basename(file));
    }
    if (record.cards.length && job.saveDir) {
      record.savedCards = await downloads(page, '#save-cards', record.cards.length, job.saveDir, path.basename(file));
    }
    out.photos[path.basename(file)] = record;
  }
}

async function runWebcam(page, job, out) {
  const before = await page.evaluate(() => window.cardPage.frames);
  await page.click('#webcam');
  const record = await waitForFrames(page, before + job.webcam.frames);
  record.milliseconds = await page.evaluate(() => window.cardPage.webcamMilliseconds ?? []);
  record.track = await page.evaluate(() => window.cardPage.webcamTrack);
  record.first = await page.evaluate(() => window.cardPage.firstLive);
  if (job.webcam.capture) {
    await page.evaluate(() => { window.cardPage.capture = null; });
    await page.click('#capture');
    await page.waitForFunction(() => window.cardPage.capture, null, { timeout: 120000, polling: 50 });
    record.capture = await page.evaluate(() => window.cardPage.capture);
    record.capture.card = record.capture.last.found
      ? await page.evaluate(() => document.getElementById('card').toDataURL('image/png')) : null;
  }
  await page.click('#webcam');
  out.webcam = record;
}

/** Runs findCard and a fresh LiveTracker's first frame on one photo given as each image kind the module takes. */
async function runKinds(page, job, out) {
  const bytes = fs.readFileSync(job.kinds).toString('base64');
  out.kinds = await page.evaluate(async ({ base64, video }) => {
    const { finder } = window.cardPage;
    const { LiveTracker } = await import(new URL('src/liveTracker.js', window.location.href).href);
    const blob = new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))]);
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'none',
      premultiplyAlpha: 'none' });
    const { width, height } = bitmap;
    const element = new Image();
    element.src = URL.createObjectURL(blob);
    await element.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width, height });
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    const offscreen = new OffscreenCanvas(width, height);
    offscreen.getContext('2d').drawImage(bitmap, 0, 0);
    const kinds = { ImageData: canvas.getContext('2d').getImageData(0, 0, width, height), HTMLImageElement: element,
      HTMLCanvasElement: canvas, OffscreenCanvas: offscreen, ImageBitmap: bitmap,
      Tensor3D: window.tf.browser.fromPixels(bitmap) };
    if (video) {
      const camera = Object.assign(document.createElement('video'), { muted: true, playsInline: true });
      camera.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
      await camera.play();
      while (camera.readyState < 2) await new Promise((resolve) => { setTimeout(resolve, 20); });
      kinds.HTMLVideoElement = camera;
    }
    const answers = {};
    for (const [kind, image] of Object.entries(kinds)) {
      const { corners, presence, found, crop } = await finder.findCard(image);
      const live = await new LiveTracker(finder).processFrame(image);
      answers[kind] = { corners, presence, found, crop: crop && [crop.width, crop.height],
        live: { raw: live.raw, presence: live.presence } };
    }
    kinds.Tensor3D.dispose();
    kinds.HTMLVideoElement?.srcObject.getTracks().forEach((track) => track.stop());
    return answers;
  }, { base64: bytes, video: Boolean(job.webcam) });
}

/** In the page: puts a stale weight file into the model's folder in the service worker's cache, as an earlier export
 * would have left it, asks the worker to keep the model again (as page.js does), and says what the cache holds. */
async function recache() {
  const cache = await caches.open((await caches.keys())[0]);
  const stale = new URL('model/group1-shard9of9.bin', window.location.href).href;
  await cache.put(stale, new Response('weights of an earlier export'));
  const worker = (await navigator.serviceWorker.ready).active;
  const answer = await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => resolve(data);
    worker.postMessage({ type: 'cache', model: new URL('model/', window.location.href).href }, [channel.port2]);
  });
  return { answer, staleDropped: !(await cache.match(stale)),
    modelKept: Boolean(await cache.match(new URL('model/model.json', window.location.href).href)) };
}

/** Once the service worker keeps the page, cuts the network, reloads, and analyses a photo. */
async function runOffline(page, job, out) {
  await page.waitForFunction(() => window.cardPage.offline !== null, null, { timeout: 120000, polling: 50 });
  const record = { cached: await page.evaluate(() => window.cardPage.offline) };
  out.offline = record;
  if (record.cached !== 'ready') return;
  record.recache = await page.evaluate(recache);
  await page.context().setOffline(true);
  await page.reload();
  await page.waitForFunction(() => window.cardPage && (window.cardPage.ready || window.cardPage.error), null,
    { timeout: 120000 });
  Object.assign(record, await page.evaluate(async () => ({ backend: window.cardPage.backend,
    error: window.cardPage.error, networkCut: await fetch(`model/model.json?${Date.now()}`).then(() => false,
      () => true) })));
  if (!record.error) {
    const photos = {};
    await runPhotos(page, { photos: [job.offline], input: '#camera-photo' }, { photos });   // the camera's input
    record.photo = Object.values(photos)[0];
  }
}

/** The page's width against the screen's, where each control lies, and the photo inputs' capture attributes. */
async function layout(page) {
  return page.evaluate(() => ({ innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
    controls: [...document.querySelectorAll('#controls .button, #controls button')].map((control) => {
      const { left, right, height } = control.getBoundingClientRect();
      return { name: control.textContent.trim(), left, right, height };
    }),
    camera: [...document.querySelectorAll('input[type=file]')].map((input) => input.getAttribute('capture')) }));
}

async function main([jobPath, outPath]) {
  if (!jobPath || !outPath) throw new Error('usage: node web/node/page_check.mjs JOB.json OUT.json');
  const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
  const browser = await chromium.launch({ executablePath: job.chromium, args: launchArgs(job) });
  const out = { photos: {}, console: [] };
  try {
    const screen = job.phone ? { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true,
      hasTouch: true } : { viewport: { width: 1280, height: 1000 } };
    const page = await browser.newPage(screen);
    page.on('console', (message) => out.console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => out.console.push(`pageerror: ${error.message}`));
    if (job.webgl === false) await page.addInitScript(refuseWebGL);
    await page.goto(job.url);
    await page.waitForFunction(() => window.cardPage && (window.cardPage.ready || window.cardPage.error),
      null, { timeout: 120000 });
    Object.assign(out, await page.evaluate(() => ({ backend: window.cardPage.backend, error: window.cardPage.error,
      worker: window.cardPage.worker })));
    if (!out.error) {
      await runPhotos(page, job, out);
      out.layout = await layout(page);
      if (job.webcam) await runWebcam(page, job, out);
      if (job.kinds) await runKinds(page, job, out);
      if (job.screenshot) await page.screenshot({ path: job.screenshot, fullPage: true });
      if (job.offline) await runOffline(page, job, out);
    }
  } finally {
    await browser.close();
    fs.writeFileSync(outPath, JSON.stringify(out));
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
