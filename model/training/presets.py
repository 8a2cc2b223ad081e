"""Named starting points for `train.py --preset`: the model and the step that suit a machine.

Every value is a default; any flag given on the command line wins.
"""

PRESETS = {
    # A small backbone at a small input: tens of images per second on 2 CPU cores. Its learning rate
    # was measured (benchmarks/README.md, 2026-12-01): over 30 minutes 4e-3 beat both 2e-3 and 8e-3.
    "cpu": {"backbone": "mobilenet_v2", "alpha": 0.5, "input_size": 160, "decoder_channels": 64,
            "context": "coords",
            "batch_size": 16, "lr": 4e-3, "epochs": 30, "steps_per_epoch": 200},
    # The design card's model: ResNet-50 at 256 px, one XLA program per step, mixed precision.
    "gpu": {"backbone": "resnet50", "alpha": 1.0, "input_size": 256, "decoder_channels": 128,
            "context": "coords",
            "batch_size": 32, "lr": 1e-3, "epochs": 40, "steps_per_epoch": 1000},
    # Sized for the browser: MobileNetV2 at full width, 224 px, ~2.6 M weights (about 5 MB in float16).
    "web": {"backbone": "mobilenet_v2", "alpha": 1.0, "input_size": 224, "decoder_channels": 96,
            "context": "coords",
            "batch_size": 16, "lr": 2e-3, "epochs": 30, "steps_per_epoch": 500},
}
