"""The six serving functions of an export, typed and keyed by the serving contract.

Each function takes one batch in its own input format, brings it to the model's input
(float32 [batch, 784] in [0, 1]) and returns a dict keyed by the contract's output names.
Probabilities are the calibrated softmax(scores / T), T being the model's `temperature`.

- `serving_default`: `images` float32 [batch, 28, 28] in [0, 1] -> `probabilities` only, the
  one output a Keras model's default signature has, so REST's `predictions[i]` is a list of
  ten probabilities as stock clients expect.
- `predict_images`: `images` float32 [batch, 784] in [0, 1] -> `scores`, the probabilities,
  as TF Serving's example `mnist_saved_model.py` exports it for its `mnist_client.py`.
- `predict_detailed`: as `serving_default`, answering `probabilities`, `classes` (int64
  argmax) and `scores` (the network's raw output).
- `predict_pixels`: `images` uint8 [batch, 28, 28], 0-255 (divided by 255 as in training),
  answering the three outputs of `predict_detailed`.
- `predict_image_bytes`: `image_bytes` string [batch] of PNG/JPEG files (see export/image.py),
  answering the same three outputs.
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
FLAT_SHAPE = [None, contract.NUM_PIXELS]
# The shapes the SignatureDefs declare for the pixel inputs. The functions themselves take
# tensors of any shape and check it on every run (`_rows`): a declared rank would let the
# graph optimizer fold that check away. savedmodel.py writes these into the SignatureDefs.
DECLARED_SHAPES = {
    contract.SERVING_DEFAULT: IMAGE_SHAPE,
    contract.PREDICT_IMAGES: FLAT_SHAPE,
    contract.PREDICT_DETAILED: IMAGE_SHAPE,
    contract.PREDICT_PIXELS: IMAGE_SHAPE,
}


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


def _rows(images, shape, channel):
    """Checks a batch's shape and flattens it to rows of 784 pixels.

    Args:
        images: a tensor of any shape.
        shape: the declared shape, e.g. IMAGE_SHAPE.
        channel: whether one trailing channel of size 1 is also accepted ([n, 28, 28, 1],
            what Keras image models are usually sent).

    Returns:
        The tensor reshaped to [n, 784]; any other shape fails the run with
        INVALID_ARGUMENT naming the expected shape, instead of being reshaped into rows (a
        28x28 RGB image must not count as three digits).
    """
    dims = tf.shape(images)
    rank = len(shape)
    # The first rank + 1 dimensions, padded with 1s: the last is the channel, if any.
    padded = tf.concat([dims, tf.ones([rank + 1], tf.int32)], 0)[: rank + 1]
    ranks = [rank, rank + 1] if channel else [rank]
    rank_ok = tf.reduce_any(tf.equal(tf.size(dims), ranks))
    dims_ok = tf.reduce_all(tf.equal(padded[1:rank], shape[1:])) & tf.equal(padded[rank], 1)
    expected = ",".join(str(d or -1) for d in shape)
    also = f" or [{expected},1]" if channel else ""
    check = tf.debugging.Assert(
        rank_ok & dims_ok,
        [f"{contract.IMAGES} must have shape [{expected}]{also}; got shape", dims],
        summarize=rank + 2,
    )
    with tf.control_dependencies([check]):
        # The batch size stays the first dimension, even where the check is not converted
        # (TF Lite drops Assert): a shape of other sizes then fails the reshape.
        return tf.reshape(images, [dims[0], contract.NUM_PIXELS])


def serving_functions(model):
    """Builds the six serving functions around a model.

    Args:
        model: a built Keras model mapping float32 [batch, 784] in [0, 1] to raw scores
            [batch, 10], with a positive float `temperature` (ManualMLP has one).

    Returns:
        dict from signature name to `(function, input_signature)`, where input_signature is
        a one-element list of `tf.TensorSpec` named by the contract's input key.
    """

    def default(images):
        probabilities = _probabilities(model, model(_rows(images, IMAGE_SHAPE, True)))
        return {contract.PROBABILITIES: probabilities}

    def flat_images(images):
        probabilities = _probabilities(model, model(_rows(images, FLAT_SHAPE, False)))
        return {contract.SCORES: probabilities}

    def detailed(images):
        return _predict_outputs(model, _rows(images, IMAGE_SHAPE, True))

    def pixels(images):
        return _predict_outputs(model, scale_pixels(_rows(images, IMAGE_SHAPE, True)))

    def image_files(image_bytes):
        return _predict_outputs(
            model, tf.reshape(fit_images(image_bytes), [-1, contract.NUM_PIXELS])
        )

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
            default,
            [tf.TensorSpec(None, tf.float32, contract.IMAGES)],
        ),
        contract.PREDICT_IMAGES: (
            flat_images,
            [tf.TensorSpec(None, tf.float32, contract.IMAGES)],
        ),
        contract.PREDICT_DETAILED: (
            detailed,
            [tf.TensorSpec(None, tf.float32, contract.IMAGES)],
        ),
        contract.PREDICT_PIXELS: (pixels, [tf.TensorSpec(None, tf.uint8, contract.IMAGES)]),
        contract.PREDICT_IMAGE_BYTES: (
            image_files,
            [tf.TensorSpec([None], tf.string, contract.IMAGE_BYTES)],
        ),
        contract.CLASSIFY: (classify, [tf.TensorSpec([None], tf.string, contract.CLASSIFY_INPUTS)]),
    }
