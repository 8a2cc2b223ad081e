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
 * shrinking, with half-pixel centres (TF's ScaleAndTranslate op).
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
 * The taps of TF's antialiased bilinear resampling along one axis.
 *
 * Output pixel i samples the input at (i + 0.5) / scale; every input pixel
 * within the (widened) triangle's radius contributes, and the weights are
 * normalised to sum to 1, which also handles the edges.
 *
 * @returns {{starts: Int32Array, counts: Int32Array, weights: Float64Array, span: number}}
 */
export function resampleTaps(inputSize, outputSize) {
  const scale = outputSize / inputSize;
  const kernelScale = Math.max(1 / scale, 1);   // the triangle widens when shrinking: that is the antialiasing
  const span = Math.min(2 * Math.ceil(kernelScale) + 1, inputSize);
  const starts = new Int32Array(outputSize);
  const counts = new Int32Array(outputSize);
  const weights = new Float64Array(outputSize * span);
  for (let i = 0; i < outputSize; i += 1) {
    const centre = (i + 0.5) / scale;
    const first = Math.min(Math.max(Math.ceil(centre - kernelScale - 0.5), 0), inputSize - 1);
    const last = Math.min(Math.max(Math.floor(centre + kernelScale - 0.5), 0), inputSize - 1);
    let total = 0;
    for (let source = first; source <= last; source += 1) {
      const weight = Math.max(0, 1 - Math.abs((source + 0.5 - centre) / kernelScale));
      weights[i * span + source - first] = weight;
      total += weight;
    }
    for (let k = 0; k <= last - first; k += 1) weights[i * span + k] /= total;
    starts[i] = first;
    counts[i] = last - first + 1;
  }
  return { starts, counts, weights, span };
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
  const stride = image.width * 4;
  // Horizontal pass over the rows the vertical taps touch: [y1 - y0, outW, 3].
  const across = new Float64Array((y1 - y0) * outW * 3);
  for (let y = 0; y < y1 - y0; y += 1) {
    const row = (y0 + y) * stride;
    for (let i = 0; i < outW; i += 1) {
      let r = 0; let g = 0; let b = 0;
      for (let k = 0; k < columns.counts[i]; k += 1) {
        const weight = columns.weights[i * columns.span + k];
        const at = row + (x0 + columns.starts[i] + k) * 4;
        r += weight * image.data[at];
        g += weight * image.data[at + 1];
        b += weight * image.data[at + 2];
      }
      const out = (y * outW + i) * 3;
      across[out] = r; across[out + 1] = g; across[out + 2] = b;
    }
  }
  // Vertical pass: [outH, outW, 3], clipped to 0..255 as the Python side clips.
  const result = new Float32Array(outH * outW * 3);
  for (let j = 0; j < outH; j += 1) {
    for (let k = 0; k < rows.counts[j]; k += 1) {
      const weight = rows.weights[j * rows.span + k];
      const source = (rows.starts[j] + k) * outW * 3;
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
