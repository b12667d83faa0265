"""The exported signatures, run through TF1's session loader and TF2's loader, against
the Keras model they wrap and its calibration temperature.

Example:
    .venv/bin/pytest tests/export/test_signatures.py
"""

import re

import numpy as np
import pytest
import tensorflow as tf

from common import contract
from model.calibration import softmax

TOLERANCE = 1e-5


def _inputs_and_expected(model, pixels):
    # pixels: uint8 [batch, 28, 28] -> ({signature: {input key: array}}, {signature: outputs}).
    # Byte strings go in object arrays: numpy's fixed-width bytes would drop trailing zeros.
    x = pixels.reshape(len(pixels), -1).astype(np.float32) / 255.0
    scores = model(x).numpy()
    probabilities = softmax(scores, model.temperature)
    predict = {
        contract.PROBABILITIES: probabilities,
        contract.CLASSES: np.argmax(scores, axis=-1),
        contract.SCORES: scores,
    }
    examples = [
        tf.train.Example(
            features=tf.train.Features(
                feature={
                    contract.EXAMPLE_FEATURE: tf.train.Feature(
                        float_list=tf.train.FloatList(value=row)
                    )
                }
            )
        ).SerializeToString()
        for row in x
    ]
    inputs = {
        contract.SERVING_DEFAULT: {contract.IMAGES: x.reshape(pixels.shape)},
        contract.PREDICT_IMAGES: {contract.IMAGES: x},
        contract.PREDICT_DETAILED: {contract.IMAGES: x.reshape(pixels.shape)},
        contract.PREDICT_PIXELS: {contract.IMAGES: pixels},
        # A 28x28 file is used as it is, so it must give the pixel path's numbers.
        contract.PREDICT_IMAGE_BYTES: {
            contract.IMAGE_BYTES: np.array(
                [tf.io.encode_png(p[..., None]).numpy() for p in pixels], dtype=object
            )
        },
        contract.CLASSIFY: {contract.CLASSIFY_INPUTS: np.array(examples, dtype=object)},
    }
    labels = np.tile(np.array(contract.CLASS_LABELS, dtype=object), (len(pixels), 1))
    expected = {name: predict for name in contract.SIGNATURES}
    expected[contract.CLASSIFY] = {contract.CLASSES: labels, contract.SCORES: probabilities}
    for name, key in contract.SINGLE_OUTPUT.items():
        expected[name] = {key: probabilities}
    return inputs, expected


def _assert_outputs_match(outputs, expected, where):
    assert set(outputs) == set(expected), where
    for key, want in expected.items():
        got = outputs[key]
        assert got.shape == want.shape, f"{where} {key}"
        if want.dtype == object:
            assert [[v.decode() for v in row] for row in got] == want.tolist(), f"{where} {key}"
        elif np.issubdtype(want.dtype, np.integer):
            np.testing.assert_array_equal(got, want, err_msg=f"{where} {key}")
        else:
            np.testing.assert_allclose(got, want, atol=TOLERANCE, rtol=0, err_msg=f"{where} {key}")


@pytest.mark.parametrize("batch_size", [1, 37])
def test_signatures_tf1_session_loader_matches_keras(
    trained_model, mnist, exported_model, batch_size
):
    _, (x_test, _) = mnist
    inputs, expected = _inputs_and_expected(trained_model, x_test[:batch_size])
    # TF Serving's C++ loader works like this: restore the graph into a session, then feed and
    # fetch by the tensor names recorded in each SignatureDef. A fresh Graph keeps it apart
    # from eager mode.
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(
            session, [tf.saved_model.SERVING], str(exported_model / "1")
        )
        for name in contract.SIGNATURES:
            signature = meta_graph.signature_def[name]
            feed = {signature.inputs[key].name: value for key, value in inputs[name].items()}
            fetch = {key: info.name for key, info in signature.outputs.items()}
            _assert_outputs_match(session.run(fetch, feed), expected[name], f"TF1 {name}")


