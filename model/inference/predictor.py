"""Finding the card in photos of any size: letterbox, predict, map back, refine on a crop.

The first pass sees the whole photo letterboxed into the model's square input
(`augment_tf.letterbox`, the one image contract). A card that fills a tenth of
a 4032-px photo then spans a few heatmap cells, so a second pass crops the photo
around the first quad, with a margin, and predicts again at full input
resolution: the corners are found to a few of the card's own pixels.

Each pass looks at its input turned four ways and lets the answers vote
(`model.inference.rotations`), so that one view's slip, a corner on a neighbouring card
or the face read turned, is outvoted.

Every card (`predict_photo`'s `cards`): the first pass's card head proposes up
to K cards (`cards`, decoded in the graph by `CardPeaks`, the unturned view);
each proposal is then refined on its crop, all crops in one batch, each crop in
every view of the vote. The corner model answers the card nearest a crop's
centre, which is the proposal: propose, then refine. The head's corners are
rough, so its crop's answer is kept where it is the same card (its centre
inside the proposal), and refined once more on a crop around itself. Two
proposals that refine onto one card count once (`distinct_cards`).

The primary card is the listed card nearest the photo's centre, chosen by
arithmetic; the corner head's own answer stands in where no card is listed or
the cards are not refined.
"""

import functools

import numpy as np
import tensorflow as tf

from augment_tf import letterbox
from model.inference import rotations

# These three are the one definition for Python and JavaScript: export.py writes them into model_card.json's
# "inference" section, and web/src/findCard.js reads them from there.
# Presence at or above which a frame holds a card: the second pass runs, and `model.predict` counts it as found.
PRESENCE_THRESHOLD = 0.5
# The refinement crop spans the first quad's bounding box plus this fraction of its longer side on every side.
CROP_MARGIN = 0.2
# The second pass may move no corner further than this fraction of the first quad's longer side, whichever corner
# it names first (the crop, where the card is large, may read the face another way up); a larger move means it
# found something else in the crop, and the first pass stands.
MAX_REFINE_SHIFT = 0.15


def add_view_flags(parser, refine: bool = True, refine_when: str = "") -> None:
    """Adds the command-line switches of `Predictor`'s views: `--no_rotations`, and `--no_refine` with `refine`.

    `view_options(args)` turns them into `Predictor`'s keyword arguments.

    Args:
      parser: an `argparse.ArgumentParser`.
      refine: also add `--no_refine` (for tools that predict photos, not square inputs).
      refine_when: a prefix for `--no_refine`'s help naming when it applies.
    """
    if refine:
        parser.add_argument("--no_refine", action="store_true",
                            help=f"{refine_when}skip the second pass on a crop around the card")
    parser.add_argument("--no_rotations", action="store_true",
                        help="predict each pass once, not turned four ways with the answers combined (4x faster; "
                             "the score training validates with; for models trained on cards turned less than "
                             "all the way round)")


def view_options(args) -> dict:
    """`Predictor(model, **view_options(args))` for the flags of `add_view_flags(parser)`."""
    return {"refine": not args.no_refine, "rotate": not args.no_rotations}


