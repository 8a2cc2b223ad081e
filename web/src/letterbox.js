/**
 * The image contract of `augment_tf/letterbox.py`, in JavaScript: how a photo
 * becomes the model's square input, and how points map back.
 *
 * The photo (as displayed: EXIF orientation already applied) is scaled by
 * size / max(width, height) to whole pixels, rounded half up, and centred on
 * the fill (the model card's `input.letterbox.fill`, written from Python's
 * FILL: black). Pixel (row i, column j) covers [j, j + 1) x [i, i + 1), so the
 * photo's far corner (width, height) lands on the content box's far corner.
 * The resampling is TensorFlow's `tf.image.resize(method="bilinear",
 * antialias=True)`: a triangle filter, widened by the shrink factor when
 * shrinking, with half-pixel centres (TF's ScaleAndTranslate op); on a shrink
 * of 24 times or more it reads every other pixel of that filter (KERNEL_SAMPLES).
 *
 * Pure JavaScript, no DOM and no TF.js, so Node can check it against Python.
 *
 *     const { input, frame } = letterbox(imageData, 224, settings.fill);   // input: Float32Array [224 * 224 * 3]
 *     const photoPoint = frame.toPhoto([112, 112]);
 */

/** The map between photo pixels and the model's square input (`Letterbox` in Python). */
export class Frame {
  /**
   * @param {number} width photo width as displayed
   * @param {number} height photo height as displayed
   * @param {number} size side of the model's square input
   */
  constructor(width, height, size) {
    if (!(Math.min(width, height, size) >= 1)) {
      throw new Error(`Frame needs positive sides, got width=${width}, height=${height}, size=${size}`);
    }
    const scale = size / Math.max(width, height);
    this.width = width;
    this.height = height;
    this.size = size;
    this.innerW = Math.max(1, Math.floor(width * scale + 0.5));
    this.innerH = Math.max(1, Math.floor(height * scale + 0.5));
    this.ox = Math.floor((size - this.innerW) / 2);
    this.oy = Math.floor((size - this.innerH) / 2);
    this.sx = this.innerW / width;
    this.sy = this.innerH / height;
  }

  /**
   * [x, y] photo pixels -> [x, y] input pixels.
   *
   * @param {number[]} point [x, y] in photo pixels
   * @returns {number[]} [x, y] in input pixels
   */
  toInput([x, y]) {
    return [x * this.sx + this.ox, y * this.sy + this.oy];
  }

  /**
   * [x, y] input pixels -> [x, y] photo pixels; the inverse of `toInput`.
   *
   * @param {number[]} point [x, y] in input pixels
   * @returns {number[]} [x, y] in photo pixels
   */
  toPhoto([x, y]) {
    return [(x - this.ox) / this.sx, (y - this.oy) / this.sy];
  }
}

/**
 * Where the triangle filter is wide (a shrink of 2 * KERNEL_SAMPLES or more), it is read at every step-th pixel,
 * step = floor(half-width / KERNEL_SAMPLES): a 12 MP photo into a 160 input reads every other row and column, a
 * quarter of the work (about 100 ms of JavaScript before). The sampled filter passes what it should remove by at
 * most (step / half-width)^2 / pi^2, 7e-4 here. Measured (2026-12-07, `benchmarks/README.md`): a 12 MP photo's
 * letterbox within 1.9 levels of TF's (mean 0.06), and `findCard` on realdev's photos within 0.07% of the photo's
 * side of `model.predict` for the primary card and 0.13% for every card (issue 21 allows 0.2%); with 8 samples
 * (step 3) 0.17%, with 6 (step 4) 0.28%. Crops of cards shrink less than 24 times, and are read whole.
 */
const KERNEL_SAMPLES = 12;

/**
 * The taps of TF's antialiased bilinear resampling along one axis.
 *
 * Output pixel i samples the input at (i + 0.5) / scale; the input pixels
 * within the (widened) triangle's radius contribute, and the weights are
 * normalised to sum to 1, which also handles the edges. Where the triangle is
 * wide (a large shrink), only every `step`-th input pixel is read (the same
 * pixels for every output: multiples of `step`), see KERNEL_SAMPLES.
 *
 * @returns {{starts: Int32Array, counts: Int32Array, weights: Float64Array, span: number, step: number}} output i
 *   reads input pixels starts[i] + k * step for k < counts[i], weighted by weights[i * span + k]
 */
export function resampleTaps(inputSize, outputSize) {
  const scale = outputSize / inputSize;
  const kernelScale = Math.max(1 / scale, 1);   // the triangle widens when shrinking: that is the antialiasing
  const step = Math.max(1, Math.floor(kernelScale / KERNEL_SAMPLES));
  const span = Math.min(2 * Math.ceil(kernelScale) + 1, inputSize);
  const starts = new Int32Array(outputSize);
  const counts = new Int32Array(outputSize);
  const weights = new Float64Array(outputSize * span);
  for (let i = 0; i < outputSize; i += 1) {
    const centre = (i + 0.5) / scale;
    const first = Math.min(Math.max(Math.ceil(centre - kernelScale - 0.5), 0), inputSize - 1);
    const last = Math.min(Math.max(Math.floor(centre + kernelScale - 0.5), 0), inputSize - 1);
    starts[i] = step * Math.ceil(first / step);   // the triangle spans at least 2 * KERNEL_SAMPLES steps
    let total = 0;
    let k = 0;
    for (let source = starts[i]; source <= last; source += step, k += 1) {
      const weight = Math.max(0, 1 - Math.abs((source + 0.5 - centre) / kernelScale));
      weights[i * span + k] = weight;
      total += weight;
    }
    for (let tap = 0; tap < k; tap += 1) weights[i * span + tap] /= total;
    counts[i] = k;
  }
  return { starts, counts, weights, span, step };
}

