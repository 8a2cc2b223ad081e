/**
 * Every card in a video, each followed on a crop of its own: the live path's `everyCard` mode (`liveTracker.js`).
 *
 * A search looks at the whole frame now and then (the first frame, every `searchEvery`-th, and whenever no card
 * is followed): the card head's proposals there that lie on no followed card start new tracks. Every track then
 * follows its card as the one-card live path does (`tracking.js`): its next crop comes from its last corners plus
 * the card's crop margin, low-pass filtered; its corners are put in the track's face order (`FaceVote`) and
 * smoothed (`QuadSmoother`); it ends when its crop's presence drops under the threshold or the card leaves the
 * frame. Two tracks that land on one card are one: the newer goes. So a frame costs one model input per card
 * (the crops go in one batch), plus one on a search frame.
 *
 *     const tracks = new CardTracks({ margin: settings.cropMargin, threshold: settings.presenceThreshold,
 *       cardThreshold: settings.cardHead.threshold });
 *     const crops = tracks.regions(640, 480);                  // one region per followed card
 *     // ... run the model on crops (and on the whole frame where tracks.searching) ...
 *     const cards = tracks.update(answers, proposals, 640, 480, seconds);   // nearest the centre first
 *
 * Pure JavaScript, no DOM and no TF.js.
 */

import { centre, fromCentre, inside } from './findCard.js';
import { CropTracker, FaceVote, LIVE_TUNING, QuadSmoother, checkTuning } from './tracking.js';

/**
 * A followed card of `CardTracks.update`.
 *
 * @typedef {object} TrackedCard
 * @property {number} id the track's number, kept while the card is followed (new cards get new numbers)
 * @property {number[][]} corners [4][2] TL, TR, BR, BL in frame pixels, smoothed, in the face order the track voted
 * @property {number[][]} raw [4][2] this frame's own answer on the track's crop
 * @property {number} presence that answer's presence
 * @property {number[]} region [x0, y0, x1, y1] the crop the answer came from, in frame pixels
 */

/** One card followed on its own crop. */
class CardTrack {
  /**
   * @param {number} id the track's number
   * @param {number[][]} corners [4][2] the card head's proposal, in frame pixels: the first crop goes around it
   * @param {{margin: number, threshold: number}} crop the card's crop margin and presence threshold
   * @param {Partial<import('./tracking.js').LiveTuning>} tuning
   * @param {number[]} size [width, height] of the frame
   */
  constructor(id, corners, crop, tuning, [width, height]) {
    this.id = id;
    this.crops = new CropTracker({ ...crop, smoothing: tuning.boxSmoothing });
    this.crops.update(corners, 1, width, height);
    this.smoother = new QuadSmoother(tuning);
    this.faces = new FaceVote(tuning);
    this.raw = corners;
    /** @type {(number[][]|null)} null until the card's own crop has answered */
    this.corners = null;
    this.presence = 0;
    this.region = null;
  }

  /**
   * Takes the answer on this track's crop.
   *
   * @param {{corners: number[][], presence: number, region: number[]}} answer in frame pixels, and its crop
   * @param {number[]} size [width, height] of the frame
   * @param {number} seconds the frame's time
   * @returns {boolean} whether the card is still followed
   */
  follow({ corners, presence, region }, [width, height], seconds) {
    if (!this.crops.update(corners, presence, width, height)) return false;
    this.raw = corners;
    this.presence = presence;
    this.region = region;
    this.corners = this.faces.show(this.smoother.smooth(this.faces.align(corners), seconds, Math.max(width, height)));
    return true;
  }
}

/** The cards followed in a stream of frames, each on its own crop. */
export class CardTracks {
  /**
   * @param {object} options
   * @param {number} options.margin the crop's margin (the card's `inference.crop_margin`)
   * @param {number} options.threshold the presence under which a card is lost (`inference.presence_threshold`)
   * @param {number} options.cardThreshold the card head's score at which a proposal starts a track
   *   (`inference.card_threshold`)
   * @param {number} [options.maxCards] the most cards followed at once (default `LIVE_TUNING.maxCards`)
   * @param {Partial<import('./tracking.js').LiveTuning>} [tuning] `LIVE_TUNING`'s fields to change
   * @throws {Error} one line: a tuning field that `LIVE_TUNING` has not, or not a finite number (`checkTuning`)
   */
  constructor({ margin, threshold, cardThreshold, maxCards = LIVE_TUNING.maxCards }, tuning = {}) {
    checkTuning(tuning);
    this.crop = { margin, threshold };
    this.cardThreshold = cardThreshold;
    this.maxCards = maxCards;
    this.searchEvery = tuning.searchEvery ?? LIVE_TUNING.searchEvery;
    this.tuning = tuning;
    this.reset();
  }

  /** Whether the next frame is searched whole for new cards. */
  get searching() {
    return this.tracks.length === 0 || this.frames % this.searchEvery === 0;
  }

  /**
   * The regions [x0, y0, x1, y1] to run the model on in the next frame: one per followed card, in track order.
   *
   * @param {number} width the frame's width
   * @param {number} height the frame's height
   * @returns {number[][]}
   */
  regions(width, height) {
    return this.tracks.map((track) => track.crops.region(width, height));
  }

  /**
   * Takes a frame's answers: each track's on its region, and the search's proposals where it searched.
   *
   * @param {Array<{corners: number[][], presence: number, region: number[]}>} answers one per region of `regions`
   *   (the region the model actually looked at), corners in frame pixels
   * @param {(Array<{corners: number[][], score: number}>|null)} proposals the card head's on the whole frame, in
   *   frame pixels, or null where the frame was not searched
   * @param {number} width the frame's width
   * @param {number} height the frame's height
   * @param {number} seconds the frame's time, for the smoothing
   * @returns {TrackedCard[]} the cards whose crops have answered, nearest the frame's centre first
   */
  update(answers, proposals, width, height, seconds) {
    const size = [width, height];
    this.frames += 1;
    const followed = this.tracks.filter((track, k) => track.follow(answers[k], size, seconds));
    this.tracks = followed.filter((track, k) => !followed.slice(0, k).some((older) => inside(centre(track.raw),
      older.raw)));                                                  // two tracks on one card: the newer goes
    const fresh = (proposals ?? []).filter(({ score }) => score >= this.cardThreshold)
      .sort((a, b) => b.score - a.score);
    for (const { corners } of fresh) {
      if (this.tracks.length >= this.maxCards) break;
      if (this.tracks.some((track) => inside(centre(corners), track.raw))) continue;
      this.tracks.push(new CardTrack(this.nextId, corners, this.crop, this.tuning, size));
      this.nextId += 1;
    }
    return this.tracks.filter((track) => track.corners !== null)
      .map(({ id, corners, raw, presence, region }) => ({ id, corners, raw, presence, region }))
      .sort((a, b) => fromCentre(a.corners, width, height) - fromCentre(b.corners, width, height));
  }

  /** Forgets every card: the next frame is searched whole. */
  reset() {
    /** @type {CardTrack[]} oldest first */
    this.tracks = [];
    this.frames = 0;
    this.nextId = 0;
  }
}
