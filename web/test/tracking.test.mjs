// The live path's face-order vote (`FaceVote` in src/tracking.js), in Node (`npm test`), on scripted readings of a
// still card: one view reads the face turned on some frames, as the binder model does on tyler_02.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { largestShift as apart, roll } from '../src/rotations.js';
import { FaceVote, LIVE_TUNING, QuadSmoother, checkTuning } from '../src/tracking.js';

const CARD = [[200, 100], [300, 100], [300, 240], [200, 240]];     // TL, TR, BR, BL in pixels

/** Runs readings (the card's corners turned by each shift) through the vote and the smoother, 30 frames a second. */
function track(shifts, tuning = {}) {
  const faces = new FaceVote(tuning);
  const smoother = new QuadSmoother(tuning);
  return shifts.map((shift, k) => faces.show(smoother.smooth(faces.align(turnCorners(CARD, shift)), k / 30, 640)));
}

/** The card's corners as a reading that names them from corner `shift` on: corner i is CARD's (i + shift) % 4. */
function turnCorners(corners, shift) {
  return roll(corners, -shift);
}

test('a reading turned by shift names corner i + shift as corner i', () => {
  assert.deepEqual(turnCorners(CARD, 1), [CARD[1], CARD[2], CARD[3], CARD[0]]);
  assert.deepEqual(turnCorners(turnCorners(CARD, 3), 1), CARD);
});

test('a face read turned on one frame in three is outvoted, and the outline never leaves the card', () => {
  const shifts = Array.from({ length: 30 }, (_, k) => (k % 3 === 2 ? 2 : 0));
  for (const corners of track(shifts)) assert.ok(apart(corners, CARD) < 1e-9, JSON.stringify(corners));
});

test('a turn read on every frame takes over on the 4th, without sweeping the corners', () => {
  const shifts = [...Array(20).fill(0), ...Array(10).fill(1)];
  const shown = track(shifts);
  const turned = turnCorners(CARD, 1);
  shown.slice(0, 23).forEach((corners) => assert.ok(apart(corners, CARD) < 1e-9));
  shown.slice(23).forEach((corners) => assert.ok(apart(corners, turned) < 1e-9));
  assert.equal(LIVE_TUNING.faceMemory, 0.8);                      // the count above is this memory's
});

test('a track that starts on a turned reading turns to the order most frames read', () => {
  const shown = track([2, 0, 0, 0, 0, 0]);
  assert.ok(apart(shown[0], turnCorners(CARD, 2)) < 1e-9);
  assert.ok(apart(shown[2], CARD) < 1e-9 && apart(shown[5], CARD) < 1e-9);
});

test('without the vote each flip sweeps the smoothed corners across the card', () => {
  const smoother = new QuadSmoother();
  const shifts = [0, 0, 0, 2, 0, 0];
  const worst = Math.max(...shifts.map((shift, k) => apart(smoother.smooth(turnCorners(CARD, shift), k / 30, 640),
    turnCorners(CARD, shift))));
  assert.ok(worst > 50, `${worst}`);                             // what FaceVote prevents: tens of pixels
});

test('reset starts a new track in the order the next frame reads', () => {
  const faces = new FaceVote();
  Array.from({ length: 10 }, () => faces.align(CARD));
  faces.reset();
  const turned = turnCorners(CARD, 3);
  assert.deepEqual(faces.show(faces.align(turned)), turned);
});

test('a tuning field LIVE_TUNING has not, or a value that is not a number, is refused naming it', () => {
  assert.deepEqual(checkTuning({ beta: 9, minCutoff: 2 }), { beta: 9, minCutoff: 2 });
  assert.throws(() => checkTuning({ betta: 9 }), /no field "betta" \(LIVE_TUNING has boxSmoothing, .*beta/);
  assert.throws(() => checkTuning({ beta: '9' }), /beta must be a finite number, got "9"/);
  assert.throws(() => checkTuning({ minCutoff: NaN }), /minCutoff must be a finite number/);
});
