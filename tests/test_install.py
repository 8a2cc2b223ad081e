"""setup.cfg's ranges and constraints.txt's pins stay in step.

setup.cfg says which releases the project works with: what a plain `pip install .`
may pick. constraints.txt pins the one set that `make install` installs and the tests
run on. A pin outside its range would test a set that users can never get; a package
in setup.cfg without a pin would leave `make install` to pick an untested release.
(`packaging` comes with tensorflow, which requires it.)
"""

import configparser
import pathlib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = pathlib.Path(__file__).parent.parent


def requirements(setup_cfg: pathlib.Path) -> list[Requirement]:
    """Every requirement in setup.cfg: `install_requires` and each extra."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(setup_cfg)
    lists = [config["options"]["install_requires"], *config["options.extras_require"].values()]
    return [Requirement(line) for text in lists for line in text.splitlines() if line.strip()]


def pins(constraints: pathlib.Path) -> dict[str, Version]:
    """constraints.txt as {canonical name: pinned version}; each line is `name==version` or a comment."""
    pinned = {}
    for line in constraints.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{constraints}: {line!r} is not an exact pin"
            pinned[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pinned


def drift(setup_cfg: pathlib.Path, constraints: pathlib.Path) -> list[str]:
    """One line per package of setup.cfg that constraints.txt leaves unpinned or pins outside its range."""
    pinned = pins(constraints)
    problems = []
    for requirement in requirements(setup_cfg):
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name}: not pinned in {constraints.name}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}: pinned {version}, outside {requirement.specifier}")
    return problems


def test_every_package_is_pinned_inside_its_range():
    problems = drift(ROOT / "setup.cfg", ROOT / "constraints.txt")
    assert not problems, "setup.cfg and constraints.txt disagree:\n" + "\n".join(problems)


def test_a_missing_pin_or_one_outside_its_range_is_reported(tmp_path):
    (tmp_path / "setup.cfg").write_text(
        "[options]\ninstall_requires =\n    # bounded\n    protobuf<6\n    tqdm>=4.70.1\n"
        "[options.extras_require]\nexport =\n    tf-keras>=2.19.0,<2.20\n")
    (tmp_path / "constraints.txt").write_text("# pins\nprotobuf==6.31.1\ntf_keras==2.19.0\n")
    assert drift(tmp_path / "setup.cfg", tmp_path / "constraints.txt") == [
        "protobuf: pinned 6.31.1, outside <6", "tqdm: not pinned in constraints.txt"]
