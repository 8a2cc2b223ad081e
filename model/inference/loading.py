"""Loading a saved corner model with one clear line when the file is not one."""

import pathlib
import zipfile

import keras

from model import layers  # registers the custom layers
from model.errors import first_line


class ModelFileError(ValueError):
    """The model file is missing, corrupt or not a corner model; the message is one line naming it."""


def load_model(path: str | pathlib.Path) -> keras.Model:
    """Loads `best.keras` / `last.keras` (the inference model).

    Keras's `UpSampling2D` layers come back as `layers.NearestUpsampling`
    (`with_nearest_upsampling`): the same numbers, as one resize op that TF.js's
    WASM backend runs 20 times faster. Training keeps Keras's layer.

    Raises:
      ModelFileError: missing, unreadable, or without the `coords` and `presence` outputs.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        net = keras.models.load_model(path, compile=False)
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{path}: not a readable .keras model ({first_line(error)[:200]})") from None
    if not isinstance(net.output, dict) or not {"coords", "presence"} <= set(net.output):
        raise ModelFileError(f"{path}: not a corner model (it has no `coords` and `presence` outputs)")
    return with_nearest_upsampling(net)


def with_nearest_upsampling(net: keras.Model) -> keras.Model:
    """`net` with each `keras.layers.UpSampling2D` replaced by `layers.NearestUpsampling`, every other layer (and
    so every weight) shared: the same numbers, and an export without `Tile` ops."""
    def swap(layer):
        if type(layer) is keras.layers.UpSampling2D:
            return layers.NearestUpsampling.from_config(layer.get_config())
        return layer

    if not any(type(layer) is keras.layers.UpSampling2D for layer in net.layers):
        return net
    return keras.models.clone_model(net, clone_function=swap)

