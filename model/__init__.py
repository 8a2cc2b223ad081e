"""The corner model, in rooms that import one way only (each room uses only those above it here):

    layers/      the custom Keras layers, one per file
    network/     backbones and the corner model built from the layers
    training/    presets, curriculum, losses, the train step, run files
    inference/   loading a saved model, `Predictor`, the rotation vote, rectification
    evaluation/  metrics and the validation set (scores a `Predictor`)
    predict.py, evaluate.py   the command-line tools (`python -m model.predict`, `python -m model.evaluate`)

Importing `model` registers every custom layer, so a saved `.keras` model loads
with `keras.models.load_model(path)` after a plain `import model`.
"""

from model import layers  # noqa: F401 - registers the custom layers
from model.network.corner_model import ModelConfig, build_model, training_view  # noqa: F401
