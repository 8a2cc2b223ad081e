"""Pinned pixels of the procedural generators: a refactoring that changes any pixel fails here.

The dataset's procedural cards and the bundled generated backgrounds are functions of their seeds,
so moving or merging generator code must leave their bytes alone, or else bump the dataset's VERSION
(with a release note), regenerate `backgrounds/` and record the new hashes below. The hashes were
recorded with the pinned Pillow and numpy of `constraints.txt`; another Pillow (or its FreeType) may
set text differently, which is a pixel change too.
"""

import hashlib

import numpy as np
import PIL
import pytest

from mtg_tfds.generators import background_photos, procedural_cards

# sha256 of the RGBA bytes of procedural cards of seed 0, drawn without photos (as `generate_cards`
# draws them when the builder has none) ...
CARD_SHA256 = {
    0: "3026eafea0a9f6d3714e93136c91c7067edd67b0891a438999fe703b93aa3a2b",   # black border, 1997 frame
    1: "9b0ca91cf4c06f248aef5df74d541ad8b6d3262897922fe02ab3a7855e49c560",   # borderless, 2015 frame
    7: "9991901f41a97e65fbf4ecd160d0b10ea79a03113c9b86f5e12f61b077f3bdc8",
}
# ... and with `_photo()` to cut art from: cards 2 and 3 (full art) take their art from it.
CARD_WITH_PHOTO_SHA256 = {
    2: "685ab4dd757c18093440714aaa638c5e617882315b6c96e6aa7464b4bfaed10c",
    3: "0ea309b444a7bc0e4a1ec44a6965b2a129a50c174a0087f1aedf8285b5b2476d",
}
# sha256 of the RGB bytes of each background family at BACKGROUND_SIZE, its seed its place in FAMILIES.
BACKGROUND_SHA256 = {
    "wood": "f0d0f61c27ecb2bfc43a0d2cd9398c3d2759032c43e1c4485b79a6b41e12e540",
    "cloth": "73ee757034762cca91696e32159c212c95e70b6486157c81149f05720cd04f1d",
    "playmat": "9b652f397e222d783acb058266a948751b932e8490eeb93d2cc7c8b813510539",
    "paper": "7c15f75e03487e62c8bcdb1b99083b58345facf05e6c2169194a4ee07ee7ad1b",
    "stone": "944ee06aec5a3d1cfe62e1d17aa884380f7c9b7635146e6350d18e3511b7e0bc",
    "desk": "fa70933b54a2e3341977e4bbd4ccee555d71644eb3528872b40b9996669dceb9",
    "scene": "8e12f81ae8fb5fec4dd20964c558bf32c68ae698941a65b22369299202912d1a",
}
BACKGROUND_SIZE = (96, 128)   # (height, width): small and fast, and every family draws all its parts


def _sha256(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()


def _photo() -> np.ndarray:
    """A 400 x 300 stand-in for a background photo: colour ramps, no file needed."""
    yy, xx = np.mgrid[0:300, 0:400]
    return np.stack([xx * 255 // 399, yy * 255 // 299, (xx + yy) % 256], -1).astype(np.uint8)


def _versions() -> str:
    return f"(recorded with Pillow 12.3.0 and numpy 2.1.3; this is Pillow {PIL.__version__}, numpy {np.__version__})"


@pytest.mark.parametrize("pinned, photos", [(CARD_SHA256, None), (CARD_WITH_PHOTO_SHA256, [_photo()])],
                         ids=["painted", "with_photo"])
def test_procedural_cards_keep_their_pixels(pinned, photos):
    drawn = dict(enumerate(rgba for _, rgba in procedural_cards.generate_cards(max(pinned) + 1, 0, photos)))
    assert all(drawn[index].shape == (1040, 745, 4) for index in pinned)
    assert {index: _sha256(drawn[index]) for index in pinned} == pinned, f"card pixels changed {_versions()}"


@pytest.mark.parametrize("seed, family", enumerate(BACKGROUND_SHA256))
def test_background_generators_keep_their_pixels(seed, family):
    image = background_photos.FAMILIES[family](np.random.default_rng(seed), *BACKGROUND_SIZE)
    assert _sha256(image) == BACKGROUND_SHA256[family], f"{family} pixels changed {_versions()}"


def test_every_background_family_is_pinned():
    assert set(background_photos.FAMILIES) == set(BACKGROUND_SHA256)
