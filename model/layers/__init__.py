"""The corner model's custom Keras layers, one per file, each registered under `mtg_corners>`.

Importing this package registers them all, so a saved `.keras` file that uses them
loads after a plain `import model` (which imports this package).
"""

from model.layers.card_peaks import CardPeaks  # noqa: F401
from model.layers.convex_order import ConvexOrder  # noqa: F401
from model.layers.corner_pooling import CardGridPooling, CentredCorners, CornerPooling  # noqa: F401
from model.layers.face_order import FaceOrder  # noqa: F401
from model.layers.frame_context import CoordinateChannels, GlobalAttention  # noqa: F401
from model.layers.nearest_upsampling import NearestUpsampling  # noqa: F401
from model.layers.normalize import Normalize  # noqa: F401
from model.layers.quad_peaks import QuadPeaks  # noqa: F401
from model.layers.soft_argmax import SoftArgmax  # noqa: F401
