// The page: a photo or the webcam in, the card's corners drawn and the card straightened out; on the photo path,
// every card in the photo too (`findCard`'s `cards`): outlined and numbered on the photo, straightened in a strip.
//
// URL parameters: ?model=FOLDER (default model/, where `python export.py --out web/model` writes),
// ?backend=webgl|wasm|cpu (the first backend to try; the others follow as fallbacks), ?worker=1 (the live path
// runs in a dedicated Worker, src/liveWorker.js, on the page's backend) and ?cards=1 (the live path follows every
// card, `processCards`, instead of the primary one: each outlined and numbered, the nearest the centre as primary),
// ?stamp=BITS,WIDTH,HEIGHT (a test video's frames carry their index along their bottom rows, `web/harness.py`
// `stamp_frames`: the live path reads it from each frame and lists what it answered on which frame in
// `cardPage.webcamTrack`, since the fake camera plays in real time, loops and drops frames).
// TF.js comes from vendor/ as the global `tf` (see index.html); a photo takes the photo path (src/findCard.js), the
// webcam the live path (src/liveTracker.js: the outline per frame) until "Capture" runs the photo path on the frame.
// `window.cardPage` holds the page's state (backend, frames, last result, the live frames' times, the first live
// answer since the webcam started, the last capture, the CardFinder, whether the page works offline) for scripts
// and tests; `last.path` says which path answered, and a photo path's `last.cards` lists every card (corners, score,
// orientationConfidence, firstPass).
// After the first visit the page works offline: sw.js, a service worker, keeps the page, src/, vendor/ and the model
// (it needs a secure context: HTTPS, localhost or 127.0.0.1); `cardPage.offline` says 'ready' once they are kept.

import { CardFinder } from './src/findCard.js';
import { LiveTracker } from './src/liveTracker.js';
import { readPixels } from './src/pixels.js';
import { WorkerTracker } from './src/workerTracker.js';

const BACKENDS = ['webgl', 'wasm', 'cpu'];
const VIEW_SIDE = 720;   // the photo is drawn to fit a VIEW_SIDE x VIEW_SIDE box
const PRIMARY_COLOUR = '#00e060';   // the primary card's outline (findCard)
const CARDS_COLOUR = '#ffd60a';     // every card's outline and number (findCards)
const params = new URLSearchParams(window.location.search);
const $ = (id) => document.getElementById(id);

const state = { ready: false, backend: null, frames: 0, last: null, error: null, webcam: false,
  webcamMilliseconds: [], firstLive: null, captureAsked: false, capture: null, worker: params.get('worker') === '1',
  everyCard: params.get('cards') === '1', finder: null, offline: null, webcamTrack: [] };
const stamp = params.get('stamp')?.split(',').map(Number) ?? null;   // [bits, block width, block height]
const PATHS = {      // what the time per frame covers, by the path that answered
  photo: 'photo path: letterbox, model on four turns of the photo, second pass on every card, straightening',
  live: 'live path: one view of the tracked crop, no straightening',
  cards: 'live path, every card: one view of each card\'s tracked crop, no straightening',
};
window.cardPage = state;

/** Starts the first TF.js backend of the preferred order that works here, and names it. */
async function startBackend(first) {
  tf.wasm.setWasmPaths(new URL('vendor/', window.location.href).href);
  const order = first ? [first, ...BACKENDS.filter((name) => name !== first)] : BACKENDS;
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch (error) {
      console.warn(`TF.js backend ${name} failed: ${error.message}`);
    }
  }
  throw new Error(`none of the TF.js backends ${order.join(', ')} started`);
}

/** The mean of a quad's corners. */
function centreOf(points) {
  return [0, 1].map((axis) => points.reduce((sum, point) => sum + point[axis], 0) / points.length);
}

