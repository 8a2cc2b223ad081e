"""Inference on photos: loading a saved model, `Predictor` (letterbox, rotation vote, second pass), rectification."""
