// Runs web/src's letterbox, rectify, rotations and findCard in Node on raw pixels, for the tests that compare them
// with Python.
//
//     node web/node/module_check.mjs JOB.json OUT_DIR
//
// JOB.json: {"photos": {NAME: {"rgba": FILE, "width": W, "height": H}},
//            "letterbox": [{"photo": NAME, "size": S, "region": [x0, y0, x1, y1] (optional)}],
//            "rectify": [{"photo": NAME, "corners": [[x, y] x 4]}],
//            "turn": {"size": S, "point": [x, y]} (optional), "combine": [{"quads": [V][4][2], "presences": [V]}],
//            "find": {"model": WEB_DIR, "photos": [NAME, ...]} (optional)}
// FILE holds the photo's RGBA bytes, row by row. OUT_DIR gets letterbox_K.bin (float32 [S, S, 3]),
// rectify_K.bin and find_NAME.bin (RGBA bytes of the 630 x 880 card), and result.json with the frames,
// the turned pixels (of an S x S x 3 image holding 0, 1, 2, ...) and points, the combined quads, and findCard's
// corners and presence. TF.js runs on its CPU backend (pure JS).

import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CardFinder, letterbox, rectify } from '../src/findCard.js';
import { TURNS, combine, turnImages, turnPoint, unturnPoint } from '../src/rotations.js';
import { fileHandler } from './files.mjs';

function readPhoto({ rgba, width, height }) {
  const bytes = fs.readFileSync(rgba);
  if (bytes.length !== width * height * 4) throw new Error(`${rgba}: ${bytes.length} bytes, not ${width}x${height} RGBA`);
  return { data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length), width, height };
}

async function main([jobPath, outDir]) {
  if (!jobPath || !outDir) throw new Error('usage: node web/node/module_check.mjs JOB.json OUT_DIR');
  const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
  const photos = Object.fromEntries(Object.entries(job.photos).map(([name, spec]) => [name, readPhoto(spec)]));
  const result = { letterbox: [], find: {} };
  await tf.setBackend('cpu');

  for (const [k, task] of (job.letterbox ?? []).entries()) {
    const { input, frame } = letterbox(photos[task.photo], task.size, task.region);
    fs.writeFileSync(path.join(outDir, `letterbox_${k}.bin`), Buffer.from(input.buffer));
    result.letterbox.push({ ...frame });
  }
  for (const [k, task] of (job.rectify ?? []).entries()) {
    fs.writeFileSync(path.join(outDir, `rectify_${k}.bin`), rectify(photos[task.photo], task.corners).data);
  }
  if (job.turn) {
    const { size, point } = job.turn;
    const image = tf.range(0, size * size * 3).reshape([1, size, size, 3]);
    result.turn = TURNS.map((t) => ({ pixels: Array.from(turnImages(tf, image, t).dataSync()),
      point: turnPoint(point, t, size), back: unturnPoint(turnPoint(point, t, size), t, size) }));
  }
  result.combine = (job.combine ?? []).map((task) => combine(task.quads, task.presences));
  if (job.find) {
    const card = JSON.parse(fs.readFileSync(path.join(job.find.model, 'model_card.json'), 'utf8'));
    const finder = new CardFinder(tf, await tf.loadGraphModel(fileHandler(job.find.model)), card);
    for (const name of job.find.photos) {
      const { crop, ...found } = await finder.findCard(photos[name]);
      if (crop) fs.writeFileSync(path.join(outDir, `find_${name}.bin`), crop.data);
      result.find[name] = found;
    }
  }
  fs.writeFileSync(path.join(outDir, 'result.json'), JSON.stringify(result));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
