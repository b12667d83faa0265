"""Version directories under a TF Serving base path: the one scan the exporter and server share.

TF Serving's file-system source treats each subdirectory of a model's base path whose name
is a number as a version of that model and ignores everything else, so the exporter's
temporary `.tmp-<version>-<random>` directories are never seen as versions. The exporter
uses this module to pick the next version; the local server polls with it. It does not
import TensorFlow, so CLIs can check their arguments before paying for that import.

Example:
    python -c "from export.versions import next_version; print(next_version('models/mnist'))"
"""

import os
import pathlib

# Prefix of the directories an export is built in; not a version to any reader.
TEMP_PREFIX = ".tmp-"


def version_dirs(base_path):
    """Maps each version in a base path to its directory, as TF Serving sees them.

    Only subdirectories whose names are all digits are versions.

    Args:
        base_path: directory holding one subdirectory per version.

    Returns:
        dict of int version -> str path.

    Raises:
        OSError: if base_path cannot be listed.
    """
    return {
        int(entry.name): entry.path
        for entry in os.scandir(base_path)
        if entry.is_dir() and entry.name.isascii() and entry.name.isdigit()
    }


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
