"""gRPC requests of TF Serving's tests: VerifyPredictRequest and the tf.Example APIs.

Each helper sends what tensorflow_model_server_test(_base).py sends and checks what it
checks, with TF Serving's stubs from tensorflow-serving-api.

Example:
    verify_predict("localhost:8500", expected_output=3.0, expected_version=123)
"""

import grpc
import tensorflow as tf
from harness import RPC_TIMEOUT
from tensorflow.core.framework import tensor_pb2, types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)


def prediction_stub(address):
    """A PredictionService stub on a new channel to `address` (host:port or unix:path)."""
    return prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(address))


def model_stub(address):
    """A ModelService stub on a new channel to `address`."""
    return model_service_pb2_grpc.ModelServiceStub(grpc.insecure_channel(address))


def verify_model_spec(spec, name, signature_name, version):
    """Asserts a response's model_spec names the model, signature and version asked."""
    assert (spec.name, spec.signature_name, spec.version.value) == (name, signature_name, version)


def verify_predict(
    address,
    expected_output,
    expected_version,
    model_name="default",
    specify_output=True,
    batch_input=False,
    signature_name="serving_default",
):
    """Predicts x = [2.0] (shape [1], or [1, 1] with batch_input) and checks y.

    Returns:
        The PredictResponse.
    """
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    request.inputs["x"].dtype = types_pb2.DT_FLOAT
    request.inputs["x"].float_val.append(2.0)
    request.inputs["x"].tensor_shape.dim.add().size = 1
    if batch_input:
        request.inputs["x"].tensor_shape.dim.add().size = 1
    if specify_output:
        request.output_filter.append("y")
    result = prediction_stub(address).Predict(request, RPC_TIMEOUT)
    assert "y" in result.outputs
    assert result.outputs["y"].dtype == types_pb2.DT_FLOAT
    assert list(result.outputs["y"].float_val) == [expected_output]
    verify_model_spec(result.model_spec, model_name, signature_name, expected_version)
    return result


def add_example(request_input, x=2.0):
    """Appends a tf.Example with float feature x to a request's example_list."""
    example = request_input.example_list.examples.add()
    example.features.feature["x"].float_list.value.append(x)


def classify(address, signature_name="classify_x_to_y", model_name="default", x=2.0):
    """Classify with one example {x}; returns the ClassificationResponse."""
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    add_example(request.input, x)
    return prediction_stub(address).Classify(request, RPC_TIMEOUT)


def regress(address, signature_name="regress_x_to_y", model_name="default", x=2.0):
    """Regress with one example {x}; returns the RegressionResponse."""
    request = regression_pb2.RegressionRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    add_example(request.input, x)
    return prediction_stub(address).Regress(request, RPC_TIMEOUT)


def predict(address, model_name="default", inputs=None, signature_name="", **spec):
    """A Predict with `inputs` ({key: values}, float32 unless given as a TensorProto).

    Args:
        spec: `version=N` or `version_label=L` for the model_spec.

    Returns:
        The PredictResponse.
    """
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    if "version" in spec:
        request.model_spec.version.value = spec["version"]
    if "version_label" in spec:
        request.model_spec.version_label = spec["version_label"]
    for key, value in (inputs or {}).items():
        if not isinstance(value, tensor_pb2.TensorProto):
            value = tf.make_tensor_proto(value, dtype=tf.float32)
        request.inputs[key].CopyFrom(value)
    return prediction_stub(address).Predict(request, RPC_TIMEOUT)
