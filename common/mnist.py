"""MNIST as Keras ships it, read from the repo's `data/mnist.npz` and checked array by array.

The repo carries `data/mnist.npz` so a fresh clone trains offline; every array is checked
against the sha256 published in `data/README.md`. Only numpy is needed, so the clients,
the pad and the benchmarks load digits without importing TensorFlow.

Example:
    python -c "from common.mnist import load_mnist; (x, y), _ = load_mnist(); print(x.shape)"
"""

import hashlib
import pathlib
import zipfile

import numpy as np

DEFAULT_PATH = pathlib.Path(__file__).resolve().parent.parent / "data" / "mnist.npz"

# sha256 of each array's bytes in C order, dtype and shape (from data/README.md).
EXPECTED = {
    "x_train": (
        "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        (60000, 28, 28),
    ),
    "y_train": ("1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13", (60000,)),
    "x_test": ("6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161", (10000, 28, 28)),
    "y_test": ("ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5", (10000,)),
}


_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class DataError(ValueError):
    """A data file that is missing, unreadable or not the genuine MNIST."""


def load_mnist(path=None):
    """Loads MNIST in Keras's layout and verifies every array's checksum.

    Args:
        path: An `.npz` file in the layout of `keras.datasets.mnist.load_data()`.
            None means the repo's `data/mnist.npz`; only if that does not exist
            does it fall back to Keras's download.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).

    Raises:
        DataError: naming the file and what is wrong with it.
    """
    if path is None and not DEFAULT_PATH.exists():
        import keras  # only for the download fallback, never on the common path

        return keras.datasets.mnist.load_data()
    path = pathlib.Path(DEFAULT_PATH if path is None else path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        with zipfile.ZipFile(path) as archive:
            for key, (_, shape) in EXPECTED.items():
                _check_header(path, archive, key, shape)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in EXPECTED}
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path}: not a readable .npz file ({error})") from error
    for key, (digest, shape) in EXPECTED.items():
        array = arrays[key]
        if array.shape != shape:  # the header said otherwise: altered while being read
            raise DataError(f"{path}: {key} changed while it was read")
        if hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest() != digest:
            raise DataError(f"{path}: {key} fails its sha256 check (altered or corrupt)")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_header(path, archive, key, shape):
    # Reads only the .npy header of one member, so a file that declares gigabytes is refused
    # before anything is allocated for it.
    try:
        member = archive.getinfo(f"{key}.npy")
    except KeyError:
        raise DataError(f"{path}: array {key!r} is missing") from None
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        if version not in _HEADER_READERS:
            raise DataError(f"{path}: {key} has an unknown .npy format version {version}")
        declared, _, dtype = _HEADER_READERS[version](stream)
    if dtype != np.uint8 or declared != shape:
        raise DataError(f"{path}: {key} is {dtype}{list(declared)}, expected uint8{list(shape)}")
    if member.file_size < np.prod(shape):
        raise DataError(f"{path}: {key} holds {member.file_size} bytes, fewer than its shape needs")
