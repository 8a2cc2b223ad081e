/**
 * The images the module takes, as the tfjs-models detectors take them: an HTMLImageElement, HTMLVideoElement,
 * HTMLCanvasElement, OffscreenCanvas or ImageBitmap (anything a 2D canvas draws), an ImageData or any
 * `{data, width, height}` of RGBA values, or a `tf.Tensor3D` [height, width, 3 or 4] of RGB(A) values in 0..255.
 *
 *     const pixels = await readPixels(tf, video);     // {data: Uint8ClampedArray RGBA, width, height}: the photo path
 *     const tensor = pixelsTensor(tf, video);         // [H, W, 3 or 4] tensor: the live path (inside tf.tidy)
 *     const [width, height] = imageSize(video);
 *
 * The photo path (`findCard.js`) letterboxes and warps RGBA pixels in JavaScript, so `readPixels` reads any image
 * into them: a canvas draws the DOM kinds, a tensor's values are read back, ImageData is used as it is. The live
 * path (`liveLetterbox.js`) letterboxes on the backend, so `pixelsTensor` makes a tensor: `tf.browser.fromPixels`
 * for the DOM kinds, the tensor itself, or one of the RGBA values. Neither ever disposes the caller's tensor.
 *
 * Anything else, an image not loaded yet, a video without a frame, an RGBA buffer of the wrong length, a tensor
 * of another shape or one already disposed is refused with one line naming the call and what is wrong.
 *
 * A photo's EXIF orientation is the browser's to apply: an HTMLImageElement and `createImageBitmap(file,
 * {imageOrientation: 'from-image'})` give the pixels as displayed.
 */

/**
 * The TF.js namespace the module runs on: `@tensorflow/tfjs`, or `@tensorflow/tfjs-core` with
 * `@tensorflow/tfjs-converter`'s `loadGraphModel`.
 *
 * @typedef {typeof import('@tensorflow/tfjs-core')
 *   & Pick<typeof import('@tensorflow/tfjs-converter'), 'loadGraphModel'>} TF
 */

/**
 * RGBA values row by row, 4 a pixel, as a canvas's ImageData holds them.
 *
 * @typedef {{data: ArrayLike<number>, width: number, height: number}} Pixels
 */

/**
 * Any image `findCard`, `findCards` and `processFrame` take.
 *
 * @typedef {HTMLImageElement|HTMLVideoElement|HTMLCanvasElement|OffscreenCanvas|ImageBitmap|ImageData|Pixels
 *   |import('@tensorflow/tfjs-core').Tensor3D} ImageInput
 */

/** The DOM kinds a 2D canvas draws, by their global constructor's name (absent in Node: never matched there). */
const DRAWABLE = ['HTMLImageElement', 'HTMLVideoElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap'];

const EXPECTED = 'an HTMLImageElement, HTMLVideoElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, ImageData '
  + '({data, width, height} RGBA) or tf.Tensor3D [height, width, 3 or 4]';