/** Strokes a closed quad. */
function outline(context, points, colour, width) {
  context.lineWidth = width;
  context.strokeStyle = colour;
  context.beginPath();
  points.forEach(([x, y], k) => (k === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
  context.closePath();
  context.stroke();
}

/** Draws one card of `findCards` on the view: its outline, and its number on a dark disc at its centre. */
function drawNumbered(context, points, number) {
  outline(context, points, CARDS_COLOUR, 2);
  const [x, y] = centreOf(points);
  context.fillStyle = 'rgba(0, 0, 0, 0.65)';
  context.beginPath();
  context.arc(x, y, 11, 0, 2 * Math.PI);
  context.fill();
  context.fillStyle = CARDS_COLOUR;
  context.font = 'bold 14px system-ui, sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(String(number), x, y);
}

/** Draws the photo scaled into the view, every card's numbered outline, and the primary card's quad with its
 * labelled corners when it was found. */
function drawView(source, width, height, result, cards = []) {
  const view = $('view');
  const scale = Math.min(1, VIEW_SIDE / Math.max(width, height));
  view.width = Math.round(width * scale);
  view.height = Math.round(height * scale);
  const context = view.getContext('2d');
  context.drawImage(source, 0, 0, view.width, view.height);
  const toView = (corners) => corners.map(([x, y]) => [x * scale, y * scale]);
  cards.forEach((card, k) => drawNumbered(context, toView(card.corners), k));
  if (!result.found) return;
  const points = toView(result.corners);
  outline(context, points, PRIMARY_COLOUR, 3);
  context.font = 'bold 14px system-ui, sans-serif';
  const centre = centreOf(points);
  ['TL', 'TR', 'BR', 'BL'].forEach((label, k) => {
    const [x, y] = points[k];
    context.fillStyle = '#ff2d55';
    context.beginPath();
    context.arc(x, y, 6, 0, 2 * Math.PI);
    context.fill();
    const away = Math.hypot(x - centre[0], y - centre[1]) || 1;     // labels sit outside the quad
    context.fillStyle = '#fff';
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    context.fillText(label, x + (18 * (x - centre[0])) / away, y + (18 * (y - centre[1])) / away);
  });
}

/** Shows the straightened card, or clears it when there is none. */
function drawCard(crop) {
  const card = $('card');
  const context = card.getContext('2d');
  if (crop) {
    context.putImageData(new ImageData(crop.data, crop.width, crop.height), 0, 0);
  } else {
    context.clearRect(0, 0, card.width, card.height);
  }
  $('save').disabled = !crop;
}

/** Shows every card straightened, in a strip, nearest the photo's centre first, numbered as on the view. */
function drawStrip(cards) {
  $('cards').replaceChildren(...cards.map(({ crop, score }, k) => {
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [crop.width, crop.height];
    canvas.getContext('2d').putImageData(new ImageData(crop.data, crop.width, crop.height), 0, 0);
    const caption = document.createElement('figcaption');
    caption.textContent = `${k} (score ${score.toFixed(2)})`;
    const figure = document.createElement('figure');
    figure.append(canvas, caption);
    return figure;
  }));
  $('card-count').textContent = `(${cards.length})`;
  $('save-cards').disabled = !cards.length;
}

/** Shows an answer's status line, time and record, and counts the frame. */
function report(result, record) {
  const status = $('status');
  const presence = `presence ${result.presence.toFixed(2)}`;
  const count = record.cards ? `; ${record.cards.length} card${record.cards.length === 1 ? '' : 's'} in all` : '';
  status.textContent = `${result.found ? 'Card found' : 'No card'} (${presence})${count}`;
  status.className = result.found ? 'found' : 'none';
  $('latency').textContent = result.milliseconds.toFixed(0);
  $('path').textContent = PATHS[record.path];
  state.last = { backend: state.backend, ...record };
  state.frames += 1;
  $('result').textContent = JSON.stringify(state.last, null, 1);
}

/** A card of `findCard` or `findCards` without its straightened pixels, for the page's record. */
function withoutCrop({ crop, ...rest }) {
  return rest;
}

/** Finds the card and every card in one frame (a photo's ImageBitmap or the webcam's video) with the photo path and
 * shows everything; `milliseconds` is the answer's time (every card's corners), `shownMilliseconds` the time from
 * reading the frame's pixels to the outlines and the straightened cards drawn (the crops are warped when read), and
 * `timings` splits it: `findCard`'s read, letterbox, model and decode, then every card's warp and the drawing. */
async function analyse(finder, source, width, height, name) {
  const start = performance.now();
  let result;
  try {
    result = await finder.findCard(await readPixels(tf, source, 'readPixels'));
  } catch (error) {
    $('status').textContent = `Cannot analyse ${name}: ${error.message}`;
    $('status').className = 'none';
    state.last = { source: name, width, height, backend: state.backend, error: error.message };
    state.frames += 1;
    return;
  }
  const answered = performance.now();
  const crops = [result.crop, ...result.cards.map((card) => card.crop)];          // the warps run as they are read
  const warped = performance.now();
  drawView(source, width, height, result, result.cards);
  drawCard(crops[0]);
  drawStrip(result.cards);
  const shownMilliseconds = performance.now() - start;
  const timings = { ...result.timings, warp: warped - answered, draw: performance.now() - warped };
  report(result, { source: name, path: 'photo', width, height, shownMilliseconds, ...withoutCrop(result),
    timings, cards: result.cards.map(withoutCrop) });
}

/** Follows the card in one webcam frame with the live path and draws its outline; the time is the page's, from
 * the grab to the answer (in a Worker: the bitmap, its transfer and the inference). */
async function track(tracker, video) {
  const start = performance.now();
  const frame = state.worker || stamp ? await createImageBitmap(video) : video;
  const index = stamp ? readStamp(frame, stamp) : null;         // before a Worker takes the bitmap
  const result = state.everyCard ? primaryOf(await tracker.processCards(frame)) : await tracker.processFrame(frame);
  result.milliseconds = performance.now() - start;
  if (stamp) {
    if (!state.worker) frame.close();
    state.webcamTrack.push({ index, corners: result.corners, presence: result.presence, found: result.found });
  }
  drawView(video, video.videoWidth, video.videoHeight, result, result.cards);
  report(result, { source: 'webcam', path: state.everyCard ? 'cards' : 'live', width: video.videoWidth,
    height: video.videoHeight, ...result });
  state.firstLive ??= state.last;                       // the first frame since the start: the whole frame searched
  state.webcamMilliseconds.push(result.milliseconds);
}

/** The frame index a test video stamps along its bottom rows (`web/harness.py` `stamp_frames`): `bits` blocks of
 * width x height pixels from the left, least significant first, white for 1; read at each block's centre. */
function readStamp(bitmap, [bits, width, height]) {
  const context = new OffscreenCanvas(bits * width, height).getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, bitmap.height - height, bits * width, height, 0, 0, bits * width, height);
  const { data } = context.getImageData(0, 0, bits * width, height);
  let index = 0;
  for (let bit = 0; bit < bits; bit += 1) {
    const green = data[((height >> 1) * bits * width + bit * width + (width >> 1)) * 4 + 1];
    if (green > 127) index += 2 ** bit;
  }
  return index;
}

/** `processCards`' answer with its first card (the nearest the centre) as the primary one, as the page shows it. */
function primaryOf({ cards, ...answer }) {
  return { ...answer, cards, found: cards.length > 0, corners: cards[0]?.corners ?? null,
    presence: cards[0]?.presence ?? 0 };
}

/** Reads an uploaded photo as displayed (EXIF orientation applied once, by the decoder) and analyses it. */
async function analysePhoto(finder, file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', colorSpaceConversion: 'none',
      premultiplyAlpha: 'none' });
  } catch (error) {
    $('status').textContent = `Cannot read ${file.name}: not an image this browser decodes`;
    $('status').className = 'none';
    return;
  }
  await analyse(finder, bitmap, bitmap.width, bitmap.height, file.name);
  bitmap.close();
}

