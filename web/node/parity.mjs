// Runs an exported corner model in TF.js on a batch of inputs, for the parity test.
//
//     node web/node/parity.mjs WEB_DIR INPUTS.bin OUT.json [cpu|wasm]
//
// WEB_DIR is what `python export.py` wrote (model.json and its weight shards).
// INPUTS.bin holds float32 little-endian images [N, S, S, 3], RGB in 0..255,
// S from the model's signature. OUT.json gets, for each output of the signature
// (coords, presence, heatmaps, and cards, card_scores, card_orientation where the
// model has a card head), {"shape": [...], "data": [flat values]}, fetched by the
// signature's node names (model_card.json's outputs.*.node). The backend is TF.js's pure-JS CPU one
// (default) or its WebAssembly one, as the page's fallback uses.

import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { fileHandler } from './files.mjs';

async function main([folder, inputsPath, outPath, backend = 'cpu']) {
  if (!folder || !inputsPath || !outPath) {
    throw new Error('usage: node web/node/parity.mjs WEB_DIR INPUTS.bin OUT.json [cpu|wasm]');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} did not start`);
  await tf.ready();
  const { signature } = JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8'));
  const model = await tf.loadGraphModel(fileHandler(folder));

  const image = signature.inputs.image;
  const size = Number(image.tensorShape.dim[1].size);
  const bytes = fs.readFileSync(inputsPath);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const batch = values.length / (size * size * 3);
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`${inputsPath}: ${values.length} floats are not a batch of ${size}x${size}x3 images`);
  }
  const input = tf.tensor4d(values, [batch, size, size, 3], 'float32');

  // The outputs by the node names of the signature: predict()'s order is not the names' order.
  const keys = Object.keys(signature.outputs);
  const outputs = model.execute({ [image.name]: input }, keys.map((key) => signature.outputs[key].name));
  const result = { backend: tf.getBackend(), version: tf.version.tfjs };
  for (const [index, key] of keys.entries()) {
    result[key] = { shape: outputs[index].shape, data: Array.from(await outputs[index].data()) };
  }
  fs.writeFileSync(outPath, JSON.stringify(result));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
