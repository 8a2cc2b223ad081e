/**
 * Finding the card in a photo with the exported TF.js model: the browser twin of
 * `model/inference/predictor.py` and `python -m model.predict --rectify`.
 *
 *     import * as tf from '@tensorflow/tfjs';          // or the page's vendored copy
 *     import { CardFinder } from './src/findCard.js';
 *
 *     const finder = await CardFinder.load(tf, 'model/');     // model.json + model_card.json from export.py
 *     const { corners, presence, crop, cards } = await finder.findCard(image);   // an <img>, <video>, canvas,
 *                                                                         // ImageBitmap, ImageData or tf.Tensor3D
 *     // corners: [[x, y] x 4] TL, TR, BR, BL of the primary card (the whole card nearest the centre) in the
 *     // photo's pixels; crop: the card upright, RGBA ImageData-like of the card's inference.card_size (630 x 880),
 *     // or null; cards: every card, nearest the centre first, [{corners, score, orientationConfidence, firstPass,
 *     // crop}, ...] (also `await finder.findCards(image)`)
 *
 * Steps, each as the Python side does them: letterbox the photo into the
 * model's square input (`letterbox.js`), run the model on it (turned four ways
 * where no card head lists cards, the answers voted: `rotations.js`), map the
 * corners back to the photo, predict again on crops around the cards found
 * (the last crop turned four ways and voted) and keep an answer only where it
 * agrees; the card is warped upright from the full-resolution photo when its
 * `crop` is first read (`rectify.js`). The image is read into RGBA pixels first
 * (`pixels.js`); the caller gives it as displayed: a browser has already applied
 * the photo's EXIF orientation when it decodes it for an <img> or a canvas.
 *
 * Every card comes from the same first pass, as `Predictor.predict_photo`'s
 * `cards` do: the model's card head proposes them (the unturned view); each
 * proposal is refined twice by the second pass above (all crops batched), first
 * kept where its crop answers the same card (`inside`), then kept where it
 * agrees as the primary card's is; two answers on one card count once
 * (`distinctCards`), and they are listed nearest the photo's centre first. The
 * primary card is the first of them where they were refined and one was found,
 * else the corner head's answer. A model exported without a card head answers
 * its primary card alone.
 *
 * Every number these steps share with Python (the presence threshold, the
 * crop's margin, the largest shift, the turns, the card's size, the letterbox's
 * fill, the card head's threshold and K) comes from the model card that export.py wrote from the Python
 * constants and the model (`modelCard.js`); the module has no copy of its own.
 *
 * The module takes the TF.js namespace as an argument instead of importing it,
 * so a page, a bundler or Node can each hand over their own copy. `dispose()` frees the model's weights.
 */

import { letterbox } from './letterbox.js';
import { readCard } from './modelCard.js';
import { readPixels } from './pixels.js';
import { rectify } from './rectify.js';
import { combine, orderFreeShift, turnImages, unturnPoint } from './rotations.js';
import { clipSquare, extent, squareAround } from './tracking.js';

export { letterbox, Frame } from './letterbox.js';
export { CARD_SCHEMA, readCard } from './modelCard.js';
export { rectify } from './rectify.js';

/** Crops the second pass runs per model call (each in every turn): bounds the memory a table of cards takes. The
 * answers do not depend on it, so it is the JavaScript's own. */
const CROPS_PER_RUN = 8;

/**
 * `CardFinder`'s options (README: "Options").
 *
 * @typedef {object} FinderOptions
 * @property {boolean} [refine] second pass on a crop around the first answer (default true)
 * @property {boolean} [rotate] the rotation ensemble over the card's `inference.turns`, four times the work (default
 *   true)
 * @property {number} [threshold] presence at or above which a card counts as found and is straightened (default: the
 *   card's `inference.presence_threshold`, which also decides, whatever this option says, whether the second pass
 *   runs)
 * @property {number} [cardThreshold] for `findCards`, the card score at or above which the card head's answer is a
 *   card (default: the card's `inference.card_threshold`)
 * @property {number} [maxCards] for `findCards`, the most cards it lists, the first distinct ones in the model's
 *   order (default: the card's `inference.max_cards`, all the model gives)
 */

