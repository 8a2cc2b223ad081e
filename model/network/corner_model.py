"""The corner model: backbone, FPN decoder to stride 4, and three heads.

    image [B, S, S, 3] RGB 0..255
      -> Normalize -> backbone features at strides 4, 8, 16
      -> FPN decoder (its stride-16 top given the frame's coordinates: `frame_context`)
         -> P2 [B, S/4, S/4, D]
      -> heatmap logits [B, S/4, S/4, 4] -> SoftArgmax -> corners in channel order
      -> orientation logits [B, 4] (features pooled under each heatmap, at a grid of points over
         the card in the channels' frame, and the corners' layout: which channels span the long
         edges) -> FaceOrder -> ConvexOrder
      -> presence logit [B] (global pool of the stride-16 features)
      -> its own top-down path to stride 4 (no frame context), then the card head
         (every whole card, CenterNet-style): centre logits [B, S/4, S/4, 1], each cell's
         card corners as offsets [B, S/4, S/4, 8] and their orientation [B, S/4, S/4, 4]
         -> CardPeaks -> up to K cards [B, K, 4, 2] and scores [B, K], nearest the centre first

`build_model` returns the inference model (`coords`, `presence`, `heatmaps` for the
card nearest the centre; `cards`, `card_scores`, `card_orientation` for every card),
the one saved as `best.keras` and exported to TF.js. `training_view` returns the
same layers' raw outputs (whole-map coordinates in channel order, logits) that
`model.training.losses` trains, plus a training-only head: the answered card's mask at
stride 4, which makes the decoder tell that card's pixels from its neighbours'.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

import keras

from model.layers.card_peaks import CardPeaks
from model.layers.convex_order import ConvexOrder
from model.layers.corner_pooling import CardGridPooling, CentredCorners, CornerPooling
from model.layers.face_order import FaceOrder
from model.layers.frame_context import CoordinateChannels, GlobalAttention
from model.layers.normalize import Normalize
from model.layers.quad_peaks import QuadPeaks
from model.layers.soft_argmax import SoftArgmax
from model.network import backbones

HEATMAP_STRIDE = 4
DECODER_OUTPUT = "fpn1_relu"         # the last decoder layer: P2 [B, S/4, S/4, D]
_CENTRE_PRIOR_BIAS = -4.6            # the card-centre logits start at a probability of 1% (CenterNet's focal prior)
CONTEXTS = ("none", "coords", "attention")
# What a run's config.json written before a `ModelConfig` field existed built: the value that leaves it out.
UNRECORDED = {"orientation_grid": 0}


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """What the network looks like.

    Attributes:
      backbone: a key of `backbones.BACKBONES`.
      input_size: the square input side in pixels, a multiple of 16.
      alpha: MobileNet width multiplier.
      decoder_channels: width of the FPN decoder.
      bn_momentum: momentum of the backbone's BatchNormalization layers (see `backbones`).
      window: radius in heatmap cells around each peak that `QuadPeaks` weighs and
        takes the corner's expectation from at inference.
      context: what the decoder adds at stride 16 to pick the card nearest the centre
        (`model.layers.frame_context`): "none"; "coords", the cells' positions; "attention",
        the positions and one global self-attention layer.
      orientation_grid: G, the orientation head also reads the decoder's features at G x G points
        over the card (`CardGridPooling`); 0 leaves them out (models before 2026-12-07).
      max_cards: K, how many cards the `cards` output holds (`CardPeaks`).
      card_threshold: the card score at or above which an answer is a card.
    """
    backbone: str = "mobilenet_v2"
    input_size: int = 160
    alpha: float = 0.5
    decoder_channels: int = 64
    bn_momentum: float = 0.9
    window: float = 4.0
    context: str = "coords"
    orientation_grid: int = 4
    max_cards: int = 64
    card_threshold: float = 0.3

    def __post_init__(self):
        if self.backbone not in backbones.BACKBONES:
            raise ValueError(f"ModelConfig.backbone must be one of {sorted(backbones.BACKBONES)}. "
                             f"Received: {self.backbone!r}")
        if self.context not in CONTEXTS:
            raise ValueError(f"ModelConfig.context must be one of {list(CONTEXTS)}. Received: {self.context!r}")
        if self.input_size < 32 or self.input_size % 16:
            raise ValueError(f"ModelConfig.input_size must be a multiple of 16, at least 32. "
                             f"Received: {self.input_size}")
        if self.orientation_grid < 0:
            raise ValueError(f"ModelConfig.orientation_grid must be at least 0. Received: {self.orientation_grid}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "ModelConfig":
        """The config from those entries of `settings` that name a field (a preset, parsed flags); the rest are ignored.

        >>> ModelConfig.from_settings({"input_size": 224, "alpha": 1.0, "batch_size": 16}).input_size
        224
        """
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in settings.items() if name in fields})

    @property
    def heatmap_size(self) -> int:
        return self.input_size // HEATMAP_STRIDE


def build_model(config: ModelConfig, weights: str | None = None) -> keras.Model:
    """Builds the inference model.

    Args:
      config: the architecture.
      weights: backbone weights (`backbones.resolve_weights`); None for random.

    Returns:
      A functional model from [B, S, S, 3] float32 RGB in 0..255 to
      {"coords": [B, 4, 2] TL, TR, BR, BL in 0..1 of the input,
       "presence": [B] probability that the frame holds a whole card,
       "heatmaps": [B, S/4, S/4, 4] each channel's probability map (channel order),
       "cards": [B, K, 4, 2] every card's TL, TR, BR, BL in 0..1, those scoring at least
         `card_threshold` first, nearest the centre first (`CardPeaks`),
       "card_scores": [B, K] the probability that each is a whole card,
       "card_orientation": [B, K] the probability of each card's face order}.
    """
    size = config.input_size
    images = keras.Input([size, size, 3], name="image")
    normalized = Normalize(backbones.BACKBONES[config.backbone].normalization, name="normalize")(images)
    c2, c3, c4 = backbones.build_features(config.backbone, normalized, weights, config.alpha, config.bn_momentum)
    p2 = _fpn(c2, c3, c4, config.decoder_channels, config.context)
    logits = keras.layers.Conv2D(4, 3, padding="same", dtype="float32", name="heatmap_logits")(p2)
    channel_coords, heatmaps = SoftArgmax(name="soft_argmax")(logits)
    pooled = CornerPooling(name="corner_pooling")(heatmaps, p2)                     # [B, 4, D]
    shape = CentredCorners(name="corner_shape")(channel_coords)                    # [B, 8]: where the channels sit
    features = [keras.layers.Flatten()(pooled), shape]
    if config.orientation_grid:
        features.append(keras.layers.Flatten()(CardGridPooling(config.orientation_grid, name="card_grid_pooling")(
            channel_coords, p2)))                                                        # [B, G * G * D]
    features = keras.layers.Concatenate(name="orientation_features")(features)
    hidden = keras.layers.Dense(64, activation="relu", name="orientation_hidden")(features)
    orientation = keras.layers.Dense(4, dtype="float32", name="orientation_logits")(hidden)
    presence_logit = keras.layers.Reshape([], name="presence_logit")(
        keras.layers.Dense(1, dtype="float32", name="presence_dense")(keras.layers.GlobalAveragePooling2D()(c4)))
    peak_coords = QuadPeaks(config.window, dtype="float32", name="quad_peaks")(logits)
    coords = ConvexOrder(name="coords")(FaceOrder(name="face_order")(peak_coords, orientation))
    presence = keras.layers.Activation("sigmoid", dtype="float32", name="presence")(presence_logit)
    card_features = _card_decoder(c2, c3, c4, config.decoder_channels // 2)
    cards, card_scores, card_orientation = CardPeaks(config.max_cards, config.card_threshold, name="card_peaks")(
        *_card_head(card_features, config.decoder_channels // 2))
    return keras.Model(images, {"coords": coords, "presence": presence, "heatmaps": heatmaps, "cards": cards,
                                "card_scores": card_scores, "card_orientation": card_orientation},
                       name=f"corners_{config.backbone}_{size}")


def training_view(model: keras.Model) -> keras.Model:
    """The same layers, with the raw outputs the losses need, and a new card-mask head.

    The mask head (one 3x3 convolution on the decoder's output) exists only
    here: it is trained, checkpointed with the view, and left out of `best.keras`.

    Returns:
      A model from the same input to {"coords": [B, 4, 2] whole-map expected
      corners in channel order, "heatmaps": [B, h, w, 4] probabilities,
      "orientation": [B, 4] logits, "presence": [B] logit, "mask": [B, h, w]
      logits of the answered card's pixels; and the card head's raw maps (`CardPeaks`'s
      inputs): "card_centre" [B, h, w] logits, "card_offsets" [B, h, w, 8],
      "card_orientation" [B, h, w, 4] logits}.
    """
    mask = keras.layers.Conv2D(1, 3, padding="same", dtype="float32", name="card_mask_logits")(
        model.get_layer(DECODER_OUTPUT).output)
    return keras.Model(model.input, {
        "mask": keras.layers.Reshape(mask.shape[1:3], name="card_mask")(mask),
        "coords": model.get_layer("soft_argmax").output[0],
        "heatmaps": model.get_layer("soft_argmax").output[1],
        "orientation": model.get_layer("orientation_logits").output,
        "presence": model.get_layer("presence_logit").output,
        "card_centre": keras.layers.Reshape(mask.shape[1:3], name="card_centre")(
            model.get_layer("card_centre_logits").output),
        "card_offsets": model.get_layer("card_offsets").output,
        "card_orientation": model.get_layer("card_orientation_logits").output}, name="training_view")


def _card_decoder(c2, c3, c4, channels: int):
    """The card head's own top-down path to stride 4, without the frame context.

    The corner decoder learns to single out the card nearest the centre (its
    frame context and card mask); the card head must see every card alike, so it
    shares the backbone but not that decoder.
    """
    top = keras.layers.Conv2D(channels, 1, name="cards_lateral16")(c4)                       # [B, S/16, S/16, D]
    for stride, lateral in ((8, c3), (4, c2)):
        top = keras.layers.UpSampling2D(2, name=f"cards_up{stride}")(top)
        top = keras.layers.Add(name=f"cards_add{stride}")([top, keras.layers.Conv2D(channels, 1,
                                                                                  name=f"cards_lateral{stride}")(lateral)])
    return _conv_gn_relu(top, channels, "cards_fpn")                                           # [B, S/4, S/4, D]


def _card_head(features, channels: int):
    """The card head on its decoder's output: one shared 3x3 convolution, then a 1x1 per map.

    Returns:
      (centre logits [B, h, w, 1], corner offsets [B, h, w, 8], orientation logits [B, h, w, 4]).
    """
    hidden = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name="card_head_conv")(features)
    centre = keras.layers.Conv2D(1, 1, dtype="float32", name="card_centre_logits",
                                 bias_initializer=keras.initializers.Constant(_CENTRE_PRIOR_BIAS))(hidden)
    offsets = keras.layers.Conv2D(8, 1, dtype="float32", name="card_offsets")(hidden)
    orientation = keras.layers.Conv2D(4, 1, dtype="float32", name="card_orientation_logits")(hidden)
    return centre, offsets, orientation


def _fpn(c2, c3, c4, channels: int, context: str):
    """A feature pyramid's top-down path, down to stride 4: 1x1 laterals, nearest upsampling, sums.

    With a `context`, the stride-16 top first gets the frame's coordinates and
    a 3x3 convolution, then (for "attention") one global self-attention layer.

    Its convolutions are group-normalised, not batch-normalised: with
    BatchNormalization right before the heatmap head, a briefly trained
    model's inference-mode error was 1.6x its training-mode error (moving
    statistics, even re-estimated with frozen weights, shifted the broad
    early heatmaps); with GroupNormalization the two agree.
    """
    top = keras.layers.Conv2D(channels, 1, name="fpn_lateral16")(c4)                        # [B, S/16, S/16, D]
    if context != "none":
        top = _conv_gn_relu(CoordinateChannels(name="frame_coords")(top), channels, "context")
    if context == "attention":
        top = GlobalAttention(name="frame_attention")(top)
    for stride, lateral in ((8, c3), (4, c2)):
        top = keras.layers.UpSampling2D(2, name=f"fpn_up{stride}")(top)
        top = keras.layers.Add(name=f"fpn_add{stride}")([top, keras.layers.Conv2D(channels, 1,
                                                                                name=f"fpn_lateral{stride}")(lateral)])
    for index in range(2):
        top = _conv_gn_relu(top, channels, f"fpn{index}")
    return top                                                                                  # [B, S/4, S/4, D]


def _conv_gn_relu(features, channels: int, name: str):
    """3x3 convolution, group normalisation, ReLU."""
    features = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False, name=f"{name}_conv")(features)
    features = keras.layers.GroupNormalization(8, name=f"{name}_gn")(features)
    return keras.layers.ReLU(name=f"{name}_relu")(features)
