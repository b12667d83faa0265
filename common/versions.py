"""Version directories under a TF Serving base path: the one scan the exporter and server share.

TF Serving's file-system source treats each subdirectory of a model's base path whose name
parses as a non-negative int64 as a version of that model and ignores everything else, so
the exporter's temporary `.tmp-<version>-<random>` directories are never seen as versions,
and neither is a name like `99999999999999999999` that would overflow a version number.
Every other entry is logged once per base path and name, not on every poll. The exporter
uses this module to pick the next version; the local server polls with it. It does not
import TensorFlow, so CLIs can check their arguments before paying for that import.

Example:
    python -c "from common.versions import next_version; print(next_version('models/mnist'))"
"""

import logging
import os
import pathlib

# Prefix of the directories an export is built in; not a version to any reader.
TEMP_PREFIX = ".tmp-"
# TF Serving's versions are int64; a larger number is no version.
MAX_VERSION = 2**63 - 1
# The most ignored names remembered for logging once; beyond it they are no longer logged.
_MAX_REMEMBERED = 4096

log = logging.getLogger(__name__)
_ignored = set()  # (base path, name) already logged as ignored


def parse_version(name):
    """The version a directory name stands for, as TF Serving parses it.

    Args:
        name: a directory entry's name.

    Returns:
        int in 0..MAX_VERSION, or None if the name is no version.
    """
    if not (name.isascii() and name.isdigit()):
        return None
    version = int(name)
    return version if version <= MAX_VERSION else None


def _log_ignored(base_path, name):
    key = (str(base_path), name)
    if key in _ignored or name.startswith(TEMP_PREFIX) or len(_ignored) >= _MAX_REMEMBERED:
        return
    _ignored.add(key)
    log.warning(
        "Ignoring %r in %s: a version is a directory named by a number in 0..2^63-1",
        name,
        base_path,
    )


def version_dirs(base_path):
    """Maps each version in a base path to its directory, as TF Serving sees them.

    Only subdirectories whose names are versions (see `parse_version`) count; the other
    entries are logged once each.

    Args:
        base_path: directory holding one subdirectory per version.

    Returns:
        dict of int version -> str path.

    Raises:
        OSError: if base_path cannot be listed.
    """
    versions = {}
    for entry in os.scandir(base_path):
        version = parse_version(entry.name)
        if version is not None and entry.is_dir():
            versions[version] = entry.path
        else:
            _log_ignored(base_path, entry.name)
    return versions


def numeric_versions(base_path):
    """Lists the versions present in a base path, as TF Serving would see them.

    Args:
        base_path: directory holding one subdirectory per version; it may not exist.

    Returns:
        Sorted list of ints, the names of the numeric subdirectories.
    """
    if not pathlib.Path(base_path).is_dir():
        return []
    return sorted(version_dirs(base_path))


def next_version(base_path):
    """One more than the highest version in a base path.

    Args:
        base_path: directory holding one subdirectory per version; it may not exist.

    Returns:
        int: 1 if there is no version yet.
    """
    return max(numeric_versions(base_path), default=0) + 1
