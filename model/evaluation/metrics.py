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


def labelled_cards(record: dict) -> np.ndarray:
    """Every whole card an annotation record labels: its `cards`, or its `corners` alone where it has none.

    Returns:
      [K, 4, 2] float32, nearest the centre first.
    """
    cards = record.get("cards")
    if cards is None or not len(cards):
        return np.asarray(record["corners"], np.float32)[None]
    return np.asarray(cards, np.float32).reshape([-1, 4, 2])


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
    return _best_match(pred, targets, order_free)[0]


def turns_read(pred: np.ndarray, targets) -> np.ndarray:
    """[N] int: the shift k of `np.roll(answer, k, axis=0)` that names the corners of each answer's best-matching
    candidate card as they are (`corner_errors` order-free): 0 read upright, 2 read half round, 1 and 3 a quarter
    turn either way.

    Example:
    >>> card = np.array([[0, 0], [63, 0], [63, 88], [0, 88]], float)
    >>> turns_read(np.stack([card, np.roll(card, 2, axis=0), np.roll(card, 1, axis=0)]), np.stack([card] * 3))
    array([0, 2, 3])
    """
    return _best_match(pred, targets, order_free=True)[1]


def _best_match(pred: np.ndarray, targets, order_free: bool) -> tuple[np.ndarray, np.ndarray]:
    """`corner_errors` [N, 4] and the cyclic shift of the prediction it chose, [N] in 0..3."""
    pred = np.asarray(pred, np.float64).reshape([-1, 4, 2])
    cards, valid = _padded(targets, len(pred))                             # [N, K, 4, 2], [N, K]
    shifts = range(4) if order_free else range(1)
    tries = np.stack([np.roll(pred, shift, axis=1) for shift in shifts], axis=1)   # [N, S, 4, 2]
    errors = np.linalg.norm(tries[:, :, None] - cards[:, None], axis=-1)  # [N, S, K, 4]
    worst = np.where(valid[:, None], errors.max(-1), np.inf)               # [N, S, K]
    best = worst.reshape([len(pred), -1]).argmin(-1)                        # [N]
    return errors.reshape([len(pred), -1, 4])[np.arange(len(pred)), best], best // cards.shape[1]


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


def read_turned(worst: dict[str, np.ndarray]) -> np.ndarray:
    """[N] bool: the card was found but read turned: its worst corner is within WITHIN_FRACTION order-free,
    not order-aware (the right corners, named from another side of the card).

    Args:
      worst: `per_image`'s {"worst_frac_aware": [N], "worst_frac_free": [N]}.

    Example:
    >>> read_turned({"worst_frac_aware": np.array([0.01, 0.5, 0.5]), "worst_frac_free": np.array([0.01, 0.01, 0.5])})
    array([False,  True, False])
    """
    return (worst["worst_frac_free"] <= WITHIN_FRACTION) & (worst["worst_frac_aware"] > WITHIN_FRACTION)


