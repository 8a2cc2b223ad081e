/**
 * The live path in a dedicated Worker (a module worker): `workerTracker.js` starts it and talks to it.
 *
 * TF.js's WASM backend runs one thread on a 2-core machine whatever `setThreadsCount` says, so the page's thread
 * and the model share one core; here the model runs on the other. The worker loads TF.js from the vendor folder
 * it is told (the UMD builds set `globalThis.tf`), starts the backend, loads the export into a `LiveTracker`,
 * then answers messages in order:
 *
 *   {type: 'start', model: URL, vendor: URL, backend}  -> {type: 'ready', backend}
 *   {type: 'frame', frame: ImageBitmap (transferred), milliseconds} -> {type: 'frame', result} (the bitmap is closed)
 *   {type: 'reset'} -> {type: 'reset'};  {type: 'dispose'} -> {type: 'dispose'}, then the worker closes
 *
 * A failure answers {type: 'error', message}.
 */

import { LiveTracker } from './liveTracker.js';

let tracker = null;

/**
 * Loads TF.js and the model; answers the backend that runs.
 *
 * @param {{model: string, vendor: string, backend: string}} message absolute URLs of the export's folder and of
 *   TF.js's vendor folder, and the backend to start
 * @returns {Promise<{backend: string}>}
 */
async function start({ model, vendor, backend }) {
  await import(new URL('tf.min.js', vendor).href);
  await import(new URL('tf-backend-wasm.min.js', vendor).href);
  const { tf } = /** @type {any} */ (globalThis);
  tf.wasm.setWasmPaths(vendor);
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} did not start in the worker`);
  await tf.ready();
  tracker = await LiveTracker.load(tf, model);
  return { backend: tf.getBackend() };
}

/**
 * Answers one message (see above).
 *
 * @param {{type: string, [key: string]: any}} data the message
 * @returns {Promise<object|undefined>} the reply's fields
 */
async function answer({ type, ...message }) {
  if (type === 'start') return start(/** @type {any} */ (message));
  if (type === 'frame' || type === 'cards') {
    try {
      const method = type === 'frame' ? 'processFrame' : 'processCards';
      return { result: await tracker[method](message.frame, message.milliseconds) };
    } finally {
      message.frame.close();
    }
  }
  if (type === 'reset') return tracker.reset();
  if (type === 'dispose') {
    tracker?.dispose();
    setTimeout(() => self.close());
    return undefined;
  }
  throw new Error(`unknown message ${type}`);
}

// Messages run one at a time, in order.
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => answer(data)).then(
    (reply) => self.postMessage({ type: data.type === 'start' ? 'ready' : data.type, ...reply }),
    (error) => self.postMessage({ type: 'error', message: error.message }),
  );
};