/**
 * The primary card of a photo (`findCard`).
 *
 * @typedef {object} FoundCard
 * @property {number[][]} corners [4][2] TL, TR, BR, BL of the card as it reads upright, in the photo's pixels
 * @property {number} presence the probability that the photo holds a whole card
 * @property {boolean} found `presence >= threshold`
 * @property {number[][]} firstPass [4][2] the corners before the second pass (the card head's, where the primary
 *   card is the first of `cards`)
 * @property {(import('./pixels.js').Pixels|null)} crop the card warped upright to the card's
 *   `inference.card_size`, RGBA (`data` a Uint8ClampedArray), or null when not found; warped when first read
 * @property {number} milliseconds the time to the answer (the corners; the crops are warped when read)
 * @property {Timings} timings where `milliseconds` went
 * @property {ListedCard[]} cards every card in the photo, nearest its centre first (`findCards`)
 */

/**
 * Where one `findCard`'s time went, in milliseconds; the four add up to its `milliseconds`.
 *
 * @typedef {object} Timings
 * @property {number} read the image read into RGBA pixels (`pixels.js`)
 * @property {number} letterbox the photo's and the crops' letterboxes (`letterbox.js`)
 * @property {number} model the model calls: the inputs made and turned, the graph run, its outputs read back
 * @property {number} decode the rest: the views' vote, mapping corners back, the proposals, the distinct cards
 */

/**
 * One card of `findCards`.
 *
 * @typedef {object} ListedCard
 * @property {number[][]} corners [4][2] TL, TR, BR, BL in the photo's pixels
 * @property {number} score the probability that it is a whole card
 * @property {number} orientationConfidence the probability of the face order read
 * @property {number[][]} firstPass [4][2] the card head's corners, before refining
 * @property {import('./pixels.js').Pixels} crop the card warped upright, RGBA; warped when first read
 */

/** Finds cards in photos with an exported corner model. */
export class CardFinder {
  /**
   * @param {import('./pixels.js').TF} tf the TF.js namespace
   * @param {import('@tensorflow/tfjs-converter').GraphModel} model a tf.GraphModel loaded from export.py's
   *   model.json
   * @param {object} card the parsed model_card.json written beside it (`readCard` checks it)
   * @param {FinderOptions} [options]
   * @throws {Error} the card is of another schema or misses a value (one line: re-export the model)
   */
  constructor(tf, model, card, { refine = true, rotate = true, threshold, cardThreshold, maxCards } = {}) {
    /** @type {import('./modelCard.js').CardSettings} */
    this.settings = readCard(card);
    this.tf = tf;
    this.model = model;
    this.size = this.settings.size;
    this.refine = refine;
    this.turns = rotate ? this.settings.turns : this.settings.turns.slice(0, 1);
    this.threshold = threshold ?? this.settings.presenceThreshold;
    this.cardThreshold = cardThreshold ?? this.settings.cardHead?.threshold;
    this.maxCards = maxCards ?? this.settings.cardHead?.maxCards ?? Infinity;
    /** Milliseconds spent in letterboxes and model calls since `findCard` last started (its `timings`). */
    this.clock = { letterbox: 0, model: 0 };
  }

  /**
   * Loads `model_card.json` and `model.json` from a folder URL (what export.py wrote); the card is checked
   * before the weights are fetched.
   *
   * @param {import('./pixels.js').TF} tf the TF.js namespace
   * @param {string} folderUrl the folder export.py wrote, relative to the page or absolute (another origin must
   *   allow it with CORS)
   * @param {FinderOptions} [options]
   * @returns {Promise<CardFinder>}
   * @throws {Error} an HTTP error or a card that is not JSON, of another schema or missing a value; one line
   *   naming the card's URL
   */
  static async load(tf, folderUrl, options) {
    const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
    const cardUrl = `${base}model_card.json`;
    const response = await fetch(cardUrl);
    if (!response.ok) throw new Error(`${cardUrl}: HTTP ${response.status}`);
    const card = await response.json().catch(() => { throw new Error(`${cardUrl}: not JSON`); });
    readCard(card, cardUrl);
    const model = await tf.loadGraphModel(`${base}model.json`);
    return new CardFinder(tf, model, card, options);
  }

