"""Loading a saved corner model with one clear line when the file is not one."""

import json
import pathlib
import zipfile

import keras

from model import layers  # noqa: F401 - registers the custom layers
from model.errors import first_line
from model.network.corner_model import ModelConfig, build_model


class ModelFileError(ValueError):
    """The model file is missing, corrupt or not a corner model; the message is one line naming it."""


def load_model(path: str | pathlib.Path, rebuild: bool = False) -> keras.Model:
    """Loads `best.keras` / `last.keras` (the inference model).

    Args:
      path: the .keras file.
      rebuild: build the network anew with this code's layers, from the model
        config of the run (`best.json` beside `best.keras`, else the folder's
        `config.json`), and copy the saved weights in. A model then answers
        through inference-only changes made after it was saved (a new corner
        decoder), which the graph saved with it does not have.

    Raises:
      ModelFileError: missing, unreadable, or without the `coords` and `presence`
        outputs; with `rebuild`, no run config or weights that do not fit it.
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
    return _rebuilt(net, path) if rebuild else net


def _rebuilt(net: keras.Model, path: pathlib.Path) -> keras.Model:
    """`net`'s weights in a network built by this code from its run's model config."""
    for sidecar in (path.with_suffix(".json"), path.parent / "config.json"):
        if sidecar.is_file():
            break
    else:
        raise ModelFileError(f"{path}: cannot rebuild it, no {path.stem}.json or config.json beside it")
    try:
        fresh = build_model(ModelConfig(**json.loads(sidecar.read_text())["model"]))
        fresh.set_weights(net.get_weights())
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: cannot rebuild it from {sidecar} ({first_line(error)[:200]})") from None
    return fresh
