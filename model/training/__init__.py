"""Training: presets, the curriculum, the losses, the train step on synthesised batches, and run files."""
