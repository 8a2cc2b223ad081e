/**
 * The letterbox of a video frame with TF.js ops on the backend, for the live path (`liveTracker.js`).
 *
 * The photo path's letterbox (`letterbox.js`) is TensorFlow's antialiased bilinear resize (a triangle filter)
 * written in JavaScript: exact, but about 110 ms for a 12 MP photo. A video frame is small and comes every
 * 30 ms, so here the region is shrunk on the backend by an integer-factor `avgPool` (a box filter, one factor per
 * axis: `poolFactor`) and then by `resizeBilinear` (half-pixel centres) to the content box, and padded with the
 * card's fill. The points map back with the photo path's `Frame`. For a
 * 640 x 480 frame into a 160 input the pool alone does it (factor 4); the box filter differs from the triangle
 * filter by a few levels of 0..255 on detailed pixels (`tests/test_web_live.py` measures it).
 *
 * The pool covers whole blocks of the region only, so the region is first narrowed, symmetrically, to a
 * multiple of each factor (at most factor - 1 pixels): `liveLayout` returns the region actually used.
 *
 *     const layout = liveLayout([0, 0, 640, 480], 160);       // {region, frame, factors}
 *     const input = tf.tidy(() => letterboxOps(tf, pixelsTensor(tf, video), layout, settings.fill));   // pixels.js
 *     // input: [1, 160, 160, 3] float32, RGB in 0..255
 */

import { Frame } from './letterbox.js';

/**
 * Where a region of a frame goes in the model's input, and the pooling that shrinks it.
 *
 * @typedef {object} LiveLayout
 * @property {number[]} region [x0, y0, x1, y1] the region used: the asked one narrowed to whole pooling blocks
 * @property {Frame} frame the map between the region's pixels and the input's
 * @property {number[]} factors [fx, fy] the avgPool's integer factors along x and y
 */

/**
 * The avgPool's factor for a shrink: the largest that does not shrink below the content box, so that the
 * bilinear resize after it shrinks less than 2 times; but 2 from a shrink of 1.75 on, which then enlarges a little.
 * A plain bilinear resize reads 2 input pixels where `shrink` lie under an output pixel, so it skips some and
 * aliases as the shrink nears 2 (a small card's crop in a webcam frame). Measured with `benchmarks/live_letterbox.py`
 * on realdev's cards, the trained model's corners on the live and the photo path's letterbox: from 1.75 times on,
 * the 2 x 2 pool brings them closer (1.85 and 1.98 times: largest 1.75 and 2.18% of the input -> 1.25 and 0.91%);
 * below it, not (1.55 times: median 0.24 -> 0.36%).
 *
 * @param {number} shrink the region's side over the content box's, along one axis
 * @returns {number} a whole factor of at least 1
 */
export function poolFactor(shrink) {
  return shrink >= 1.75 && shrink < 2 ? 2 : Math.max(1, Math.floor(shrink));
}

/**
 * @param {number[]} region [x0, y0, x1, y1] whole pixels of the frame
 * @param {number} size side of the model's square input
 * @returns {LiveLayout}
 */
export function liveLayout([x0, y0, x1, y1], size) {
  const asked = new Frame(x1 - x0, y1 - y0, size);
  const factors = [poolFactor(asked.width / asked.innerW), poolFactor(asked.height / asked.innerH)];
  const width = factors[0] * Math.floor(asked.width / factors[0]);
  const height = factors[1] * Math.floor(asked.height / factors[1]);
  const left = x0 + Math.floor((asked.width - width) / 2);
  const top = y0 + Math.floor((asked.height - height) / 2);
  return { region: [left, top, left + width, top + height], frame: new Frame(width, height, size), factors };
}

/**
 * Letterboxes a layout's region of the pixels into the model's input, with backend ops (call it inside tf.tidy).
 *
 * @param {object} tf the TF.js namespace
 * @param {object} pixels [H, W, C >= 3] tensor, RGB first, in 0..255
 * @param {LiveLayout} layout from `liveLayout`
 * @param {number[]} fill [3] RGB in 0..255 around the content: the model card's `input.letterbox.fill`
 * @returns {object} [1, S, S, 3] float32 tensor, RGB in 0..255
 */
export function letterboxOps(tf, pixels, { region: [x0, y0, x1, y1], frame, factors: [fx, fy] }, fill) {
  const region = tf.slice(pixels, [y0, x0, 0], [y1 - y0, x1 - x0, 3]).toFloat().expandDims(0);  // [1, h, w, 3]
  let inner = fx * fy > 1 ? tf.avgPool(region, [fy, fx], [fy, fx], 'valid') : region;   // [1, h / fy, w / fx, 3]
  if (inner.shape[1] !== frame.innerH || inner.shape[2] !== frame.innerW) {
    inner = tf.image.resizeBilinear(inner, [frame.innerH, frame.innerW], false, true);
  }
  const { size, ox, oy, innerW, innerH } = frame;
  const fillColour = tf.tensor1d(fill);
  const shifted = tf.sub(inner, fillColour);                   // padding with 0 around content - fill pads with fill
  const padded = tf.pad(shifted, [[0, 0], [oy, size - oy - innerH], [ox, size - ox - innerW], [0, 0]]);
  return tf.add(padded, fillColour);                           // [1, S, S, 3]
}
