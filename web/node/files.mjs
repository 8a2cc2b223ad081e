// Reading from disk in Node: an exported graph model, JSON jobs and raw RGBA photos.
//
// Pure @tensorflow/tfjs cannot load file:// URLs in Node (that loader lives in
// tfjs-node, which downloads a native binary), so the files are read with fs
// and handed over as an IOHandler.

import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';

/** An IOHandler that reads model.json and its weight shards from a folder. */
export function fileHandler(folder) {
  return {
    load: async () => {
      const modelJSON = JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const buffers = manifest.flatMap((group) => group.paths.map((shard) => {
          const bytes = fs.readFileSync(path.join(folder, shard));
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        }));
        return [tf.io.getWeightSpecs(manifest), buffers];
      });
    },
  };
}

export function readJSON(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** A photo of a job, `{"rgba": FILE, "width": W, "height": H}`, as ImageData-like `{data, width, height}`. */
export function readPhoto({ rgba, width, height }) {
  const bytes = fs.readFileSync(rgba);
  if (bytes.length !== width * height * 4) throw new Error(`${rgba}: ${bytes.length} bytes, not ${width}x${height} RGBA`);
  return { data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length), width, height };
}
