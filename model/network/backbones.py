"""Feature extractors from `keras.applications`, cut at stride 16, with their weights resolved.

Each backbone gives three feature maps, at strides 4, 8 and 16 of the input,
for the decoder (`corner_model`). Stopping at stride 16 (ResNet-50's conv4, as
in the benchmarks) keeps enough resolution for corners and drops the costliest
quarter of the network.

`--weights`:
  * `none`: random initialisation;
  * `imagenet`: Keras's ImageNet weights (cached under ~/.keras/models, or
    downloaded); failing that, one clear error;
  * `auto`: ImageNet when Keras has them cached or their server answers within
    a few seconds, otherwise one warning and random initialisation;
  * a path: a Keras weights file for the backbone (what `imagenet` would load).
"""

import dataclasses
import importlib
import pathlib
import socket
import urllib.parse
import warnings

import keras
from keras.src.backend import config as keras_config

from model.errors import first_line

_PROBE_SECONDS = 3.0


class WeightsError(ValueError):
    """The requested backbone weights cannot be had; the message is one line naming the flag."""


@dataclasses.dataclass(frozen=True)
class Backbone:
    """A `keras.applications` constructor and where its stride-4/8/16 features are."""
    constructor: type
    feature_layers: tuple[str, str, str]
    normalization: str                  # `Normalize` mode its ImageNet weights expect
    weights_url: tuple[str, str]        # (keras module, attribute) of the weights' base URL, for the probe
    cache_prefix: str                   # file-name prefix of its cached weights under ~/.keras/models


BACKBONES = {
    "mobilenet_v2": Backbone(keras.applications.MobileNetV2,
                             ("block_3_expand_relu", "block_6_expand_relu", "block_13_expand_relu"),
                             "tf", ("keras.src.applications.mobilenet_v2", "BASE_WEIGHT_PATH"), "mobilenet_v2_weights"),
    "resnet50": Backbone(keras.applications.ResNet50,
                         ("conv2_block3_out", "conv3_block4_out", "conv4_block6_out"),
                         "caffe", ("keras.src.applications.resnet", "BASE_WEIGHTS_PATH"), "resnet50_weights"),
}


def build_features(name: str, inputs: keras.KerasTensor, weights: str | None, alpha: float,
                   bn_momentum: float) -> list[keras.KerasTensor]:
    """Builds backbone `name` on `inputs` (already normalised) and returns its stride-4/8/16 features.

    Args:
      name: a key of `BACKBONES`.
      inputs: [B, S, S, 3] normalised images.
      weights: None, "imagenet" or a weights file (`resolve_weights`).
      alpha: MobileNet width multiplier (ignored by ResNet-50).
      bn_momentum: momentum of every BatchNormalization layer. keras.applications'
        MobileNets use 0.999, whose moving statistics lag so far behind a
        from-scratch run that inference-mode outputs sit at the image centre for
        many minutes; 0.9 tracks training.

    Returns:
      [C2, C3, C4] features at strides 4, 8, 16.
    """
    spec = BACKBONES[name]
    kwargs = {"alpha": alpha} if name.startswith("mobilenet") else {}
    try:
        network = spec.constructor(input_tensor=inputs, include_top=False, weights=weights, **kwargs)
    except Exception as error:                              # noqa: BLE001 - Keras raises many kinds here
        raise WeightsError(f"--weights {weights}: cannot load {name} weights ({first_line(error)})") from None
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = bn_momentum
    return [network.get_layer(layer).output for layer in spec.feature_layers]


def resolve_weights(flag: str, backbone: str) -> str | None:
    """Turns the `--weights` flag into what `build_features` takes.

    Raises:
      WeightsError: a path that is not a file.
    """
    if flag == "none":
        return None
    if flag == "imagenet":
        return "imagenet"
    if flag == "auto":
        if _cached(backbone) or _reachable(backbone):
            return "imagenet"
        warnings.warn(f"--weights auto: no ImageNet weights for {backbone} are cached and their server "
                      "cannot be reached; starting from random initialisation", stacklevel=2)
        return None
    if not pathlib.Path(flag).is_file():
        raise WeightsError(f"--weights {flag}: no such file (expected auto, none, imagenet or a weights file)")
    return flag


def _cached(backbone: str) -> bool:
    """Whether Keras's cache holds no-top weights of this backbone (some size or width of it)."""
    folder = pathlib.Path(keras_config.keras_home()).expanduser() / "models"     # where Keras caches them
    return any("no" in path.name and "top" in path.name
               for path in folder.glob(BACKBONES[backbone].cache_prefix + "*"))


def _reachable(backbone: str) -> bool:
    """Whether the host serving the backbone's weights accepts a connection within a few seconds."""
    module, attribute = BACKBONES[backbone].weights_url
    parsed = urllib.parse.urlparse(getattr(importlib.import_module(module), attribute))
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((parsed.hostname, port), timeout=_PROBE_SECONDS).close()
        return True
    except OSError:
        return False
