// Loading an exported graph model from disk in Node.
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