  /**
   * Finds the primary card and every card in one photo, as `Predictor.predict_photo` does.
   *
   * The first pass sees the whole photo: its card head (the unturned view) proposes every card. Those scoring at
   * least the card threshold are kept, all of them. With `refine`, each is refined twice by the second pass
   * (`refineQuads`): first on its crop in the unturned view, its answer kept where it sees a card whose corners'
   * mean lies inside the proposal (the head's corners can be far off, so the shift rule would refuse them); then on
   * that answer's crop, with the rotation vote where `rotate` is on, kept where it agrees by the shift rule. Two
   * answers on one card count once (`distinctCards`: by descending score, an answer whose centre lies inside one
   * kept before it is dropped); the first `maxCards` left, in the model's order, are listed by the distance of
   * their corners' mean from the photo's centre, and straightened when their crops are read.
   *
   * The primary card is the first listed card wherever the cards were refined and one was found; there the first
   * pass is the unturned view alone and `presence` is that view's. With `refine` off, or where no card is listed,
   * it is the corner head's answer on the whole photo in every turn, voted, and refined on its crop where
   * `presence` reaches the card's `inference.presence_threshold` (and kept where it agrees by the shift rule). A
   * model exported without a card head lists its primary card alone where its presence reaches that threshold,
   * with `orientationConfidence` 1, as Python does.
   *
   * @param {import('./pixels.js').ImageInput} image the photo as displayed: an <img>, <video> (its frame now),
   *   canvas, ImageBitmap, ImageData or `{data, width, height}` RGBA, or a tf.Tensor3D (the caller's to dispose)
   * @returns {Promise<FoundCard>} corners TL, TR, BR, BL in photo pixels; crop is the card warped upright when
   *   found; cards every card, nearest the photo's centre first
   * @throws {Error} one line: not an image, or not one that can be read now (`pixels.js`); the finder is disposed
   */
  async findCard(image) {
    const start = performance.now();
    const pixels = await readPixels(this.tf, image, 'findCard');
    const read = performance.now() - start;
    this.clock = { letterbox: 0, model: 0 };
    const answer = await this.locate(pixels);
    const found = answer.presence >= this.threshold;
    const listed = answer.cards.find((card) => card.corners === answer.corners);       // its crop is the same
    const milliseconds = performance.now() - start;
    const { letterbox: letterboxed, model } = this.clock;
    const timings = { read, letterbox: letterboxed, model, decode: milliseconds - read - letterboxed - model };
    const result = { ...answer, found, milliseconds, timings };
    return found ? straightenOnRead(result, pixels, this.settings.cardSize, listed ?? result)
      : { ...result, crop: null };
  }

  /**
   * Every card in one photo, nearest the photo's centre first: `findCard`'s `cards`.
   *
   * @param {import('./pixels.js').ImageInput} image the photo as displayed, any kind `findCard` takes
   * @returns {Promise<ListedCard[]>} nearest the photo's centre first
   * @throws {Error} one line: not an image, or not one that can be read now (`pixels.js`); the finder is disposed
   */
  async findCards(image) {
    return (await this.locate(await readPixels(this.tf, image, 'findCards'))).cards;
  }