class Predictor:
    """Runs an inference model (`corner_model.build_model`) on photos.

    Args:
      model: the inference model; its input side is read from it.
      refine: run the second, cropped pass where the first found a card.
      rotate: predict every input turned by 0, 90, 180 and 270 degrees and
        combine the answers (`rotations.combine`, four times the work);
        otherwise the input as it is.
    """

    def __init__(self, model, refine: bool = True, rotate: bool = True):
        self.model = model
        self.size = int(model.input.shape[1])
        self.refine = refine
        self.turns = rotations.TURNS if rotate else rotations.TURNS[:1]
        self._infer = tf.function(lambda images: model(images, training=False), autograph=False)

    def predict_inputs(self, images: np.ndarray, batch_size: int = 32,
                       turns: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Predicts letterboxed inputs.

        Args:
          images: [N, S, S, 3] float32 RGB in 0..255.
          turns: the views to predict and combine (`rotations.TURNS` entries); None for the predictor's own.

        Returns:
          (corners [N, 4, 2] TL, TR, BR, BL in input pixels, presence [N]).
        """
        found = [self._predict_views(images[start:start + batch_size], turns or self.turns)[:2]
                 for start in range(0, len(images), batch_size)]
        return np.concatenate([corners for corners, _ in found]), np.concatenate([presence for _, presence in found])

    def _predict_views(self, images: np.ndarray, views: tuple) -> tuple[np.ndarray, np.ndarray, dict]:
        """Predicts [B, S, S, 3] inputs in every turn of `views` as one batch, and combines the views.

        Returns:
          (corners [B, 4, 2] in input pixels, presence [B], the model's outputs for the [V * B] views, view
          by view).
        """
        turned = np.concatenate([rotations.turn_images(images, turns) for turns in views])      # [V*B, S, S, 3]
        out = self._infer(tf.constant(turned, tf.float32))
        corners = out["coords"].numpy().reshape(len(views), len(images), 4, 2) * self.size      # [V, B, 4, 2]
        corners = np.stack([rotations.unturn_points(corners[view], turns, self.size)
                            for view, turns in enumerate(views)], axis=1)                       # [B, V, 4, 2]
        presence = out["presence"].numpy().reshape(len(views), len(images)).T                   # [B, V]
        return (*rotations.combine(corners, presence), out)

    @functools.cached_property
    def card_threshold(self) -> float | None:
        """The score at or above which the card head's answer is a card; None for models without one."""
        head = [layer for layer in self.model.layers if layer.name == "card_peaks"]
        return head[0].threshold if head else None

    def predict_photo(self, photo: np.ndarray, max_cards: int = 64, threshold: float | None = None) -> dict:
        """Finds every card in one photo, and the primary card: the whole card nearest its centre.

        The first pass sees the whole photo. Its card head (the unturned view)
        proposes every card; the proposals are refined on their crops
        (`_refine_proposals`), those on one card count once (`distinct_cards`),
        and the first `max_cards` left are listed nearest the centre first.

        The primary card is the first listed card, wherever the cards were
        refined and one was found: chosen by arithmetic, it picks the right one
        of nearly equidistant cards, which the corner head alone confuses. There
        the first pass is the unturned view alone (the rotation vote is for the
        second pass, where the cards are large), and `presence` is that view's.
        With `refine` off, or where no card is listed, the primary card is the
        corner head's answer on the whole photo in every view, voted, refined
        on its crop where `presence` is at least PRESENCE_THRESHOLD (a refined
        answer replaces the first only where it also sees a card and moves no
        corner by more than MAX_REFINE_SHIFT of the card's extent). A model
        saved before the card head lists its primary card alone, where its
        presence is at least PRESENCE_THRESHOLD.

        Args:
          photo: [H, W, 3] uint8 RGB as displayed (`letterbox.load_photo`).
          max_cards: list at most this many cards (the first distinct ones in the model's order).
          threshold: the card score at or above which an answer is a card; None takes the model's own
            (`card_threshold`).

        Returns:
          {"corners": [4, 2] the primary card, TL, TR, BR, BL in photo pixels, "presence": float (the first
           pass's), "first_pass": [4, 2] its corners before refinement, "cards": a list of {"corners": [4, 2]
           in photo pixels, "score": float, "orientation_confidence": float, "first_pass": [4, 2] the card
           head's corners}, nearest the centre first}.
        """
        image, frame = letterbox.letterbox(photo, self.size)
        listing = self.card_threshold is not None and self.refine
        corners, presence, out = self._predict_views(image[None], self.turns[:1] if listing else self.turns)
        cards = self._listed_cards(photo, frame, out, max_cards, threshold) if self.card_threshold is not None else []
        if cards and self.refine:
            return {"corners": cards[0]["corners"], "presence": float(presence[0]),
                    "first_pass": cards[0]["first_pass"], "cards": cards}
        if listing:                                      # no card listed: the corner head's answer, voted
            corners, presence, _ = self._predict_views(image[None], self.turns)
        corners, presence = frame.to_photo(corners[0]), float(presence[0])
        refined = self._refine(photo, corners[None])[0] if self.refine and presence >= PRESENCE_THRESHOLD else corners
        if self.card_threshold is None:
            cards = [{"corners": refined, "score": presence, "orientation_confidence": 1.0, "first_pass": corners}
                     ][:max_cards if presence >= PRESENCE_THRESHOLD else 0]
        return {"corners": refined, "presence": presence, "first_pass": corners, "cards": cards}

    def predict_cards(self, photo: np.ndarray, max_cards: int = 64, threshold: float | None = None) -> list[dict]:
        """Every card in one photo, nearest the centre first: `predict_photo(...)["cards"]`."""
        return self.predict_photo(photo, max_cards, threshold)["cards"]

    def _listed_cards(self, photo: np.ndarray, frame: letterbox.Letterbox, out: dict, max_cards: int,
                      threshold: float | None) -> list[dict]:
        """The card head's answers of the unturned first view (`out`) at the threshold, refined where `refine` is
        on, the distinct ones, the first `max_cards` of them, nearest the photo's centre first."""
        cards = out["cards"].numpy()[0] * self.size                                             # [K, 4, 2]
        scores, confidence = out["card_scores"].numpy()[0], out["card_orientation"].numpy()[0]  # [K], [K]
        keep = np.flatnonzero(scores >= (self.card_threshold if threshold is None else threshold))
        first = frame.to_photo(cards[keep])                                                     # [C, 4, 2]
        corners, chosen = self._kept_cards([photo], [first], [scores[keep]])[0]
        chosen = chosen[:max_cards]
        first, corners, keep = first[chosen], corners[chosen], keep[chosen]
        distance = np.linalg.norm(corners.mean(axis=1) - np.float32(photo.shape[1::-1]) / 2, axis=-1)
        return [{"corners": corners[i], "score": float(scores[keep[i]]),
                 "orientation_confidence": float(confidence[keep[i]]), "first_pass": first[i]}
                for i in np.argsort(distance, kind="stable")]

    def predict_input_cards(self, images: np.ndarray, batch_size: int = 32) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every card of square inputs: the card head's answers at the model's threshold, refined where
        `refine` is on (all crops of all inputs in batches).

        Args:
          images: [N, S, S, 3] uint8 (or float32 in 0..255) RGB.

        Returns:
          Per input, (cards [C, 4, 2] TL, TR, BR, BL in input pixels, scores [C]), in `CardPeaks`'s order.
        """
        found = [self._input_cards(images[start:start + batch_size]) for start in range(0, len(images), batch_size)]
        cards, scores = (np.concatenate([part[index] for part in found]) for index in (0, 1))   # [N, K, 4, 2], [N, K]
        kept_scores = [row[row >= self.card_threshold] for row in scores]
        quads = [found[row >= self.card_threshold] for found, row in zip(cards, scores)]
        return [(corners[chosen], row[chosen])
                for (corners, chosen), row in zip(self._kept_cards(list(images), quads, kept_scores), kept_scores)]

    def _kept_cards(self, photos: list[np.ndarray], quads: list[np.ndarray],
                    scores: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each photo's proposals [C, 4, 2] (photo pixels) with their scores [C], refined where `refine` is on
        (`_refine_proposals`): per photo, (corners [C, 4, 2], the indices of the distinct ones, `distinct_cards`)."""
        corners = self._refine_proposals(photos, quads) if self.refine else quads
        return [(found, distinct_cards(found, row)) for found, row in zip(corners, scores)]

    def _input_cards(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cards [B, K, 4, 2] in input pixels, scores [B, K], orientation confidence [B, K]) of square inputs."""
        out = self._infer(tf.constant(images, tf.float32))
        return out["cards"].numpy() * self.size, out["card_scores"].numpy(), out["card_orientation"].numpy()

    def predict_region(self, photo: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, float]:
        """The card in the photo region box = (x0, y0, x1, y1): corners [4, 2] in photo pixels, presence."""
        x0, y0, x1, y1 = box
        image, frame = letterbox.letterbox(photo[y0:y1, x0:x1], self.size)
        corners, presence = self.predict_inputs(image[None])
        return frame.to_photo(corners[0]) + np.array([x0, y0], np.float32), float(presence[0])

    def _refine(self, photo: np.ndarray, quads: np.ndarray) -> np.ndarray:
        """The second pass for one photo's [C, 4, 2] first-pass quads (photo pixels): `refine_quads`."""
        return self.refine_quads([photo], [quads])[0]

    def _refine_proposals(self, photos: list[np.ndarray], quads: list[np.ndarray]) -> list[np.ndarray]:
        """The second pass for the card head's proposals, twice: on the proposal's crop, kept where it answers
        the same card (`same_card`: the head's corners can be far off, so the shift rule would refuse them),
        then on the crop of that answer, as the corner path's own first pass is refined. The first look only
        places the second's crop, which does not depend on the corners' order, so it is the unturned view alone:
        the rotation vote is the second look's."""
        return self.refine_quads(photos, self.refine_quads(photos, quads, same_card=True))

    def refine_quads(self, photos: list[np.ndarray], quads: list[np.ndarray],
                     same_card: bool = False) -> list[np.ndarray]:
        """The second pass for each photo's [C, 4, 2] first-pass quads (photo pixels), the crops in batches: each
        quad's crop (`crop_box`) letterboxed and read again in the predictor's views, where the card is large.

        `predict_photo` refines its answers with it; a benchmark can refine quads of its own (the live path's
        tracked crop is this look in one view: `benchmarks/orientation.py`).

        A refined quad replaces the first only where the crop also holds a card and
        no corner moves by more than MAX_REFINE_SHIFT of the quad's extent, whichever
        corner it names first (`rotations.order_free_shift`: the crop's reading of the face wins); with
        `same_card`, where its centre lies inside the first quad instead, and the
        crops are seen in the unturned view alone.
        """
        owners = [index for index, photo_quads in enumerate(quads) for _ in photo_quads]
        if not owners:
            return quads
        first = np.concatenate(quads).astype(np.float32)                                        # [Q, 4, 2]
        boxes = [crop_box(quad, photos[owner].shape[1], photos[owner].shape[0]) for quad, owner in zip(first, owners)]
        crops = [letterbox.letterbox(photos[owner][y0:y1, x0:x1], self.size)
                 for owner, (x0, y0, x1, y1) in zip(owners, boxes)]
        corners, presence = self.predict_inputs(np.stack([image for image, _ in crops]),       # [Q, 4, 2], [Q]
                                                turns=self.turns[:1] if same_card else None)
        refined = np.stack([frame.to_photo(found) + np.float32(box[:2])
                            for found, (_, frame), box in zip(corners, crops, boxes)])
        if same_card:
            agrees = np.array([_inside(quad.mean(axis=0), proposal) for quad, proposal in zip(refined, first)])
        else:
            extent = (first.max(axis=1) - first.min(axis=1)).max(axis=-1)                      # [Q]
            agrees = rotations.order_free_shift(refined, first) <= MAX_REFINE_SHIFT * extent
        accept = (presence >= PRESENCE_THRESHOLD) & agrees
        chosen = np.where(accept[:, None, None], refined, first).astype(np.float32)
        return np.split(chosen, np.cumsum([len(photo_quads) for photo_quads in quads])[:-1])


def distinct_cards(quads: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Which of [C, 4, 2] answers to keep, in their order: each unless its centre lies inside an answer kept
    before it with a higher score.

    Two proposals of one card (neighbouring peaks) refine to the same quad; two whole cards
    never hold each other's centre (at most a tenth of a whole card is hidden).

    Example:
    >>> card = np.float32([[0, 0], [60, 0], [60, 90], [0, 90]])
    >>> distinct_cards(np.stack([card, card + 3, card + 100]), np.float32([0.5, 0.9, 0.4])).tolist()
    [1, 2]
    """
    kept = []
    for index in np.argsort(-np.asarray(scores), kind="stable"):
        centre = quads[index].mean(axis=0)
        if not any(_inside(centre, quads[other]) for other in kept):
            kept.append(index)
    return np.sort(np.asarray(kept, np.int64))


def _inside(point: np.ndarray, quad: np.ndarray) -> bool:
    """Whether a point lies inside a convex quad [4, 2] (either way round)."""
    edges = np.roll(quad, -1, axis=0) - quad
    cross = edges[:, 0] * (point[1] - quad[:, 1]) - edges[:, 1] * (point[0] - quad[:, 0])
    return bool((cross >= 0).all() or (cross <= 0).all())


def crop_box(corners: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """The crop the second look reads around a [4, 2] quad, (x0, y0, x1, y1) in whole pixels of a width x height
    photo: the quad's bounding box grown by CROP_MARGIN of its longer side on every side, square where the photo
    allows (the browser's `cropBox`; the live path crops so too).

    Example:
    >>> crop_box(np.float32([[100, 100], [160, 100], [160, 190], [100, 190]]), 640, 480)
    (67, 82, 193, 208)
    """
    low, high = corners.min(axis=0), corners.max(axis=0)
    side = (high - low).max() * (1 + 2 * CROP_MARGIN)
    centre = (low + high) / 2
    x0, y0 = np.floor(centre - side / 2).astype(int)
    x1, y1 = np.ceil(centre + side / 2).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return 0, 0, width, height
    return int(x0), int(y0), int(x1), int(y1)
