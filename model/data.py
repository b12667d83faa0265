"""MNIST loading with checksum verification, and the tf.data input pipeline.

The repo carries `data/mnist.npz` so a fresh clone trains offline; every array
is checked against the sha256 published in `data/README.md`.

Example:
    python -c "from model import load_mnist; (x, y), _ = load_mnist(); print(x.shape)"
"""

import hashlib
import pathlib
import zipfile

import keras
import numpy as np
import tensorflow as tf

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


def split_validation(images, labels, size):
    """Holds out the last `size` training examples, as in the usual 55,000/5,000 MNIST split.

    Args:
        images: array [n, 28, 28] of training images.
        labels: array [n] of their labels.
        size: number of examples to hold out; 0 holds out none.

    Returns:
        `((fit_images, fit_labels), (validation_images, validation_labels))`: the first
        n - size examples and the last size examples.

    Raises:
        ValueError: if size is negative or leaves no example to train on.
    """
    if not 0 <= size < len(images):
        raise ValueError(
            f"validation_size must be between 0 and {len(images) - 1} for {len(images)} "
            f"training images, got {size}"
        )
    cut = len(images) - size
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def scale_pixels(images):
    """The pixel preprocessing shared by training and the exported predict_pixels signature.

    Args:
        images: uint8 array or tensor [n, 28, 28], values 0-255.

    Returns:
        float32 tensor [n, 784] in [0, 1].
    """
    return tf.reshape(tf.cast(images, tf.float32) / 255.0, [-1, 28 * 28])


def preprocess(images, labels, num_classes=10):
    """Scales uint8 images to [0, 1] floats, flattens them and one-hot encodes labels.

    Args:
        images: uint8 array or tensor [n, 28, 28].
        labels: integer array or tensor [n].
        num_classes: one-hot depth.

    Returns:
        `(x, y)`: float32 [n, 784] and float32 [n, num_classes].
    """
    x = scale_pixels(images)
    y = tf.one_hot(tf.cast(labels, tf.int32), num_classes)
    return x, y


def make_dataset(images, labels, batch_size=128, shuffle_seed=None, augment=None):
    """Builds the input pipeline: in-memory tensors, optional seeded shuffle, batch, optional
    augmentation, prefetch.

    Args:
        images: uint8 array [n, 28, 28].
        labels: integer array [n].
        batch_size: examples per batch; the last batch may be smaller.
        shuffle_seed: None keeps dataset order (the origin's); an integer shuffles
            the whole set anew each epoch, reproducibly.
        augment: None, or a function mapping a batch x [b, 784] to an altered batch of the
            same shape (see model/augment.py), applied anew each epoch.

    Returns:
        A `tf.data.Dataset` of `(x [b, 784] float32, y [b, 10] float32)` batches.
    """
    x, y = preprocess(images, labels)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(images), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(lambda x, y: (augment(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)
