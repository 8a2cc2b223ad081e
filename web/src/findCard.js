/**
 * Finding the card in a photo with the exported TF.js model: the browser twin of
 * `model/inference/predictor.py` and `python -m model.predict --rectify`.
 *
 *     import * as tf from '@tensorflow/tfjs';          // or the page's vendored copy
 *     import { CardFinder } from './src/findCard.js';
 *
 *     const finder = await CardFinder.load(tf, 'model/');     // model.json + model_card.json from export.py
 *     const { corners, presence, crop } = await finder.findCard(imageData);
 *     // corners: [[x, y] x 4] TL, TR, BR, BL in the photo's pixels; crop: the card upright, RGBA ImageData-like
 *     // of the card's inference.card_size (630 x 880), or null
 *
 * Steps, each as the Python side does them: letterbox the photo into the
 * model's square input (`letterbox.js`), run the model on it turned four ways
 * and let the answers vote (`rotations.js`), map the corners back to the
 * photo, predict again on a crop around the first quad and keep that only
 * where it agrees, then warp the card upright from the full-resolution photo
 * (`rectify.js`). The caller gives pixels as displayed: a browser has
 * already applied the photo's EXIF orientation when it decodes it for a canvas.
 *
 * Every number these steps share with Python (the presence threshold, the
 * crop's margin, the largest shift, the turns, the card's size, the letterbox's
 * fill) comes from the model card that export.py wrote from the Python
 * constants (`modelCard.js`); the module has no copy of its own.
 *
 * The module takes the TF.js namespace as an argument instead of importing it,
 * so a page, a bundler or Node can each hand over their own copy.
 */

import { letterbox } from './letterbox.js';
import { readCard } from './modelCard.js';
import { rectify } from './rectify.js';
import { combine, turnImages, unturnPoint } from './rotations.js';
import { clipSquare, extent, squareAround } from './tracking.js';

export { letterbox, Frame } from './letterbox.js';
export { CARD_SCHEMA, readCard } from './modelCard.js';
export { rectify } from './rectify.js';

/** Finds cards in photos with an exported corner model. */
export class CardFinder {
  /**
   * @param {object} tf the TF.js namespace
   * @param {object} model a tf.GraphModel loaded from export.py's model.json
   * @param {object} card the parsed model_card.json written beside it (`readCard` checks it)
   * @param {{refine?: boolean, rotate?: boolean, threshold?: number}} [options] second pass on a crop
   *   (default true); the rotation ensemble over the card's `inference.turns`, four times the work (default true);
   *   presence at or above which a card counts as found and is straightened (default: the card's
   *   `inference.presence_threshold`, which also decides, whatever this option says, whether the second pass runs)
   * @throws {Error} the card is of another schema or misses a value (one line: re-export the model)
   */
  constructor(tf, model, card, { refine = true, rotate = true, threshold } = {}) {
    /** @type {import('./modelCard.js').CardSettings} */
    this.settings = readCard(card);
    this.tf = tf;
    this.model = model;
    this.size = this.settings.size;
    this.refine = refine;
    this.turns = rotate ? this.settings.turns : this.settings.turns.slice(0, 1);
    this.threshold = threshold ?? this.settings.presenceThreshold;
  }

  /**
   * Loads `model_card.json` and `model.json` from a folder URL (what export.py wrote); the card is checked
   * before the weights are fetched.
   *
   * @throws {Error} an HTTP error or a card that is not JSON, of another schema or missing a value; one line
   *   naming the card's URL
   */
  static async load(tf, folderUrl, options) {
    const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
    const cardUrl = `${base}model_card.json`;
    const response = await fetch(cardUrl);
    if (!response.ok) throw new Error(`${cardUrl}: HTTP ${response.status}`);
    const card = await response.json().catch(() => { throw new Error(`${cardUrl}: not JSON`); });
    readCard(card, cardUrl);
    const model = await tf.loadGraphModel(`${base}model.json`);
    return new CardFinder(tf, model, card, options);
  }

