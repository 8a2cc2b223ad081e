/**
 * The live path run in a dedicated Worker (`liveWorker.js`), so the model has a core of its own and the page's
 * thread only grabs frames and draws.
 *
 *     const tracker = await WorkerTracker.start({ model: new URL('model/', location.href),
 *       vendor: new URL('vendor/', location.href), backend: 'wasm' });
 *     const { corners, found } = await tracker.processFrame(await createImageBitmap(video));   // the bitmap moves
 *     tracker.dispose();
 *
 * `processFrame` and `processCards` answer as `LiveTracker`'s do; the frame is an ImageBitmap, transferred (it
 * cannot be used afterwards). Requests are answered in the order they were sent. The photo path (`capture`) stays
 * with a `CardFinder` on the page's thread, which holds the full-resolution frame.
 */

export class WorkerTracker {
  /** @param {Worker} worker a started `liveWorker.js` */
  constructor(worker, backend) {
    this.worker = worker;
    this.backend = backend;
    /** @type {{resolve: function, reject: function}[]} the requests not answered yet, oldest first */
    this.waiting = [];
    worker.onmessage = ({ data }) => {
      const { resolve, reject } = this.waiting.shift();
      if (data.type === 'error') reject(new Error(`live worker: ${data.message}`));
      else resolve(data);
    };
    worker.onerror = (event) => {
      this.waiting.splice(0).forEach(({ reject }) => reject(new Error(`live worker: ${event.message}`)));
    };
  }

  /**
   * Starts the worker and loads the model in it.
   *
   * @param {{model: (string|URL), vendor: (string|URL), backend?: string, workerUrl?: (string|URL)}} options the
   *   export's folder and TF.js's vendor folder, as absolute URLs; the worker's backend (default 'wasm')
   * @returns {Promise<WorkerTracker>}
   */
  static async start({ model, vendor, backend = 'wasm', workerUrl = new URL('./liveWorker.js', import.meta.url) }) {
    const worker = new Worker(workerUrl, { type: 'module' });
    const tracker = new WorkerTracker(worker, backend);
    const ready = await tracker.send({ type: 'start', model: String(model), vendor: String(vendor), backend });
    tracker.backend = ready.backend;
    return tracker;
  }

  /** Sends one request; resolves to its answer. */
  send(message, transfer = []) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  /**
   * @param {ImageBitmap} frame transferred to the worker, which closes it
   * @param {number} [milliseconds] the frame's time; default `performance.now()`
   */
  async processFrame(frame, milliseconds = performance.now()) {
    return (await this.send({ type: 'frame', frame, milliseconds }, [frame])).result;
  }

  /**
   * Every card, each on its own crop (`LiveTracker.processCards`).
   *
   * @param {ImageBitmap} frame transferred to the worker, which closes it
   * @param {number} [milliseconds] the frame's time; default `performance.now()`
   */
  async processCards(frame, milliseconds = performance.now()) {
    return (await this.send({ type: 'cards', frame, milliseconds }, [frame])).result;
  }

  async reset() {
    await this.send({ type: 'reset' });
  }

  /** Frees the model in the worker and ends it. */
  async dispose() {
    await this.send({ type: 'dispose' });
  }
}
