/**
 * Reading `model_card.json`, the one source of the numbers the JavaScript shares with Python.
 *
 * `export.py` writes the card from the Python constants that define them
 * (`model/inference/predictor.py`'s PRESENCE_THRESHOLD, CROP_MARGIN and
 * MAX_REFINE_SHIFT, `rotations.TURNS`, `rectify.CARD_SIZE`, `augment_tf/letterbox.py`'s
 * FILL) and from the model (its card head's threshold and K), so this module keeps no defaults of its own: a
 * default would be a second copy that could drift. A card of another schema, or one missing a
 * value, is refused with one line that names the file and says to re-export.
 *
 * The card head's entries (`outputs.cards`, `outputs.card_scores`, `outputs.card_orientation`,
 * `inference.card_threshold`, `inference.max_cards`) are an optional part of schema 2: a model exported before the
 * card head has none of them, and `cardHead` is then null (`findCards` answers the primary card alone). Where
 * `outputs.cards` is there, every one of them must be.
 *
 *     const settings = readCard(card, 'model/model_card.json');   // throws on an old or broken card
 *     settings.cropMargin;                                        // 0.2, as predictor.py's CROP_MARGIN
 *
 * Pure JavaScript, no DOM and no TF.js.
 */

/** The card layout this module reads: `export.py`'s CARD_SCHEMA. */
export const CARD_SCHEMA = 2;

/**
 * What the module runs on, read from a model card.
 *
 * @typedef {object} CardSettings
 * @property {number} size side of the model's square input, in pixels (`input.size`)
 * @property {number[]} fill [3] the letterbox's padding, RGB in 0..255 (`input.letterbox.fill`)
 * @property {string[]} outputNodes [2] the graph's node names of `coords` and `presence` (`outputs.*.node`)
 * @property {number} presenceThreshold presence at or above which a card is found (`inference.presence_threshold`)
 * @property {number} cropMargin the second pass's crop margin, a fraction of the quad's longer side
 *   (`inference.crop_margin`)
 * @property {number} maxRefineShift the largest corner move, as a fraction of the quad's longer side, whichever
 *   corner the answer names first, for which the second pass's answer is kept (`inference.max_refine_shift`)
 * @property {number[]} turns quarter turns each pass runs its input at; the first alone without the ensemble
 *   (`inference.turns`)
 * @property {number[]} cardSize [width, height] of the straightened card, in pixels (`inference.card_size`)
 * @property {(CardHead|null)} cardHead the card head's outputs and numbers; null for a model exported without one
 */

/**
 * The card head: every card in the frame, decoded in the graph.
 *
 * @typedef {object} CardHead
 * @property {string[]} nodes [3] the graph's node names of `cards`, `card_scores` and `card_orientation`
 *   (`outputs.*.node`)
 * @property {number} threshold card score at or above which an answer is a card (`inference.card_threshold`, the
 *   model's own)
 * @property {number} maxCards K, the answers per input (`inference.max_cards`)
 */

/** The card head's outputs, in the order of `CardHead.nodes`. */
const CARD_OUTPUTS = ['cards', 'card_scores', 'card_orientation'];

const isCount = (value) => Number.isInteger(value) && value >= 1;
const isFraction = (value) => Number.isFinite(value) && value >= 0 && value <= 1;
const isNonNegative = (value) => Number.isFinite(value) && value >= 0;
const isName = (value) => typeof value === 'string' && value.length > 0;

/**
 * Checks a parsed model card and returns the values the module runs on.
 *
 * @param {object} card the parsed model_card.json
 * @param {string} [source] the card's file or URL, for the error message
 * @returns {CardSettings}
 * @throws {Error} one line naming `source`: not a card of schema CARD_SCHEMA, or a value missing or malformed
 */
export function readCard(card, source = 'model_card.json') {
  if (card === null || typeof card !== 'object' || Array.isArray(card)) {
    throw new Error(`${source}: not a model card (a JSON object); export the model with export.py`);
  }
  if (card.schema !== CARD_SCHEMA) {
    const found = card.schema === undefined ? 'has no schema (written before the card held the inference '
      + 'constants)' : `has schema ${JSON.stringify(card.schema)}`;
    const fix = card.schema > CARD_SCHEMA ? 'use the web/src that came with the export.py that wrote it'
      : 're-export the model with export.py';
    throw new Error(`${source} ${found}; this module reads schema ${CARD_SCHEMA}: ${fix}`);
  }
  const read = (path, check, what) => {
    const value = path.split('.').reduce((node, key) => (node == null ? undefined : node[key]), card);
    if (!check(value)) {
      throw new Error(`${source}: ${path} is ${value === undefined ? 'missing' : JSON.stringify(value)}, not ${what}; `
        + 're-export the model with export.py');
    }
    return value;
  };
  const listOf = (length, check) => (value) => Array.isArray(value) && value.length >= 1
    && (length === undefined || value.length === length) && value.every(check);
  return {
    size: read('input.size', isCount, 'a positive integer'),
    fill: read('input.letterbox.fill', listOf(3, (v) => Number.isFinite(v) && v >= 0 && v <= 255),
      'three values in 0..255'),
    outputNodes: [read('outputs.coords.node', isName, 'a node name'),
      read('outputs.presence.node', isName, 'a node name')],
    presenceThreshold: read('inference.presence_threshold', isFraction, 'a number in 0..1'),
    cropMargin: read('inference.crop_margin', isNonNegative, 'a number at least 0'),
    maxRefineShift: read('inference.max_refine_shift', isNonNegative, 'a number at least 0'),
    turns: read('inference.turns', listOf(undefined, Number.isInteger), 'a list of whole quarter turns'),
    cardSize: read('inference.card_size', listOf(2, isCount), '[width, height] in whole pixels'),
    cardHead: card.outputs.cards === undefined ? null : {
      nodes: CARD_OUTPUTS.map((name) => read(`outputs.${name}.node`, isName, 'a node name')),
      threshold: read('inference.card_threshold', isFraction, 'a number in 0..1'),
      maxCards: read('inference.max_cards', isCount, 'a positive integer'),
    },
  };
}
