/**
 * The live path: the card followed in a video, frame by frame, beside the photo path of `findCard.js`.
 *
 *     import { LiveTracker } from './src/liveTracker.js';
 *
 *     const tracker = await LiveTracker.load(tf, 'model/');               // or new LiveTracker(finder)
 *     const { corners, presence, found, milliseconds } = await tracker.processFrame(video);   // draw the outline
 *     const { cards } = await tracker.processCards(video);                // or every card, each on its own crop
 *     const { crop } = await tracker.capture(video);                      // the photo path, the card straightened
 *     tracker.dispose();                                                  // frees the model
 *
 * Per frame: one view (the card's first turn, no rotation vote) and one pass, on the region the tracker chose
 * (`tracking.js`: the whole frame, or the last corners plus the card's crop margin, low-pass filtered), letterboxed
 * with TF.js ops on the backend (`liveLetterbox.js`); the corners are then smoothed across frames by One Euro
 * filters, and their face order is voted across frames (`FaceVote`). `processCards` follows every card instead,
 * each on a crop of its own, all crops in one batch, the whole frame searched for new cards now and then
 * (`cardTracks.js`): one model input per card a frame. Nothing is warped per frame: `capture` runs the photo path
 * (both passes, the rotation vote, the warp from the full-resolution frame) once. A frame is any image `pixels.js`
 * takes: a video, image or canvas element, an ImageBitmap, ImageData or `{data, width, height}` RGBA, or a
 * `tf.Tensor3D` (TF.js 4.22 reads no VideoFrame).
 */

import { CardTracks } from './cardTracks.js';
import { CardFinder } from './findCard.js';
import { letterboxOps, liveLayout } from './liveLetterbox.js';
import { imageSize, pixelsTensor } from './pixels.js';
import { CropTracker, FaceVote, QuadSmoother, checkTuning } from './tracking.js';

/** Follows the card in a stream of frames with a `CardFinder`'s model. */
export class LiveTracker {
  /**
   * @param {CardFinder} finder the photo path: its model, card settings and presence threshold serve both paths
   * @param {Partial<import('./tracking.js').LiveTuning>} [tuning] `LIVE_TUNING`'s fields to change (`tracking.js`)
   * @throws {Error} one line: a tuning field that `LIVE_TUNING` has not, or not a finite number (`checkTuning`)
   */
  constructor(finder, tuning = {}) {
    checkTuning(tuning);
    this.finder = finder;
    this.crops = new CropTracker({ margin: finder.settings.cropMargin, threshold: finder.settings.presenceThreshold,
      smoothing: tuning.boxSmoothing });
    this.smoother = new QuadSmoother(tuning);
    this.faces = new FaceVote(tuning);
    this.turns = finder.settings.turns.slice(0, 1);             // one view while tracking
    /** Every card's tracks, for `processCards`; null for a model exported without the card head. */
    this.tracks = finder.settings.cardHead === null ? null : new CardTracks({ margin: finder.settings.cropMargin,
      threshold: finder.settings.presenceThreshold, cardThreshold: finder.cardThreshold, maxCards: tuning.maxCards },
    tuning);
    /** The last frame given to `processFrame`, for `capture`. */
    this.lastFrame = null;
  }

  /**
   * Loads an export as `CardFinder.load` does (its options apply to `capture`) and tracks with it.
   *
   * @param {import('./pixels.js').TF} tf the TF.js namespace
   * @param {string} folderUrl the folder export.py wrote (model.json, model_card.json, the weights)
   * @param {import('./findCard.js').FinderOptions} [options] `CardFinder`'s options
   * @param {Partial<import('./tracking.js').LiveTuning>} [tuning] `LIVE_TUNING`'s fields to change
   * @returns {Promise<LiveTracker>}
   */
  static async load(tf, folderUrl, options, tuning) {
    return new LiveTracker(await CardFinder.load(tf, folderUrl, options), tuning);
  }

