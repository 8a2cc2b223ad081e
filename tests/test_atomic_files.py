"""Atomic writes: the target is the old file or the new one, never half of one, and nothing is left beside it."""

import doctest
import os
import pathlib

import pytest

from mtg_tfds import atomic_files


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_docstring_examples_run():
    assert doctest.testmod(atomic_files).failed == 0


def test_written_files_get_ordinary_modes_and_leave_nothing_beside_them(tmp_path):
    atomic_files.write_bytes(tmp_path / "a.jpg", b"data")
    assert (tmp_path / "a.jpg").stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert (tmp_path / "a.jpg").read_bytes() == b"data" and not list(tmp_path.glob(".*"))


def test_a_failed_write_keeps_the_old_file_and_deletes_its_temporary(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_files.replacing(target, suffix=".keras") as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith(".keras") and temporary != target
        temporary.write_bytes(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]


def test_two_writers_of_one_target_get_their_own_temporaries(tmp_path):
    target = tmp_path / "bulk.json"
    with atomic_files.replacing(target) as first, atomic_files.replacing(target) as second:
        assert first != second
        first.write_text("1")
        second.write_text("2")
    assert target.read_text() == "1" and sorted(tmp_path.iterdir()) == [target]


def test_a_folder_is_swapped_in_whole_or_not_at_all(tmp_path):
    out = tmp_path / "web"
    out.mkdir()
    (out / "old.json").write_text("old")
    with pytest.raises(RuntimeError), atomic_files.replacing_folder(out) as staging:
        (staging / "new.json").write_text("new")
        raise RuntimeError("the converter failed")
    assert [path.name for path in out.iterdir()] == ["old.json"] and sorted(tmp_path.iterdir()) == [out]
    with atomic_files.replacing_folder(out) as staging:
        (staging / "new.json").write_text("new")
    assert [path.name for path in out.iterdir()] == ["new.json"] and sorted(tmp_path.iterdir()) == [out]
    assert out.stat().st_mode & 0o777 == 0o777 & ~_umask()


def test_a_missing_parent_folder_is_created(tmp_path):
    atomic_files.write_bytes(pathlib.Path(tmp_path / "a" / "b" / "c.txt"), b"x")
    assert (tmp_path / "a" / "b" / "c.txt").read_bytes() == b"x"
