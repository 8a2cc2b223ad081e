"""Corner scores in photo pixels, shared by validation, `model.evaluate` and the benchmarks.

A prediction is scored per image by its per-corner Euclidean errors against the
labelled card. Where several cards are equally near the centre (the real-photo
set's `equally_near`), any of them answers the question, so the candidate with
the smallest worst-corner error is used. Order-aware scores need TL, TR, BR, BL
as the card reads upright; order-free scores take the best cyclic shift of the
prediction, so a card found on the right corners but in the wrong rotation
counts as found. Errors are normalised by the photo's longer side, so photos of
any resolution score alike: "1024" metrics are errors as if the longer side
were 1024 px, "input" metrics as if it were the model's input side.

All functions are pure numpy.
"""

import numpy as np

PCK_THRESHOLDS = (5, 10, 20)  # px at 1024 scale
WITHIN_FRACTION = 0.03        # of the longer side, for `within3`
PRESENCE_THRESHOLD = 0.5
_CORNER_SCORES = ("mean_px_input", "mean_px_1024", *(f"pck{t}" for t in PCK_THRESHOLDS), "mean_frac",
                  "worst_frac_mean", "worst_frac_median", "within3")


def candidates(record: dict) -> np.ndarray:
    """The cards that answer an annotation record: its `corners` and any `equally_near` ties.

    Args:
      record: from `augment_tf.annotations.read_annotations`.

    Returns:
      [K, 4, 2] float32, the labelled card first.
    """
    ties = [record["cards"][i] for i in record.get("equally_near", []) if i != 0]
    return np.stack([record["corners"], *ties]).astype(np.float32)


def _padded(targets, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Targets as [N, K, 4, 2] candidates and a [N, K] mask of the real ones."""
    targets = [np.asarray(t, np.float64).reshape([-1, 4, 2]) for t in targets]   # [4, 2] -> [1, 4, 2]
    if len(targets) != count:
        raise ValueError(f"Expected one target set per prediction. Received: {len(targets)} for {count}")
    if any(len(t) == 0 for t in targets):
        raise ValueError("Every image needs at least one candidate card. Received: an empty target set")
    most = max((len(t) for t in targets), default=1)
    padded = np.zeros([count, most, 4, 2])
    valid = np.zeros([count, most], bool)
    for index, target in enumerate(targets):
        padded[index, :len(target)] = target
        valid[index, :len(target)] = True
    return padded, valid


def corner_errors(pred: np.ndarray, targets, order_free: bool) -> np.ndarray:
    """Per-corner errors against the best-matching candidate card.

    Args:
      pred: [N, 4, 2] predicted corners, photo pixels, TL, TR, BR, BL.
      targets: one [N, 4, 2] array, or a list of N [K_i, 4, 2] arrays of
        candidate cards (ties), in photo pixels.
      order_free: if True, also try the 4 cyclic shifts of each prediction.

    Returns:
      [N, 4] Euclidean errors in photo pixels, for the (shift, candidate) pair
      with the smallest worst-corner error.
    """
    pred = np.asarray(pred, np.float64).reshape([-1, 4, 2])
    cards, valid = _padded(targets, len(pred))                             # [N, K, 4, 2], [N, K]
    shifts = range(4) if order_free else range(1)
    tries = np.stack([np.roll(pred, shift, axis=1) for shift in shifts], axis=1)   # [N, S, 4, 2]
    errors = np.linalg.norm(tries[:, :, None] - cards[:, None], axis=-1)  # [N, S, K, 4]
    worst = np.where(valid[:, None], errors.max(-1), np.inf)               # [N, S, K]
    best = worst.reshape([len(pred), -1]).argmin(-1)                        # [N]
    return errors.reshape([len(pred), -1, 4])[np.arange(len(pred)), best]


def per_image(pred: np.ndarray, targets, photo_sizes: np.ndarray) -> dict[str, np.ndarray]:
    """Each image's worst corner error as a fraction of its longer side.

    Args:
      pred, targets: as for `corner_errors`.
      photo_sizes: [N, 2] (width, height) of the photos as displayed.

    Returns:
      {"worst_frac_aware": [N], "worst_frac_free": [N]}.
    """
    longer = np.max(np.asarray(photo_sizes, np.float64), axis=-1)          # [N]
    return {f"worst_frac_{kind}": corner_errors(pred, targets, kind == "free").max(-1) / longer
            for kind in ("aware", "free")}


def summarize(pred: np.ndarray, targets, photo_sizes: np.ndarray, input_size: int,
              presence: np.ndarray | None = None, present: np.ndarray | None = None) -> dict[str, float]:
    """The scores that validation and the benchmarks report.

    Args:
      pred, targets: as for `corner_errors`.
      photo_sizes: [N, 2] (width, height) of the photos as displayed.
      input_size: the model's input side, for `mean_px_input`.
      presence: [N] predicted probabilities that a whole card is in the photo.
        Defaults to None (no `presence_accuracy`).
      present: [N] bool, whether a card is labelled; corner scores cover only
        these images. Defaults to None (all images).

    Returns:
      For each suffix `_aware` and `_free`: `mean_px_input`, `mean_px_1024`,
      `pck5`, `pck10`, `pck20` (share of corners within that many px at 1024
      scale), `mean_frac` (mean corner error / longer side), `worst_frac_mean`,
      `worst_frac_median` (per image worst corner / longer side), `within3`
      (share of images whose worst corner is within 3% of the longer side);
      `count` (images scored); and `presence_accuracy` when presence and present
      are given. Scores over no images are NaN.
    """
    pred = np.asarray(pred, np.float64).reshape([-1, 4, 2])
    longer = np.max(np.asarray(photo_sizes, np.float64), axis=-1)          # [N]
    scored = np.ones(len(pred), bool) if present is None else np.asarray(present, bool)
    chosen = [t for t, keep in zip(targets, scored, strict=True) if keep]
    result = {"count": float(scored.sum())}
    for kind in ("aware", "free"):
        if not scored.any():
            result.update({f"{name}_{kind}": float("nan") for name in _CORNER_SCORES})
            continue
        frac = corner_errors(pred[scored], chosen, kind == "free") / longer[scored, None]   # [M, 4]
        worst = frac.max(-1)                                                # [M]
        result[f"mean_px_input_{kind}"] = float(np.mean(frac * input_size))
        result[f"mean_px_1024_{kind}"] = float(np.mean(frac * 1024))
        for threshold in PCK_THRESHOLDS:
            result[f"pck{threshold}_{kind}"] = float(np.mean(frac * 1024 <= threshold))
        result[f"mean_frac_{kind}"] = float(np.mean(frac))
        result[f"worst_frac_mean_{kind}"] = float(np.mean(worst))
        result[f"worst_frac_median_{kind}"] = float(np.median(worst))
        result[f"within3_{kind}"] = float(np.mean(worst <= WITHIN_FRACTION))
    if presence is not None and present is not None:
        said = np.asarray(presence, np.float64) > PRESENCE_THRESHOLD
        result["presence_accuracy"] = float(np.mean(said == np.asarray(present, bool)))
    return result

