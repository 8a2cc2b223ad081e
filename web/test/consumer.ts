// The package's types as a TypeScript user sees them, through the package's name and `exports` (`npm test` runs
// `tsc -p test`). Each line that must not compile carries @ts-expect-error, so types loosened to `any` fail here.

import * as tf from '@tensorflow/tfjs';
import { CardFinder, LiveTracker, readPixels } from 'mtg-card-corners';
import type { FoundCard, ImageInput, ListedCard } from 'mtg-card-corners';

export async function use(image: ImageInput, video: HTMLVideoElement, tensor: tf.Tensor3D): Promise<number> {
  const finder = await CardFinder.load(tf, 'model/', { rotate: false, maxCards: 4 });
  const found: FoundCard = await finder.findCard(video);
  const cards: ListedCard[] = await finder.findCards(tensor);
  const tracker = new LiveTracker(finder, { beta: 2 });
  const live = await tracker.processFrame(image, 0);
  const pixels = await readPixels(tf, new ImageData(4, 4));
  tracker.dispose();
  // @ts-expect-error a file name is not an image
  await finder.findCard('photo.jpg');
  // @ts-expect-error an option the finder does not have
  await CardFinder.load(tf, 'model/', { rotations: false });
  // @ts-expect-error the corners are numbers
  const label: string = found.corners[0][0];
  const every: ListedCard[] = found.cards;
  return found.corners[0][0] + cards.length + every.length + live.presence + pixels.width + (found.crop?.width ?? 0)
    + label.length;
}
