/** The live letterbox's layout: which avgPool factor each shrink gets, and the region it pools. */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { liveLayout, poolFactor } from '../src/liveLetterbox.js';

test('the pool shrinks by the whole factor below the shrink, but by 2 from 1.75 on', () => {
  assert.deepEqual([1, 1.2, 1.5, 1.74, 1.75, 1.99, 2, 2.9, 4, 5.5].map(poolFactor), [1, 1, 1, 1, 2, 2, 2, 2, 4, 5]);
});

test('a region pools by whole blocks, narrowed symmetrically to a multiple of each factor', () => {
  const webcam = liveLayout([0, 0, 640, 480], 160);                 // the whole frame: a 4 x 4 box mean
  assert.deepEqual(webcam.factors, [4, 4]);
  assert.deepEqual(webcam.region, [0, 0, 640, 480]);
  const crop = liveLayout([101, 33, 392, 324], 160);                 // 291 px: 1.82 times, so a 2 x 2 pool
  assert.deepEqual(crop.factors, [2, 2]);
  assert.deepEqual(crop.region, [101, 33, 391, 323]);
  assert.deepEqual([crop.frame.innerW, crop.frame.innerH], [160, 160]);
});