  /**
   * `findCard`'s work on pixels: the first pass, every card, and the primary card.
   *
   * @param {import('./pixels.js').Pixels} image RGBA as displayed
   * @returns {Promise<{corners: number[][], presence: number, firstPass: number[][], cards: ListedCard[]}>}
   */
  async locate(image) {
    const { tf, size, settings } = this;
    const { input, frame } = this.timed('letterbox', () => letterbox(image, size, settings.fill));   // [S * S * 3]
    const makeInput = () => tf.tensor4d(input, [1, size, size, 3]);
    const whole = [[0, 0, image.width, image.height]];
    const listing = settings.cardHead !== null && this.refine;
    let [first] = await this.predictInputs(makeInput, [frame], whole, listing ? this.turns.slice(0, 1) : this.turns,
      settings.cardHead?.nodes ?? []);
    const cards = settings.cardHead ? await this.listCards(image, frame, first.head) : [];
    if (cards.length > 0 && this.refine) {
      return { corners: cards[0].corners, presence: first.presence, firstPass: cards[0].firstPass, cards };
    }
    if (listing) [first] = await this.predictInputs(makeInput, [frame], whole);      // no card: the vote's answer
    const presence = first.presence;
    const refined = this.refine && presence >= settings.presenceThreshold;
    const [corners] = refined ? await this.refineQuads(image, [first.corners]) : [first.corners];
    const alone = settings.cardHead === null && presence >= settings.presenceThreshold && this.maxCards >= 1;
    return { corners, presence, firstPass: first.corners, cards: alone ? [{ corners, score: presence,
      orientationConfidence: 1, firstPass: first.corners }].map((card) => straightenOnRead(card, image,
      settings.cardSize)) : cards };
  }

  /**
   * Every card of the card head's answers on the whole photo (`findCard`): those scoring at least the card
   * threshold, refined, the distinct ones, the first `maxCards`, nearest the photo's centre first, straightened.
   *
   * @param {import('./pixels.js').Pixels} image RGBA as displayed
   * @param {import('./letterbox.js').Frame} frame the map between the photo's pixels and the model's input
   * @param {import('@tensorflow/tfjs-core').TypedArray[]} head the unturned view's `cards` [K * 4 * 2] (0..1 of the
   *   input), `card_scores` [K] and `card_orientation` [K]
   * @returns {Promise<ListedCard[]>}
   */
  async listCards(image, frame, head) {
    const proposals = this.proposals(frame, head);
    const firstPass = proposals.map(({ corners }) => corners);
    const corners = this.refine ? await this.refineQuads(image,
      await this.refineQuads(image, firstPass, { sameCard: true })) : firstPass;
    const kept = distinctCards(corners, proposals.map(({ score }) => score)).slice(0, this.maxCards);
    const distance = corners.map((quad) => fromCentre(quad, image.width, image.height));
    const order = kept.sort((a, b) => distance[a] - distance[b]);                      // stable, as numpy's
    return order.map((c) => straightenOnRead({ corners: corners[c], score: proposals[c].score,
      orientationConfidence: proposals[c].orientationConfidence, firstPass: firstPass[c] }, image,
    this.settings.cardSize));
  }

  /**
   * The card head's answers on one input scoring at least the card threshold, in the model's order.
   *
   * @param {import('./letterbox.js').Frame} frame the map between the region's pixels and the input's
   * @param {import('@tensorflow/tfjs-core').TypedArray[]} head the input's `cards` [K * 4 * 2] (0..1 of the input),
   *   `card_scores` [K] and `card_orientation` [K]
   * @param {number[]} [offset] [x0, y0] of the region the input shows, in the photo's pixels
   * @returns {Array<{corners: number[][], score: number, orientationConfidence: number}>} corners in photo pixels
   */
  proposals(frame, [cards, scores, confidence], [x0, y0] = [0, 0]) {
    const { size } = this;
    return [...scores.keys()].filter((k) => scores[k] >= this.cardThreshold).map((k) => ({
      corners: [0, 1, 2, 3].map((i) => frame.toPhoto([Math.fround(cards[8 * k + 2 * i] * size),
        Math.fround(cards[8 * k + 2 * i + 1] * size)])).map(([x, y]) => [x + x0, y + y0]),
      score: scores[k], orientationConfidence: confidence[k] }));
  }

