/** Whether two answers are the same card, whichever corner each names first (`orderFreeShift`). */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { largestShift, orderFreeShift, roll } from '../src/rotations.js';

const card = [[0, 0], [60, 0], [60, 90], [0, 90]];

test('a card read a quarter or half turn on moves by its offset alone, order-free', () => {
  const moved = card.map(([x, y]) => [x + 3, y + 4]);
  for (const shift of [0, 1, 2, 3]) {
    assert.equal(orderFreeShift(roll(moved, shift), card), 5);
    assert.equal(largestShift(roll(moved, shift), card) > 5, shift !== 0);
  }
});

test('another card is as far as its nearest corner naming allows', () => {
  const beside = card.map(([x, y]) => [x + 70, y]);
  assert.equal(orderFreeShift(beside, card), 70);
});
