"""The scene's layers, each drawn in two steps.

`sample_*` draws a layer's per-image parameters ([B, ...] tensors), and
`render_*` (or `apply_*`, for a layer that changes the card's own pixels)
draws them at every output pixel. `synthesize._scene` stacks the layers,
bottom to top: `background`, `neighbors`, `contact_shadow`, the back of
`sleeves`, the labelled card with its `wear` and `foil`, the front of
`sleeves`, then `occluders`.
"""