def by_group(pred: np.ndarray, targets, photo_sizes: np.ndarray, groups,
             present: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """Scores per group of images (a card's layout family, its border colour), to see which cards fail.

    Args:
      pred, targets: as for `corner_errors`.
      photo_sizes: [N, 2] (width, height) of the photos as displayed.
      groups: [N] each image's group name.
      present: [N] bool, whether a card is labelled; only these images are
        scored. Defaults to None (all images).

    Returns:
      {group: {"count", "worst_frac_median_free" (the median worst corner,
       order-free, / longer side), "within3_free", "within3_aware" (shares within
       WITHIN_FRACTION), "turned" (the share `read_turned`), "half_turned" (the share
       read turned by a half turn, `turns_read`; the rest of "turned" a quarter turn)}},
       groups sorted by name; a group with no scored image is left out.

    Example:
    >>> card = np.array([[0, 0], [63, 0], [63, 88], [0, 88]], float)
    >>> scores = by_group(np.stack([card, np.roll(card, 1, axis=0)]), np.stack([card, card]), [[100, 100]] * 2,
    ...                   ["black", "white"])
    >>> scores["black"]["turned"], scores["white"]["turned"], scores["white"]["within3_free"]
    (0.0, 1.0, 1.0)
    """
    worst = per_image(pred, targets, photo_sizes)
    turned = read_turned(worst)
    half = turned & (turns_read(pred, targets) == 2)
    groups = np.asarray(groups, str)
    scored = np.ones(len(groups), bool) if present is None else np.asarray(present, bool)
    result = {}
    for group in sorted(set(groups[scored])):
        chosen = scored & (groups == group)
        free, aware = worst["worst_frac_free"][chosen], worst["worst_frac_aware"][chosen]
        result[str(group)] = {"count": float(chosen.sum()), "worst_frac_median_free": float(np.median(free)),
                              "within3_free": float(np.mean(free <= WITHIN_FRACTION)),
                              "within3_aware": float(np.mean(aware <= WITHIN_FRACTION)),
                              "turned": float(np.mean(turned[chosen])), "half_turned": float(np.mean(half[chosen]))}
    return result


def group_table(scores: dict[str, dict[str, float]], title: str = "group") -> str:
    """`by_group`'s scores as a markdown table, one row a group, shares in %.

    Example:
    >>> print(group_table({"1993": {"count": 4.0, "worst_frac_median_free": 0.012, "within3_free": 0.75,
    ...                             "within3_aware": 0.5, "turned": 0.25}}, "family"))
    | family | photos | median worst, order-free | within 3%, order-free | within 3%, order-aware | read turned |
    |---|---|---|---|---|---|
    | 1993 | 4 | 1.2% | 75% | 50% | 25% |
    """
    header = (f"| {title} | photos | median worst, order-free | within 3%, order-free | within 3%, order-aware "
              "| read turned |")
    lines = [header, "|---|---|---|---|---|---|"]
    for group, row in scores.items():
        lines.append(f"| {group} | {row['count']:.0f} | {100 * row['worst_frac_median_free']:.1f}% | "
                     f"{100 * row['within3_free']:.0f}% | {100 * row['within3_aware']:.0f}% | "
                     f"{100 * row['turned']:.0f}% |")
    return "\n".join(lines)


def group_tables(groups: dict[str, dict[str, dict[str, float]]]) -> str:
    """`group_table`s of `validation.synthetic_groups`' {"family": ..., "border": ...}, each after a blank line
    ("" for none), as `model.evaluate`, train.py and the budget run print them."""
    titles = {"family": "layout family", "border": "border colour"}
    return "".join(f"\n\n{group_table(groups[key], title)}" for key, title in titles.items() if groups.get(key))


# Every card in the frame (issue 20). A photo's labelled cards and a method's scored predictions are matched
# one to one, greedily by error; a match counts when its worst corner, order-free, is within a tolerance.
CARD_TOLERANCES = {"card5": ("card", 0.05), "card2": ("card", 0.02), "photo3": ("photo", 0.03)}
OVERLAP_SHARE = 0.02          # of the smaller card's area: two labelled cards overlapping more than this overlap
SCENE_KINDS = ("one", "few", "grid", "overlapping")   # 1 card, 2-4, 5 or more, any two overlapping


def card_sides(cards: np.ndarray) -> np.ndarray:
    """Each card's longer side as seen: its longest edge, in photo pixels.

    Args:
      cards: [K, 4, 2] corners in photo pixels.

    Returns:
      [K] float64.

    Example:
    >>> card_sides(np.array([[[0, 0], [63, 0], [63, 88], [0, 88]]]))
    array([88.])
    """
    cards = np.asarray(cards, np.float64).reshape([-1, 4, 2])
    return np.linalg.norm(np.roll(cards, -1, axis=1) - cards, axis=-1).max(-1)   # [K]


def pair_errors(pred: np.ndarray, cards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The worst corner error of every (prediction, labelled card) pair, in photo pixels.

    Args:
      pred: [P, 4, 2] predicted cards; cards: [K, 4, 2] labelled cards.

    Returns:
      ([P, K] order-free (best cyclic shift of the prediction), [P, K] order-aware).
    """
    pred = np.asarray(pred, np.float64).reshape([-1, 4, 2])
    cards = np.asarray(cards, np.float64).reshape([-1, 4, 2])
    tries = np.stack([np.roll(pred, shift, axis=1) for shift in range(4)], axis=1)    # [P, 4, 4, 2]
    worst = np.linalg.norm(tries[:, :, None] - cards[None, None], axis=-1).max(-1)   # [P, S, K]
    return worst.min(1), worst[:, 0]


def match_cards(pred: np.ndarray, scores: np.ndarray, cards: np.ndarray,
                tolerance: np.ndarray) -> np.ndarray:
    """Matches predictions to labelled cards one to one, greedily by order-free error relative to `tolerance`.

    The pair with the smallest error / tolerance is matched first, then the next
    among the unmatched, until no pair within its card's tolerance is left. Equal
    errors go to the higher score, then to the earlier prediction and card (the
    labels list the card nearest the centre first). So a duplicate prediction of
    a matched card, or one near no card, stays unmatched: a false card.

    Args:
      pred: [P, 4, 2] predicted cards; scores: [P] their scores.
      cards: [K, 4, 2] labelled cards.
      tolerance: [K] the largest worst-corner error, in pixels, that matches each card.

    Returns:
      [M, 2] int (prediction index, card index) pairs, in the order matched.

    Example:
    >>> card = np.array([[0, 0], [63, 0], [63, 88], [0, 88]], float)
    >>> cards = np.stack([card, card + [100, 0]])
    >>> pred = np.stack([cards[1] + 1, cards[1] + 2, card + 50])   # card 1 twice, then something between
    >>> match_cards(pred, np.ones(3), cards, np.full(2, 5.0)).tolist()
    [[0, 1]]
    """
    free, _ = pair_errors(pred, cards)                                      # [P, K]
    return _match(free, scores, tolerance)


def _match(free: np.ndarray, scores: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """`match_cards` from the [P, K] order-free worst-corner errors of every prediction and card."""
    relative = free / np.asarray(tolerance, np.float64)                     # [P, K]
    p, k = np.nonzero(relative <= 1)
    order = np.lexsort((k, p, -np.asarray(scores, np.float64)[p], relative[p, k]))   # last key sorts first
    used_pred, used_card, pairs = set(), set(), []
    for i in order:
        if p[i] not in used_pred and k[i] not in used_card:
            used_pred.add(p[i])
            used_card.add(k[i])
            pairs.append((p[i], k[i]))
    return np.asarray(pairs, np.int64).reshape([-1, 2])


def scene_kind(cards: np.ndarray) -> str:
    """The kind of scene a photo's labelled cards make, for the per-kind split.

    "overlapping" when any two labelled cards overlap by more than OVERLAP_SHARE
    of the smaller one's area (cards that merely touch, or labels a few pixels
    apart, do not); otherwise by count: "one", "few" (2-4), "grid" (5 or more,
    the binder pages and spreads), or "none" for a photo without a whole card.

    Args:
      cards: [K, 4, 2] labelled cards in photo pixels.

    Example:
    >>> card = np.array([[0, 0], [63, 0], [63, 88], [0, 88]], float)
    >>> scene_kind(np.stack([card, card + [63, 0]])), scene_kind(np.stack([card, card + [30, 40]]))
    ('few', 'overlapping')
    """
    cards = np.asarray(cards, np.float64).reshape([-1, 4, 2])
    for i in range(len(cards)):
        for j in range(i + 1, len(cards)):
            smaller = min(_area(cards[i]), _area(cards[j]))
            if _area(_clip(cards[i], cards[j])) > OVERLAP_SHARE * smaller:
                return "overlapping"
    return "none" if not len(cards) else "one" if len(cards) == 1 else "few" if len(cards) <= 4 else "grid"


def _area(polygon) -> float:
    """The shoelace area of a [V, 2] polygon (0 for fewer than 3 vertices)."""
    x, y = np.asarray(polygon, np.float64).reshape([-1, 2]).T
    return 0.0 if len(x) < 3 else float(abs(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2)


def _clip(subject: np.ndarray, clipper: np.ndarray) -> np.ndarray:
    """[V, 2] the part of convex polygon `subject` inside convex polygon `clipper` (Sutherland-Hodgman)."""
    x, y = clipper.T
    sign = np.sign(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))   # the clipper's winding
    points = list(subject)
    for a, b in zip(clipper, np.roll(clipper, -1, axis=0)):
        side = [sign * _cross(b - a, point - a) for point in points]       # >= 0: inside this edge
        kept = []
        for i, point in enumerate(points):
            previous, before = points[i - 1], side[i - 1]
            if (side[i] >= 0) != (before >= 0):                              # the edge crosses the line
                kept.append(previous + (point - previous) * before / (before - side[i]))
            if side[i] >= 0:
                kept.append(point)
        points = kept
        if not points:
            break
    return np.asarray(points, np.float64).reshape([-1, 2])


def _cross(u: np.ndarray, v: np.ndarray) -> float:
    """The z of the cross product of two [2] vectors (np.cross of 2-vectors is deprecated)."""
    return float(u[0] * v[1] - u[1] * v[0])


def score_cards(pred: np.ndarray, scores: np.ndarray, cards: np.ndarray, photo_size,
                threshold: float = PRESENCE_THRESHOLD) -> dict:
    """One photo's multi-card counts at each of CARD_TOLERANCES.

    Predictions scoring below `threshold` are dropped first.

    Args:
      pred: [P, 4, 2] predicted cards (P may be 0); scores: [P].
      cards: [K, 4, 2] labelled cards, photo pixels.
      photo_size: (width, height) as displayed.

    Returns:
      {"kind": scene_kind(cards), "labelled": K, "found": predictions kept,
       "nearest": [K] each card's order-free worst-corner error from the kept
       prediction nearest it, as a share of the card's side (None without one:
       what a miss's reason starts from), and for each tolerance name t:
       "matched_t" (cards matched), "ordered_t" (of those, the ones also within
       the tolerance order-aware)}.

    Example:
    >>> card = np.array([[0, 0], [63, 0], [63, 88], [0, 88]], float)
    >>> row = score_cards(np.roll(card, 1, axis=0)[None] + 3, [0.9], card[None], (400, 300))
    >>> row["matched_card5"], row["ordered_card5"], row["matched_card2"], row["kind"], row["nearest"]
    (1, 0, 0, 'one', [0.0482])
    """
    pred = np.asarray(pred, np.float64).reshape([-1, 4, 2])
    scores = np.asarray(scores, np.float64).reshape([-1])
    cards = np.asarray(cards, np.float64).reshape([-1, 4, 2])
    keep = scores >= threshold
    pred, scores = pred[keep], scores[keep]
    row = {"kind": scene_kind(cards), "labelled": len(cards), "found": len(pred)}
    free, aware = pair_errors(pred, cards)                                  # [P, K] each
    sides = {"card": card_sides(cards), "photo": np.full(len(cards), max(photo_size), np.float64)}
    row["nearest"] = ([round(float(error), 4) for error in free.min(0) / sides["card"]] if len(pred)
                      else [None] * len(cards))                                  # [K]
    for name, (unit, share) in CARD_TOLERANCES.items():
        side = sides[unit]
        pairs = _match(free, scores, share * side)                          # [M, 2]
        row[f"matched_{name}"] = len(pairs)
        row[f"ordered_{name}"] = int(np.sum(aware[pairs[:, 0], pairs[:, 1]] <= share * side[pairs[:, 1]]))
    return row


def summarize_cards(rows: list[dict]) -> dict[str, float]:
    """Recall, precision, F1 and the share of photos found exactly, over `score_cards` rows.

    Returns:
      For each tolerance name t: `recall_t` (matched / labelled cards),
      `precision_t` (matched / kept predictions), `f1_t`, `ordered_t` (the share
      of matches also right order-aware) and `exact_t` (the share of photos with
      every card matched and no false card); `exact_card5_<kind>` and
      `photos_<kind>` for each of SCENE_KINDS; `cards` and `photos`. A share over
      nothing is NaN.

    Example:
    >>> card = np.array([[0, 0], [63, 0], [63, 88], [0, 88]], float)
    >>> three = np.stack([card, card + [100, 0], card + [200, 0]])
    >>> rows = [score_cards(card[None], [0.9], card[None], (400, 300)),                 # found
    ...         score_cards(np.stack([card, card + 300]), [0.9, 0.8], three, (400, 300))]   # 1 of 3, 1 false
    >>> scores = summarize_cards(rows)
    >>> scores["recall_card5"], scores["precision_card5"], scores["exact_card5"], scores["exact_card5_few"]
    (0.5, 0.6666666666666666, 0.5, 0.0)
    """
    labelled = sum(row["labelled"] for row in rows)
    found = sum(row["found"] for row in rows)
    result = {"cards": float(labelled), "photos": float(len(rows))}
    for name in CARD_TOLERANCES:
        matched = sum(row[f"matched_{name}"] for row in rows)
        recall, precision = _share(matched, labelled), _share(matched, found)
        result[f"recall_{name}"], result[f"precision_{name}"] = recall, precision
        result[f"f1_{name}"] = _share(2 * matched, labelled + found)       # = 2PR / (P + R)
        result[f"ordered_{name}"] = _share(sum(row[f"ordered_{name}"] for row in rows), matched)
        result[f"exact_{name}"] = _share(sum(_exact(row, name) for row in rows), len(rows))
    for kind in SCENE_KINDS:
        chosen = [row for row in rows if row["kind"] == kind]
        result[f"photos_{kind}"] = float(len(chosen))
        result[f"exact_card5_{kind}"] = _share(sum(_exact(row, "card5") for row in chosen), len(chosen))
    return result


def _exact(row: dict, name: str) -> bool:
    """Every labelled card matched at tolerance `name`, and nothing else predicted."""
    return row[f"matched_{name}"] == row["labelled"] == row["found"]


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole else float("nan")
