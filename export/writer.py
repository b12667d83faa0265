"""Versioned, atomic version directories under a TF Serving base path.

TF Serving polls its base path and loads a directory whose name is a number as soon as it
appears, even while files are still being written into it. So a version is built under a
non-numeric temporary name in the same base path (`.tmp-<version>-<random>`, which TF Serving
ignores) and renamed to `<version>` only once complete; a rename within one filesystem is
atomic. Existing versions are never overwritten. On failure the temporary directory is removed,
so no numeric directory is ever left behind; one left by an exporter killed with SIGKILL is
removed by the next export to that base path (export/staging.py). This module does not import
TensorFlow, so the CLI can check its arguments before paying for that import.

Example:
    python -c "from export.writer import resolve_version; print(resolve_version('models/mnist'))"
"""

import contextlib
import os
import pathlib
import shutil

from common.versions import next_version
from export import staging

# Version directories are readable by a server running as another user (mkdtemp gives 0o700).
DIRECTORY_MODE = 0o755


class ExportError(RuntimeError):
    """An export that failed midway; the base path was left as it was."""


def resolve_version(base_path, version=None):
    """Chooses and checks the version an export will write, before any work starts.

    Args:
        base_path: the model's base path; created later if missing.
        version: a positive int, or None for `next_version(base_path)`.

    Returns:
        int, the version to write.

    Raises:
        ValueError: the version is not a positive integer, or base_path is not a directory.
        FileExistsError: that version already exists.
    """
    base = pathlib.Path(base_path)
    if base.exists() and not base.is_dir():
        raise ValueError(f"base path {base} exists and is not a directory")
    if version is None:
        version = next_version(base)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a positive integer, got {version!r}")
    target = base / str(version)
    if target.exists():
        raise FileExistsError(f"{target} already exists; versions are never overwritten")
    return version


@contextlib.contextmanager
def atomic_version_dir(base_path, version):
    """Yields a temporary directory that becomes `base_path/<version>` when the block succeeds.

    Args:
        base_path: the model's base path; created if missing.
        version: int from `resolve_version`.

    Yields:
        pathlib.Path of the temporary directory to fill.

    Raises:
        ExportError: the block raised, or the version appeared meanwhile. The temporary
            directory is gone, and so is base_path if this call created it.
    """
    base = pathlib.Path(base_path)
    target = base / str(version)
    created_base = not base.exists()
    base.mkdir(parents=True, exist_ok=True)
    staging.remove_stale(base)
    temp, lock = staging.create_locked(base, version)
    try:
        yield temp
        if target.exists():
            raise FileExistsError(f"{target} appeared while exporting")
        os.chmod(temp, DIRECTORY_MODE)
        # A version that appears after the check above as a non-empty directory makes the
        # rename fail; an empty one would be replaced (rename(2)), so one base path takes
        # one exporter at a time.
        os.rename(temp, target)
    except BaseException as error:
        shutil.rmtree(temp, ignore_errors=True)
        if created_base:
            with contextlib.suppress(OSError):
                base.rmdir()
        if not isinstance(error, Exception):
            raise
        raise ExportError(
            f"export of version {version} to {base} failed and wrote nothing: "
            f"{type(error).__name__}: {error}"
        ) from error
    finally:
        os.close(lock)  # after the rename or removal: the directory is never unlocked early
