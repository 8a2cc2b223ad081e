"""SynthesisConfig: validation and the JSON round trip a training run will save."""

import json

import pytest

from augment_tf.config import Effect, GeometryConfig, SceneConfig, SynthesisConfig, recipe


def test_config_round_trips_through_json():
    config = SynthesisConfig(size=128, card_height=256, geometry=GeometryConfig(scale=(0.2, 0.5), allow_outside=True),
                             scene=SceneConfig(neighbor_slots=1, occluder=Effect(0.9, 0.1, 0.2)))
    assert SynthesisConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_a_partial_dict_changes_only_what_it_names():
    base = SynthesisConfig.for_size(128)
    config = SynthesisConfig.from_dict({"scene": {"occluder": {"p": 1.0}}, "geometry": {"scale": [0.3, 0.4]}}, base)
    assert config.scene.occluder == Effect(1.0, base.scene.occluder.low, base.scene.occluder.high)
    assert config.geometry.scale == (0.3, 0.4) and config.geometry.focal == base.geometry.focal
    assert (config.size, config.card_height, config.photometric) == (128, base.card_height, base.photometric)


def test_unknown_keys_are_refused():
    values = SynthesisConfig().to_dict()
    values["geometry"]["tilt"] = 10
    with pytest.raises(ValueError, match="Unknown GeometryConfig keys: \\['tilt'\\]"):
        SynthesisConfig.from_dict(values)
    with pytest.raises(ValueError, match="SceneConfig needs a dict"):
        SynthesisConfig.from_dict({"scene": 3})


def _with_old_names(values: dict) -> dict:
    """`to_dict` output as written before `SceneConfig.neighbors` became `neighbor_slots`."""
    scene = {("neighbors" if name == "neighbor_slots" else name): value for name, value in values["scene"].items()}
    return {**values, "scene": scene}


def test_old_field_names_still_load():
    config = SynthesisConfig(scene=SceneConfig(neighbor_slots=3))
    old = json.loads(json.dumps(_with_old_names(config.to_dict())))     # a saved config.json of an earlier run
    assert "neighbors" in old["scene"] and "neighbor_slots" not in old["scene"]
    assert SynthesisConfig.from_dict(old) == config
    assert SynthesisConfig.from_dict({"scene": {"neighbors": 0}}).scene.neighbor_slots == 0


def test_an_old_name_in_a_synthesis_config_file_still_works(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"scene": {"neighbors": 2}}))
    assert recipe(128, str(path)).scene.neighbor_slots == 2


def test_a_field_under_both_its_names_is_refused():
    with pytest.raises(ValueError, match="neighbors and neighbor_slots"):
        SynthesisConfig.from_dict({"scene": {"neighbors": 2, "neighbor_slots": 3}})


@pytest.mark.parametrize("kwargs", [{"size": 100}, {"size": 8}, {"card_height": 100}])
def test_bad_sizes_are_refused(kwargs):
    with pytest.raises(ValueError, match="SynthesisConfig needs"):
        SynthesisConfig(**kwargs)


def test_bad_effects_are_refused():
    with pytest.raises(ValueError, match="Effect needs"):
        Effect(1.5, 0.0, 1.0)
    with pytest.raises(ValueError, match="Effect needs"):
        Effect(0.5, 2.0, 1.0)


def test_for_size_gives_textures_about_twice_the_output():
    assert SynthesisConfig.for_size(256).card_height == 512
    assert SynthesisConfig.for_size(1024).card_height == 1024
    config = SynthesisConfig.for_size(64)
    assert config.card_width % 16 == 0 and abs(config.card_width / config.card_height - 63 / 88) < 0.05
