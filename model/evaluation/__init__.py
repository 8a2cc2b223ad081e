"""Scoring corners: the metrics, and the validation set that training and `model.evaluate` score on."""