@pytest.mark.parametrize("batch_size", [1, 37])
def test_signatures_tf2_loader_matches_keras(trained_model, mnist, loaded_export, batch_size):
    _, (x_test, _) = mnist
    inputs, expected = _inputs_and_expected(trained_model, x_test[-batch_size:])
    for name in contract.SIGNATURES:
        outputs = loaded_export.signatures[name](
            **{key: tf.constant(value) for key, value in inputs[name].items()}
        )
        outputs = {key: value.numpy() for key, value in outputs.items()}
        _assert_outputs_match(outputs, expected[name], f"TF2 {name}")


def test_signatures_reject_malformed_example(loaded_export):
    bad = tf.train.Example(
        features=tf.train.Features(
            feature={"pixels": tf.train.Feature(float_list=tf.train.FloatList(value=[0.0]))}
        )
    ).SerializeToString()
    with pytest.raises(tf.errors.InvalidArgumentError):
        loaded_export.signatures[contract.CLASSIFY](
            **{contract.CLASSIFY_INPUTS: tf.constant([bad])}
        )


def _run_in_session(export_dir, name, value):
    # As TF Serving's C++ loader runs a signature: fed and fetched by tensor name.
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(
            session, [tf.saved_model.SERVING], str(export_dir)
        )
        signature = meta_graph.signature_def[name]
        fetch = {key: info.name for key, info in signature.outputs.items()}
        return session.run(fetch, {signature.inputs[contract.IMAGES].name: value})


BAD_SHAPES = [
    (contract.SERVING_DEFAULT, [1, 28, 28, 3], "[-1,28,28] or [-1,28,28,1]", "[1 28 28 3]"),
    (contract.SERVING_DEFAULT, [2, 784], "[-1,28,28] or [-1,28,28,1]", "[2 784]"),
    (contract.SERVING_DEFAULT, [1, 28, 28, 1, 1], "[-1,28,28] or", "[1 28 28 1 1]"),
    (contract.PREDICT_DETAILED, [3, 28, 27], "[-1,28,28] or", "[3 28 27]"),
    (contract.PREDICT_IMAGES, [1, 28, 28], "[-1,784];", "[1 28 28]"),
    (contract.PREDICT_IMAGES, [2, 784, 1], "[-1,784];", "[2 784 1]"),
    (contract.PREDICT_PIXELS, [1, 28, 28, 3], "[-1,28,28] or", "[1 28 28 3]"),
    (contract.PREDICT_PIXELS, [28, 28], "[-1,28,28] or", "[28 28]"),
]


@pytest.mark.parametrize("name, shape, expected, got", BAD_SHAPES)
def test_signatures_refuse_pixels_not_in_batches_of_one_digit(
    exported_model, name, shape, expected, got
):
    # An RGB 28x28 image must not be read as three digits: the graph refuses it.
    dtype = np.uint8 if name == contract.PREDICT_PIXELS else np.float32
    pattern = rf"images must have shape {re.escape(expected)}.*got shape\] {re.escape(got)}"
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        _run_in_session(exported_model / "1", name, np.zeros(shape, dtype))


def test_signatures_take_one_trailing_channel_and_declare_their_shapes(
    trained_model, mnist, exported_model, loaded_export
):
    _, (x_test, _) = mnist
    images = x_test[:3, :, :, np.newaxis].astype(np.float32) / 255.0  # Keras's [n, 28, 28, 1]
    probabilities = softmax(trained_model(images.reshape(3, -1)).numpy(), trained_model.temperature)
    outputs = _run_in_session(exported_model / "1", contract.SERVING_DEFAULT, images)
    np.testing.assert_allclose(outputs[contract.PROBABILITIES], probabilities, atol=TOLERANCE)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(
            session, [tf.saved_model.SERVING], str(exported_model / "1")
        )
    declared = {
        name: tf.TensorShape(meta_graph.signature_def[name].inputs[contract.IMAGES].tensor_shape)
        for name in (contract.SERVING_DEFAULT, contract.PREDICT_IMAGES, contract.PREDICT_PIXELS)
    }
    assert {name: shape.as_list() for name, shape in declared.items()} == {
        contract.SERVING_DEFAULT: [None, 28, 28],
        contract.PREDICT_IMAGES: [None, 784],
        contract.PREDICT_PIXELS: [None, 28, 28],
    }
