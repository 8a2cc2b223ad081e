// Runs web/src's live path in Node on raw pixels and scripted answers, for tests/test_web_live.py and the
// latency benchmark.
//
//     node web/node/live_check.mjs JOB.json OUT_DIR
//
// JOB.json: {"card": CARD_JSON, "backend": "cpu"|"wasm" (default cpu),
//            "photos": {NAME: {"rgba": FILE, "width": W, "height": H}},
//            "letterbox": [{"photo": NAME, "size": S, "region": [x0, y0, x1, y1] (optional)}],
//            "crops": {"width": W, "height": H, "answers": [{"corners": [[x, y] x 4], "presence": P}]} (optional),
//            "euro": {"tuning": {...} (optional), "samples": [[seconds, value], ...]} (optional),
//            "live": {"model": WEB_DIR, "frames": [NAME, ...], "count": N (frames run, cycling the list),
//                     "capture": BOOL (the photo path on the last frame)} (optional),
//            "cards": {"model": WEB_DIR, "frames": [NAME, ...], "count": N} (optional: processCards on N frames)}
// OUT_DIR gets live_letterbox_K.bin (float32 [S, S, 3]) and result.json: each letterbox's layout; for the
// crops, the region before each answer and whether the card is tracked after it, under the card's margin and
// threshold; the One Euro filter's outputs; for the live run each frame's answer, tf.memory().numTensors before
// the model was loaded, after the frames and after dispose(), and the capture's answer; for the cards run each
// frame's processCards answer and the same tensor counts.

import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { CardFinder, readCard } from '../src/findCard.js';
import { letterboxOps, liveLayout } from '../src/liveLetterbox.js';
import { LiveTracker } from '../src/liveTracker.js';
import { pixelsTensor } from '../src/pixels.js';
import { CropTracker, OneEuroFilter } from '../src/tracking.js';
import { fileHandler, readJSON, readPhoto } from './files.mjs';

function runLetterbox(task, photo, settings, outDir, k) {
  const layout = liveLayout(task.region ?? [0, 0, photo.width, photo.height], task.size);
  const input = tf.tidy(() => letterboxOps(tf, pixelsTensor(tf, photo), layout, settings.fill));
  fs.writeFileSync(path.join(outDir, `live_letterbox_${k}.bin`), Buffer.from(input.dataSync().buffer));
  input.dispose();
  return { region: layout.region, factors: layout.factors, ...layout.frame };
}

function runCrops({ width, height, answers }, settings) {
  const crops = new CropTracker({ margin: settings.cropMargin, threshold: settings.presenceThreshold });
  return answers.map(({ corners, presence }) => {
    const region = crops.region(width, height);
    return { region, tracking: crops.update(corners, presence, width, height) };
  });
}

/** Runs a fresh LiveTracker's `method` (processFrame or processCards) on the task's frames, then its capture where
 * the task asks, and counts the tensors around it. */
async function runTracker(task, photos, card, method) {
  const start = tf.memory().numTensors;
  const tracker = new LiveTracker(new CardFinder(tf, await tf.loadGraphModel(fileHandler(task.model)), card));
  const frames = [];
  for (let k = 0; k < task.count; k += 1) {
    frames.push(await tracker[method](photos[task.frames[k % task.frames.length]], 1000 * k / 30));
  }
  const afterFrames = tf.memory().numTensors;
  let capture = null;
  if (task.capture) {
    const { crop, ...answer } = await tracker.capture();
    capture = answer;
  }
  tracker.dispose();
  return { frames, capture, numTensors: { start, afterFrames, afterDispose: tf.memory().numTensors } };
}

async function main([jobPath, outDir]) {
  if (!jobPath || !outDir) throw new Error('usage: node web/node/live_check.mjs JOB.json OUT_DIR');
  const job = readJSON(jobPath);
  const card = readJSON(job.card);
  const settings = readCard(card, job.card);
  const photos = Object.fromEntries(Object.entries(job.photos ?? {}).map(([name, spec]) => [name, readPhoto(spec)]));
  if (!(await tf.setBackend(job.backend ?? 'cpu'))) throw new Error(`TF.js backend ${job.backend} did not start`);
  await tf.ready();
  const result = { backend: tf.getBackend() };
  result.letterbox = (job.letterbox ?? []).map((task, k) => runLetterbox(task, photos[task.photo], settings, outDir,
    k));
  if (job.crops) result.crops = runCrops(job.crops, settings);
  if (job.euro) {
    const filter = new OneEuroFilter(job.euro.tuning);
    result.euro = job.euro.samples.map(([seconds, value]) => filter.filter(value, seconds));
  }
  if (job.live) result.live = await runTracker(job.live, photos, card, 'processFrame');
  if (job.cards) result.cards = await runTracker(job.cards, photos, card, 'processCards');
  fs.writeFileSync(path.join(outDir, 'result.json'), JSON.stringify(result));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
