"""Temporary export directories that are locked while written, and removal of stale ones.

An export is built in `.tmp-<version>-<random>` under the base path (see export/writer.py).
An exporter killed by SIGKILL never removes its directory. So every temporary directory is
held under an exclusive `flock` by the process writing it for as long as it writes (the
kernel drops the lock when the process dies, however it dies), and each export first
removes the temporary directories in its base path whose lock it can take: their writers
are gone. A directory another exporter still writes stays locked and is left alone.

Example:
    python -c "from export.staging import remove_stale; print(remove_stale('models/mnist'))"
"""

import contextlib
import fcntl
import logging
import os
import pathlib
import shutil
import tempfile

from common.versions import TEMP_PREFIX

log = logging.getLogger(__name__)
_ATTEMPTS = 5


def _try_lock(path):
    # Returns an fd holding an exclusive flock on the directory, or None if another process
    # holds it (or the directory vanished meanwhile).
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def create_locked(base, version):
    """Creates a temporary export directory and locks it before anything is written.

    Args:
        base: pathlib.Path of the base path (it exists).
        version: the version being exported (part of the name).

    Returns:
        (path, fd): the directory and the descriptor holding its lock; close the
        descriptor (after renaming or removing the directory) to release it.

    Raises:
        OSError: if no locked directory could be made.
    """
    for _ in range(_ATTEMPTS):
        path = pathlib.Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{version}-", dir=base))
        fd = _try_lock(path)
        # A cleaner may take a brand-new directory's lock before its maker does, and remove
        # it: then the directory at that path is not the one locked, and a new one is made.
        if fd is not None and _same_directory(path, fd):
            return path, fd
        if fd is not None:
            os.close(fd)
    raise OSError(f"could not create a locked temporary directory in {base}")


def _same_directory(path, fd):
    try:
        return os.path.samestat(os.stat(path), os.fstat(fd))
    except OSError:
        return False


def remove_stale(base):
    """Removes the temporary export directories whose writers are gone.

    Args:
        base: the base path (it may not exist).

    Returns:
        list of the removed directory names.
    """
    removed = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in os.scandir(base):
            if not entry.name.startswith(TEMP_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            fd = _try_lock(entry.path)
            if fd is None:
                continue  # another exporter is writing it
            try:
                shutil.rmtree(entry.path, ignore_errors=True)
            finally:
                os.close(fd)
            log.warning("Removed %s, left by an export that was killed", entry.name)
            removed.append(entry.name)
    return removed
