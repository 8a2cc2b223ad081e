"""The network: backbones (`backbones`) and the corner model built on them (`corner_model`)."""
