/**
 * Following a card from frame to frame, for the live path (`liveTracker.js`), as the tfjs-models detectors do:
 * the next frame's crop comes from the last corners plus a margin, the crop box is low-pass filtered, and the
 * crop falls back to the whole frame when the presence drops under the threshold or the card leaves; the corners
 * shown are smoothed with a One Euro filter (Casiez, Roussel and Vogel, CHI 2012) so the outline does not jitter,
 * and their face order is voted across frames (`FaceVote`), so that one frame read turned neither turns the card
 * nor sweeps the smoothed corners across it.
 *
 * The margin and the threshold are the model card's (`inference.crop_margin`, `inference.presence_threshold`),
 * so the tracked crop is the photo path's second-pass crop of the last frame. The tuning below is the
 * JavaScript's alone: Python has no live path. It is all in `LIVE_TUNING`, chosen by eye but for `beta`, measured
 * on synthetic videos (`benchmarks/live_accuracy.py --tuning`, benchmarks/README.md).
 *
 *     const crops = new CropTracker({ margin: settings.cropMargin, threshold: settings.presenceThreshold });
 *     const region = crops.region(640, 480);                  // the whole frame until a card is seen
 *     crops.update(corners, presence, 640, 480);              // the next region follows the card
 *
 * Pure JavaScript, no DOM and no TF.js.
 */

import { argmin, largestShift, roll } from './rotations.js';

/**
 * The live path's tuning (`LIVE_TUNING`'s fields).
 *
 * @typedef {{boxSmoothing: number, minCutoff: number, beta: number, derivativeCutoff: number,
 *   faceMemory: number, searchEvery: number, maxCards: number}} LiveTuning
 */

/**
 * The live path's own tuning: numbers Python does not share, so they are not in the model card.
 *
 * @type {Readonly<LiveTuning>}
 */
export const LIVE_TUNING = Object.freeze({
  /** Weight of the newest crop box in the low-pass filtered one, per frame: 1 follows at once, 0 never moves. */
  boxSmoothing: 0.5,
  /** One Euro filter's cutoff at rest, Hz: lower holds a still card's outline steadier. */
  minCutoff: 1.0,
  /** One Euro filter's cutoff gain per speed, Hz per (frame's longer side per second): higher lags less and
   * jitters more. 40 against 5 (2026-12-08, 12 synthetic videos): the card's frames within 3% 0.90 -> 0.98 on the
   * videos it follows, most of it after a zoom; a still card's smoothed jitter 0.06 -> 0.07% of the side. */
  beta: 40.0,
  /** One Euro filter's cutoff for the speed estimate, Hz. */
  derivativeCutoff: 1.0,
  /** The weight each frame's face-order vote keeps per frame (`FaceVote`): 0.8 lets a turn read on every frame
   * take over on the 4th, and outvotes a turn read on one frame in three. */
  faceMemory: 0.8,
  /** With every card followed (`cardTracks.js`), the whole frame is searched for new cards every this many frames
   * (and whenever no card is followed): a new card shows within a third of a second at 30 frames a second. */
  searchEvery: 10,
  /** With every card followed, the most cards at once: a binder page's 9 and a few loose ones. */
  maxCards: 16,
});

/**
 * Checks the fields of a tuning that changes `LIVE_TUNING`'s: a misspelt name would otherwise be ignored.
 *
 * @param {Partial<LiveTuning>} tuning
 * @returns {Partial<LiveTuning>} the tuning itself
 * @throws {Error} one line naming the field that is not one of `LIVE_TUNING`'s or not a finite number
 */
export function checkTuning(tuning) {
  for (const [name, value] of Object.entries(tuning)) {
    if (!(name in LIVE_TUNING)) {
      throw new Error(`live tuning: no field ${JSON.stringify(name)} (LIVE_TUNING has ${Object.keys(LIVE_TUNING)
        .join(', ')})`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`live tuning: ${name} must be a finite number, got ${JSON.stringify(value)}`);
    }
  }
  return tuning;
}

/**
 * The longer side of a quad's bounding box.
 *
 * @param {number[][]} corners [4][2] in pixels
 * @returns {number} in pixels
 */
export function extent(corners) {
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  return Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
}

