"""`model/`'s rooms import one way: layers below the network, the network below training and
inference, those below evaluation, and the command-line tools on top; nothing imports back up."""

import ast
import pathlib

import pytest

MODEL = pathlib.Path(__file__).resolve().parent.parent / "model"
# A room may import the rooms of a lower rank only (and itself); training and inference are
# siblings, so neither may import the other.
RANKS = {"errors": 0, "layers": 1, "network": 2, "training": 3, "inference": 3, "evaluation": 4,
         "predict": 5, "evaluate": 5}


def room(dotted: str) -> str | None:
    """`model.layers.soft_argmax` -> "layers"; None for imports from outside `model`."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "model" and len(parts) > 1 else None


def imported_rooms(path: pathlib.Path) -> set[str]:
    """The rooms of `model` that a file imports (`from model import x` counts as room x)."""
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            rooms |= {room(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "model":
            rooms |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            rooms.add(room(node.module))
    return rooms - {None}


@pytest.mark.parametrize("path", sorted(MODEL.rglob("*.py")), ids=lambda p: str(p.relative_to(MODEL)))
def test_model_rooms_import_only_the_rooms_below_them(path):
    relative = path.relative_to(MODEL)
    if relative == pathlib.Path("__init__.py"):
        return                                   # the package's front door re-exports the network
    own = relative.parts[0].removesuffix(".py")
    assert own in RANKS, f"{relative}: a module outside the rooms {sorted(RANKS)}"
    for other in imported_rooms(path) - {own}:
        assert other in RANKS, f"{relative} imports model.{other}, which is no room"
        assert RANKS[other] < RANKS[own], f"{relative} ({own}) imports model.{other}, a room at or above its own"
