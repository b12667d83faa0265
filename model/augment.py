"""Training-time augmentation: small random shifts and rotations of the digits.

MNIST digits are size-normalised and centred by their centre of mass, so a model that has
only seen them so is brittle to the small shifts and turns of real input. Keras's
preprocessing layers, run in the tf.data pipeline, move each training image by a fresh
random amount every epoch; the empty border is filled with black, MNIST's background.

Example:
    python -m model.training --recipe tuned --translation 0.08 --rotation 0.03
"""

import keras
import tensorflow as tf

IMAGE_SIZE = 28


def build_augmentation(translation, rotation, seed=None):
    """A function that shifts and turns a batch of flattened MNIST images at random.

    Args:
        translation: largest shift, as a fraction of the image's height and width (0.08 is
            2.24 px); 0 for none.
        rotation: largest rotation either way, as a fraction of a full turn (0.03 is
            10.8 degrees); 0 for none.
        seed: integer seed of the random draws, or None for fresh randomness.

    Returns:
        None if both are 0; otherwise a function mapping x float32 [b, 784] to float32
        [b, 784], for `model.data.make_dataset(augment=...)`.
    """
    layers = []
    if translation > 0:
        layers.append(
            keras.layers.RandomTranslation(
                translation, translation, fill_mode="constant", fill_value=0.0, seed=seed
            )
        )
    if rotation > 0:
        rotation_seed = None if seed is None else seed + 1
        layers.append(
            keras.layers.RandomRotation(
                rotation, fill_mode="constant", fill_value=0.0, seed=rotation_seed
            )
        )
    if not layers:
        return None

    def augment(x):
        # x: [b, 784] -> images [b, 28, 28, 1], as the layers expect, and back.
        images = tf.reshape(x, [-1, IMAGE_SIZE, IMAGE_SIZE, 1])
        for layer in layers:
            images = layer(images, training=True)
        return tf.reshape(images, [-1, IMAGE_SIZE * IMAGE_SIZE])

    return augment
