/**
 * The four-way rotation ensemble of `model/inference/rotations.py`, in JavaScript: the
 * model sees its input turned by 0, 90, 180 and 270 degrees, each answer is
 * mapped back into the unturned frame, and the answers vote, so that one
 * view's slip (a corner on a neighbouring card, the face read turned) is
 * outvoted. Which turns the ensemble looks at is the model card's
 * `inference.turns` (`readCard`), written from Python's `rotations.TURNS`.
 *
 *     const views = settings.turns.map((turns) => turnImages(tf, input, turns));   // [1, S, S, 3] each
 *     const point = unturnPoint([x, y], turns, size);                              // back into the unturned input
 *     const { corners, presence } = combine(quads, presences);                     // quads [V][4][2], presences [V]
 */

/** A [B, S, S, C] tensor turned counter-clockwise by `turns` quarter turns (np.rot90 over axes 1 and 2). */
export function turnImages(tf, images, turns) {
  switch (((turns % 4) + 4) % 4) {
    case 0: return images;
    case 1: return tf.transpose(tf.reverse(images, 2), [0, 2, 1, 3]);
    case 2: return tf.reverse(images, [1, 2]);
    default: return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 2);
  }
}

/** [x, y] in an S x S input moved as `turnImages` moves the pixel under it: one turn takes it to [y, S - x]. */
export function turnPoint(point, turns, size) {
  let [x, y] = point;
  for (let k = 0; k < ((turns % 4) + 4) % 4; k += 1) [x, y] = [y, size - x];
  return [x, y];
}

/** The inverse of `turnPoint`: from the turned input back to the unturned one. */
export function unturnPoint(point, turns, size) {
  return turnPoint(point, 4 - (((turns % 4) + 4) % 4), size);
}

/**
 * One answer from the views' answers, as `rotations.combine` in Python: each
 * view's quad is aligned by its best cyclic shift to the medoid view, every
 * coordinate takes the median over the views, and the face's order is the
 * one most views read, ties going to the unturned (first) view.
 *
 * @param {number[][][]} quads [V][4][2] every view's corners in face order, in the unturned frame
 * @param {number[]} presences [V] every view's presence probability
 * @returns {{corners: number[][], presence: number}}
 */
export function combine(quads, presences) {
  const bestGap = (i, j) => Math.min(...[0, 1, 2, 3].map((s) => gap(roll(quads[j], s), quads[i])));
  const medoid = argmin(quads.map((_, i) => quads.reduce((sum, __, j) => sum + bestGap(i, j), 0)));
  const shifts = quads.map((quad) => argmin([0, 1, 2, 3].map((s) => gap(roll(quad, s), quads[medoid]))));
  const aligned = quads.map((quad, j) => roll(quad, shifts[j]));
  const centre = [0, 1, 2, 3].map((k) => [0, 1].map((c) => median(aligned.map((quad) => quad[k][c]))));
  const votes = [0, 1, 2, 3].map((s) => shifts.filter((shift) => shift === s).length + (shifts[0] === s ? 0.5 : 0));
  // A view whose corners, shifted by s, match the medoid's reads the face as roll(medoid, -s).
  return { corners: roll(centre, -argmax(votes)), presence: median(presences) };
}

/** np.roll(quad, shift, axis=0): entry k of the result is quad[k - shift]. */
export function roll(quad, shift) {
  return quad.map((_, k) => quad[(((k - shift) % 4) + 4) % 4]);
}

/** The mean distance between matching corners of two quads. */
function gap(a, b) {
  return a.reduce((sum, [x, y], k) => sum + Math.hypot(x - b[k][0], y - b[k][1]), 0) / a.length;
}

/** The largest distance between matching corners of two quads. */
export function largestShift(a, b) {
  return Math.max(...a.map(([x, y], k) => Math.hypot(b[k][0] - x, b[k][1] - y)));
}

/**
 * `largestShift` under the cyclic renaming of `a`'s corners that moves them least (Python's
 * `rotations.order_free_shift`): whether two answers are the same card, whichever way up each reads its face.
 */
export function orderFreeShift(a, b) {
  return Math.min(...[0, 1, 2, 3].map((shift) => largestShift(roll(a, shift), b)));
}

/** numpy's median: the middle value, or the mean of the two middle ones. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Index of the smallest value, the first on ties (numpy's argmin). */
export function argmin(values) {
  return values.reduce((best, value, k) => (value < values[best] ? k : best), 0);
}

/** Index of the largest value, the first on ties (numpy's argmax). */
function argmax(values) {
  return argmin(values.map((value) => -value));
}