  /**
   * The second pass for quads a first pass found, as `Predictor.refine_quads`: each quad's crop (`cropBox`) is
   * predicted (CROPS_PER_RUN crops a model call), and its answer replaces the quad only where it also sees a card
   * (the card's `inference.presence_threshold`) and agrees with the quad: by default it moves no corner by more
   * than the card's `inference.max_refine_shift` of the quad's extent, whichever corner it names first
   * (`orderFreeShift`: the crop's reading of the face wins); with `sameCard` (Python's `same_card`, for
   * the card head's rough proposals), its corners' mean lies inside the quad (`inside`) instead, and the crops are
   * seen in the unturned view alone.
   *
   * @param {{data: ArrayLike<number>, width: number, height: number}} image RGBA as displayed
   * @param {number[][][]} quads [C][4][2] first-pass corners in photo pixels
   * @param {{sameCard?: boolean}} [rule] which agreement the answer needs (default: the shift rule)
   * @returns {Promise<number[][][]>} [C][4][2] the corners kept, in photo pixels
   */
  async refineQuads(image, quads, { sameCard = false } = {}) {
    const { presenceThreshold, cropMargin, maxRefineShift } = this.settings;
    const agrees = sameCard ? (quad, answer) => inside(centre(answer), quad)
      : (quad, answer) => orderFreeShift(answer, quad) <= maxRefineShift * extent(quad);
    const regions = quads.map((quad) => cropBox(quad, image.width, image.height, cropMargin));
    const found = await this.predictRegions(image, regions, sameCard ? this.turns.slice(0, 1) : this.turns);
    return quads.map((quad, c) => (found[c].presence >= presenceThreshold && agrees(quad, found[c].corners)
      ? found[c].corners : quad));
  }

  /**
   * Predicts one region of the photo: one pass, no second pass and no warp.
   *
   * @param {import('./pixels.js').ImageInput} image the photo as displayed, any kind `findCard` takes
   * @param {number[]} region [x0, y0, x1, y1] in the photo's pixels
   * @returns {Promise<{corners: number[][], presence: number}>} corners in photo pixels
   */
  async predictRegion(image, region) {
    return (await this.predictRegions(await readPixels(this.tf, image, 'predictRegion'), [region]))[0];
  }

  /**
   * Predicts regions [x0, y0, x1, y1] of the photo, CROPS_PER_RUN to a model call.
   *
   * @param {import('./pixels.js').Pixels} image RGBA as displayed
   * @param {number[][]} regions [R][4] [x0, y0, x1, y1] in the photo's pixels
   * @param {number[]} [turns] quarter turns to run and vote over; default the finder's
   * @returns {Promise<Array<{corners: number[][], presence: number}>>} one per region, corners in photo pixels
   */
  async predictRegions(image, regions, turns = this.turns) {
    const { tf, size } = this;
    const answers = [];
    for (let start = 0; start < regions.length; start += CROPS_PER_RUN) {
      const batch = regions.slice(start, start + CROPS_PER_RUN);
      const inputs = this.timed('letterbox', () => batch.map((region) => letterbox(image, size, this.settings.fill,
        region)));                                                                   // [S * S * 3] each, RGB 0..255
      answers.push(...await this.predictInputs(
        () => tf.stack(inputs.map(({ input }) => tf.tensor3d(input, [size, size, 3]))),
        inputs.map(({ frame }) => frame), batch, turns));
    }
    return answers;
  }

  /**
   * Runs the model on one letterboxed input, turned by each of `turns`, and maps the voted answer to the photo.
   *
   * @param {function(): object} makeInput returns the [1, S, S, 3] float32 input, RGB in 0..255; it runs inside
   *   tf.tidy, so every tensor it makes is freed
   * @param {import('./letterbox.js').Frame} frame the map between the region's pixels and the input's
   * @param {number[]} region [x0, y0, x1, y1] the region of the photo the input shows
   * @param {number[]} [turns] quarter turns to run and vote over; default the finder's
   * @returns {Promise<{corners: number[][], presence: number}>} corners in photo pixels
   */
  async predictInput(makeInput, frame, region, turns = this.turns) {
    return (await this.predictInputs(makeInput, [frame], [region], turns))[0];
  }

