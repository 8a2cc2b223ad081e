"""Writing files and folders so that a reader, or a run killed half way, never sees half of one.

Every writer in the project (dataset downloads, dumps, run files, saved models,
the TF.js export) writes under a temporary name beside the target and renames
it over the target only when the write has succeeded. A rename within one
folder is atomic, so the target is always either the old file or the new one.

The temporary name starts with a dot and holds the process id and a random
suffix, so builds sharing a folder never write to or delete each other's
partial files. Files are created by a plain `open` (the usual 0644 under the
usual umask), not `tempfile.mkstemp`'s private 0600.
"""

import contextlib
import os
import pathlib
import secrets
import shutil
from collections.abc import Iterator


def temporary_beside(path: pathlib.Path, suffix: str = ".tmp") -> pathlib.Path:
    """A fresh hidden name in `path`'s folder: `.NAME.PID-RANDOM<suffix>`.

    Example:
    >>> temporary_beside(pathlib.Path("runs/best.keras"), ".keras").name.startswith(".best.keras.")
    True
    """
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{suffix}")


@contextlib.contextmanager
def replacing(path: pathlib.Path, suffix: str = ".tmp") -> Iterator[pathlib.Path]:
    """Yields a temporary path beside `path` to write; renames it onto `path` if the block succeeds.

    The temporary file is deleted whatever happens.

    Args:
      path: the file to (re)place; its folder is created as needed.
      suffix: the temporary name's ending, for writers that insist on one
        (Keras wants `.keras`, `np.savez` adds `.npz` to any other name).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(path, suffix)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes(path: pathlib.Path, data: bytes) -> None:
    """Writes `data` to `path` atomically."""
    with replacing(path) as temporary:
        temporary.write_bytes(data)


@contextlib.contextmanager
def replacing_folder(path: pathlib.Path) -> Iterator[pathlib.Path]:
    """Yields an empty staging folder beside `path`; swaps it in for `path` if the block succeeds.

    An existing `path` is moved aside first and deleted after the swap, so
    `path` is missing for only the instant between two renames, and never half
    written. The staging folder is deleted whatever happens.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = temporary_beside(path)
    staging.mkdir()
    try:
        yield staging
        if path.exists():
            retired = temporary_beside(path, ".old")
            os.replace(path, retired)
            os.replace(staging, path)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
