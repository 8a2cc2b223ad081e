"""A one-hot that every TF.js backend runs right, for the layers that select with it.

The layers here pick entries (a corner order, a candidate peak, a quad) by
multiplying with a one-hot, not by gathering: a batched `GatherV2` runs out of
bounds on TF.js's WASM backend (4.22) for a batch of more than one, and
products with exact 0s and 1s select without rounding. The one-hot itself is a
comparison with a range, not `ops.one_hot`: the WASM backend fills a float32
`OneHot` with int32 bits.
"""

from keras import ops


def one_hot(indices, depth: int):
    """float32 one-hot of integer `indices`: [...] -> [..., depth].

    Example:
    >>> one_hot(ops.convert_to_tensor([2, 0]), 3).numpy().tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    return ops.cast(ops.equal(indices[..., None], ops.arange(depth, dtype=indices.dtype)), "float32")