  /**
   * `predictInput` for N inputs in one model call: every input in every turn, [V * N] views, view by view.
   *
   * @param {function(): object} makeInputs returns the [N, S, S, 3] float32 inputs, RGB in 0..255 (inside tf.tidy)
   * @param {import('./letterbox.js').Frame[]} frames [N] each input's map to its region's pixels
   * @param {number[][]} regions [N] [x0, y0, x1, y1] the regions of the photo the inputs show
   * @param {number[]} [turns] quarter turns to run and vote over (the first the unturned view); default the
   *   finder's
   * @param {string[]} [headNodes] more outputs to read, of the unturned views alone (the card head's nodes)
   * @returns {Promise<Array<{corners: number[][], presence: number,
   *   head: import('@tensorflow/tfjs-core').TypedArray[]}>>} [N] corners in
   *   photo pixels; head, each of `headNodes`' values for the input
   */
  async predictInputs(makeInputs, frames, regions, turns = this.turns, headNodes = []) {
    const { tf, size } = this;
    const count = frames.length;
    const start = performance.now();
    const outputs = tf.tidy(() => {
      const unturned = makeInputs();                                                 // [N, S, S, 3]
      const views = tf.concat(turns.map((t) => turnImages(tf, unturned, t)), 0);     // [V * N, S, S, 3]
      const [coords, presence, ...head] = this.execute(views, [...this.settings.outputNodes, ...headNodes]);
      return [coords, presence, ...head.map((tensor) => tf.slice(tensor, 0, count))];   // the first view's [N, ...]
    });
    const [coords, presence, ...head] = await Promise.all(outputs.map((tensor) => tensor.data()));  // [V*N*4*2], [V*N]
    tf.dispose(outputs);
    this.clock.model += performance.now() - start;
    return frames.map((frame, n) => {
      const rows = turns.map((_, v) => v * count + n);                               // input n's views
      const quads = turns.map((t, v) => [0, 1, 2, 3].map((k) => unturnPoint([Math.fround(coords[8 * rows[v] + 2 * k]
        * size), Math.fround(coords[8 * rows[v] + 2 * k + 1] * size)], t, size)));
      const voted = combine(quads, rows.map((row) => presence[row]));
      const [x0, y0] = regions[n];
      return { corners: voted.corners.map((point) => frame.toPhoto(point)).map(([x, y]) => [x + x0, y + y0]),
        presence: voted.presence,
        head: head.map((values) => values.subarray(n * values.length / count, (n + 1) * values.length / count)) };
    });
  }

  /**
   * Runs `work` and adds its milliseconds to the clock's `stage` (`findCard`'s `timings`).
   *
   * @template T
   * @param {'letterbox'|'model'} stage the clock's entry
   * @param {function(): T} work
   * @returns {T} what `work` returns
   */
  timed(stage, work) {
    const start = performance.now();
    const result = work();
    this.clock[stage] += performance.now() - start;
    return result;
  }

  /**
   * Runs the model on a batch of inputs (inside tf.tidy) and returns the named outputs.
   *
   * @param {import('@tensorflow/tfjs-core').Tensor4D} inputs [B, S, S, 3] float32, RGB in 0..255
   * @param {string[]} nodes the graph's node names of the outputs (the card's `outputs.*.node`)
   * @returns {import('@tensorflow/tfjs-core').Tensor[]} one per node
   * @throws {Error} the finder is disposed
   */
  execute(inputs, nodes) {
    if (this.model === null) throw new Error('CardFinder: the finder is disposed (dispose() freed its model)');
    return /** @type {import('@tensorflow/tfjs-core').Tensor[]} */ (
      this.model.execute({ [this.model.inputs[0].name]: inputs }, nodes));
  }

