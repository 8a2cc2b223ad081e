"""The corner model: Keras layers, the network, its losses and metrics.

Importing `model` registers every custom layer, so a saved `.keras` model loads
with `keras.models.load_model(path)` after a plain `import model`.
"""

from model.convex_order import ConvexOrder  # noqa: F401
from model.corner_model import ModelConfig, build_model, training_view  # noqa: F401
from model.corner_pooling import CentredCorners, CornerPooling  # noqa: F401
from model.face_order import FaceOrder  # noqa: F401
from model.frame_context import CoordinateChannels, GlobalAttention  # noqa: F401
from model.normalize import Normalize  # noqa: F401
from model.soft_argmax import SoftArgmax  # noqa: F401
