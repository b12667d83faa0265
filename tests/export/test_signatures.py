"""The four exported signatures, run through TF1's session loader and TF2's loader, against
the Keras model they wrap and its calibration temperature.

Example:
    .venv/bin/pytest tests/export/test_signatures.py
"""

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