  /**
   * Frees the model's weights: `tf.memory().numTensors` goes back to where it was before the model was loaded (the
   * finder holds no other tensor between calls). The finder cannot be used afterwards; calling it again is harmless.
   */
  dispose() {
    this.model?.dispose();
    this.model = null;
  }
}

/**
 * Gives a found card its `crop`, warped upright from the photo when first read and kept (`rectify`): the answer
 * comes back, and its outline can be drawn, before the warps run (about 60 ms a card for a 12 MP photo). The
 * getter is enumerable, so spreading, JSON and `postMessage` see the crop as a plain value.
 *
 * @param {object} card an answer with `corners` [4][2] in photo pixels; it gets the `crop` getter
 * @param {import('./pixels.js').Pixels} image RGBA as displayed, the full-resolution photo
 * @param {number[]} cardSize [width, height] of the crop
 * @param {object} [source] the card whose crop it is, where another answer already holds it (shared, warped once)
 * @returns {object} the card
 */
function straightenOnRead(card, image, cardSize, source = card) {
  let crop = null;
  return Object.defineProperty(card, 'crop', { enumerable: true, configurable: true,
    get: () => (source === card ? (crop ??= rectify(image, card.corners, cardSize)) : source.crop) });
}

/** The mean of one coordinate (0: x, 1: y) over a quad's corners. */
function mean(quad, axis) {
  return quad.reduce((sum, point) => sum + point[axis], 0) / quad.length;
}

/** The mean of a quad's corners, [x, y]. */
export function centre(quad) {
  return [mean(quad, 0), mean(quad, 1)];
}

/** The distance from the centre of a width x height image to the mean of a quad's corners: cards are listed
 * nearest the centre first by it. */
export function fromCentre(quad, width, height) {
  const [x, y] = centre(quad);
  return Math.hypot(x - width / 2, y - height / 2);
}

/**
 * Whether a point lies inside a convex quad, its corners either way round; a point on an edge is inside. As
 * `predictor._inside`.
 *
 * @param {number[]} point [x, y]
 * @param {number[][]} quad [4][2] convex, clockwise or anticlockwise
 * @returns {boolean}
 */
export function inside([x, y], quad) {
  const cross = quad.map(([x0, y0], k) => {
    const [x1, y1] = quad[(k + 1) % quad.length];
    return (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0);
  });
  return cross.every((value) => value >= 0) || cross.every((value) => value <= 0);
}

/**
 * Which answers to keep, as `predictor.distinct_cards`: going through them by descending score (ties in their
 * order), each is kept unless its corners' mean lies inside an answer kept before it. Two proposals of one card
 * refine to the same quad; two whole cards never hold each other's centre.
 *
 *     const card = [[0, 0], [60, 0], [60, 90], [0, 90]];
 *     const moved = (dx) => card.map(([x, y]) => [x + dx, y + dx]);
 *     distinctCards([card, moved(3), moved(100)], [0.5, 0.9, 0.4]);   // [1, 2]
 *
 * @param {number[][][]} quads [C][4][2]
 * @param {ArrayLike<number>} scores [C]
 * @returns {number[]} the indices kept, ascending (in the answers' order)
 */
export function distinctCards(quads, scores) {
  const byScore = [...quads.keys()].sort((a, b) => scores[b] - scores[a]);            // stable, as numpy's
  const kept = [];
  for (const index of byScore) {
    const point = centre(quads[index]);
    if (!kept.some((other) => inside(point, quads[other]))) kept.push(index);
  }
  return kept.sort((a, b) => a - b);
}

/**
 * The first quad's bounding box grown by the margin, made square where the photo allows, in pixels.
 *
 * @param {number[][]} corners [4][2] the first pass's corners in photo pixels
 * @param {number} width the photo's width
 * @param {number} height the photo's height
 * @param {number} margin fraction of the quad's longer side added on every side (the card's `inference.crop_margin`)
 * @returns {number[]} [x0, y0, x1, y1]; the whole photo where the box would be thinner than 2 pixels
 */
export function cropBox(corners, width, height, margin) {
  return clipSquare(squareAround(corners, margin), width, height);
}
