// Copies the TF.js files the page loads from node_modules into web/vendor/, with their licence.
//
//     npm run vendor --prefix web        (the Makefile's install step runs it after `npm ci`)
//
// The page must work with no network, so TF.js and the WASM backend's binaries are served from
// the project, never from a CDN. The packages ship no LICENSE file; their package.json says
// Apache-2.0, and web/licenses/Apache-2.0.txt is that licence's text. `vendor/files.json` lists
// the files copied, for the service worker (sw.js) to keep them for offline use.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const vendor = path.join(web, 'vendor');
const FILES = {
  '@tensorflow/tfjs': ['dist/tf.min.js'],
  '@tensorflow/tfjs-backend-wasm': ['dist/tf-backend-wasm.min.js', 'dist/tfjs-backend-wasm.wasm',
    'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm'],
};

fs.rmSync(vendor, { recursive: true, force: true });
fs.mkdirSync(vendor);
const lines = ['# Third-party files in this folder', ''];
for (const [name, files] of Object.entries(FILES)) {
  const folder = path.join(web, 'node_modules', name);
  const { version, license } = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  for (const file of files) fs.copyFileSync(path.join(folder, file), path.join(vendor, path.basename(file)));
  lines.push(`- ${name} ${version} (${license}): ${files.map((file) => path.basename(file)).join(', ')}`);
}
lines.push('', 'Copyright Google LLC. Licensed under the Apache License, Version 2.0: see Apache-2.0.txt.', '');
fs.copyFileSync(path.join(web, 'licenses', 'Apache-2.0.txt'), path.join(vendor, 'Apache-2.0.txt'));
fs.writeFileSync(path.join(vendor, 'LICENSES.md'), lines.join('\n'));
const copied = Object.values(FILES).flat().map((file) => path.basename(file));
fs.writeFileSync(path.join(vendor, 'files.json'), `${JSON.stringify([...copied, 'LICENSES.md', 'Apache-2.0.txt'])}\n`);
console.log(`vendored TF.js into ${path.relative(process.cwd(), vendor) || '.'}`);
