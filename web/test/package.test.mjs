// The package as a user installs it (`npm test`): its name resolves, through `exports`, to the public API in
// src/index.js, the worker script and the generated types (`npm run types`, which `npm test` runs first).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);                     // web/, the package's folder
const manifest = JSON.parse(fs.readFileSync(new URL('package.json', root), 'utf8'));

/** What web/README.md documents as the package's exports. */
const API = ['CARD_SCHEMA', 'CardFinder', 'CardTracks', 'CropTracker', 'FaceVote', 'Frame', 'LIVE_TUNING', 'LiveTracker', 'OneEuroFilter',
  'WorkerTracker', 'cropBox', 'distinctCards', 'imageSize', 'inside', 'letterbox', 'readCard', 'readPixels',
  'rectify'];

test('the package name resolves to the public API', async () => {
  const api = await import(manifest.name);
  assert.deepEqual(Object.keys(api).sort(), [...API].sort());
  assert.equal(import.meta.resolve(manifest.name), new URL('src/index.js', root).href);
  assert.equal(new URL(manifest.module, root).href, new URL(manifest.exports['.'].default, root).href);
});

test('the worker script and the types are exported files', () => {
  const worker = fileURLToPath(import.meta.resolve(`${manifest.name}/liveWorker.js`));
  assert.ok(fs.existsSync(worker), worker);
  assert.equal(manifest.types, manifest.exports['.'].types);
  const types = fileURLToPath(new URL(manifest.types, root));
  assert.ok(fs.existsSync(types), `${types}: run npm run types`);
  for (const name of API) assert.match(fs.readFileSync(types, 'utf8'), new RegExp(`\\b${name}\\b`), name);
});
