// Runs web/src's live path on every frame of a video in order, and the photo path on some of the same frames, for
// benchmarks/live_accuracy.py (and tests/test_live_accuracy.py).
//
//     node web/node/live_accuracy.mjs JOB.json OUT.json
//
// JOB.json: {"card": CARD_JSON, "model": WEB_DIR, "backend": "cpu"|"wasm" (default cpu),
//            "video": {"rgba": FILE (the frames' RGBA bytes one after another), "width": W, "height": H, "count": N},
//            "fps": F (the frames' times, k / F seconds, for the smoothing; default 30),
//            "photoEvery": K (the photo path on frames 0, K, 2K, ...; 0: never; default 0),
//            "tuning": {...} (LIVE_TUNING's fields to change, tracking.js; optional),
//            "cards": BOOL (every card instead: `processCards` on every frame, no photo path; default false)}
// OUT.json: {"backend", "live": [N] each frame's `LiveTracker.processFrame` answer (corners, raw, presence, found,
//            tracking, region), "photo": [{"frame": k, "corners", "presence", "found"}] `findCard`'s answers};
//            with "cards", "live" holds each frame's `processCards` answer (cards, searched, regions, milliseconds).
// One fresh LiveTracker sees every frame, none dropped (Chromium's fake camera plays in real time and drops frames,
// so its frames cannot be matched to labels); the photo path (both passes, the rotation vote) runs on the same
// model, beside it, without touching the tracker's state.

import fs from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { CardFinder } from '../src/findCard.js';
import { LiveTracker } from '../src/liveTracker.js';
import { fileHandler, readJSON } from './files.mjs';

/** The video's frames, read one at a time, as ImageData-like `{data, width, height}`. */
function* readFrames({ rgba, width, height, count }) {
  const bytes = width * height * 4;
  const size = fs.statSync(rgba).size;
  if (size !== bytes * count) throw new Error(`${rgba}: ${size} bytes, not ${count} frames of ${width}x${height} RGBA`);
  const file = fs.openSync(rgba, 'r');
  try {
    for (let k = 0; k < count; k += 1) {
      const data = new Uint8ClampedArray(bytes);
      fs.readSync(file, data, 0, bytes, k * bytes);
      yield { data, width, height };
    }
  } finally {
    fs.closeSync(file);
  }
}

async function runVideo(job, card) {
  const finder = new CardFinder(tf, await tf.loadGraphModel(fileHandler(job.model)), card);
  const tracker = new LiveTracker(finder, job.tuning ?? {});
  const fps = job.fps ?? 30;
  const every = job.photoEvery ?? 0;
  const live = [];
  const photo = [];
  let k = 0;
  for (const frame of readFrames(job.video)) {
    if (job.cards) {
      live.push(await tracker.processCards(frame, 1000 * k / fps));
    } else {
      const { corners, raw, presence, found, tracking, region } = await tracker.processFrame(frame, 1000 * k / fps);
      live.push({ corners, raw, presence, found, tracking, region });
      if (every > 0 && k % every === 0) {
        const answer = await tracker.capture(frame);
        photo.push({ frame: k, corners: answer.corners, presence: answer.presence, found: answer.found });
      }
    }
    k += 1;
  }
  tracker.dispose();
  return { live, photo };
}

async function main([jobPath, outPath]) {
  if (!jobPath || !outPath) throw new Error('usage: node web/node/live_accuracy.mjs JOB.json OUT.json');
  const job = readJSON(jobPath);
  const card = readJSON(job.card);
  const backend = job.backend ?? 'cpu';
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} did not start`);
  await tf.ready();
  const result = await runVideo(job, card);
  fs.writeFileSync(outPath, JSON.stringify({ backend: tf.getBackend(), ...result }));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