/** Runs the webcam (getUserMedia needs localhost or HTTPS) on the live path until the button stops it;
 * "Capture" runs the photo path on the next frame, at the camera's full resolution. */
async function runWebcam(finder, tracker) {
  const button = $('webcam');
  if (state.webcam) {
    state.webcam = false;
    return;
  }
  const video = $('video');
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch (error) {
    $('status').textContent = `No webcam: ${error.message}`;
    return;
  }
  await video.play();
  state.webcam = true;
  state.firstLive = null;
  await tracker.reset();
  button.textContent = 'Stop the webcam';
  $('capture').disabled = false;
  while (state.webcam) {
    if (state.captureAsked) {
      state.captureAsked = false;
      await analyse(finder, video, video.videoWidth, video.videoHeight, 'capture');
      state.capture = { status: $('status').textContent, last: state.last };   // the next live frame replaces last
    } else {
      await track(tracker, video);
    }
    await new Promise((resolve) => { requestAnimationFrame(resolve); });
  }
  $('capture').disabled = true;
  video.srcObject.getTracks().forEach((stream) => stream.stop());
  button.textContent = 'Start the webcam';
}

/** Downloads a canvas's picture as a PNG file. */
function download(canvas, filename) {
  canvas.toBlob((blob) => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    link.click();
    URL.revokeObjectURL(link.href);
  }, 'image/png');
}

