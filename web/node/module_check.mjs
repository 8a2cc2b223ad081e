// Runs web/src's letterbox, rectify, rotations, findCard and findCards, and findCards' geometry (inside,
// distinctCards), in Node on raw pixels, for the tests that compare them with Python.
//
//     node web/node/module_check.mjs JOB.json OUT_DIR
//
// JOB.json: {"card": CARD_JSON (the model_card.json whose values every step runs on; optional where only
//                    "inside" and "distinct" run),
//            "photos": {NAME: {"rgba": FILE, "width": W, "height": H}} (optional),
//            "letterbox": [{"photo": NAME, "size": S, "region": [x0, y0, x1, y1] (optional)}],
//            "rectify": [{"photo": NAME, "corners": [[x, y] x 4]}],
//            "turn": {"size": S, "point": [x, y]} (optional), "combine": [{"quads": [V][4][2], "presences": [V]}],
//            "find": {"model": WEB_DIR (its model.json; the card is CARD_JSON), "photos": [NAME, ...] (findCard),
//                     "cards": [NAME, ...] (findCards; optional)} (optional),
//            "check_cards": [CARD_JSON, ...] (optional: cards to hand to the CardFinder constructor),
//            "inside": [{"point": [x, y], "quad": [4][2]}] (optional),
//            "distinct": [{"quads": [C][4][2], "scores": [C]}] (optional),
//            "memory": {"model": WEB_DIR, "photos": [NAME, ...], "frames": N, "options": {...} (CardFinder's)}
//                      (optional: N frames, cycling the photos and the image kinds of KINDS, each through findCard
//                      and LiveTracker.processFrame, then dispose())}
// FILE holds the photo's RGBA bytes, row by row. OUT_DIR gets letterbox_K.bin (float32 [S, S, 3]),
// rectify_K.bin, find_NAME.bin and cards_NAME_K.bin (RGBA bytes of the card, of the card's inference.card_size),
// and result.json with the frames, the turned pixels (of an S x S x 3 image holding 0, 1, 2, ...) and points for
// each of the card's turns, the combined quads, findCard's answer ("find": corners, presence, ..., and sharedCrop:
// whether its crop, read twice, is the very object its first card's crop is) and findCards'
// ("cards": NAME -> [{corners, score, orientationConfidence, firstPass}], nearest the centre first), and for each
// checked card the constructor's error message (null where it accepted the card), "inside": [boolean] and
// "distinct": [[index kept, ...]] per task, and for "memory" tf.memory().numTensors before the model was loaded,
// after it, after the frames and after dispose(), each frame's kind and findCard answer (without the crop), and the
// error a call after dispose() throws. TF.js runs on its CPU backend (pure JS).

import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CardFinder, distinctCards, inside, letterbox, readCard, rectify } from '../src/findCard.js';
import { LiveTracker } from '../src/liveTracker.js';
import { combine, turnImages, turnPoint, unturnPoint } from '../src/rotations.js';
import { fileHandler, readJSON, readPhoto } from './files.mjs';

/** A card of findCard or findCards without its straightened pixels (written to their own files). */
function withoutCrop({ crop, ...card }) {
  return card;
}

/** The CardFinder constructor's error message for a card file, or null where it accepts the card. */
function cardError(file) {
  try {
    new CardFinder(tf, null, readJSON(file));      // eslint-disable-line no-new
    return null;
  } catch (error) {
    return error.message;
  }
}

/** The image kinds the memory run cycles through, each made from RGBA pixels: the tensors are the caller's. */
const KINDS = {
  pixels: (photo) => photo,
  'int32 RGBA tensor': (photo) => tf.tensor3d(new Int32Array(photo.data), [photo.height, photo.width, 4], 'int32'),
  'float32 RGB tensor': (photo) => tf.tidy(() => tf.tensor3d(new Float32Array(photo.data),
    [photo.height, photo.width, 4]).slice([0, 0, 0], [-1, -1, 3])),
};