/** Where each of R, G and B sits in a pixel read as one 32-bit word: RGBA bytes make 0xAABBGGRR on a
 * little-endian machine (every browser's), 0xRRGGBBAA on a big-endian one. */
const CHANNEL_SHIFTS = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? [0, 8, 16] : [24, 16, 8];

/**
 * An image's RGBA values as one 32-bit word a pixel: a view of the same memory where `data` is a typed array of
 * bytes on a 4-byte boundary (ImageData's always is), else a packed copy. The resize reads a pixel with one load
 * instead of three (2026-12-08, benchmarks/README.md: 0.88 of the time in Chromium, 0.70-0.85 in Node).
 *
 * @param {ArrayLike<number>} data RGBA, 4 values a pixel
 * @returns {Uint32Array} one word a pixel, channels at CHANNEL_SHIFTS
 */
function rgbaWords(data) {
  if ((data instanceof Uint8ClampedArray || data instanceof Uint8Array) && data.byteOffset % 4 === 0) {
    return new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
  }
  return new Uint32Array(Uint8ClampedArray.from(data).buffer);
}

/**
 * Resizes a region of an RGBA image to RGB floats, as TF's antialiased bilinear resize.
 *
 * @param {{data: ArrayLike<number>, width: number, height: number}} image RGBA, 4 values a pixel (ImageData)
 * @param {number[]} region [x0, y0, x1, y1] in pixels: the part of the image to resize
 * @param {number} outW output width
 * @param {number} outH output height
 * @returns {Float32Array} [outH * outW * 3] RGB in 0..255
 */
export function resizeRegion(image, [x0, y0, x1, y1], outW, outH) {
  const columns = resampleTaps(x1 - x0, outW);
  const rows = resampleTaps(y1 - y0, outH);
  const words = rgbaWords(image.data);                                          // [H * W] RGBA words
  const [rShift, gShift, bShift] = CHANNEL_SHIFTS;
  // Horizontal pass over the rows the vertical taps read (every rows.step-th): [ceil((y1 - y0) / step), outW, 3].
  const across = new Float64Array(Math.ceil((y1 - y0) / rows.step) * outW * 3);
  for (let y = 0; y < y1 - y0; y += rows.step) {
    const row = (y0 + y) * image.width + x0;
    for (let i = 0; i < outW; i += 1) {
      let r = 0; let g = 0; let b = 0;
      let at = row + columns.starts[i];
      for (let tap = i * columns.span; tap < i * columns.span + columns.counts[i]; tap += 1, at += columns.step) {
        const weight = columns.weights[tap];
        const pixel = words[at];
        r += weight * ((pixel >>> rShift) & 255);
        g += weight * ((pixel >>> gShift) & 255);
        b += weight * ((pixel >>> bShift) & 255);
      }
      const out = ((y / rows.step) * outW + i) * 3;
      across[out] = r; across[out + 1] = g; across[out + 2] = b;
    }
  }
  // Vertical pass: [outH, outW, 3], clipped to 0..255 as the Python side clips.
  const result = new Float32Array(outH * outW * 3);
  for (let j = 0; j < outH; j += 1) {
    for (let k = 0; k < rows.counts[j]; k += 1) {
      const weight = rows.weights[j * rows.span + k];
      const source = (rows.starts[j] / rows.step + k) * outW * 3;
      for (let v = 0; v < outW * 3; v += 1) result[j * outW * 3 + v] += weight * across[source + v];
    }
  }
  for (let v = 0; v < result.length; v += 1) result[v] = Math.min(255, Math.max(0, result[v]));
  return result;
}

/**
 * Letterboxes a region of a photo into the model's square input.
 *
 * @param {{data: ArrayLike<number>, width: number, height: number}} image RGBA (ImageData)
 * @param {number} size side of the model's input
 * @param {number[]} fill [3] RGB in 0..255 around the photo: the model card's `input.letterbox.fill`
 * @param {number[]} [region] [x0, y0, x1, y1]; the whole image by default
 * @returns {{input: Float32Array, frame: Frame}} input [size * size * 3] RGB in 0..255, and the map
 *   between the region's pixels and the input's
 */
export function letterbox(image, size, fill, region = [0, 0, image.width, image.height]) {
  if (!Array.isArray(fill) || fill.length !== 3) {
    throw new Error(`letterbox: fill must be [r, g, b] (the card's input.letterbox.fill), got ${JSON.stringify(fill)}`);
  }
  const [x0, y0, x1, y1] = region;
  const frame = new Frame(x1 - x0, y1 - y0, size);
  const inner = resizeRegion(image, region, frame.innerW, frame.innerH);   // [innerH * innerW * 3]
  const input = new Float32Array(size * size * 3);
  for (let at = 0; at < input.length; at += 3) input.set(fill, at);
  for (let y = 0; y < frame.innerH; y += 1) {
    const from = y * frame.innerW * 3;
    input.set(inner.subarray(from, from + frame.innerW * 3), ((frame.oy + y) * size + frame.ox) * 3);
  }
  return { input, frame };
}
