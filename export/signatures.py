"""The four serving functions of an export, typed and keyed by the serving contract.

Each function takes one batch in its own input format, brings it to the model's input
(float32 [batch, 784] in [0, 1]) and returns a dict keyed by the contract's output names:

- `serving_default`: `images` float32 [batch, 28, 28] in [0, 1].
- `predict_pixels`: `images` uint8 [batch, 28, 28], 0-255 (divided by 255 as in training).
- `predict_image_bytes`: `image_bytes` string [batch] of PNG/JPEG files (see export/image.py).
  The three predict functions return `probabilities` (the calibrated softmax(scores / T), T
  being the model's `temperature`), `classes` (int64 argmax) and `scores` (the network's raw
  output).
- `classify`: `inputs` string [batch] of serialized tf.Example with a float feature `image`
  of 784 values; returns `classes` (string [batch, 10], the labels) and `scores` (float32
  [batch, 10], the calibrated probabilities), the two outputs TF Serving's Classify API reads.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path /tmp/mnist
"""

import tensorflow as tf

from common import contract
from export.image import fit_images
from model.data import scale_pixels

IMAGE_SHAPE = [None, contract.IMAGE_SIZE, contract.IMAGE_SIZE]


def _probabilities(model, scores):
    # scores: float32 [batch, 10] raw -> calibrated probabilities; T is a constant of the graph.
    return tf.nn.softmax(scores / model.temperature)


def _predict_outputs(model, pixels):
    # pixels: float32 [batch, 784] in [0, 1].
    scores = model(pixels)
    return {
        contract.PROBABILITIES: _probabilities(model, scores),
        contract.CLASSES: tf.argmax(scores, axis=-1, output_type=tf.int64),
        contract.SCORES: scores,
    }


def _flatten(images):
    # images: [batch, 28, 28] float32 -> [batch, 784].
    return tf.reshape(images, [-1, contract.NUM_PIXELS])


def serving_functions(model):
    """Builds the four serving functions around a model.

    Args:
        model: a built Keras model mapping float32 [batch, 784] in [0, 1] to raw scores
            [batch, 10], with a positive float `temperature` (ManualMLP has one).

    Returns:
        dict from signature name to `(function, input_signature)`, where input_signature is
        a one-element list of `tf.TensorSpec` named by the contract's input key.
    """

    def images(images):
        return _predict_outputs(model, _flatten(images))

    def pixels(images):
        return _predict_outputs(model, scale_pixels(images))

    def image_bytes(image_bytes):
        return _predict_outputs(model, _flatten(fit_images(image_bytes)))

    def classify(inputs):
        feature = tf.io.FixedLenFeature([contract.NUM_PIXELS], tf.float32)
        pixels = tf.io.parse_example(inputs, {contract.EXAMPLE_FEATURE: feature})
        scores = model(pixels[contract.EXAMPLE_FEATURE])
        labels = tf.constant(contract.CLASS_LABELS)[tf.newaxis, :]
        return {
            contract.CLASSES: tf.tile(labels, [tf.shape(inputs)[0], 1]),
            contract.SCORES: _probabilities(model, scores),
        }

    return {
        contract.SERVING_DEFAULT: (
            images,
            [tf.TensorSpec(IMAGE_SHAPE, tf.float32, contract.IMAGES)],
        ),
        contract.PREDICT_PIXELS: (pixels, [tf.TensorSpec(IMAGE_SHAPE, tf.uint8, contract.IMAGES)]),
        contract.PREDICT_IMAGE_BYTES: (
            image_bytes,
            [tf.TensorSpec([None], tf.string, contract.IMAGE_BYTES)],
        ),
        contract.CLASSIFY: (classify, [tf.TensorSpec([None], tf.string, contract.CLASSIFY_INPUTS)]),
    }
