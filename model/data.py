"""The network's input: pixel scaling, one-hot labels, the validation split, tf.data batches.

The digits themselves come from `common.mnist.load_mnist`, which needs no TensorFlow.

Example:
    python -c "from common.mnist import load_mnist; from model.data import make_dataset; \
        (x, y), _ = load_mnist(); print(make_dataset(x, y).element_spec)"
"""

import tensorflow as tf


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
