"""Helpers of the request log tests: model configs with a logging_config, records, readers.

Example:
    from request_log_helpers import logged_model, published, read_all
"""

import glob

import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2
from tensorflow_serving.config import model_server_config_pb2

from serving.request_log import check_models


def logged_model(name, prefix, rate, base_path="/tmp"):
    """A checked ModelConfig whose logging_config writes under `prefix` at `rate`."""
    model = model_server_config_pb2.ModelConfig(name=name, base_path=str(base_path))
    model.logging_config.log_collector_config.filename_prefix = str(prefix)
    model.logging_config.sampling_config.sampling_rate = rate
    check_models([model], "test")
    return model


def predict_call(name, value, version=1):
    """A Predict request and the response a server gave it (x -> x)."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    request.inputs["x"].dtype = 1  # DT_FLOAT
    request.inputs["x"].float_val.append(value)
    response = predict_pb2.PredictResponse()
    response.model_spec.name = name
    response.model_spec.version.value = version
    response.model_spec.signature_name = "serving_default"
    response.outputs["y"].CopyFrom(request.inputs["x"])
    return request, response


def published(prefix):
    """The published files of a prefix, oldest first."""
    return sorted(glob.glob(f"{glob.escape(str(prefix))}.*.tfrecord"))


def read_all(paths):
    """Every PredictionLog of the files, in order (fails on a torn record)."""
    return [
        prediction_log_pb2.PredictionLog.FromString(data)
        for path in paths
        for data in tf.data.TFRecordDataset(path).as_numpy_iterator()
    ]
