/**
 * Warping a found card upright, as `model/inference/rectify.py` does with Pillow.
 *
 * The output pixel (x, y) samples the photo at the homography image of its
 * centre (x + 0.5, y + 0.5), with Pillow's bicubic filter (a = -1, edges
 * clamped, the result truncated to 0..255); samples outside the photo are
 * black. It reads the full-resolution photo, not the model's small input.
 *
 * Pure JavaScript, no DOM, so Node can check it against Python.
 *
 *     const card = rectify(imageData, corners, settings.cardSize);   // {data: Uint8ClampedArray RGBA, width, height}
 *
 * The size is the model card's `inference.card_size` (`readCard`), which export.py writes from
 * `model/inference/rectify.py`'s CARD_SIZE (630 x 880): this module keeps no copy of it.
 */

/**
 * The 8 coefficients of the homography mapping `target` points onto `source` points:
 * x_in = (a x + b y + c) / (g x + h y + 1), likewise y with d, e, f.
 *
 * @param {number[][]} source [4][2] points in the photo
 * @param {number[][]} target [4][2] the same points in the output
 * @returns {number[]} [a, b, c, d, e, f, g, h]
 */
export function perspectiveCoefficients(source, target) {
  const rows = [];
  target.forEach(([x, y], i) => {
    const [u, v] = source[i];
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  });
  return solve(rows);
}

/** Solves the linear system whose augmented rows are given, by Gaussian elimination with partial pivoting. */
function solve(rows) {
  const n = rows.length;
  for (let column = 0; column < n; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < n; row += 1) {
      if (Math.abs(rows[row][column]) > Math.abs(rows[pivot][column])) pivot = row;
    }
    if (Math.abs(rows[pivot][column]) < 1e-12) throw new Error('rectify: the four corners are degenerate');
    [rows[column], rows[pivot]] = [rows[pivot], rows[column]];
    for (let row = column + 1; row < n; row += 1) {
      const factor = rows[row][column] / rows[column][column];
      for (let k = column; k <= n; k += 1) rows[row][k] -= factor * rows[column][k];
    }
  }
  const solution = new Array(n).fill(0);
  for (let row = n - 1; row >= 0; row -= 1) {
    let value = rows[row][n];
    for (let k = row + 1; k < n; k += 1) value -= rows[row][k] * solution[k];
    solution[row] = value / rows[row][row];
  }
  return solution;
}

/** Pillow's cubic through 4 samples at fraction d past the second (a = -1). */
function cubic(v1, v2, v3, v4, d) {
  return v2 + d * ((v3 - v1) + d * ((2 * (v1 - v2) + v3 - v4) + d * (v2 - v1 + v4 - v3)));
}

/**
 * Pillow's bicubic sample at (x, y) into out[at..at+2]: a 4 x 4 neighbourhood, edges clamped.
 * Written without temporary arrays: it runs for every pixel of the card.
 *
 * @param {{data: ArrayLike<number>, width: number, height: number}} image RGBA
 */
function bicubicSample(image, x, y, out, at) {
  const { width, height, data } = image;
  const fx = x - 0.5;
  const fy = y - 0.5;
  const left = Math.floor(fx);
  const top = Math.floor(fy);
  const dx = fx - left;
  const dy = fy - top;
  const c0 = Math.min(Math.max(left - 1, 0), width - 1) * 4;
  const c1 = Math.min(Math.max(left, 0), width - 1) * 4;
  const c2 = Math.min(Math.max(left + 1, 0), width - 1) * 4;
  const c3 = Math.min(Math.max(left + 2, 0), width - 1) * 4;
  const r0 = Math.min(Math.max(top - 1, 0), height - 1) * width * 4;
  const r1 = Math.min(Math.max(top, 0), height - 1) * width * 4;
  const r2 = Math.min(Math.max(top + 1, 0), height - 1) * width * 4;
  const r3 = Math.min(Math.max(top + 2, 0), height - 1) * width * 4;
  for (let channel = 0; channel < 3; channel += 1) {
    const row = (r) => cubic(data[r + c0 + channel], data[r + c1 + channel], data[r + c2 + channel],
      data[r + c3 + channel], dx);
    const value = cubic(row(r0), row(r1), row(r2), row(r3), dy);
    out[at + channel] = value <= 0 ? 0 : value >= 255 ? 255 : Math.trunc(value);   // Pillow truncates
  }
}

/**
 * Warps the card with corners TL, TR, BR, BL (photo pixels) upright, from the full-resolution photo.
 *
 * @param {{data: ArrayLike<number>, width: number, height: number}} image RGBA (ImageData)
 * @param {number[][]} corners [4][2] TL, TR, BR, BL in photo pixels
 * @param {number[]} size [width, height] of the output in pixels: the model card's `inference.card_size`
 * @returns {{data: Uint8ClampedArray, width: number, height: number}} RGBA, opaque
 */
export function rectify(image, corners, size) {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((side) => Number.isInteger(side) && side >= 1)) {
    throw new Error(`rectify: size must be [width, height] in whole pixels (the card's inference.card_size), got ${
      JSON.stringify(size)}`);
  }
  const [width, height] = size;
  const upright = [[0, 0], [width, 0], [width, height], [0, height]];
  const [a, b, c, d, e, f, g, h] = perspectiveCoefficients(corners, upright);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 4;
      out[at + 3] = 255;
      const [u, v] = [x + 0.5, y + 0.5];
      const w = g * u + h * v + 1;
      const sx = (a * u + b * v + c) / w;
      const sy = (d * u + e * v + f) / w;
      if (!(sx >= 0 && sx < image.width && sy >= 0 && sy < image.height)) continue;   // black outside
      bicubicSample(image, sx, sy, out, at);
    }
  }
  return { data: out, width, height };
}
