"""The warmup file of an export: TF Serving's format, one request per signature, each runnable.

Example:
    .venv/bin/pytest tests/export/test_warmup.py
"""

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from common import contract
from export import image, warmup

# TF Serving reads at most this many warmup records.
MAX_RECORDS = 1000


def read_warmup(path):
    """The PredictionLog records of a warmup file, as TF Serving reads them."""
    records = tf.data.TFRecordDataset(str(path)).as_numpy_iterator()
    return [prediction_log_pb2.PredictionLog.FromString(record) for record in records]


def _warmup_path(exported_model):
    return exported_model / "1" / contract.ASSETS_EXTRA / contract.WARMUP_FILE


def _signature_inputs(log):
    # PredictionLog -> (signature name, {input key: tensor}), as TF Serving would feed it.
    if log.WhichOneof("log_type") == "predict_log":
        request = log.predict_log.request
        inputs = {key: tf.constant(tf.make_ndarray(proto)) for key, proto in request.inputs.items()}
        return request.model_spec.signature_name, inputs
    request = log.classify_log.request
    examples = [example.SerializeToString() for example in request.input.example_list.examples]
    return request.model_spec.signature_name, {contract.CLASSIFY_INPUTS: tf.constant(examples)}


def test_warmup_has_one_request_per_signature(exported_model):
    logs = read_warmup(_warmup_path(exported_model))
    assert len(logs) <= MAX_RECORDS
    kinds = [log.WhichOneof("log_type") for log in logs]
    assert kinds == ["predict_log"] * (len(contract.SIGNATURES) - 1) + ["classify_log"]
    names = [_signature_inputs(log)[0] for log in logs]
    assert names == list(contract.SIGNATURES)
    models = {log.predict_log.request.model_spec.name for log in logs[:-1]}
    assert models | {logs[-1].classify_log.request.model_spec.name} == {contract.MODEL_NAME}


def test_warmup_records_parse_as_prediction_logs(exported_model):
    records = list(tf.data.TFRecordDataset(str(_warmup_path(exported_model))).as_numpy_iterator())
    assert len(records) == len(contract.SIGNATURES)
    for record in records:
        log = prediction_log_pb2.PredictionLog.FromString(record)
        assert log.SerializeToString() == record


def test_warmup_requests_run_against_their_signatures(exported_model, loaded_export):
    for log in read_warmup(_warmup_path(exported_model)):
        name, inputs = _signature_inputs(log)
        signature = loaded_export.signatures[name]
        assert set(inputs) == set(signature.structured_input_signature[1]), name
        outputs = {key: value.numpy() for key, value in signature(**inputs).items()}
        batch = len(next(iter(inputs.values())))
        assert set(outputs) == set(contract.OUTPUTS[name]), name
        if name == contract.CLASSIFY:
            probabilities = outputs[contract.SCORES]
        elif name in contract.SINGLE_OUTPUT:
            probabilities = outputs[contract.SINGLE_OUTPUT[name]]
        else:
            assert outputs[contract.CLASSES].shape == (batch,)
            probabilities = outputs[contract.PROBABILITIES]
        assert probabilities.shape == (batch, contract.NUM_CLASSES), name
        np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5, err_msg=name)


def test_warmup_sample_files_decode_to_the_sample(exported_model):
    # The image-bytes request holds the sample as a 28x28 PNG and as a larger dark-on-light
    # JPEG; both must reach the model as a digit in MNIST's layout.
    logs = read_warmup(_warmup_path(exported_model))
    request = logs[contract.SIGNATURES.index(contract.PREDICT_IMAGE_BYTES)].predict_log.request
    files = tf.make_ndarray(request.inputs[contract.IMAGE_BYTES])
    png, jpeg = image.fit_images(tf.constant(files)).numpy()
    np.testing.assert_allclose(png, warmup.sample_pixels() / 255.0, atol=1e-6, rtol=0)
    assert np.abs(jpeg - png).mean() < 0.05