/** Downloads every straightened card of the strip, card_K.png, K its number. */
function saveCards() {
  $('cards').querySelectorAll('canvas').forEach((canvas, k) => download(canvas, `card_${k}.png`));
}

/** Registers the service worker (sw.js) and has it keep the model in use for offline use; sets `state.offline`
 * and the footer's note: 'ready', or why not. */
async function keepOffline(folder) {
  let note;
  try {
    if (!navigator.serviceWorker) throw new Error('this browser keeps no service worker here (it needs HTTPS)');
    await navigator.serviceWorker.register('sw.js');
    const worker = (await navigator.serviceWorker.ready).active;
    const answer = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = ({ data }) => resolve(data);
      worker.postMessage({ type: 'cache', model: new URL(folder, window.location.href).href }, [channel.port2]);
    });
    if (!answer.ok) throw new Error(answer.message);
    [state.offline, note] = ['ready', 'works offline from now on'];
  } catch (error) {
    [state.offline, note] = [`not kept: ${error.message}`, `online only (${error.message})`];
  }
  $('offline').textContent = note;
}

async function main() {
  const folder = params.get('model') ?? 'model/';
  try {
    state.backend = await startBackend(params.get('backend'));
    $('backend').textContent = state.backend;
    const finder = await CardFinder.load(tf, folder);
    state.finder = finder;
    $('model-info').textContent = `${finder.size} px input, from ${folder}`;
    [$('card').width, $('card').height] = finder.settings.cardSize;     // the model card's, as the crop's
    $('card-size').textContent = finder.settings.cardSize.join(' x ');
    const blank = new ImageData(finder.size, finder.size);
    await finder.findCard(blank);                                     // warm-up: the first run compiles
    const tracker = state.worker ? await WorkerTracker.start({ model: new URL(folder, window.location.href),
      vendor: new URL('vendor/', window.location.href), backend: state.backend }) : new LiveTracker(finder);
    await tracker.processFrame(state.worker ? await createImageBitmap(blank) : blank);   // the live path's ops too
    for (const input of [$('photo'), $('camera-photo')]) {       // a file, or a picture the phone's camera takes
      input.addEventListener('change', () => {
        if (input.files.length) analysePhoto(finder, input.files[0]);
      });
    }
    $('webcam').addEventListener('click', () => runWebcam(finder, tracker));
    $('capture').addEventListener('click', () => { state.captureAsked = true; });
    $('webcam').disabled = !navigator.mediaDevices?.getUserMedia;
    $('save').addEventListener('click', () => download($('card'), 'card.png'));
    $('save-cards').addEventListener('click', saveCards);
    $('status').textContent = 'Ready: choose a photo, or start the webcam.';
    state.ready = true;
    keepOffline(folder);
  } catch (error) {
    state.error = error.message;
    $('status').textContent = `Cannot start: ${error.message}. Export a model with `
      + '`python export.py --model runs/cpu/best.keras --out web/model` and serve web/ over HTTP.';
    $('status').className = 'none';
  }
}

main();
