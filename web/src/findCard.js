/**
 * Finding the card in a photo with the exported TF.js model: the browser twin of
 * `model/inference/predictor.py` and `python -m model.predict --rectify`.
 *
 *     import * as tf from '@tensorflow/tfjs';          // or the page's vendored copy
 *     import { CardFinder } from './src/findCard.js';
 *
 *     const finder = await CardFinder.load(tf, 'model/');     // model.json + model_card.json from export.py
 *     const { corners, presence, crop } = await finder.findCard(imageData);
 *     // corners: [[x, y] x 4] TL, TR, BR, BL in the photo's pixels; crop: 630 x 880 RGBA ImageData-like, or null
 *
 * Steps, each as the Python side does them: letterbox the photo into the
 * model's square input (`letterbox.js`), run the model on it turned four ways
 * and let the answers vote (`rotations.js`), map the corners back to the
 * photo, predict again on a crop around the first quad and keep that only
 * where it agrees, then warp the card upright from the full-resolution photo
 * (`rectify.js`). The caller gives pixels as displayed: a browser has
 * already applied the photo's EXIF orientation when it decodes it for a canvas.
 *
 * The module takes the TF.js namespace as an argument instead of importing it,
 * so a page, a bundler or Node can each hand over their own copy.
 */

import { letterbox } from './letterbox.js';
import { rectify } from './rectify.js';
import { TURNS, combine, turnImages, unturnPoint } from './rotations.js';

export { letterbox, Frame } from './letterbox.js';
export { rectify, CARD_SIZE } from './rectify.js';

// As in model/inference/predictor.py: the refinement crop's margin, and the largest move the second pass may make.
const CROP_MARGIN = 0.2;
const MAX_REFINE_SHIFT = 0.15;

/** Finds cards in photos with an exported corner model. */
export class CardFinder {
  /**
   * @param {object} tf the TF.js namespace
   * @param {object} model a tf.GraphModel loaded from export.py's model.json
   * @param {object} card the parsed model_card.json written beside it
   * @param {{refine?: boolean, rotate?: boolean, threshold?: number}} [options] second pass on a crop
   *   (default true); the four-way rotation ensemble, four times the work (default true); presence at or above
   *   which a card counts as found (default 0.5)
   */
  constructor(tf, model, card, { refine = true, rotate = true, threshold = 0.5 } = {}) {
    this.tf = tf;
    this.model = model;
    this.size = card.input.size;
    this.outputNodes = [card.outputs.coords.node, card.outputs.presence.node];
    this.refine = refine;
    this.turns = rotate ? TURNS : TURNS.slice(0, 1);
    this.threshold = threshold;
  }

  /** Loads `model.json` and `model_card.json` from a folder URL (what export.py wrote). */
  static async load(tf, folderUrl, options) {
    const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
    const response = await fetch(`${base}model_card.json`);
    if (!response.ok) throw new Error(`${base}model_card.json: HTTP ${response.status}`);
    const card = await response.json();
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
    const whole = [0, 0, image.width, image.height];
    const first = await this.predictRegion(image, whole);
    let { corners } = first;
    if (this.refine && first.presence >= 0.5) {
      const second = await this.predictRegion(image, cropBox(first.corners, image.width, image.height));
      if (second.presence >= 0.5 && largestShift(first.corners, second.corners)
          <= MAX_REFINE_SHIFT * extent(first.corners)) {
        corners = second.corners;
      }
    }
    const found = first.presence >= this.threshold;
    const crop = found ? rectify(image, corners) : null;
    return { corners, presence: first.presence, found, firstPass: first.corners, crop,
      milliseconds: performance.now() - start };
  }

  /**
   * Predicts one region [x0, y0, x1, y1] of the photo.
   *
   * @returns {Promise<{corners: number[][], presence: number}>} corners in photo pixels
   */
  async predictRegion(image, region) {
    const { tf, size, turns } = this;
    const { input, frame } = letterbox(image, size, region);          // [S * S * 3], RGB 0..255
    const outputs = tf.tidy(() => {
      const unturned = tf.tensor4d(input, [1, size, size, 3]);
      const views = tf.concat(turns.map((t) => turnImages(tf, unturned, t)), 0);    // [V, S, S, 3]
      return this.model.execute({ [this.model.inputs[0].name]: views }, this.outputNodes);
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

/** The largest side of the quad's bounding box. */
function extent(corners) {
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  return Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
}

/** The largest distance between matching corners of two quads. */
function largestShift(a, b) {
  return Math.max(...a.map(([x, y], k) => Math.hypot(b[k][0] - x, b[k][1] - y)));
}

/** The first quad's bounding box grown by the margin, made square where the photo allows, in pixels. */
export function cropBox(corners, width, height) {
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  const low = [Math.min(...xs), Math.min(...ys)];
  const high = [Math.max(...xs), Math.max(...ys)];
  const side = Math.max(high[0] - low[0], high[1] - low[1]) * (1 + 2 * CROP_MARGIN);
  const centre = [(low[0] + high[0]) / 2, (low[1] + high[1]) / 2];
  const x0 = Math.max(0, Math.floor(centre[0] - side / 2));
  const y0 = Math.max(0, Math.floor(centre[1] - side / 2));
  const x1 = Math.min(width, Math.ceil(centre[0] + side / 2));
  const y1 = Math.min(height, Math.ceil(centre[1] + side / 2));
  if (x1 - x0 < 2 || y1 - y0 < 2) return [0, 0, width, height];
  return [x0, y0, x1, y1];
}