/**
 * The square around a quad's bounding box, grown by a margin of its longer side on every side.
 *
 * @param {number[][]} corners [4][2] in pixels
 * @param {number} margin fraction of the quad's longer side added on every side
 * @returns {{cx: number, cy: number, side: number}} the centre and the side, in pixels
 */
export function squareAround(corners, margin) {
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  const side = extent(corners) * (1 + 2 * margin);
  return { cx: (Math.min(...xs) + Math.max(...xs)) / 2, cy: (Math.min(...ys) + Math.max(...ys)) / 2, side };
}

/**
 * A square cut to the frame, in whole pixels.
 *
 * @param {{cx: number, cy: number, side: number}} box from `squareAround`
 * @param {number} width the frame's width
 * @param {number} height the frame's height
 * @returns {number[]} [x0, y0, x1, y1]; the whole frame where the cut would be thinner than 2 pixels
 */
export function clipSquare({ cx, cy, side }, width, height) {
  const x0 = Math.max(0, Math.floor(cx - side / 2));
  const y0 = Math.max(0, Math.floor(cy - side / 2));
  const x1 = Math.min(width, Math.ceil(cx + side / 2));
  const y1 = Math.min(height, Math.ceil(cy + side / 2));
  if (x1 - x0 < 2 || y1 - y0 < 2) return [0, 0, width, height];
  return [x0, y0, x1, y1];
}

/** The crop rule: where the model looks in the next frame. */
export class CropTracker {
  /**
   * @param {{margin: number, threshold: number, smoothing?: number}} options the crop's margin (the card's
   *   `inference.crop_margin`), the presence under which the card is lost (the card's
   *   `inference.presence_threshold`), the newest box's weight (default `LIVE_TUNING.boxSmoothing`)
   */
  constructor({ margin, threshold, smoothing = LIVE_TUNING.boxSmoothing }) {
    this.margin = margin;
    this.threshold = threshold;
    this.smoothing = smoothing;
    /** @type {({cx: number, cy: number, side: number}|null)} the filtered box; null: look at the whole frame */
    this.box = null;
  }

  /** Whether the next region follows a card (false: the whole frame). */
  get tracking() {
    return this.box !== null;
  }

  /** The region [x0, y0, x1, y1] to run the model on in the next frame of this size. */
  region(width, height) {
    return this.box ? clipSquare(this.box, width, height) : [0, 0, width, height];
  }

  /**
   * Takes a frame's answer; the next region follows it, or is the whole frame when the card was lost.
   *
   * @param {number[][]} corners [4][2] in the frame's pixels
   * @param {number} presence the answer's presence
   * @param {number} width the frame's width
   * @param {number} height the frame's height
   * @returns {boolean} whether the card is still tracked
   */
  update(corners, presence, width, height) {
    const target = squareAround(corners, this.margin);
    const left = !(target.cx >= 0 && target.cx <= width && target.cy >= 0 && target.cy <= height);
    if (presence < this.threshold || left || !(target.side > 0)) {
      this.box = null;
    } else if (this.box === null) {
      this.box = target;
    } else {
      const a = this.smoothing;
      this.box = { cx: this.box.cx + a * (target.cx - this.box.cx), cy: this.box.cy + a * (target.cy - this.box.cy),
        side: this.box.side + a * (target.side - this.box.side) };
    }
    return this.tracking;
  }

  /** Forgets the card: the next region is the whole frame. */
  reset() {
    this.box = null;
  }
}

