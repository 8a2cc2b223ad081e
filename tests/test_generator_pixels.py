"""Pinned pixels of the procedural generators: a refactoring that changes any pixel fails here.

The dataset's procedural cards and the bundled generated backgrounds are functions of their seeds,
so moving or merging generator code must leave their bytes alone, or else bump the dataset's VERSION
(with a release note), regenerate `backgrounds/` and record the new hashes below. The hashes were
recorded with the pinned Pillow and numpy of `constraints.txt`; another Pillow (or its FreeType) may
set text differently, which is a pixel change too. numpy picks its SIMD kernels (exp, sin, power ...) by
the CPU at run time, and its AVX-512 kernels round a few values otherwise than its AVX2 ones, so three
painted cards differ by a few pixels between the two kinds of machine: each kind has its own hashes there
(`CARD_SHA256_AVX2`, measured 2026-12-07; with numpy's AVX2 and FMA3 kernels turned off, card 3 changes
again).
"""

import hashlib

import numpy as np
import PIL
import pytest
from numpy._core._multiarray_umath import __cpu_features__

from mtg_tfds.generators import background_photos, procedural_cards

# sha256 of the RGBA bytes of procedural cards of seed 0, drawn without photos (as `generate_cards`
# draws them when the builder has none), one of several layout families (recorded for dataset 1.1.0) ...
CARD_SHA256 = {
    0: "a17e7dde916d7ce0812170b2a00f276a23883f6881ca763992564dc53c1a86ec",   # borderless
    1: "68d559171a0b8cb655f9ec700fc708da64505540c87f8a95d2d84e801e119b55",   # planeswalker
    3: "57b7f8a69023a6cc9075eee9811a23bafb1bba45f44a8adec9f46dc991c0f32b",   # 1993 frame, lava texture
    6: "80d4defc1008a2e59ca8e993b9486a48bb1b422289c4a974a2df62a5d85515a5",   # split: two turned halves
    8: "1caec30ec4d4ade89635bbd40fdc45c79aec96b2f797ed1b7c1e88f838f7157e",   # full-art basic land
}
# The cards that an AVX2 machine (numpy without its AVX-512 kernels) draws otherwise.
CARD_SHA256_AVX2 = {
    0: "91a133ad7944866e5c4e817b1335434b2eeff2e72a8779b5d39e34727ec09edb",
    1: "dccb4fa345d0dfd9665b53b5c208d1a3887edddbe1f17013857ca27b1c066eb2",
    3: "c419ac533df0e7f960ed78dec44b9bb7a02711035c42bac5e60addc2e1ae41ad",
}
if not __cpu_features__.get("AVX512F"):
    CARD_SHA256 = {**CARD_SHA256, **CARD_SHA256_AVX2}
# ... and with `_photo()` to cut art from: cards 6 (split) and 7 (1997 frame) take art from it.
CARD_WITH_PHOTO_SHA256 = {
    6: "6170516dd94e709fe210d8385ef3a64693f2add2ae1a1e1489a287c1483b72e6",
    7: "94a9b40f4580a6a308b628a70b6cb5c2a280504de9213cc08cdd904a7ce25eca",
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
    simd = "AVX-512" if __cpu_features__.get("AVX512F") else "no AVX-512"
    return (f"(recorded with Pillow 12.3.0 and numpy 2.1.3; this is Pillow {PIL.__version__}, numpy {np.__version__}, "
            f"{simd})")


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
