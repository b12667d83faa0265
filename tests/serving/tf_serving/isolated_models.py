"""The test models written in a Python process of their own: TensorFlow Text and tf.keras ones.

- `tf_text_regression` (version `01`, as TF Serving's testdata of that name):
  `serving_default` takes `x` float and returns `y` = 0.5x + 2 + (n - 3), where n is the
  number of tokens text.WhitespaceTokenizer finds in a constant three-word string; so the
  graph runs a TensorFlow Text op and loading it needs TensorFlow Text's ops.
- `keras_sequential_saved_model_save` and `distrat_keras_sequential_saved_model_save`
  (version 00000123): tensorflow_model_server_test.py's tf.keras Sequential models, Input
  `x` (shape (1,)) and an identity Lambda `y`, the second built under MirroredStrategy over
  two virtual CPUs with a Dense(1) of ones and zeros between them; each saved with
  tf.saved_model.save.

A process of their own: the two virtual CPUs must be set before TensorFlow sets up its
devices, tf_keras (Keras 2, the only Keras that writes these SavedModels) stays out of the
tests' Keras 3, and TensorFlow Text's ops stay out of the tests' op registry.

Example:
    python tests/serving/tf_serving/isolated_models.py /tmp/tf_serving_isolated_models
"""

import contextlib
import pathlib
import sys

import tensorflow as tf

TF_TEXT_VERSION = "01"
VERSION = "00000123"
TOKENS = "tensorflow serving text"


def write_tf_text_regression(export_dir):
    """Writes half_plus_two with a TensorFlow Text tokenizer in its graph.

    Args:
        export_dir: the version directory to create.
    """
    import tensorflow_text as text  # registers its ops in this process

    tokenizer = text.WhitespaceTokenizer()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
        tokens = tokenizer.tokenize(tf.constant([TOKENS]))
        # Zero once the tokenizer has run: it cannot be folded away without its kernel.
        extra = tf.cast(tf.size(tokens.flat_values) - len(TOKENS.split()), tf.float32)
        return {"y": 0.5 * x + 2.0 + extra}

    module = tf.Module()
    module.serve = serve
    tf.saved_model.save(module, str(export_dir), signatures={"serving_default": serve})


def write_keras_sequential(export_dir, distributed=False):
    """Writes test_(distrat_)sequential_keras_saved_model_save's model: y = x (Dense: 1x + 0).

    Args:
        export_dir: the version directory to create.
        distributed: build it under MirroredStrategy over /cpu:0 and /cpu:1, with the Dense.
    """
    import tf_keras as keras

    scope = contextlib.nullcontext()
    if distributed:
        scope = tf.distribute.MirroredStrategy(devices=("/cpu:0", "/cpu:1")).scope()
    with scope:
        model = keras.models.Sequential()
        model.add(keras.layers.Input(dtype="float32", shape=(1,), name="x"))
        if distributed:
            model.add(keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros"))
        model.add(keras.layers.Lambda(lambda x: x, name="y"))
    tf.saved_model.save(model, str(export_dir))


def write_all(out_dir):
    """Writes the three models under `out_dir`, one base path each.

    Args:
        out_dir: the directory to fill; created if missing.

    Returns:
        The `out_dir` as a pathlib.Path.
    """
    # Two logical CPUs for MirroredStrategy, as TF Serving's SetVirtualCpus(2).
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    out = pathlib.Path(out_dir)
    write_tf_text_regression(out / "tf_text_regression" / TF_TEXT_VERSION)
    write_keras_sequential(out / "keras_sequential_saved_model_save" / VERSION)
    write_keras_sequential(
        out / "distrat_keras_sequential_saved_model_save" / VERSION, distributed=True
    )
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: isolated_models.py OUTDIR")
    print(write_all(sys.argv[1]))