  /**
   * Finds the card in the next frame of the stream.
   *
   * @param {import('./pixels.js').ImageInput} frame a video element, ImageBitmap, canvas, ImageData or
   *   `{data, width, height}` RGBA, or a tf.Tensor3D (the caller's to dispose)
   * @param {number} [milliseconds] the frame's time, for the smoothing; default `performance.now()`
   * @returns {Promise<{corners: number[][], raw: number[][], presence: number, found: boolean, region: number[],
   *   factors: number[], tracking: boolean, milliseconds: number}>} corners TL, TR, BR, BL in frame pixels,
   *   smoothed across frames while found, in the face order recent frames read (`raw`: this frame's own); `region`
   *   where the model looked, and the pooling `factors` that shrank it (`liveLayout`'s: with the region, what redoes
   *   the model's input exactly); `tracking` whether the next frame's region follows the card
   */
  async processFrame(frame, milliseconds = performance.now()) {
    const start = performance.now();
    const { tf, settings } = this.finder;
    const [width, height] = imageSize(frame, 'processFrame');
    const layout = liveLayout(this.crops.region(width, height), this.finder.size);
    const { corners: raw, presence } = await this.finder.predictInput(
      () => letterboxOps(tf, pixelsTensor(tf, frame, 'processFrame'), layout, settings.fill), layout.frame,
      layout.region, this.turns);
    const tracking = this.crops.update(raw, presence, width, height);
    const found = presence >= this.finder.threshold;
    if (!found) {
      this.smoother.reset();
      this.faces.reset();
    }
    const corners = found ? this.faces.show(this.smoother.smooth(this.faces.align(raw), milliseconds / 1000,
      Math.max(width, height))) : raw;
    this.lastFrame = frame;
    return { corners, raw, presence, found, region: layout.region, factors: layout.factors, tracking,
      milliseconds: performance.now() - start };
  }

  /**
   * Finds every card in the next frame of the stream, each followed on its own crop (`cardTracks.js`).
   *
   * One model call a frame, one view: each followed card's crop (its region low-pass filtered, as
   * `processFrame`'s), and on a search frame (the first, every `LIVE_TUNING.searchEvery`-th, and whenever no card
   * is followed) the whole frame too, whose card head proposals start tracks for cards not followed yet. A
   * proposal's card shows from the next frame on, once its own crop has answered.
   *
   * @param {import('./pixels.js').ImageInput} frame any image `processFrame` takes
   * @param {number} [milliseconds] the frame's time, for the smoothing; default `performance.now()`
   * @returns {Promise<{cards: import('./cardTracks.js').TrackedCard[], searched: boolean, regions: number[][],
   *   factors: number[][], milliseconds: number}>} the followed cards nearest the frame's centre first, corners in
   *   frame pixels; whether the whole frame was searched; the regions the model looked at (the whole frame first
   *   where searched), and the pooling factors of each (as `processFrame`'s)
   * @throws {Error} the model was exported without the card head (one line)
   */
  async processCards(frame, milliseconds = performance.now()) {
    const start = performance.now();
    if (this.tracks === null) throw new Error('processCards: this model has no card head; re-export it with export.py');
    const { tf, settings } = this.finder;
    const [width, height] = imageSize(frame, 'processCards');
    const searched = this.tracks.searching;
    const layouts = [...(searched ? [[0, 0, width, height]] : []), ...this.tracks.regions(width, height)]
      .map((region) => liveLayout(region, this.finder.size));
    const answers = await this.finder.predictInputs(() => {
      const pixels = pixelsTensor(tf, frame, 'processCards');
      return tf.concat(layouts.map((layout) => letterboxOps(tf, pixels, layout, settings.fill)), 0);   // [N, S, S, 3]
    }, layouts.map((layout) => layout.frame), layouts.map((layout) => layout.region), this.turns,
    searched ? settings.cardHead.nodes : []);
    const proposals = searched ? this.finder.proposals(layouts[0].frame, answers[0].head, layouts[0].region) : null;
    const crops = answers.map((answer, k) => ({ ...answer, region: layouts[k].region })).slice(searched ? 1 : 0);
    const cards = this.tracks.update(crops, proposals, width, height, milliseconds / 1000);
    this.lastFrame = frame;
    return { cards, searched, regions: layouts.map((layout) => layout.region),
      factors: layouts.map((layout) => layout.factors), milliseconds: performance.now() - start };
  }

  /**
   * The photo path (`CardFinder.findCard`: both passes, the rotation vote, the warp) on a full-resolution frame.
   *
   * @param {import('./pixels.js').ImageInput} [image] any image `findCard` takes; default the last frame given to
   *   `processFrame` (a video element: its frame now)
   * @returns {ReturnType<CardFinder['findCard']>}
   */
  async capture(image = this.lastFrame) {
    if (image === null) throw new Error('capture: no image given, and no frame was given to processFrame yet');
    return this.finder.findCard(image);
  }

  /** Forgets the cards: the next frame is searched whole and its corners are not smoothed. */
  reset() {
    this.crops.reset();
    this.smoother.reset();
    this.faces.reset();
    this.tracks?.reset();
  }

  /** Frees the model's weights (`CardFinder.dispose`) and lets go of the last frame; the tracker cannot be used
   * afterwards. */
  dispose() {
    this.finder.dispose();
    this.lastFrame = null;
  }
}
