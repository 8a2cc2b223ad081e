// The images the module takes, in Node (`npm test`): ImageData-like RGBA and tf.Tensor3D are read into the same
// pixels and tensors; anything else is refused with one line naming the call and what is wrong. The DOM kinds
// (<img>, <video>, canvas, ImageBitmap) exist only in a browser: tests/test_web_page.py runs them in Chromium.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { imageSize, pixelsTensor, readPixels } from '../src/pixels.js';

/** A 3 x 2 RGBA image whose values are all different: pixel p has R 10p + 1, G 10p + 2, B 10p + 3, A 200 + p. */
function rgba() {
  const data = new Uint8ClampedArray(3 * 2 * 4);
  for (let p = 0; p < 6; p += 1) data.set([10 * p + 1, 10 * p + 2, 10 * p + 3, 200 + p], 4 * p);
  return { data, width: 3, height: 2 };
}

/** The RGB values of `rgba()`, [2, 3, 3] row by row. */
function rgb() {
  return Array.from({ length: 6 }, (_, p) => [10 * p + 1, 10 * p + 2, 10 * p + 3]).flat();
}

before(async () => {
  await tf.setBackend('cpu');
});

test('ImageData-like pixels are used as they are', async () => {
  const image = rgba();
  assert.equal(await readPixels(tf, image), image);
  assert.deepEqual(imageSize(image), [3, 2]);
  const tensor = tf.tidy(() => pixelsTensor(tf, image));
  assert.deepEqual(tensor.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(tensor.dataSync()), Array.from(image.data));
  tensor.dispose();
});

test('a Tensor3D reads as the RGBA it holds, in either dtype, with 3 or 4 channels', async () => {
  const image = rgba();
  const cases = {
    'int32 RGBA': tf.tensor3d(Array.from(image.data), [2, 3, 4], 'int32'),
    'float32 RGB': tf.tensor3d(rgb().map((v) => v + 0.2), [2, 3, 3], 'float32'),   // rounded
  };
  const opaque = Uint8ClampedArray.from(image.data, (v, k) => (k % 4 === 3 ? 255 : v));
  for (const [name, tensor] of Object.entries(cases)) {
    const start = tf.memory().numTensors;
    const pixels = await readPixels(tf, tensor);
    assert.deepEqual([pixels.width, pixels.height], [3, 2], name);
    assert.ok(pixels.data instanceof Uint8ClampedArray, name);
    assert.deepEqual(pixels.data, name === 'int32 RGBA' ? image.data : opaque, name);
    assert.deepEqual(imageSize(tensor), [3, 2], name);
    assert.equal(tf.tidy(() => pixelsTensor(tf, tensor)), tensor, name);          // the tensor itself, on the backend
    assert.equal(tf.memory().numTensors, start, `${name}: no tensor made or freed`);
    assert.equal(tensor.isDisposed, false, `${name}: the caller's tensor is the caller's to dispose`);
    tensor.dispose();
  }
});

test('anything else is refused with one line naming the call and what is wrong', async () => {
  const image = rgba();
  const disposed = tf.zeros([2, 2, 3]);
  disposed.dispose();
  const cases = [
    [null, /^findCard: expected an HTMLImageElement, .* or tf\.Tensor3D \[height, width, 3 or 4\], got null$/],
    ['photo.jpg', /^findCard: expected .*, got "photo\.jpg"$/],
    [{ width: 3, height: 2 }, /^findCard: expected .*, got an object with keys \["width","height"\]$/],
    [new Map(), /^findCard: expected .*, got a Map$/],
    [{ ...image, data: image.data.subarray(4) }, /^findCard: .*data holds 20 values, not 3 x 2 x 4 \(RGBA/],
    [{ ...image, width: 0 }, /^findCard: .*needs whole positive sides, got width 0, height 2$/],
    [{ ...image, width: 1.5 }, /^findCard: .*needs whole positive sides, got width 1\.5, height 2$/],
    [tf.zeros([1, 2, 3, 3]),
      /^findCard: expected a tf\.Tensor3D \[height, width, 3 or 4\], got a tensor of shape \[1,2,3,3\]$/],
    [tf.zeros([2, 3, 2]), /^findCard: expected a tf\.Tensor3D .*, got a tensor of shape \[2,3,2\]$/],
    [tf.zeros([0, 3, 3]), /^findCard: expected a tf\.Tensor3D .*, got a tensor of shape \[0,3,3\]$/],
    [disposed, /^findCard: the tf\.Tensor3D is disposed$/],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(readPixels(tf, input, 'findCard'), { message });
    assert.throws(() => pixelsTensor(tf, input, 'findCard'), { message });
    assert.throws(() => imageSize(input, 'findCard'), { message });
    if (input?.dispose) input.dispose();
  }
  await assert.rejects(readPixels(tf, undefined), { message: /^readPixels: expected .*, got undefined$/ });
});
