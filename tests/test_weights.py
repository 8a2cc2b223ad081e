"""`--weights`: ImageNet weights come from Keras's server (a stand-in on 127.0.0.1 here), or one clear line."""

import functools
import http.server
import threading
import warnings

import h5py
import keras
import numpy as np
import pytest
from keras.src.applications import mobilenet_v2
from keras.src.backend import config as keras_config
from keras.src.legacy.saving import legacy_h5_format

from model.network import backbones
from model.network.corner_model import ModelConfig, build_model

CONFIG = ModelConfig(input_size=64, alpha=0.35, decoder_channels=16)
# Keras asks for the 224-px file when the input size has no weights of its own.
FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"


@pytest.fixture
def weight_server(tmp_path, monkeypatch):
    """Serves a MobileNetV2 weights file in Keras's format from 127.0.0.1; yields (its model, the Keras cache home)."""
    served = tmp_path / "served"
    served.mkdir()
    reference = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=0.35, include_top=False,
                                               weights=None)
    with h5py.File(served / FILE, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, reference)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "keras_home").mkdir()               # must exist: Keras caches in /tmp/.keras when it is not writable
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path / "keras_home"))
    monkeypatch.setattr(mobilenet_v2, "BASE_WEIGHT_PATH", f"http://127.0.0.1:{server.server_address[1]}/")
    yield reference, tmp_path / "keras_home"
    server.shutdown()


def _closed_port_url() -> str:
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}/"


def test_auto_downloads_imagenet_weights_when_their_server_answers(weight_server):
    reference, keras_home = weight_server
    assert backbones.resolve_weights("auto", "mobilenet_v2") == "imagenet"
    net = build_model(CONFIG, "imagenet")
    assert (keras_home / "models" / FILE).is_file()                                 # fetched now, not a stale cache
    np.testing.assert_array_equal(net.get_layer("Conv1").get_weights()[0], reference.get_layer("Conv1").get_weights()[0])


def test_auto_warns_and_starts_from_random_when_the_server_is_out_of_reach(tmp_path, monkeypatch):
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(mobilenet_v2, "BASE_WEIGHT_PATH", _closed_port_url())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert backbones.resolve_weights("auto", "mobilenet_v2") is None
    assert any("random initialisation" in str(w.message) for w in caught)


def test_imagenet_without_a_server_and_a_missing_file_fail_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(mobilenet_v2, "BASE_WEIGHT_PATH", _closed_port_url())
    with pytest.raises(backbones.WeightsError) as error:
        build_model(CONFIG, "imagenet")
    assert str(error.value).startswith("--weights imagenet: cannot load mobilenet_v2 weights") and \
        "\n" not in str(error.value)
    with pytest.raises(backbones.WeightsError, match="no such file"):
        backbones.resolve_weights(str(tmp_path / "nothing.h5"), "mobilenet_v2")
    assert backbones.resolve_weights("none", "resnet50") is None
