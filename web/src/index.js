/**
 * The package's public API (`import { CardFinder } from 'mtg-card-corners'`): see web/README.md.
 *
 *     import * as tf from '@tensorflow/tfjs';
 *     import { CardFinder, LiveTracker } from 'mtg-card-corners';
 *
 *     const finder = await CardFinder.load(tf, 'model/');         // export.py's model.json + model_card.json
 *     const { corners, found, crop } = await finder.findCard(image);   // <img>, <video>, canvas, ImageBitmap,
 *                                                                     // ImageData or tf.Tensor3D
 *     finder.dispose();
 *
 * Nothing here imports TF.js: every entry point is handed the namespace, so the caller's copy (a page's script
 * tag, a bundle, Node) is the one that runs. The package's `liveWorker.js` export is the Worker script that
 * `WorkerTracker` starts.
 */

export { CardTracks } from './cardTracks.js';
export { CardFinder, cropBox, distinctCards, inside } from './findCard.js';
export { Frame, letterbox } from './letterbox.js';
export { LiveTracker } from './liveTracker.js';
export { CARD_SCHEMA, readCard } from './modelCard.js';
export { imageSize, readPixels } from './pixels.js';
export { rectify } from './rectify.js';
export { CropTracker, FaceVote, LIVE_TUNING, OneEuroFilter } from './tracking.js';
export { WorkerTracker } from './workerTracker.js';

/** @typedef {import('./pixels.js').ImageInput} ImageInput any image the finders take */
/** @typedef {import('./pixels.js').Pixels} Pixels RGBA `{data, width, height}`, as ImageData */
/** @typedef {import('./pixels.js').TF} TF the TF.js namespace handed to the finders */
/** @typedef {import('./findCard.js').FinderOptions} FinderOptions `CardFinder`'s options */
/** @typedef {import('./findCard.js').FoundCard} FoundCard `findCard`'s answer */
/** @typedef {import('./findCard.js').ListedCard} ListedCard one card of `findCards`' answer */
/** @typedef {import('./modelCard.js').CardSettings} CardSettings what `readCard` reads from a model card */
/** @typedef {import('./tracking.js').LiveTuning} LiveTuning the live path's tuning (`LIVE_TUNING`) */
/** @typedef {import('./cardTracks.js').TrackedCard} TrackedCard one card of `LiveTracker.processCards` */