/** The weight of the newest sample in a first-order low-pass filter of this cutoff (Hz) after dt seconds. */
function alpha(cutoff, dt) {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/** The One Euro filter of one value: a low-pass whose cutoff rises with the value's speed. */
export class OneEuroFilter {
  /**
   * @param {{minCutoff?: number, beta?: number, derivativeCutoff?: number}} [tuning] defaults: `LIVE_TUNING`'s;
   *   beta is per unit of the value per second
   */
  constructor({ minCutoff = LIVE_TUNING.minCutoff, beta = LIVE_TUNING.beta,
    derivativeCutoff = LIVE_TUNING.derivativeCutoff } = {}) {
    this.minCutoff = minCutoff;
    this.beta = beta;
    this.derivativeCutoff = derivativeCutoff;
    this.reset();
  }

  /**
   * @param {number} value the new sample
   * @param {number} seconds its time; a sample at or before the last one's is taken as it is
   * @returns {number} the filtered value
   */
  filter(value, seconds) {
    if (this.last === null || !(seconds > this.time)) {
      this.restart(value, seconds);
      return value;
    }
    const dt = seconds - this.time;
    this.speed += alpha(this.derivativeCutoff, dt) * ((value - this.last) / dt - this.speed);
    this.last += alpha(this.minCutoff + this.beta * Math.abs(this.speed), dt) * (value - this.last);
    this.time = seconds;
    return this.last;
  }

  /** Forgets the history: the next sample passes unchanged. */
  reset() {
    this.restart(null, -Infinity);
  }

  /**
   * Starts the history again from one sample.
   *
   * @param {(number|null)} value the last filtered value; null: none yet
   * @param {number} seconds its time
   */
  restart(value, seconds) {
    /** @type {(number|null)} */
    this.last = value;
    this.speed = 0;
    this.time = seconds;
  }
}

/** One Euro filters for the 4 corners' x and y, in units of the frame's longer side (so the tuning is
 * resolution-free). */
export class QuadSmoother {
  /** @param {{minCutoff?: number, beta?: number, derivativeCutoff?: number}} [tuning] `OneEuroFilter`'s; defaults:
   * `LIVE_TUNING`'s */
  constructor(tuning) {
    this.filters = Array.from({ length: 8 }, () => new OneEuroFilter(tuning));
  }

  /**
   * @param {number[][]} corners [4][2] in pixels
   * @param {number} seconds the frame's time
   * @param {number} side the frame's longer side, in pixels
   * @returns {number[][]} [4][2] the smoothed corners, in pixels
   */
  smooth(corners, seconds, side) {
    return corners.map((point, k) => point.map((value, c) => side * this.filters[2 * k + c].filter(value / side,
      seconds)));
  }

  reset() {
    this.filters.forEach((filter) => filter.reset());
  }
}

/**
 * The face order of a tracked card, voted across frames.
 *
 * One view reads a card's face turned now and then. Smoothing corner i of each frame
 * into corner i of the track would then sweep the outline across the card. So each
 * frame's corners are first put in the track's own order (the first frame's), by
 * the turn that moves them least from the last frame's (`align`): the smoothing
 * only ever sees the card's corners as they move. That turn is the face order the
 * frame read, against the track's; each frame votes for it with a weight that
 * decays by `faceMemory` a frame, and the corners are shown in the order with the
 * most votes (`show`); a tie keeps the order shown.
 *
 *     const faces = new FaceVote();
 *     const shown = faces.show(smoother.smooth(faces.align(raw), seconds, side));
 */
export class FaceVote {
  /** @param {{faceMemory?: number}} [tuning] default `LIVE_TUNING.faceMemory` */
  constructor({ faceMemory = LIVE_TUNING.faceMemory } = {}) {
    this.memory = faceMemory;
    this.reset();
  }

  /**
   * This frame's corners in the track's order, and its vote.
   *
   * @param {number[][]} corners [4][2] TL, TR, BR, BL as this frame reads the face
   * @returns {number[][]} [4][2] the same corners, in the track's order
   */
  align(corners) {
    const shift = this.previous === null ? 0
      : argmin([0, 1, 2, 3].map((s) => largestShift(roll(corners, s), this.previous)));
    const aligned = roll(corners, shift);
    this.previous = aligned;
    this.votes = this.votes.map((vote, s) => this.memory * vote + (s === shift ? 1 : 0));
    if (this.votes[shift] > this.votes[this.shown]) this.shown = shift;
    return aligned;
  }

  /**
   * Corners in the track's order, in the face order the votes read.
   *
   * @param {number[][]} corners [4][2] in the track's order (`align`'s, smoothed)
   * @returns {number[][]} [4][2] TL, TR, BR, BL
   */
  show(corners) {
    return roll(corners, -this.shown);
  }

  /** Forgets the card: the next frame starts a new track in the order it reads. */
  reset() {
    /** @type {(number[][]|null)} the last frame's corners in the track's order */
    this.previous = null;
    this.votes = [0, 0, 0, 0];
    this.shown = 0;
  }
}
