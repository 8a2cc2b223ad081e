// The letterbox's pixel reads, in Node (`npm test`): it reads each RGBA pixel as one 32-bit word, a view of the
// bytes where they are a byte array on a 4-byte boundary (ImageData's always are) and a packed copy otherwise, so
// every kind of `data` an ImageData-like image may hold gives the same input. Its values against Python's
// `augment_tf/letterbox.py` are tests/test_web_module.py's.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { letterbox } from '../src/letterbox.js';

const WIDTH = 37;
const HEIGHT = 23;

/** RGBA bytes whose every channel differs: channel c of pixel p is (7p + 61c) mod 256, alpha included. */
function bytes() {
  return Uint8ClampedArray.from({ length: WIDTH * HEIGHT * 4 }, (_, k) => (7 * (k >> 2) + 61 * (k & 3)) % 256);
}

test('ImageData bytes, a plain array and a byte view off a 4-byte boundary letterbox alike', () => {
  const data = bytes();
  const shifted = new Uint8Array(data.length + 1).fill(255);
  shifted.set(data, 1);
  const kinds = {
    plain: Array.from(data),
    unaligned: shifted.subarray(1),                       // byteOffset 1: read through a packed copy
    uint8: new Uint8Array(data.buffer),
  };
  for (const [size, region] of [[16, undefined], [48, [3, 2, 30, 21]]]) {
    const expected = letterbox({ data, width: WIDTH, height: HEIGHT }, size, [9, 8, 7], region).input;
    for (const [kind, values] of Object.entries(kinds)) {
      const { input } = letterbox({ data: values, width: WIDTH, height: HEIGHT }, size, [9, 8, 7], region);
      assert.deepEqual(input, expected, `${kind} at ${size} px`);
    }
  }
});

test('each channel is read from its own byte: a pixel of one colour letterboxes to that colour', () => {
  const data = new Uint8ClampedArray(WIDTH * HEIGHT * 4);
  for (let p = 0; p < WIDTH * HEIGHT; p += 1) data.set([200, 100, 50, 7], 4 * p);   // alpha is never read
  const { input, frame } = letterbox({ data, width: WIDTH, height: HEIGHT }, 32, [0, 0, 0]);
  const centre = ((frame.oy + (frame.innerH >> 1)) * 32 + frame.ox + (frame.innerW >> 1)) * 3;
  assert.deepEqual([...input.subarray(centre, centre + 3)].map(Math.round), [200, 100, 50]);
  assert.deepEqual([...input.subarray(0, 3)], [0, 0, 0]);                             // the fill above the photo
});