/** A short description of a value that is not an image, for an error message. */
function describe(value) {
  if (value === null || typeof value !== 'object') return value === undefined ? 'undefined' : JSON.stringify(value);
  const name = value.constructor?.name;
  if (!name || name === 'Object') return `an object with keys ${JSON.stringify(Object.keys(value))}`;
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** Whether `value` is an instance of the global constructor `name` (false where there is none, as in Node). */
function isGlobal(value, name) {
  const constructor = globalThis[name];
  return typeof constructor === 'function' && value instanceof constructor;
}

/** Whether `value` is a TF.js tensor (of any copy of TF.js: judged by its members, not its class). */
function isTensor(value) {
  return Array.isArray(value.shape) && typeof value.dtype === 'string' && typeof value.dataSync === 'function';
}

/**
 * Which kind of image `image` is, checked: its width and height as displayed.
 *
 * @param {any} image
 * @param {string} caller the call that received it, for the error message
 * @returns {{kind: ('tensor'|'pixels'|'drawable'), width: number, height: number, channels: number}} `channels`
 *   is a tensor's last side, 4 otherwise
 * @throws {Error} one line: not an image, or not one that can be read now
 */
function inspect(image, caller) {
  const refuse = (what) => { throw new Error(`${caller}: ${what}`); };
  if (image === null || typeof image !== 'object') refuse(`expected ${EXPECTED}, got ${describe(image)}`);
  if (isTensor(image)) {
    if (image.isDisposed) refuse('the tf.Tensor3D is disposed');
    const [height, width, channels] = image.shape;
    if (image.shape.length !== 3 || !(channels === 3 || channels === 4) || !(height >= 1 && width >= 1)) {
      refuse(`expected a tf.Tensor3D [height, width, 3 or 4], got a tensor of shape ${JSON.stringify(image.shape)}`);
    }
    return { kind: 'tensor', width, height, channels };
  }
  if ('data' in image) {
    const { data, width, height } = image;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
      refuse(`ImageData-like {data, width, height} needs whole positive sides, got width ${width}, height ${height}`);
    }
    if (typeof data?.length !== 'number' || data.length !== width * height * 4) {
      refuse(`ImageData-like {data, width, height}: data holds ${data?.length} values, not ${width} x ${height} `
        + 'x 4 (RGBA, row by row)');
    }
    return { kind: 'pixels', width, height, channels: 4 };
  }
  if (!DRAWABLE.some((name) => isGlobal(image, name))) refuse(`expected ${EXPECTED}, got ${describe(image)}`);
  if (isGlobal(image, 'HTMLVideoElement')) {
    if (image.readyState < 2 || !image.videoWidth) {
      refuse(`the video has no frame yet (readyState ${image.readyState}): wait for its 'loadeddata' event`);
    }
    return { kind: 'drawable', width: image.videoWidth, height: image.videoHeight, channels: 4 };
  }
  if (isGlobal(image, 'HTMLImageElement')) {
    if (!image.complete || !image.naturalWidth) {
      refuse(`the image ${image.src.slice(0, 100)} is not loaded (or cannot be decoded)`);
    }
    return { kind: 'drawable', width: image.naturalWidth, height: image.naturalHeight, channels: 4 };
  }
  if (!(image.width >= 1 && image.height >= 1)) {
    refuse(`${describe(image)} of ${image.width} x ${image.height} is empty`);
  }
  return { kind: 'drawable', width: image.width, height: image.height, channels: 4 };
}

/**
 * An image's width and height as displayed.
 *
 * @param {ImageInput} image
 * @param {string} [caller] the call that received it, for the error message
 * @returns {number[]} [width, height]
 * @throws {Error} one line naming `caller`: not an image, or not one that can be read now
 */
export function imageSize(image, caller = 'imageSize') {
  const { width, height } = inspect(image, caller);
  return [width, height];
}

/**
 * Draws a DOM image on a 2D canvas of its own size and reads the pixels back.
 *
 * @param {CanvasImageSource} image
 * @returns {ImageData}
 */
function drawnPixels(image, width, height) {
  const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement('canvas'), { width, height });
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
  context.drawImage(image, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

/**
 * An image's RGBA pixels as displayed, for the photo path.
 *
 * @param {TF} tf the TF.js namespace
 * @param {ImageInput} image
 * @param {string} [caller] the call that received it, for the error message
 * @returns {Promise<Pixels>} ImageData-like `{data, width, height}`: the image itself where it is one, else new
 *   `Uint8ClampedArray` RGBA (a tensor's values rounded and clipped to 0..255, alpha 255 where it has 3 channels)
 * @throws {Error} one line naming `caller`: not an image, or not one that can be read now
 */
export async function readPixels(tf, image, caller = 'readPixels') {
  const { kind, width, height, channels } = inspect(image, caller);
  if (kind === 'pixels') return /** @type {Pixels} */ (image);
  if (kind === 'drawable') return drawnPixels(/** @type {CanvasImageSource} */ (image), width, height);
  const values = await /** @type {import('@tensorflow/tfjs-core').Tensor3D} */ (image).data();   // [H * W * C]
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    for (let c = 0; c < channels; c += 1) data[4 * pixel + c] = values[channels * pixel + c];
  }
  return { data, width, height };
}

/**
 * An image as a tensor, for the live path's letterbox on the backend; call it inside `tf.tidy`.
 *
 * @param {TF} tf the TF.js namespace
 * @param {ImageInput} image
 * @param {string} [caller] the call that received it, for the error message
 * @returns {import('@tensorflow/tfjs-core').Tensor3D} [H, W, 3 or 4], RGB(A) in 0..255: the caller's tensor
 *   itself, `tf.browser.fromPixels` of a DOM image, or int32 of RGBA values
 * @throws {Error} one line naming `caller`: not an image, or not one that can be read now
 */
export function pixelsTensor(tf, image, caller = 'pixelsTensor') {
  const { kind, width, height } = inspect(image, caller);
  if (kind === 'tensor') return /** @type {import('@tensorflow/tfjs-core').Tensor3D} */ (image);
  if (kind === 'pixels') {
    return tf.tensor3d(new Int32Array(/** @type {Pixels} */ (image).data), [height, width, 4], 'int32');
  }
  return tf.browser.fromPixels(/** @type {HTMLCanvasElement} */ (image));
}