/** Runs the photo and live paths on many frames of several image kinds, then disposes, counting tensors. */
async function runMemory({ model, photos: names, frames, options }, photos, card) {
  const inputs = names.flatMap((name) => Object.entries(KINDS).map(([kind, make]) => ({ name, kind,
    image: make(photos[name]) })));                                       // the caller's images, made once
  const numTensors = { start: tf.memory().numTensors };
  const finder = new CardFinder(tf, await tf.loadGraphModel(fileHandler(model)), card, options);
  const tracker = new LiveTracker(finder);
  numTensors.loaded = tf.memory().numTensors;
  const answers = [];
  for (let k = 0; k < frames; k += 1) {
    const { name, kind, image } = inputs[k % inputs.length];
    const { crop, milliseconds, cards, ...found } = await finder.findCard(image);
    const live = await tracker.processFrame(image, (1000 * k) / 30);
    answers.push({ name, kind, ...found, cards: cards.map(withoutCrop), cropSize: crop && [crop.width, crop.height],
      livePresence: live.presence });
  }
  numTensors.afterFrames = tf.memory().numTensors;
  tracker.dispose();
  numTensors.afterDispose = tf.memory().numTensors;
  const afterDispose = await finder.findCard(photos[names[0]]).then(() => null, (error) => error.message);
  inputs.forEach(({ kind, image }) => kind !== 'pixels' && tf.dispose(image));
  return { numTensors, answers, afterDispose };
}

async function main([jobPath, outDir]) {
  if (!jobPath || !outDir) throw new Error('usage: node web/node/module_check.mjs JOB.json OUT_DIR');
  const job = readJSON(jobPath);
  const card = job.card ? readJSON(job.card) : null;
  const settings = card ? readCard(card, job.card) : null;
  const photos = Object.fromEntries(Object.entries(job.photos ?? {}).map(([name, spec]) => [name, readPhoto(spec)]));
  const result = { letterbox: [], find: {}, cards: {} };
  await tf.setBackend('cpu');

  for (const [k, task] of (job.letterbox ?? []).entries()) {
    const { input, frame } = letterbox(photos[task.photo], task.size, settings.fill, task.region);
    fs.writeFileSync(path.join(outDir, `letterbox_${k}.bin`), Buffer.from(input.buffer));
    result.letterbox.push({ ...frame });
  }
  for (const [k, task] of (job.rectify ?? []).entries()) {
    const card = rectify(photos[task.photo], task.corners, settings.cardSize);
    fs.writeFileSync(path.join(outDir, `rectify_${k}.bin`), card.data);
  }
  if (job.turn) {
    const { size, point } = job.turn;
    const image = tf.range(0, size * size * 3).reshape([1, size, size, 3]);
    result.turn = settings.turns.map((t) => ({ pixels: Array.from(turnImages(tf, image, t).dataSync()),
      point: turnPoint(point, t, size), back: unturnPoint(turnPoint(point, t, size), t, size) }));
  }
  result.combine = (job.combine ?? []).map((task) => combine(task.quads, task.presences));
  if (job.find) {
    const finder = new CardFinder(tf, await tf.loadGraphModel(fileHandler(job.find.model)), card);
    for (const name of job.find.photos) {
      const answer = await finder.findCard(photos[name]);
      const { crop, cards, ...found } = answer;
      if (crop) fs.writeFileSync(path.join(outDir, `find_${name}.bin`), crop.data);
      const sharedCrop = crop !== null && answer.crop === crop && cards[0]?.crop === crop;   // warped once, kept
      result.find[name] = { ...found, cards: cards.map(withoutCrop), sharedCrop };
    }
    for (const name of job.find.cards ?? []) {
      const cards = await finder.findCards(photos[name]);
      cards.forEach(({ crop }, k) => fs.writeFileSync(path.join(outDir, `cards_${name}_${k}.bin`), crop.data));
      result.cards[name] = cards.map(withoutCrop);
    }
  }
  result.check_cards = (job.check_cards ?? []).map(cardError);
  result.inside = (job.inside ?? []).map((task) => inside(task.point, task.quad));
  result.distinct = (job.distinct ?? []).map((task) => distinctCards(task.quads, task.scores));
  if (job.memory) result.memory = await runMemory(job.memory, photos, card);
  fs.writeFileSync(path.join(outDir, 'result.json'), JSON.stringify(result));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
