// Every card followed on its own crop (`CardTracks` in src/cardTracks.js), in Node (`npm test`), on scripted
// answers: which regions each frame asks for, and which cards each answer keeps, starts or ends.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CardTracks } from '../src/cardTracks.js';
import { LIVE_TUNING } from '../src/tracking.js';

const [WIDTH, HEIGHT] = [640, 480];

/** A card of 60 x 84 pixels with its top-left corner at (x, y): TL, TR, BR, BL. */
function card(x, y) {
  return [[x, y], [x + 60, y], [x + 60, y + 84], [x, y + 84]];
}

const LEFT = card(100, 200);
const MIDDLE = card(290, 198);          // nearest the frame's centre (320, 240)
const RIGHT = card(480, 190);

function tracks(options = {}) {
  return new CardTracks({ margin: 0.2, threshold: 0.5, cardThreshold: 0.3, ...options });
}

/** Answers every region with the card given for it (presence 1), or with presence 0 where it is null. */
function answer(cards, regions) {
  return cards.map((corners, k) => (corners === null ? { corners: LEFT, presence: 0, region: regions[k] }
    : { corners, presence: 1, region: regions[k] }));
}

test('a search starts a track per proposal; the cards show once their own crops answer, nearest the centre first',
  () => {
    const followed = tracks();
    assert.ok(followed.searching);
    assert.deepEqual(followed.regions(WIDTH, HEIGHT), []);
    const first = followed.update([], [{ corners: LEFT, score: 0.9 }, { corners: MIDDLE, score: 0.8 },
      { corners: RIGHT, score: 0.2 }], WIDTH, HEIGHT, 0);            // RIGHT scores under the card threshold
    assert.deepEqual(first, []);
    const regions = followed.regions(WIDTH, HEIGHT);
    assert.equal(regions.length, 2);
    assert.ok(!followed.searching);
    const shown = followed.update(answer([LEFT, MIDDLE], regions), null, WIDTH, HEIGHT, 1 / 30);
    assert.deepEqual(shown.map(({ id }) => id), [1, 0]);           // MIDDLE first: nearest the centre
    assert.deepEqual(shown[0].raw, MIDDLE);
    assert.deepEqual(shown[1].region, regions[0]);
  });

test('a lost card ends its track; a proposal on a followed card starts none; the search comes every 10th frame',
  () => {
    const followed = tracks();
    followed.update([], [{ corners: LEFT, score: 0.9 }, { corners: MIDDLE, score: 0.8 }], WIDTH, HEIGHT, 0);
    let seconds = 0;
    for (let frame = 1; frame < LIVE_TUNING.searchEvery; frame += 1) {
      seconds += 1 / 30;
      assert.ok(!followed.searching, `frame ${frame}`);
      followed.update(answer([LEFT, MIDDLE], followed.regions(WIDTH, HEIGHT)), null, WIDTH, HEIGHT, seconds);
    }
    assert.ok(followed.searching);                                   // the 10th frame
    const shown = followed.update(answer([null, MIDDLE], followed.regions(WIDTH, HEIGHT)),
      [{ corners: card(292, 199), score: 0.9 }, { corners: RIGHT, score: 0.5 }], WIDTH, HEIGHT, seconds + 1 / 30);
    assert.deepEqual(shown.map(({ id }) => id), [1]);               // LEFT lost; RIGHT not shown before its crop
    assert.equal(followed.regions(WIDTH, HEIGHT).length, 2);         // MIDDLE, and RIGHT's new track (id 2)
    const next = followed.update(answer([MIDDLE, RIGHT], followed.regions(WIDTH, HEIGHT)), null, WIDTH, HEIGHT, 1);
    assert.deepEqual(next.map(({ id }) => id), [1, 2]);
    followed.update(answer([null, null], followed.regions(WIDTH, HEIGHT)), null, WIDTH, HEIGHT, 2);
    assert.ok(followed.searching);                                   // nothing followed: search at once
  });

test('two tracks that land on one card are one: the newer goes', () => {
  const followed = tracks();
  followed.update([], [{ corners: LEFT, score: 0.9 }, { corners: card(150, 200), score: 0.8 }], WIDTH, HEIGHT, 0);
  const shown = followed.update(answer([LEFT, card(102, 201)], followed.regions(WIDTH, HEIGHT)), null, WIDTH,
    HEIGHT, 1 / 30);
  assert.deepEqual(shown.map(({ id }) => id), [0]);
  assert.equal(followed.regions(WIDTH, HEIGHT).length, 1);
});

test('at most maxCards are followed, the best-scored proposals first', () => {
  const followed = tracks({ maxCards: 2 });
  followed.update([], [{ corners: LEFT, score: 0.4 }, { corners: MIDDLE, score: 0.9 }, { corners: RIGHT, score: 0.8 }],
    WIDTH, HEIGHT, 0);
  const shown = followed.update(answer([MIDDLE, RIGHT], followed.regions(WIDTH, HEIGHT)), null, WIDTH, HEIGHT, 1);
  assert.deepEqual(shown.map(({ raw }) => raw), [MIDDLE, RIGHT]);
  assert.equal(LIVE_TUNING.maxCards, 16);
});

test('a tuning field that LIVE_TUNING has not, or one that is not a number, is refused at construction', () => {
  const options = { margin: 0.2, threshold: 0.5, cardThreshold: 0.3 };
  assert.equal(new CardTracks(options, { searchEvery: 4 }).searchEvery, 4);
  assert.throws(() => new CardTracks(options, { serchEvery: 4 }), /live tuning: no field "serchEvery"/);
  assert.throws(() => new CardTracks(options, { beta: '40' }), /beta must be a finite number/);
});