  /**
   * Finds the card in one photo.
   *
   * @param {{data: ArrayLike<number>, width: number, height: number}} image RGBA as displayed (ImageData)
   * @returns {Promise<{corners: number[][], presence: number, found: boolean, firstPass: number[][],
   *   crop: ({data: Uint8ClampedArray, width: number, height: number}|null), milliseconds: number}>}
   *   corners TL, TR, BR, BL in photo pixels; crop is the card warped upright when found
   */
  async findCard(image) {
    const start = performance.now();
    const { presenceThreshold, cropMargin, maxRefineShift, cardSize } = this.settings;
    const whole = [0, 0, image.width, image.height];
    const first = await this.predictRegion(image, whole);
    let { corners } = first;
    if (this.refine && first.presence >= presenceThreshold) {
      const second = await this.predictRegion(image, cropBox(first.corners, image.width, image.height, cropMargin));
      if (second.presence >= presenceThreshold && largestShift(first.corners, second.corners)
          <= maxRefineShift * extent(first.corners)) {
        corners = second.corners;
      }
    }
    const found = first.presence >= this.threshold;
    const crop = found ? rectify(image, corners, cardSize) : null;
    return { corners, presence: first.presence, found, firstPass: first.corners, crop,
      milliseconds: performance.now() - start };
  }

  /**
   * Predicts one region [x0, y0, x1, y1] of the photo.
   *
   * @returns {Promise<{corners: number[][], presence: number}>} corners in photo pixels
   */
  async predictRegion(image, region) {
    const { input, frame } = letterbox(image, this.size, this.settings.fill, region);   // [S * S * 3], RGB 0..255
    return this.predictInput(() => this.tf.tensor4d(input, [1, this.size, this.size, 3]), frame, region);
  }

  /**
   * Runs the model on one letterboxed input, turned by each of `turns`, and maps the voted answer to the photo.
   *
   * @param {function(): object} makeInput returns the [1, S, S, 3] float32 input, RGB in 0..255; it runs inside
   *   tf.tidy, so every tensor it makes is freed
   * @param {import('./letterbox.js').Frame} frame the map between the region's pixels and the input's
   * @param {number[]} region [x0, y0, x1, y1] the region of the photo the input shows
   * @param {number[]} [turns] quarter turns to run and vote over; default the finder's
   * @returns {Promise<{corners: number[][], presence: number}>} corners in photo pixels
   */
  async predictInput(makeInput, frame, region, turns = this.turns) {
    const { tf, size } = this;
    const outputs = tf.tidy(() => {
      const unturned = makeInput();                                                 // [1, S, S, 3]
      const views = tf.concat(turns.map((t) => turnImages(tf, unturned, t)), 0);    // [V, S, S, 3]
      return this.model.execute({ [this.model.inputs[0].name]: views }, this.settings.outputNodes);
    });
    const [coords, presence] = await Promise.all(outputs.map((tensor) => tensor.data()));   // [V * 4 * 2], [V]
    tf.dispose(outputs);
    const quads = turns.map((t, v) => [0, 1, 2, 3].map((k) => unturnPoint(
      [Math.fround(coords[8 * v + 2 * k] * size), Math.fround(coords[8 * v + 2 * k + 1] * size)], t, size)));
    const voted = combine(quads, Array.from(presence));
    const corners = voted.corners.map((point) => {
      const [x, y] = frame.toPhoto(point);
      return [x + region[0], y + region[1]];
    });
    return { corners, presence: voted.presence };
  }
}

/** The largest distance between matching corners of two quads. */
function largestShift(a, b) {
  return Math.max(...a.map(([x, y], k) => Math.hypot(b[k][0] - x, b[k][1] - y)));
}

/**
 * The first quad's bounding box grown by the margin, made square where the photo allows, in pixels.
 *
 * @param {number[][]} corners [4][2] the first pass's corners in photo pixels
 * @param {number} width the photo's width
 * @param {number} height the photo's height
 * @param {number} margin fraction of the quad's longer side added on every side (the card's `inference.crop_margin`)
 * @returns {number[]} [x0, y0, x1, y1]; the whole photo where the box would be thinner than 2 pixels
 */
export function cropBox(corners, width, height, margin) {
  return clipSquare(squareAround(corners, margin), width, height);
}
